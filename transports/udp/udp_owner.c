/* Server and client share their actor plumbing: this file. */
#include <stdlib.h>

#include "troupe/error.h"
#include "udp_owner.h"

int udp_owner_spawn(tr_runtime *rt, udp_core *tmpl, const tr_behaviour *b, const void *state, size_t size,
                    tr_actor **out) {
  tr_worker *w;
  if (tmpl->opts.worker >= 0) {
    if ((unsigned)tmpl->opts.worker >= tr_runtime_worker_count(rt))
      return TR_EINVAL;
    w = tr_runtime_worker(rt, (unsigned)tmpl->opts.worker);
  } else {
    w = tr_runtime_next_worker(rt);
  }
  if (!w)
    return TR_ECLOSED;
  /* The socket's handle belongs to this worker's loop, so the actor is
   * pinned there for life. */
  tmpl->worker = w;
  tr_actor_options o = {.worker = (int)tr_worker_index(w), .state_size = size, .state_init = state};
  tr_actor *a = NULL;
  int r = tr_actor_spawn(rt, b, &o, &a);
  if (r < 0)
    return r;
  /* Nothing on the worker reads this before the handle has been returned
   * and used: the actor has no started callback. */
  ((udp_core *)tr_actor_state(a))->actor = a;
  *out = a;
  return 0;
}

static int op_free(void *state, udp_call *call) {
  udp_core *c = state;
  c->freed = 1;
  udp_core_close(c);
  return 0;
}

void udp_owner_free(udp_core *c) {
  tr_actor *a = c->actor;
  udp_call call = {.fn = op_free};
  udp_call_run(c, &call);
  tr_actor_stop(a);
  tr_actor_release(a);
}

void udp_owner_stopped(udp_core *c) {
  c->dead = 1;
  udp_core_close(c);
  if (!c->defer_pending) {
    udp_core_enter(c);
    udp_core_leave(c);
    udp_core_destroy(c);
  }
}

int udp_owner_send(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *buf, int wait) {
  if (!to || (!buf && size && !data))
    return TR_EINVAL;
  if (wait && tr_worker_current() != NULL)
    return TR_EDEADLK;
  if (tr_worker_is_current(c->worker)) {
    if (c->freed || c->dead)
      return TR_ECLOSED;
    if (!buf)
      return udp_core_send(c, to, data, size, NULL, NULL);
    int r = udp_core_send(c, to, tr_buf_data(buf), tr_buf_len(buf), buf, NULL);
    if (r == 0)
      tr_buf_release(buf);
    return r;
  }
  if (!udp_core_is_open(c))
    return TR_ECLOSED;
  return udp_core_post_send(c, to, data, size, buf, wait);
}
