/* ref_uv_tls_multicast_server: the bare reference for ssl_multicast. One
 * libuv loop, no actors: every millisecond each handshaked connection gets
 * its share of -m messages per second of -s zero bytes, encrypted and written
 * once, capped so that no connection has more than 1 MiB queued (what does
 * not fit is dropped). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "bench_link.h"
#include "bench_pace.h"
#include "bench_uv_server.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ref_uv_tls_multicast_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -m, --messages N     messages per second to every session (default 1000000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -h, --help           this help\n"
    UVTLS_FILES_USAGE;

typedef struct conn {
  uvtls_conn tls; /* first: the callbacks get this pointer */
  bench_link link;
} conn;

static bench_opts o = {.address = "0.0.0.0", .port = 2222, .threads = 1, .clients = 1, .messages = 1000000,
                       .size = 32, .seconds = 10};
static bench_link *conns;
static char *zeros;
static bench_pace pace; /* messages due per connection, carried between ticks */
static WOLFSSL_CTX *ctx;

static void on_plain(uvtls_conn *c, const char *data, size_t len) {}

static void on_closed(uvtls_conn *tls, int error) {
  conn *c = (conn *)tls;
  bench_link_remove(&conns, &c->link);
  free(c);
}

static const uvtls_callbacks callbacks = {.on_plain = on_plain, .on_closed = on_closed};

static void on_tick(uv_timer_t *t) {
  long due = bench_pace_due(&pace);
  if (due <= 0)
    return;
  for (bench_link *k = conns; k; k = k->next) {
    uvtls_conn *tls = &((conn *)k->item)->tls;
    if (tls->closing || !tls->handshaked)
      continue;
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&tls->tcp) + tls->out_len;
    size_t n = bench_pace_fit(due, queued, o.size);
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
  if (!c)
    return;
  c->tls.cb = &callbacks; /* uvtls_close reports to it */
  bench_link_push(&conns, &c->link, c);
  if (bench_uv_accept(server, &c->tls.tcp, c) != 0 || uvtls_start(&c->tls, ctx, 1, &callbacks) != 0)
    uvtls_close(&c->tls, -1);
}

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_parse(&o, argc, argv, usage);
  ctx = uvtls_context(1, &files);
  printf("Server port: %d\nWorking threads: 1\nMessages per second: %ld\nMessage size: %zu\n\n", o.port, o.messages,
         o.size);
  fflush(stdout);
  zeros = calloc(1, BENCH_PACE_CAP + o.size);
  pace.per_second = o.messages;
  return bench_uv_serve(o.port, on_connection, on_tick);
}
