/* mailbox-ck / mailbox-mutex: the mailbox alone, no runtime. The sender
 * harness's threads push; one consumer thread pops, spinning briefly and then
 * yielding when it finds the mailbox empty (the same back-off for both). */
#include <pthread.h>
#include <sched.h>

#include <ck_pr.h>

#include "bench.h"
#include "mailbox.h"
#include "mutex_mailbox.h"
#include "troupe/error.h"

typedef struct consumer {
  pthread_t thread;
  int use_mutex;
  tr_mailbox ck;
  mutex_mailbox mx;
  bench_load *l;
  _Atomic int quit;
} consumer;

static void *consumer_main(void *arg) {
  consumer *c = arg;
  unsigned idle = 0;
  tr_msg m;
  for (;;) {
    int got = c->use_mutex ? mutex_mailbox_pop(&c->mx, &m) : tr_mailbox_pop(&c->ck, &m);
    if (got) {
      bench_load_deliver(c->l, &m);
      idle = 0;
      continue;
    }
    if (atomic_load_explicit(&c->quit, memory_order_acquire))
      break;
    if (++idle < 64)
      ck_pr_stall();
    else
      sched_yield();
  }
  return NULL;
}

static int push_ck(void *ctx, const tr_msg *m) { return tr_mailbox_push(&((consumer *)ctx)->ck, m); }
static int push_mutex(void *ctx, const tr_msg *m) { return mutex_mailbox_push(&((consumer *)ctx)->mx, m); }

int bench_mailbox(const bench_opts *o, int use_mutex, bench_result *r) {
  bench_load l;
  int rc = bench_load_init(&l, o->senders);
  if (rc != 0)
    return rc;
  consumer c = {.use_mutex = use_mutex, .l = &l};
  atomic_init(&c.quit, 0);
  rc = use_mutex ? mutex_mailbox_init(&c.mx) : tr_mailbox_init(&c.ck, o->slots ? o->slots : BENCH_DEFAULT_SLOTS);
  if (rc != 0)
    goto out_load;
  if (pthread_create(&c.thread, NULL, consumer_main, &c) != 0) {
    rc = TR_ENOMEM;
    goto out_mb;
  }
  bench_sink sink = {.send = use_mutex ? push_mutex : push_ck, .ctx = &c};
  rc = bench_load_run(&l, &sink, o, r);
  atomic_store_explicit(&c.quit, 1, memory_order_release);
  pthread_join(c.thread, NULL);
  r->errors += l.order_errors;
  if (!use_mutex)
    r->overflowed = (int64_t)atomic_load_explicit(&c.ck.overflowed, memory_order_relaxed);
out_mb:
  if (use_mutex) {
    mutex_mailbox_destroy(&c.mx);
  } else {
    /* Anything left was counted as an error; drain before freeing. */
    tr_msg m;
    while (tr_mailbox_pop(&c.ck, &m))
      ;
    tr_mailbox_destroy(&c.ck);
  }
out_load:
  bench_load_destroy(&l);
  return rc;
}
