/* An actor's mailbox: a bounded Concurrency Kit ring of tr_msg by value that
 * one producer at a time may fill, with an overflow list for the others and
 * for a full ring, so that no message is lost or refused and no sender waits
 * for another.
 *
 * Producers: any thread. Consumer: the actor's home worker only.
 *
 * Ordering: each producer's messages come out in the order it pushed them.
 * While the overflow list holds anything, producers append there instead of
 * the ring; the consumer empties the ring before taking the overflow list, and
 * delivers a taken list before looking at the ring again.
 */
#ifndef TROUPE_MAILBOX_H
#define TROUPE_MAILBOX_H

#include <ck_ring.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "troupe/actor.h"

typedef struct tr_msgvec {
  tr_msg *v;
  size_t len, cap, head;
} tr_msgvec;

typedef struct tr_mailbox {
  ck_ring_t ring;
  tr_msg *slots;
  /* 1 while a producer owns the ring (it is single-producer at any time). */
  _Atomic int producing;
  /* 1 while the overflow list may hold messages: producers must append there. */
  _Atomic int overflowing;
  pthread_mutex_t lock; /* guards overflow */
  tr_msgvec overflow;   /* producers' side, under lock */
  tr_msgvec draining;   /* consumer's side: a taken overflow list */
  _Atomic uint64_t overflowed; /* messages that went through the overflow list */
} tr_mailbox;

int tr_mailbox_init(tr_mailbox *mb, unsigned slots);
/* Frees storage; the caller has popped (or dropped) every message first. */
void tr_mailbox_destroy(tr_mailbox *mb);
/* 0, or TR_ENOMEM when the overflow list cannot grow. */
int tr_mailbox_push(tr_mailbox *mb, const tr_msg *m);
/* 1 and a message, or 0 when empty. Consumer only. */
int tr_mailbox_pop(tr_mailbox *mb, tr_msg *out);

#endif
