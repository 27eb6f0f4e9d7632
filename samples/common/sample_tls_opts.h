/* Command line of the TLS samples: the certificate files (defaulting to the
 * development set made by `./troupe setup` in build/certs, or $TROUPE_CERTS)
 * and the positional arguments each sample takes. */
#ifndef TROUPE_SAMPLE_TLS_OPTS_H
#define TROUPE_SAMPLE_TLS_OPTS_H

#include "troupe/tls.h"

typedef struct sample_tls_opts {
  const char *cert; /* chain (and key) */
  const char *key;  /* NULL: in cert */
  const char *password;
  const char *ca;
  const char *dh; /* servers */
  char **args;    /* what is left: address, port... */
  int nargs;
} sample_tls_opts;

/* server: 1 for the server's identity (server.pem), 0 for the client's
 * (client.pem). synopsis is the usage line after "Usage: ". Exits on -h or
 * a bad option. */
void sample_tls_parse(sample_tls_opts *o, int argc, char **argv, int server, const char *synopsis);

/* The context for those files: a server requires a client certificate from
 * the CA (mutual TLS, as in CppServer), a client verifies the server. Says
 * why on stderr when it fails. */
int sample_tls_context(const sample_tls_opts *o, int server, tr_tls_context **out);

#endif
