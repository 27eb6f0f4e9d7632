/* tr_timer: a timer actor (CppServer's Asio timer).
 *
 * Set it up with an absolute time or a relative span, then wait asynchronously
 * (on_timer runs on the timer's worker) or synchronously (the calling thread
 * blocks), or cancel. Every call is safe from any thread; calls from one thread
 * are applied in order. Setting up again while a wait is pending cancels that
 * wait (on_timer(canceled = 1)). A synchronous wait does not call on_timer.
 */
#ifndef TROUPE_TIMER_H
#define TROUPE_TIMER_H

#include <stdint.h>

#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_timer tr_timer;

typedef struct tr_timer_callbacks {
  void (*on_timer)(tr_timer *t, int canceled, void *ctx);
  void (*on_error)(tr_timer *t, int code, const char *category, const char *message, void *ctx);
} tr_timer_callbacks;

/* Wall-clock milliseconds since the Unix epoch (for tr_timer_setup_at). */
uint64_t tr_time_unix_ms(void);

int tr_timer_new(tr_runtime *rt, const tr_timer_callbacks *cb, void *ctx, tr_timer **out);
/* Stops the timer actor (a pending wait is canceled) and drops the handle. */
void tr_timer_free(tr_timer *t);

int tr_timer_setup_at(tr_timer *t, uint64_t unix_ms);
int tr_timer_setup_after(tr_timer *t, uint64_t ms);
int tr_timer_wait_async(tr_timer *t);
/* Blocks until expiry: 0 when it expired, TR_ECANCELED when canceled,
 * TR_EDEADLK on the timer's own worker. */
int tr_timer_wait_sync(tr_timer *t);
int tr_timer_cancel(tr_timer *t);

#ifdef __cplusplus
}
#endif
#endif
