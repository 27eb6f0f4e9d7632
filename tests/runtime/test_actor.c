/* Actors: lifecycle, delivery, ordering, fairness and faults. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "troupe/troupe.h"

static tr_runtime *start_runtime(unsigned workers, unsigned slots) {
  tr_runtime *rt;
  tr_runtime_options o = {.workers = workers, .mailbox_slots = slots};
  cr_assert_eq(tr_runtime_new(&rt, &o), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  return rt;
}

/* --- lifecycle ---------------------------------------------------------- */

typedef struct {
  tr_future *done;
  char log[64];
  int n;
  int got;
} life_state;

static int life_started(tr_actor *self, void *st) {
  life_state *s = st;
  s->log[s->n++] = 'S';
  return 0;
}
static void life_receive(tr_actor *self, void *st, const tr_msg *m) {
  life_state *s = st;
  s->log[s->n++] = 'R';
  s->got += (int)m->u32;
}
static void life_stopped(tr_actor *self, void *st) {
  life_state *s = st;
  s->log[s->n++] = 'X';
  s->log[s->n] = 0;
  tr_future_complete(s->done, s->got, s->log);
}
static const tr_behaviour life = {.name = "life", .started = life_started, .receive = life_receive, .stopped = life_stopped};

Test(actor, lifecycle_order_started_receive_stopped, .timeout = 20) {
  tr_runtime *rt = start_runtime(2, 0);
  life_state init = {.done = tr_future_new()};
  tr_actor *a;
  cr_assert_eq(tr_actor_spawn(rt, &life, &(tr_actor_options){.worker = 1, .state_size = sizeof init, .state_init = &init}, &a), 0);
  for (int i = 1; i <= 3; i++)
    cr_assert_eq(tr_actor_send(a, &(tr_msg){.type = 1, .u32 = (uint32_t)i}), 0);
  cr_assert_eq(tr_actor_stop(a), 0);
  void *log;
  cr_assert_eq(tr_future_wait(init.done, 5000, &log), 6);
  cr_assert_str_eq((char *)log, "SRRRX");
  cr_assert_eq(tr_worker_index(tr_actor_worker(a)), 1);
  tr_future_release(init.done);
  tr_actor_release(a);
  tr_runtime_free(rt);
}

Test(actor, send_to_stopped_actor_is_eclosed_and_stop_twice_is_ealready, .timeout = 20) {
  tr_runtime *rt = start_runtime(2, 0);
  life_state init = {.done = tr_future_new()};
  tr_actor *a;
  cr_assert_eq(tr_actor_spawn(rt, &life, &(tr_actor_options){.state_size = sizeof init, .state_init = &init}, &a), 0);
  cr_assert_eq(tr_actor_stop(a), 0);
  cr_assert_eq(tr_actor_stop(a), TR_EALREADY);
  cr_assert_eq(tr_actor_send(a, &(tr_msg){.type = 1}), TR_ECLOSED);
  cr_assert_eq(tr_actor_post(a, (tr_call_fn)abort, NULL), TR_ECLOSED);
  cr_assert_eq(tr_future_wait(init.done, 5000, NULL), 0);
  cr_assert_eq(tr_actor_is_alive(a), 0);
  cr_assert_eq(tr_actor_send(a, &(tr_msg){.type = 1}), TR_ECLOSED);
  cr_assert_eq(tr_actor_send(a, &(tr_msg){.type = TR_MSG_RESERVED}), TR_EINVAL);
  tr_future_release(init.done);
  tr_runtime_free(rt);
  /* The handle outlives the runtime and still answers safely. */
  cr_assert_eq(tr_actor_send(a, &(tr_msg){.type = 1}), TR_ECLOSED);
  tr_actor_release(a);
}

Test(actor, spawn_on_stopped_or_unstarted_runtime_fails, .timeout = 20) {
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 1}), 0);
  tr_actor *a = (tr_actor *)1;
  cr_assert_eq(tr_actor_spawn(rt, &life, NULL, &a), TR_ECLOSED);
  cr_assert_null(a);
  cr_assert_eq(tr_actor_spawn(rt, &life, &(tr_actor_options){.worker = 5}, &a), TR_EINVAL);
  cr_assert_eq(tr_runtime_start(rt), 0);
  cr_assert_eq(tr_runtime_start(rt), TR_EBUSY);
  cr_assert_eq(tr_runtime_stop(rt), 0);
  cr_assert_eq(tr_runtime_stop(rt), TR_EALREADY);
  cr_assert_eq(tr_actor_spawn(rt, &life, NULL, &a), TR_ECLOSED);
  cr_assert_eq(tr_runtime_start(rt), TR_ECLOSED);
  tr_runtime_free(rt);
}

