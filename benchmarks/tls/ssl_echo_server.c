/* ssl_echo_server: echoes every byte as it arrives, inside TLS 1.3
 * (CppServer's ssl_echo_server). Runs until SIGINT/SIGTERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_runtime.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"
#include "tls_server_context.h"

static const char usage[] =
    "Usage: ssl_echo_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      worker threads (default: number of cores)\n"
    "  -h, --help           this help\n"
    UVTLS_FILES_USAGE;

static void on_received(tr_stream *s, void *user, const void *data, size_t size) { tr_stream_send(s, data, size); }
static void on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  fprintf(stderr, "session error %d (%s): %s\n", code, category, message);
}

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_opts o = {.address = "0.0.0.0", .port = 2222, .clients = 1, .messages = 1, .size = 32, .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  bench_block_signals();
  /* Unset: troupe's default cipher order. */
  tr_tls_context *ctx = bench_tls_server_context(&files, getenv("TROUPE_TLS_CIPHERS"));
  if (!ctx)
    return 1;
  printf("Server port: %d\nWorking threads: %d\n\n", o.port, o.threads);
  tr_runtime *rt;
  if (bench_runtime_start(o.threads, &rt) != 0) {
    fprintf(stderr, "cannot start the runtime\n");
    return 1;
  }
  tr_tls_server_options so = {
      .tcp = {.address = "0.0.0.0", .port = o.port, .reuse_address = 1, .worker = -1, .socket = {.no_delay = 1}},
      .context = ctx,
      .session = {.on_received = on_received, .on_error = on_error},
  };
  tr_tls_server *srv;
  int rc = tr_tls_server_new(rt, &so, &srv);
  tr_tls_context_release(ctx);
  if (rc == 0)
    rc = tr_tls_server_start(srv);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Server started on port %d\n", tr_tls_server_port(srv));
  fflush(stdout);
  bench_wait_signal();
  printf("Server stopping...\n");
  tr_tls_server_stop(srv);
  tr_tls_server_free(srv);
  tr_runtime_free(rt);
  return 0;
}
