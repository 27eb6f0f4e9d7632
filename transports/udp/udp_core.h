/* The socket half that servers and clients share: one uv_udp_t on the owning
 * worker, its receive buffer, the send path and its completions, counters.
 * Everything here runs on the owning worker unless it says otherwise. */
#ifndef TROUPE_UDP_CORE_H
#define TROUPE_UDP_CORE_H

#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "troupe/actor.h"
#include "troupe/future.h"
#include "troupe/udp.h"

typedef struct udp_core udp_core;

/* How the core reports to its owner (server or client). */
typedef struct udp_core_events {
  void (*received)(udp_core *c, const tr_udp_endpoint *from, const void *data, size_t size);
  void (*sent)(udp_core *c, const tr_udp_endpoint *to, size_t sent);
  void (*error)(udp_core *c, int code, const char *category, const char *message);
  int wants_sent; /* whether sent() does anything; saves queueing completions */
} udp_core_events;

typedef struct udp_done {
  tr_udp_endpoint to;
  size_t sent;
  tr_future *f;
} udp_done;

typedef struct udp_handle udp_handle;

struct udp_core {
  /* Set before the handle is published, read-only afterwards (any thread). */
  tr_actor *actor;
  tr_worker *worker;
  const udp_core_events *ev;
  tr_udp_options opts;

  /* Owning worker only. */
  udp_handle *h; /* open socket, or NULL */
  int want;      /* receive requests outstanding (receive_on_request) */
  int depth;     /* nesting of our own callbacks; completions wait for 0 */
  int defer_pending;
  int freed;     /* the user let go: no more callbacks */
  int dead;      /* the actor stopped: nothing may open a socket again */
  udp_done *done;
  size_t ndone, cap_done;

  /* Any thread reads; the worker writes. */
  int open_flag;
  pthread_mutex_t local_lock;
  tr_udp_endpoint local;
  uint64_t st_dgrams_sent, st_bytes_sent, st_dgrams_recv, st_bytes_recv, st_errors;
};

void udp_core_init(udp_core *c, const tr_udp_options *opts, const udp_core_events *ev);
void udp_core_destroy(udp_core *c);

/* Opens a socket bound to ep (reuse flags from opts or forced). */
int udp_core_open(udp_core *c, const tr_udp_endpoint *ep, int force_reuse_address);
/* Closes the socket; pending sends complete with TR_ECLOSED, queued
 * completions are still reported. */
void udp_core_close(udp_core *c);
int udp_core_is_open(const udp_core *c);
uv_udp_t *udp_core_uv(udp_core *c);

/* Starts reading (continuous) or adds one receive request. */
int udp_core_receive(udp_core *c);
/* Sends data to `to`; f (may be NULL) is completed with the bytes sent or an
 * error. `keep` (may be NULL) owns data when it has to outlive the call. */
int udp_core_send(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *keep, tr_future *f);

/* Brackets for work done on the core's behalf, so completions queued inside
 * are reported when the outermost bracket closes. */
void udp_core_enter(udp_core *c);
void udp_core_leave(udp_core *c);

/* Reports an error to the owner (unless freed) and counts it. */
void udp_core_error(udp_core *c, int code, const char *category, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void udp_core_stats(const udp_core *c, tr_udp_stats *out);
int udp_core_local(const udp_core *c, tr_udp_endpoint *out);

/* ---- running code on the owning worker (udp_call.c) ------------------- */

typedef struct udp_call udp_call;
typedef int (*udp_call_fn)(void *state, udp_call *call);

/* Arguments of a control call, copied when the call has to travel. */
struct udp_call {
  udp_call_fn fn;
  tr_future *f; /* set when the caller waits */
  tr_udp_endpoint ep;
  int i, which;
  char s1[64], s2[64];
};

/* Runs call->fn(state, call) on the owning worker: at once there; from a
 * thread outside the runtime it waits and returns fn's result; from another
 * worker it posts and returns 0. TR_ECLOSED when the actor is gone. */
int udp_call_run(udp_core *c, const udp_call *call);

/* The actor's message types. */
enum { UDP_MSG_CALL = 1, UDP_MSG_SEND = 2 };

/* Hands bytes to the owning worker (copy, or the caller's buffer), with a
 * future when the caller waits. data == NULL means `buf` holds the bytes. */
int udp_core_post_send(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *buf,
                       int wait);
/* The receive and dropped halves of the behaviour, shared by server and client. */
void udp_core_handle_msg(udp_core *c, const tr_msg *m);
void udp_core_drop_msg(const tr_msg *m);

#endif
