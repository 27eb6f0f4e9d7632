/* One connection's FBE state: bytes from on_received into the receiver,
 * frames to the owner's on_frame, encoded frames out through the stream.
 * Everything here runs on the connection's worker, except the encoders that
 * build a shared buffer for another thread. */
#include "fbe_session_internal.h"

#include <stdlib.h>

#include "troupe/error.h"

/* Answers made while one read is handled go to the stream as one send:
 * a read holding hundreds of requests costs one stream append, not one per
 * response. */
static int to_stream(void *ctx, const void *data, size_t size) {
  tr_fbe_session *fs = ctx;
  if (!fs->s)
    return TR_ECLOSED;
  if (fs->batching)
    return tr_fbe_buffer_append(&fs->batch, data, size);
  return tr_stream_send(fs->s, data, size);
}

static void flush_batch(tr_fbe_session *fs) {
  if (fs->batch.size && fs->s)
    tr_stream_send(fs->s, fs->batch.data, fs->batch.size);
  tr_fbe_buffer_clear(&fs->batch);
  /* One burst of large answers should not pin its memory. */
  if (fs->batch.capacity > 1024 * 1024)
    tr_fbe_buffer_free(&fs->batch);
}

static int on_frame(void *ctx, const uint8_t *frame, size_t size) {
  tr_fbe_session *fs = ctx;
  if (!fs->cb->on_frame)
    return 0;
  int rc = fs->cb->on_frame(fs, fs->user, frame, size);
  if (rc >= 0)
    return 0;
  /* The receiver would only say "rejected by its handler"; say what the
   * frame was, so the close is worth reading. */
  uint32_t type = 0;
  if (rc != TR_EPROTO)
    tr_fbe_receiver_fail(&fs->rx, rc, "fbe frame (%zu bytes) refused: %s", size, tr_strerror(rc));
  else if (tr_fbe_frame_type(frame, size, &type) == 0)
    tr_fbe_receiver_fail(&fs->rx, rc, "malformed or unknown fbe frame (type %u, %zu bytes)", type, size);
  else
    tr_fbe_receiver_fail(&fs->rx, rc, "malformed fbe frame header (%zu bytes)", size);
  return rc;
}

void tr__fbe_session_init(tr_fbe_session *fs, const tr_fbe_session_callbacks *cb, void *user, size_t max_frame,
                          uint64_t default_timeout_ms) {
  memset(fs, 0, sizeof *fs);
  fs->cb = cb;
  fs->user = user;
  tr_fbe_receiver_init(&fs->rx, max_frame, on_frame, fs);
  tr_fbe_sender_init(&fs->tx, to_stream, fs);
  tr_fbe_client_init(&fs->table, default_timeout_ms);
  tr_fbe_buffer_init(&fs->batch);
  fs->live = 1;
}

void tr__fbe_session_free(tr_fbe_session *fs) {
  if (!fs->live)
    return;
  tr_fbe_client_free(&fs->table);
  tr_fbe_sender_free(&fs->tx);
  tr_fbe_receiver_free(&fs->rx);
  tr_fbe_buffer_free(&fs->batch);
  fs->live = 0;
}

void tr__fbe_session_attach(tr_fbe_session *fs, tr_stream *s) {
  fs->s = s;
  fs->failed = 0;
  tr_fbe_receiver_reset(&fs->rx);
}

void tr__fbe_session_detach(tr_fbe_session *fs) {
  tr_fbe_client_reset(&fs->table);
  tr_fbe_receiver_reset(&fs->rx);
}

void tr__fbe_session_gone(tr_fbe_session *fs) { fs->s = NULL; }

void tr__fbe_session_received(tr_fbe_session *fs, const void *data, size_t size) {
  if (fs->failed)
    return; /* closing already; the rest of this connection is noise */
  /* Nested reads cannot happen (one callback at a time), but a handler may
   * end the session; the batch still goes out before it closes. */
  fs->batching = 1;
  fs->tx.direct = &fs->batch;
  int rc = tr_fbe_receiver_feed(&fs->rx, data, size);
  fs->tx.direct = NULL;
  fs->batching = 0;
  flush_batch(fs);
  if (rc >= 0)
    return;
  fs->failed = 1;
  /* on_frame may have disconnected already (a DisconnectRequest handler
   * that also fails); the stream is still ours until on_disconnected. */
  tr_stream *s = fs->s;
  if (fs->cb->on_error) {
    const char *why = tr_fbe_receiver_reason(&fs->rx);
    fs->cb->on_error(fs, fs->user, rc, "fbe", why ? why : tr_strerror(rc));
  }
  if (s)
    tr_stream_disconnect(s);
}

static void free_encoded(void *data, size_t len, void *ctx) { free(data); }

int tr__fbe_encode_buf(tr_fbe_encode_fn encode, const void *value, tr_buf **out) {
  if (!encode || !value || !out)
    return TR_EINVAL;
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  int n = encode(value, &b);
  if (n < 0) {
    tr_fbe_buffer_free(&b);
    return n;
  }
  /* The encoder's memory becomes the shared buffer: no second copy. */
  tr_buf *buf = tr_buf_wrap(b.data, b.size, free_encoded, NULL);
  if (!buf) {
    tr_fbe_buffer_free(&b);
    return TR_ENOMEM;
  }
  *out = buf;
  return n;
}

tr_stream *tr_fbe_session_stream(tr_fbe_session *fs) { return fs ? fs->s : NULL; }
uint64_t tr_fbe_session_id(const tr_fbe_session *fs) { return fs && fs->s ? tr_stream_id(fs->s) : 0; }
void *tr_fbe_session_user(tr_fbe_session *fs) { return fs ? fs->user : NULL; }
tr_fbe_sender *tr_fbe_session_sender(tr_fbe_session *fs) { return fs ? &fs->tx : NULL; }
tr_fbe_client *tr_fbe_session_table(tr_fbe_session *fs) { return fs ? &fs->table : NULL; }

int tr_fbe_session_send(tr_fbe_session *fs, tr_fbe_encode_fn encode, const void *value) {
  if (!fs)
    return TR_EINVAL;
  return tr_fbe_sender_send(&fs->tx, encode, value);
}

int tr_fbe_session_disconnect(tr_fbe_session *fs) {
  if (!fs)
    return TR_EINVAL;
  if (!fs->s)
    return TR_ECLOSED;
  flush_batch(fs); /* answers made before the close still go out */
  return tr_stream_disconnect(fs->s);
}

int tr_fbe_stream_send(tr_stream *s, tr_fbe_encode_fn encode, const void *value) {
  if (!s)
    return TR_EINVAL;
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  int n = encode && value ? encode(value, &b) : TR_EINVAL;
  if (n >= 0) {
    int rc = tr_stream_send(s, b.data, b.size);
    if (rc < 0)
      n = rc;
  }
  tr_fbe_buffer_free(&b);
  return n;
}
