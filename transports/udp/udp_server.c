/* tr_udp_server: a bound datagram socket as an actor (the struct is its state). */
#include <stdlib.h>
#include <string.h>

#include "troupe/error.h"
#include "udp_core.h"
#include "udp_owner.h"

struct tr_udp_server {
  udp_core core; /* first: the core's callbacks cast back to the server */
  tr_udp_server_callbacks cb;
  void *ctx;
  tr_udp_endpoint bind_ep;
  /* Written on the worker, read by multicast() on any thread: local_lock. */
  tr_udp_endpoint group;
  int has_group;
};

static void ev_received(udp_core *c, const tr_udp_endpoint *from, const void *data, size_t size) {
  tr_udp_server *s = (tr_udp_server *)c;
  if (s->cb.on_received)
    s->cb.on_received(s, from, data, size, s->ctx);
}

static void ev_sent(udp_core *c, const tr_udp_endpoint *to, size_t sent) {
  tr_udp_server *s = (tr_udp_server *)c;
  if (s->cb.on_sent)
    s->cb.on_sent(s, to, sent, s->ctx);
}

static void ev_error(udp_core *c, int code, const char *category, const char *message) {
  tr_udp_server *s = (tr_udp_server *)c;
  if (s->cb.on_error)
    s->cb.on_error(s, code, category, message, s->ctx);
}

static void stopped(tr_actor *self, void *state) {
  tr_udp_server *s = state;
  int was_open = udp_core_is_open(&s->core);
  udp_owner_stopped(&s->core);
  if (was_open && !s->core.freed && s->cb.on_stopped)
    s->cb.on_stopped(s, s->ctx);
}

static void receive(tr_actor *self, void *state, const tr_msg *m) { udp_core_handle_msg(state, m); }

static void dropped(tr_actor *self, void *state, const tr_msg *m) { udp_core_drop_msg(m); }

static const tr_behaviour server_behaviour = {
    .name = "udp_server", .receive = receive, .stopped = stopped, .dropped = dropped};

int tr_udp_server_new(tr_runtime *rt, const char *address, int port, const tr_udp_options *opts,
                      const tr_udp_server_callbacks *cb, void *ctx, tr_udp_server **out) {
  if (!rt || !out)
    return TR_EINVAL;
  *out = NULL;
  tr_udp_server *tmpl = calloc(1, sizeof(*tmpl));
  if (!tmpl)
    return TR_ENOMEM;
  int r = tr_udp_endpoint_init(&tmpl->bind_ep, address ? address : "0.0.0.0", port);
  if (r < 0) {
    free(tmpl);
    return r;
  }
  if (cb)
    tmpl->cb = *cb;
  tmpl->ctx = ctx;
  static const udp_core_events evs[2] = {
      {.received = ev_received, .sent = ev_sent, .error = ev_error, .wants_sent = 0},
      {.received = ev_received, .sent = ev_sent, .error = ev_error, .wants_sent = 1},
  };
  udp_core_init(&tmpl->core, opts, &evs[tmpl->cb.on_sent != NULL]);
  tr_actor *a = NULL;
  r = udp_owner_spawn(rt, &tmpl->core, &server_behaviour, tmpl, sizeof(*tmpl), &a);
  free(tmpl);
  if (r < 0)
    return r;
  *out = tr_actor_state(a);
  return 0;
}

void tr_udp_server_free(tr_udp_server *s) {
  if (s)
    udp_owner_free(&s->core);
}

/* ---- control calls (run on the worker) -------------------------------- */

static int op_start(void *state, udp_call *call) {
  tr_udp_server *s = state;
  if (udp_core_is_open(&s->core))
    return TR_EBUSY;
  int r = udp_core_open(&s->core, &s->bind_ep, 0);
  if (r < 0)
    return r;
  if (call->i) {
    pthread_mutex_lock(&s->core.local_lock);
    s->group = call->ep;
    s->has_group = 1;
    pthread_mutex_unlock(&s->core.local_lock);
  }
  if (!s->core.opts.receive_on_request && (r = udp_core_receive(&s->core)) < 0) {
    udp_core_close(&s->core);
    return r;
  }
  if (!s->core.freed && s->cb.on_started)
    s->cb.on_started(s, s->ctx);
  return 0;
}

