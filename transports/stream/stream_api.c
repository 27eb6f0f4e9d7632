/* The public tr_stream calls: act at once on the stream's worker, otherwise
 * become a message to the stream actor. The handle is the actor itself. */
#include <stdlib.h>

#include "stream_core.h"
#include "troupe/runtime.h"

static tr_actor *actor_of(const tr_stream *s) { return (tr_actor *)s; }

/* Cheap early answer for a foreign caller; the stream re-checks. */
static int closed_now(const tr__stream *st, tr_actor *a) {
  if (!tr_actor_is_alive(a))
    return 1;
  int s = tr__stream_state(st);
  return s == TR__ST_CLOSING || s == TR__ST_IDLE;
}

static int send_msg(tr_actor *a, uint32_t type) {
  tr_msg m = {.type = type};
  return tr_actor_send(a, &m);
}

int tr_stream_send(tr_stream *s, const void *data, size_t size) {
  if (!s || (!data && size))
    return TR_EINVAL;
  tr_actor *a = actor_of(s);
  tr__stream *st = tr__stream_of(s);
  if (tr__stream_on_home(st, a))
    return tr__stream_append(st, data, size);
  if (closed_now(st, a))
    return TR_ECLOSED;
  if (!size)
    return 0;
  tr_buf *b = tr_buf_copy(data, size);
  if (!b)
    return TR_ENOMEM;
  tr_msg m = {.type = TR__MSG_SEND, .buf = b};
  int rc = tr_actor_send(a, &m);
  if (rc < 0)
    tr_buf_release(b);
  return rc;
}

int tr_stream_send_buf(tr_stream *s, tr_buf *buf) {
  if (!s || !buf)
    return TR_EINVAL;
  tr_actor *a = actor_of(s);
  tr__stream *st = tr__stream_of(s);
  if (tr__stream_on_home(st, a))
    return tr__stream_append(st, tr_buf_data(buf), tr_buf_len(buf));
  if (closed_now(st, a))
    return TR_ECLOSED;
  tr_msg m = {.type = TR__MSG_SEND, .buf = tr_buf_retain(buf)};
  int rc = tr_actor_send(a, &m);
  if (rc < 0)
    tr_buf_release(buf);
  return rc;
}

int tr_stream_send_sync(tr_stream *s, const void *data, size_t size, int64_t timeout_ms) {
  if (!s || (!data && size))
    return TR_EINVAL;
  if (tr_worker_current())
    return TR_EDEADLK;
  tr_actor *a = actor_of(s);
  if (closed_now(tr__stream_of(s), a))
    return TR_ECLOSED;
  tr_buf *b = size ? tr_buf_copy(data, size) : NULL;
  if (size && !b)
    return TR_ENOMEM;
  tr_future *f = tr_future_new();
  if (!f) {
    tr_buf_release(b);
    return TR_ENOMEM;
  }
  tr_msg m = {.type = TR__MSG_SEND_SYNC, .buf = b, .ptr = tr_future_retain(f)};
  int rc = tr_actor_send(a, &m);
  if (rc < 0) {
    tr_buf_release(b);
    tr_future_release(f);
    tr_future_release(f);
    return rc;
  }
  rc = tr_future_wait(f, timeout_ms, NULL);
  tr_future_release(f);
  return rc;
}

int tr_stream_disconnect(tr_stream *s) {
  if (!s)
    return TR_EINVAL;
  tr_actor *a = actor_of(s);
  tr__stream *st = tr__stream_of(s);
  if (tr__stream_on_home(st, a)) {
    int state = tr__stream_state(st);
    if (state == TR__ST_IDLE || state == TR__ST_CLOSING)
      return TR_ECLOSED;
    tr__stream_close(st);
    return 0;
  }
  if (closed_now(st, a))
    return TR_ECLOSED;
  return send_msg(a, TR__MSG_DISCONNECT);
}

int tr_stream_receive_pause(tr_stream *s) {
  if (!s)
    return TR_EINVAL;
  tr_actor *a = actor_of(s);
  tr__stream *st = tr__stream_of(s);
  if (tr__stream_on_home(st, a)) {
    tr__stream_pause(st);
    return 0;
  }
  return send_msg(a, TR__MSG_PAUSE);
}

int tr_stream_receive_resume(tr_stream *s) {
  if (!s)
    return TR_EINVAL;
  tr_actor *a = actor_of(s);
  tr__stream *st = tr__stream_of(s);
  if (tr__stream_on_home(st, a)) {
    tr__stream_resume(st);
    return 0;
  }
  return send_msg(a, TR__MSG_RESUME);
}

typedef struct limits_arg {
  size_t send, receive;
  int policy;
} limits_arg;

static void apply_limits(tr_actor *self, void *state, void *arg) {
  limits_arg *l = arg;
  if (state) {
    tr__stream *st = state;
    st->send_limit = l->send;
    st->receive_limit = l->receive;
    st->limit_policy = l->policy;
  }
  free(l);
}

int tr_stream_set_limits(tr_stream *s, size_t send_limit, size_t receive_limit, tr_stream_limit_policy policy) {
  if (!s)
    return TR_EINVAL;
  limits_arg *l = malloc(sizeof *l);
  if (!l)
    return TR_ENOMEM;
  *l = (limits_arg){send_limit, receive_limit, (int)policy};
  int rc = tr_actor_dispatch(actor_of(s), apply_limits, l);
  if (rc < 0)
    free(l);
  return rc;
}

tr_stream *tr_stream_retain(tr_stream *s) {
  if (s)
    tr_actor_retain(actor_of(s));
  return s;
}

void tr_stream_release(tr_stream *s) {
  if (s)
    tr_actor_release(actor_of(s));
}

uint64_t tr_stream_id(const tr_stream *s) { return s ? tr_actor_id(actor_of(s)) : 0; }

int tr_stream_is_connected(const tr_stream *s) {
  return s && tr__stream_state(tr__stream_of(s)) == TR__ST_CONNECTED;
}

uint64_t tr_stream_bytes_sent(const tr_stream *s) {
  return s ? atomic_load_explicit(&tr__stream_of(s)->bytes_sent, memory_order_relaxed) : 0;
}

uint64_t tr_stream_bytes_received(const tr_stream *s) {
  return s ? atomic_load_explicit(&tr__stream_of(s)->bytes_received, memory_order_relaxed) : 0;
}

uint64_t tr_stream_bytes_pending(const tr_stream *s) {
  return s ? atomic_load_explicit(&tr__stream_of(s)->bytes_pending, memory_order_relaxed) : 0;
}

void *tr_stream_user(const tr_stream *s) {
  if (!s)
    return NULL;
  tr__stream *st = tr__stream_of(s);
  return st->user_off ? (char *)st + st->user_off : st->user_ctx;
}
void *tr_stream_owner_ctx(const tr_stream *s) { return s ? tr__stream_of(s)->user_ctx : NULL; }
tr_actor *tr_stream_actor(tr_stream *s) { return actor_of(s); }
tr_worker *tr_stream_worker(const tr_stream *s) { return s ? tr_actor_worker(actor_of(s)) : NULL; }
