/* tr_tls_context: one configured WOLFSSL_CTX, shared by servers and clients
 * and reference counted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls_internal.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_wolfssl(void) { wolfSSL_Init(); }

void tr__tls_init(void) { pthread_once(&init_once, init_wolfssl); }

const char *tr__tls_reason(int code, char *buf, size_t len) {
  /* wolfSSL names its own codes and wolfCrypt's; anything else is ours. */
  if (code <= TR_ERRNO_BASE) {
    snprintf(buf, len, "%s", tr_strerror(code));
    return buf;
  }
  wolfSSL_ERR_error_string_n((unsigned long)(long)code, buf, (unsigned long)len);
  return buf;
}

static char *dup_or_null(const char *s, int *failed) {
  if (!s)
    return NULL;
  char *d = strdup(s);
  if (!d)
    *failed = 1;
  return d;
}

/* wolfSSL asks for the key password through an OpenSSL-style callback. */
static int password_cb(char *buf, int size, int rwflag, void *userdata) {
  tr_tls_context *c = userdata;
  if (c->password_cb)
    return c->password_cb(buf, size, c->password_ctx);
  if (!c->password)
    return -1;
  int n = (int)strlen(c->password);
  if (n > size)
    return -1;
  memcpy(buf, c->password, (size_t)n);
  return n;
}

static WOLFSSL_METHOD *pick_method(int server, int min, int max) {
  if (max == TR_TLS_1_2)
    return server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
  if (min == TR_TLS_1_3)
    return server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
  return server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
}

static void fail_text(char *errbuf, size_t errlen, const char *what, const char *file, int code) {
  if (!errbuf || !errlen)
    return;
  char reason[WOLFSSL_MAX_ERROR_SZ];
  if (file && access(file, R_OK) != 0)
    snprintf(reason, sizeof reason, "%s", strerror(errno));
  else if (code == 0)
    snprintf(reason, sizeof reason, "rejected by wolfSSL");
  else
    tr__tls_reason(code, reason, sizeof reason);
  if (file)
    snprintf(errbuf, errlen, "%s %s: %s (%d)", what, file, reason, code);
  else
    snprintf(errbuf, errlen, "%s: %s (%d)", what, reason, code);
}

static void context_free(tr_tls_context *c) {
  if (c->ctx)
    wolfSSL_CTX_free(c->ctx);
  free(c->server_name);
  free(c->alpn);
  if (c->password) {
    /* A password should not outlive its use in freed memory. */
    memset(c->password, 0, strlen(c->password));
    free(c->password);
  }
  free(c);
}

/* wolfSSL reports failure as 0 or as a negative code. */
static int failure(int rc) { return rc < 0 ? rc : TR_EINVAL; }

