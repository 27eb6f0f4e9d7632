/* tcp_multicast_client: clients connect, send nothing and count the bytes
 * the multicast server pushes (CppServer's tcp_multicast_client). Written
 * directly on libuv, one loop per thread. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "bench_clients.h"

static const char usage[] =
    "Usage: tcp_multicast_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -s, --size N         message size, for counting (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n";

typedef struct mclient {
  uv_tcp_t tcp;
  uv_connect_t creq;
} mclient;

static bench_opts o = {.address = "127.0.0.1", .port = 1111, .clients = 100, .messages = 1, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bench_loop *l = h->data;
  *buf = uv_buf_init(l->rbuf, sizeof l->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  bench_loop *l = s->data;
  if (nread < 0) {
    if (!l->stopping) {
      l->errors++;
      uv_close((uv_handle_t *)s, NULL);
    }
    return;
  }
  if (nread > 0 && !l->stopping)
    bench_loop_received(l, (size_t)nread);
}

static void on_connect(uv_connect_t *req, int status) {
  if (bench_tcp_connected(req->data, req, status))
    uv_read_start(req->handle, on_alloc, on_read);
}

/* The client needs nothing of its own: its handle points at the loop. */
static void start(bench_loop *l, void *client) {
  mclient *c = client;
  bench_tcp_connect(l, &c->tcp, &c->creq, l, &addr, on_connect);
}

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  if (bench_tcp_clients_begin(&o, &addr) != 0)
    return 2;
  bench_print_header(&o, 1);
  return bench_clients_run(&(bench_clients){.o = &o, .client_size = sizeof(mclient), .start = start});
}
