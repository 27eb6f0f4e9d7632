/* Options, clock, signal wait and header of the network benchmarks. */
#include "bench_common.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

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

int bench_resolve(const bench_opts *o, struct sockaddr_storage *addr) {
  if (uv_ip4_addr(o->address, o->port, (struct sockaddr_in *)addr) == 0 ||
      uv_ip6_addr(o->address, o->port, (struct sockaddr_in6 *)addr) == 0)
    return 0;
  return -1;
}

char *bench_zeros(size_t want, size_t *len) {
  if (want < (1u << 20))
    want = 1u << 20;
  if (want > (64u << 20))
    want = 64u << 20;
  *len = want;
  return calloc(1, want);
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
