/* Slot codecs shared by every generated package: strings and bytes are a
 * u32 offset (relative to the enclosing struct) to [u32 length][bytes]. */
#include <stdlib.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

int tr_fbe_put_blob(tr_fbe_buffer *b, size_t base, size_t off, const void *data, size_t size) {
  if (size > UINT32_MAX - 4)
    return TR_EOVERFLOW;
  size_t at;
  int rc = tr_fbe_buffer_allocate(b, 4 + size, &at);
  if (rc)
    return rc;
  tr_fbe_store_u32(b->data + base + off, (uint32_t)(at - base));
  tr_fbe_store_u32(b->data + at, (uint32_t)size);
  if (size)
    memcpy(b->data + at + 4, data, size);
  return 0;
}

/* Finds a blob's bytes; an offset of 0 is FBE's empty value. */
static int locate(tr_fbe_reader *r, size_t base, size_t off, const uint8_t **p, size_t *n) {
  *p = NULL;
  *n = 0;
  if (!tr_fbe_in_bounds(r->size, base + off, 4))
    return TR_EPROTO;
  size_t rel = tr_fbe_load_u32(r->data + base + off);
  if (!rel)
    return 0;
  size_t at = base + rel;
  if (!tr_fbe_in_bounds(r->size, at, 4))
    return TR_EPROTO;
  size_t len = tr_fbe_load_u32(r->data + at);
  if (!tr_fbe_in_bounds(r->size, at + 4, len) || tr_fbe_reader_take(r, 4 + len))
    return TR_EPROTO;
  *p = r->data + at + 4;
  *n = len;
  return 0;
}

int tr_fbe_get_string(tr_fbe_reader *r, size_t base, size_t off, tr_fbe_string *v) {
  const uint8_t *p;
  size_t n;
  int rc = locate(r, base, off, &p, &n);
  if (rc || !p)
    return rc;
  return tr_fbe_string_set(v, p, n);
}

int tr_fbe_get_bytes(tr_fbe_reader *r, size_t base, size_t off, tr_fbe_bytes *v) {
  const uint8_t *p;
  size_t n;
  int rc = locate(r, base, off, &p, &n);
  if (rc || !p)
    return rc;
  return tr_fbe_bytes_set(v, p, n);
}

int tr_fbe_reader_struct(tr_fbe_reader *r, size_t base, size_t off, uint32_t type, size_t *at, size_t *struct_size) {
  if (!tr_fbe_in_bounds(r->size, base + off, 4))
    return TR_EPROTO;
  size_t rel = tr_fbe_load_u32(r->data + base + off);
  size_t pos = base + rel;
  if (!rel || !tr_fbe_in_bounds(r->size, pos, 8))
    return TR_EPROTO;
  size_t size = tr_fbe_load_u32(r->data + pos);
  if (size < 8 || !tr_fbe_in_bounds(r->size, pos, size) || tr_fbe_load_u32(r->data + pos + 4) != type)
    return TR_EPROTO;
  if (r->depth >= TR_FBE_MAX_DEPTH || tr_fbe_reader_take(r, size))
    return TR_EPROTO;
  *at = pos;
  *struct_size = size;
  return 0;
}

int tr_fbe_reader_block(tr_fbe_reader *r, size_t base, size_t off, size_t item_size, size_t *at, size_t *count) {
  *count = 0;
  if (!tr_fbe_in_bounds(r->size, base + off, 4))
    return TR_EPROTO;
  size_t rel = tr_fbe_load_u32(r->data + base + off);
  *at = base + rel;
  if (!rel)
    return 0;
  if (!tr_fbe_in_bounds(r->size, *at, 4))
    return TR_EPROTO;
  size_t n = tr_fbe_load_u32(r->data + *at);
  /* n * item_size cannot overflow: both are below 2^32 on a 64-bit size_t. */
  if (!tr_fbe_in_bounds(r->size, *at + 4, n * item_size) || tr_fbe_reader_take(r, 4 + n * item_size))
    return TR_EPROTO;
  *count = n;
  return 0;
}

int tr_fbe_put_block(tr_fbe_buffer *b, size_t base, size_t off, size_t count, size_t item_size, size_t *at) {
  if (count > (UINT32_MAX - 4) / (item_size ? item_size : 1))
    return TR_EOVERFLOW;
  int rc = tr_fbe_buffer_allocate(b, 4 + count * item_size, at);
  if (rc)
    return rc;
  tr_fbe_store_u32(b->data + base + off, (uint32_t)(*at - base));
  tr_fbe_store_u32(b->data + *at, (uint32_t)count);
  return 0;
}

int tr_fbe_put_struct(tr_fbe_buffer *b, size_t base, size_t off, uint32_t struct_size, uint32_t type, size_t *at) {
  int rc = tr_fbe_buffer_allocate(b, struct_size, at);
  if (rc)
    return rc;
  tr_fbe_store_u32(b->data + base + off, (uint32_t)(*at - base));
  tr_fbe_store_u32(b->data + *at, struct_size);
  tr_fbe_store_u32(b->data + *at + 4, type);
  return 0;
}

int tr_fbe_put_optional(tr_fbe_buffer *b, size_t base, size_t off, bool has, size_t value_size, size_t *at) {
  tr_fbe_store_u8(b->data + base + off, has ? 1 : 0);
  if (!has)
    return 0;
  int rc = tr_fbe_buffer_allocate(b, value_size, at);
  if (rc)
    return rc;
  tr_fbe_store_u32(b->data + base + off + 1, (uint32_t)(*at - base));
  return 0;
}

int tr_fbe_reader_optional(tr_fbe_reader *r, size_t base, size_t off, size_t value_size, bool *has, size_t *at) {
  *has = false;
  if (!tr_fbe_in_bounds(r->size, base + off, 5))
    return TR_EPROTO;
  if (!tr_fbe_load_u8(r->data + base + off))
    return 0;
  size_t rel = tr_fbe_load_u32(r->data + base + off + 1);
  *at = base + rel;
  if (!rel || !tr_fbe_in_bounds(r->size, *at, value_size) || tr_fbe_reader_take(r, value_size))
    return TR_EPROTO;
  *has = true;
  return 0;
}

int tr_fbe_frame_begin(tr_fbe_buffer *b, size_t *start) {
  /* [u32 frame size][u32 root offset]: the root slot sits at start + 4. */
  return tr_fbe_buffer_allocate(b, 8, start);
}

int tr_fbe_frame_end(tr_fbe_buffer *b, size_t start) {
  size_t size = b->size - start;
  if (size > INT32_MAX)
    return TR_EOVERFLOW;
  tr_fbe_store_u32(b->data + start, (uint32_t)size);
  return (int)size;
}

int tr_fbe_reader_init(tr_fbe_reader *r, const uint8_t *frame, size_t size) {
  uint32_t type;
  int rc = tr_fbe_frame_type(frame, size, &type);
  if (rc)
    return rc;
  r->data = frame;
  r->size = size;
  r->budget = size - 8;
  r->depth = 0;
  return 0;
}
