/* The TLS layer on the stream core: one WOLFSSL per connection, driven by
 * custom I/O callbacks over memory. Ciphertext read from the socket is handed
 * to wolfSSL as it comes (copied only if some is left over), and what wolfSSL
 * writes goes straight into the core's wire buffer, which the core flushes
 * once per loop turn like any TCP output. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_internal.h"

/* The largest TLS record's plaintext: one wolfSSL_write per record. */
#define RECORD_MAX 16384
/* Plaintext decrypted in one read is gathered up to this much before it is
 * handed to on_received, so a burst of small records is one callback. */
#define PLAIN_BUF 65536

typedef struct tls_conn {
  tr__stream *st;
  tls_endpoint *ep;
  WOLFSSL *ssl;
  /* Ciphertext: the socket read being processed, then what was left over. */
  const char *in;
  size_t in_len;
  char *keep;
  size_t keep_off, keep_len, keep_cap;
  uv_timer_t timer;
  int handshaked;
  int told_connected; /* the user heard on_connected */
  int failed;         /* an error was reported: no close_notify */
} tls_conn;

static __thread char plain[PLAIN_BUF];

/* wolfSSL's receive callback: ciphertext from what the socket gave us. */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  tls_conn *c = ctx;
  size_t want = (size_t)sz, got = 0;
  if (c->keep_len) {
    size_t n = c->keep_len < want ? c->keep_len : want;
    memcpy(buf, c->keep + c->keep_off, n);
    c->keep_off += n;
    c->keep_len -= n;
    got = n;
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

/* wolfSSL's send callback: records go to the core's output buffer. */
static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  tls_conn *c = ctx;
  if (tr__stream_wire_append(c->st, buf, (size_t)sz) < 0)
    return WOLFSSL_CBIO_ERR_GENERAL;
  return sz;
}

static int is_client(const tls_conn *c) { return !c->ep->ctx->server; }

static void settle(tls_conn *c, int result) {
  if (is_client(c))
    tr__tls_endpoint_settle(c->ep, result);
}

/* Reports a TLS failure with wolfSSL's reason, then closes. */
static void tls_fail(tls_conn *c, int code) {
  tr__stream *st = c->st;
  int s = tr__stream_state(st);
  if (c->failed || (s != TR__ST_CONNECTED && s != TR__ST_CONNECTING))
    return;
  c->failed = 1;
  char reason[160];
  if (code == TR_ETIMEDOUT) {
    snprintf(reason, sizeof reason, "handshake timed out after %llu ms",
             (unsigned long long)c->ep->handshake_timeout_ms);
  } else {
    tr__tls_reason(code, reason, sizeof reason);
#ifdef OPENSSL_EXTRA
    /* A peer's fatal alert says more than "received alert fatal error". */
    WOLFSSL_ALERT_HISTORY h;
    if (code == FATAL_ERROR && wolfSSL_get_alert_history(c->ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code > 0) {
      size_t n = strlen(reason);
      const char *desc = wolfSSL_alert_desc_string_long(h.last_rx.code);
      if (desc)
        snprintf(reason + n, sizeof reason - n, ": %s", desc);
      else
        snprintf(reason + n, sizeof reason - n, ": alert %d%s", h.last_rx.code,
                 h.last_rx.code == 116 ? " (certificate required)" : "");
    }
#endif
  }
  settle(c, code);
  if (st->cb.on_error)
    st->cb.on_error(tr__stream_handle(st), st->user, code, "tls", reason);
  tr__stream_close(st);
}

static void on_timeout(uv_timer_t *t) {
  tls_conn *c = t->data;
  if (!c->handshaked)
    tls_fail(c, TR_ETIMEDOUT);
}

static int tls_attach(tr__stream *st) {
  tls_endpoint *ep = st->layer_arg;
  tls_conn *c = calloc(1, sizeof *c);
  if (!c)
    return TR_ENOMEM;
  c->st = st;
  c->ep = ep;
  c->ssl = wolfSSL_new(ep->ctx->ctx);
  if (!c->ssl) {
    free(c);
    return TR_ENOMEM;
  }
  wolfSSL_SSLSetIORecv(c->ssl, io_recv);
  wolfSSL_SSLSetIOSend(c->ssl, io_send);
  wolfSSL_SetIOReadCtx(c->ssl, c);
  wolfSSL_SetIOWriteCtx(c->ssl, c);
  tr_tls_context *cx = ep->ctx;
  int rc = WOLFSSL_SUCCESS;
  if (is_client(c)) {
    /* SNI and the name checked: the configured one, or the host dialled
     * unless it is a numeric address (SNI carries names only). */
    const char *name = cx->server_name;
    if (!name && ep->host) {
      unsigned char tmp[16];
      if (inet_pton(AF_INET, ep->host, tmp) != 1 && inet_pton(AF_INET6, ep->host, tmp) != 1)
        name = ep->host;
    }
    if (name)
      rc = wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, name, (unsigned short)strlen(name));
    if (rc == WOLFSSL_SUCCESS && cx->verify_hostname)
      rc = wolfSSL_check_domain_name(c->ssl, name ? name : ep->host);
    if (rc == WOLFSSL_SUCCESS && ep->resume && cx->tickets)
      wolfSSL_set_session(c->ssl, ep->resume); /* a stale one just means a full handshake */
  }
  if (rc == WOLFSSL_SUCCESS && cx->alpn)
    rc = wolfSSL_UseALPN(c->ssl, cx->alpn, (unsigned)strlen(cx->alpn), WOLFSSL_ALPN_FAILED_ON_MISMATCH);
  if (rc != WOLFSSL_SUCCESS) {
    wolfSSL_free(c->ssl);
    free(c);
    return TR_EINVAL;
  }
  uv_timer_init(st->loop, &c->timer);
  c->timer.data = c;
  tr__tls_endpoint_retain(ep);
  st->layer_ctx = c;
  return 0;
}