static int refuse_started(tr_actor *self, void *st) { return -1; }
static void count_stopped(tr_actor *self, void *st) { tr_future_complete(st, 42, NULL); }
static const tr_behaviour refuser = {.started = refuse_started, .stopped = count_stopped};

Test(actor, started_returning_error_stops_the_actor, .timeout = 20) {
  tr_runtime *rt = start_runtime(1, 0);
  tr_future *f = tr_future_new();
  tr_actor *a;
  cr_assert_eq(tr_actor_spawn(rt, &refuser, &(tr_actor_options){.state = f}, &a), 0);
  cr_assert_eq(tr_future_wait(f, 5000, NULL), 42);
  cr_assert_eq(tr_actor_is_alive(a), 0);
  tr_actor_release(a);
  tr_future_release(f);
  tr_runtime_free(rt);
}

/* --- flood: exactly once, per-sender order ------------------------------ */

#define SENDERS 4
#define PER_SENDER 200000

typedef struct {
  uint64_t next[SENDERS];
  uint64_t total;
  int bad;
  uint32_t bad_sender;
  uint64_t bad_expected, bad_got;
  tr_future *done;
} flood_state;

static void flood_receive(tr_actor *self, void *st, const tr_msg *m) {
  flood_state *s = st;
  if (m->u32 >= SENDERS || m->u64 != s->next[m->u32]) {
    if (!s->bad++) {
      s->bad_sender = m->u32;
      s->bad_expected = m->u32 < SENDERS ? s->next[m->u32] : 0;
      s->bad_got = m->u64;
    }
    return;
  }
  s->next[m->u32]++;
  if (++s->total == (uint64_t)SENDERS * PER_SENDER)
    tr_future_complete(s->done, 0, NULL);
}
static const tr_behaviour flood = {.receive = flood_receive};

typedef struct {
  tr_actor *target;
  uint32_t id;
  int failures;
} sender_arg;

static void *sender_main(void *p) {
  sender_arg *a = p;
  for (uint64_t i = 0; i < PER_SENDER; i++)
    if (tr_actor_send(a->target, &(tr_msg){.type = 7, .u32 = a->id, .u64 = i}) != 0)
      a->failures++;
  return NULL;
}

Test(actor, flood_from_four_threads_arrives_exactly_once_in_sender_order, .timeout = 60) {
  /* A tiny ring (8 slots) forces most messages through the overflow list. */
  tr_runtime *rt = start_runtime(2, 8);
  flood_state init = {.done = tr_future_new()};
  tr_actor *a;
  cr_assert_eq(tr_actor_spawn(rt, &flood, &(tr_actor_options){.state_size = sizeof init, .state_init = &init}, &a), 0);
  pthread_t th[SENDERS];
  sender_arg args[SENDERS];
  for (uint32_t i = 0; i < SENDERS; i++) {
    args[i] = (sender_arg){.target = a, .id = i};
    pthread_create(&th[i], NULL, sender_main, &args[i]);
  }
  for (int i = 0; i < SENDERS; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(args[i].failures, 0);
  }
  flood_state *s = tr_actor_state(a);
  int rc = tr_future_wait(init.done, 50000, NULL);
  int64_t pending = tr_actor_pending(a);
  tr_runtime_stop(rt); /* joins the workers: the state is ours to read now */
  cr_assert_eq(rc, 0, "not every message arrived: pending %ld, total %lu, bad %d (first: sender %u expected %lu got %lu)",
               (long)pending, (unsigned long)s->total, s->bad, s->bad_sender, (unsigned long)s->bad_expected,
               (unsigned long)s->bad_got);
  cr_assert_eq(s->bad, 0, "%d messages out of order or duplicated", s->bad);
  for (int i = 0; i < SENDERS; i++)
    cr_assert_eq(s->next[i], PER_SENDER);
  cr_assert_eq(tr_runtime_dropped(rt), 0);
  tr_future_release(init.done);
  tr_actor_release(a);
  tr_runtime_free(rt);
}

/* --- fairness ------------------------------------------------------------ */

typedef struct {
  _Atomic uint64_t *hog_count;
  tr_future *seen;
} fair_state;

