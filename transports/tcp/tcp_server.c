/* The TCP server actor: listeners, accepting and spreading connections,
 * start/stop/restart, the session registry and multicast. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcp_internal.h"
#include "troupe/log.h"

enum { CTL_START = 1, CTL_STOP, CTL_RESTART };

void tr__tcp_server_error(tcp_server *srv, int code, const char *what) {
  if (srv->o.on_error)
    srv->o.on_error((tr_tcp_server *)srv, code, code <= TR_ERRNO_BASE ? "troupe" : "uv", what, srv->o.ctx);
  else
    tr_log(TR_LOG_WARN, "tcp", "server: %s: %s", what, tr_strerror(code));
}

void tr__tcp_server_use(tcp_server *srv) { atomic_fetch_add_explicit(&srv->users, 1, memory_order_relaxed); }

void tr__tcp_server_unuse(tcp_server *srv) {
  long left = atomic_fetch_sub_explicit(&srv->users, 1, memory_order_acq_rel) - 1;
  if (left == 1 && atomic_load(&srv->freeing))
    tr_future_complete(srv->drained, 0, NULL);
  if (left != 0)
    return;
  tr_future_release(srv->drained);
  tr_group_free(srv->group);
  tr__tcp_registry_destroy(srv);
  free(srv->listeners);
  free(srv);
}

void tr__tcp_server_register(tcp_server *srv, tcp_session *ss) {
  tr_actor *a = ss->st.actor;
  tr__tcp_registry_put(srv, tr_actor_id(a), a);
  tr_group_join(srv->group, a);
  /* seq_cst: a thread that sees the count sees the join queued before it. */
  atomic_fetch_add(&srv->count, 1);
}

void tr__tcp_server_unregister(tcp_server *srv, tcp_session *ss) {
  tr_actor *a = ss->st.actor;
  atomic_fetch_sub_explicit(&srv->count, 1, memory_order_relaxed);
  tr_group_leave(srv->group, a);
  tr__tcp_registry_remove(srv, tr_actor_id(a));
}

static void ctl_finish(tcp_ctl *c);
static void ctl_resume(tr_actor *self, void *state, void *arg);

/* A listener closed its socket: the last one lets the stop or restart go on,
 * on the server's worker. */
void tr__tcp_ctl_listener_done(tcp_ctl *c) {
  if (!c || atomic_fetch_sub_explicit(&c->remaining, 1, memory_order_acq_rel) != 1)
    return;
  if (tr_worker_is_current(tr_actor_worker(c->srv->actor))) {
    ctl_finish(c);
  } else if (tr_actor_post(c->srv->actor, ctl_resume, c) != 0) {
    c->result = TR_ECLOSED;
    c->op = 0;
    ctl_finish(c);
  }
}

static int do_start(tcp_server *srv) {
  if (atomic_load(&srv->started))
    return TR_EBUSY;
  int reuseport = srv->o.accept_mode == TR_TCP_ACCEPT_REUSEPORT;
  unsigned n = reuseport ? tr_runtime_worker_count(srv->rt) : 1;
  int *fds = calloc(n, sizeof *fds);
  tr_actor **ls = calloc(n, sizeof *ls);
  if (!fds || !ls) {
    free(fds);
    free(ls);
    return TR_ENOMEM;
  }
  /* Bind every socket here first, so that errors (and the port chosen for
   * port 0) are known before anything starts accepting. */
  int port = srv->o.port, rc = 0;
  unsigned made = 0;
  for (; made < n; made++) {
    rc = tr__tcp_listen_socket(srv->address, port, srv->o.backlog, srv->o.reuse_address,
                               srv->o.reuse_port || reuseport, &port, &fds[made]);
    if (rc < 0)
      break;
  }
  unsigned home = tr_worker_index(tr_actor_worker(srv->actor));
  unsigned spawned = 0;
  for (; rc == 0 && spawned < n; spawned++)
    rc = tr__tcp_listener_spawn(srv, fds[spawned], reuseport ? spawned : home, &ls[spawned]);
  if (rc < 0) {
    for (unsigned i = 0; i < spawned; i++) {
      tr__tcp_listener_stop(ls[i], NULL);
      tr_actor_release(ls[i]);
    }
    for (unsigned i = spawned; i < made; i++)
      close(fds[i]);
    free(fds);
    free(ls);
    return rc;
  }
  free(fds);
  srv->listeners = ls;
  srv->nlisteners = n;
  atomic_store(&srv->port, port);
  atomic_store(&srv->started, 1);
  return 0;
}

/* Closes the listeners; c (if any) is finished once they all have closed
 * their sockets. Returns 1 when the listeners will finish c. */
