/* CppServer's report lines, the ones tools/bench.py parses. Every benchmark
 * client prints through here so the runner reads them all the same way; the
 * actor benchmark has its own bench_result, hence plain figures. */
#ifndef TROUPE_BENCH_REPORT_H
#define TROUPE_BENCH_REPORT_H

#include <stdint.h>

typedef struct bench_report {
  uint64_t errors;
  uint64_t ns;
  uint64_t bytes;
  uint64_t messages;
  int has_latency; /* print the p50/p99/max lines */
  uint64_t p50, p99, max;
} bench_report;

void bench_report_print(const bench_report *r);

#endif
