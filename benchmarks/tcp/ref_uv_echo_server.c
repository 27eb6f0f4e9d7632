/* ref_uv_echo_server: the bare reference for tcp_echo. One libuv loop, no
 * actors, no runtime: read into a per-connection buffer, echo it with
 * uv_try_write and queue whatever the socket did not take. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"
#include "bench_uv_server.h"
#include "bench_uv_write.h"

static const char usage[] =
    "Usage: ref_uv_echo_server [options]\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -h, --help           this help\n";

typedef struct conn {
  uv_tcp_t tcp;
  char buf[1 << 16];
} conn;

static void on_closed(uv_handle_t *h) { free(h->data); }

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
  if (bench_uv_write_copy(s, buf->base, (size_t)nread) != 0)
    uv_close((uv_handle_t *)s, on_closed);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0)
    return;
  conn *c = malloc(sizeof *c);
  if (!c)
    return;
  if (bench_uv_accept(server, &c->tcp, c) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv) {
  bench_opts o = {.address = "0.0.0.0", .port = 1111, .threads = 1, .clients = 1, .messages = 1, .size = 32,
                  .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  printf("Server port: %d\nWorking threads: 1\n\n", o.port);
  fflush(stdout);
  return bench_uv_serve(o.port, on_connection, NULL);
}