static void hog_receive(tr_actor *self, void *st, const tr_msg *m) {
  fair_state *s = st;
  atomic_fetch_add(s->hog_count, 1);
}
static void quiet_receive(tr_actor *self, void *st, const tr_msg *m) {
  fair_state *s = st;
  tr_future_complete(s->seen, 0, (void *)(uintptr_t)atomic_load(s->hog_count));
}
static const tr_behaviour hog = {.receive = hog_receive};
static const tr_behaviour quiet = {.receive = quiet_receive};

static void gate_task(void *arg) { tr_future_wait(arg, 0, NULL); usleep(0); }

static void block_until(void *arg) {
  /* Hold the worker (on purpose, in a test) until the main thread is ready. */
  while (!tr_future_is_done(arg))
    usleep(1000);
}

Test(actor, flooded_actor_does_not_starve_another_on_same_worker, .timeout = 30) {
  tr_runtime *rt = start_runtime(1, 0);
  _Atomic uint64_t hog_count = 0;
  fair_state st = {.hog_count = &hog_count, .seen = tr_future_new()};
  tr_actor *h, *q;
  cr_assert_eq(tr_actor_spawn(rt, &hog, &(tr_actor_options){.worker = 0, .state = &st}, &h), 0);
  cr_assert_eq(tr_actor_spawn(rt, &quiet, &(tr_actor_options){.worker = 0, .state = &st}, &q), 0);
  tr_future *gate = tr_future_new();
  cr_assert_eq(tr_worker_post(tr_runtime_worker(rt, 0), block_until, gate), 0);
  const int N = 100000;
  for (int i = 0; i < N; i++)
    cr_assert_eq(tr_actor_send(h, &(tr_msg){.type = 1}), 0);
  cr_assert_eq(tr_actor_send(q, &(tr_msg){.type = 1}), 0);
  tr_future_complete(gate, 0, NULL);
  void *at;
  cr_assert_eq(tr_future_wait(st.seen, 10000, &at), 0);
  /* The quiet actor ran after at most a few batches of the hog, not after all. */
  cr_assert_lt((uintptr_t)at, (uintptr_t)N / 10, "quiet actor ran only after %lu hog messages", (unsigned long)(uintptr_t)at);
  (void)gate_task;
  tr_actor_release(h);
  tr_actor_release(q);
  tr_runtime_free(rt);
  tr_future_release(gate);
  tr_future_release(st.seen);
}

/* --- stop with messages in flight ---------------------------------------- */

typedef struct {
  _Atomic uint64_t *received, *dropped_seen, *stopped;
} count_state;

static void cnt_receive(tr_actor *self, void *st, const tr_msg *m) {
  count_state *s = st;
  atomic_fetch_add(s->received, 1);
  if (m->buf)
    cr_assert_eq(tr_buf_len(m->buf), 3);
}
static void cnt_dropped(tr_actor *self, void *st, const tr_msg *m) {
  count_state *s = st;
  atomic_fetch_add(s->dropped_seen, 1);
}
static void cnt_stopped(tr_actor *self, void *st) {
  count_state *s = st;
  atomic_fetch_add(s->stopped, 1);
}
static const tr_behaviour counter = {.receive = cnt_receive, .dropped = cnt_dropped, .stopped = cnt_stopped};

typedef struct {
  tr_actor **actors;
  int n;
  _Atomic uint64_t accepted;
  _Atomic int go;
} storm_arg;

static void *storm_main(void *p) {
  storm_arg *s = p;
  for (int round = 0; round < 200000 && atomic_load(&s->go); round++) {
    tr_buf *b = tr_buf_copy("abc", 3);
    if (tr_actor_send(s->actors[round % s->n], &(tr_msg){.type = 1, .buf = b}) == 0)
      atomic_fetch_add(&s->accepted, 1);
    else
      tr_buf_release(b); /* refused: still ours */
  }
  return NULL;
}

