/* Options and report of the UDP benchmarks. */
#include "udp_bench.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

uint64_t udp_bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void udp_bench_parse(udp_bench_opts *o, int argc, char **argv, const char *usage) {
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
    case 'h': fputs(usage, stdout); exit(0);
    default: fputs(usage, stderr); exit(2);
    }
  }
  if (o->threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = n > 0 ? (int)n : 1;
  }
  /* 65,507 bytes is the largest UDP payload over IPv4. */
  if (o->port <= 0 || o->port > 65535 || o->clients <= 0 || o->messages < 0 || o->size == 0 ||
      o->size > 65507 || o->seconds <= 0) {
    fprintf(stderr, "bad option value\n");
    fputs(usage, stderr);
    exit(2);
  }
}

void udp_bench_block_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void udp_bench_wait_signal(void) {
  sigset_t set;
  int sig;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigwait(&set, &sig);
}

void udp_bench_print_header(const udp_bench_opts *o, int client, int show_messages) {
  printf("Server address: %s\n", o->address);
  printf("Server port: %d\n", o->port);
  printf("Working threads: %d\n", o->threads);
  if (client)
    printf("Working clients: %d\n", o->clients);
  if (show_messages)
    printf("Working messages: %ld\n", o->messages);
  printf("Message size: %zu\n", o->size);
  if (client)
    printf("Seconds to benchmarking: %d\n", o->seconds);
  printf("\n");
  fflush(stdout);
}

static void put_time(const char *label, double ns) {
  static const char *unit[] = {"ns", "mcs", "ms", "s"};
  int u = 0;
  while (ns >= 1000 && u < 3) {
    ns /= 1000;
    u++;
  }
  printf(u ? "%s: %.3f %s\n" : "%s: %.0f %s\n", label, ns, unit[u]);
}

static void put_size(const char *label, double bytes, const char *per) {
  static const char *unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    u++;
  }
  printf(u ? "%s: %.3f %s%s\n" : "%s: %.0f %s%s\n", label, bytes, unit[u], per);
}

void udp_bench_print_report(uint64_t errors, uint64_t ns, uint64_t bytes, size_t size) {
  double secs = (double)ns / 1e9;
  uint64_t msgs = bytes / size;
  printf("Errors: %llu\n\n", (unsigned long long)errors);
  put_time("Total time", (double)ns);
  put_size("Total data", (double)bytes, "");
  printf("Total messages: %llu\n", (unsigned long long)msgs);
  put_size("Data throughput", secs > 0 ? (double)bytes / secs : 0, "/s");
  put_time("Message latency", msgs ? (double)ns / (double)msgs : 0);
  printf("Message throughput: %llu msg/s\n", (unsigned long long)(secs > 0 ? (double)msgs / secs : 0));
  fflush(stdout);
}
