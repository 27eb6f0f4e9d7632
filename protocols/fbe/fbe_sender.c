/* Encode into a reused scratch buffer, hand the bytes to the sink. */
#include "troupe/error.h"
#include "troupe/fbe.h"

void tr_fbe_sender_init(tr_fbe_sender *s, tr_fbe_sink_fn sink, void *ctx) {
  memset(s, 0, sizeof *s);
  s->sink = sink;
  s->ctx = ctx;
  tr_fbe_buffer_init(&s->buf);
}

void tr_fbe_sender_free(tr_fbe_sender *s) { tr_fbe_buffer_free(&s->buf); }

int tr_fbe_sender_send(tr_fbe_sender *s, tr_fbe_encode_fn encode, const void *value) {
  if (!s || !encode || !value)
    return TR_EINVAL;
  if (s->direct && !s->busy) {
    /* Encoders only append, so a failed one is undone by cutting back. */
    size_t before = s->direct->size;
    int n = encode(value, s->direct);
    if (n < 0) {
      s->direct->size = before;
      return n;
    }
    s->frames++;
    s->bytes += s->direct->size - before;
    return n;
  }
  if (!s->sink)
    return TR_ESTATE;
  /* A sink that makes its peer answer at once (a loopback) may send on this
   * sender again while the outer frame is still in use: that one gets a
   * buffer of its own. */
  tr_fbe_buffer local;
  tr_fbe_buffer *b = &s->buf;
  if (s->busy) {
    tr_fbe_buffer_init(&local);
    b = &local;
  }
  tr_fbe_buffer_clear(b);
  int n = encode(value, b);
  int rc = n;
  if (n >= 0) {
    s->busy++;
    rc = s->sink(s->ctx, b->data, b->size);
    s->busy--;
    if (rc >= 0) {
      s->frames++;
      s->bytes += b->size;
      rc = n;
    }
  }
  /* A one-off huge frame should not pin its memory for the session's life. */
  if (b != &s->buf || s->buf.capacity > 1024 * 1024)
    tr_fbe_buffer_free(b);
  return rc;
}
