/* The timer actor: a uv_timer_t on its home worker, driven by messages so
 * that every call is safe from any thread and one thread's calls apply in
 * order. Deadlines are kept on the monotonic clock; an absolute (wall-clock)
 * time is converted when it is set up. */
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "troupe/future.h"
#include "troupe/log.h"
#include "troupe/timer.h"

enum { T_SETUP = 1, T_WAIT_ASYNC, T_WAIT_SYNC, T_CANCEL };

struct tr_timer {
  tr_actor *self;  /* for the API: written once by tr_timer_new */
  tr_actor *owner; /* the same actor, for the worker's side: set in started */
  tr_timer_callbacks cb;
  void *ctx;
  uv_timer_t handle;
  int handle_open;
  uint64_t deadline_ms; /* monotonic; 0 = not set up */
  int async_waiting;
  tr_future *sync_waiter; /* at most one at a time */
};

uint64_t tr_time_unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t mono_ms(void) { return uv_hrtime() / 1000000u; }

static void finish_waits(tr_timer *t, int canceled) {
  if (t->sync_waiter) {
    tr_future_complete(t->sync_waiter, canceled ? TR_ECANCELED : 0, NULL);
    tr_future_release(t->sync_waiter);
    t->sync_waiter = NULL;
  }
  if (t->async_waiting) {
    t->async_waiting = 0;
    if (t->cb.on_timer)
      t->cb.on_timer(t, canceled, t->ctx);
  }
}

static void arm(tr_timer *t);

static void on_expired(uv_timer_t *h) {
  tr_timer *t = h->data;
  /* libuv counts from the loop's cached time, which can lag the clock by a
   * whole slow iteration; never report expiry before the deadline. */
  if (mono_ms() < t->deadline_ms) {
    arm(t);
    return;
  }
  finish_waits(t, 0);
}

static void arm(tr_timer *t) {
  uv_loop_t *loop = t->handle.loop;
  uv_update_time(loop);
  uint64_t now = mono_ms();
  uint64_t due = t->deadline_ms > now ? t->deadline_ms - now : 0;
  uv_timer_start(&t->handle, on_expired, due, 0);
}

static void on_closed(uv_handle_t *h) {
  tr_timer *t = h->data;
  tr_actor_release(t->owner); /* the reference the open handle held */
}

static int timer_started(tr_actor *self, void *state) {
  tr_timer *t = state;
  t->owner = self;
  int rc = uv_timer_init(tr_worker_loop(tr_actor_worker(self)), &t->handle);
  if (rc != 0) {
    if (t->cb.on_error)
      t->cb.on_error(t, rc, "timer", uv_strerror(rc), t->ctx);
    return rc;
  }
  t->handle.data = t;
  t->handle_open = 1;
  tr_actor_retain(self);
  return 0;
}

static void timer_receive(tr_actor *self, void *state, const tr_msg *m) {
  tr_timer *t = state;
  switch (m->type) {
  case T_SETUP:
    /* A new expiry time cancels what was waiting on the old one. */
    uv_timer_stop(&t->handle);
    finish_waits(t, 1);
    t->deadline_ms = m->u64;
    break;
  case T_WAIT_ASYNC:
  case T_WAIT_SYNC:
    if (m->type == T_WAIT_SYNC) {
      if (t->sync_waiter) {
        tr_future_complete(m->ptr, TR_EBUSY, NULL);
        tr_future_release(m->ptr);
        break;
      }
      t->sync_waiter = m->ptr;
    } else {
      t->async_waiting = 1;
    }
    if (!t->deadline_ms) {
      if (t->cb.on_error)
        t->cb.on_error(t, TR_ESTATE, "timer", "wait on a timer that was never set up", t->ctx);
      finish_waits(t, 1);
      break;
    }
    if (!uv_is_active((uv_handle_t *)&t->handle))
      arm(t);
    break;
  case T_CANCEL:
    uv_timer_stop(&t->handle);
    finish_waits(t, 1);
    break;
  }
}

static void timer_stopped(tr_actor *self, void *state) {
  tr_timer *t = state;
  if (!t->handle_open)
    return;
  uv_timer_stop(&t->handle);
  finish_waits(t, 1);
  uv_close((uv_handle_t *)&t->handle, on_closed);
}

static void timer_dropped(tr_actor *self, void *state, const tr_msg *m) {
  if (m->type == T_WAIT_SYNC) {
    tr_future_complete(m->ptr, TR_ECLOSED, NULL);
    tr_future_release(m->ptr);
  }
}

static const tr_behaviour timer_behaviour = {
  .name = "troupe.timer",
  .started = timer_started,
  .receive = timer_receive,
  .stopped = timer_stopped,
  .dropped = timer_dropped,
};

int tr_timer_new(tr_runtime *rt, const tr_timer_callbacks *cb, void *ctx, tr_timer **out) {
  if (!rt || !out)
    return TR_EINVAL;
  tr_timer init = {.ctx = ctx};
  if (cb)
    init.cb = *cb;
  tr_actor_options o = {.worker = -1, .state_size = sizeof(tr_timer), .state_init = &init};
  tr_actor *a;
  int rc = tr_actor_spawn(rt, &timer_behaviour, &o, &a);
  if (rc != 0)
    return rc;
  tr_timer *t = tr_actor_state(a);
  /* Written before the handle is published; the worker side uses owner. */
  t->self = a;
  *out = t;
  return 0;
}

void tr_timer_free(tr_timer *t) {
  if (!t)
    return;
  tr_actor *a = t->self;
  tr_actor_stop(a);
  tr_actor_release(a);
}

static int timer_send(tr_timer *t, uint32_t type, uint64_t u64, void *ptr) {
  if (!t)
    return TR_EINVAL;
  tr_msg m = {.type = type, .u64 = u64, .ptr = ptr};
  return tr_actor_send(t->self, &m);
}

int tr_timer_setup_at(tr_timer *t, uint64_t unix_ms) {
  uint64_t now_unix = tr_time_unix_ms(), now = mono_ms();
  uint64_t deadline = unix_ms > now_unix ? now + (unix_ms - now_unix) : now;
  return timer_send(t, T_SETUP, deadline ? deadline : 1, NULL);
}

int tr_timer_setup_after(tr_timer *t, uint64_t ms) {
  uint64_t deadline = mono_ms() + ms;
  return timer_send(t, T_SETUP, deadline ? deadline : 1, NULL);
}

int tr_timer_wait_async(tr_timer *t) { return timer_send(t, T_WAIT_ASYNC, 0, NULL); }
int tr_timer_cancel(tr_timer *t) { return timer_send(t, T_CANCEL, 0, NULL); }

int tr_timer_wait_sync(tr_timer *t) {
  if (!t)
    return TR_EINVAL;
  if (tr_worker_is_current(tr_actor_worker(t->self)))
    return TR_EDEADLK;
  tr_future *f = tr_future_new();
  if (!f)
    return TR_ENOMEM;
  int rc = timer_send(t, T_WAIT_SYNC, 0, tr_future_retain(f));
  if (rc != 0) {
    tr_future_release(f);
    tr_future_release(f);
    return rc;
  }
  rc = tr_future_wait(f, -1, NULL);
  tr_future_release(f);
  return rc;
}
