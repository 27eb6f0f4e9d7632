/* Stream reassembly: bytes in as the transport read them, whole frames out.
 * Frames lying whole inside one feed are handed over in place (no copy);
 * only a frame cut by a read boundary is gathered in the pending buffer. */
#include <stdarg.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

void tr_fbe_receiver_init(tr_fbe_receiver *rx, size_t max_frame, tr_fbe_frame_fn on_frame, void *ctx) {
  memset(rx, 0, sizeof *rx);
  rx->on_frame = on_frame;
  rx->ctx = ctx;
  rx->max_frame = max_frame ? max_frame : TR_FBE_DEFAULT_MAX_FRAME;
  if (rx->max_frame < TR_FBE_MIN_FRAME)
    rx->max_frame = TR_FBE_MIN_FRAME;
  if (rx->max_frame > UINT32_MAX)
    rx->max_frame = UINT32_MAX;
  tr_fbe_buffer_init(&rx->pending);
  tr_fbe_buffer_init(&rx->backlog);
}

void tr_fbe_receiver_free(tr_fbe_receiver *rx) {
  tr_fbe_buffer_free(&rx->pending);
  tr_fbe_buffer_free(&rx->backlog);
}

void tr_fbe_receiver_reset(tr_fbe_receiver *rx) {
  tr_fbe_buffer_clear(&rx->pending);
  tr_fbe_buffer_clear(&rx->backlog);
  rx->error = 0;
  rx->reason[0] = '\0';
}

void tr_fbe_receiver_fail(tr_fbe_receiver *rx, int code, const char *fmt, ...) {
  if (rx->error)
    return;
  rx->error = code < 0 ? code : TR_EPROTO;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rx->reason, sizeof rx->reason, fmt, ap);
  va_end(ap);
}

const char *tr_fbe_receiver_reason(const tr_fbe_receiver *rx) { return rx->error ? rx->reason : NULL; }
int tr_fbe_receiver_error(const tr_fbe_receiver *rx) { return rx->error; }
size_t tr_fbe_receiver_pending(const tr_fbe_receiver *rx) { return rx->pending.size; }

static int check_size(tr_fbe_receiver *rx, uint32_t frame_size) {
  if (frame_size < TR_FBE_MIN_FRAME) {
    tr_fbe_receiver_fail(rx, TR_EPROTO, "fbe frame size %u below the minimum of %u bytes", frame_size,
                         (unsigned)TR_FBE_MIN_FRAME);
    return rx->error;
  }
  if (frame_size > rx->max_frame) {
    tr_fbe_receiver_fail(rx, TR_EPROTO, "fbe frame size %u above the limit of %zu bytes", frame_size, rx->max_frame);
    return rx->error;
  }
  return 0;
}

static int deliver(tr_fbe_receiver *rx, const uint8_t *frame, size_t size) {
  rx->frames++;
  int rc = rx->on_frame ? rx->on_frame(rx->ctx, frame, size) : 0;
  if (rc < 0) {
    tr_fbe_receiver_fail(rx, rc, "fbe frame rejected by its handler (%s)", tr_strerror(rc));
    return rx->error;
  }
  return 0;
}

/* Tops the pending buffer up from the input; 1 when it holds a whole frame. */
static int gather(tr_fbe_receiver *rx, const uint8_t **p, size_t *left) {
  tr_fbe_buffer *pb = &rx->pending;
  if (pb->size < 4) {
    size_t take = 4 - pb->size < *left ? 4 - pb->size : *left;
    tr_fbe_buffer_append(pb, *p, take); /* capacity was reserved when the frame began */
    *p += take;
    *left -= take;
    if (pb->size < 4)
      return 0;
  }
  uint32_t frame_size = tr_fbe_load_u32(pb->data);
  int rc = check_size(rx, frame_size);
  if (rc)
    return rc;
  size_t need = frame_size - pb->size;
  size_t take = need < *left ? need : *left;
  rc = tr_fbe_buffer_append(pb, *p, take);
  if (rc) {
    tr_fbe_receiver_fail(rx, rc, "out of memory gathering a %u-byte fbe frame", frame_size);
    return rx->error;
  }
  *p += take;
  *left -= take;
  return pb->size == frame_size;
}

static int feed(tr_fbe_receiver *rx, const void *data, size_t size) {
  const uint8_t *p = data;
  size_t left = size;

  if (rx->pending.size) {
    int whole = gather(rx, &p, &left);
    if (whole <= 0)
      return whole;
    int rc = deliver(rx, rx->pending.data, rx->pending.size);
    if (rc)
      return rc;
    tr_fbe_buffer_clear(&rx->pending);
  }

  while (left >= 4) {
    uint32_t frame_size = tr_fbe_load_u32(p);
    int rc = check_size(rx, frame_size);
    if (rc)
      return rc;
    if (frame_size > left)
      break;
    rc = deliver(rx, p, frame_size);
    if (rc)
      return rc;
    p += frame_size;
    left -= frame_size;
  }

  if (left) {
    /* Room for the whole frame at once when its size is known, so the rest
     * of it never reallocates; the size was checked against the limit. */
    size_t want = left >= 4 ? tr_fbe_load_u32(p) : 4;
    int rc = tr_fbe_buffer_reserve(&rx->pending, want);
    if (!rc)
      rc = tr_fbe_buffer_append(&rx->pending, p, left);
    if (rc) {
      tr_fbe_receiver_fail(rx, rc, "out of memory gathering an fbe frame");
      return rx->error;
    }
  }
  return 0;
}

int tr_fbe_receiver_feed(tr_fbe_receiver *rx, const void *data, size_t size) {
  if (rx->error)
    return rx->error;
  if (size && !data)
    return TR_EINVAL;
  if (rx->feeding) {
    /* Reentered from on_frame: the outer feed is mid-frame, possibly out of
     * the pending buffer; these bytes come after everything it holds. */
    int rc = tr_fbe_buffer_append(&rx->backlog, data, size);
    if (rc)
      tr_fbe_receiver_fail(rx, rc, "out of memory queueing fbe input");
    return rx->error;
  }
  rx->feeding = 1;
  int rc = feed(rx, data, size);
  while (!rc && rx->backlog.size) {
    tr_fbe_buffer more = rx->backlog;
    tr_fbe_buffer_init(&rx->backlog);
    rc = feed(rx, more.data, more.size);
    tr_fbe_buffer_free(&more);
  }
  rx->feeding = 0;
  /* The session is going away: do not keep a large partial frame around.
   * Freed here, not in fail(), since a handler may fail the receiver while
   * it still reads the frame it was given. */
  if (rx->error) {
    tr_fbe_buffer_free(&rx->pending);
    tr_fbe_buffer_free(&rx->backlog);
  }
  return rc;
}
