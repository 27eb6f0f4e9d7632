/* Options, signal wait and the report of the TCP benchmarks. */
#include "bench_common.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_parse(bench_opts *o, int argc, char **argv, const char *usage) {
  static const struct option longs[] = {
      {"address", required_argument, 0, 'a'}, {"port", required_argument, 0, 'p'},
      {"threads", required_argument, 0, 't'}, {"clients", required_argument, 0, 'c'},
      {"messages", required_argument, 0, 'm'}, {"size", required_argument, 0, 's'},
      {"seconds", required_argument, 0, 'z'}, {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "a:p:t:c:m:s:z:h", longs, NULL)) != -1) {
    switch (ch) {
    case 'a': o->address = optarg; break;
    case 'p': o->port = atoi(optarg); break;
    case 't': o->threads = atoi(optarg); break;
    case 'c': o->clients = atoi(optarg); break;
    case 'm': o->messages = atol(optarg); break;
    case 's': o->size = (size_t)atol(optarg); break;
    case 'z': o->seconds = atoi(optarg); break;
    case 'h': printf("%s", usage); exit(0);
    default: fprintf(stderr, "%s", usage); exit(2);
    }
  }
  if (o->threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = n > 0 ? (int)n : 1;
  }
  if (o->port <= 0 || o->port > 65535 || o->clients <= 0 || o->messages < 0 || o->size == 0 || o->seconds <= 0 ||
      (o->max_size && o->size > o->max_size)) {
    fprintf(stderr, "bad option value\n%s", usage);
    exit(2);
  }
}

void bench_block_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void bench_wait_signal(void) {
  sigset_t set;
  int sig;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigwait(&set, &sig);
}

void bench_print_header(const bench_opts *o, int client) {
  if (client)
    printf("Server address: %s\n", o->address);
  printf("Server port: %d\n", o->port);
  printf("Working threads: %d\n", o->threads);
  if (client) {
    printf("Working clients: %d\n", o->clients);
    printf("Working messages: %ld\n", o->messages);
    printf("Message size: %zu\n", o->size);
    printf("Seconds to benchmarking: %d\n", o->seconds);
  }
  printf("\n");
  fflush(stdout);
}

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

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void bench_print_report(bench_result *r) {
  double secs = r->ns / 1e9;
  uint64_t msgs = r->bytes / r->size;
  printf("Errors: %llu\n\n", (unsigned long long)r->errors);
  print_time("Total time", (double)r->ns);
  print_size("Total data", (double)r->bytes, "");
  printf("Total messages: %llu\n", (unsigned long long)msgs);
  print_size("Data throughput", secs > 0 ? r->bytes / secs : 0, "/s");
  print_time("Message latency", msgs ? (double)r->ns / (double)msgs : 0);
  printf("Message throughput: %llu msg/s\n", (unsigned long long)(secs > 0 ? msgs / secs : 0));
  if (r->rtt && r->nrtt) {
    qsort(r->rtt, r->nrtt, sizeof *r->rtt, cmp_u64);
    printf("Latency p50: %llu ns\n", (unsigned long long)r->rtt[r->nrtt / 2]);
    printf("Latency p99: %llu ns\n", (unsigned long long)r->rtt[(size_t)((double)r->nrtt * 0.99)]);
    printf("Latency max: %llu ns\n", (unsigned long long)r->rtt[r->nrtt - 1]);
  }
  fflush(stdout);
}
