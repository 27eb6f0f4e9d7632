/* UDP multicast benchmark client (CppServer's udp_multicast_client): every
 * client binds 0.0.0.0:port with reuse-address, joins the group (-a) and
 * counts the bytes it receives. Plain libuv, one loop per thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_clients.h"

typedef struct mc_client {
  uv_udp_t h; /* first: the callbacks get this pointer */
  bench_loop *l;
} mc_client;

static bench_opts opts = {.max_size = 65507, .address = "239.255.0.1", .port = 3333, .clients = 1, .messages = 0, .size = 32,
                              .seconds = 10};

static const char usage[] =
    "Usage: udp_multicast_client [options]\n"
    "  -a, --address  multicast group (default 239.255.0.1)\n"
    "  -p, --port     multicast port (default 3333)\n"
    "  -t, --threads  working threads (default: number of cores)\n"
    "  -c, --clients  working clients (default 1)\n"
    "  -s, --size     datagram size, for counting messages (default 32)\n"
    "  -z, --seconds  seconds to benchmark (default 10)\n"
    "  -h, --help     this help\n";

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bench_loop *l = ((mc_client *)h)->l;
  *buf = uv_buf_init(l->rbuf, sizeof(l->rbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  bench_loop *l = ((mc_client *)h)->l;
  if (nread < 0)
    l->errors++;
  else if (addr)
    bench_loop_received(l, (size_t)nread);
}

static void start(bench_loop *l, void *client) {
  mc_client *c = client;
  struct sockaddr_storage any;
  memset(&any, 0, sizeof(any));
  int v6 = strchr(opts.address, ':') != NULL;
  if (v6)
    uv_ip6_addr("::", opts.port, (struct sockaddr_in6 *)&any);
  else
    uv_ip4_addr("0.0.0.0", opts.port, (struct sockaddr_in *)&any);
  c->l = l;
  int i = (int)(((char *)client - l->clients) / (ptrdiff_t)sizeof *c); /* in its loop */
  uv_udp_init_ex(&l->loop, &c->h, any.ss_family);
  int r = uv_udp_bind(&c->h, (struct sockaddr *)&any, UV_UDP_REUSEADDR);
  if (r == 0)
    r = uv_udp_set_membership(&c->h, opts.address, NULL, UV_JOIN_GROUP);
  if (r == 0)
    r = uv_udp_recv_start(&c->h, on_alloc, on_recv);
  if (r < 0) {
    fprintf(stderr, "client %d: %s\n", i, uv_strerror(r));
    l->errors++;
  }
}

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  bench_print_header(&opts, 1);
  return bench_clients_run(&(bench_clients){.o = &opts, .client_size = sizeof(mc_client), .start = start});
}
