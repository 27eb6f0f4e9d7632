/* Actors: spawn, send, turns, stop, lifetime.
 *
 * Scheduling protocol (one scheduler per idle->busy transition): a sender
 * first pushes its message, then increments `pending`; the one that moves it
 * from 0 to 1 queues the actor on its home worker. After a turn the worker
 * subtracts the number of messages it handled; if the result is still
 * positive the actor stays scheduled, else it is idle. The count may dip below
 * zero when a turn handles a message whose sender has not yet incremented;
 * that sender then sees a negative previous value and correctly does not
 * schedule.
 */
#include <stdlib.h>
#include <string.h>

#include "buf_internal.h"
#include "internal.h"
#include "troupe/log.h"

static __thread tr_actor *current_actor;

tr_actor *tr_actor_current(void) { return current_actor; }

static tr_actor *actor_alloc(tr_runtime *rt, tr_worker *w, const tr_behaviour *b, size_t state_size,
                             unsigned slots) {
  tr_actor *a = calloc(1, sizeof(tr_actor) + state_size);
  if (!a)
    return NULL;
  if (tr_mailbox_init(&a->mb, slots ? slots : rt->mailbox_slots) != 0) {
    free(a);
    return NULL;
  }
  atomic_init(&a->refs, 1);
  atomic_init(&a->state, TR_ACTOR_ALIVE);
  atomic_init(&a->pending, 0);
  a->rt = rt;
  a->home = w;
  a->b = b;
  /* relaxed: ids only need to be unique. */
  a->id = atomic_fetch_add_explicit(&rt->next_actor_id, 1, memory_order_relaxed) + 1;
  tr__runtime_retain(rt);
  return a;
}

static void actor_free(tr_actor *a) {
  tr_msg m;
  /* Last reference: nobody can push any more, so what is left was accepted
   * and never handled (the actor was never scheduled again). */
  while (tr_mailbox_pop(&a->mb, &m)) {
    if (m.type < TR_MSG_RESERVED) {
      if (a->b && a->b->dropped)
        a->b->dropped(a, a->state_ptr, &m);
      atomic_fetch_add_explicit(&a->rt->dropped, 1, memory_order_relaxed);
    } else if (m.type == TR_MSG_CALL) {
      ((tr_call_fn)m.ptr)(a, NULL, (void *)(uintptr_t)m.u64);
    }
    if (m.buf)
      tr_buf_release(m.buf);
  }
  tr_mailbox_destroy(&a->mb);
  tr_runtime *rt = a->rt;
  free(a);
  tr__runtime_release(rt);
}

tr_actor *tr_actor_retain(tr_actor *a) {
  /* relaxed: the caller already holds a reference (see tr_buf_retain). */
  atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
  return a;
}

void tr_actor_release(tr_actor *a) {
  if (!a)
    return;
  /* acq_rel: the last holder must see every other holder's writes before it
   * frees (release on their side, acquire on ours). */
  if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
    actor_free(a);
}

int tr__actor_push(tr_actor *a, const tr_msg *m) {
  int rc = tr_mailbox_push(&a->mb, m);
  if (rc != 0)
    return rc;
  /* acq_rel: release makes the pushed message visible before the count says
   * it is there; acquire orders us after the worker's last subtraction so the
   * 0 we may read really means "idle". */
  if (atomic_fetch_add_explicit(&a->pending, 1, memory_order_acq_rel) == 0)
    tr__worker_schedule(a->home, tr_actor_retain(a));
  return 0;
}

