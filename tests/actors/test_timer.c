/* Timer actor: sync and async waits, absolute and relative times, cancel. */
#include <criterion/criterion.h>
#include <unistd.h>

#include "troupe/troupe.h"

static uint64_t now_ms(void) { return uv_hrtime() / 1000000u; }

typedef struct {
  tr_future *fired;
  int errors;
} timer_ctx;

static void on_timer(tr_timer *t, int canceled, void *ctx) {
  timer_ctx *c = ctx;
  tr_future_complete(c->fired, canceled ? 1 : 0, tr_worker_current());
}
static void on_error(tr_timer *t, int code, const char *cat, const char *msg, void *ctx) {
  timer_ctx *c = ctx;
  c->errors++;
  cr_assert_str_eq(cat, "timer");
}
static const tr_timer_callbacks cbs = {.on_timer = on_timer, .on_error = on_error};

static tr_runtime *rt_new(unsigned n) {
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = n}), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  return rt;
}

Test(timer, wait_sync_relative_and_absolute, .timeout = 20) {
  tr_runtime *rt = rt_new(2);
  timer_ctx c = {.fired = tr_future_new()};
  tr_timer *t;
  cr_assert_eq(tr_timer_new(rt, &cbs, &c, &t), 0);
  uint64_t start = now_ms();
  cr_assert_eq(tr_timer_setup_after(t, 100), 0);
  cr_assert_eq(tr_timer_wait_sync(t), 0);
  cr_assert_geq(now_ms() - start, 95);
  start = now_ms();
  cr_assert_eq(tr_timer_setup_at(t, tr_time_unix_ms() + 150), 0);
  cr_assert_eq(tr_timer_wait_sync(t), 0);
  cr_assert_geq(now_ms() - start, 140);
  /* A synchronous wait does not call on_timer. */
  cr_assert_not(tr_future_is_done(c.fired));
  tr_timer_free(t);
  tr_runtime_free(rt);
  tr_future_release(c.fired);
}

Test(timer, wait_async_fires_on_timer_on_the_worker, .timeout = 20) {
  tr_runtime *rt = rt_new(2);
  timer_ctx c = {.fired = tr_future_new()};
  tr_timer *t;
  cr_assert_eq(tr_timer_new(rt, &cbs, &c, &t), 0);
  uint64_t start = now_ms();
  cr_assert_eq(tr_timer_setup_after(t, 80), 0);
  cr_assert_eq(tr_timer_wait_async(t), 0);
  void *w;
  cr_assert_eq(tr_future_wait(c.fired, 5000, &w), 0, "expired, not canceled");
  cr_assert_geq(now_ms() - start, 75);
  cr_assert_not_null(w);
  tr_timer_free(t);
  tr_runtime_free(rt);
  tr_future_release(c.fired);
}

Test(timer, cancel_calls_on_timer_canceled_promptly, .timeout = 20) {
  tr_runtime *rt = rt_new(1);
  timer_ctx c = {.fired = tr_future_new()};
  tr_timer *t;
  cr_assert_eq(tr_timer_new(rt, &cbs, &c, &t), 0);
  cr_assert_eq(tr_timer_setup_after(t, 10000), 0);
  cr_assert_eq(tr_timer_wait_async(t), 0);
  usleep(20000);
  uint64_t start = now_ms();
  cr_assert_eq(tr_timer_cancel(t), 0);
  cr_assert_eq(tr_future_wait(c.fired, 5000, NULL), 1, "canceled");
  cr_assert_lt(now_ms() - start, 2000);
  tr_timer_free(t);
  tr_runtime_free(rt);
  tr_future_release(c.fired);
}

static tr_timer *shared_timer;
static void sync_on_worker(void *arg) { tr_future_complete(arg, tr_timer_wait_sync(shared_timer), NULL); }

Test(timer, wait_sync_on_own_worker_is_edeadlk_and_unset_wait_errors, .timeout = 20) {
  tr_runtime *rt = rt_new(1);
  timer_ctx c = {.fired = tr_future_new()};
  cr_assert_eq(tr_timer_new(rt, &cbs, &c, &shared_timer), 0);
  tr_future *f = tr_future_new();
  cr_assert_eq(tr_runtime_post(rt, sync_on_worker, f), 0);
  cr_assert_eq(tr_future_wait(f, 5000, NULL), TR_EDEADLK);
  /* Waiting on a timer never set up: an error, and the wait ends canceled. */
  cr_assert_eq(tr_timer_wait_async(shared_timer), 0);
  cr_assert_eq(tr_future_wait(c.fired, 5000, NULL), 1);
  tr_timer_free(shared_timer);
  tr_runtime_free(rt);
  cr_assert_eq(c.errors, 1);
  tr_future_release(c.fired);
  tr_future_release(f);
}

Test(timer, free_and_runtime_stop_cancel_pending_waits, .timeout = 20) {
  tr_runtime *rt = rt_new(2);
  timer_ctx c1 = {.fired = tr_future_new()}, c2 = {.fired = tr_future_new()};
  tr_timer *t1, *t2;
  cr_assert_eq(tr_timer_new(rt, &cbs, &c1, &t1), 0);
  cr_assert_eq(tr_timer_new(rt, &cbs, &c2, &t2), 0);
  tr_timer_setup_after(t1, 60000);
  tr_timer_wait_async(t1);
  tr_timer_setup_after(t2, 60000);
  tr_timer_wait_async(t2);
  tr_timer_free(t1);
  cr_assert_eq(tr_future_wait(c1.fired, 5000, NULL), 1);
  tr_runtime_stop(rt);
  cr_assert_eq(tr_future_wait(c2.fired, 0, NULL), 1, "runtime stop cancels the wait");
  cr_assert_eq(tr_timer_setup_after(t2, 5), TR_ECLOSED);
  tr_timer_free(t2);
  tr_runtime_free(rt);
  tr_future_release(c1.fired);
  tr_future_release(c2.fired);
}
