/* The growable buffer encoders write frames into, and the checked reads and
 * frame-header check every decoder starts from. */
#include <stdlib.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

/* FBE slots are 32-bit: nothing past 4 GiB can be addressed. */
#define FBE_LIMIT ((size_t)UINT32_MAX)

void tr_fbe_buffer_init(tr_fbe_buffer *b) {
  b->data = NULL;
  b->size = 0;
  b->capacity = 0;
}

void tr_fbe_buffer_free(tr_fbe_buffer *b) {
  free(b->data);
  tr_fbe_buffer_init(b);
}

void tr_fbe_buffer_clear(tr_fbe_buffer *b) { b->size = 0; }

int tr_fbe_buffer_reserve(tr_fbe_buffer *b, size_t extra) {
  if (extra > FBE_LIMIT - b->size)
    return TR_EOVERFLOW;
  size_t need = b->size + extra;
  if (need <= b->capacity)
    return 0;
  size_t cap = b->capacity ? b->capacity : 256;
  while (cap < need)
    cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (!p)
    return TR_ENOMEM;
  b->data = p;
  b->capacity = cap;
  return 0;
}

int tr_fbe_buffer_allocate(tr_fbe_buffer *b, size_t n, size_t *offset) {
  int rc = tr_fbe_buffer_reserve(b, n);
  if (rc)
    return rc;
  *offset = b->size;
  if (n)
    memset(b->data + b->size, 0, n);
  b->size += n;
  return 0;
}

int tr_fbe_buffer_append(tr_fbe_buffer *b, const void *data, size_t n) {
  int rc = tr_fbe_buffer_reserve(b, n);
  if (rc)
    return rc;
  if (n)
    memcpy(b->data + b->size, data, n);
  b->size += n;
  return 0;
}

void tr_fbe_buffer_consume(tr_fbe_buffer *b, size_t n) {
  if (n >= b->size) {
    b->size = 0;
    return;
  }
  memmove(b->data, b->data + n, b->size - n);
  b->size -= n;
}

int tr_fbe_read_u8(const uint8_t *data, size_t size, size_t offset, uint8_t *out) {
  if (!tr_fbe_in_bounds(size, offset, 1))
    return TR_EPROTO;
  *out = data[offset];
  return 0;
}

int tr_fbe_read_u32(const uint8_t *data, size_t size, size_t offset, uint32_t *out) {
  if (!tr_fbe_in_bounds(size, offset, 4))
    return TR_EPROTO;
  *out = tr_fbe_load_u32(data + offset);
  return 0;
}

int tr_fbe_read_u64(const uint8_t *data, size_t size, size_t offset, uint64_t *out) {
  if (!tr_fbe_in_bounds(size, offset, 8))
    return TR_EPROTO;
  *out = tr_fbe_load_u64(data + offset);
  return 0;
}

int tr_fbe_frame_type(const uint8_t *frame, size_t size, uint32_t *type) {
  if (!frame || size < TR_FBE_MIN_FRAME || size > FBE_LIMIT)
    return TR_EPROTO;
  if (tr_fbe_load_u32(frame) != size)
    return TR_EPROTO;
  size_t root = tr_fbe_load_u32(frame + 4);
  if (root < 8 || !tr_fbe_in_bounds(size, root, 8))
    return TR_EPROTO;
  size_t struct_size = tr_fbe_load_u32(frame + root);
  if (struct_size < 8 || !tr_fbe_in_bounds(size, root, struct_size))
    return TR_EPROTO;
  *type = tr_fbe_load_u32(frame + root + 4);
  return 0;
}
