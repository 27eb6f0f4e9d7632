#include "uv_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troupe/tls.h" /* the default suites only: same choice as troupe */

#ifdef WOLFSSL_AESNI
#define CIPHERS TR_TLS_DEFAULT_CIPHERS
#else
#define CIPHERS TR_TLS_DEFAULT_CIPHERS_NO_AESNI
#endif

#define RECORD_MAX 16384
#define PLAIN_BUF 65536

static char *in_dir(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

void uvtls_take_file_args(int *argc, char **argv, uvtls_files *f) {
  const char *dir = getenv("TROUPE_CERTS");
  if (!dir)
    dir = TROUPE_DEFAULT_CERTS;
  memset(f, 0, sizeof *f);
  static const char *names[] = {"--certs", "--cert", "--key", "--password", "--ca", "--dh"};
  char *vals[6] = {0};
  int out = 1;
  for (int i = 1; i < *argc; i++) {
    int k = -1;
    for (int j = 0; j < 6; j++)
      if (!strcmp(argv[i], names[j]))
        k = j;
    if (k >= 0 && i + 1 < *argc) {
      vals[k] = argv[++i];
      continue;
    }
    argv[out++] = argv[i];
  }
  argv[out] = NULL;
  *argc = out;
  if (vals[0])
    dir = vals[0];
  f->cert = vals[1] ? vals[1] : in_dir(dir, "server.pem");
  f->key = vals[2];
  f->password = vals[3] ? vals[3] : "qwerty";
  f->ca = vals[4] ? vals[4] : in_dir(dir, "ca.pem");
  f->dh = vals[5] ? vals[5] : in_dir(dir, "dh.pem");
}

static int password_cb(char *buf, int size, int rw, void *user) {
  const char *pw = user;
  int n = (int)strlen(pw);
  if (n > size)
    return -1;
  memcpy(buf, pw, (size_t)n);
  return n;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx);
static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx);

WOLFSSL_CTX *uvtls_context(int server, const uvtls_files *f) {
  static int inited;
  if (!inited) {
    wolfSSL_Init();
    inited = 1;
  }
  WOLFSSL_CTX *ctx = wolfSSL_CTX_new(server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method());
  int ok = ctx != NULL;
  if (ok && server) {
    wolfSSL_CTX_set_default_passwd_cb(ctx, password_cb);
    wolfSSL_CTX_set_default_passwd_cb_userdata(ctx, f->password);
    ok = wolfSSL_CTX_use_certificate_chain_file(ctx, f->cert) == WOLFSSL_SUCCESS &&
         wolfSSL_CTX_use_PrivateKey_file(ctx, f->key ? f->key : f->cert, WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS;
  }
  if (ok && !server)
    ok = wolfSSL_CTX_load_verify_locations(ctx, f->ca, NULL) == WOLFSSL_SUCCESS;
  if (ok)
    ok = wolfSSL_CTX_set_cipher_list(ctx, CIPHERS) == WOLFSSL_SUCCESS;
  if (!ok) {
    fprintf(stderr, "cannot set up TLS from %s / %s\n", server ? f->cert : f->ca, f->password);
    exit(1);
  }
  wolfSSL_CTX_set_verify(ctx, server ? WOLFSSL_VERIFY_NONE : WOLFSSL_VERIFY_PEER, NULL);
  wolfSSL_CTX_SetIORecv(ctx, io_recv);
  wolfSSL_CTX_SetIOSend(ctx, io_send);
  return ctx;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  uvtls_conn *c = ctx;
  size_t want = (size_t)sz, got = 0;
  if (c->keep_len) {
    got = c->keep_len < want ? c->keep_len : want;
    memcpy(buf, c->keep, got);
    memmove(c->keep, c->keep + got, c->keep_len - got);
    c->keep_len -= got;
  }
  if (got < want && c->in_len) {
    size_t n = c->in_len < want - got ? c->in_len : want - got;
    memcpy(buf + got, c->in, n);
    c->in += n;
    c->in_len -= n;
    got += n;
  }
  return got ? (int)got : WOLFSSL_CBIO_ERR_WANT_READ;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  uvtls_conn *c = ctx;
  if (c->out_cap - c->out_len < (size_t)sz) {
    size_t cap = c->out_cap ? c->out_cap : 65536;
    while (cap - c->out_len < (size_t)sz)
      cap *= 2;
    char *p = realloc(c->out, cap);
    if (!p)
      return WOLFSSL_CBIO_ERR_GENERAL;
    c->out = p;
    c->out_cap = cap;
  }
  memcpy(c->out + c->out_len, buf, (size_t)sz);
  c->out_len += (size_t)sz;
  return sz;
}

static void closed_cb(uv_handle_t *h) {
  uvtls_conn *c = h->data;
  wolfSSL_free(c->ssl);
  c->ssl = NULL;
  free(c->out);
  free(c->keep);
  c->out = c->keep = NULL;
  if (c->cb->on_closed)
    c->cb->on_closed(c, c->error);
}

void uvtls_close(uvtls_conn *c, int error) {
  if (c->closing)
    return;
  c->closing = 1;
  c->error = error;
  uv_close((uv_handle_t *)&c->tcp, closed_cb);
}

typedef struct wreq {
  uv_write_t req;
  uvtls_conn *c;
  char *data;
} wreq;

static void write_cb(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  uvtls_conn *c = w->c;
  free(w->data);
  free(w);
  c->writing = 0;
  if (status < 0) {
    uvtls_close(c, status);
    return;
  }
  uvtls_flush(c);
}

void uvtls_flush(uvtls_conn *c) {
  if (c->writing || c->closing || !c->out_len)
    return;
  uv_buf_t b = uv_buf_init(c->out, (unsigned)c->out_len);
  int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
  if (n == UV_EAGAIN)
    n = 0;
  if (n < 0) {
    uvtls_close(c, n);
    return;
  }
  if ((size_t)n == c->out_len) {
    c->out_len = 0;
    return;
  }
  /* Hand the rest over and start a fresh output buffer meanwhile. */
  wreq *w = malloc(sizeof *w);
  w->c = c;
  w->data = c->out;
  b = uv_buf_init(c->out + n, (unsigned)(c->out_len - (size_t)n));
  c->out = NULL;
  c->out_len = c->out_cap = 0;
  c->writing = 1;
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb) != 0) {
    free(w->data);
    free(w);
    c->writing = 0;
    uvtls_close(c, -1);
  }
}

