/* What the TLS benchmark clients share on top of bench_clients: each client
 * object starts with its uvtls_conn, whose user is the client's bench_loop. */
#ifndef TROUPE_UV_TLS_CLIENT_H
#define TROUPE_UV_TLS_CLIENT_H

#include "bench_clients.h"
#include "uv_tls.h"

/* The TLS clients' start: takes the certificate options out of argv, parses
 * the rest, resolves -a/-p into addr (NULL, reported, when it cannot) and
 * returns the client context (uvtls_context exits if it cannot make one). */
WOLFSSL_CTX *uvtls_bench_clients_begin(int argc, char **argv, bench_opts *o, const char *usage,
                                       struct sockaddr_storage *addr);
/* In the connect callback: starts TLS, or counts the failure. */
void uvtls_bench_connected(uvtls_conn *c, bench_loop *l, uv_connect_t *req, int status, WOLFSSL_CTX *ctx,
                           const uvtls_callbacks *cb);
/* on_closed: a connection lost before -z is an error. */
void uvtls_bench_on_closed(uvtls_conn *c, int error);
/* bench_clients' close hook: a TLS connection ends with its close_notify. */
void uvtls_bench_close(bench_loop *l, uv_handle_t *h);

#endif
