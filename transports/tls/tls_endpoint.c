/* The settings every connection of one TLS server or client shares. */
#include <stdlib.h>
#include <string.h>

#include "tls_internal.h"

int tr__tls_endpoint_new(tr_tls_context *ctx, const tr_tls_callbacks *cb, int timeout_ms, const char *host,
                         tls_endpoint **out) {
  tls_endpoint *ep = calloc(1, sizeof *ep);
  if (!ep)
    return TR_ENOMEM;
  if (host && !(ep->host = strdup(host))) {
    free(ep);
    return TR_ENOMEM;
  }
  atomic_init(&ep->refs, 1);
  ep->ctx = tr_tls_context_retain(ctx);
  ep->cb = *cb;
  ep->handshake_timeout_ms =
      timeout_ms < 0 ? 0 : (uint64_t)(timeout_ms ? timeout_ms : TR_TLS_HANDSHAKE_TIMEOUT_MS);
  pthread_mutex_init(&ep->mu, NULL);
  *out = ep;
  return 0;
}

void tr__tls_endpoint_retain(tls_endpoint *ep) { atomic_fetch_add_explicit(&ep->refs, 1, memory_order_relaxed); }

void tr__tls_endpoint_release(tls_endpoint *ep) {
  if (!ep || atomic_fetch_sub_explicit(&ep->refs, 1, memory_order_acq_rel) != 1)
    return;
  tr__tls_endpoint_settle(ep, TR_ECLOSED);
  if (ep->resume)
    wolfSSL_SESSION_free(ep->resume);
  tr_tls_context_release(ep->ctx);
  pthread_mutex_destroy(&ep->mu);
  free(ep->host);
  free(ep);
}

void tr__tls_endpoint_settle(tls_endpoint *ep, int result) {
  pthread_mutex_lock(&ep->mu);
  tr_future *f = ep->waiter;
  ep->waiter = NULL;
  pthread_mutex_unlock(&ep->mu);
  if (f) {
    tr_future_complete(f, result, NULL);
    tr_future_release(f);
  }
}
