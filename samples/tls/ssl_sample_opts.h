/* Command line of the TLS samples: the certificate files (defaulting to the
 * development set made by `./troupe setup` in build/certs, or $TROUPE_CERTS)
 * and the positional arguments each sample takes. */
#ifndef TROUPE_SSL_SAMPLE_OPTS_H
#define TROUPE_SSL_SAMPLE_OPTS_H

typedef struct ssl_sample_opts {
  const char *cert;     /* chain (and key) */
  const char *key;      /* NULL: in cert */
  const char *password;
  const char *ca;
  const char *dh;       /* servers */
  char **args;          /* what is left: address, port... */
  int nargs;
} ssl_sample_opts;

/* server: 1 for the server's identity (server.pem), 0 for the client's
 * (client.pem). Exits on -h or a bad option. */
void ssl_sample_parse(ssl_sample_opts *o, int argc, char **argv, int server, const char *usage);

#endif
