/* A TLS connection written directly on libuv and wolfSSL, no troupe: what the
 * benchmark clients and the bare reference server (ref_uv_tls_echo_server)
 * are made of, so the clients are not what limits a figure and the reference
 * shows what the same work costs without actors.
 *
 * Same I/O scheme as troupe's TLS layer: wolfSSL over memory callbacks, the
 * ciphertext of one loop callback gathered and written once (uv_try_write,
 * then uv_write for the rest), plaintext written as 16 KiB records. */
#ifndef TROUPE_UV_TLS_H
#define TROUPE_UV_TLS_H

#include <stddef.h>
#include <uv.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

typedef struct uvtls_conn uvtls_conn;

typedef struct uvtls_callbacks {
  void (*on_handshaked)(uvtls_conn *c);
  void (*on_plain)(uvtls_conn *c, const char *data, size_t len);
  /* After the handle closed; error is 0 for an orderly end. c may be freed. */
  void (*on_closed)(uvtls_conn *c, int error);
} uvtls_callbacks;

struct uvtls_conn {
  uv_tcp_t tcp;
  WOLFSSL *ssl;
  const uvtls_callbacks *cb;
  void *user;
  int server, handshaked, closing, error;
  const char *in;
  size_t in_len;
  char *keep;
  size_t keep_len, keep_cap;
  char *out;
  size_t out_len, out_cap;
  int writing;
};

/* Where the certificates are: --certs DIR, --cert, --key, --password, --ca,
 * --dh, taken out of argv (the rest is left for bench_parse). Defaults: the
 * development set in build/certs (or $TROUPE_CERTS). */
typedef struct uvtls_files {
  char *cert, *key, *password, *ca, *dh;
} uvtls_files;
void uvtls_take_file_args(int *argc, char **argv, uvtls_files *f);
/* Certificate options every TLS benchmark program takes (see uvtls_take_file_args). */
#define UVTLS_FILES_USAGE \
  "      --certs DIR      certificate directory (default: build/certs, or $TROUPE_CERTS)\n" \
  "      --cert FILE      certificate chain (default DIR/server.pem)\n" \
  "      --key FILE       private key (default: in the chain file)\n" \
  "      --password PW    key password (default qwerty)\n" \
  "      --ca FILE        CA (default DIR/ca.pem)\n" \
  "      --dh FILE        DH parameters (default DIR/dh.pem)\n"

/* A TLS 1.3 context: a server one with the identity and DH, or a client one
 * verifying the server with the CA. Exits with a message on failure. */
WOLFSSL_CTX *uvtls_context(int server, const uvtls_files *f);

/* After uv_tcp_init + connect/accept: attaches TLS and starts reading; a
 * client sends its ClientHello. 0 or negative. */
int uvtls_start(uvtls_conn *c, WOLFSSL_CTX *ctx, int server, const uvtls_callbacks *cb);
/* Encrypts plaintext into the output (write out with uvtls_flush). */
int uvtls_write(uvtls_conn *c, const void *data, size_t len);
/* Writes out the gathered ciphertext. */
void uvtls_flush(uvtls_conn *c);
void uvtls_close(uvtls_conn *c, int error);

#endif