static int do_stop(tcp_server *srv, tcp_ctl *c) {
  if (!atomic_load(&srv->started))
    return 0;
  atomic_store(&srv->started, 0);
  atomic_store(&srv->port, 0);
  tr_tcp_server_disconnect_all((tr_tcp_server *)srv);
  /* Detach the listeners first: the last one to close may finish a restart,
   * which installs new ones. */
  unsigned n = srv->nlisteners;
  tr_actor **ls = srv->listeners;
  srv->listeners = NULL;
  srv->nlisteners = 0;
  if (c)
    atomic_store(&c->remaining, (int)n);
  for (unsigned i = 0; i < n; i++) {
    tr__tcp_listener_stop(ls[i], c);
    tr_actor_release(ls[i]);
  }
  free(ls);
  return c != NULL && n > 0;
}

static void ctl_finish(tcp_ctl *c) {
  if (c->op == CTL_RESTART && c->result == 0)
    c->result = do_start(c->srv);
  if (c->done) {
    tr_future_complete(c->done, c->result, NULL);
    tr_future_release(c->done);
  }
  free(c);
}

static void ctl_resume(tr_actor *self, void *state, void *arg) {
  tcp_ctl *c = arg;
  if (!state) {
    c->result = TR_ECLOSED;
    c->op = 0;
  }
  ctl_finish(c);
}

/* Runs on the server's worker (from its mailbox, or at once when the caller
 * is already there). */
static void ctl_run(tr_actor *self, void *state, void *arg) {
  tcp_ctl *c = arg;
  tcp_server *srv = c->srv;
  if (!state || srv->dead) {
    c->result = TR_ECLOSED;
    c->op = 0;
    ctl_finish(c);
    return;
  }
  switch (c->op) {
  case CTL_START:
    c->result = do_start(srv);
    break;
  case CTL_STOP:
    if (!atomic_load(&srv->started)) {
      c->result = TR_EALREADY;
      break;
    }
    if (do_stop(srv, c))
      return;
    break;
  case CTL_RESTART:
    if (do_stop(srv, c))
      return; /* the last listener to close starts again */
    break;
  }
  ctl_finish(c);
}

static int control(tcp_server *srv, int op) {
  if (!srv)
    return TR_EINVAL;
  tcp_ctl *c = calloc(1, sizeof *c);
  if (!c)
    return TR_ENOMEM;
  c->op = op;
  c->srv = srv;
  /* Only a thread that is none of the runtime's workers may block. */
  int wait = tr_worker_current() == NULL;
  tr_future *f = NULL;
  if (wait) {
    f = tr_future_new();
    if (!f) {
      free(c);
      return TR_ENOMEM;
    }
    c->done = tr_future_retain(f);
  } else if (tr_worker_is_current(tr_actor_worker(srv->actor))) {
    /* On the server's worker: act now and report. */
    f = tr_future_new();
    if (f)
      c->done = tr_future_retain(f);
  }
  int rc = tr_actor_dispatch(srv->actor, ctl_run, c);
  if (rc < 0) {
    if (c->done)
      tr_future_release(c->done);
    tr_future_release(f);
    free(c);
    return rc;
  }
  if (!f)
    return 0;
  if (wait) {
    rc = tr_future_wait(f, -1, NULL);
  } else if (tr_future_is_done(f)) {
    rc = tr_future_wait(f, 0, NULL);
  } else {
    rc = 0; /* other listeners still closing; the restart completes later */
  }
  tr_future_release(f);
  return rc;
}

/* ---- the server actor ---- */

static void server_stopped(tr_actor *self, void *state) {
  tcp_server *srv = state;
  do_stop(srv, NULL);
  srv->dead = 1;
  tr__tcp_server_unuse(srv);
}

static const tr_behaviour server_behaviour = {
    .name = "tcp.server",
    .stopped = server_stopped,
};

int tr_tcp_server_new(tr_runtime *rt, const tr_tcp_server_options *opts, tr_tcp_server **out) {
  return tr__tcp_server_new_layered(rt, opts, NULL, NULL, out);
}

