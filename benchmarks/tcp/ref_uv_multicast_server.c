/* ref_uv_multicast_server: the bare reference for tcp_multicast. One libuv
 * loop, no actors: every millisecond it sends each connection its share of
 * -m messages per second of -s zero bytes, as one write, capped so that no
 * connection has more than 1 MiB queued (what does not fit is dropped). */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "bench_common.h"
#include "bench_link.h"
#include "bench_pace.h"
#include "bench_uv_server.h"

static const char usage[] =
    "Usage: ref_uv_multicast_server [options]\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -m, --messages N     messages per second to every session (default 1000000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -h, --help           this help\n";

typedef struct conn {
  uv_tcp_t tcp;
  bench_link link;
} conn;

static bench_opts o = {.address = "0.0.0.0", .port = 1111, .threads = 1, .clients = 1, .messages = 1000000,
                       .size = 32, .seconds = 10};
static bench_link *conns;
static char *zeros;
static bench_pace pace; /* messages due per connection, carried between ticks */

static void on_closed(uv_handle_t *h) {
  conn *c = h->data;
  bench_link_remove(&conns, &c->link);
  free(c);
}

static void on_written(uv_write_t *req, int status) { free(req); }

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  static char sink[65536];
  *buf = uv_buf_init(sink, sizeof sink);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  if (nread < 0 && !uv_is_closing((uv_handle_t *)s))
    uv_close((uv_handle_t *)s, on_closed);
}

static void on_tick(uv_timer_t *t) {
  long due = bench_pace_due(&pace);
  if (due <= 0)
    return;
  for (bench_link *k = conns; k; k = k->next) {
    conn *c = k->item;
    if (uv_is_closing((uv_handle_t *)&c->tcp))
      continue;
    size_t n = bench_pace_fit(due, uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp), o.size);
    if (!n)
      continue;
    uv_buf_t b = uv_buf_init(zeros, (unsigned)(n * o.size));
    int w = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (w == UV_EAGAIN)
      w = 0;
    if (w < 0)
      continue;
    if ((size_t)w < b.len) {
      uv_write_t *req = malloc(sizeof *req);
      b = uv_buf_init(zeros, b.len - (unsigned)w);
      if (uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
        free(req);
    }
  }
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0)
    return;
  conn *c = calloc(1, sizeof *c);
  if (!c)
    return;
  bench_link_push(&conns, &c->link, c);
  if (bench_uv_accept(server, &c->tcp, c) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  printf("Server port: %d\nWorking threads: 1\nMessages per second: %ld\nMessage size: %zu\n\n", o.port, o.messages,
         o.size);
  fflush(stdout);
  /* One tick's worth for the largest burst the cap allows. */
  zeros = calloc(1, BENCH_PACE_CAP + o.size);
  pace.per_second = o.messages;
  return bench_uv_serve(o.port, on_connection, on_tick);
}
