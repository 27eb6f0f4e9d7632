/* tr_future: a one-shot result that a worker completes and any thread waits on.
 *
 * Blocking calls (send_sync, connect_sync, a protocol request's get) are built
 * on it. Waiting blocks the calling thread, so on a worker thread tr_future_wait
 * refuses with TR_EDEADLK unless the future is already done or timeout is 0:
 * the worker might be the one that has to complete it.
 */
#ifndef TROUPE_FUTURE_H
#define TROUPE_FUTURE_H

#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_future tr_future;
typedef void (*tr_future_cb)(tr_future *f, int result, void *value, void *ctx);

/* A pending future with one reference. */
tr_future *tr_future_new(void);
tr_future *tr_future_retain(tr_future *f);
void tr_future_release(tr_future *f);

/* The first completion wins; later ones return TR_EALREADY. */
int tr_future_complete(tr_future *f, int result, void *value);
/* Waits up to timeout_ms (negative: forever). Returns the completion's result
 * (and stores its value if value is non-NULL), or TR_ETIMEDOUT, or TR_EDEADLK. */
int tr_future_wait(tr_future *f, int64_t timeout_ms, void **value);
int tr_future_is_done(const tr_future *f);
/* cb runs once on the completing thread, or at once if already complete. */
int tr_future_then(tr_future *f, tr_future_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
