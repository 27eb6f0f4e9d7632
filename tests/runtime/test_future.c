/* tr_future: completion, waiting, timeouts, callbacks. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "troupe/future.h"

static void *complete_later(void *arg) {
  usleep(50000);
  tr_future_complete(arg, 5, (void *)0x1234);
  tr_future_release(arg);
  return NULL;
}

Test(future, wait_gets_result_and_value_from_another_thread, .timeout = 10) {
  tr_future *f = tr_future_new();
  pthread_t th;
  pthread_create(&th, NULL, complete_later, tr_future_retain(f));
  void *v = NULL;
  cr_assert_eq(tr_future_wait(f, -1, &v), 5);
  cr_assert_eq(v, (void *)0x1234);
  cr_assert(tr_future_is_done(f));
  cr_assert_eq(tr_future_complete(f, 1, NULL), TR_EALREADY);
  pthread_join(th, NULL);
  tr_future_release(f);
}

Test(future, wait_times_out, .timeout = 10) {
  tr_future *f = tr_future_new();
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  cr_assert_eq(tr_future_wait(f, 100, NULL), TR_ETIMEDOUT);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  cr_assert_geq(ms, 95);
  cr_assert_eq(tr_future_wait(f, 0, NULL), TR_ETIMEDOUT);
  cr_assert_not(tr_future_is_done(f));
  tr_future_release(f);
}

static int cb_result;
static void cb(tr_future *f, int result, void *value, void *ctx) { cb_result = result + (int)(intptr_t)ctx; }

Test(future, then_runs_on_completion_or_at_once) {
  tr_future *f = tr_future_new();
  cb_result = 0;
  cr_assert_eq(tr_future_then(f, cb, (void *)10), 0);
  cr_assert_eq(tr_future_then(f, cb, (void *)10), TR_EBUSY);
  cr_assert_eq(cb_result, 0);
  tr_future_complete(f, 1, NULL);
  cr_assert_eq(cb_result, 11);
  cb_result = 0;
  cr_assert_eq(tr_future_then(f, cb, (void *)20), 0);
  cr_assert_eq(cb_result, 21);
  tr_future_release(f);
}
