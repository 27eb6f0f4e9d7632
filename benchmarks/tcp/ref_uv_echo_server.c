/* ref_uv_echo_server: the bare reference for tcp_echo. One libuv loop, no
 * actors, no runtime: read into a per-connection buffer, echo it with
 * uv_try_write and queue whatever the socket did not take. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"

static const char usage[] =
    "Usage: ref_uv_echo_server [options]\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -h, --help           this help\n";

typedef struct conn {
  uv_tcp_t tcp;
  char buf[1 << 16];
} conn;

typedef struct wreq {
  uv_write_t req;
  char data[];
} wreq;

static void on_closed(uv_handle_t *h) { free(h->data); }
static void on_written(uv_write_t *req, int status) { free(req); }

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  conn *c = h->data;
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  if (nread < 0) {
    uv_close((uv_handle_t *)s, on_closed);
    return;
  }
  if (nread == 0)
    return;
  uv_buf_t b = uv_buf_init(buf->base, (unsigned)nread);
  int n = uv_try_write(s, &b, 1);
  if (n == UV_EAGAIN)
    n = 0;
  if (n < 0) {
    uv_close((uv_handle_t *)s, on_closed);
    return;
  }
  if (n < nread) {
    size_t rest = (size_t)nread - (size_t)n;
    wreq *w = malloc(sizeof *w + rest);
    memcpy(w->data, buf->base + n, rest);
    b = uv_buf_init(w->data, (unsigned)rest);
    if (uv_write(&w->req, s, &b, 1, on_written) != 0)
      free(w);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0)
    return;
  conn *c = malloc(sizeof *c);
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_signal(uv_signal_t *h, int sig) { uv_stop(h->loop); }

int main(int argc, char **argv) {
  bench_opts o = {.address = "0.0.0.0", .port = 1111, .threads = 1, .clients = 1, .messages = 1, .size = 32,
                  .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  printf("Server port: %d\nWorking threads: 1\n\n", o.port);
  fflush(stdout);
  uv_loop_t *loop = uv_default_loop();
  uv_tcp_t server;
  struct sockaddr_in addr;
  uv_ip4_addr("0.0.0.0", o.port, &addr);
  uv_tcp_init(loop, &server);
  int rc = uv_tcp_bind(&server, (struct sockaddr *)&addr, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&server, 1024, on_connection);
  if (rc != 0) {
    fprintf(stderr, "listen: %s\n", uv_strerror(rc));
    return 1;
  }
  uv_signal_t sigint, sigterm;
  uv_signal_init(loop, &sigint);
  uv_signal_init(loop, &sigterm);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}
