/* The TLS benchmark clients' connect, close and loss accounting. */
#include "uv_tls_client.h"

WOLFSSL_CTX *uvtls_bench_clients_begin(int argc, char **argv, bench_opts *o, const char *usage,
                                       struct sockaddr_storage *addr) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_parse(o, argc, argv, usage);
  if (bench_tcp_clients_begin(o, addr) != 0)
    return NULL;
  return uvtls_context(0, &files);
}

void uvtls_bench_connected(uvtls_conn *c, bench_loop *l, uv_connect_t *req, int status, WOLFSSL_CTX *ctx,
                           const uvtls_callbacks *cb) {
  if (!bench_tcp_connected(l, req, status))
    return;
  if (uvtls_start(c, ctx, 0, cb) != 0) {
    l->errors++;
    uvtls_close(c, -1);
  }
}

void uvtls_bench_on_closed(uvtls_conn *c, int error) {
  bench_loop *l = c->user;
  if (!l->stopping)
    l->errors++;
}

void uvtls_bench_close(bench_loop *l, uv_handle_t *h) {
  uvtls_conn *c = h->data;
  if (c && c->ssl)
    uvtls_close(c, 0);
  else if (!uv_is_closing(h))
    uv_close(h, NULL);
}
