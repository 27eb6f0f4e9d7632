/* The stream core's socket side: reading, the double output buffer and its
 * once-per-turn flush, closing. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stream_core.h"
#include "troupe/runtime.h"

#define RBUF_MIN 8192
#define RBUF_START 65536
/* Without a receive limit the read buffer stops growing here: bigger reads
 * buy nothing once one read drains the socket buffer. */
#define RBUF_MAX (1u << 20)
#define OBUF_MIN 4096

static const char *category_of(int code) { return code <= TR_ERRNO_BASE ? "troupe" : "uv"; }

void tr__stream_set_state(tr__stream *st, int state) {
  atomic_store_explicit(&st->state, state, memory_order_release);
}

void tr__stream_hold(tr__stream *st) {
  if (st->holds++ == 0)
    tr_actor_retain(st->actor);
}

void tr__stream_unhold(tr__stream *st) {
  /* The release may free st: nothing may follow it. */
  if (--st->holds == 0) {
    if (st->kind && st->kind->finalize)
      st->kind->finalize(st);
    tr_actor_release(st->actor);
  }
}

void tr__stream_error(tr__stream *st, int code, const char *message) {
  if (st->cb.on_error)
    st->cb.on_error(tr__stream_handle(st), st->user, code, category_of(code),
                    message ? message : tr_strerror(code));
}

void tr__stream_fail(tr__stream *st, int code, const char *message) {
  int s = tr__stream_state(st);
  if (s != TR__ST_CONNECTED && s != TR__ST_CONNECTING)
    return;
  tr__stream_error(st, code, message);
  tr__stream_close(st);
}

/* A peer that goes away is not an error worth a callback, only a disconnect. */
static int is_peer_gone(int code) {
  return code == UV_EOF || code == UV_ECONNRESET || code == UV_EPIPE || code == UV_ECONNABORTED ||
         code == UV_ETIMEDOUT || code == UV_ENOTCONN;
}

static void settle_waiters(tr__stream *st, int failed) {
  uint64_t sent = atomic_load_explicit(&st->bytes_sent, memory_order_relaxed);
  /* Through a layer, plaintext and wire counts differ: wait for a full drain. */
  int drained = st->layer && atomic_load_explicit(&st->bytes_pending, memory_order_relaxed) == 0;
  while (st->waiters && (failed || drained || (!st->layer && st->waiters->target <= sent))) {
    tr__waiter *w = st->waiters;
    st->waiters = w->next;
    tr_future_complete(w->f, failed ? TR_ECLOSED : 0, NULL);
    tr_future_release(w->f);
    free(w);
  }
  if (!st->waiters)
    st->waiters_tail = &st->waiters;
}

static void account_sent(tr__stream *st, size_t n) {
  uint64_t sent = atomic_load_explicit(&st->bytes_sent, memory_order_relaxed) + n;
  uint64_t pending = atomic_load_explicit(&st->bytes_pending, memory_order_relaxed) - n;
  atomic_store_explicit(&st->bytes_sent, sent, memory_order_relaxed);
  atomic_store_explicit(&st->bytes_pending, pending, memory_order_relaxed);
  if (st->waiters)
    settle_waiters(st, 0);
  if (st->cb.on_sent)
    st->cb.on_sent(tr__stream_handle(st), st->user, n, (size_t)pending);
  if (pending == 0 && st->cb.on_empty && tr__stream_state(st) == TR__ST_CONNECTED)
    st->cb.on_empty(tr__stream_handle(st), st->user);
}

