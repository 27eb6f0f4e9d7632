/* UDP echo benchmark server (CppServer's udp_echo_server) on troupe: one UDP
 * server actor per worker on the same port (SO_REUSEPORT), each keeping
 * exactly one receive outstanding: a datagram is sent back to its source and
 * the next receive is posted from on_sent. Zero-length datagrams are ignored. */
#include <stdio.h>
#include <stdlib.h>

#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/udp.h"
#include "bench_common.h"
#include "bench_runtime.h"

static bench_opts opts = {.max_size = 65507, .address = "0.0.0.0", .port = 3333, .clients = 1, .size = 32, .seconds = 10};

static const char usage[] =
    "Usage: udp_echo_server [options]\n"
    "  -a, --address  listen address (default 0.0.0.0)\n"
    "  -p, --port     port (default 3333)\n"
    "  -t, --threads  worker threads, one socket each (default: number of cores)\n"
    "  -h, --help     this help\n";

static void on_received(tr_udp_server *s, const tr_udp_endpoint *from, const void *data, size_t size, void *ctx) {
  if (size == 0 || tr_udp_server_send(s, from, data, size) < 0)
    tr_udp_server_receive(s); /* nothing to wait for: ask for the next one now */
}

static void on_sent(tr_udp_server *s, const tr_udp_endpoint *to, size_t sent, void *ctx) { tr_udp_server_receive(s); }

/* Clients that stop leave datagrams in flight whose echoes bounce (port
 * unreachable): print a few, count the rest. */
static long errors_seen;

static void on_error(tr_udp_server *s, int code, const char *category, const char *message, void *ctx) {
  if (__atomic_fetch_add(&errors_seen, 1, __ATOMIC_RELAXED) < 3)
    fprintf(stderr, "UDP server caught an error with code %d and category '%s': %s\n", code, category, message);
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
  printf("Server port: %d\nWorking threads: %d\n\n", opts.port, opts.threads);
  fflush(stdout);
  tr_udp_server_callbacks cb = {.on_received = on_received, .on_sent = on_sent, .on_error = on_error};
  tr_udp_server **servers = calloc((size_t)opts.threads, sizeof(*servers));
  for (int i = 0; i < opts.threads; i++) {
    tr_udp_options o;
    tr_udp_options_init(&o);
    o.worker = i;
    o.reuse_port = 1;
    o.receive_on_request = 1;
    r = tr_udp_server_new(rt, opts.address, opts.port, &o, &cb, NULL, &servers[i]);
    if (r == 0)
      r = tr_udp_server_start(servers[i]);
    if (r == 0)
      r = tr_udp_server_receive(servers[i]);
    if (r < 0) {
      fprintf(stderr, "server %s:%d: %s\n", opts.address, opts.port, tr_strerror(r));
      return 1;
    }
  }
  bench_wait_signal();
  printf("Server stopping...");
  for (int i = 0; i < opts.threads; i++)
    tr_udp_server_free(servers[i]);
  tr_runtime_free(rt);
  printf("Done!\n");
  if (errors_seen > 3)
    fprintf(stderr, "(%ld errors in all)\n", errors_seen);
  free(servers);
  return 0;
}
