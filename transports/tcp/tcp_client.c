/* The TCP client actor: one connection at a time on a stream core, with name
 * resolution, connect (async or waited for), disconnect and reconnect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_internal.h"

enum {
  MSG_CONNECT = TR__MSG_KIND, /* ptr = tr_future or NULL */
  MSG_DISCONNECT,
  MSG_RECONNECT,
};

typedef struct tcp_client {
  tr__stream st;
  char *host;
  int port;
  tr_tcp_socket_options sock;
  uv_getaddrinfo_t gai;
  uv_connect_t creq;
  int resolving;
  int failed;    /* the connect failed: on_disconnected follows the close */
  int again;     /* connect once the current connection is gone */
  tr_future *waiter; /* connect_sync's, until the outcome is known */
  tr_future *gone;   /* completed when no callback can run any more */
} tcp_client;

#define CLIENT_HEAD ((sizeof(tcp_client) + 15) & ~(size_t)15)

static void do_connect(tcp_client *cl, tr_future *f);

static void settle(tcp_client *cl, int result) {
  if (cl->waiter) {
    tr_future_complete(cl->waiter, result, NULL);
    tr_future_release(cl->waiter);
    cl->waiter = NULL;
  }
}

static void connect_failed(tcp_client *cl, int code) {
  tr__stream *st = &cl->st;
  settle(cl, code);
  tr__stream_error(st, code, NULL);
  cl->failed = 1;
  if (st->io_open) {
    tr__stream_close(st); /* client_closed follows */
    return;
  }
  tr__stream_set_state(st, TR__ST_IDLE);
  cl->failed = 0;
  if (st->cb.on_disconnected)
    st->cb.on_disconnected(tr__stream_handle(st), st->user);
}

static void on_connected(uv_connect_t *req, int status) {
  tcp_client *cl = req->data;
  tr__stream *st = &cl->st;
  if (status == UV_ECANCELED || tr__stream_state(st) != TR__ST_CONNECTING)
    return; /* closed meanwhile; the close callback takes it from here */
  if (status < 0) {
    connect_failed(cl, status);
    return;
  }
  tr__tcp_apply_options(&st->io.tcp, &cl->sock);
  settle(cl, 0);
  tr__stream_open(st);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  tcp_client *cl = req->data;
  tr__stream *st = &cl->st;
  cl->resolving = 0;
  if (st->dead || tr__stream_state(st) != TR__ST_CONNECTING) {
    /* Disconnected (or stopped) while resolving. */
    settle(cl, TR_ECANCELED);
  } else if (status < 0) {
    connect_failed(cl, status);
  } else {
    int rc = tr__stream_tcp_init(st);
    if (rc == 0) {
      cl->creq.data = cl;
      rc = uv_tcp_connect(&cl->creq, &st->io.tcp, res->ai_addr, on_connected);
    }
    if (rc < 0)
      connect_failed(cl, rc);
  }
  if (res)
    uv_freeaddrinfo(res);
  if (cl->again && !st->dead && tr__stream_state(st) == TR__ST_IDLE) {
    cl->again = 0;
    do_connect(cl, NULL);
  }
  tr__stream_unhold(st);
}

