/* FBE protocol sessions over TCP: a tr_tcp_server or tr_tcp_client whose
 * connections speak Fast Binary Encoding frames.
 *
 * Each connection gets a tr_fbe_session: a receiver fed straight from
 * on_received (whole frames go to on_frame, in order, without a copy when a
 * read holds them whole), a sender whose frames go out through the stream's
 * send, and, on clients, the table of pending requests with its timeouts.
 * The layer knows frames, not types: on_frame hands each frame to the
 * generated code (<pkg>_dispatch on a server, <pkg>_client_dispatch with
 * tr_fbe_session_table() on a client).
 *
 * A frame that is malformed, too small or too large (or that on_frame
 * refuses with a negative code) closes that session and no other:
 * on_error(code, "fbe", reason) runs, then the stream disconnects. code is
 * TR_EPROTO for bad input, or on_frame's own code.
 *
 * Threads: callbacks run on the connection's worker, where the
 * tr_fbe_session_* calls belong. tr_fbe_stream_send, the multicast, and the
 * client's send/request/reset calls are safe from any thread; a foreign
 * caller's frame is encoded on its own thread and handed over as bytes.
 */
#ifndef TROUPE_FBE_SESSION_H
#define TROUPE_FBE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "fbe.h"
#include "stream.h"
#include "tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_fbe_session tr_fbe_session;
typedef struct tr_fbe_server tr_fbe_server;
typedef struct tr_fbe_tcp_client tr_fbe_tcp_client;

typedef struct tr_fbe_session_callbacks {
  void (*on_connected)(tr_fbe_session *fs, void *user);
  /* Pending requests have already failed with TR_ECANCELED. */
  void (*on_disconnected)(tr_fbe_session *fs, void *user);
  /* One whole frame (size checked, contents not), valid during the call.
   * 0 goes on; negative closes the session with that code. */
  int (*on_frame)(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size);
  void (*on_error)(tr_fbe_session *fs, void *user, int code, const char *category, const char *message);
} tr_fbe_session_callbacks;

/* ---- a connection (on its worker, inside its callbacks) ---------------- */

tr_stream *tr_fbe_session_stream(tr_fbe_session *fs);
uint64_t tr_fbe_session_id(const tr_fbe_session *fs);
/* The per-session block (server) or the owner's ctx pointer. */
void *tr_fbe_session_user(tr_fbe_session *fs);
/* Frames encoded with it go to the stream; use with <pkg>_send_<Struct>. */
tr_fbe_sender *tr_fbe_session_sender(tr_fbe_session *fs);
/* Pending requests (clients; empty and unused on server sessions). */
tr_fbe_client *tr_fbe_session_table(tr_fbe_session *fs);
/* Encodes value (encode is a generated <pkg>_<Struct>_encode_any) and sends
 * it. Frame size or a negative code. */
int tr_fbe_session_send(tr_fbe_session *fs, tr_fbe_encode_fn encode, const void *value);
int tr_fbe_session_disconnect(tr_fbe_session *fs);

/* Any thread: encodes value on the calling thread and sends the bytes on s
 * (a session found with tr_tcp_server_find_session, say). */
int tr_fbe_stream_send(tr_stream *s, tr_fbe_encode_fn encode, const void *value);

/* ---- server ------------------------------------------------------------ */

typedef struct tr_fbe_server_options {
  /* Address, port, workers, socket options. Its session callbacks, state
   * size, ctx and on_error are the layer's own: leave them zero. */
  tr_tcp_server_options tcp;
  size_t max_frame; /* 0 = TR_FBE_DEFAULT_MAX_FRAME */
  tr_fbe_session_callbacks session;
  size_t session_state_size; /* zeroed user block per session... */
  void *ctx;                 /* ...or this pointer when the size is 0; also given to on_error */
  void (*on_error)(tr_fbe_server *srv, int code, const char *category, const char *message, void *ctx);
} tr_fbe_server_options;

