/* Runtime: start/stop, post and dispatch, CppServer's service ordering. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "troupe/troupe.h"

/* --- the CppServer service example's ordering ----------------------------- */

static tr_runtime *svc;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char events[256];

static void note(const char *e) {
  pthread_mutex_lock(&log_lock);
  strcat(events, e);
  strcat(events, " ");
  pthread_mutex_unlock(&log_lock);
}

static void t_1_2_1(void *a) { note("1.2.1"); }
static void t_1_3_1(void *a) { note("1.3.1"); }
static void t_2_2_1(void *a) { note("2.2.1"); }
static void t_2_3_1(void *a) { note("2.3.1"); }
static void t_1(void *a) {
  note("1.1");
  note("1.2");
  tr_runtime_dispatch(svc, t_1_2_1, NULL);
  note("1.3");
  tr_runtime_post(svc, t_1_3_1, NULL);
}
static void t_2(void *a) {
  note("2.1");
  note("2.2");
  tr_runtime_dispatch(svc, t_2_2_1, NULL);
  note("2.3");
  tr_runtime_post(svc, t_2_3_1, NULL);
}
static void hold(void *arg) {
  while (!tr_future_is_done(arg))
    usleep(500);
}
static void done(void *arg) { tr_future_complete(arg, 0, NULL); }

Test(runtime, dispatch_and_post_order_matches_cppserver_service, .timeout = 20) {
  cr_assert_eq(tr_runtime_new(&svc, &(tr_runtime_options){.workers = 1}), 0);
  cr_assert_eq(tr_runtime_start(svc), 0);
  /* Hold the worker so both main-thread calls are queued before it runs
   * them, as they are in CppServer's output. */
  tr_future *gate = tr_future_new(), *fin = tr_future_new();
  cr_assert_eq(tr_runtime_post(svc, hold, gate), 0);
  note("1");
  cr_assert_eq(tr_runtime_dispatch(svc, t_1, NULL), 0);
  note("2");
  cr_assert_eq(tr_runtime_post(svc, t_2, NULL), 0);
  tr_future_complete(gate, 0, NULL);
  /* t_1 and t_2 post at most one task each; a task posted after them runs
   * after those only if they were queued first, so wait for the log. */
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&log_lock);
    int n = strstr(events, "2.3.1") != NULL;
    pthread_mutex_unlock(&log_lock);
    if (n)
      break;
    usleep(1000);
  }
  cr_assert_eq(tr_runtime_post(svc, done, fin), 0);
  cr_assert_eq(tr_future_wait(fin, 5000, NULL), 0);
  cr_assert_str_eq(events, "1 2 1.1 1.2 1.2.1 1.3 2.1 2.2 2.2.1 2.3 1.3.1 2.3.1 ");
  tr_runtime_free(svc);
  tr_future_release(gate);
  tr_future_release(fin);
}

/* --- post/dispatch threads ------------------------------------------------ */

static void record_worker(void *arg) { tr_future_complete(arg, 0, tr_worker_current()); }

Test(runtime, worker_post_runs_on_that_worker_and_dispatch_inline_there, .timeout = 20) {
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 2}), 0);
  cr_assert_eq(tr_runtime_worker_count(rt), 2);
  cr_assert_eq(tr_runtime_start(rt), 0);
  for (unsigned i = 0; i < 2; i++) {
    tr_worker *w = tr_runtime_worker(rt, i);
    tr_future *f = tr_future_new();
    cr_assert_eq(tr_worker_post(w, record_worker, f), 0);
    void *seen;
    cr_assert_eq(tr_future_wait(f, 5000, &seen), 0);
    cr_assert_eq(seen, w);
    tr_future_release(f);
  }
  cr_assert_null(tr_worker_current());
  cr_assert_null(tr_runtime_worker(rt, 2));
  tr_runtime_free(rt);
}

static tr_runtime *rt_for_stop;
static void stop_from_worker(void *arg) {
  tr_future_complete(arg, tr_runtime_stop(rt_for_stop), NULL);
}
static void wait_on_worker(void *arg) {
  tr_future *other = tr_future_new();
  int rc = tr_future_wait(other, 1000, NULL);
  tr_future_release(other);
  tr_future_complete(arg, rc, NULL);
}

