/* The stream-session core shared by every connected-stream transport.
 *
 * A transport (tcp session, tcp client, later tls) makes an actor whose state
 * begins with a tr__stream, and forwards its behaviour's callbacks to the
 * tr__stream_* functions below. The core owns the uv stream handle, the read
 * buffer, the double output buffer and the flush, the counters, limits and
 * send_sync waiters; the transport decides how a socket comes to exist and
 * what happens once it is closed (kind hooks).
 *
 * Layers: a layer sits between the socket and the user (TLS). Without one
 * (plain TCP) socket bytes go straight to on_received and user sends go
 * straight to the wire buffers. With one, socket bytes go to layer->on_read,
 * which hands plaintext to tr__stream_deliver; user sends collect in the
 * plaintext buffer `app`, and at flush time layer->on_write turns it into wire
 * bytes with tr__stream_wire_append. layer->on_open runs when the socket is up;
 * the user hears on_connected only when the layer calls tr__stream_ready.
 * With a layer, bytes_pending counts plaintext not yet encoded plus wire bytes
 * not yet written, and send_sync waiters complete when both are drained.
 *
 * Lifetime: the actor's memory (and so this struct) lives while anyone holds
 * an actor reference. The core takes one reference while it has anything in
 * flight that a libuv callback or a deferred flush will touch ("holds": actor
 * alive, handle open, write in flight, flush queued) and drops it when the
 * last of those ends, so the actor can stop at any time.
 *
 * Everything here runs on the stream's worker unless it says otherwise.
 */
#ifndef TROUPE_STREAM_CORE_H
#define TROUPE_STREAM_CORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "troupe/actor.h"
#include "troupe/error.h"
#include "troupe/future.h"
#include "troupe/stream.h"

typedef struct tr__stream tr__stream;

enum {
  TR__ST_IDLE = 0,   /* no socket */
  TR__ST_CONNECTING, /* socket being set up (resolve, connect, handshake) */
  TR__ST_CONNECTED,  /* user may send */
  TR__ST_CLOSING,    /* uv_close issued, close callback pending */
};

/* Core message types; transports number theirs from TR__MSG_KIND. */
enum {
  TR__MSG_SEND = 1,  /* buf */
  TR__MSG_SEND_SYNC, /* buf, ptr = tr_future (one reference) */
  TR__MSG_DISCONNECT,
  TR__MSG_PAUSE,
  TR__MSG_RESUME,
  TR__MSG_KIND = 64,
};

typedef struct tr__stream_layer {
  const char *name;
  /* Per connection, before on_open: set up st->layer_ctx (st->layer_arg is the
   * transport's). Negative fails the connection. */
  int (*attach)(tr__stream *st);
  /* Per connection, once its socket has closed: free st->layer_ctx. */
  void (*detach)(tr__stream *st);
  int (*on_open)(tr__stream *st);
  int (*on_read)(tr__stream *st, const char *data, size_t len);
  /* Consumes plaintext; returns bytes consumed (may be fewer) or an error. */
  long (*on_write)(tr__stream *st, const char *data, size_t len);
  void (*on_close)(tr__stream *st);
} tr__stream_layer;

typedef struct tr__stream_kind {
  /* The close callback ran (after on_disconnected). */
  void (*closed)(tr__stream *st);
  /* A message of type >= TR__MSG_KIND. */
  void (*receive)(tr__stream *st, const tr_msg *m);
  /* The last hold went: the actor has stopped and no libuv callback or
   * deferred task will touch st again. Release what the transport holds. */
  void (*finalize)(tr__stream *st);
} tr__stream_kind;

typedef struct tr__obuf {
  char *data;
  size_t len, cap;
} tr__obuf;

typedef struct tr__waiter {
  struct tr__waiter *next;
  uint64_t target; /* complete once bytes_sent reaches this */
  tr_future *f;
} tr__waiter;

