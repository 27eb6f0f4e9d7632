/* Workers: one thread, one libuv loop, a run queue of actors.
 *
 * Each loop iteration, just before it polls for I/O, the prepare handle runs
 * queued actors (each for at most `batch` messages, then back to the tail of
 * the queue, so one flooded actor cannot starve the others) and then the
 * deferred work of that iteration (output flushes). If work is left after a
 * bounded pass, an idle handle keeps the next poll from blocking, so I/O is
 * never starved by actors either. Other threads wake the worker through one
 * uv_async_t, which libuv already coalesces.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "troupe/log.h"

__thread tr_worker *tr__current_worker;

/* Actor turns per pass before the loop gets to poll I/O again. */
#define TURNS_PER_PASS 256

tr_worker *tr_worker_current(void) { return tr__current_worker; }
int tr_worker_is_current(const tr_worker *w) { return tr__current_worker == w; }
unsigned tr_worker_index(const tr_worker *w) { return w->index; }
tr_runtime *tr_worker_runtime(const tr_worker *w) { return w->rt; }
uv_loop_t *tr_worker_loop(tr_worker *w) { return &w->loop; }

int tr__worker_enter(tr_worker *w) {
  /* seq_cst on both sides (here and in worker_close): either the worker sees
   * our increment and waits for us, or we see `closed` and back off. Weaker
   * orders would let both miss each other (store-load reordering). */
  atomic_fetch_add_explicit(&w->senders, 1, memory_order_seq_cst);
  if (atomic_load_explicit(&w->closed, memory_order_seq_cst)) {
    atomic_fetch_sub_explicit(&w->senders, 1, memory_order_release);
    return TR_ECLOSED;
  }
  return 0;
}

void tr__worker_leave(tr_worker *w) {
  /* release: the closing worker's acquire read of 0 sees our pushes. */
  atomic_fetch_sub_explicit(&w->senders, 1, memory_order_release);
}

static void local_push(tr_worker *w, tr_actor *a) {
  a->local_next = NULL;
  if (w->local_tail)
    w->local_tail->local_next = a;
  else
    w->local_head = a;
  w->local_tail = a;
}

static tr_actor *local_pop(tr_worker *w) {
  tr_actor *a = w->local_head;
  if (a) {
    w->local_head = a->local_next;
    if (!w->local_head)
      w->local_tail = NULL;
  }
  return a;
}

void tr__worker_schedule(tr_worker *w, tr_actor *a) {
  if (tr__current_worker == w) {
    /* Same thread: no atomics, no wake-up; the prepare pass (or the pass
     * already running) picks it up before the loop polls again. */
    local_push(w, a);
    return;
  }
  if (tr__worker_enter(w) != 0) {
    tr__actor_run_orphan(a);
    return;
  }
  tr_runq_push(&w->inbox, &a->node);
  uv_async_send(&w->wake);
  tr__worker_leave(w);
}

static void take_inbox(tr_worker *w) {
  tr_runq_node *n;
  while ((n = tr_runq_pop(&w->inbox)))
    local_push(w, (tr_actor *)n);
}

/* Runs up to `turns` actor turns; returns 1 if work is left. */
static int run_actors(tr_worker *w, unsigned turns) {
  unsigned batch = w->rt->batch;
  take_inbox(w);
  for (unsigned i = 0; i < turns; i++) {
    tr_actor *a = local_pop(w);
    if (!a) {
      take_inbox(w);
      a = local_pop(w);
      if (!a)
        return 0;
    }
    if (tr__actor_run(a, batch))
      local_push(w, a); /* keeps its queue reference */
    else
      tr_actor_release(a);
    if ((i & 31) == 31)
      take_inbox(w);
  }
  return w->local_head != NULL;
}

static void run_defers(tr_worker *w) {
  /* Deferred work may defer more; it runs in this same pass. */
  for (size_t i = 0; i < w->ndefers; i++) {
    tr_defer d = w->defers[i];
    d.fn(d.arg);
  }
  w->ndefers = 0;
}

int tr_worker_defer(tr_worker *w, tr_task_fn fn, void *arg) {
  if (!w || !fn || tr__current_worker != w)
    return TR_EINVAL;
  if (w->ndefers == w->cap_defers) {
    size_t cap = w->cap_defers ? w->cap_defers * 2 : 64;
    tr_defer *nd = realloc(w->defers, cap * sizeof *nd);
    if (!nd)
      return TR_ENOMEM;
    w->defers = nd;
    w->cap_defers = cap;
  }
  w->defers[w->ndefers++] = (tr_defer){fn, arg};
  return 0;
}

static void close_stray(uv_handle_t *h, void *arg) {
  tr_worker *w = arg;
  if (uv_is_closing(h))
    return;
  if (h != (uv_handle_t *)&w->wake && h != (uv_handle_t *)&w->turn && h != (uv_handle_t *)&w->keep_hot)
    tr_log(TR_LOG_DEBUG, "worker", "closing a %s handle left open at shutdown", uv_handle_type_name(h->type));
  uv_close(h, NULL);
}

