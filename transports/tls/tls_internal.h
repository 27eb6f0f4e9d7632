/* Private pieces of the TLS transport: the context, the per-endpoint settings
 * every connection of a server or client shares, and the layer. */
#ifndef TROUPE_TLS_INTERNAL_H
#define TROUPE_TLS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

/* options.h first: it says how this wolfSSL was built. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "../tcp/tcp_internal.h"
#include "troupe/tls.h"

struct tr_tls_context {
  _Atomic long refs;
  WOLFSSL_CTX *ctx;
  int server;
  int verify_hostname;
  int tickets;
  char *server_name;
  char *alpn;
  char *password;
  tr_tls_password_fn password_cb;
  void *password_ctx;
};

/* What every connection of one server or client shares (st->layer_arg). Held
 * by the server or client and by each live connection. */
typedef struct tls_endpoint {
  _Atomic long refs;
  tr_tls_context *ctx;
  tr_tls_callbacks cb;
  uint64_t handshake_timeout_ms; /* 0 = none */
  char *host; /* clients: the address connected to */

  /* Clients (one connection at a time, on the client's worker): the session
   * to resume on the next connection. */
  WOLFSSL_SESSION *resume;

  /* Clients: tr_tls_client_connect_sync's waiter, completed by the handshake
   * or by the connection's end. */
  pthread_mutex_t mu;
  tr_future *waiter;
} tls_endpoint;

extern const tr__stream_layer tr__tls_layer;

/* The default suite order for this wolfSSL (see tls.h). */
#ifdef WOLFSSL_AESNI
#define TR__TLS_CIPHERS TR_TLS_DEFAULT_CIPHERS
#else
#define TR__TLS_CIPHERS TR_TLS_DEFAULT_CIPHERS_NO_AESNI
#endif

/* Fills the stream callbacks the TCP transport calls: on_connected there is
 * the end of the handshake. */
tr_stream_callbacks tr__tls_stream_callbacks(const tr_tls_callbacks *cb);

int tr__tls_endpoint_new(tr_tls_context *ctx, const tr_tls_callbacks *cb, int timeout_ms, const char *host,
                         tls_endpoint **out);
void tr__tls_endpoint_retain(tls_endpoint *ep);
void tr__tls_endpoint_release(tls_endpoint *ep);
/* Completes the connect_sync waiter, if any. */
void tr__tls_endpoint_settle(tls_endpoint *ep, int result);

/* Once per process. */
void tr__tls_init(void);
/* wolfSSL's reason text for code, into buf. */
const char *tr__tls_reason(int code, char *buf, size_t len);

#endif
