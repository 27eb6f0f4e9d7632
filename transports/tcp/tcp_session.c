/* A server's session: an actor on the worker the accepted socket was handed
 * to, whose state is a stream core plus the user's block. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcp_internal.h"

#define SESSION_HEAD ((sizeof(tcp_session) + 15) & ~(size_t)15)

static void session_closed(tr__stream *st) {
  tcp_session *ss = (tcp_session *)st;
  if (ss->registered) {
    ss->registered = 0;
    tr__tcp_server_unregister(ss->srv, ss);
  }
  /* A session lives for one connection. */
  tr_actor_stop(st->actor);
}

static void session_finalize(tr__stream *st) {
  tcp_session *ss = (tcp_session *)st;
  tr__tcp_server_unuse(ss->srv);
  ss->srv = NULL;
}

static const tr__stream_kind session_kind = {
    .closed = session_closed,
    .finalize = session_finalize,
};

static int session_started(tr_actor *self, void *state) {
  tcp_session *ss = state;
  tr__stream *st = &ss->st;
  tcp_server *srv = ss->srv;
  tr__stream_init(st, self, &session_kind);
  tr__stream_apply_limits(st, &srv->o.socket);
  int rc = tr__stream_tcp_init(st);
  if (rc == 0) {
    rc = uv_tcp_open(&st->io.tcp, ss->fd);
    if (rc == 0)
      ss->fd = -1; /* the handle owns it now */
  }
  if (rc < 0) {
    if (ss->fd >= 0) {
      close(ss->fd);
      ss->fd = -1;
    }
    tr__stream_set_state(st, TR__ST_CONNECTING);
    tr__stream_fail(st, rc, "cannot adopt the accepted socket");
    if (!st->io_open)
      tr_actor_stop(self);
    return 0;
  }
  tr__tcp_apply_options(&st->io.tcp, &srv->o.socket);
  tr__tcp_server_register(srv, ss);
  ss->registered = 1;
  tr__stream_open(st);
  return 0;
}

static void session_receive(tr_actor *self, void *state, const tr_msg *m) {
  tr__stream_receive(state, m);
}

static void session_stopped(tr_actor *self, void *state) {
  tcp_session *ss = state;
  if (!ss->st.started) {
    /* Stopped before it ever ran (runtime stopping): nothing but the fd and
     * the server use to give back. */
    if (ss->fd >= 0)
      close(ss->fd);
    ss->fd = -1;
    tr__tcp_server_unuse(ss->srv);
    ss->srv = NULL;
    return;
  }
  tr__stream_stopped(&ss->st);
}

static void session_dropped(tr_actor *self, void *state, const tr_msg *m) {
  tr__stream_dropped(state, m);
}

static const tr_behaviour session_behaviour = {
    .name = "tcp.session",
    .started = session_started,
    .receive = session_receive,
    .stopped = session_stopped,
    .dropped = session_dropped,
};

int tr__tcp_session_spawn(tcp_server *srv, int fd, int worker) {
  size_t user = srv->o.session_state_size;
  size_t size = SESSION_HEAD + user;
  char stack[1024];
  char *tmpl = size <= sizeof stack ? stack : calloc(1, size);
  if (!tmpl)
    return TR_ENOMEM;
  memset(tmpl, 0, size);
  tcp_session *ss = (tcp_session *)tmpl;
  ss->st.cb = srv->o.session;
  ss->st.user_off = user ? SESSION_HEAD : 0;
  ss->st.user_ctx = srv->o.ctx;
  ss->st.layer = srv->layer;
  ss->st.layer_arg = srv->layer_arg;
  atomic_init(&ss->st.state, TR__ST_CONNECTING);
  ss->srv = srv;
  ss->fd = fd;
  tr__tcp_server_use(srv);
  tr_actor_options o = {.worker = worker, .state_size = size, .state_init = tmpl};
  int rc = tr_actor_spawn(srv->rt, &session_behaviour, &o, NULL);
  if (tmpl != stack)
    free(tmpl);
  if (rc < 0)
    tr__tcp_server_unuse(srv);
  return rc;
}