static void worker_close(tr_worker *w) {
  w->exiting = 1;
  atomic_store_explicit(&w->closed, 1, memory_order_seq_cst);
  /* acquire: pairs with tr__worker_leave; after this, every push made inside
   * a guard is visible and no new guard can open. */
  while (atomic_load_explicit(&w->senders, memory_order_acquire) != 0)
    sched_yield();
  while (run_actors(w, ~0u) || w->ndefers)
    run_defers(w);
  uv_walk(&w->loop, close_stray, w);
}

static void maybe_exit(tr_worker *w) {
  if (w->stopping && !w->exiting && atomic_load_explicit(&w->live_count, memory_order_relaxed) == 0)
    worker_close(w);
}

/* Nothing to do: being active is what keeps the next poll from blocking. */
static void on_idle(uv_idle_t *h) { (void)h; }

static void pass(tr_worker *w) {
  int more = run_actors(w, TURNS_PER_PASS);
  /* Flushes may wake actors (on_sent, on_empty) that send and defer again;
   * a bounded number of rounds keeps that from starving I/O. */
  for (int round = 0; w->ndefers && round < 16; round++) {
    run_defers(w);
    more = run_actors(w, TURNS_PER_PASS);
  }
  more |= w->ndefers != 0;
  if (w->exiting)
    return;
  if (more)
    uv_idle_start(&w->keep_hot, on_idle);
  else
    uv_idle_stop(&w->keep_hot);
  maybe_exit(w);
}

static void on_turn(uv_prepare_t *h) { pass(h->data); }
static void on_wake(uv_async_t *h) { pass(h->data); }

int tr__worker_init(tr_worker *w, tr_runtime *rt, unsigned index) {
  memset(w, 0, sizeof *w);
  w->rt = rt;
  w->index = index;
  tr_runq_init(&w->inbox);
  atomic_init(&w->live_count, 0);
  atomic_init(&w->senders, 0);
  atomic_init(&w->closed, 0);
  int rc = uv_loop_init(&w->loop);
  if (rc != 0)
    return rc;
  uv_async_init(&w->loop, &w->wake, on_wake);
  uv_prepare_init(&w->loop, &w->turn);
  uv_idle_init(&w->loop, &w->keep_hot);
  w->wake.data = w->turn.data = w->keep_hot.data = w;
  uv_prepare_start(&w->turn, on_turn);
  w->system = tr__actor_new_system(rt, w);
  return w->system ? 0 : TR_ENOMEM;
}

static void worker_main(void *arg) {
  tr_worker *w = arg;
  tr__current_worker = w;
  uv_run(&w->loop, UV_RUN_DEFAULT);
  /* Close callbacks may have queued actors or deferred work; finish it, and
   * any handles that work opened and closed. */
  do {
    while (run_actors(w, ~0u) || w->ndefers)
      run_defers(w);
    uv_walk(&w->loop, close_stray, w);
  } while (uv_run(&w->loop, UV_RUN_NOWAIT) != 0 || w->local_head || w->ndefers);
  tr__current_worker = NULL;
}

int tr__worker_start(tr_worker *w) { return uv_thread_create(&w->thread, worker_main, w); }

void tr__worker_join(tr_worker *w) { uv_thread_join(&w->thread); }

void tr__worker_destroy(tr_worker *w) {
  if (uv_loop_close(&w->loop) == UV_EBUSY) {
    /* Never started: run what was posted meanwhile, then close our own
     * handles, acting as the worker on this thread. */
    tr_worker *saved = tr__current_worker;
    tr__current_worker = w;
    w->stopping = w->exiting = 1;
    atomic_store_explicit(&w->closed, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&w->senders, memory_order_acquire) != 0)
      sched_yield();
    while (run_actors(w, ~0u) || w->ndefers)
      run_defers(w);
    tr__current_worker = saved;
    uv_walk(&w->loop, close_stray, w);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
  }
  if (w->system)
    tr__actor_free_system(w->system);
  free(w->defers);
}

void tr__worker_begin_stop(void *arg) {
  tr_worker *w = arg;
  w->stopping = 1;
  for (tr_actor *a = w->live; a; a = a->live_next)
    tr_actor_stop(a);
  /* The pass this task runs in checks whether the worker can exit. */
}

int tr__worker_send_system(tr_worker *w, const tr_msg *m) {
  if (tr__worker_enter(w) != 0)
    return TR_ECLOSED;
  int rc = tr__actor_push(w->system, m);
  tr__worker_leave(w);
  return rc;
}

int tr_worker_post(tr_worker *w, tr_task_fn fn, void *arg) {
  if (!w || !fn)
    return TR_EINVAL;
  tr_msg m = {.type = TR_MSG_TASK, .ptr = (void *)fn, .u64 = (uintptr_t)arg};
  return tr__worker_send_system(w, &m);
}

int tr_worker_dispatch(tr_worker *w, tr_task_fn fn, void *arg) {
  if (!w || !fn)
    return TR_EINVAL;
  if (tr__current_worker == w) {
    fn(arg);
    return 0;
  }
  return tr_worker_post(w, fn, arg);
}