/* Loads the files and settings into c->ctx; 0 or a negative code. */
static int configure(tr_tls_context *c, const tr_tls_context_options *o, char *errbuf, size_t errlen) {
  WOLFSSL_CTX *ctx = c->ctx;
  int rc;
  int min = o->min_version ? (int)o->min_version : TR_TLS_1_2;
  if (min == TR_TLS_1_2 && (rc = wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2)) != WOLFSSL_SUCCESS) {
    fail_text(errbuf, errlen, "minimum version", NULL, rc);
    return failure(rc);
  }
  if (o->password || o->password_cb) {
    wolfSSL_CTX_set_default_passwd_cb(ctx, password_cb);
    wolfSSL_CTX_set_default_passwd_cb_userdata(ctx, c);
  }
  if (o->cert_file) {
    rc = wolfSSL_CTX_use_certificate_chain_file(ctx, o->cert_file);
    if (rc != WOLFSSL_SUCCESS) {
      fail_text(errbuf, errlen, "certificate chain", o->cert_file, rc);
      return failure(rc);
    }
    const char *key = o->key_file ? o->key_file : o->cert_file;
    rc = wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM);
    if (rc != WOLFSSL_SUCCESS) {
      fail_text(errbuf, errlen, "private key (wrong password?)", key, rc);
      return failure(rc);
    }
    rc = wolfSSL_CTX_check_private_key(ctx);
    if (rc != WOLFSSL_SUCCESS) {
      fail_text(errbuf, errlen, "private key does not match the certificate", key, rc);
      return failure(rc);
    }
  }
  if (o->ca_file || o->ca_path) {
    rc = wolfSSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_path);
    if (rc != WOLFSSL_SUCCESS) {
      fail_text(errbuf, errlen, "CA", o->ca_file ? o->ca_file : o->ca_path, rc);
      return failure(rc);
    }
  }
  int mode;
  switch (o->verify) {
  case TR_TLS_VERIFY_NONE:
    mode = WOLFSSL_VERIFY_NONE;
    break;
  case TR_TLS_VERIFY_PEER:
    mode = WOLFSSL_VERIFY_PEER;
    break;
  case TR_TLS_VERIFY_REQUIRE:
    mode = WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    break;
  default:
    mode = o->server ? WOLFSSL_VERIFY_NONE : WOLFSSL_VERIFY_PEER;
    break;
  }
  wolfSSL_CTX_set_verify(ctx, mode, NULL);
  if (o->dh_file) {
    rc = wolfSSL_CTX_SetTmpDH_file(ctx, o->dh_file, WOLFSSL_FILETYPE_PEM);
    if (rc != WOLFSSL_SUCCESS) {
      fail_text(errbuf, errlen, "DH parameters", o->dh_file, rc);
      return failure(rc);
    }
  }
  rc = wolfSSL_CTX_set_cipher_list(ctx, o->ciphers ? o->ciphers : TR__TLS_CIPHERS);
  if (rc != WOLFSSL_SUCCESS) {
    fail_text(errbuf, errlen, "cipher list", o->ciphers, rc);
    return failure(rc);
  }
  if (o->no_session_tickets) {
    if (o->server) {
      wolfSSL_CTX_NoTicketTLSv12(ctx);
#ifdef WOLFSSL_TLS13
      wolfSSL_CTX_no_ticket_TLSv13(ctx);
#endif
    }
  } else if (!o->server) {
    wolfSSL_CTX_UseSessionTicket(ctx);
  }
  return 0;
}

int tr_tls_context_new(const tr_tls_context_options *o, tr_tls_context **out, char *errbuf, size_t errlen) {
  if (errbuf && errlen)
    errbuf[0] = 0;
  if (!out)
    return TR_EINVAL;
  *out = NULL;
  if (!o)
    return TR_EINVAL;
  int min = o->min_version ? (int)o->min_version : TR_TLS_1_2;
  int max = o->max_version ? (int)o->max_version : TR_TLS_1_3;
  if ((min != TR_TLS_1_2 && min != TR_TLS_1_3) || (max != TR_TLS_1_2 && max != TR_TLS_1_3) || min > max) {
    if (errbuf && errlen)
      snprintf(errbuf, errlen, "versions: TLS 1.2 and 1.3 only, min <= max");
    return TR_EINVAL;
  }
  tr__tls_init();
  tr_tls_context *c = calloc(1, sizeof *c);
  if (!c)
    return TR_ENOMEM;
  atomic_init(&c->refs, 1);
  c->server = !!o->server;
  c->verify_hostname = o->verify_hostname;
  c->tickets = !o->no_session_tickets;
  c->password_cb = o->password_cb;
  c->password_ctx = o->password_ctx;
  int nomem = 0;
  c->server_name = dup_or_null(o->server_name, &nomem);
  c->alpn = dup_or_null(o->alpn, &nomem);
  c->password = dup_or_null(o->password, &nomem);
  if (nomem) {
    context_free(c);
    return TR_ENOMEM;
  }
  c->ctx = wolfSSL_CTX_new(pick_method(c->server, min, max));
  if (!c->ctx) {
    if (errbuf && errlen)
      snprintf(errbuf, errlen, "wolfSSL_CTX_new failed");
    context_free(c);
    return TR_ENOMEM;
  }
  int rc = configure(c, o, errbuf, errlen);
  if (rc != 0) {
    context_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

tr_tls_context *tr_tls_context_retain(tr_tls_context *c) {
  if (c)
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
  return c;
}

void tr_tls_context_release(tr_tls_context *c) {
  if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
    context_free(c);
}
