/* Server context of ssl_echo_server and ssl_multicast_server. */
#include "tls_server_context.h"

#include <stdio.h>

tr_tls_context *bench_tls_server_context(const uvtls_files *f, const char *ciphers) {
  tr_tls_context_options co = {
      .server = 1,
      .cert_file = f->cert,
      .key_file = f->key,
      .password = f->password,
      .dh_file = f->dh,
      .min_version = TR_TLS_1_3,
      .ciphers = ciphers,
  };
  tr_tls_context *ctx;
  char err[256];
  if (tr_tls_context_new(&co, &ctx, err, sizeof err) != 0) {
    fprintf(stderr, "cannot set up TLS: %s\n", err);
    return NULL;
  }
  return ctx;
}
