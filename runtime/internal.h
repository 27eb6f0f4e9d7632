/* The runtime's private structures, shared by runtime/ and actors/. */
#ifndef TROUPE_INTERNAL_H
#define TROUPE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "mailbox.h"
#include "runq.h"
#include "troupe/actor.h"
#include "troupe/error.h"
#include "troupe/runtime.h"

/* The runtime's own message types. */
enum {
  TR_MSG_START = TR_MSG_RESERVED,
  TR_MSG_STOP,
  TR_MSG_CALL,  /* ptr = tr_call_fn, u64 = arg */
  TR_MSG_TASK,  /* system actor: ptr = tr_task_fn, u64 = arg */
  TR_MSG_GROUP, /* system actor: ptr = group op, see group.c */
};

enum { TR_ACTOR_ALIVE = 0, TR_ACTOR_STOPPING = 1, TR_ACTOR_STOPPED = 2 };

struct tr_actor {
  tr_runq_node node; /* link in a worker's inbox; first so the cast is trivial */
  struct tr_actor *local_next; /* link in the home worker's local run queue */
  _Atomic unsigned refs;
  _Atomic int state;
  /* Messages pushed minus messages handled; see actor.c for the protocol. */
  _Atomic int64_t pending;
  tr_runtime *rt;
  tr_worker *home;
  const tr_behaviour *b;
  void *state_ptr;
  uint64_t id;
  /* Home worker only: */
  int started;   /* START handled */
  int finished;  /* STOP handled: everything later is dropped */
  int is_system; /* a worker's own task actor */
  struct tr_actor *live_prev, *live_next;
  tr_mailbox mb;
  _Alignas(16) unsigned char inline_state[];
};

typedef struct tr_defer {
  tr_task_fn fn;
  void *arg;
} tr_defer;

struct tr_worker {
  tr_runtime *rt;
  unsigned index;
  uv_thread_t thread;
  uv_loop_t loop;
  uv_async_t wake;    /* other threads scheduled something */
  uv_prepare_t turn;  /* runs actors and deferred work before each poll */
  uv_idle_t keep_hot; /* active while work is left over: poll must not block */
  tr_runq inbox;      /* actors scheduled from other threads */
  tr_actor *local_head, *local_tail; /* actors scheduled on this thread */
  tr_actor *system;   /* runs posted tasks and group operations */
  tr_defer *defers;
  size_t ndefers, cap_defers;
  /* Actors whose START was handled and STOP not yet (home thread only). */
  tr_actor *live;
  /* Actors spawned here and not yet stopped (any thread increments). */
  _Atomic long live_count;
  int stopping; /* home thread: runtime stop reached this worker */
  int exiting;  /* home thread: closing its handles */
  /* Threads in the middle of handing this worker work, and whether it has
   * closed its doors; see worker_enter() in worker.c. */
  _Atomic int senders;
  _Atomic int closed;
};

enum { TR_RT_NEW = 0, TR_RT_RUNNING, TR_RT_STOPPING, TR_RT_STOPPED };

struct tr_runtime {
  _Atomic unsigned refs; /* the user's, plus one per actor */
  _Atomic int state;
  unsigned nworkers;
  unsigned mailbox_slots;
  unsigned batch;
  tr_worker *workers;
  _Atomic unsigned next_worker;
  _Atomic uint64_t next_actor_id;
  _Atomic uint64_t dropped;
  pthread_mutex_t stop_lock;
};

/* runtime.c */
void tr__runtime_retain(tr_runtime *rt);
void tr__runtime_release(tr_runtime *rt);

/* worker.c */
extern __thread tr_worker *tr__current_worker;
/* Guard for handing work to w from any thread: returns 0 inside the guard, or
 * TR_ECLOSED (guard not taken) once w has closed. */
int tr__worker_enter(tr_worker *w);
void tr__worker_leave(tr_worker *w);
/* Queues a to run on its home worker (caller owns one reference for the
 * queue). */
void tr__worker_schedule(tr_worker *w, tr_actor *a);
int tr__worker_init(tr_worker *w, tr_runtime *rt, unsigned index);
int tr__worker_start(tr_worker *w);
void tr__worker_join(tr_worker *w);
void tr__worker_destroy(tr_worker *w);
void tr__worker_begin_stop(void *w);
/* The system actor's messages, sent to worker w (guarded). */
int tr__worker_send_system(tr_worker *w, const tr_msg *m);

/* actor.c */
tr_actor *tr__actor_new_system(tr_runtime *rt, tr_worker *w);
void tr__actor_free_system(tr_actor *a);
/* Runs one turn of at most batch messages; returns 1 if it must run again. */
int tr__actor_run(tr_actor *a, unsigned batch);
/* Pushes m and schedules a if idle; the actor-state check is the caller's. */
int tr__actor_push(tr_actor *a, const tr_msg *m);
/* Drops everything in a's mailbox, on a thread that has exclusive access. */
void tr__actor_run_orphan(tr_actor *a);

/* group.c: the system actor hands TR_MSG_GROUP messages to it. */
void tr__group_handle(tr_worker *w, const tr_msg *m);

#endif
