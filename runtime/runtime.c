/* The runtime: creates, starts, stops and frees the workers. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "troupe/log.h"

static unsigned cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

int tr_runtime_new(tr_runtime **out, const tr_runtime_options *opts) {
  if (!out)
    return TR_EINVAL;
  *out = NULL;
  tr_runtime_options o = {0};
  if (opts)
    o = *opts;
  if (o.workers > 1024)
    return TR_EINVAL;
  tr_runtime *rt = calloc(1, sizeof *rt);
  if (!rt)
    return TR_ENOMEM;
  atomic_init(&rt->refs, 1);
  atomic_init(&rt->state, TR_RT_NEW);
  atomic_init(&rt->next_worker, 0);
  atomic_init(&rt->next_actor_id, 0);
  atomic_init(&rt->dropped, 0);
  rt->nworkers = o.workers ? o.workers : cpu_count();
  rt->mailbox_slots = o.mailbox_slots ? o.mailbox_slots : 128;
  rt->batch = o.batch ? o.batch : 64;
  pthread_mutex_init(&rt->stop_lock, NULL);
  rt->workers = calloc(rt->nworkers, sizeof(tr_worker));
  if (!rt->workers) {
    free(rt);
    return TR_ENOMEM;
  }
  for (unsigned i = 0; i < rt->nworkers; i++) {
    int rc = tr__worker_init(&rt->workers[i], rt, i);
    if (rc != 0) {
      /* Workers [0, i] have loops; tear them down like a never-started runtime. */
      for (unsigned j = 0; j <= i; j++)
        tr__worker_destroy(&rt->workers[j]);
      free(rt->workers);
      free(rt);
      return rc;
    }
  }
  *out = rt;
  return 0;
}

int tr_runtime_start(tr_runtime *rt) {
  if (!rt)
    return TR_EINVAL;
  int expect = TR_RT_NEW;
  /* acq_rel: one starter wins; the rest see its outcome. */
  if (!atomic_compare_exchange_strong_explicit(&rt->state, &expect, TR_RT_RUNNING, memory_order_acq_rel,
                                               memory_order_acquire))
    return expect == TR_RT_RUNNING ? TR_EBUSY : TR_ECLOSED;
  for (unsigned i = 0; i < rt->nworkers; i++) {
    int rc = tr__worker_start(&rt->workers[i]);
    if (rc != 0) {
      tr_log(TR_LOG_ERROR, "runtime", "cannot start worker %u: %s", i, uv_strerror(rc));
      /* Stop the ones that run; the rest never started. */
      for (unsigned j = 0; j < i; j++)
        tr_worker_post(&rt->workers[j], tr__worker_begin_stop, &rt->workers[j]);
      for (unsigned j = 0; j < i; j++)
        tr__worker_join(&rt->workers[j]);
      atomic_store_explicit(&rt->state, TR_RT_STOPPED, memory_order_release);
      return rc;
    }
  }
  return 0;
}

int tr_runtime_stop(tr_runtime *rt) {
  if (!rt)
    return TR_EINVAL;
  if (tr__current_worker && tr__current_worker->rt == rt)
    return TR_EDEADLK;
  pthread_mutex_lock(&rt->stop_lock);
  int state = atomic_load_explicit(&rt->state, memory_order_acquire);
  if (state == TR_RT_STOPPED) {
    pthread_mutex_unlock(&rt->stop_lock);
    return TR_EALREADY;
  }
  if (state == TR_RT_NEW) {
    atomic_store_explicit(&rt->state, TR_RT_STOPPED, memory_order_release);
    pthread_mutex_unlock(&rt->stop_lock);
    return 0;
  }
  /* release: spawns that read STOPPING after this see a consistent runtime;
   * those that still read RUNNING are inside a worker's guard (see spawn). */
  atomic_store_explicit(&rt->state, TR_RT_STOPPING, memory_order_seq_cst);
  for (unsigned i = 0; i < rt->nworkers; i++)
    tr_worker_post(&rt->workers[i], tr__worker_begin_stop, &rt->workers[i]);
  for (unsigned i = 0; i < rt->nworkers; i++)
    tr__worker_join(&rt->workers[i]);
  atomic_store_explicit(&rt->state, TR_RT_STOPPED, memory_order_release);
  pthread_mutex_unlock(&rt->stop_lock);
  return 0;
}

void tr__runtime_retain(tr_runtime *rt) {
  /* relaxed: taken while another reference is held. */
  atomic_fetch_add_explicit(&rt->refs, 1, memory_order_relaxed);
}

void tr__runtime_release(tr_runtime *rt) {
  /* acq_rel: the last holder sees all others' writes before freeing. */
  if (atomic_fetch_sub_explicit(&rt->refs, 1, memory_order_acq_rel) != 1)
    return;
  pthread_mutex_destroy(&rt->stop_lock);
  free(rt->workers);
  free(rt);
}

void tr_runtime_free(tr_runtime *rt) {
  if (!rt)
    return;
  int rc = tr_runtime_stop(rt);
  if (rc == TR_EDEADLK) {
    tr_log(TR_LOG_ERROR, "runtime", "tr_runtime_free called on one of its own workers; leaking it");
    return;
  }
  /* Loops are closed; the system actors go now. Each holds a runtime
   * reference, so the memory stays until the last user-held actor goes. */
  for (unsigned i = 0; i < rt->nworkers; i++)
    tr__worker_destroy(&rt->workers[i]);
  tr__runtime_release(rt);
}

int tr_runtime_is_running(const tr_runtime *rt) {
  return atomic_load_explicit(&rt->state, memory_order_acquire) == TR_RT_RUNNING;
}
unsigned tr_runtime_worker_count(const tr_runtime *rt) { return rt->nworkers; }

tr_worker *tr_runtime_worker(tr_runtime *rt, unsigned index) {
  return index < rt->nworkers ? &rt->workers[index] : NULL;
}

tr_worker *tr_runtime_next_worker(tr_runtime *rt) {
  /* relaxed: only spreads load; no ordering is implied. */
  unsigned i = atomic_fetch_add_explicit(&rt->next_worker, 1, memory_order_relaxed);
  return &rt->workers[i % rt->nworkers];
}

uint64_t tr_runtime_dropped(const tr_runtime *rt) {
  return atomic_load_explicit(&rt->dropped, memory_order_relaxed);
}

int tr_runtime_post(tr_runtime *rt, tr_task_fn fn, void *arg) {
  if (!rt || !fn)
    return TR_EINVAL;
  return tr_worker_post(tr_runtime_next_worker(rt), fn, arg);
}

int tr_runtime_dispatch(tr_runtime *rt, tr_task_fn fn, void *arg) {
  if (!rt || !fn)
    return TR_EINVAL;
  if (tr__current_worker && tr__current_worker->rt == rt) {
    fn(arg);
    return 0;
  }
  return tr_runtime_post(rt, fn, arg);
}
