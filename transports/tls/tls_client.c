/* TLS clients: TCP clients whose connections run through the TLS layer. */
#include <stdlib.h>

#include "tls_internal.h"

struct tr_tls_client {
  tr_tcp_client *tcp;
  tls_endpoint *ep;
};

int tr_tls_client_new(tr_runtime *rt, const tr_tls_client_options *opts, tr_tls_client **out) {
  if (!out)
    return TR_EINVAL;
  *out = NULL;
  if (!rt || !opts || !opts->context || opts->context->server || !opts->tcp.address)
    return TR_EINVAL;
  tr_tls_client *c = calloc(1, sizeof *c);
  if (!c)
    return TR_ENOMEM;
  int rc = tr__tls_endpoint_new(opts->context, &opts->callbacks, opts->handshake_timeout_ms, opts->tcp.address,
                                &c->ep);
  if (rc < 0) {
    free(c);
    return rc;
  }
  tr_tcp_client_options o = opts->tcp;
  o.callbacks = tr__tls_stream_callbacks(&opts->callbacks);
  rc = tr__tcp_client_new_layered(rt, &o, &tr__tls_layer, c->ep, &c->tcp);
  if (rc < 0) {
    tr__tls_endpoint_release(c->ep);
    free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void tr_tls_client_free(tr_tls_client *c) {
  if (!c)
    return;
  tr_tcp_client_free(c->tcp);
  tr__tls_endpoint_release(c->ep);
  free(c);
}

int tr_tls_client_connect(tr_tls_client *c) { return c ? tr_tcp_client_connect(c->tcp) : TR_EINVAL; }

int tr_tls_client_connect_sync(tr_tls_client *c, int64_t timeout_ms) {
  if (!c)
    return TR_EINVAL;
  if (tr_worker_current())
    return TR_EDEADLK;
  tr_future *f = tr_future_new();
  if (!f)
    return TR_ENOMEM;
  pthread_mutex_lock(&c->ep->mu);
  if (c->ep->waiter) {
    pthread_mutex_unlock(&c->ep->mu);
    tr_future_release(f);
    return TR_EBUSY;
  }
  c->ep->waiter = tr_future_retain(f);
  pthread_mutex_unlock(&c->ep->mu);
  /* The TCP connect first; the handshake settles our waiter after it. */
  int rc = tr_tcp_client_connect_sync(c->tcp, timeout_ms);
  if (rc == 0)
    rc = tr_future_wait(f, timeout_ms, NULL);
  if (rc != 0) {
    pthread_mutex_lock(&c->ep->mu);
    if (c->ep->waiter == f) {
      c->ep->waiter = NULL;
      tr_future_release(f);
    }
    pthread_mutex_unlock(&c->ep->mu);
  }
  tr_future_release(f);
  return rc;
}

int tr_tls_client_disconnect(tr_tls_client *c) { return c ? tr_tcp_client_disconnect(c->tcp) : TR_EINVAL; }
int tr_tls_client_reconnect(tr_tls_client *c) { return c ? tr_tcp_client_reconnect(c->tcp) : TR_EINVAL; }
int tr_tls_client_is_connected(const tr_tls_client *c) { return c && tr_tcp_client_is_connected(c->tcp); }
tr_stream *tr_tls_client_stream(tr_tls_client *c) { return c ? tr_tcp_client_stream(c->tcp) : NULL; }
