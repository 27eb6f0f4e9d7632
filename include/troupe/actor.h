/* tr_actor: a behaviour, a state and a mailbox, run by one home worker.
 *
 * An actor handles one message at a time on its home worker, so its state
 * needs no lock. Messages travel by value (tr_msg is 32 bytes) through a
 * lock-free Concurrency Kit MPSC ring.
 *
 * Mailbox policy when full: nothing is lost and the sender never blocks. A
 * send that finds the ring full moves to an overflow list (mutex-protected,
 * unbounded; memory is the limit, TR_ENOMEM when it runs out). While overflow
 * holds messages, every later send goes there too, so each sender's messages
 * are delivered in the order it sent them. Producers that want backpressure
 * read tr_actor_pending().
 *
 * Handles are reference counted. tr_actor_spawn hands the caller one
 * reference (when out is non-NULL); the runtime holds its own until the actor
 * has stopped. Calls on a stopped actor return TR_ECLOSED and never touch freed
 * memory, for as long as the caller holds its reference.
 */
#ifndef TROUPE_ACTOR_H
#define TROUPE_ACTOR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_actor tr_actor;

/* Message types at or above this are the runtime's own. */
#define TR_MSG_RESERVED 0xFFFF0000u

typedef struct tr_msg {
  uint32_t type; /* the user's, below TR_MSG_RESERVED */
  uint32_t u32;
  uint64_t u64;
  void *ptr;
  /* If set, the message owns one reference: a successful send hands it over,
   * and the runtime releases it after receive returns (or after dropped). A
   * receiver that keeps the buffer retains it. */
  tr_buf *buf;
} tr_msg;

typedef struct tr_behaviour {
  const char *name;
  /* First thing the actor runs, on its home worker. A non-zero return stops it
   * (stopped still runs). */
  int (*started)(tr_actor *self, void *state);
  void (*receive)(tr_actor *self, void *state, const tr_msg *msg);
  /* Once, on the home worker, after the last message delivered. */
  void (*stopped)(tr_actor *self, void *state);
  /* A message the actor accepted but never handled because it stopped first.
   * Runs on the home worker (or, after the runtime stopped, on the thread that
   * sent it). Must only release what the message carries. May be NULL. */
  void (*dropped)(tr_actor *self, void *state, const tr_msg *msg);
} tr_behaviour;

typedef struct tr_actor_options {
  int worker;             /* home worker index; -1 = next in turn */
  size_t state_size;      /* bytes of state allocated with the actor, zeroed... */
  const void *state_init; /* ...or copied from here when non-NULL */
  void *state;            /* used as the state when state_size is 0 */
  unsigned mailbox_slots; /* 0 = the runtime's default */
} tr_actor_options;

/* A call run on an actor. It runs exactly once: normally on the home worker
 * with the actor's state; if the actor stopped before the call could run, it
 * runs with state == NULL, so that it can release arg. */
typedef void (*tr_call_fn)(tr_actor *self, void *state, void *arg);

/* Spawns an actor; its started callback is its first message. opts may be NULL
 * (next worker, no state). *out (if out is non-NULL) gets a reference the caller
 * must release. TR_ECLOSED if the runtime is not running. */
int tr_actor_spawn(tr_runtime *rt, const tr_behaviour *b, const tr_actor_options *opts, tr_actor **out);

tr_actor *tr_actor_retain(tr_actor *a);
void tr_actor_release(tr_actor *a);

/* Enqueues a copy of *msg. 0, TR_ECLOSED (actor stopped or stopping; the caller
 * keeps msg->buf) or TR_ENOMEM. */
int tr_actor_send(tr_actor *a, const tr_msg *msg);
/* Runs fn(self, state, arg) on the actor, in mailbox order. */
int tr_actor_post(tr_actor *a, tr_call_fn fn, void *arg);
/* Runs fn at once when the caller is on the actor's home worker (and the actor
 * has started and not stopped), otherwise like tr_actor_post. */
int tr_actor_dispatch(tr_actor *a, tr_call_fn fn, void *arg);
/* Asks the actor to stop after the messages already in its mailbox. Any
 * thread, including the actor itself. TR_EALREADY if already asked. */
int tr_actor_stop(tr_actor *a);

/* The actor running on this thread right now, or NULL. */
tr_actor *tr_actor_current(void);
void *tr_actor_state(const tr_actor *a);
tr_worker *tr_actor_worker(const tr_actor *a);
tr_runtime *tr_actor_runtime(const tr_actor *a);
uint64_t tr_actor_id(const tr_actor *a);
const char *tr_actor_name(const tr_actor *a);
/* 1 while the actor accepts messages; 0 once a stop was asked for. */
int tr_actor_is_alive(const tr_actor *a);
/* Messages enqueued but not yet handled (approximate when racing). */
int64_t tr_actor_pending(const tr_actor *a);

#ifdef __cplusplus
}
#endif
#endif