Test(actor, runtime_stop_with_messages_in_flight_delivers_or_counts_every_one, .timeout = 60) {
  tr_runtime *rt = start_runtime(2, 16);
  _Atomic uint64_t received = 0, dropped = 0, stopped = 0;
  count_state st = {&received, &dropped, &stopped};
  enum { N = 50 };
  tr_actor *actors[N];
  for (int i = 0; i < N; i++)
    cr_assert_eq(tr_actor_spawn(rt, &counter, &(tr_actor_options){.state = &st}, &actors[i]), 0);
  storm_arg s = {.actors = actors, .n = N, .go = 1};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, storm_main, &s);
  usleep(20000);
  cr_assert_eq(tr_runtime_stop(rt), 0);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  cr_assert_eq(atomic_load(&stopped), N);
  /* Drops that race in after the stop are handed over when the last
   * reference goes: release the handles, then count. */
  for (int i = 0; i < N; i++)
    tr_actor_release(actors[i]);
  uint64_t acc = atomic_load(&s.accepted);
  cr_assert_eq(atomic_load(&received) + atomic_load(&dropped), acc, "received %lu + dropped %lu != accepted %lu",
               (unsigned long)atomic_load(&received), (unsigned long)atomic_load(&dropped), (unsigned long)acc);
  cr_assert_eq(tr_runtime_dropped(rt), atomic_load(&dropped));
  tr_runtime_free(rt);
}

/* --- reentrancy ------------------------------------------------------------ */

typedef struct {
  int depth;
  int inline_ran;
  tr_actor *child;
  tr_future *done;
  int self_sends;
} re_state;

static void mark_inline(tr_actor *self, void *st, void *arg) {
  re_state *s = st;
  s->inline_ran = s->depth; /* ran inside receive: depth is still 1 */
}
static void child_receive(tr_actor *self, void *st, const tr_msg *m) { tr_future_complete(st, 7, NULL); }
static const tr_behaviour child_b = {.receive = child_receive};

static void re_receive(tr_actor *self, void *st, const tr_msg *m) {
  re_state *s = st;
  s->depth++;
  if (m->type == 1) {
    /* Dispatch to ourselves from our own worker runs at once. */
    cr_assert_eq(tr_actor_dispatch(self, mark_inline, NULL), 0);
    /* Sending to ourselves enqueues (no recursion). */
    cr_assert_eq(tr_actor_send(self, &(tr_msg){.type = 2}), 0);
    /* Spawning from inside an actor works. */
    cr_assert_eq(tr_actor_spawn(tr_actor_runtime(self), &child_b, &(tr_actor_options){.state = s->done}, &s->child), 0);
    cr_assert_eq(tr_actor_send(s->child, &(tr_msg){.type = 1}), 0);
  } else if (m->type == 2) {
    s->self_sends++;
    cr_assert_eq(tr_actor_current(), self);
    /* Stopping ourselves from inside receive. */
    cr_assert_eq(tr_actor_stop(self), 0);
    cr_assert_eq(tr_actor_stop(self), TR_EALREADY);
  }
  s->depth--;
}
static const tr_behaviour re_b = {.receive = re_receive};

Test(actor, reentrant_calls_from_inside_receive, .timeout = 20) {
  tr_runtime *rt = start_runtime(2, 0);
  re_state init = {.done = tr_future_new()};
  tr_actor *a;
  cr_assert_eq(tr_actor_spawn(rt, &re_b, &(tr_actor_options){.state_size = sizeof init, .state_init = &init}, &a), 0);
  cr_assert_eq(tr_actor_send(a, &(tr_msg){.type = 1}), 0);
  cr_assert_eq(tr_future_wait(init.done, 5000, NULL), 7);
  for (int i = 0; i < 500 && tr_actor_is_alive(a); i++)
    usleep(2000);
  cr_assert_eq(tr_actor_is_alive(a), 0);
  tr_runtime_stop(rt);
  re_state *s = tr_actor_state(a);
  cr_assert_eq(s->inline_ran, 1);
  cr_assert_eq(s->self_sends, 1);
  tr_actor_release(s->child);
  tr_actor_release(a);
  tr_future_release(init.done);
  tr_runtime_free(rt);
}

/* --- post/dispatch at actor level ------------------------------------------ */

static void call_on_actor(tr_actor *self, void *st, void *arg) {
  tr_future_complete(arg, st ? (tr_worker_current() == tr_actor_worker(self)) : -1, NULL);
}

Test(actor, post_from_foreign_thread_runs_on_home_worker, .timeout = 20) {
  tr_runtime *rt = start_runtime(2, 0);
  static const tr_behaviour empty = {.name = "empty"};
  int dummy;
  tr_actor *a;
  cr_assert_eq(tr_actor_spawn(rt, &empty, &(tr_actor_options){.state = &dummy}, &a), 0);
  tr_future *f = tr_future_new();
  cr_assert_eq(tr_actor_dispatch(a, call_on_actor, f), 0);
  cr_assert_eq(tr_future_wait(f, 5000, NULL), 1);
  tr_future_release(f);
  tr_actor_release(a);
  tr_runtime_free(rt);
}
