/* A listener: an actor pinned to one worker that polls one listening socket
 * and accepts with accept4(), so each new socket can be handed to whichever
 * worker should own its session (a uv_tcp_t listener would accept into its
 * own loop only). Being an actor, it is stopped on its own worker, also when
 * the runtime shuts down, and closes its poll handle there. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp_internal.h"

/* Connections taken per readable event before the loop moves on. */
#define ACCEPT_BATCH 128

typedef struct tcp_listener {
  uv_poll_t poll;
  int fd;
  int polling;
  unsigned index; /* the worker's index */
  tcp_server *srv; /* one use of the server, held until the handle is closed */
  tcp_ctl *stopping;
  tr_actor *self;
} tcp_listener;

static void on_acceptable(uv_poll_t *p, int status, int events) {
  tcp_listener *l = p->data;
  tcp_server *srv = l->srv;
  if (status < 0) {
    tr__tcp_server_error(srv, status, "listener poll failed");
    return;
  }
  unsigned nworkers = tr_runtime_worker_count(srv->rt);
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        tr__tcp_server_error(srv, -errno, "accept failed");
      return;
    }
    int w;
    if (srv->o.accept_mode == TR_TCP_ACCEPT_REUSEPORT)
      w = (int)l->index;
    else
      w = (int)(atomic_fetch_add_explicit(&srv->next_worker, 1, memory_order_relaxed) % nworkers);
    int rc = tr__tcp_session_spawn(srv, fd, w);
    if (rc < 0) {
      close(fd);
      tr__tcp_server_error(srv, rc, "cannot start a session");
    }
  }
}

static int listener_started(tr_actor *self, void *state) {
  tcp_listener *l = state;
  l->self = self;
  int rc = uv_poll_init(tr_worker_loop(tr_actor_worker(self)), &l->poll, l->fd);
  if (rc == 0) {
    l->poll.data = l;
    l->polling = 1;
    rc = uv_poll_start(&l->poll, UV_READABLE, on_acceptable);
  }
  if (rc < 0)
    tr__tcp_server_error(l->srv, rc, "cannot poll the listener");
  return 0;
}

static void listener_closed(uv_handle_t *h) {
  tcp_listener *l = h->data;
  tr_actor *self = l->self;
  tr__tcp_server_unuse(l->srv);
  tr_actor_release(self);
}

static void listener_stopped(tr_actor *self, void *state) {
  tcp_listener *l = state;
  if (l->polling)
    uv_poll_stop(&l->poll);
  /* The socket goes now rather than in the close callback, so the port is
   * free again by the time a stop returns. */
  close(l->fd);
  l->fd = -1;
  tcp_ctl *c = l->stopping;
  if (l->polling) {
    tr_actor_retain(self);
    uv_close((uv_handle_t *)&l->poll, listener_closed);
  } else {
    tr__tcp_server_unuse(l->srv);
  }
  tr__tcp_ctl_listener_done(c);
}

static const tr_behaviour listener_behaviour = {
    .name = "tcp.listener",
    .started = listener_started,
    .stopped = listener_stopped,
};

int tr__tcp_listener_spawn(tcp_server *srv, int fd, unsigned worker, tr_actor **out) {
  tcp_listener tmpl = {.fd = fd, .index = worker, .srv = srv};
  tr_actor_options o = {.worker = (int)worker, .state_size = sizeof tmpl, .state_init = &tmpl};
  tr__tcp_server_use(srv);
  int rc = tr_actor_spawn(srv->rt, &listener_behaviour, &o, out);
  if (rc < 0)
    tr__tcp_server_unuse(srv);
  return rc;
}

static void stop_call(tr_actor *self, void *state, void *arg) {
  if (!state) {
    /* Already stopped (the runtime is shutting down): its socket is closed. */
    tr__tcp_ctl_listener_done(arg);
    return;
  }
  tcp_listener *l = state;
  l->stopping = arg;
  tr_actor_stop(self);
}

void tr__tcp_listener_stop(tr_actor *listener, tcp_ctl *c) {
  if (tr_actor_dispatch(listener, stop_call, c) != 0)
    tr__tcp_ctl_listener_done(c);
}
