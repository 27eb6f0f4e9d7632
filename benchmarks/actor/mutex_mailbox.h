/* The mailbox troupe's ring is measured against: producers append to a
 * vector under a mutex; the consumer swaps the whole vector out under the
 * mutex and drains it outside, so it takes the lock once per batch. */
#ifndef TROUPE_BENCH_MUTEX_MAILBOX_H
#define TROUPE_BENCH_MUTEX_MAILBOX_H

#include <pthread.h>
#include <stddef.h>

#include "troupe/actor.h"

typedef struct mutex_mailbox {
  pthread_mutex_t lock;
  tr_msg *in; /* producers' side, under lock */
  size_t in_len, in_cap;
  tr_msg *out; /* consumer's side: the vector taken last */
  size_t out_len, out_cap, out_head;
} mutex_mailbox;

int mutex_mailbox_init(mutex_mailbox *mb);
void mutex_mailbox_destroy(mutex_mailbox *mb);
/* 0, or TR_ENOMEM. Any thread. */
int mutex_mailbox_push(mutex_mailbox *mb, const tr_msg *m);
/* 1 and a message, or 0 when empty. Consumer only. */
int mutex_mailbox_pop(mutex_mailbox *mb, tr_msg *out);

#endif
