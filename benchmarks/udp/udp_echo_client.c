/* UDP echo benchmark client (CppServer's udp_echo_client): each client binds
 * an ephemeral port (no connect), sends -m datagrams of -s zero bytes back to
 * back, then one more for every datagram that comes back; lost datagrams are
 * not replaced. Counts received bytes. Plain libuv, one loop per thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_clients.h"

typedef struct bench_client {
  uv_udp_t h; /* first: the callbacks get this pointer */
  bench_loop *l;
} bench_client;

static bench_opts opts = {.max_size = 65507, .address = "127.0.0.1", .port = 3333, .clients = 1, .messages = 1000, .size = 32,
                              .seconds = 10};
static struct sockaddr_storage server;
static char *payload; /* size zero bytes, shared read-only by every send */

static const char usage[] =
    "Usage: udp_echo_client [options]\n"
    "  -a, --address   server address (default 127.0.0.1)\n"
    "  -p, --port      server port (default 3333)\n"
    "  -t, --threads   working threads (default: number of cores)\n"
    "  -c, --clients   working clients (default 1)\n"
    "  -m, --messages  datagrams in flight per client at start (default 1000)\n"
    "  -s, --size      datagram size (default 32)\n"
    "  -z, --seconds   seconds to benchmark (default 10)\n"
    "  -h, --help      this help\n";

static void on_queued_sent(uv_udp_send_t *req, int status) {
  if (status < 0 && status != UV_ECANCELED)
    ((bench_client *)req->handle)->l->errors++;
  free(req);
}

static void send_one(bench_client *c) {
  uv_buf_t b = uv_buf_init(payload, (unsigned)opts.size);
  int r = uv_udp_try_send(&c->h, &b, 1, (const struct sockaddr *)&server);
  if (r >= 0)
    return;
  if (r != UV_EAGAIN) {
    c->l->errors++;
    return;
  }
  uv_udp_send_t *req = malloc(sizeof(*req));
  if (!req || uv_udp_send(req, &c->h, &b, 1, (const struct sockaddr *)&server, on_queued_sent) < 0) {
    free(req);
    c->l->errors++;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bench_loop *l = ((bench_client *)h)->l;
  *buf = uv_buf_init(l->rbuf, sizeof(l->rbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  bench_client *c = (bench_client *)h;
  if (nread < 0) {
    c->l->errors++;
    return;
  }
  if (!addr)
    return;
  bench_loop_received(c->l, (size_t)nread);
  send_one(c);
}

static void start(bench_loop *l, void *client) {
  bench_client *c = client;
  c->l = l;
  uv_udp_init_ex(&l->loop, &c->h, server.ss_family);
  struct sockaddr_storage any;
  memset(&any, 0, sizeof(any));
  if (server.ss_family == AF_INET6)
    uv_ip6_addr("::", 0, (struct sockaddr_in6 *)&any);
  else
    uv_ip4_addr("0.0.0.0", 0, (struct sockaddr_in *)&any);
  if (uv_udp_bind(&c->h, (struct sockaddr *)&any, 0) < 0 || uv_udp_recv_start(&c->h, on_alloc, on_recv) < 0) {
    l->errors++;
    return;
  }
  for (long m = 0; m < opts.messages; m++)
    send_one(c);
}

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  if (bench_resolve(&opts, &server) != 0) {
    fprintf(stderr, "bad address: %s\n", opts.address);
    return 2;
  }
  payload = calloc(1, opts.size);
  if (!payload)
    return 1;
  bench_print_header(&opts, 1);
  return bench_clients_run(&(bench_clients){.o = &opts, .client_size = sizeof(bench_client), .start = start});
}
