/* actor_bench's private interface: options, the report, a latency
 * histogram, the bounded sender harness, and one entry point per mode. */
#ifndef TROUPE_ACTOR_BENCH_H
#define TROUPE_ACTOR_BENCH_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "troupe/actor.h"

/* Every benchmark message is one tr_msg by value. */
#define BENCH_MSG_SIZE ((uint64_t)sizeof(tr_msg))
#define BENCH_MSG_TYPE 1u

typedef struct bench_opts {
  const char *mode;
  unsigned threads;  /* runtime workers */
  unsigned senders;  /* fan-in senders / mailbox producers */
  unsigned seconds;
  unsigned slots;    /* mailbox / ring slots; 0 = the runtime's default */
  uint64_t inflight; /* per sender: sent minus received, at most */
} bench_opts;

/* The runtime's default mailbox size (runtime.h: 0 = 128), used for the bare
 * rings too so that both sides get the same capacity. */
#define BENCH_DEFAULT_SLOTS 128u

static inline uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Log-linear histogram: exact below 128 ns, then 128 buckets per power of
 * two (under 0.8% error), in fixed memory however long the run. */
#define HIST_SUB 128u
#define HIST_BUCKETS (HIST_SUB + 57u * HIST_SUB)

typedef struct bench_hist {
  uint64_t n, max;
  uint64_t b[HIST_BUCKETS];
} bench_hist;

static inline void bench_hist_add(bench_hist *h, uint64_t v) {
  unsigned idx;
  if (v < HIST_SUB) {
    idx = (unsigned)v;
  } else {
    unsigned m = 63u - (unsigned)__builtin_clzll(v); /* >= 7 */
    unsigned shift = m - 7u;
    idx = HIST_SUB + shift * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
  }
  h->b[idx]++;
  h->n++;
  if (v > h->max)
    h->max = v;
}

/* The value below which a fraction q of the samples fall (bucket's low end). */
uint64_t bench_hist_quantile(const bench_hist *h, double q);

typedef struct bench_result {
  uint64_t errors;
  uint64_t ns;       /* measured span */
  uint64_t messages; /* delivered (round trips for ping-pong) */
  bench_hist *latency; /* NULL when not measured; the caller frees it */
  int64_t overflowed; /* messages that took a mailbox's overflow list; -1 = n/a */
} bench_result;

void bench_print_header(const bench_opts *o, const char *what);
void bench_print_report(const bench_result *r);

/* The sender harness shared by fanin, ring-ref and the mailbox modes.
 *
 * Each of n sender threads sends BENCH_MSG_TYPE messages {u32 = its lane,
 * u64 = its sequence number} as fast as the sink takes them, for the given
 * time, and never gets more than `inflight` messages ahead of what the
 * consumer has counted for its lane. The consumer calls bench_load_deliver
 * for every message; that checks per-sender order. */
typedef struct bench_sink {
  /* 0 sent, 1 full (the harness backs off and retries), <0 an error. */
  int (*send)(void *ctx, const tr_msg *m);
  void *ctx;
} bench_sink;

typedef struct bench_lane {
  _Alignas(64) _Atomic uint64_t received; /* consumer writes, sender reads */
  _Alignas(64) uint64_t sent;              /* sender's, read after join */
  uint64_t send_errors;
} bench_lane;

typedef struct bench_load {
  unsigned n;
  bench_lane *lanes;
  _Alignas(64) uint64_t order_errors; /* consumer's */
} bench_load;

int bench_load_init(bench_load *l, unsigned senders);
void bench_load_destroy(bench_load *l);
/* Runs the senders, then waits (bounded) until everything sent was delivered.
 * ns spans from the start signal to the last delivery seen. */
int bench_load_run(bench_load *l, const bench_sink *s, const bench_opts *o, bench_result *r);

static inline void bench_load_deliver(bench_load *l, const tr_msg *m) {
  if (m->u32 >= l->n) {
    l->order_errors++;
    return;
  }
  bench_lane *ln = &l->lanes[m->u32];
  /* Only this thread writes `received`, so a relaxed load is its own value. */
  uint64_t got = atomic_load_explicit(&ln->received, memory_order_relaxed);
  if (m->u64 != got)
    l->order_errors++;
  /* release: a sender (or the harness) that reads the count also sees the
   * consumer's order_errors for those messages. */
  atomic_store_explicit(&ln->received, got + 1, memory_order_release);
}

/* Modes; each fills r and returns 0, or a negative code. */
int bench_pingpong(const bench_opts *o, int cross, bench_result *r);
int bench_pingpong_ref(const bench_opts *o, bench_result *r);
int bench_fanin(const bench_opts *o, bench_result *r);
int bench_ring_ref(const bench_opts *o, bench_result *r);
int bench_mailbox(const bench_opts *o, int use_mutex, bench_result *r);

#endif
