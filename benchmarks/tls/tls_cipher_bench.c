/* tls_cipher_bench: which TLS 1.3 suite is fastest with this wolfSSL build.
 * A client and a server WOLFSSL talk through memory in one thread; for each
 * suite, records of a given size are written by one side and read by the
 * other for about a second (so the figure is encrypt + decrypt per byte).
 * troupe's default suite order (TR_TLS_DEFAULT_CIPHERS) comes from this.
 *
 * usage: tls_cipher_bench CERTS_DIR [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

typedef struct pipe_buf {
  char *data;
  size_t len, off, cap;
} pipe_buf;

typedef struct end {
  pipe_buf *in, *out;
} end;

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  pipe_buf *p = ((end *)ctx)->in;
  size_t avail = p->len - p->off;
  if (!avail)
    return WOLFSSL_CBIO_ERR_WANT_READ;
  size_t n = avail < (size_t)sz ? avail : (size_t)sz;
  memcpy(buf, p->data + p->off, n);
  p->off += n;
  if (p->off == p->len)
    p->off = p->len = 0;
  return (int)n;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  pipe_buf *p = ((end *)ctx)->out;
  if (p->cap - p->len < (size_t)sz) {
    p->cap = (p->len + (size_t)sz) * 2;
    p->data = realloc(p->data, p->cap);
  }
  memcpy(p->data + p->len, buf, (size_t)sz);
  p->len += (size_t)sz;
  return sz;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int password_cb(char *buf, int size, int rw, void *u) {
  strcpy(buf, "qwerty");
  return 6;
}

/* MB/s of plaintext through one suite with records of `size` bytes. */
static double measure(const char *dir, const char *suite, size_t size, double seconds) {
  char cert[512], ca[512];
  snprintf(cert, sizeof cert, "%s/server.pem", dir);
  snprintf(ca, sizeof ca, "%s/ca.pem", dir);
  WOLFSSL_CTX *sctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
  WOLFSSL_CTX *cctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
  wolfSSL_CTX_set_default_passwd_cb(sctx, password_cb);
  if (wolfSSL_CTX_use_certificate_chain_file(sctx, cert) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_use_PrivateKey_file(sctx, cert, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_load_verify_locations(cctx, ca, NULL) != WOLFSSL_SUCCESS) {
    fprintf(stderr, "cannot load %s\n", cert);
    exit(1);
  }
  if (wolfSSL_CTX_set_cipher_list(sctx, suite) != WOLFSSL_SUCCESS ||
      wolfSSL_CTX_set_cipher_list(cctx, suite) != WOLFSSL_SUCCESS)
    return -1;
  wolfSSL_CTX_SetIORecv(sctx, io_recv);
  wolfSSL_CTX_SetIOSend(sctx, io_send);
  wolfSSL_CTX_SetIORecv(cctx, io_recv);
  wolfSSL_CTX_SetIOSend(cctx, io_send);
  pipe_buf c2s = {0}, s2c = {0};
  end ce = {&s2c, &c2s}, se = {&c2s, &s2c};
  WOLFSSL *c = wolfSSL_new(cctx), *s = wolfSSL_new(sctx);
  wolfSSL_SetIOReadCtx(c, &ce);
  wolfSSL_SetIOWriteCtx(c, &ce);
  wolfSSL_SetIOReadCtx(s, &se);
  wolfSSL_SetIOWriteCtx(s, &se);
  int cdone = 0, sdone = 0;
  for (int i = 0; i < 20 && !(cdone && sdone); i++) {
    if (!cdone)
      cdone = wolfSSL_connect(c) == WOLFSSL_SUCCESS;
    if (!sdone)
      sdone = wolfSSL_accept(s) == WOLFSSL_SUCCESS;
  }
  if (!cdone || !sdone)
    return -1;
  char *buf = calloc(1, size), *rbuf = malloc(size);
  size_t bytes = 0;
  double t0 = now_s(), t;
  do {
    for (int k = 0; k < 64; k++) {
      wolfSSL_write(c, buf, (int)size);
      size_t got = 0;
      while (got < size) {
        int n = wolfSSL_read(s, rbuf, (int)size);
        if (n <= 0)
          break;
        got += (size_t)n;
      }
      bytes += got;
    }
    t = now_s();
  } while (t - t0 < seconds);
  free(buf);
  free(rbuf);
  wolfSSL_free(c);
  wolfSSL_free(s);
  wolfSSL_CTX_free(cctx);
  wolfSSL_CTX_free(sctx);
  free(c2s.data);
  free(s2c.data);
  return (double)bytes / (t - t0) / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tls_cipher_bench CERTS_DIR [seconds]\n");
    return 2;
  }
  double seconds = argc > 2 ? atof(argv[2]) : 1.0;
  wolfSSL_Init();
  static const char *suites[] = {"TLS13-AES128-GCM-SHA256", "TLS13-AES256-GCM-SHA384",
                                 "TLS13-CHACHA20-POLY1305-SHA256"};
  static const size_t sizes[] = {16384, 1024, 32};
  printf("%-32s %12s %12s %12s\n", "suite (MB/s, encrypt+decrypt)", "16 KiB", "1 KiB", "32 B");
  for (int i = 0; i < 3; i++) {
    printf("%-32s", suites[i]);
    for (int j = 0; j < 3; j++)
      printf(" %12.0f", measure(argv[1], suites[i], sizes[j], seconds));
    printf("\n");
  }
  return 0;
}
