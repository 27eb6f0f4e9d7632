/* An FBE client: a TCP client, one tr_fbe_session reused across its
 * connections, and a libuv timer on the client's worker that fires at the
 * earliest request deadline.
 *
 * Requests from other threads are encoded on the caller's thread and posted
 * to the client's actor, so the table is only ever touched on the worker.
 * The struct is reference counted: a posted request and the timer's close
 * each hold a reference, so they may outlive tr_fbe_tcp_client_free. */
#include <stdatomic.h>
#include <stdlib.h>
#include <uv.h>

#include "fbe_session_internal.h"
#include "troupe/error.h"

struct tr_fbe_tcp_client {
  _Atomic int refs;
  _Atomic int closing; /* free has begun: refuse new requests */
  _Atomic size_t pending;
  tr_tcp_client *tcp;
  tr_worker *worker;
  tr_fbe_session fs;
  tr_fbe_session_callbacks cb;
  uv_timer_t *timer; /* made on the worker when first needed */
  uint64_t armed;    /* deadline the timer is set for, UINT64_MAX when idle */
};

static void client_release(tr_fbe_tcp_client *c) {
  if (atomic_fetch_sub(&c->refs, 1) == 1)
    free(c);
}

static void note_pending(tr_fbe_tcp_client *c) { atomic_store(&c->pending, tr_fbe_client_pending(&c->fs.table)); }

/* ---- timeouts ----------------------------------------------------------- */

static void arm(tr_fbe_tcp_client *c);

static void on_timer(uv_timer_t *t) {
  tr_fbe_tcp_client *c = t->data;
  c->armed = UINT64_MAX;
  tr_fbe_client_tick(&c->fs.table, tr_fbe_now_ms());
  note_pending(c);
  arm(c);
}

/* Sets the timer for the earliest deadline, if that moved earlier. Runs on
 * the worker after every change that can add a deadline. */
static void arm(tr_fbe_tcp_client *c) {
  uint64_t due = tr_fbe_client_next_deadline(&c->fs.table);
  if (due == UINT64_MAX || due >= c->armed)
    return;
  if (!c->timer) {
    c->timer = malloc(sizeof *c->timer);
    if (!c->timer || uv_timer_init(tr_worker_loop(c->worker), c->timer) != 0) {
      free(c->timer);
      c->timer = NULL;
      return; /* no timer: requests can still complete, only not time out */
    }
    c->timer->data = c;
  }
  uint64_t now = tr_fbe_now_ms();
  uv_timer_start(c->timer, on_timer, due > now ? due - now : 0, 0);
  c->armed = due;
}

/* ---- stream callbacks (the client's worker) ----------------------------- */

static void on_connected(tr_stream *s, void *ctx) {
  tr_fbe_tcp_client *c = ctx;
  tr__fbe_session_attach(&c->fs, s);
  if (c->cb.on_connected)
    c->cb.on_connected(&c->fs, c->fs.user);
}

static void on_disconnected(tr_stream *s, void *ctx) {
  tr_fbe_tcp_client *c = ctx;
  tr__fbe_session_detach(&c->fs);
  note_pending(c);
  if (c->cb.on_disconnected)
    c->cb.on_disconnected(&c->fs, c->fs.user);
  tr__fbe_session_gone(&c->fs);
}

static void on_received(tr_stream *s, void *ctx, const void *data, size_t size) {
  tr_fbe_tcp_client *c = ctx;
  tr__fbe_session_received(&c->fs, data, size);
  note_pending(c);
}

static void on_error(tr_stream *s, void *ctx, int code, const char *category, const char *message) {
  tr_fbe_tcp_client *c = ctx;
  if (c->cb.on_error)
    c->cb.on_error(&c->fs, c->fs.user, code, category, message);
}

/* ---- lifetime ------------------------------------------------------------ */

int tr_fbe_tcp_client_new(tr_runtime *rt, const tr_fbe_tcp_client_options *opts, tr_fbe_tcp_client **out) {
  if (!rt || !opts || !out)
    return TR_EINVAL;
  tr_fbe_tcp_client *c = calloc(1, sizeof *c);
  if (!c)
    return TR_ENOMEM;
  atomic_init(&c->refs, 1);
  c->cb = opts->callbacks;
  c->armed = UINT64_MAX;
  tr__fbe_session_init(&c->fs, &c->cb, opts->ctx, opts->max_frame, opts->default_timeout_ms);
  tr_tcp_client_options t = opts->tcp;
  t.callbacks = (tr_stream_callbacks){
      .on_connected = on_connected,
      .on_disconnected = on_disconnected,
      .on_received = on_received,
      .on_error = on_error,
  };
  t.state_size = 0;
  t.ctx = c;
  int rc = tr_tcp_client_new(rt, &t, &c->tcp);
  if (rc < 0) {
    tr__fbe_session_free(&c->fs);
    free(c);
    return rc;
  }
  c->worker = tr_stream_worker(tr_tcp_client_stream(c->tcp));
  *out = c;
  return 0;
}

