/* ref_uv_multicast_server: the bare reference for tcp_multicast. One libuv
 * loop, no actors: every millisecond it sends each connection its share of
 * -m messages per second of -s zero bytes, as one write, capped so that no
 * connection has more than 1 MiB queued (what does not fit is dropped). */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "bench_common.h"

static const char usage[] =
    "Usage: ref_uv_multicast_server [options]\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -m, --messages N     messages per second to every session (default 1000000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -h, --help           this help\n";

#define CAP (1u << 20)

typedef struct conn {
  uv_tcp_t tcp;
  struct conn *prev, *next;
} conn;

static bench_opts o = {.address = "0.0.0.0", .port = 1111, .threads = 1, .clients = 1, .messages = 1000000,
                       .size = 32, .seconds = 10};
static conn *conns;
static char *zeros;
static double owed; /* messages due per connection, carried between ticks */

static void on_closed(uv_handle_t *h) {
  conn *c = h->data;
  if (c->prev)
    c->prev->next = c->next;
  else
    conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
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
  owed += (double)o.messages / 1000.0;
  long due = (long)owed;
  owed -= (double)due;
  if (due <= 0)
    return;
  for (conn *c = conns; c; c = c->next) {
    if (uv_is_closing((uv_handle_t *)&c->tcp))
      continue;
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    size_t room = queued < CAP ? (CAP - queued) / o.size : 0;
    size_t n = (size_t)due < room ? (size_t)due : room;
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
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  c->next = conns;
  if (conns)
    conns->prev = c;
  conns = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_signal(uv_signal_t *h, int sig) { uv_stop(h->loop); }

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  printf("Server port: %d\nWorking threads: 1\nMessages per second: %ld\nMessage size: %zu\n\n", o.port, o.messages,
         o.size);
  fflush(stdout);
  /* One tick's worth for the largest burst the cap allows. */
  zeros = calloc(1, CAP + o.size);
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
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 1, 1);
  uv_signal_t sigint, sigterm;
  uv_signal_init(loop, &sigint);
  uv_signal_init(loop, &sigterm);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}
