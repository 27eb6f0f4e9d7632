/* An FBE server: a TCP server whose every session carries a tr_fbe_session
 * at the head of its user block, the user's own block right behind it. */
#include <stdlib.h>

#include "fbe_session_internal.h"
#include "troupe/error.h"

struct tr_fbe_server {
  tr_tcp_server *tcp;
  tr_fbe_server_options o;
};

/* Where the user's block starts inside the session block. */
#define USER_OFF ((sizeof(tr_fbe_session) + 15) & ~(size_t)15)

static tr_fbe_server *owner(tr_stream *s) { return tr_stream_owner_ctx(s); }

static void *user_of(tr_fbe_server *srv, void *block) {
  return srv->o.session_state_size ? (char *)block + USER_OFF : srv->o.ctx;
}

static void on_connected(tr_stream *s, void *block) {
  tr_fbe_server *srv = owner(s);
  tr_fbe_session *fs = block;
  tr__fbe_session_init(fs, &srv->o.session, user_of(srv, block), srv->o.max_frame, 0);
  tr__fbe_session_attach(fs, s);
  if (srv->o.session.on_connected)
    srv->o.session.on_connected(fs, fs->user);
}

static void on_received(tr_stream *s, void *block, const void *data, size_t size) {
  tr_fbe_session *fs = block;
  if (fs->live)
    tr__fbe_session_received(fs, data, size);
}

static void on_disconnected(tr_stream *s, void *block) {
  tr_fbe_server *srv = owner(s);
  tr_fbe_session *fs = block;
  if (!fs->live)
    return;
  tr__fbe_session_detach(fs);
  if (srv->o.session.on_disconnected)
    srv->o.session.on_disconnected(fs, fs->user);
  tr__fbe_session_gone(fs);
  tr__fbe_session_free(fs);
}

static void on_error(tr_stream *s, void *block, int code, const char *category, const char *message) {
  tr_fbe_server *srv = owner(s);
  tr_fbe_session *fs = block;
  if (srv->o.session.on_error)
    srv->o.session.on_error(fs, user_of(srv, block), code, category, message);
}

static void on_server_error(tr_tcp_server *tcp, int code, const char *category, const char *message, void *ctx) {
  tr_fbe_server *srv = ctx;
  if (srv->o.on_error)
    srv->o.on_error(srv, code, category, message, srv->o.ctx);
}

int tr_fbe_server_new(tr_runtime *rt, const tr_fbe_server_options *opts, tr_fbe_server **out) {
  if (!rt || !opts || !out)
    return TR_EINVAL;
  tr_fbe_server *srv = calloc(1, sizeof *srv);
  if (!srv)
    return TR_ENOMEM;
  srv->o = *opts;
  tr_tcp_server_options t = opts->tcp;
  t.session = (tr_stream_callbacks){
      .on_connected = on_connected,
      .on_disconnected = on_disconnected,
      .on_received = on_received,
      .on_error = on_error,
  };
  t.session_state_size = USER_OFF + opts->session_state_size;
  t.ctx = srv;
  t.on_error = on_server_error;
  int rc = tr_tcp_server_new(rt, &t, &srv->tcp);
  if (rc < 0) {
    free(srv);
    return rc;
  }
  *out = srv;
  return 0;
}

void tr_fbe_server_free(tr_fbe_server *srv) {
  if (!srv)
    return;
  tr_tcp_server_free(srv->tcp);
  free(srv);
}

tr_tcp_server *tr_fbe_server_tcp(tr_fbe_server *srv) { return srv ? srv->tcp : NULL; }
int tr_fbe_server_start(tr_fbe_server *srv) { return srv ? tr_tcp_server_start(srv->tcp) : TR_EINVAL; }
int tr_fbe_server_stop(tr_fbe_server *srv) { return srv ? tr_tcp_server_stop(srv->tcp) : TR_EINVAL; }
int tr_fbe_server_restart(tr_fbe_server *srv) { return srv ? tr_tcp_server_restart(srv->tcp) : TR_EINVAL; }

int tr_fbe_server_multicast(tr_fbe_server *srv, tr_fbe_encode_fn encode, const void *value) {
  if (!srv)
    return TR_EINVAL;
  tr_buf *buf;
  int n = tr__fbe_encode_buf(encode, value, &buf);
  if (n < 0)
    return n;
  int rc = tr_tcp_server_multicast_buf(srv->tcp, buf);
  tr_buf_release(buf);
  return rc < 0 ? rc : n;
}
