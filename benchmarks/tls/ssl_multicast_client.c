/* ssl_multicast_client: clients connect and handshake, send nothing and
 * count the plaintext the multicast server pushes (CppServer's
 * ssl_multicast_client). libuv + wolfSSL (uv_tls.c), one loop per thread.
 * Time runs from before the first connect to the last byte received. */
#include <stdio.h>
#include <stdlib.h>

#include "uv_tls_client.h"

static const char usage[] =
    "Usage: ssl_multicast_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -s, --size N         message size, for counting (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n"
    UVTLS_FILES_USAGE;

typedef struct mclient {
  uvtls_conn conn; /* first: the callbacks get this pointer */
  uv_connect_t creq;
} mclient;

static bench_opts o = {.address = "127.0.0.1", .port = 2222, .clients = 100, .messages = 1, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static WOLFSSL_CTX *ctx;

static void on_plain(uvtls_conn *conn, const char *data, size_t len) {
  bench_loop *l = conn->user;
  if (!l->stopping)
    bench_loop_received(l, len);
}

static const uvtls_callbacks callbacks = {.on_plain = on_plain, .on_closed = uvtls_bench_on_closed};

static void on_connect(uv_connect_t *req, int status) {
  mclient *c = req->data;
  uvtls_bench_connected(&c->conn, c->conn.user, req, status, ctx, &callbacks);
}

static void start(bench_loop *l, void *client) {
  mclient *c = client;
  c->conn.user = l;
  bench_tcp_connect(l, &c->conn.tcp, &c->creq, c, &addr, on_connect);
}

int main(int argc, char **argv) {
  ctx = uvtls_bench_clients_begin(argc, argv, &o, usage, &addr);
  if (!ctx)
    return 2;
  bench_print_header(&o, 1);
  return bench_clients_run(
      &(bench_clients){.o = &o, .client_size = sizeof(mclient), .start = start, .close = uvtls_bench_close});
}
