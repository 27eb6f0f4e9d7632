/* Shared pieces of the simple-protocol-over-TCP tests: a server that greets,
 * answers, rejects empty messages, stays silent on "silent" and closes on
 * DisconnectRequest; clients that count what they hear; bounded waiting. */
#ifndef TROUPE_FBE_TCP_TEST_UTIL_H
#define TROUPE_FBE_TCP_TEST_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simple.h"
#include "troupe/troupe.h"

static inline uint64_t ft_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Polls cond every millisecond for at most ms; evaluates to whether it held. */
#define FT_WAIT(cond, ms)                                                                                      \
  ({                                                                                                           \
    uint64_t ft_deadline_ = ft_now_ms() + (ms);                                                                \
    int ft_ok_ = 0;                                                                                            \
    while (!(ft_ok_ = !!(cond)) && ft_now_ms() < ft_deadline_)                                                 \
      usleep(1000);                                                                                            \
    ft_ok_;                                                                                                    \
  })

static inline uint32_t ft_hash(const void *data, size_t size) {
  const unsigned char *p = data;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

/* ---- server ---- */

typedef struct ft_server {
  tr_fbe_server *srv;
  int port;
  atomic_int connected, disconnected, requests, errors;
  atomic_int last_error;
  pthread_mutex_t mu;
  char category[32];
  char reason[160];
} ft_server;

static int ft_on_request(void *ctx, const simple_SimpleRequest *req) {
  tr_fbe_session *fs = ctx;
  ft_server *t = tr_fbe_session_user(fs);
  atomic_fetch_add(&t->requests, 1);
  if (req->Message.size == 6 && memcmp(req->Message.data, "silent", 6) == 0)
    return 0;
  if (req->Message.size == 0) {
    simple_SimpleReject reject;
    simple_SimpleReject_init(&reject);
    reject.id = req->id;
    tr_fbe_string_set_cstr(&reject.Error, "Request message is empty!");
    simple_send_SimpleReject(tr_fbe_session_sender(fs), &reject);
    simple_SimpleReject_free(&reject);
    return 0;
  }
  simple_SimpleResponse r = {.id = req->id, .Length = (uint32_t)req->Message.size,
                             .Hash = ft_hash(req->Message.data, req->Message.size)};
  simple_send_SimpleResponse(tr_fbe_session_sender(fs), &r);
  return 0;
}

static int ft_on_disconnect_request(void *ctx, const simple_DisconnectRequest *req) {
  tr_fbe_session_disconnect(ctx);
  return 0;
}

static const simple_handlers ft_server_handlers = {
    .on_SimpleRequest = ft_on_request,
    .on_DisconnectRequest = ft_on_disconnect_request,
};

static int ft_server_frame(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size) {
  return simple_dispatch(&ft_server_handlers, fs, frame, size);
}

static void ft_server_connected(tr_fbe_session *fs, void *user) {
  ft_server *t = user;
  simple_SimpleNotify n;
  simple_SimpleNotify_init(&n);
  tr_fbe_string_set_cstr(&n.Notification, "hello");
  simple_send_SimpleNotify(tr_fbe_session_sender(fs), &n);
  simple_SimpleNotify_free(&n);
  atomic_fetch_add(&t->connected, 1);
}

static void ft_server_disconnected(tr_fbe_session *fs, void *user) {
  atomic_fetch_add(&((ft_server *)user)->disconnected, 1);
}

static void ft_server_error(tr_fbe_session *fs, void *user, int code, const char *category, const char *message) {
  ft_server *t = user;
  pthread_mutex_lock(&t->mu);
  snprintf(t->category, sizeof t->category, "%s", category);
  snprintf(t->reason, sizeof t->reason, "%s", message);
  pthread_mutex_unlock(&t->mu);
  atomic_store(&t->last_error, code);
  atomic_fetch_add(&t->errors, 1);
}

static inline int ft_server_start(ft_server *t, tr_runtime *rt) {
  memset(t, 0, sizeof *t);
  pthread_mutex_init(&t->mu, NULL);
  tr_fbe_server_options o = {
      .tcp = {.address = "127.0.0.1", .port = 0, .worker = -1, .socket = {.no_delay = 1}},
      .session = {.on_connected = ft_server_connected,
                  .on_disconnected = ft_server_disconnected,
                  .on_frame = ft_server_frame,
                  .on_error = ft_server_error},
      .ctx = t,
  };
  int rc = tr_fbe_server_new(rt, &o, &t->srv);
  if (rc == 0)
    rc = tr_fbe_server_start(t->srv);
  t->port = tr_tcp_server_port(tr_fbe_server_tcp(t->srv));
  return rc;
}

static inline void ft_server_free(ft_server *t) {
  tr_fbe_server_free(t->srv);
  pthread_mutex_destroy(&t->mu);
}

/* ---- client ---- */

typedef struct ft_client {
  tr_fbe_tcp_client *c;
  atomic_int connected, disconnected, notifies, admin_notifies;
} ft_client;

static int ft_on_notify(void *ctx, const simple_SimpleNotify *n) {
  ft_client *fc = ctx;
  atomic_fetch_add(&fc->notifies, 1);
  if (n->Notification.size >= 7 && memcmp(n->Notification.data, "(admin)", 7) == 0)
    atomic_fetch_add(&fc->admin_notifies, 1);
  return 0;
}

static const simple_handlers ft_client_handlers = {.on_SimpleNotify = ft_on_notify};

static int ft_client_frame(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size) {
  return simple_client_dispatch(tr_fbe_session_table(fs), &ft_client_handlers, user, frame, size);
}

static void ft_client_connected(tr_fbe_session *fs, void *user) { atomic_fetch_add(&((ft_client *)user)->connected, 1); }
static void ft_client_disconnected(tr_fbe_session *fs, void *user) {
  atomic_fetch_add(&((ft_client *)user)->disconnected, 1);
}

static inline int ft_client_connect(ft_client *fc, tr_runtime *rt, int port) {
  memset(fc, 0, sizeof *fc);
  tr_fbe_tcp_client_options o = {
      .tcp = {.address = "127.0.0.1", .port = port, .worker = -1, .socket = {.no_delay = 1}},
      .callbacks = {.on_connected = ft_client_connected,
                    .on_disconnected = ft_client_disconnected,
                    .on_frame = ft_client_frame},
      .ctx = fc,
  };
  int rc = tr_fbe_tcp_client_new(rt, &o, &fc->c);
  if (rc == 0)
    rc = tr_fbe_tcp_client_connect_sync(fc->c, 5000);
  return rc;
}

/* Sends a SimpleRequest from this thread; returns the future (or NULL). */
static inline tr_future *ft_request(ft_client *fc, const char *text, size_t len, uint64_t timeout_ms,
                                    tr_fbe_uuid *id_out) {
  simple_SimpleRequest req;
  simple_SimpleRequest_init(&req);
  tr_fbe_uuid_nil(&req.id);
  tr_fbe_string_set(&req.Message, text, len);
  tr_future *f = NULL;
  int rc = tr_fbe_tcp_client_request(fc->c, &req.id, simple_SimpleRequest_encode_any, &req, timeout_ms, NULL, NULL,
                                     &f);
  if (id_out)
    *id_out = req.id;
  simple_SimpleRequest_free(&req);
  return rc == 0 ? f : NULL;
}

static inline tr_runtime *ft_runtime(unsigned workers) {
  tr_runtime *rt = NULL;
  tr_runtime_options o = {.workers = workers};
  if (tr_runtime_new(&rt, &o) != 0 || tr_runtime_start(rt) != 0)
    return NULL;
  return rt;
}

#endif
