/* The report lines: sizes in binary units, times in the largest unit that
 * keeps the figure at least 1, as CppServer prints them. */
#include "bench_report.h"

#include <stdio.h>

static void print_time(const char *label, double ns) {
  if (ns < 1000)
    printf("%s: %.0f ns\n", label, ns);
  else if (ns < 1e6)
    printf("%s: %.3f us\n", label, ns / 1e3);
  else if (ns < 1e9)
    printf("%s: %.3f ms\n", label, ns / 1e6);
  else
    printf("%s: %.3f s\n", label, ns / 1e9);
}

static void print_size(const char *label, double bytes, const char *suffix) {
  static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    u++;
  }
  if (u == 0)
    printf("%s: %.0f %s%s\n", label, bytes, units[u], suffix);
  else
    printf("%s: %.3f %s%s\n", label, bytes, units[u], suffix);
}

void bench_report_print(const bench_report *r) {
  double secs = (double)r->ns / 1e9;
  printf("Errors: %llu\n\n", (unsigned long long)r->errors);
  print_time("Total time", (double)r->ns);
  print_size("Total data", (double)r->bytes, "");
  printf("Total messages: %llu\n", (unsigned long long)r->messages);
  print_size("Data throughput", secs > 0 ? (double)r->bytes / secs : 0, "/s");
  print_time("Message latency", r->messages ? (double)r->ns / (double)r->messages : 0);
  printf("Message throughput: %llu msg/s\n", (unsigned long long)(secs > 0 ? (double)r->messages / secs : 0));
  if (r->has_latency) {
    printf("Latency p50: %llu ns\n", (unsigned long long)r->p50);
    printf("Latency p99: %llu ns\n", (unsigned long long)r->p99);
    printf("Latency max: %llu ns\n", (unsigned long long)r->max);
  }
  fflush(stdout);
}