static int op_stop(void *state, udp_call *call) {
  tr_udp_server *s = state;
  if (!udp_core_is_open(&s->core))
    return TR_ESTATE;
  udp_core_close(&s->core);
  if (!s->core.freed && s->cb.on_stopped)
    s->cb.on_stopped(s, s->ctx);
  return 0;
}

static int op_restart(void *state, udp_call *call) {
  tr_udp_server *s = state;
  int r = op_stop(state, call);
  if (r < 0)
    return r;
  /* i = 0 keeps the group remembered at start. */
  return op_start(s, call);
}

static int op_receive(void *state, udp_call *call) { return udp_core_receive(state); }

int tr_udp_server_start(tr_udp_server *s) {
  if (!s)
    return TR_EINVAL;
  udp_call call = {.fn = op_start};
  return udp_call_run(&s->core, &call);
}

int tr_udp_server_start_multicast(tr_udp_server *s, const char *group, int port) {
  if (!s)
    return TR_EINVAL;
  udp_call call = {.fn = op_start, .i = 1};
  int r = tr_udp_endpoint_init(&call.ep, group, port);
  if (r < 0)
    return r;
  return udp_call_run(&s->core, &call);
}

int tr_udp_server_stop(tr_udp_server *s) {
  if (!s)
    return TR_EINVAL;
  udp_call call = {.fn = op_stop};
  return udp_call_run(&s->core, &call);
}

int tr_udp_server_restart(tr_udp_server *s) {
  if (!s)
    return TR_EINVAL;
  udp_call call = {.fn = op_restart};
  return udp_call_run(&s->core, &call);
}

int tr_udp_server_is_started(const tr_udp_server *s) { return s ? udp_core_is_open(&s->core) : 0; }

int tr_udp_server_receive(tr_udp_server *s) {
  if (!s)
    return TR_EINVAL;
  if (tr_worker_is_current(s->core.worker))
    return (s->core.freed || s->core.dead) ? TR_ECLOSED : udp_core_receive(&s->core);
  if (!udp_core_is_open(&s->core))
    return TR_ECLOSED;
  udp_call call = {.fn = op_receive};
  return udp_call_run(&s->core, &call);
}

/* ---- sending ------------------------------------------------------------ */

int tr_udp_server_send(tr_udp_server *s, const tr_udp_endpoint *to, const void *data, size_t size) {
  if (!s)
    return TR_EINVAL;
  return udp_owner_send(&s->core, to, data, size, NULL, 0);
}

int tr_udp_server_send_buf(tr_udp_server *s, const tr_udp_endpoint *to, tr_buf *buf) {
  if (!s || !buf)
    return TR_EINVAL;
  return udp_owner_send(&s->core, to, NULL, 0, buf, 0);
}

int tr_udp_server_send_sync(tr_udp_server *s, const tr_udp_endpoint *to, const void *data, size_t size) {
  if (!s)
    return TR_EINVAL;
  return udp_owner_send(&s->core, to, data, size, NULL, 1);
}

static int group_of(tr_udp_server *s, tr_udp_endpoint *out) {
  pthread_mutex_lock(&s->core.local_lock);
  int has = s->has_group;
  *out = s->group;
  pthread_mutex_unlock(&s->core.local_lock);
  return has ? 0 : TR_ESTATE;
}

int tr_udp_server_multicast(tr_udp_server *s, const void *data, size_t size) {
  tr_udp_endpoint g;
  if (!s)
    return TR_EINVAL;
  int r = group_of(s, &g);
  return r < 0 ? r : udp_owner_send(&s->core, &g, data, size, NULL, 0);
}

int tr_udp_server_multicast_sync(tr_udp_server *s, const void *data, size_t size) {
  tr_udp_endpoint g;
  if (!s)
    return TR_EINVAL;
  int r = group_of(s, &g);
  return r < 0 ? r : udp_owner_send(&s->core, &g, data, size, NULL, 1);
}

int tr_udp_server_local_endpoint(const tr_udp_server *s, tr_udp_endpoint *out) {
  return s ? udp_core_local(&s->core, out) : TR_EINVAL;
}

void tr_udp_server_stats(const tr_udp_server *s, tr_udp_stats *out) {
  if (s)
    udp_core_stats(&s->core, out);
  else if (out)
    memset(out, 0, sizeof(*out));
}

tr_worker *tr_udp_server_worker(const tr_udp_server *s) { return s ? s->core.worker : NULL; }