static void timer_closed(uv_handle_t *h) {
  tr_fbe_tcp_client *c = h->data;
  free(h);
  client_release(c);
}

/* On the worker, the timer's only thread: the table goes with it. */
static void close_timer(void *arg) {
  tr_fbe_tcp_client *c = arg;
  uv_timer_stop(c->timer);
  tr__fbe_session_free(&c->fs);
  uv_close((uv_handle_t *)c->timer, timer_closed);
}

void tr_fbe_tcp_client_free(tr_fbe_tcp_client *c) {
  if (!c)
    return;
  atomic_store(&c->closing, 1);
  /* Waits (off the workers) for the last stream callback; requests still in
   * the actor's mailbox then run with no state and fail by themselves. */
  tr_tcp_client_free(c->tcp);
  if (c->timer) {
    atomic_fetch_add(&c->refs, 1);
    if (tr_worker_post(c->worker, close_timer, c) == 0) {
      client_release(c);
      return;
    }
    /* The runtime has stopped and closed every handle with its loop. */
    free(c->timer);
    client_release(c);
  }
  tr__fbe_session_free(&c->fs);
  client_release(c);
}

tr_tcp_client *tr_fbe_tcp_client_tcp(tr_fbe_tcp_client *c) { return c ? c->tcp : NULL; }
tr_fbe_session *tr_fbe_tcp_client_session(tr_fbe_tcp_client *c) { return c ? &c->fs : NULL; }
int tr_fbe_tcp_client_connect(tr_fbe_tcp_client *c) { return c ? tr_tcp_client_connect(c->tcp) : TR_EINVAL; }
int tr_fbe_tcp_client_connect_sync(tr_fbe_tcp_client *c, int64_t timeout_ms) {
  return c ? tr_tcp_client_connect_sync(c->tcp, timeout_ms) : TR_EINVAL;
}
int tr_fbe_tcp_client_disconnect(tr_fbe_tcp_client *c) { return c ? tr_tcp_client_disconnect(c->tcp) : TR_EINVAL; }
int tr_fbe_tcp_client_reconnect(tr_fbe_tcp_client *c) { return c ? tr_tcp_client_reconnect(c->tcp) : TR_EINVAL; }
int tr_fbe_tcp_client_is_connected(const tr_fbe_tcp_client *c) { return c && tr_tcp_client_is_connected(c->tcp); }
size_t tr_fbe_tcp_client_pending(const tr_fbe_tcp_client *c) { return c ? atomic_load(&c->pending) : 0; }

/* ---- sends and requests --------------------------------------------------- */

static tr_actor *actor_of(tr_fbe_tcp_client *c) { return tr_stream_actor(tr_tcp_client_stream(c->tcp)); }
static int on_worker(tr_fbe_tcp_client *c) { return tr_worker_is_current(c->worker); }

int tr_fbe_tcp_client_send(tr_fbe_tcp_client *c, tr_fbe_encode_fn encode, const void *value) {
  if (!c || !encode || !value)
    return TR_EINVAL;
  if (on_worker(c))
    return tr_fbe_sender_send(&c->fs.tx, encode, value);
  return tr_fbe_stream_send(tr_tcp_client_stream(c->tcp), encode, value);
}

/* A request on its way from another thread to the worker. */
typedef struct posted {
  tr_fbe_tcp_client *c; /* one reference */
  tr_fbe_uuid id;
  tr_buf *frame;
  uint64_t timeout_ms;
  tr_fbe_reply_cb cb;
  void *cb_ctx;
  tr_future *future; /* the table's reference, or NULL */
} posted;

static void fail_posted(posted *p, int code) {
  if (p->cb)
    p->cb(p->cb_ctx, code, NULL);
  if (p->future) {
    tr_future_complete(p->future, code, NULL);
    tr_future_release(p->future);
  }
}

