/* tcp_echo_client: CppServer's echo benchmark client, written directly on
 * libuv (one loop per thread) so that it is not what limits the figure.
 *
 * Each client connects, sends -m messages of -s zero bytes, then one more
 * message for every -s bytes it receives, so m*s bytes stay in flight. Bytes
 * received are counted; messages = bytes / size. Time runs from before the
 * first connect to the last byte received. With -m 1 each round trip is timed
 * too (p50/p99/max). */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "bench_clients.h"

static const char usage[] =
    "Usage: tcp_echo_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -m, --messages N     messages in flight per client (default 1000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n";

typedef struct bclient {
  uv_tcp_t tcp;
  uv_connect_t creq;
  bench_loop *l;
  bench_echo echo;
} bclient;

static bench_opts o = {.address = "127.0.0.1", .port = 1111, .clients = 100, .messages = 1000, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static char *zeros;
static size_t zeros_len;

static void write_done(uv_write_t *req, int status) { free(req); }

/* Messages are zero bytes, so every write points into one shared buffer. */
static void send_bytes(bclient *c, size_t len) {
  while (len) {
    size_t chunk = len < zeros_len ? len : zeros_len;
    uv_buf_t b = uv_buf_init(zeros, (unsigned)chunk);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n < 0 && n != UV_EAGAIN) {
      c->l->errors++;
      return;
    }
    if (n < 0)
      n = 0;
    if ((size_t)n < chunk) {
      uv_write_t *req = malloc(sizeof *req);
      b = uv_buf_init(zeros, (unsigned)(chunk - (size_t)n));
      if (!req || uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, write_done) != 0) {
        free(req);
        c->l->errors++;
        return;
      }
    }
    len -= chunk;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bclient *c = h->data;
  *buf = uv_buf_init(c->l->rbuf, sizeof c->l->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  bclient *c = s->data;
  if (nread < 0) {
    if (!c->l->stopping) {
      c->l->errors++;
      uv_close((uv_handle_t *)s, NULL);
    }
    return;
  }
  if (nread == 0 || c->l->stopping)
    return;
  size_t more = bench_echo_received(c->l, &c->echo, (size_t)nread);
  if (more)
    send_bytes(c, more);
}

static void on_connect(uv_connect_t *req, int status) {
  bclient *c = req->data;
  if (!bench_tcp_connected(c->l, req, status))
    return;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  c->echo.sent_at = bench_now_ns();
  send_bytes(c, (size_t)o.messages * o.size);
}

static void start(bench_loop *l, void *client) {
  bclient *c = client;
  c->l = l;
  bench_tcp_connect(l, &c->tcp, &c->creq, c, &addr, on_connect);
}

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  if (bench_tcp_clients_begin(&o, &addr) != 0)
    return 2;
  bench_print_header(&o, 1);
  zeros = bench_zeros((size_t)o.messages * o.size, &zeros_len);
  if (!zeros)
    return 1;
  return bench_clients_run(&(bench_clients){.o = &o, .client_size = sizeof(bclient), .start = start});
}
