/* ssl_multicast_server: sends -m messages per second of -s zero bytes to
 * every handshaked session, inside TLS 1.3 (CppServer's
 * ssl_multicast_server). Each session's pending output is capped at 1 MiB;
 * what would pass the cap is dropped (TR_STREAM_LIMIT_DROP), the session
 * stays. Paced like tcp_multicast_server: every millisecond the messages due
 * go out as one buffer, so each session encrypts them as few records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_runtime.h"
#include "bench_pace.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"
#include "tls_server_context.h"

static const char usage[] =
    "Usage: ssl_multicast_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      worker threads (default: number of cores)\n"
    "  -m, --messages N     messages per second to every session (default 1000000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -h, --help           this help\n"
    UVTLS_FILES_USAGE;

static bench_opts o = {.address = "0.0.0.0", .port = 2222, .clients = 1, .messages = 1000000, .size = 32,
                       .seconds = 10};
static tr_tls_server *srv;

/* Messages are immutable zero bytes: one shared buffer, sliced per tick. */
static tr_buf *zeros;

static void emit(long due, void *arg) {
  tr_buf *b = tr_buf_slice(zeros, 0, (size_t)due * o.size);
  tr_tls_server_multicast_buf(srv, b);
  tr_buf_release(b);
}

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_parse(&o, argc, argv, usage);
  bench_block_signals();
  tr_tls_context *ctx = bench_tls_server_context(&files, NULL);
  if (!ctx)
    return 1;
  printf("Server port: %d\nWorking threads: %d\nMessages per second: %ld\nMessage size: %zu\n\n", o.port, o.threads,
         o.messages, o.size);
  fflush(stdout);
  tr_runtime *rt;
  if (bench_runtime_start(o.threads, &rt) != 0) {
    fprintf(stderr, "cannot start the runtime\n");
    return 1;
  }
  tr_tls_server_options so = {
      .tcp = {.address = "0.0.0.0",
              .port = o.port,
              .reuse_address = 1,
              .worker = -1,
              .socket = {.no_delay = 1, .send_limit = 1u << 20, .limit_policy = TR_STREAM_LIMIT_DROP}},
      .context = ctx,
  };
  int rc = tr_tls_server_new(rt, &so, &srv);
  tr_tls_context_release(ctx);
  if (rc == 0)
    rc = tr_tls_server_start(srv);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  size_t most = (size_t)(o.messages / 1000 + 1) * o.size;
  zeros = tr_buf_new(most);
  memset(tr_buf_mut(zeros), 0, most);
  bench_pacer pacer;
  if (bench_pacer_start(&pacer, o.messages, emit, NULL) != 0) {
    fprintf(stderr, "cannot start the producer\n");
    return 1;
  }
  bench_wait_signal();
  bench_pacer_stop(&pacer);
  tr_buf_release(zeros);
  tr_tls_server_free(srv);
  tr_runtime_free(rt);
  return 0;
}
