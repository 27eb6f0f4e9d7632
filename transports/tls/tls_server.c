/* TLS servers: TCP servers whose sessions run through the TLS layer. */
#include <stdlib.h>

#include "tls_internal.h"

struct tr_tls_server {
  tr_tcp_server *tcp;
  tls_endpoint *ep;
};

int tr_tls_server_new(tr_runtime *rt, const tr_tls_server_options *opts, tr_tls_server **out) {
  if (!out)
    return TR_EINVAL;
  *out = NULL;
  if (!rt || !opts || !opts->context || !opts->context->server)
    return TR_EINVAL;
  tr_tls_server *s = calloc(1, sizeof *s);
  if (!s)
    return TR_ENOMEM;
  int rc = tr__tls_endpoint_new(opts->context, &opts->session, opts->handshake_timeout_ms, NULL, &s->ep);
  if (rc < 0) {
    free(s);
    return rc;
  }
  tr_tcp_server_options o = opts->tcp;
  o.session = tr__tls_stream_callbacks(&opts->session);
  rc = tr__tcp_server_new_layered(rt, &o, &tr__tls_layer, s->ep, &s->tcp);
  if (rc < 0) {
    tr__tls_endpoint_release(s->ep);
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void tr_tls_server_free(tr_tls_server *s) {
  if (!s)
    return;
  /* Every session holds the endpoint, so it outlives the last of them. */
  tr_tcp_server_free(s->tcp);
  tr__tls_endpoint_release(s->ep);
  free(s);
}

int tr_tls_server_start(tr_tls_server *s) { return s ? tr_tcp_server_start(s->tcp) : TR_EINVAL; }
int tr_tls_server_stop(tr_tls_server *s) { return s ? tr_tcp_server_stop(s->tcp) : TR_EINVAL; }
int tr_tls_server_restart(tr_tls_server *s) { return s ? tr_tcp_server_restart(s->tcp) : TR_EINVAL; }
int tr_tls_server_is_started(const tr_tls_server *s) { return s && tr_tcp_server_is_started(s->tcp); }
int tr_tls_server_port(const tr_tls_server *s) { return s ? tr_tcp_server_port(s->tcp) : 0; }
size_t tr_tls_server_session_count(const tr_tls_server *s) { return s ? tr_tcp_server_session_count(s->tcp) : 0; }

tr_stream *tr_tls_server_find_session(tr_tls_server *s, uint64_t id) {
  return s ? tr_tcp_server_find_session(s->tcp, id) : NULL;
}

int tr_tls_server_disconnect_all(tr_tls_server *s) { return s ? tr_tcp_server_disconnect_all(s->tcp) : TR_EINVAL; }

int tr_tls_server_multicast(tr_tls_server *s, const void *data, size_t size) {
  return s ? tr_tcp_server_multicast(s->tcp, data, size) : TR_EINVAL;
}

int tr_tls_server_multicast_buf(tr_tls_server *s, tr_buf *buf) {
  return s ? tr_tcp_server_multicast_buf(s->tcp, buf) : TR_EINVAL;
}

tr_tcp_server *tr_tls_server_tcp(tr_tls_server *s) { return s ? s->tcp : NULL; }
