/* The reconnect of the sample clients: after a disconnect they connect again
 * a second later (a timer, so the worker is not held up meanwhile), until
 * the sample quits. */
#ifndef TROUPE_SAMPLE_RETRY_H
#define TROUPE_SAMPLE_RETRY_H

#include <stdatomic.h>

#include "troupe/runtime.h"
#include "troupe/timer.h"

/* The caller owns the storage (static in the samples), so that a timer
 * callback still in flight at exit never reads freed memory. */
typedef struct sample_retry {
  tr_timer *timer;
  void (*connect)(void *target);
  void *target;
  atomic_int stopping; /* set on the main thread, read on the workers */
} sample_retry;

/* connect(target) is called from the timer's worker. */
int sample_retry_init(sample_retry *r, tr_runtime *rt, void (*connect)(void *target), void *target);
/* From the client's disconnected callback: connect again in a second, unless
 * stopped. */
void sample_retry_later(sample_retry *r);
/* Before the final disconnect, so that it is not undone. */
void sample_retry_stop(sample_retry *r);
void sample_retry_free(sample_retry *r);

#endif