int uvtls_write(uvtls_conn *c, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    int n = len < RECORD_MAX ? (int)len : RECORD_MAX;
    int r = wolfSSL_write(c->ssl, p, n);
    if (r <= 0)
      return -1;
    p += r;
    len -= (size_t)r;
  }
  return 0;
}

static __thread char plain[PLAIN_BUF];

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  static __thread char rbuf[1 << 16];
  *buf = uv_buf_init(rbuf, sizeof rbuf);
}

static int handshake(uvtls_conn *c) {
  int r = c->server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
  if (r == WOLFSSL_SUCCESS) {
    c->handshaked = 1;
    if (c->cb->on_handshaked)
      c->cb->on_handshaked(c);
    return 1;
  }
  int e = wolfSSL_get_error(c->ssl, r);
  if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_WANT_WRITE) {
    char msg[80];
    wolfSSL_ERR_error_string_n((unsigned long)(long)e, msg, sizeof msg);
    fprintf(stderr, "handshake: %d %s\n", e, msg);
    uvtls_close(c, e);
  }
  return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  uvtls_conn *c = s->data;
  if (nread < 0) {
    uvtls_close(c, nread == UV_EOF ? 0 : (int)nread);
    return;
  }
  if (nread == 0 || c->closing)
    return;
  c->in = buf->base;
  c->in_len = (size_t)nread;
  if (c->handshaked || handshake(c)) {
    size_t got = 0;
    while (!c->closing) {
      int n = wolfSSL_read(c->ssl, plain + got, (int)(PLAIN_BUF - got));
      if (n > 0) {
        got += (size_t)n;
        if (got == PLAIN_BUF) {
          c->cb->on_plain(c, plain, got);
          got = 0;
        }
        continue;
      }
      int e = wolfSSL_get_error(c->ssl, n);
      if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_WANT_WRITE)
        uvtls_close(c, e == WOLFSSL_ERROR_ZERO_RETURN ? 0 : e);
      break;
    }
    if (got && !c->closing)
      c->cb->on_plain(c, plain, got);
  }
  if (c->in_len && !c->closing) {
    if (c->keep_cap - c->keep_len < c->in_len) {
      c->keep_cap = c->keep_len + c->in_len;
      c->keep = realloc(c->keep, c->keep_cap);
    }
    memcpy(c->keep + c->keep_len, c->in, c->in_len);
    c->keep_len += c->in_len;
  }
  c->in_len = 0;
  uvtls_flush(c);
}

int uvtls_start(uvtls_conn *c, WOLFSSL_CTX *ctx, int server, const uvtls_callbacks *cb) {
  c->cb = cb;
  c->server = server;
  c->tcp.data = c;
  c->ssl = wolfSSL_new(ctx);
  if (!c->ssl)
    return -1;
  wolfSSL_SetIOReadCtx(c->ssl, c);
  wolfSSL_SetIOWriteCtx(c->ssl, c);
  uv_tcp_nodelay(&c->tcp, 1);
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
    return -1;
  if (!server) {
    handshake(c);
    uvtls_flush(c);
  }
  return 0;
}
