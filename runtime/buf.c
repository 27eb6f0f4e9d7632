/* tr_buf: header and (usually) bytes in one allocation. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_internal.h"

static tr_buf *buf_alloc(size_t extra) {
  if (extra > SIZE_MAX - sizeof(tr_buf))
    return NULL;
  tr_buf *b = malloc(sizeof(tr_buf) + extra);
  if (!b)
    return NULL;
  atomic_init(&b->refs, 1);
  b->parent = NULL;
  b->free_fn = NULL;
  b->ctx = NULL;
  return b;
}

tr_buf *tr_buf_new(size_t len) {
  tr_buf *b = buf_alloc(len);
  if (!b)
    return NULL;
  b->data = b->inline_data;
  b->len = len;
  return b;
}

tr_buf *tr_buf_copy(const void *data, size_t len) {
  tr_buf *b = tr_buf_new(len);
  if (b && len)
    memcpy(b->data, data, len);
  return b;
}

tr_buf *tr_buf_wrap(void *data, size_t len, tr_buf_free_fn free_fn, void *ctx) {
  tr_buf *b = buf_alloc(0);
  if (!b)
    return NULL;
  b->data = data;
  b->len = len;
  b->free_fn = free_fn;
  b->ctx = ctx;
  return b;
}

tr_buf *tr_buf_slice(tr_buf *parent, size_t off, size_t len) {
  if (!parent || off > parent->len || len > parent->len - off)
    return NULL;
  tr_buf *b = buf_alloc(0);
  if (!b)
    return NULL;
  b->data = parent->data + off;
  b->len = len;
  b->parent = tr_buf_retain(parent);
  return b;
}

tr_buf *tr_buf_retain(tr_buf *b) {
  /* relaxed: taking another reference needs no ordering; the caller already
   * holds one, so the buffer cannot go away meanwhile (as for shared_ptr). */
  atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}

void tr_buf_retain_n(tr_buf *b, unsigned n) {
  if (n)
    atomic_fetch_add_explicit(&b->refs, n, memory_order_relaxed);
}

void tr_buf_release(tr_buf *b) {
  if (!b)
    return;
  /* acq_rel: the release half orders this holder's reads of the bytes before
   * the free; the acquire half, on the last holder, sees every other holder's
   * accesses as done before it frees. */
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (b->parent)
    tr_buf_release(b->parent);
  else if (b->free_fn)
    b->free_fn(b->data, b->len, b->ctx);
  free(b);
}

const void *tr_buf_data(const tr_buf *b) { return b->data; }
size_t tr_buf_len(const tr_buf *b) { return b->len; }
void *tr_buf_mut(tr_buf *b) { return b->data; }
unsigned tr_buf_refs(const tr_buf *b) { return atomic_load_explicit(&b->refs, memory_order_relaxed); }
