#include "sample_tls_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *in_dir(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (!p)
    exit(1);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* The client and the server take the same options but for --dh; what a
 * certificate is for differs with the side. */
static void usage(FILE *to, int server, const char *synopsis) {
  fprintf(to, "Usage: %s\n", synopsis);
  fputs("  -C, --certs DIR      certificate directory (default: build/certs, or $TROUPE_CERTS)\n", to);
  fputs(server ? "  -c, --cert FILE      certificate chain, may hold the key (default DIR/server.pem)\n"
               : "  -c, --cert FILE      client certificate chain, may hold the key (default DIR/client.pem)\n",
        to);
  fputs("  -k, --key FILE       private key (default: in the chain file)\n", to);
  fputs("  -P, --password PW    key password (default qwerty)\n", to);
  fputs(server ? "  -A, --ca FILE        CA that client certificates must come from (default DIR/ca.pem)\n"
               : "  -A, --ca FILE        CA to verify the server with (default DIR/ca.pem)\n",
        to);
  if (server)
    fputs("  -D, --dh FILE        Diffie-Hellman parameters (default DIR/dh.pem)\n", to);
}

void sample_tls_parse(sample_tls_opts *o, int argc, char **argv, int server, const char *synopsis) {
  const char *dir = getenv("TROUPE_CERTS");
  if (!dir)
    dir = TROUPE_DEFAULT_CERTS;
  memset(o, 0, sizeof *o);
  o->password = "qwerty";
  static const struct option longs[] = {
      {"certs", required_argument, NULL, 'C'}, {"cert", required_argument, NULL, 'c'},
      {"key", required_argument, NULL, 'k'},   {"password", required_argument, NULL, 'P'},
      {"ca", required_argument, NULL, 'A'},    {"dh", required_argument, NULL, 'D'},
      {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
  };
  const char *cert = NULL, *key = NULL, *ca = NULL, *dh = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "C:c:k:P:A:D:h", longs, NULL)) != -1) {
    switch (c) {
    case 'C': dir = optarg; break;
    case 'c': cert = optarg; break;
    case 'k': key = optarg; break;
    case 'P': o->password = optarg; break;
    case 'A': ca = optarg; break;
    case 'D': dh = optarg; break;
    case 'h':
      usage(stdout, server, synopsis);
      exit(0);
    default:
      usage(stderr, server, synopsis);
      exit(2);
    }
  }
  o->cert = cert ? cert : in_dir(dir, server ? "server.pem" : "client.pem");
  o->key = key;
  o->ca = ca ? ca : in_dir(dir, "ca.pem");
  o->dh = dh ? dh : (server ? in_dir(dir, "dh.pem") : NULL);
  o->args = argv + optind;
  o->nargs = argc - optind;
}

int sample_tls_context(const sample_tls_opts *o, int server, tr_tls_context **out) {
  tr_tls_context_options co = {
      .server = server,
      .cert_file = o->cert,
      .key_file = o->key,
      .password = o->password,
      .ca_file = o->ca,
      .dh_file = server ? o->dh : NULL,
      .verify = server ? TR_TLS_VERIFY_REQUIRE : TR_TLS_VERIFY_PEER,
  };
  char err[256];
  int rc = tr_tls_context_new(&co, out, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "cannot set up TLS: %s\n", err);
  return rc;
}
