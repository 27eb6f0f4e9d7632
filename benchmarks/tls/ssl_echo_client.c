/* ssl_echo_client: CppServer's SSL echo benchmark client, written directly on
 * libuv and wolfSSL (uv_tls.c), one loop per thread, TLS 1.3.
 *
 * Each client connects and handshakes, then sends -m messages of -s zero
 * bytes, then one more message for every -s bytes it receives, so m*s bytes
 * stay in flight. Received plaintext is counted; messages = bytes / size.
 * Time runs from before the first connect to the last byte received. With
 * -m 1 each round trip is timed too (p50/p99/max). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_clients.h"
#include "uv_tls_client.h"

static const char usage[] =
    "Usage: ssl_echo_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -m, --messages N     messages in flight per client (default 1000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n"
    UVTLS_FILES_USAGE;

typedef struct bclient {
  uvtls_conn conn; /* first: the callbacks get this pointer */
  uv_connect_t creq;
  bench_loop *l;
  bench_echo echo;
} bclient;

static bench_opts o = {.address = "127.0.0.1", .port = 2222, .clients = 100, .messages = 1000, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static char *zeros;
static size_t zeros_len;
static WOLFSSL_CTX *ctx;

static void send_bytes(bclient *c, size_t len) {
  while (len) {
    size_t chunk = len < zeros_len ? len : zeros_len;
    if (uvtls_write(&c->conn, zeros, chunk) != 0) {
      c->l->errors++;
      return;
    }
    len -= chunk;
  }
}

static void on_handshaked(uvtls_conn *conn) {
  bclient *c = (bclient *)conn;
  if (c->l->stopping)
    return;
  c->echo.sent_at = bench_now_ns();
  send_bytes(c, (size_t)o.messages * o.size);
}

static void on_plain(uvtls_conn *conn, const char *data, size_t len) {
  bclient *c = (bclient *)conn;
  if (c->l->stopping)
    return;
  size_t more = bench_echo_received(c->l, &c->echo, len);
  if (more)
    send_bytes(c, more);
}

static const uvtls_callbacks callbacks = {
    .on_handshaked = on_handshaked, .on_plain = on_plain, .on_closed = uvtls_bench_on_closed};

static void on_connect(uv_connect_t *req, int status) {
  bclient *c = req->data;
  uvtls_bench_connected(&c->conn, c->l, req, status, ctx, &callbacks);
}

static void start(bench_loop *l, void *client) {
  bclient *c = client;
  c->l = l;
  c->conn.user = l;
  bench_tcp_connect(l, &c->conn.tcp, &c->creq, c, &addr, on_connect);
}

int main(int argc, char **argv) {
  ctx = uvtls_bench_clients_begin(argc, argv, &o, usage, &addr);
  if (!ctx)
    return 2;
  bench_print_header(&o, 1);
  zeros = bench_zeros((size_t)o.messages * o.size, &zeros_len);
  if (!zeros)
    return 1;
  return bench_clients_run(
      &(bench_clients){.o = &o, .client_size = sizeof(bclient), .start = start, .close = uvtls_bench_close});
}
