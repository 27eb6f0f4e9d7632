/* tr_stream: one connected byte stream (a server's session or a client's
 * connection), whatever carries it: plain TCP now, TLS layered on TCP later.
 *
 * A stream is an actor pinned to one worker; the tr_stream pointer is its
 * handle and counts as an actor reference (tr_stream_retain/release). Every
 * call below is safe from any thread. On the stream's own worker it acts at
 * once; from any other thread it becomes a message to the stream, so calls
 * made by one thread are applied in the order that thread made them. A call
 * on a stream that has disconnected returns TR_ECLOSED and touches nothing
 * freed, for as long as the caller holds its reference.
 *
 * Callbacks run on the stream's worker, one at a time. `user` is the stream's
 * user state: a zeroed block of the size the owner asked for, or the owner's
 * context pointer when that size is 0.
 *
 * Data path: on_received gets the bytes straight from the socket's read buffer
 * (valid only during the call). Sends append to an output buffer that is
 * written once per loop turn, so many small sends become one write.
 *
 * Limits (0 = none):
 *  - send limit: when bytes waiting to be written plus a new send would exceed
 *    it, the send is refused with TR_EOVERFLOW. With TR_STREAM_LIMIT_DISCONNECT
 *    (the default, CppServer's behaviour) on_error(TR_EOVERFLOW) runs and the
 *    stream disconnects; with TR_STREAM_LIMIT_DROP only that send is dropped
 *    and the stream stays up (multicast producers that shed load use this).
 *    A send made from another thread is checked when the stream handles it;
 *    the caller has already seen 0, the outcome shows through on_error.
 *  - receive limit: the read buffer starts small and doubles whenever a read
 *    fills it; if doubling would pass the limit, on_error(TR_EOVERFLOW) runs and
 *    the stream disconnects (CppServer's policy, whatever the limit policy).
 */
#ifndef TROUPE_STREAM_H
#define TROUPE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "actor.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_stream tr_stream;

typedef struct tr_stream_callbacks {
  void (*on_connected)(tr_stream *s, void *user);
  /* After the socket is closed. No callback of this connection follows. */
  void (*on_disconnected)(tr_stream *s, void *user);
  void (*on_received)(tr_stream *s, void *user, const void *data, size_t size);
  /* sent: bytes just written to the socket; pending: bytes still waiting. */
  void (*on_sent)(tr_stream *s, void *user, size_t sent, size_t pending);
  /* The output buffer has been fully written. */
  void (*on_empty)(tr_stream *s, void *user);
  /* code is a TR_E* or libuv code; category "troupe" or "uv". Errors the peer
   * causes by going away (EOF, reset, broken pipe) are not reported: they just
   * disconnect. */
  void (*on_error)(tr_stream *s, void *user, int code, const char *category, const char *message);
} tr_stream_callbacks;

typedef enum tr_stream_limit_policy {
  TR_STREAM_LIMIT_DISCONNECT = 0,
  TR_STREAM_LIMIT_DROP = 1,
} tr_stream_limit_policy;

/* Copies data and queues it. 0 once accepted; TR_ECLOSED when disconnected;
 * TR_ESTATE when not connected yet; TR_EOVERFLOW (see limits). */
int tr_stream_send(tr_stream *s, const void *data, size_t size);
/* Same, sharing buf (the caller keeps its reference). */
int tr_stream_send_buf(tr_stream *s, tr_buf *buf);
/* Queues data and blocks until it has been written to the socket (0) or the
 * stream failed or closed first (negative), or timeout_ms passed
 * (TR_ETIMEDOUT; negative = no timeout). TR_EDEADLK on any of the runtime's
 * worker threads, which could be the one that has to do the writing. */
int tr_stream_send_sync(tr_stream *s, const void *data, size_t size, int64_t timeout_ms);
/* Closes the connection: what is still queued is offered to the socket once
 * (no wait), then the socket closes and on_disconnected runs. */
int tr_stream_disconnect(tr_stream *s);
/* Stops / restarts reading from the socket (the kernel buffers meanwhile). */
int tr_stream_receive_pause(tr_stream *s);
int tr_stream_receive_resume(tr_stream *s);
int tr_stream_set_limits(tr_stream *s, size_t send_limit, size_t receive_limit, tr_stream_limit_policy policy);

tr_stream *tr_stream_retain(tr_stream *s);
void tr_stream_release(tr_stream *s);

/* Unique per runtime (the actor's id). */
uint64_t tr_stream_id(const tr_stream *s);
int tr_stream_is_connected(const tr_stream *s);
/* Counters; exact on the stream's worker, a recent value elsewhere. */
uint64_t tr_stream_bytes_sent(const tr_stream *s);
uint64_t tr_stream_bytes_received(const tr_stream *s);
uint64_t tr_stream_bytes_pending(const tr_stream *s);
/* The user state block (or context pointer) given to callbacks. */
void *tr_stream_user(const tr_stream *s);
/* The ctx pointer of the server or client options the stream was made with
 * (for sessions with a per-session state block, the server's ctx). */
void *tr_stream_owner_ctx(const tr_stream *s);
tr_actor *tr_stream_actor(tr_stream *s);
tr_worker *tr_stream_worker(const tr_stream *s);

#ifdef __cplusplus
}
#endif
#endif