int tr_actor_spawn(tr_runtime *rt, const tr_behaviour *b, const tr_actor_options *opts, tr_actor **out) {
  if (out)
    *out = NULL;
  if (!rt || !b)
    return TR_EINVAL;
  tr_actor_options o = {.worker = -1};
  if (opts)
    o = *opts;
  tr_worker *w;
  if (o.worker < 0)
    w = tr_runtime_next_worker(rt);
  else if ((unsigned)o.worker < rt->nworkers)
    w = &rt->workers[o.worker];
  else
    return TR_EINVAL;
  if (tr__worker_enter(w) != 0)
    return TR_ECLOSED;
  int rc = TR_ECLOSED;
  /* acquire: pairs with the stopping thread's store; a spawn that still sees
   * RUNNING is inside the worker's guard, so the worker waits for it. */
  if (atomic_load_explicit(&rt->state, memory_order_acquire) != TR_RT_RUNNING)
    goto out;
  rc = TR_ENOMEM;
  tr_actor *a = actor_alloc(rt, w, b, o.state_size, o.mailbox_slots);
  if (!a)
    goto out;
  if (o.state_size) {
    a->state_ptr = a->inline_state;
    if (o.state_init)
      memcpy(a->state_ptr, o.state_init, o.state_size);
  } else {
    a->state_ptr = o.state;
  }
  /* The runtime's reference lives until STOP is handled. */
  tr_actor_retain(a);
  if (out)
    *out = tr_actor_retain(a);
  /* relaxed: the worker reads live_count on its own thread after handling
   * this actor's START, which the mailbox orders after this increment. */
  atomic_fetch_add_explicit(&w->live_count, 1, memory_order_relaxed);
  tr_msg start = {.type = TR_MSG_START};
  rc = tr__actor_push(a, &start);
  if (rc != 0) {
    /* Only TR_ENOMEM; undo everything. */
    atomic_fetch_sub_explicit(&w->live_count, 1, memory_order_relaxed);
    atomic_store_explicit(&a->state, TR_ACTOR_STOPPED, memory_order_relaxed);
    if (out) {
      tr_actor_release(a);
      *out = NULL;
    }
    tr_actor_release(a); /* the runtime's */
  }
  tr_actor_release(a); /* the creation reference */
out:
  tr__worker_leave(w);
  return rc;
}

int tr_actor_send(tr_actor *a, const tr_msg *msg) {
  if (!a || !msg || msg->type >= TR_MSG_RESERVED)
    return TR_EINVAL;
  /* acquire: a sender that sees ALIVE sees the actor fully set up. A send that
   * races with stop may still be accepted; it is then handed to dropped. */
  if (atomic_load_explicit(&a->state, memory_order_acquire) != TR_ACTOR_ALIVE)
    return TR_ECLOSED;
  return tr__actor_push(a, msg);
}

int tr_actor_post(tr_actor *a, tr_call_fn fn, void *arg) {
  if (!a || !fn)
    return TR_EINVAL;
  if (atomic_load_explicit(&a->state, memory_order_acquire) != TR_ACTOR_ALIVE)
    return TR_ECLOSED;
  tr_msg m = {.type = TR_MSG_CALL, .ptr = (void *)fn, .u64 = (uintptr_t)arg};
  return tr__actor_push(a, &m);
}

int tr_actor_dispatch(tr_actor *a, tr_call_fn fn, void *arg) {
  if (!a || !fn)
    return TR_EINVAL;
  if (tr__current_worker == a->home && a->started && !a->finished &&
      atomic_load_explicit(&a->state, memory_order_relaxed) == TR_ACTOR_ALIVE) {
    tr_actor *saved = current_actor;
    current_actor = a;
    fn(a, a->state_ptr, arg);
    current_actor = saved;
    return 0;
  }
  return tr_actor_post(a, fn, arg);
}

int tr_actor_stop(tr_actor *a) {
  if (!a)
    return TR_EINVAL;
  int expect = TR_ACTOR_ALIVE;
  /* acq_rel: exactly one caller wins the transition and enqueues STOP. */
  if (!atomic_compare_exchange_strong_explicit(&a->state, &expect, TR_ACTOR_STOPPING, memory_order_acq_rel,
                                               memory_order_acquire))
    return TR_EALREADY;
  tr_msg m = {.type = TR_MSG_STOP};
  return tr__actor_push(a, &m);
}

static void live_link(tr_actor *a) {
  tr_worker *w = a->home;
  a->live_prev = NULL;
  a->live_next = w->live;
  if (w->live)
    w->live->live_prev = a;
  w->live = a;
}

