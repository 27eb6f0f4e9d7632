/* ssl_echo_server: echoes every byte as it arrives, inside TLS 1.3
 * (CppServer's ssl_echo_server). Runs until SIGINT/SIGTERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ssl_echo_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      worker threads (default: number of cores)\n"
    "  -h, --help           this help\n";

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
  tr_tls_context_options co = {
      .server = 1,
      .cert_file = files.cert,
      .key_file = files.key,
      .password = files.password,
      .dh_file = files.dh,
      .min_version = TR_TLS_1_3,
      .ciphers = getenv("TROUPE_TLS_CIPHERS"), /* NULL: troupe's default */
  };
  tr_tls_context *ctx;
  char err[256];
  if (tr_tls_context_new(&co, &ctx, err, sizeof err) != 0) {
    fprintf(stderr, "cannot set up TLS: %s\n", err);
    return 1;
  }
  printf("Server port: %d\nWorking threads: %d\n\n", o.port, o.threads);
  tr_runtime *rt;
  tr_runtime_options ro = {.workers = (unsigned)o.threads};
  if (tr_runtime_new(&rt, &ro) != 0 || tr_runtime_start(rt) != 0) {
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
