/* tr_buf: a reference-counted, immutable byte buffer.
 *
 * One tr_buf can be shared by any number of actors and threads at once (server
 * multicast hands the same buffer to every worker). The bytes never change
 * after the buffer is published, so readers need no lock; the reference count
 * is atomic. A slice is a view into another buffer that keeps its parent alive.
 *
 * Lifecycle: tr_buf_new/copy/wrap/slice return a buffer with one reference
 * owned by the caller. tr_buf_retain adds one, tr_buf_release drops one; the
 * memory goes when the last reference is dropped, on whichever thread that is.
 */
#ifndef TROUPE_BUF_H
#define TROUPE_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_buf tr_buf;

/* Called once, when the last reference to a wrapped buffer goes. */
typedef void (*tr_buf_free_fn)(void *data, size_t len, void *ctx);

/* A new buffer of len bytes, uninitialised. Fill it through tr_buf_mut()
 * before sharing it; NULL when out of memory. */
tr_buf *tr_buf_new(size_t len);
/* A new buffer holding a copy of data[0..len). */
tr_buf *tr_buf_copy(const void *data, size_t len);
/* A buffer over memory the caller already has; free_fn (may be NULL) runs when
 * the last reference goes. */
tr_buf *tr_buf_wrap(void *data, size_t len, tr_buf_free_fn free_fn, void *ctx);
/* A view of parent[off..off+len); NULL if the range is outside parent. */
tr_buf *tr_buf_slice(tr_buf *parent, size_t off, size_t len);

tr_buf *tr_buf_retain(tr_buf *buf);
void tr_buf_release(tr_buf *buf);

const void *tr_buf_data(const tr_buf *buf);
size_t tr_buf_len(const tr_buf *buf);
/* Writable view, for the creator only, before the buffer is shared. */
void *tr_buf_mut(tr_buf *buf);
/* Current reference count (for tests and diagnostics; racy by nature). */
unsigned tr_buf_refs(const tr_buf *buf);

#ifdef __cplusplus
}
#endif
#endif