static void live_unlink(tr_actor *a) {
  tr_worker *w = a->home;
  if (a->live_prev)
    a->live_prev->live_next = a->live_next;
  else if (w->live == a)
    w->live = a->live_next;
  if (a->live_next)
    a->live_next->live_prev = a->live_prev;
  a->live_prev = a->live_next = NULL;
}

static void handle(tr_actor *a, tr_msg *m) {
  const tr_behaviour *b = a->b;
  switch (m->type) {
  case TR_MSG_START:
    a->started = 1;
    live_link(a);
    if (a->home->stopping || (b->started && b->started(a, a->state_ptr) != 0))
      tr_actor_stop(a);
    break;
  case TR_MSG_STOP:
    if (a->finished)
      break;
    a->finished = 1;
    if (b->stopped)
      b->stopped(a, a->state_ptr);
    atomic_store_explicit(&a->state, TR_ACTOR_STOPPED, memory_order_release);
    live_unlink(a);
    /* relaxed: read only by this worker's own exit check. */
    atomic_fetch_sub_explicit(&a->home->live_count, 1, memory_order_relaxed);
    /* The runtime's reference; the run queue still holds one for this turn. */
    tr_actor_release(a);
    break;
  case TR_MSG_CALL:
    ((tr_call_fn)m->ptr)(a, a->finished ? NULL : a->state_ptr, (void *)(uintptr_t)m->u64);
    break;
  case TR_MSG_TASK:
    ((tr_task_fn)m->ptr)((void *)(uintptr_t)m->u64);
    break;
  case TR_MSG_GROUP:
    tr__group_handle(a->home, m);
    break;
  default:
    if (a->finished) {
      if (b->dropped)
        b->dropped(a, a->state_ptr, m);
      atomic_fetch_add_explicit(&a->rt->dropped, 1, memory_order_relaxed);
    } else if (b->receive) {
      b->receive(a, a->state_ptr, m);
    }
    break;
  }
  if (m->buf)
    tr_buf_release(m->buf);
}

int tr__actor_run(tr_actor *a, unsigned batch) {
  tr_msg m;
  int64_t n = 0;
  tr_actor *saved = current_actor;
  current_actor = a;
  while ((unsigned)n < batch && tr_mailbox_pop(&a->mb, &m)) {
    n++;
    handle(a, &m);
  }
  current_actor = saved;
  /* acq_rel: acquire sees senders' increments (and their messages) that
   * happened before; release publishes this turn's effects to the next
   * scheduler, whichever thread that is. */
  return atomic_fetch_sub_explicit(&a->pending, n, memory_order_acq_rel) - n > 0;
}

void tr__actor_run_orphan(tr_actor *a) {
  /* The home worker has closed and every actor on it has stopped: this thread
   * won the scheduling race, so it has the mailbox to itself. */
  while (tr__actor_run(a, 1u << 30))
    ;
  tr_actor_release(a);
}

tr_actor *tr__actor_new_system(tr_runtime *rt, tr_worker *w) {
  static const tr_behaviour system_behaviour = {.name = "troupe.worker"};
  tr_actor *a = actor_alloc(rt, w, &system_behaviour, 0, 1024);
  if (!a)
    return NULL;
  a->is_system = 1;
  a->started = 1;
  return a;
}

void tr__actor_free_system(tr_actor *a) { tr_actor_release(a); }

void *tr_actor_state(const tr_actor *a) { return a->state_ptr; }
tr_worker *tr_actor_worker(const tr_actor *a) { return a->home; }
tr_runtime *tr_actor_runtime(const tr_actor *a) { return a->rt; }
uint64_t tr_actor_id(const tr_actor *a) { return a->id; }
const char *tr_actor_name(const tr_actor *a) { return a->b && a->b->name ? a->b->name : "actor"; }
int tr_actor_is_alive(const tr_actor *a) {
  return atomic_load_explicit(&a->state, memory_order_acquire) == TR_ACTOR_ALIVE;
}
int64_t tr_actor_pending(const tr_actor *a) {
  int64_t p = atomic_load_explicit(&a->pending, memory_order_relaxed);
  return p < 0 ? 0 : p;
}