static void conn_free(uv_handle_t *h) { free(h->data); }

static void tls_detach(tr__stream *st) {
  tls_conn *c = st->layer_ctx;
  if (!c)
    return;
  /* The core announces on_disconnected only for handshaked streams; one that
   * heard on_connected hears its end here. */
  if (!c->handshaked) {
    settle(c, TR_ECLOSED);
    if (c->told_connected && c->ep->cb.on_disconnected)
      c->ep->cb.on_disconnected(tr__stream_handle(st), st->user);
  }
  wolfSSL_free(c->ssl);
  c->ssl = NULL;
  free(c->keep);
  tr__tls_endpoint_release(c->ep);
  c->ep = NULL;
  st->layer_ctx = NULL;
  uv_close((uv_handle_t *)&c->timer, conn_free);
}

static int handshake(tls_conn *c);
static void read_records(tls_conn *c);

static int tls_open(tr__stream *st) {
  tls_conn *c = st->layer_ctx;
  c->told_connected = 1;
  if (c->ep->cb.on_connected)
    c->ep->cb.on_connected(tr__stream_handle(st), st->user);
  if (tr__stream_state(st) != TR__ST_CONNECTING)
    return 0; /* the user disconnected */
  if (c->ep->handshake_timeout_ms)
    uv_timer_start(&c->timer, on_timeout, c->ep->handshake_timeout_ms, 0);
  /* A client speaks first; a server waits for the ClientHello. */
  if (is_client(c))
    handshake(c);
  return 0;
}

/* Advances the handshake; 1 once it is done and the stream is ready. */
static int handshake(tls_conn *c) {
  int r = is_client(c) ? wolfSSL_connect(c->ssl) : wolfSSL_accept(c->ssl);
  if (r != WOLFSSL_SUCCESS) {
    int e = wolfSSL_get_error(c->ssl, r);
    if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_WANT_WRITE)
      tls_fail(c, e);
    return 0;
  }
  c->handshaked = 1;
  uv_timer_stop(&c->timer);
  tr__stream_ready(c->st);
  /* After on_handshaked, so connect_sync returns to a connected client. */
  settle(c, 0);
  return tr__stream_state(c->st) == TR__ST_CONNECTED;
}

static void deliver(tls_conn *c, size_t n) {
  if (n)
    tr__stream_deliver(c->st, plain, n);
}

static void read_records(tls_conn *c) {
  tr__stream *st = c->st;
  size_t got = 0;
  while (tr__stream_state(st) == TR__ST_CONNECTED) {
    int n = wolfSSL_read(c->ssl, plain + got, (int)(PLAIN_BUF - got));
    if (n > 0) {
      got += (size_t)n;
      if (got == PLAIN_BUF) {
        deliver(c, got);
        got = 0;
      }
      continue;
    }
    int e = wolfSSL_get_error(c->ssl, n);
    deliver(c, got);
    got = 0;
    if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
      break;
    if (e == WOLFSSL_ERROR_ZERO_RETURN) {
      /* The peer's close_notify: answer it and close. */
      tr__stream_close(st);
      break;
    }
    tls_fail(c, e);
    break;
  }
  deliver(c, got);
}

