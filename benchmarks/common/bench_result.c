/* A network client's totals as report lines: messages are counted from
 * bytes, because the clients count bytes and the wire carries no framing. */
#include <stdlib.h>

#include "bench_common.h"
#include "bench_report.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void bench_print_report(bench_result *r) {
  bench_report rep = {.errors = r->errors, .ns = r->ns, .bytes = r->bytes, .messages = r->bytes / r->size};
  if (r->rtt && r->nrtt) {
    qsort(r->rtt, r->nrtt, sizeof *r->rtt, cmp_u64);
    rep.has_latency = 1;
    rep.p50 = r->rtt[r->nrtt / 2];
    rep.p99 = r->rtt[(size_t)((double)r->nrtt * 0.99)];
    rep.max = r->rtt[r->nrtt - 1];
  }
  bench_report_print(&rep);
}