static void do_connect(tcp_client *cl, tr_future *f) {
  tr__stream *st = &cl->st;
  int s = tr__stream_state(st);
  if (s == TR__ST_CLOSING || cl->resolving) {
    /* The previous connection is still going away; connect after it. */
    cl->again = 1;
    if (f) {
      tr_future_complete(f, TR_EBUSY, NULL);
      tr_future_release(f);
    }
    return;
  }
  if (s != TR__ST_IDLE || cl->waiter) {
    if (f) {
      tr_future_complete(f, TR_EBUSY, NULL);
      tr_future_release(f);
    }
    return;
  }
  cl->waiter = f;
  cl->failed = 0;
  tr__stream_set_state(st, TR__ST_CONNECTING);
  char port[16];
  snprintf(port, sizeof port, "%d", cl->port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  cl->gai.data = cl;
  int rc = uv_getaddrinfo(st->loop, &cl->gai, on_resolved, cl->host, port, &hints);
  if (rc < 0) {
    connect_failed(cl, rc);
    return;
  }
  cl->resolving = 1;
  tr__stream_hold(st);
}

static void do_disconnect(tcp_client *cl) {
  cl->again = 0;
  if (cl->resolving)
    uv_cancel((uv_req_t *)&cl->gai);
  tr__stream_close(&cl->st);
}

static void do_reconnect(tcp_client *cl) {
  int s = tr__stream_state(&cl->st);
  if (s == TR__ST_IDLE && !cl->resolving) {
    do_connect(cl, NULL);
    return;
  }
  tr__stream_close(&cl->st);
  cl->again = 1;
  if (tr__stream_state(&cl->st) == TR__ST_IDLE && !cl->resolving) {
    cl->again = 0;
    do_connect(cl, NULL);
  }
}

static void client_closed(tr__stream *st) {
  tcp_client *cl = (tcp_client *)st;
  if (cl->failed) {
    cl->failed = 0;
    if (st->cb.on_disconnected)
      st->cb.on_disconnected(tr__stream_handle(st), st->user);
  }
  settle(cl, TR_ECLOSED);
  if (cl->again && !st->dead && tr__stream_state(st) == TR__ST_IDLE) {
    cl->again = 0;
    do_connect(cl, NULL);
  }
}

static void client_receive_kind(tr__stream *st, const tr_msg *m) {
  tcp_client *cl = (tcp_client *)st;
  switch (m->type) {
  case MSG_CONNECT:
    do_connect(cl, m->ptr);
    break;
  case MSG_DISCONNECT:
    do_disconnect(cl);
    break;
  case MSG_RECONNECT:
    do_reconnect(cl);
    break;
  }
}

static void client_finalize(tr__stream *st) {
  tcp_client *cl = (tcp_client *)st;
  settle(cl, TR_ECLOSED);
  free(cl->host);
  cl->host = NULL;
  tr_future_complete(cl->gone, 0, NULL);
  tr_future_release(cl->gone);
}

static const tr__stream_kind client_kind = {
    .closed = client_closed,
    .receive = client_receive_kind,
    .finalize = client_finalize,
};

static int client_started(tr_actor *self, void *state) {
  tcp_client *cl = state;
  tr__stream_init(&cl->st, self, &client_kind);
  tr__stream_apply_limits(&cl->st, &cl->sock);
  return 0;
}

static void client_receive(tr_actor *self, void *state, const tr_msg *m) { tr__stream_receive(state, m); }

static void client_stopped(tr_actor *self, void *state) {
  tcp_client *cl = state;
  if (!cl->st.started) {
    free(cl->host);
    cl->host = NULL;
    tr_future_complete(cl->gone, 0, NULL);
    tr_future_release(cl->gone);
    return;
  }
  cl->again = 0;
  if (cl->resolving)
    uv_cancel((uv_req_t *)&cl->gai);
  tr__stream_stopped(&cl->st);
}

static void client_dropped(tr_actor *self, void *state, const tr_msg *m) {
  if (m->type == MSG_CONNECT && m->ptr) {
    tr_future_complete(m->ptr, TR_ECLOSED, NULL);
    tr_future_release(m->ptr);
    return;
  }
  tr__stream_dropped(state, m);
}

static const tr_behaviour client_behaviour = {
    .name = "tcp.client",
    .started = client_started,
    .receive = client_receive,
    .stopped = client_stopped,
    .dropped = client_dropped,
};

int tr_tcp_client_new(tr_runtime *rt, const tr_tcp_client_options *opts, tr_tcp_client **out) {
  return tr__tcp_client_new_layered(rt, opts, NULL, NULL, out);
}

int tr__tcp_client_new_layered(tr_runtime *rt, const tr_tcp_client_options *opts, const tr__stream_layer *layer,
                               void *layer_arg, tr_tcp_client **out) {
  if (!out)
    return TR_EINVAL;
  *out = NULL;
  if (!rt || !opts || !opts->address || opts->port <= 0 || opts->port > 65535)
    return TR_EINVAL;
  tr__tcp_ignore_sigpipe();
  size_t size = CLIENT_HEAD + opts->state_size;
  tcp_client *tmpl = calloc(1, size);
  if (!tmpl)
    return TR_ENOMEM;
  tmpl->st.cb = opts->callbacks;
  tmpl->st.user_off = opts->state_size ? CLIENT_HEAD : 0;
  tmpl->st.user_ctx = opts->ctx;
  tmpl->st.layer = layer;
  tmpl->st.layer_arg = layer_arg;
  atomic_init(&tmpl->st.state, TR__ST_IDLE);
  tmpl->host = strdup(opts->address);
  tmpl->port = opts->port;
  tmpl->sock = opts->socket;
  /* Two references: the actor's (dropped once done) and the handle's (dropped
   * by tr_tcp_client_free). */
  tmpl->gone = tr_future_new();
  if (tmpl->gone)
    tr_future_retain(tmpl->gone);
  if (!tmpl->host || !tmpl->gone) {
    free(tmpl->host);
    if (tmpl->gone) {
      tr_future_release(tmpl->gone);
      tr_future_release(tmpl->gone);
    }
    free(tmpl);
    return TR_ENOMEM;
  }
  tr_actor_options o = {.worker = opts->worker, .state_size = size, .state_init = tmpl};
  tr_actor *a = NULL;
  int rc = tr_actor_spawn(rt, &client_behaviour, &o, &a);
  if (rc < 0) {
    free(tmpl->host);
    tr_future_release(tmpl->gone);
    tr_future_release(tmpl->gone);
  }
  free(tmpl);
  if (rc < 0)
    return rc;
  *out = (tr_tcp_client *)a;
  return 0;
}

void tr_tcp_client_free(tr_tcp_client *c) {
  if (!c)
    return;
  tcp_client *cl = tr_actor_state((tr_actor *)c);
  tr_future *gone = cl->gone;
  tr_actor_stop((tr_actor *)c);
  /* Off the workers, wait for the last callback so the caller may free what
   * its callbacks use as soon as this returns. */
  if (!tr_worker_current())
    tr_future_wait(gone, -1, NULL);
  tr_future_release(gone);
  tr_actor_release((tr_actor *)c);
}

static int client_msg(tr_tcp_client *c, uint32_t type, void *ptr) {
  tr_msg m = {.type = type, .ptr = ptr};
  return tr_actor_send((tr_actor *)c, &m);
}

static tcp_client *home_client(tr_tcp_client *c) {
  tcp_client *cl = tr_actor_state((tr_actor *)c);
  return tr__stream_on_home(&cl->st, (tr_actor *)c) ? cl : NULL;
}

int tr_tcp_client_connect(tr_tcp_client *c) {
  if (!c)
    return TR_EINVAL;
  tcp_client *cl = home_client(c);
  if (cl) {
    int s = tr__stream_state(&cl->st);
    if (s == TR__ST_CONNECTING || s == TR__ST_CONNECTED)
      return TR_EBUSY;
    do_connect(cl, NULL);
    return 0;
  }
  return client_msg(c, MSG_CONNECT, NULL);
}

int tr_tcp_client_connect_sync(tr_tcp_client *c, int64_t timeout_ms) {
  if (!c)
    return TR_EINVAL;
  if (tr_worker_current())
    return TR_EDEADLK;
  tr_future *f = tr_future_new();
  if (!f)
    return TR_ENOMEM;
  int rc = client_msg(c, MSG_CONNECT, tr_future_retain(f));
  if (rc < 0) {
    tr_future_release(f);
    tr_future_release(f);
    return rc;
  }
  rc = tr_future_wait(f, timeout_ms, NULL);
  tr_future_release(f);
  return rc;
}

int tr_tcp_client_disconnect(tr_tcp_client *c) {
  if (!c)
    return TR_EINVAL;
  tcp_client *cl = home_client(c);
  if (cl) {
    do_disconnect(cl);
    return 0;
  }
  return client_msg(c, MSG_DISCONNECT, NULL);
}

int tr_tcp_client_reconnect(tr_tcp_client *c) {
  if (!c)
    return TR_EINVAL;
  tcp_client *cl = home_client(c);
  if (cl) {
    do_reconnect(cl);
    return 0;
  }
  return client_msg(c, MSG_RECONNECT, NULL);
}

int tr_tcp_client_is_connected(const tr_tcp_client *c) { return tr_stream_is_connected((const tr_stream *)c); }

tr_stream *tr_tcp_client_stream(tr_tcp_client *c) { return (tr_stream *)c; }
