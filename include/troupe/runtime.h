/* tr_runtime: worker threads, each running one libuv loop.
 *
 * Threading rules (they hold for every public call of troupe):
 *  - Every function here is safe from any thread unless it says otherwise.
 *  - "post" always enqueues: fn runs later on the target worker, in FIFO order
 *    with everything else posted to that worker.
 *  - "dispatch" runs fn at once when the caller is already on the target
 *    worker, and posts otherwise (CppServer's Dispatch/Post).
 *  - A task accepted by post (return 0) runs exactly once, at the latest while
 *    tr_runtime_stop() drains the workers. After the runtime has stopped, post
 *    returns TR_ECLOSED and the caller keeps ownership of arg.
 */
#ifndef TROUPE_RUNTIME_H
#define TROUPE_RUNTIME_H

#include <stdint.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_runtime tr_runtime;
typedef struct tr_worker tr_worker;

typedef void (*tr_task_fn)(void *arg);

typedef struct tr_runtime_options {
  unsigned workers;       /* worker threads; 0 = number of CPUs */
  unsigned mailbox_slots; /* default ring slots per actor mailbox (rounded up to a power of two); 0 = 128 */
  unsigned batch;         /* messages an actor handles per turn before others get the worker; 0 = 64 */
} tr_runtime_options;

/* A runtime, not yet started. opts may be NULL for defaults. */
int tr_runtime_new(tr_runtime **out, const tr_runtime_options *opts);
/* Starts the worker threads. TR_EBUSY if already started, TR_ECLOSED once stopped. */
int tr_runtime_start(tr_runtime *rt);
/* Graceful stop, blocking until done: refuses new actors, gives every actor its
 * stopped callback (messages queued before the stop are still delivered; any
 * that race in later are handed to the behaviour's dropped callback and
 * counted in tr_runtime_dropped), closes every libuv handle, joins the threads.
 * TR_EDEADLK when called on one of the runtime's own workers; TR_EALREADY if
 * already stopped. A runtime cannot be started again. */
int tr_runtime_stop(tr_runtime *rt);
/* Stops (if running) and drops the caller's reference. Memory goes when the
 * last actor handle still held by the user is released too. */
void tr_runtime_free(tr_runtime *rt);

int tr_runtime_is_running(const tr_runtime *rt);
unsigned tr_runtime_worker_count(const tr_runtime *rt);
tr_worker *tr_runtime_worker(tr_runtime *rt, unsigned index);
/* Workers in turn (round robin), for spreading actors and connections. */
tr_worker *tr_runtime_next_worker(tr_runtime *rt);
/* Messages accepted but never delivered because their actor stopped first. */
uint64_t tr_runtime_dropped(const tr_runtime *rt);

/* Post to / dispatch on some worker of the runtime (round robin for post;
 * dispatch runs at once on any of the runtime's workers). */
int tr_runtime_post(tr_runtime *rt, tr_task_fn fn, void *arg);
int tr_runtime_dispatch(tr_runtime *rt, tr_task_fn fn, void *arg);

/* The worker running on the calling thread, or NULL. */
tr_worker *tr_worker_current(void);
int tr_worker_post(tr_worker *w, tr_task_fn fn, void *arg);
int tr_worker_dispatch(tr_worker *w, tr_task_fn fn, void *arg);
unsigned tr_worker_index(const tr_worker *w);
tr_runtime *tr_worker_runtime(const tr_worker *w);
/* The worker's libuv loop. Only touch it on that worker (from a task, an
 * actor's callback or a handle's callback). */
uv_loop_t *tr_worker_loop(tr_worker *w);
/* Whether the calling thread is w. */
int tr_worker_is_current(const tr_worker *w);
/* On worker w only (the calling thread must be w, else TR_EINVAL): runs
 * fn(arg) once, after every callback and actor turn of the current loop
 * iteration, just before the loop waits for I/O again. Transports flush their
 * output buffers with it so that many sends in one turn become one write. A
 * deferred fn may defer again; that runs in the same pass. */
int tr_worker_defer(tr_worker *w, tr_task_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