/* On the client's worker (state is the TCP client's; NULL if it stopped). */
static void run_posted(tr_actor *self, void *state, void *arg) {
  posted *p = arg;
  tr_fbe_tcp_client *c = p->c;
  tr_stream *s = state ? tr_tcp_client_stream(c->tcp) : NULL;
  if (!s || atomic_load(&c->closing) || !tr_stream_is_connected(s)) {
    fail_posted(p, TR_ECLOSED);
  } else {
    int rc = tr_fbe_client_add(&c->fs.table, &p->id, tr_fbe_now_ms(), p->timeout_ms, p->cb, p->cb_ctx, p->future);
    if (rc == 0) {
      rc = tr_stream_send_buf(s, p->frame);
      if (rc < 0) {
        /* Sent nothing: finish it here rather than leave it to time out. */
        tr_fbe_client_remove(&c->fs.table, &p->id);
        fail_posted(p, rc);
      } else if (p->future) {
        tr_future_release(p->future); /* the table holds its own */
      }
      note_pending(c);
      arm(c);
    } else {
      fail_posted(p, rc);
    }
  }
  tr_buf_release(p->frame);
  client_release(c);
  free(p);
}

static int request_here(tr_fbe_tcp_client *c, const tr_fbe_uuid *id, tr_fbe_encode_fn encode, const void *value,
                        uint64_t timeout_ms, tr_fbe_reply_cb cb, void *cb_ctx, tr_future *f) {
  tr_stream *s = tr_tcp_client_stream(c->tcp);
  if (!tr_stream_is_connected(s))
    return TR_ECLOSED;
  /* Registered before sending: the answer may come within the send. */
  int rc = tr_fbe_client_add(&c->fs.table, id, tr_fbe_now_ms(), timeout_ms, cb, cb_ctx, f);
  if (rc < 0)
    return rc;
  rc = tr_fbe_sender_send(&c->fs.tx, encode, value);
  if (rc < 0)
    tr_fbe_client_remove(&c->fs.table, id);
  note_pending(c);
  arm(c);
  return rc < 0 ? rc : 0;
}

int tr_fbe_tcp_client_request(tr_fbe_tcp_client *c, tr_fbe_uuid *id, tr_fbe_encode_fn encode, const void *value,
                              uint64_t timeout_ms, tr_fbe_reply_cb cb, void *cb_ctx, tr_future **future) {
  if (future)
    *future = NULL;
  if (!c || !id || !encode || !value)
    return TR_EINVAL;
  if (atomic_load(&c->closing))
    return TR_ECLOSED;
  if (tr_fbe_uuid_is_nil(id)) {
    int rc = tr_fbe_uuid_sequential(id);
    if (rc < 0)
      return rc;
  }
  tr_future *f = NULL;
  if (future && !(f = tr_future_new()))
    return TR_ENOMEM;

  int rc;
  if (on_worker(c)) {
    rc = request_here(c, id, encode, value, timeout_ms, cb, cb_ctx, f);
  } else {
    posted *p = calloc(1, sizeof *p);
    rc = p ? tr__fbe_encode_buf(encode, value, &p->frame) : TR_ENOMEM;
    if (rc >= 0) {
      p->c = c;
      p->id = *id;
      p->timeout_ms = timeout_ms;
      p->cb = cb;
      p->cb_ctx = cb_ctx;
      p->future = f ? tr_future_retain(f) : NULL;
      atomic_fetch_add(&c->refs, 1);
      rc = tr_actor_post(actor_of(c), run_posted, p);
      if (rc < 0) {
        atomic_fetch_sub(&c->refs, 1);
        if (p->future)
          tr_future_release(p->future);
        tr_buf_release(p->frame);
      }
    }
    if (rc < 0)
      free(p);
  }
  if (rc < 0) {
    if (f)
      tr_future_release(f);
    return rc;
  }
  if (future)
    *future = f;
  else if (f)
    tr_future_release(f);
  return 0;
}

static void run_reset(tr_actor *self, void *state, void *arg) {
  tr_fbe_tcp_client *c = arg;
  if (state && !atomic_load(&c->closing)) {
    tr_fbe_client_reset(&c->fs.table);
    note_pending(c);
  }
  client_release(c);
}

int tr_fbe_tcp_client_reset(tr_fbe_tcp_client *c) {
  if (!c)
    return TR_EINVAL;
  if (on_worker(c)) {
    tr_fbe_client_reset(&c->fs.table);
    note_pending(c);
    return 0;
  }
  atomic_fetch_add(&c->refs, 1);
  int rc = tr_actor_post(actor_of(c), run_reset, c);
  if (rc < 0)
    atomic_fetch_sub(&c->refs, 1);
  return rc;
}
