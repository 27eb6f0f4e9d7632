/* ref_uv_tls_echo_server: the bare reference for ssl_echo. One libuv loop,
 * no actors, no runtime: wolfSSL over the same memory I/O as troupe's layer
 * (uv_tls.c); plaintext of each read is echoed, and the ciphertext of the
 * read written once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ref_uv_tls_echo_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -h, --help           this help\n";

static WOLFSSL_CTX *ctx;

static void on_plain(uvtls_conn *c, const char *data, size_t len) {
  if (uvtls_write(c, data, len) != 0)
    uvtls_close(c, -1);
}

static void on_closed(uvtls_conn *c, int error) { free(c); }

static const uvtls_callbacks callbacks = {.on_plain = on_plain, .on_closed = on_closed};

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0)
    return;
  uvtls_conn *c = calloc(1, sizeof *c);
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  c->cb = &callbacks;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || uvtls_start(c, ctx, 1, &callbacks) != 0)
    uvtls_close(c, -1);
}

static void on_signal(uv_signal_t *h, int sig) { uv_stop(h->loop); }

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_opts o = {.address = "0.0.0.0", .port = 2222, .threads = 1, .clients = 1, .messages = 1, .size = 32,
                  .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  ctx = uvtls_context(1, &files);
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
