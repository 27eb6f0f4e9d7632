/* The bounded sender harness: n plain pthreads flooding one sink.
 *
 * Bounds: a sender stops when the main thread raises `stop` at the deadline
 * (looked at before every message, so one stalled inside an enqueue behind a
 * preempted producer overruns by that one message only) or after
 * SEND_CAP_PER_SEC messages per second of run, far beyond this machine; and
 * it never runs more than `inflight` messages ahead of its lane's delivered
 * count, so a sink with an unbounded overflow list holds at most about
 * n * inflight messages. A sink that stays full past the grace period is an
 * error, never a hang.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <ck_pr.h>

#include "bench.h"
#include "troupe/error.h"

#define SEND_CAP_PER_SEC 1000000000ull
#define GRACE_NS 10000000000ull /* after the deadline: drain or give up */
#define CHECK_EVERY 32u        /* messages between in-flight checks */

typedef struct sender {
  pthread_t thread;
  bench_load *l;
  const bench_sink *s;
  unsigned lane;
  uint64_t cap;
  uint64_t inflight;
  _Atomic int *go;
  _Atomic int *stop;
  _Atomic uint64_t *deadline;
} sender;

static void *sender_main(void *p) {
  sender *sd = p;
  bench_lane *ln = &sd->l->lanes[sd->lane];
  /* acquire: pairs with the release store of go; the deadline is set. */
  while (!atomic_load_explicit(sd->go, memory_order_acquire))
    sched_yield();
  uint64_t deadline = atomic_load_explicit(sd->deadline, memory_order_relaxed);
  uint64_t seq = 0;
  for (; seq < sd->cap; seq++) {
    /* relaxed: only a signal to stop; nothing is published with it. */
    if (atomic_load_explicit(sd->stop, memory_order_relaxed))
      break;
    if (seq % CHECK_EVERY == 0) {
      while (seq - atomic_load_explicit(&ln->received, memory_order_acquire) >= sd->inflight) {
        if (atomic_load_explicit(sd->stop, memory_order_relaxed))
          goto done;
        sched_yield();
      }
    }
    tr_msg m = {.type = BENCH_MSG_TYPE, .u32 = sd->lane, .u64 = seq};
    int rc;
    unsigned spins = 0;
    while ((rc = sd->s->send(sd->s->ctx, &m)) == 1) {
      /* Full: the consumer needs the CPU more than we do (2 cores, many
       * threads), so yield soon rather than spin. */
      if (++spins < 16) {
        ck_pr_stall();
      } else {
        sched_yield();
        if (spins % 1024 == 0 && bench_now_ns() >= deadline + GRACE_NS) {
          rc = TR_ETIMEDOUT;
          break;
        }
      }
    }
    if (rc < 0) {
      ln->send_errors++;
      break;
    }
  }
done:
  ln->sent = seq;
  return NULL;
}

int bench_load_init(bench_load *l, unsigned senders) {
  memset(l, 0, sizeof *l);
  if (!senders)
    return TR_EINVAL;
  l->lanes = aligned_alloc(64, sizeof(bench_lane) * senders);
  if (!l->lanes)
    return TR_ENOMEM;
  memset(l->lanes, 0, sizeof(bench_lane) * senders);
  for (unsigned i = 0; i < senders; i++)
    atomic_init(&l->lanes[i].received, 0);
  l->n = senders;
  return 0;
}

void bench_load_destroy(bench_load *l) {
  free(l->lanes);
  l->lanes = NULL;
}

static uint64_t delivered(bench_load *l) {
  uint64_t sum = 0;
  for (unsigned i = 0; i < l->n; i++)
    sum += atomic_load_explicit(&l->lanes[i].received, memory_order_acquire);
  return sum;
}

int bench_load_run(bench_load *l, const bench_sink *s, const bench_opts *o, bench_result *r) {
  sender *sd = calloc(l->n, sizeof *sd);
  if (!sd)
    return TR_ENOMEM;
  _Atomic int go, stop;
  _Atomic uint64_t deadline;
  atomic_init(&go, 0);
  atomic_init(&stop, 0);
  atomic_init(&deadline, 0);
  unsigned started = 0;
  int rc = 0;
  for (; started < l->n; started++) {
    sd[started] = (sender){.l = l, .s = s, .lane = started, .go = &go, .stop = &stop, .deadline = &deadline,
                           .cap = SEND_CAP_PER_SEC * o->seconds, .inflight = o->inflight};
    if (pthread_create(&sd[started].thread, NULL, sender_main, &sd[started]) != 0) {
      rc = TR_ENOMEM;
      break;
    }
  }
  uint64_t start = bench_now_ns();
  uint64_t end_by = start + (uint64_t)o->seconds * 1000000000ull;
  atomic_store_explicit(&deadline, rc == 0 ? end_by : start, memory_order_relaxed);
  atomic_store_explicit(&go, 1, memory_order_release);
  if (rc == 0) {
    struct timespec until = {(time_t)(end_by / 1000000000u), (long)(end_by % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
      ;
  }
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  for (unsigned i = 0; i < started; i++)
    pthread_join(sd[i].thread, NULL);

  uint64_t sent = 0, errors = 0;
  for (unsigned i = 0; i < started; i++) {
    sent += l->lanes[i].sent;
    errors += l->lanes[i].send_errors;
  }
  /* Wait for the consumer to catch up: the span ends at the last delivery,
   * seen to within one poll interval. */
  uint64_t got;
  uint64_t now;
  for (;;) {
    got = delivered(l);
    now = bench_now_ns();
    if (got >= sent || now >= end_by + GRACE_NS)
      break;
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
  }
  if (got < sent)
    errors += sent - got;
  r->errors += errors;
  r->ns = now - start;
  r->messages = got;
  free(sd);
  return rc;
}
