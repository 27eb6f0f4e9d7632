/* The troupe TLS benchmark servers' context: TLS 1.3 with the identity and
 * DH parameters the references use too (uvtls_files). */
#ifndef TROUPE_TLS_SERVER_CONTEXT_H
#define TROUPE_TLS_SERVER_CONTEXT_H

#include "troupe/tls.h"
#include "uv_tls.h"

/* ciphers NULL: troupe's default order. NULL, reported on stderr, on failure. */
tr_tls_context *bench_tls_server_context(const uvtls_files *f, const char *ciphers);

#endif
