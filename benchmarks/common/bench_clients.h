/* The client side of the network benchmarks: -c clients spread over -t
 * threads, each thread one libuv loop, all stopped after -z seconds; then the
 * threads' errors, bytes and round trips are summed and reported. What a
 * client does on the wire is the program's, through the hooks. */
#ifndef TROUPE_BENCH_CLIENTS_H
#define TROUPE_BENCH_CLIENTS_H

#include <uv.h>

#include "bench_common.h"

typedef struct bench_clients bench_clients;

/* One client thread; only that thread touches it until it is joined. */
typedef struct bench_loop {
  uv_loop_t loop;
  uv_timer_t timer; /* -z */
  uv_thread_t thread;
  const bench_clients *run;
  char *clients; /* n objects of run->client_size bytes, zeroed */
  int n;
  int stopping; /* -z has passed: handles are closing, nothing counts */
  uint64_t bytes, errors, last_ns;
  uint64_t *rtt;
  size_t nrtt, caprtt;
  char rbuf[1 << 16]; /* reads are consumed at once, so one buffer serves all */
} bench_loop;

struct bench_clients {
  const bench_opts *o;
  size_t client_size;
  uint64_t count_size; /* bytes a reported message stands for; 0 = -s */
  /* Starts one client on l's loop, before l's loop runs. */
  void (*start)(bench_loop *l, void *client);
  /* Closes one of l's handles (never the timer) at -z; NULL = uv_close. */
  void (*close)(bench_loop *l, uv_handle_t *h);
  /* Frees a client's own state once l's loop has ended; may be NULL. */
  void (*finish)(bench_loop *l, void *client);
};

/* Runs the clients over min(-t, -c) threads and prints the report.
 * Returns 0, or 1 when out of memory. */
int bench_clients_run(const bench_clients *run);

/* Counts len bytes received now; returns the time. */
uint64_t bench_loop_received(bench_loop *l, size_t len);
/* Keeps one round-trip sample; past 64 Mi samples they are dropped. */
void bench_loop_record_rtt(bench_loop *l, uint64_t ns);

/* The TCP clients' start: resolves -a/-p into addr (2, reported, when it
 * cannot) and uses no more threads than clients (the header shows that). */
int bench_tcp_clients_begin(bench_opts *o, struct sockaddr_storage *addr);
/* Connects a TCP client to addr; a failure is counted and the handle closed. */
void bench_tcp_connect(bench_loop *l, uv_tcp_t *tcp, uv_connect_t *req, void *client,
                       const struct sockaddr_storage *addr, uv_connect_cb cb);
/* In a connect callback: 1 when the client may go on, else 0 (a failure is
 * counted, reported on stderr and the handle closed). */
int bench_tcp_connected(bench_loop *l, uv_connect_t *req, int status);

/* An echo client's count: every -s bytes back is one message answered. */
typedef struct bench_echo {
  uint64_t received;
  uint64_t answered;
  uint64_t sent_at; /* -m 1: when the message in flight left */
} bench_echo;

/* Counts len bytes the echo client received; returns how many bytes to send
 * again (whole messages completed), timing the round trip with -m 1. */
size_t bench_echo_received(bench_loop *l, bench_echo *e, size_t len);

#endif