static int obuf_reserve(tr__obuf *b, size_t more) {
  if (b->cap - b->len >= more)
    return 0;
  size_t cap = b->cap ? b->cap : OBUF_MIN;
  while (cap - b->len < more) {
    if (cap > SIZE_MAX / 2)
      return TR_ENOMEM;
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (!p)
    return TR_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

static void obuf_free(tr__obuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static void write_cb(uv_write_t *req, int status);

/* Runs the layer over the plaintext collected this turn. */
static int encode_app(tr__stream *st) {
  size_t off = 0;
  while (off < st->app.len) {
    long n = st->layer->on_write(st, st->app.data + off, st->app.len - off);
    if (n < 0)
      return (int)n;
    if (n == 0)
      break;
    off += (size_t)n;
  }
  memmove(st->app.data, st->app.data + off, st->app.len - off);
  st->app.len -= off;
  /* The consumed plaintext is now counted as the wire bytes it became. */
  atomic_store_explicit(&st->bytes_pending, atomic_load_explicit(&st->bytes_pending, memory_order_relaxed) - off,
                        memory_order_relaxed);
  return 0;
}

/* Whether bytes may go to the socket: connected, or a layer handshaking. */
static int can_write(const tr__stream *st) {
  int s = tr__stream_state(st);
  return s == TR__ST_CONNECTED || (s == TR__ST_CONNECTING && st->layer_attached);
}

static void flush(tr__stream *st) {
  if (!can_write(st) || st->writing)
    return;
  if (st->layer && st->app.len) {
    /* The layer's output lands in the buffer written just below: no need
     * for wire_append to queue another flush. */
    int queued = st->flush_queued;
    st->flush_queued = 1;
    int rc = encode_app(st);
    st->flush_queued = queued;
    if (rc < 0) {
      tr__stream_fail(st, rc, NULL);
      return;
    }
  }
  tr__obuf *b = &st->out[st->fill];
  if (!b->len)
    return;
  uv_buf_t ub = uv_buf_init(b->data, (unsigned)b->len);
  int n = uv_try_write(&st->io.stream, &ub, 1);
  if (n == UV_EAGAIN || n == UV_ENOSYS) {
    n = 0;
  } else if (n < 0) {
    if (is_peer_gone(n))
      tr__stream_close(st);
    else
      tr__stream_fail(st, n, NULL);
    return;
  }
  if ((size_t)n == b->len) {
    b->len = 0;
    account_sent(st, (size_t)n);
    return;
  }
  st->woff = (size_t)n;
  ub = uv_buf_init(b->data + n, (unsigned)(b->len - (size_t)n));
  st->wreq.data = st;
  int rc = uv_write(&st->wreq, &st->io.stream, &ub, 1, write_cb);
  if (rc < 0) {
    tr__stream_fail(st, rc, NULL);
    return;
  }
  /* Later sends go to the other buffer while this one is in flight. */
  st->writing = 1;
  st->fill ^= 1;
  tr__stream_hold(st);
  if (n > 0)
    account_sent(st, (size_t)n);
}

static void write_cb(uv_write_t *req, int status) {
  tr__stream *st = req->data;
  tr__obuf *b = &st->out[st->fill ^ 1];
  size_t n = b->len - st->woff;
  b->len = 0;
  st->woff = 0;
  st->writing = 0;
  if (status < 0) {
    if (status != UV_ECANCELED) {
      if (is_peer_gone(status))
        tr__stream_close(st);
      else
        tr__stream_fail(st, status, NULL);
    }
  } else {
    account_sent(st, n);
    if (st->out[st->fill].len || st->app.len)
      flush(st);
  }
  tr__stream_unhold(st);
}

static void flush_task(void *arg) {
  tr__stream *st = arg;
  st->flush_queued = 0;
  flush(st);
  tr__stream_unhold(st);
}

static void queue_flush(tr__stream *st) {
  if (st->flush_queued || st->writing)
    return;
  if (tr_worker_defer(st->worker, flush_task, st) != 0) {
    flush(st);
    return;
  }
  st->flush_queued = 1;
  tr__stream_hold(st);
}

int tr__stream_wire_append(tr__stream *st, const void *data, size_t len) {
  tr__obuf *b = &st->out[st->fill];
  if (obuf_reserve(b, len) != 0)
    return TR_ENOMEM;
  memcpy(b->data + b->len, data, len);
  b->len += len;
  atomic_store_explicit(&st->bytes_pending, atomic_load_explicit(&st->bytes_pending, memory_order_relaxed) + len,
                        memory_order_relaxed);
  queue_flush(st);
  return 0;
}

int tr__stream_append(tr__stream *st, const void *data, size_t len) {
  int s = tr__stream_state(st);
  /* A layer keeps what is sent during its handshake and encodes it after. */
  if (s != TR__ST_CONNECTED && !(s == TR__ST_CONNECTING && st->layer_attached))
    return s == TR__ST_CONNECTING ? TR_ESTATE : TR_ECLOSED;
  if (!len)
    return 0;
  uint64_t pending = atomic_load_explicit(&st->bytes_pending, memory_order_relaxed);
  if (st->send_limit && pending + len > st->send_limit) {
    if (st->limit_policy != TR_STREAM_LIMIT_DROP)
      tr__stream_fail(st, TR_EOVERFLOW, "send buffer limit exceeded");
    return TR_EOVERFLOW;
  }
  tr__obuf *b = st->layer ? &st->app : &st->out[st->fill];
  if (obuf_reserve(b, len) != 0) {
    tr__stream_fail(st, TR_ENOMEM, NULL);
    return TR_ENOMEM;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  st->queued_total += len;
  atomic_store_explicit(&st->bytes_pending, pending + len, memory_order_relaxed);
  queue_flush(st);
  return 0;
}

/* One read buffer per worker thread, shared by all of its streams: a read is
 * handed to on_received and finished with before the next read on the thread
 * starts, so sharing is free and keeps the buffer hot in cache however many
 * connections the worker has. Each stream keeps its own read size (rcap),
 * which is what the receive limit governs. */
static pthread_key_t rbuf_key;
static pthread_once_t rbuf_once = PTHREAD_ONCE_INIT;
static __thread char *rbuf;
static __thread size_t rbuf_cap;

static void rbuf_key_init(void) { pthread_key_create(&rbuf_key, free); }

static char *thread_rbuf(size_t need) {
  if (rbuf_cap >= need)
    return rbuf;
  pthread_once(&rbuf_once, rbuf_key_init);
  char *p = realloc(rbuf, need);
  if (!p)
    return NULL;
  rbuf = p;
  rbuf_cap = need;
  pthread_setspecific(rbuf_key, p);
  return p;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  tr__stream *st = h->data;
  if (!st->rcap) {
    st->rcap = RBUF_START;
    if (st->receive_limit && st->receive_limit < RBUF_START)
      st->rcap = st->receive_limit < RBUF_MIN ? st->receive_limit : RBUF_MIN;
  }
  char *p = thread_rbuf(st->rcap);
  *buf = uv_buf_init(p, p ? (unsigned)st->rcap : 0);
}

static void grow_rbuf(tr__stream *st) {
  size_t cap = st->rcap * 2;
  if (st->receive_limit && cap > st->receive_limit) {
    tr__stream_fail(st, TR_EOVERFLOW, "receive buffer limit exceeded");
    return;
  }
  if (!st->receive_limit && cap > RBUF_MAX)
    return;
  st->rcap = cap;
}

void tr__stream_deliver(tr__stream *st, const char *data, size_t len) {
  if (st->cb.on_received && tr__stream_state(st) == TR__ST_CONNECTED)
    st->cb.on_received(tr__stream_handle(st), st->user, data, len);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  tr__stream *st = s->data;
  if (nread > 0) {
    atomic_store_explicit(&st->bytes_received,
                          atomic_load_explicit(&st->bytes_received, memory_order_relaxed) + (uint64_t)nread,
                          memory_order_relaxed);
    if (st->layer) {
      int rc = st->layer->on_read(st, buf->base, (size_t)nread);
      if (rc < 0) {
        tr__stream_fail(st, rc, NULL);
        return;
      }
    } else if (st->cb.on_received && tr__stream_state(st) == TR__ST_CONNECTED) {
      st->cb.on_received(tr__stream_handle(st), st->user, buf->base, (size_t)nread);
    }
    if ((size_t)nread == st->rcap && tr__stream_state(st) == TR__ST_CONNECTED)
      grow_rbuf(st);
  } else if (nread < 0) {
    if (is_peer_gone((int)nread))
      tr__stream_close(st);
    else
      tr__stream_fail(st, (int)nread, NULL);
  } else if (!buf->base) {
    tr__stream_fail(st, TR_ENOMEM, "no memory for the read buffer");
  }
}

static void start_reading(tr__stream *st) {
  if (st->reading || st->paused || tr__stream_state(st) < TR__ST_CONNECTING ||
      tr__stream_state(st) == TR__ST_CLOSING)
    return;
  int rc = uv_read_start(&st->io.stream, alloc_cb, read_cb);
  if (rc < 0) {
    tr__stream_fail(st, rc, NULL);
    return;
  }
  st->reading = 1;
}

static void stop_reading(tr__stream *st) {
  if (!st->reading)
    return;
  uv_read_stop(&st->io.stream);
  st->reading = 0;
}

void tr__stream_pause(tr__stream *st) {
  st->paused = 1;
  stop_reading(st);
}

void tr__stream_resume(tr__stream *st) {
  st->paused = 0;
  start_reading(st);
}

int tr__stream_tcp_init(tr__stream *st) {
  int rc = uv_tcp_init(st->loop, &st->io.tcp);
  if (rc < 0)
    return rc;
  st->io.handle.data = st;
  st->io_open = 1;
  tr__stream_hold(st);
  return 0;
}

void tr__stream_ready(tr__stream *st) {
  if (tr__stream_state(st) != TR__ST_CONNECTING)
    return;
  tr__stream_set_state(st, TR__ST_CONNECTED);
  st->announced = 1;
  if (st->cb.on_connected)
    st->cb.on_connected(tr__stream_handle(st), st->user);
  /* Sends made inside on_connected are already queued for this turn; those
   * a layer kept during its handshake are queued here. */
  if (st->app.len && tr__stream_state(st) == TR__ST_CONNECTED)
    queue_flush(st);
}

void tr__stream_open(tr__stream *st) {
  tr__stream_set_state(st, TR__ST_CONNECTING);
  if (st->layer && st->layer->attach) {
    int rc = st->layer->attach(st);
    if (rc < 0) {
      tr__stream_fail(st, rc, "cannot set up the stream layer");
      return;
    }
    st->layer_attached = 1;
  }
  if (st->layer && st->layer->on_open) {
    start_reading(st);
    int rc = st->layer->on_open(st);
    if (rc < 0)
      tr__stream_fail(st, rc, NULL);
    return;
  }
  tr__stream_ready(st);
  start_reading(st);
}

static void close_cb(uv_handle_t *h) {
  tr__stream *st = h->data;
  int announced = st->announced;
  st->io_open = 0;
  st->announced = 0;
  st->reading = 0;
  obuf_free(&st->out[0]);
  obuf_free(&st->out[1]);
  obuf_free(&st->app);
  st->rcap = 0;
  st->fill = 0;
  atomic_store_explicit(&st->bytes_pending, 0, memory_order_relaxed);
  if (st->layer_attached && st->layer->detach)
    st->layer->detach(st);
  st->layer_attached = 0;
  st->layer_ctx = NULL;
  tr__stream_set_state(st, TR__ST_IDLE);
  if (announced && st->cb.on_disconnected)
    st->cb.on_disconnected(tr__stream_handle(st), st->user);
  if (st->kind && st->kind->closed)
    st->kind->closed(st);
  tr__stream_unhold(st);
}

void tr__stream_close(tr__stream *st) {
  int s = tr__stream_state(st);
  if (s == TR__ST_IDLE || s == TR__ST_CLOSING)
    return;
  /* Offer what is queued to the socket once; a disconnect does not wait. A
   * layer first encodes the plaintext still queued, then adds its goodbye
   * (TLS: close_notify, or the alert of a failed handshake). */
  if (s == TR__ST_CONNECTED && st->layer && st->app.len && !st->writing)
    encode_app(st);
  if (st->layer_attached && st->layer->on_close)
    st->layer->on_close(st);
  if ((s == TR__ST_CONNECTED || (s == TR__ST_CONNECTING && st->layer_attached)) && !st->writing) {
    tr__obuf *b = &st->out[st->fill];
    if (b->len) {
      uv_buf_t ub = uv_buf_init(b->data, (unsigned)b->len);
      int n = uv_try_write(&st->io.stream, &ub, 1);
      if (n > 0)
        atomic_store_explicit(&st->bytes_sent,
                              atomic_load_explicit(&st->bytes_sent, memory_order_relaxed) + (uint64_t)n,
                              memory_order_relaxed);
    }
  }
  tr__stream_set_state(st, TR__ST_CLOSING);
  settle_waiters(st, 0);
  settle_waiters(st, 1);
  if (!st->io_open) {
    /* Nothing to close (connect failed before the handle existed). */
    tr__stream_set_state(st, TR__ST_IDLE);
    return;
  }
  stop_reading(st);
  uv_close(&st->io.handle, close_cb);
}