struct tr__stream {
  tr_actor *actor;
  tr_worker *worker;
  uv_loop_t *loop;
  const tr__stream_kind *kind;
  const tr__stream_layer *layer; /* NULL: plain stream */
  void *layer_arg;               /* the transport's (e.g. a TLS context) */
  void *layer_ctx;               /* per connection, from attach */
  int layer_attached;
  tr_stream_callbacks cb;
  void *user;       /* (char *)st + user_off, or user_ctx when user_off is 0 */
  size_t user_off;  /* both set in the spawn template */
  void *user_ctx;

  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
  } io;
  _Atomic int state;
  int started;   /* the actor's started callback ran */
  int dead;      /* the actor's stopped callback ran */
  int io_open;   /* handle initialised, close callback not yet run */
  int announced; /* on_connected was called for this connection */
  int paused;
  int reading;
  unsigned holds;

  /* Output: user sends append to out[fill]; out[fill ^ 1] is being written
   * while `writing`. */
  tr__obuf out[2];
  tr__obuf app; /* plaintext waiting for the layer */
  int fill;
  int writing;
  int flush_queued;
  size_t woff; /* bytes of the in-flight buffer already written by try_write */
  uv_write_t wreq;

  size_t rcap; /* read size; the memory is the worker thread's (stream_io.c) */

  size_t send_limit, receive_limit;
  int limit_policy;

  uint64_t queued_total; /* bytes ever accepted for sending */
  tr__waiter *waiters, **waiters_tail;

  /* Written on the worker, read anywhere. */
  _Atomic uint64_t bytes_sent, bytes_received, bytes_pending;
};

static inline tr_stream *tr__stream_handle(tr__stream *st) { return (tr_stream *)st->actor; }
static inline tr__stream *tr__stream_of(const tr_stream *s) { return tr_actor_state((const tr_actor *)s); }
static inline int tr__stream_state(const tr__stream *st) {
  return atomic_load_explicit(&st->state, memory_order_acquire);
}
void tr__stream_set_state(tr__stream *st, int state);

/* From the behaviour's started callback: binds the core to its actor and
 * worker. */
void tr__stream_init(tr__stream *st, tr_actor *self, const tr__stream_kind *kind);
/* From the behaviour's stopped callback: closes the socket if open. */
void tr__stream_stopped(tr__stream *st);
/* From receive; returns 1 when the message was the core's. */
int tr__stream_receive(tr__stream *st, const tr_msg *m);
/* From dropped. */
void tr__stream_dropped(tr__stream *st, const tr_msg *m);

/* Initialises st->io.tcp on the worker's loop (takes the "handle open" hold). */
int tr__stream_tcp_init(tr__stream *st);
/* The socket is connected: runs the layer's on_open (or becomes ready at
 * once) and starts reading. */
void tr__stream_open(tr__stream *st);
/* The layer finished its handshake: on_connected. */
void tr__stream_ready(tr__stream *st);
/* Plaintext for on_received (layers call this). */
void tr__stream_deliver(tr__stream *st, const char *data, size_t len);
/* Wire bytes from the layer. */
int tr__stream_wire_append(tr__stream *st, const void *data, size_t len);

/* User sends on the worker: checks state and limit, appends, queues a flush. */
int tr__stream_append(tr__stream *st, const void *data, size_t len);
/* Closes the socket (no-op unless connecting or connected). */
void tr__stream_close(tr__stream *st);
/* Reports an error (on_error) and closes. */
void tr__stream_fail(tr__stream *st, int code, const char *message);
void tr__stream_error(tr__stream *st, int code, const char *message);
void tr__stream_pause(tr__stream *st);
void tr__stream_resume(tr__stream *st);

void tr__stream_hold(tr__stream *st);
void tr__stream_unhold(tr__stream *st);

/* Whether the calling thread may act on st directly (its worker, started, not
 * stopped). */
int tr__stream_on_home(const tr__stream *st, const tr_actor *a);

#endif
