/* tr_future: mutex + condition variable (monotonic clock), reference counted
 * so that the waiter and the completer can each drop theirs in any order. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "troupe/future.h"

struct tr_future {
  _Atomic unsigned refs;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int done;
  int result;
  void *value;
  tr_future_cb cb;
  void *cb_ctx;
};

tr_future *tr_future_new(void) {
  tr_future *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  atomic_init(&f->refs, 1);
  pthread_mutex_init(&f->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&f->cond, &attr);
  pthread_condattr_destroy(&attr);
  return f;
}

tr_future *tr_future_retain(tr_future *f) {
  /* relaxed: the caller holds a reference already. */
  atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
  return f;
}

void tr_future_release(tr_future *f) {
  if (!f)
    return;
  /* acq_rel: the last holder sees the other's last use before freeing. */
  if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
    return;
  pthread_cond_destroy(&f->cond);
  pthread_mutex_destroy(&f->lock);
  free(f);
}

int tr_future_complete(tr_future *f, int result, void *value) {
  if (!f)
    return TR_EINVAL;
  pthread_mutex_lock(&f->lock);
  if (f->done) {
    pthread_mutex_unlock(&f->lock);
    return TR_EALREADY;
  }
  f->done = 1;
  f->result = result;
  f->value = value;
  tr_future_cb cb = f->cb;
  void *ctx = f->cb_ctx;
  f->cb = NULL;
  pthread_cond_broadcast(&f->cond);
  pthread_mutex_unlock(&f->lock);
  if (cb)
    cb(f, result, value, ctx);
  return 0;
}

int tr_future_is_done(const tr_future *f) {
  pthread_mutex_lock((pthread_mutex_t *)&f->lock);
  int d = f->done;
  pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
  return d;
}

int tr_future_wait(tr_future *f, int64_t timeout_ms, void **value) {
  if (!f)
    return TR_EINVAL;
  pthread_mutex_lock(&f->lock);
  if (!f->done && timeout_ms != 0 && tr__current_worker) {
    pthread_mutex_unlock(&f->lock);
    return TR_EDEADLK;
  }
  if (!f->done && timeout_ms != 0) {
    if (timeout_ms < 0) {
      while (!f->done)
        pthread_cond_wait(&f->cond, &f->lock);
    } else {
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      until.tv_sec += timeout_ms / 1000;
      until.tv_nsec += (timeout_ms % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      while (!f->done && pthread_cond_timedwait(&f->cond, &f->lock, &until) == 0)
        ;
    }
  }
  int rc = f->done ? f->result : TR_ETIMEDOUT;
  if (f->done && value)
    *value = f->value;
  pthread_mutex_unlock(&f->lock);
  return rc;
}

int tr_future_then(tr_future *f, tr_future_cb cb, void *ctx) {
  if (!f || !cb)
    return TR_EINVAL;
  pthread_mutex_lock(&f->lock);
  if (f->cb) {
    pthread_mutex_unlock(&f->lock);
    return TR_EBUSY;
  }
  if (!f->done) {
    f->cb = cb;
    f->cb_ctx = ctx;
    pthread_mutex_unlock(&f->lock);
    return 0;
  }
  int result = f->result;
  void *value = f->value;
  pthread_mutex_unlock(&f->lock);
  cb(f, result, value, ctx);
  return 0;
}
