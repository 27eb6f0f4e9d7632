#include "ssl_sample_opts.h"

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

void ssl_sample_parse(ssl_sample_opts *o, int argc, char **argv, int server, const char *usage) {
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
      fputs(usage, stdout);
      exit(0);
    default:
      fputs(usage, stderr);
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
