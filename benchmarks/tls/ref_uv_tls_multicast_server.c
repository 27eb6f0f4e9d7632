/* ref_uv_tls_multicast_server: the bare reference for ssl_multicast. One
 * libuv loop, no actors: every millisecond each handshaked connection gets
 * its share of -m messages per second of -s zero bytes, encrypted and written
 * once, capped so that no connection has more than 1 MiB queued (what does
 * not fit is dropped). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ref_uv_tls_multicast_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -m, --messages N     messages per second to every session (default 1000000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -h, --help           this help\n";

#define CAP (1u << 20)

typedef struct conn {
  uvtls_conn tls;
  struct conn *prev, *next;
} conn;

static bench_opts o = {.address = "0.0.0.0", .port = 2222, .threads = 1, .clients = 1, .messages = 1000000,
                       .size = 32, .seconds = 10};
static conn *conns;
static char *zeros;
static double owed;
static WOLFSSL_CTX *ctx;

static void on_plain(uvtls_conn *c, const char *data, size_t len) {}

static void on_closed(uvtls_conn *tls, int error) {
  conn *c = (conn *)tls;
  if (c->prev)
    c->prev->next = c->next;
  else
    conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  free(c);
}

static const uvtls_callbacks callbacks = {.on_plain = on_plain, .on_closed = on_closed};

static void on_tick(uv_timer_t *t) {
  owed += (double)o.messages / 1000.0;
  long due = (long)owed;
  owed -= (double)due;
  if (due <= 0)
    return;
  for (conn *c = conns; c; c = c->next) {
    uvtls_conn *tls = &c->tls;
    if (tls->closing || !tls->handshaked)
      continue;
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&tls->tcp) + tls->out_len;
    size_t room = queued < CAP ? (CAP - queued) / o.size : 0;
    size_t n = (size_t)due < room ? (size_t)due : room;
    if (!n)
      continue;
    if (uvtls_write(tls, zeros, n * o.size) != 0) {
      uvtls_close(tls, -1);
      continue;
    }
    uvtls_flush(tls);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0)
    return;
  conn *c = calloc(1, sizeof *c);
  uv_tcp_init(server->loop, &c->tls.tcp);
  c->tls.tcp.data = c;
  c->tls.cb = &callbacks;
  c->next = conns;
  if (conns)
    conns->prev = c;
  conns = c;
  if (uv_accept(server, (uv_stream_t *)&c->tls.tcp) != 0 || uvtls_start(&c->tls, ctx, 1, &callbacks) != 0)
    uvtls_close(&c->tls, -1);
}

static void on_signal(uv_signal_t *h, int sig) { uv_stop(h->loop); }

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_parse(&o, argc, argv, usage);
  ctx = uvtls_context(1, &files);
  printf("Server port: %d\nWorking threads: 1\nMessages per second: %ld\nMessage size: %zu\n\n", o.port, o.messages,
         o.size);
  fflush(stdout);
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
