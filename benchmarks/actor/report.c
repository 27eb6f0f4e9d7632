/* The report lines every troupe benchmark client prints (CppServer's), so
 * that the runner (tools/bench.py) reads them the same way. */
#include <stdio.h>

#include "bench.h"

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

static void print_time(const char *label, double ns) {
  if (ns < 1e3)
    printf("%s: %.0f ns\n", label, ns);
  else if (ns < 1e6)
    printf("%s: %.3f us\n", label, ns / 1e3);
  else if (ns < 1e9)
    printf("%s: %.3f ms\n", label, ns / 1e6);
  else
    printf("%s: %.3f s\n", label, ns / 1e9);
}

static void print_bytes(const char *label, double bytes, const char *suffix) {
  static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  unsigned u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    u++;
  }
  if (u == 0)
    printf("%s: %.0f %s%s\n", label, bytes, units[u], suffix);
  else
    printf("%s: %.3f %s%s\n", label, bytes, units[u], suffix);
}

void bench_print_report(const bench_result *r) {
  double secs = (double)r->ns / 1e9;
  double bytes = (double)r->messages * (double)BENCH_MSG_SIZE;
  printf("Errors: %llu\n\n", (unsigned long long)r->errors);
  print_time("Total time", (double)r->ns);
  print_bytes("Total data", bytes, "");
  printf("Total messages: %llu\n", (unsigned long long)r->messages);
  print_bytes("Data throughput", secs > 0 ? bytes / secs : 0, "/s");
  print_time("Message latency", r->messages ? (double)r->ns / (double)r->messages : 0);
  printf("Message throughput: %llu msg/s\n",
         (unsigned long long)(secs > 0 ? (double)r->messages / secs : 0));
  if (r->latency && r->latency->n) {
    printf("Latency p50: %llu ns\n", (unsigned long long)bench_hist_quantile(r->latency, 0.50));
    printf("Latency p99: %llu ns\n", (unsigned long long)bench_hist_quantile(r->latency, 0.99));
    printf("Latency max: %llu ns\n", (unsigned long long)r->latency->max);
  }
  if (r->overflowed >= 0)
    printf("Mailbox overflowed: %lld messages (%.1f%%)\n", (long long)r->overflowed,
           r->messages ? 100.0 * (double)r->overflowed / (double)r->messages : 0.0);
  fflush(stdout);
}
