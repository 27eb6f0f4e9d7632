/* Private structures of the TCP transport. */
#ifndef TROUPE_TCP_INTERNAL_H
#define TROUPE_TCP_INTERNAL_H

#include <ck_ht.h>
#include <pthread.h>
#include <stdatomic.h>

#include "../stream/stream_core.h"
#include "troupe/group.h"
#include "troupe/tcp.h"

typedef struct tcp_server tcp_server;

/* A start/stop/restart request handed to the server actor. */
typedef struct tcp_ctl {
  int op;
  tcp_server *srv;
  tr_future *done;       /* NULL when nobody waits */
  _Atomic int remaining; /* listeners still to close before done */
  int result;
} tcp_ctl;

/* The server's state, allocated by tr_tcp_server_new and handed to its actor
 * (the public handle points here). */
struct tcp_server {
  tr_actor *actor; /* our reference from spawn */
  tr_runtime *rt;
  tr_tcp_server_options o;
  char address[64];

  int dead; /* the actor stopped (server's worker only) */
  /* Control state: touched on the server's worker, read anywhere. */
  _Atomic int started;
  _Atomic int port;
  tr_actor **listeners; /* listener actors (tcp_listener.c) */
  unsigned nlisteners;
  _Atomic unsigned next_worker;

  /* Session registry: any worker adds and removes, any thread looks up. */
  pthread_mutex_t lock;
  ck_ht_t sessions;
  _Atomic size_t count;
  tr_group *group;
  /* The user's handle, the server actor, each live session and each open
   * listener; whoever drops the last frees the server. */
  _Atomic long users;
  _Atomic int freeing;
  const tr__stream_layer *layer; /* given to every session (TLS) */
  void *layer_arg;
  tr_future *drained; /* completed when only the user's handle is left */
};

/* The state of a session actor: the core first, the user block after it. */
typedef struct tcp_session {
  tr__stream st;
  tcp_server *srv; /* one use held for the session's life */
  int fd;
  int registered;
} tcp_session;

/* For transports layered on TCP (TLS): every session of the server, or every
 * connection of the client, runs through layer (see stream_core.h), which gets
 * layer_arg as st->layer_arg. */
int tr__tcp_server_new_layered(tr_runtime *rt, const tr_tcp_server_options *opts, const tr__stream_layer *layer,
                               void *layer_arg, tr_tcp_server **out);
int tr__tcp_client_new_layered(tr_runtime *rt, const tr_tcp_client_options *opts, const tr__stream_layer *layer,
                               void *layer_arg, tr_tcp_client **out);

/* tcp_socket.c */
int tr__tcp_listen_socket(const char *address, int port, int backlog, int reuse_address, int reuse_port,
                          int *port_out, int *fd_out);
void tr__tcp_ignore_sigpipe(void);
void tr__tcp_apply_options(uv_tcp_t *tcp, const tr_tcp_socket_options *o);
void tr__stream_apply_limits(tr__stream *st, const tr_tcp_socket_options *o);

/* tcp_listener.c: an actor polling one listening socket on its worker. */
int tr__tcp_listener_spawn(tcp_server *srv, int fd, unsigned worker, tr_actor **out);
/* Closes the listener's socket; then tr__tcp_ctl_listener_done(c). */
void tr__tcp_listener_stop(tr_actor *listener, tcp_ctl *c);

/* tcp_server.c, for listeners */
void tr__tcp_ctl_listener_done(tcp_ctl *c);
void tr__tcp_server_error(tcp_server *srv, int code, const char *what);

/* tcp_session.c */
int tr__tcp_session_spawn(tcp_server *srv, int fd, int worker);

/* tcp_server.c, for sessions */
void tr__tcp_server_register(tcp_server *srv, tcp_session *ss);
void tr__tcp_server_unregister(tcp_server *srv, tcp_session *ss);
void tr__tcp_server_use(tcp_server *srv);
void tr__tcp_server_unuse(tcp_server *srv);

/* tcp_registry.c */
int tr__tcp_registry_init(tcp_server *srv);
void tr__tcp_registry_destroy(tcp_server *srv);
int tr__tcp_registry_put(tcp_server *srv, uint64_t id, tr_actor *a);
void tr__tcp_registry_remove(tcp_server *srv, uint64_t id);
tr_actor *tr__tcp_registry_find(tcp_server *srv, uint64_t id);
/* New references to every registered session; *n gets the count. */
tr_actor **tr__tcp_registry_snapshot(tcp_server *srv, size_t *n);

#endif
