/* Command line and report shared by the network benchmark programs
 * (CppServer's options and report lines): TCP, UDP, TLS and proto link it. */
#ifndef TROUPE_BENCH_COMMON_H
#define TROUPE_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_opts {
  const char *address;
  int port;
  int threads;
  int clients;
  long messages;
  size_t size;
  int seconds;
  size_t max_size; /* largest -s accepted; 0 = no limit (UDP: 65,507) */
} bench_opts;

/* Fills o from argv over the defaults already in o; exits on -h or bad input. */
void bench_parse(bench_opts *o, int argc, char **argv, const char *usage);
uint64_t bench_now_ns(void);
struct sockaddr_storage;
/* o's -a and -p as an IPv4 or IPv6 address; -1 when -a is neither. */
int bench_resolve(const bench_opts *o, struct sockaddr_storage *addr);
/* Zero bytes to send from: want bytes, within 1 MiB..64 MiB (a larger
 * send goes out in pieces); NULL when out of memory. */
char *bench_zeros(size_t want, size_t *len);
/* Blocks SIGINT/SIGTERM in the calling thread (threads started later inherit
 * the mask); bench_wait_signal then waits for one. */
void bench_block_signals(void);
void bench_wait_signal(void);

typedef struct bench_result {
  uint64_t errors;
  uint64_t ns;    /* from before connecting to the last byte */
  uint64_t bytes; /* received */
  size_t size;
  /* Round-trip samples in ns (may be NULL). */
  uint64_t *rtt;
  size_t nrtt;
} bench_result;

void bench_print_header(const bench_opts *o, int client);
void bench_print_report(bench_result *r);

#endif
