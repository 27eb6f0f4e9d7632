/* A worker's inbox of actors scheduled from other threads: an intrusive
 * multi-producer, single-consumer queue (Vyukov's design, as Pony's
 * scheduler uses). A push is one atomic exchange and never waits for another
 * producer. The consumer may briefly see a producer half-way (exchanged but
 * not yet linked); it then stops, and that producer's wake-up brings it back.
 *
 * An actor is in at most one queue at a time (the pending-count protocol in
 * actor.c guarantees a single scheduler), so its link field can be reused.
 */
#ifndef TROUPE_RUNQ_H
#define TROUPE_RUNQ_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct tr_runq_node {
  struct tr_runq_node *_Atomic next;
} tr_runq_node;

typedef struct tr_runq {
  tr_runq_node *_Atomic head; /* producers exchange here */
  tr_runq_node *tail;         /* consumer's end */
  tr_runq_node stub;
} tr_runq;

static inline void tr_runq_init(tr_runq *q) {
  atomic_init(&q->stub.next, NULL);
  atomic_init(&q->head, &q->stub);
  q->tail = &q->stub;
}

static inline void tr_runq_push(tr_runq *q, tr_runq_node *n) {
  atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
  /* acq_rel exchange: release publishes n's contents (and the actor behind
   * it) to the consumer; acquire orders us after the previous producer so the
   * link below lands on a node it finished initialising. */
  tr_runq_node *prev = atomic_exchange_explicit(&q->head, n, memory_order_acq_rel);
  /* release: the consumer's acquire load of next sees n fully written. */
  atomic_store_explicit(&prev->next, n, memory_order_release);
}

/* NULL when empty or when a producer is half-way through a push. */
static inline tr_runq_node *tr_runq_pop(tr_runq *q) {
  tr_runq_node *tail = q->tail;
  tr_runq_node *next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (tail == &q->stub) {
    if (!next)
      return NULL;
    q->tail = next;
    tail = next;
    next = atomic_load_explicit(&tail->next, memory_order_acquire);
  }
  if (next) {
    q->tail = next;
    return tail;
  }
  /* tail is the last node we can see. If producers moved head past it, one
   * is mid-push: come back later. Otherwise re-insert the stub behind tail so
   * tail can be handed out. */
  if (tail != atomic_load_explicit(&q->head, memory_order_acquire))
    return NULL;
  tr_runq_push(q, &q->stub);
  next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (next) {
    q->tail = next;
    return tail;
  }
  return NULL;
}

#endif
