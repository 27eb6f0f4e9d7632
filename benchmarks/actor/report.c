/* actor_bench's header and report; the CppServer lines themselves come from
 * benchmarks/common's printer, like every other benchmark's. */
#include <stdio.h>

#include "bench.h"
#include "bench_report.h"

uint64_t bench_hist_quantile(const bench_hist *h, double q) {
  if (!h->n)
    return 0;
  uint64_t rank = (uint64_t)(q * (double)h->n);
  if (rank >= h->n)
    rank = h->n - 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->b[i];
    if (seen > rank) {
      if (i < HIST_SUB)
        return i;
      unsigned shift = (i - HIST_SUB) / HIST_SUB;
      uint64_t top = HIST_SUB + (i - HIST_SUB) % HIST_SUB;
      return top << shift;
    }
  }
  return h->max;
}

void bench_print_header(const bench_opts *o, const char *what) {
  printf("Mode: %s (%s)\n", o->mode, what);
  printf("Working threads: %u\n", o->threads);
  printf("Working clients: %u\n", o->senders);
  printf("Message size: %llu\n", (unsigned long long)BENCH_MSG_SIZE);
  printf("Mailbox slots: %u\n", o->slots ? o->slots : BENCH_DEFAULT_SLOTS);
  printf("Seconds to benchmarking: %u\n\n", o->seconds);
  fflush(stdout);
}

void bench_print_report(const bench_result *r) {
  bench_report rep = {.errors = r->errors, .ns = r->ns, .messages = r->messages,
                      .bytes = r->messages * (uint64_t)BENCH_MSG_SIZE};
  if (r->latency && r->latency->n) {
    rep.has_latency = 1;
    rep.p50 = bench_hist_quantile(r->latency, 0.50);
    rep.p99 = bench_hist_quantile(r->latency, 0.99);
    rep.max = r->latency->max;
  }
  bench_report_print(&rep);
  if (r->overflowed >= 0)
    printf("Mailbox overflowed: %lld messages (%.1f%%)\n", (long long)r->overflowed,
           r->messages ? 100.0 * (double)r->overflowed / (double)r->messages : 0.0);
  fflush(stdout);
}
