/* The per-connection core shared by the FBE server and client layers. */
#ifndef TROUPE_FBE_SESSION_INTERNAL_H
#define TROUPE_FBE_SESSION_INTERNAL_H

#include "troupe/fbe_session.h"

struct tr_fbe_session {
  tr_stream *s; /* while connected; NULL otherwise */
  tr_fbe_receiver rx;
  tr_fbe_sender tx;
  tr_fbe_client table;
  const tr_fbe_session_callbacks *cb;
  void *user;
  tr_fbe_buffer batch; /* frames sent while handling one read */
  int batching;
  int live;   /* initialised (server sessions start as zeroed memory) */
  int failed; /* a bad frame closed this connection; report it once */
};

void tr__fbe_session_init(tr_fbe_session *fs, const tr_fbe_session_callbacks *cb, void *user, size_t max_frame,
                          uint64_t default_timeout_ms);
void tr__fbe_session_free(tr_fbe_session *fs);
/* A connection came up on s: fresh receiver, frames go to s. */
void tr__fbe_session_attach(tr_fbe_session *fs, tr_stream *s);
/* The connection went: pending requests fail with TR_ECANCELED. The stream
 * stays readable (its id) for on_disconnected; _gone forgets it after. */
void tr__fbe_session_detach(tr_fbe_session *fs);
void tr__fbe_session_gone(tr_fbe_session *fs);
/* Bytes from on_received. A receiver error closes the connection. */
void tr__fbe_session_received(tr_fbe_session *fs, const void *data, size_t size);
/* Encodes value into a new shared buffer (for other threads and multicast). */
int tr__fbe_encode_buf(tr_fbe_encode_fn encode, const void *value, tr_buf **out);

#endif
