/* Command line, clock, signals and the report shared by the UDP benchmark
 * programs (CppServer's options and report lines). Plain C and libuv: the
 * clients and the bare reference do not link troupe. */
#ifndef TROUPE_UDP_BENCH_H
#define TROUPE_UDP_BENCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct udp_bench_opts {
  const char *address;
  int port;
  int threads;
  int clients;
  long messages;
  size_t size;
  int seconds;
} udp_bench_opts;

/* Parses argv over the defaults already in o; exits on -h (0) or bad input (2). */
void udp_bench_parse(udp_bench_opts *o, int argc, char **argv, const char *usage);
uint64_t udp_bench_now_ns(void);
/* Block SIGINT/SIGTERM before starting threads; then wait for one. */
void udp_bench_block_signals(void);
void udp_bench_wait_signal(void);

void udp_bench_print_header(const udp_bench_opts *o, int client, int show_messages);
/* ns: from before the first socket was opened to the last byte received. */
void udp_bench_print_report(uint64_t errors, uint64_t ns, uint64_t bytes, size_t size);

#endif