/* Ciphertext that wolfSSL has not taken yet outlives the socket's buffer. */
static int keep_rest(tls_conn *c) {
  if (!c->in_len)
    return 0;
  if (c->keep_off) {
    memmove(c->keep, c->keep + c->keep_off, c->keep_len);
    c->keep_off = 0;
  }
  if (c->keep_cap - c->keep_len < c->in_len) {
    size_t cap = c->keep_len + c->in_len;
    char *p = realloc(c->keep, cap);
    if (!p)
      return TR_ENOMEM;
    c->keep = p;
    c->keep_cap = cap;
  }
  memcpy(c->keep + c->keep_len, c->in, c->in_len);
  c->keep_len += c->in_len;
  c->in_len = 0;
  return 0;
}

static int tls_read(tr__stream *st, const char *data, size_t len) {
  tls_conn *c = st->layer_ctx;
  c->in = data;
  c->in_len = len;
  if (c->handshaked || handshake(c))
    read_records(c);
  int s = tr__stream_state(st);
  int rc = 0;
  if (s == TR__ST_CONNECTED || s == TR__ST_CONNECTING)
    rc = keep_rest(c);
  c->in = NULL;
  c->in_len = 0;
  if (!c->keep_len)
    c->keep_off = 0;
  return rc;
}

static long tls_write(tr__stream *st, const char *data, size_t len) {
  tls_conn *c = st->layer_ctx;
  if (!c->handshaked)
    return 0; /* kept until the handshake is done */
  if (c->failed)
    return TR_ECLOSED;
  int n = len < RECORD_MAX ? (int)len : RECORD_MAX;
  int r = wolfSSL_write(c->ssl, data, n);
  if (r > 0)
    return r;
  int e = wolfSSL_get_error(c->ssl, r);
  if (e == WOLFSSL_ERROR_WANT_WRITE)
    return 0;
  tls_fail(c, e);
  return e < 0 ? e : TR_EPROTO;
}

static void tls_close(tr__stream *st) {
  tls_conn *c = st->layer_ctx;
  uv_timer_stop(&c->timer);
  if (!c->handshaked || c->failed) {
    /* A failed handshake's alert is already in the wire buffer. */
    return;
  }
  if (is_client(c) && c->ep->ctx->tickets) {
    WOLFSSL_SESSION *s = wolfSSL_get1_session(c->ssl);
    if (s) {
      if (c->ep->resume)
        wolfSSL_SESSION_free(c->ep->resume);
      c->ep->resume = s;
    }
  }
  wolfSSL_shutdown(c->ssl);
}

const tr__stream_layer tr__tls_layer = {
    .name = "tls",
    .attach = tls_attach,
    .detach = tls_detach,
    .on_open = tls_open,
    .on_read = tls_read,
    .on_write = tls_write,
    .on_close = tls_close,
};

tr_stream_callbacks tr__tls_stream_callbacks(const tr_tls_callbacks *cb) {
  return (tr_stream_callbacks){
      .on_connected = cb->on_handshaked,
      .on_disconnected = cb->on_disconnected,
      .on_received = cb->on_received,
      .on_sent = cb->on_sent,
      .on_empty = cb->on_empty,
      .on_error = cb->on_error,
  };
}

int tr_tls_stream_info(tr_stream *s, tr_tls_info *out) {
  if (!s || !out)
    return TR_EINVAL;
  tr__stream *st = tr__stream_of(s);
  if (st->layer != &tr__tls_layer)
    return TR_EINVAL;
  if (!tr_worker_is_current(tr_stream_worker(s)))
    return TR_EDEADLK;
  tls_conn *c = st->layer_ctx;
  if (!c || !c->handshaked)
    return TR_ESTATE;
  memset(out, 0, sizeof *out);
  out->version = wolfSSL_get_version(c->ssl);
  out->cipher = wolfSSL_get_cipher_name(c->ssl);
  char *proto = NULL;
  unsigned short plen = 0;
  if (wolfSSL_ALPN_GetProtocol(c->ssl, &proto, &plen) == WOLFSSL_SUCCESS && proto) {
    out->alpn = proto;
    out->alpn_len = plen;
  }
  out->resumed = wolfSSL_session_reused(c->ssl);
  WOLFSSL_X509 *peer = wolfSSL_get_peer_certificate(c->ssl);
  out->peer_certificate = peer != NULL;
  if (peer)
    wolfSSL_X509_free(peer);
  return 0;
}
