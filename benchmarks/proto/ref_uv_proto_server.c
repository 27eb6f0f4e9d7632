/* ref_uv_proto_server: the bare reference for the proto suite. One libuv
 * loop, no actors, no runtime, the same generated codec as proto_server:
 * reassemble frames, decode each SimpleRequest, encode the SimpleResponse
 * into the connection's output buffer, and write that buffer once per read
 * (uv_try_write, then uv_write for what the socket did not take). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"
#include "bench_uv_server.h"
#include "bench_uv_write.h"
#include "simple.h"

static const char usage[] =
    "Usage: ref_uv_proto_server [options]\n"
    "  -p, --port PORT      server port (default 4444)\n"
    "  -h, --help           this help\n";

typedef struct conn {
  uv_tcp_t tcp;
  tr_fbe_receiver rx;
  tr_fbe_buffer out;
  int dead;
  char buf[1 << 16];
} conn;

static void on_closed(uv_handle_t *h) {
  conn *c = h->data;
  tr_fbe_receiver_free(&c->rx);
  tr_fbe_buffer_free(&c->out);
  free(c);
}

static void close_conn(conn *c) {
  if (!c->dead) {
    c->dead = 1;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
  }
}

static int on_request(void *ctx, const simple_SimpleRequest *req) {
  conn *c = ctx;
  simple_SimpleResponse response = {.id = req->id, .Length = (uint32_t)req->Message.size, .Hash = 0};
  int rc = simple_SimpleResponse_encode(&response, &c->out);
  return rc < 0 ? rc : 0;
}

static const simple_handlers handlers = {.on_SimpleRequest = on_request};

static int on_frame(void *ctx, const uint8_t *frame, size_t size) {
  return simple_dispatch(&handlers, ctx, frame, size);
}

static void flush(conn *c) {
  if (!c->out.size)
    return;
  if (bench_uv_write_copy((uv_stream_t *)&c->tcp, (const char *)c->out.data, c->out.size) != 0) {
    close_conn(c);
    return;
  }
  tr_fbe_buffer_clear(&c->out);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  conn *c = h->data;
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn *c = s->data;
  if (nread < 0) {
    close_conn(c);
    return;
  }
  if (nread == 0)
    return;
  if (tr_fbe_receiver_feed(&c->rx, buf->base, (size_t)nread) < 0) {
    fprintf(stderr, "closing a connection: %s\n", tr_fbe_receiver_reason(&c->rx));
    close_conn(c);
    return;
  }
  flush(c);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0)
    return;
  conn *c = calloc(1, sizeof *c);
  if (!c)
    return;
  tr_fbe_receiver_init(&c->rx, 0, on_frame, c);
  tr_fbe_buffer_init(&c->out);
  if (bench_uv_accept(server, &c->tcp, c) != 0) {
    close_conn(c);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv) {
  bench_opts o = {.address = "0.0.0.0", .port = 4444, .threads = 1, .clients = 1, .messages = 1, .size = 32,
                  .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  /* A peer that goes away mid-write must not kill the process. */
  signal(SIGPIPE, SIG_IGN);
  printf("Server port: %d\nWorking threads: 1\n\n", o.port);
  fflush(stdout);
  return bench_uv_serve(o.port, on_connection, NULL);
}
