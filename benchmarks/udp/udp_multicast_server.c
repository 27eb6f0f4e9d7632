/* UDP multicast benchmark server (CppServer's udp_multicast_server) on troupe:
 * every second it bursts -m datagrams of -s zero bytes to the group (-a) and
 * port (-p). The burst runs on the server's worker in slices, so one slice
 * of sends never holds the worker for long. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/udp.h"
#include "bench_common.h"
#include "bench_runtime.h"

#define SLICE 2048

static bench_opts opts = {.max_size = 65507, .address = "239.255.0.1", .port = 3333, .clients = 1, .messages = 1000000, .size = 32,
                              .seconds = 10};

static const char usage[] =
    "Usage: udp_multicast_server [options]\n"
    "  -a, --address   multicast group (default 239.255.0.1)\n"
    "  -p, --port      multicast port (default 3333)\n"
    "  -t, --threads   worker threads (default: number of cores)\n"
    "  -m, --messages  datagrams multicast per second (default 1000000)\n"
    "  -s, --size      datagram size (default 32)\n"
    "  -h, --help      this help\n";

typedef struct burst {
  tr_udp_server *server;
  tr_udp_endpoint group;
  char *payload;
  long left; /* worker only */
  uint64_t errors;
} burst;

static void burst_slice(void *arg) {
  burst *b = arg;
  long n = b->left < SLICE ? b->left : SLICE;
  for (long i = 0; i < n; i++)
    if (tr_udp_server_send(b->server, &b->group, b->payload, opts.size) < 0)
      b->errors++;
  b->left -= n;
  if (b->left > 0)
    tr_worker_post(tr_udp_server_worker(b->server), burst_slice, b);
}

static void burst_second(void *arg) {
  burst *b = arg;
  /* A second's quota not sent in time is dropped, like CppServer's loop. */
  b->left = opts.messages;
  burst_slice(b);
}

static void on_error(tr_udp_server *s, int code, const char *category, const char *message, void *ctx) {
  fprintf(stderr, "Multicast UDP server caught an error with code %d and category '%s': %s\n", code, category,
          message);
}

static volatile int stopping;

static void *driver(void *arg) {
  burst *b = arg;
  while (!stopping) {
    uint64_t t0 = bench_now_ns();
    tr_worker_post(tr_udp_server_worker(b->server), burst_second, b);
    uint64_t spent = bench_now_ns() - t0;
    if (spent < 1000000000u)
      usleep((useconds_t)((1000000000u - spent) / 1000));
  }
  return NULL;
}

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  bench_block_signals();
  tr_runtime *rt;
  int r = bench_runtime_start(opts.threads, &rt);
  if (r < 0) {
    fprintf(stderr, "runtime: %s\n", tr_strerror(r));
    return 1;
  }
  bench_print_header(&opts, 0);
  tr_udp_server_callbacks cb = {.on_error = on_error};
  tr_udp_endpoint g;
  if (tr_udp_endpoint_init(&g, opts.address, opts.port) < 0) {
    fprintf(stderr, "bad group address: %s\n", opts.address);
    return 2;
  }
  /* The group, for sending straight from the worker (what
   * tr_udp_server_multicast does, minus looking the group up each time). */
  burst b = {.payload = calloc(1, opts.size), .group = g};
  r = tr_udp_server_new(rt, tr_udp_endpoint_family(&g) == AF_INET6 ? "::" : "0.0.0.0", 0, NULL, &cb, NULL,
                        &b.server);
  if (r == 0)
    r = tr_udp_server_start_multicast(b.server, opts.address, opts.port);
  if (r < 0) {
    fprintf(stderr, "server: %s\n", tr_strerror(r));
    return 1;
  }
  pthread_t th;
  pthread_create(&th, NULL, driver, &b);
  bench_wait_signal();
  stopping = 1;
  pthread_join(th, NULL);
  printf("Server stopping...");
  tr_udp_server_free(b.server);
  tr_runtime_free(rt);
  printf("Done!\n");
  free(b.payload);
  return 0;
}