int tr_fbe_server_new(tr_runtime *rt, const tr_fbe_server_options *opts, tr_fbe_server **out);
/* Stops the server, disconnects its sessions, frees it. Off the workers it
 * waits until no callback can run any more (as tr_tcp_server_free). */
void tr_fbe_server_free(tr_fbe_server *srv);
/* The TCP server underneath: start, stop, restart, port, find_session... */
tr_tcp_server *tr_fbe_server_tcp(tr_fbe_server *srv);
int tr_fbe_server_start(tr_fbe_server *srv);
int tr_fbe_server_stop(tr_fbe_server *srv);
int tr_fbe_server_restart(tr_fbe_server *srv);
/* Any thread: encodes value once and queues the frame on every connected
 * session (one shared buffer). */
int tr_fbe_server_multicast(tr_fbe_server *srv, tr_fbe_encode_fn encode, const void *value);

/* ---- client ------------------------------------------------------------ */

typedef struct tr_fbe_tcp_client_options {
  /* Address, port, worker, socket options. Its callbacks, state size and
   * ctx are the layer's own: leave them zero. */
  tr_tcp_client_options tcp;
  size_t max_frame;            /* 0 = TR_FBE_DEFAULT_MAX_FRAME */
  uint64_t default_timeout_ms; /* requests made with timeout 0; 0 = none */
  tr_fbe_session_callbacks callbacks;
  void *ctx; /* the callbacks' user pointer */
} tr_fbe_tcp_client_options;

int tr_fbe_tcp_client_new(tr_runtime *rt, const tr_fbe_tcp_client_options *opts, tr_fbe_tcp_client **out);
/* Disconnects, fails what is pending (TR_ECANCELED) and frees the client.
 * Call it off the workers: there it waits for the last callback. */
void tr_fbe_tcp_client_free(tr_fbe_tcp_client *c);
tr_tcp_client *tr_fbe_tcp_client_tcp(tr_fbe_tcp_client *c);
/* The connection's session (one per client, reused across reconnects). */
tr_fbe_session *tr_fbe_tcp_client_session(tr_fbe_tcp_client *c);
int tr_fbe_tcp_client_connect(tr_fbe_tcp_client *c);
int tr_fbe_tcp_client_connect_sync(tr_fbe_tcp_client *c, int64_t timeout_ms);
int tr_fbe_tcp_client_disconnect(tr_fbe_tcp_client *c);
int tr_fbe_tcp_client_reconnect(tr_fbe_tcp_client *c);
int tr_fbe_tcp_client_is_connected(const tr_fbe_tcp_client *c);

/* Any thread: sends one frame. TR_ECLOSED / TR_ESTATE when not connected. */
int tr_fbe_tcp_client_send(tr_fbe_tcp_client *c, tr_fbe_encode_fn encode, const void *value);
/* Any thread: registers a request under *id (a nil id gets a fresh uuid,
 * written back) and sends value. The outcome comes once, through cb (on the
 * client's worker; may be NULL) and the future (if future is non-NULL the
 * caller gets one reference): 0 with a tr_fbe_reply * the waiter owns and
 * frees with tr_fbe_reply_free, TR_ETIMEDOUT after timeout_ms (0 = the
 * client's default), TR_ECANCELED when the connection went or the table was
 * reset, TR_ECLOSED when the client was not connected. An immediate failure
 * is returned instead, and then neither cb nor the future hears of it. */
int tr_fbe_tcp_client_request(tr_fbe_tcp_client *c, tr_fbe_uuid *id, tr_fbe_encode_fn encode, const void *value,
                              uint64_t timeout_ms, tr_fbe_reply_cb cb, void *cb_ctx, tr_future **future);
/* Any thread: fails every pending request with TR_ECANCELED. */
int tr_fbe_tcp_client_reset(tr_fbe_tcp_client *c);
/* Requests pending (exact on the worker, recent elsewhere). */
size_t tr_fbe_tcp_client_pending(const tr_fbe_tcp_client *c);

#ifdef __cplusplus
}
#endif
#endif
