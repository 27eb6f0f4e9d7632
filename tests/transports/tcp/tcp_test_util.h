/* Shared pieces of the TCP tests: a runtime, an echo server on a free port,
 * a byte collector for clients, and bounded waiting. */
#ifndef TROUPE_TCP_TEST_UTIL_H
#define TROUPE_TCP_TEST_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "troupe/tcp.h"
#include "troupe/troupe.h"

static inline uint64_t tt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Polls cond every millisecond for at most ms; evaluates to whether it held. */
#define TT_WAIT(cond, ms)                                                                                      \
  ({                                                                                                           \
    uint64_t tt_deadline_ = tt_now_ms() + (ms);                                                                \
    int tt_ok_ = 0;                                                                                            \
    while (!(tt_ok_ = !!(cond)) && tt_now_ms() < tt_deadline_)                                                 \
      usleep(1000);                                                                                            \
    tt_ok_;                                                                                                    \
  })

static inline tr_runtime *tt_runtime(unsigned workers) {
  tr_runtime *rt = NULL;
  tr_runtime_options o = {.workers = workers};
  if (tr_runtime_new(&rt, &o) != 0 || tr_runtime_start(rt) != 0)
    return NULL;
  return rt;
}

static inline void tt_raise_nofile(rlim_t want) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0)
    return;
  if (r.rlim_cur < want) {
    r.rlim_cur = want < r.rlim_max ? want : r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

static void tt_echo_received(tr_stream *s, void *user, const void *data, size_t size) {
  tr_stream_send(s, data, size);
}

/* An echo server on address, port chosen by the system. */
static inline tr_tcp_server *tt_echo_server(tr_runtime *rt, const char *address) {
  tr_tcp_server_options o = {
      .address = address,
      .port = 0,
      .worker = -1,
      .socket = {.no_delay = 1},
      .session = {.on_received = tt_echo_received},
  };
  tr_tcp_server *srv = NULL;
  if (tr_tcp_server_new(rt, &o, &srv) != 0)
    return NULL;
  if (tr_tcp_server_start(srv) != 0) {
    tr_tcp_server_free(srv);
    return NULL;
  }
  return srv;
}

/* What a client saw: bytes (kept up to cap), counts of callbacks. */
typedef struct tt_collector {
  pthread_mutex_t mu;
  char *data;
  size_t cap;
  _Atomic size_t len;
  _Atomic int connected, disconnected, errors, empties;
  _Atomic int last_error;
} tt_collector;

static inline void tt_collector_init(tt_collector *c, size_t cap) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->mu, NULL);
  c->cap = cap;
  c->data = cap ? malloc(cap) : NULL;
}

static inline void tt_collector_free(tt_collector *c) {
  free(c->data);
  pthread_mutex_destroy(&c->mu);
}

static void tt_on_connected(tr_stream *s, void *user) { atomic_fetch_add(&((tt_collector *)user)->connected, 1); }
static void tt_on_disconnected(tr_stream *s, void *user) {
  atomic_fetch_add(&((tt_collector *)user)->disconnected, 1);
}
static void tt_on_empty(tr_stream *s, void *user) { atomic_fetch_add(&((tt_collector *)user)->empties, 1); }
static void tt_on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  tt_collector *c = user;
  atomic_store(&c->last_error, code);
  atomic_fetch_add(&c->errors, 1);
}
static void tt_on_received(tr_stream *s, void *user, const void *data, size_t size) {
  tt_collector *c = user;
  pthread_mutex_lock(&c->mu);
  size_t len = atomic_load(&c->len);
  if (c->data && len < c->cap)
    memcpy(c->data + len, data, size <= c->cap - len ? size : c->cap - len);
  atomic_store(&c->len, len + size);
  pthread_mutex_unlock(&c->mu);
}

static inline tr_tcp_client *tt_client(tr_runtime *rt, const char *address, int port, tt_collector *c) {
  tr_tcp_client_options o = {
      .address = address,
      .port = port,
      .worker = -1,
      .socket = {.no_delay = 1},
      .callbacks = {.on_connected = tt_on_connected,
                    .on_disconnected = tt_on_disconnected,
                    .on_received = tt_on_received,
                    .on_empty = tt_on_empty,
                    .on_error = tt_on_error},
      .ctx = c,
  };
  tr_tcp_client *cl = NULL;
  if (tr_tcp_client_new(rt, &o, &cl) != 0)
    return NULL;
  return cl;
}

/* A pattern that catches reordering and loss: byte i is a function of i. */
static inline void tt_fill(char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    p[i] = (char)((i * 131u + seed + (i >> 11)) & 0xff);
}

#endif
