/* ref_uv_tls_echo_server: the bare reference for ssl_echo. One libuv loop,
 * no actors, no runtime: wolfSSL over the same memory I/O as troupe's layer
 * (uv_tls.c); plaintext of each read is echoed, and the ciphertext of the
 * read written once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_uv_server.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ref_uv_tls_echo_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -h, --help           this help\n"
    UVTLS_FILES_USAGE;

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
  if (!c)
    return;
  c->cb = &callbacks; /* uvtls_close reports to it */
  if (bench_uv_accept(server, &c->tcp, c) != 0 || uvtls_start(c, ctx, 1, &callbacks) != 0)
    uvtls_close(c, -1);
}

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_opts o = {.address = "0.0.0.0", .port = 2222, .threads = 1, .clients = 1, .messages = 1, .size = 32,
                  .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  ctx = uvtls_context(1, &files);
  printf("Server port: %d\nWorking threads: 1\n\n", o.port);
  fflush(stdout);
  return bench_uv_serve(o.port, on_connection, NULL);
}