int tr__tcp_server_new_layered(tr_runtime *rt, const tr_tcp_server_options *opts, const tr__stream_layer *layer,
                               void *layer_arg, tr_tcp_server **out) {
  if (!out)
    return TR_EINVAL;
  *out = NULL;
  if (!rt || !opts)
    return TR_EINVAL;
  const char *addr = opts->address ? opts->address : "0.0.0.0";
  if (strlen(addr) >= sizeof(((tcp_server *)0)->address))
    return TR_EINVAL;
  tr__tcp_ignore_sigpipe();
  tcp_server *srv = calloc(1, sizeof *srv);
  if (!srv)
    return TR_ENOMEM;
  srv->rt = rt;
  srv->o = *opts;
  strcpy(srv->address, addr);
  srv->o.address = srv->address;
  srv->layer = layer;
  srv->layer_arg = layer_arg;
  /* The user's handle and the actor. */
  atomic_init(&srv->users, 2);
  srv->drained = tr_future_new();
  int rc = srv->drained ? tr__tcp_registry_init(srv) : TR_ENOMEM;
  if (rc < 0) {
    tr_future_release(srv->drained);
    free(srv);
    return rc;
  }
  rc = tr_group_new(rt, &srv->group);
  if (rc < 0) {
    tr__tcp_registry_destroy(srv);
    tr_future_release(srv->drained);
    free(srv);
    return rc;
  }
  tr_actor_options o = {.worker = opts->worker, .state = srv};
  rc = tr_actor_spawn(rt, &server_behaviour, &o, &srv->actor);
  if (rc < 0) {
    tr_group_free(srv->group);
    tr__tcp_registry_destroy(srv);
    tr_future_release(srv->drained);
    free(srv);
    return rc;
  }
  *out = (tr_tcp_server *)srv;
  return 0;
}

void tr_tcp_server_free(tr_tcp_server *s) {
  tcp_server *srv = (tcp_server *)s;
  if (!srv)
    return;
  tr_actor *a = srv->actor;
  if (atomic_load(&srv->started))
    control(srv, CTL_STOP);
  atomic_store(&srv->freeing, 1);
  tr_actor_stop(a);
  /* Off the workers, wait until the server actor and every session are gone
   * (no callback can run any more), so the caller may free its context. */
  if (!tr_worker_current() && atomic_load(&srv->users) > 1)
    tr_future_wait(srv->drained, -1, NULL);
  tr_actor_release(a);
  tr__tcp_server_unuse(srv);
}

int tr_tcp_server_start(tr_tcp_server *s) { return control((tcp_server *)s, CTL_START); }
int tr_tcp_server_stop(tr_tcp_server *s) { return control((tcp_server *)s, CTL_STOP); }
int tr_tcp_server_restart(tr_tcp_server *s) { return control((tcp_server *)s, CTL_RESTART); }

int tr_tcp_server_is_started(const tr_tcp_server *s) {
  return s && atomic_load(&((const tcp_server *)s)->started);
}

int tr_tcp_server_port(const tr_tcp_server *s) { return s ? atomic_load(&((const tcp_server *)s)->port) : 0; }

size_t tr_tcp_server_session_count(const tr_tcp_server *s) {
  return s ? atomic_load(&((const tcp_server *)s)->count) : 0;
}

tr_stream *tr_tcp_server_find_session(tr_tcp_server *s, uint64_t id) {
  return s ? (tr_stream *)tr__tcp_registry_find((tcp_server *)s, id) : NULL;
}

int tr_tcp_server_disconnect_all(tr_tcp_server *s) {
  if (!s)
    return TR_EINVAL;
  size_t n;
  tr_actor **v = tr__tcp_registry_snapshot((tcp_server *)s, &n);
  if (!v)
    return TR_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    tr_stream_disconnect((tr_stream *)v[i]);
    tr_actor_release(v[i]);
  }
  free(v);
  return 0;
}

static void multicast_visit(tr_actor *member, void *state, tr_buf *payload, void *ctx) {
  /* Connected only: a layered session (TLS) would otherwise queue it for
   * after its handshake. */
  if (state && tr__stream_state(state) == TR__ST_CONNECTED)
    tr__stream_append(state, tr_buf_data(payload), tr_buf_len(payload));
}

int tr_tcp_server_multicast_buf(tr_tcp_server *s, tr_buf *buf) {
  tcp_server *srv = (tcp_server *)s;
  if (!srv || !buf)
    return TR_EINVAL;
  if (!tr_buf_len(buf))
    return 0;
  int rc = tr_group_visit(srv->group, multicast_visit, tr_buf_retain(buf), srv);
  if (rc < 0)
    tr_buf_release(buf);
  return rc;
}

int tr_tcp_server_multicast(tr_tcp_server *s, const void *data, size_t size) {
  if (!s || (!data && size))
    return TR_EINVAL;
  if (!size)
    return 0;
  tr_buf *b = tr_buf_copy(data, size);
  if (!b)
    return TR_ENOMEM;
  int rc = tr_tcp_server_multicast_buf(s, b);
  tr_buf_release(b);
  return rc;
}

tr_actor *tr_tcp_server_actor(tr_tcp_server *s) { return s ? ((tcp_server *)s)->actor : NULL; }