Test(runtime, blocking_calls_on_a_worker_refuse_with_edeadlk, .timeout = 20) {
  cr_assert_eq(tr_runtime_new(&rt_for_stop, &(tr_runtime_options){.workers = 1}), 0);
  cr_assert_eq(tr_runtime_start(rt_for_stop), 0);
  tr_future *f = tr_future_new(), *g = tr_future_new();
  cr_assert_eq(tr_runtime_post(rt_for_stop, stop_from_worker, f), 0);
  cr_assert_eq(tr_future_wait(f, 5000, NULL), TR_EDEADLK);
  cr_assert_eq(tr_runtime_post(rt_for_stop, wait_on_worker, g), 0);
  cr_assert_eq(tr_future_wait(g, 5000, NULL), TR_EDEADLK);
  tr_runtime_free(rt_for_stop);
  tr_future_release(f);
  tr_future_release(g);
}

/* --- accepted posts run exactly once, even across stop --------------------- */

static _Atomic long ran;
static void bump(void *arg) { atomic_fetch_add(&ran, 1); }

typedef struct {
  tr_runtime *rt;
  long accepted;
} poster_arg;

static void *poster(void *p) {
  poster_arg *a = p;
  for (int i = 0; i < 200000; i++) {
    int rc = tr_runtime_post(a->rt, bump, NULL);
    if (rc == 0)
      a->accepted++;
    else if (rc == TR_ECLOSED)
      break;
  }
  return NULL;
}

Test(runtime, posts_accepted_while_stopping_all_run_exactly_once, .timeout = 60) {
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 2}), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  atomic_store(&ran, 0);
  poster_arg args[3] = {{rt, 0}, {rt, 0}, {rt, 0}};
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, poster, &args[i]);
  usleep(10000);
  cr_assert_eq(tr_runtime_stop(rt), 0);
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  long accepted = args[0].accepted + args[1].accepted + args[2].accepted;
  cr_assert_gt(accepted, 0);
  cr_assert_eq(atomic_load(&ran), accepted, "ran %ld of %ld accepted posts", atomic_load(&ran), accepted);
  cr_assert_eq(tr_runtime_post(rt, bump, NULL), TR_ECLOSED);
  tr_runtime_free(rt);
}

Test(runtime, free_without_start_and_post_before_start, .timeout = 20) {
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, NULL), 0);
  cr_assert_geq(tr_runtime_worker_count(rt), 1);
  atomic_store(&ran, 0);
  /* Accepted before start: runs, at the latest when the runtime is freed. */
  cr_assert_eq(tr_runtime_post(rt, bump, NULL), 0);
  tr_runtime_free(rt);
  cr_assert_eq(atomic_load(&ran), 1);
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 5000}), TR_EINVAL);
}

Test(runtime, strerror_names_troupe_and_libuv_codes) {
  cr_assert_str_eq(tr_err_name(TR_ECLOSED), "TR_ECLOSED");
  cr_assert(strstr(tr_strerror(TR_ECLOSED), "closed") != NULL);
  cr_assert_str_eq(tr_err_name(UV_ECONNREFUSED), "ECONNREFUSED");
  cr_assert_str_eq(tr_strerror(UV_ECONNREFUSED), uv_strerror(UV_ECONNREFUSED));
  cr_assert_str_eq(tr_strerror(0), "success");
  cr_assert_str_eq(tr_err_name(TR_ERRNO_BASE - 999), "TR_EUNKNOWN");
}

/* --- defer runs once per loop turn, before polling ------------------------- */

typedef struct {
  int deferred_runs;
  int calls;
  tr_future *done;
} defer_state;

static void deferred(void *arg) {
  defer_state *s = arg;
  s->deferred_runs++;
  tr_future_complete(s->done, 0, NULL);
}
static void ask_defer(void *arg) {
  defer_state *s = arg;
  s->calls++;
  /* Many calls in one turn coalesce only if the caller defers once; here we
   * check the contract: every deferred fn runs, after the current task. */
  cr_assert_eq(tr_worker_defer(tr_worker_current(), deferred, s), 0);
  cr_assert_eq(s->deferred_runs, 0);
}

Test(runtime, defer_runs_after_the_current_turn_and_only_on_its_worker, .timeout = 20) {
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 1}), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  defer_state s = {.done = tr_future_new()};
  cr_assert_eq(tr_worker_defer(tr_runtime_worker(rt, 0), deferred, &s), TR_EINVAL);
  cr_assert_eq(tr_runtime_post(rt, ask_defer, &s), 0);
  cr_assert_eq(tr_future_wait(s.done, 5000, NULL), 0);
  tr_runtime_stop(rt);
  cr_assert_eq(s.deferred_runs, 1);
  cr_assert_eq(s.calls, 1);
  tr_runtime_free(rt);
  tr_future_release(s.done);
}
