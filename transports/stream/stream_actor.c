/* The stream core's actor side: binding to the actor, its messages, and the
 * end of its life. */
#include <stdlib.h>

#include "stream_core.h"
#include "troupe/runtime.h"

void tr__stream_init(tr__stream *st, tr_actor *self, const tr__stream_kind *kind) {
  st->actor = self;
  st->worker = tr_actor_worker(self);
  st->loop = tr_worker_loop(st->worker);
  st->kind = kind;
  st->user = st->user_off ? (char *)st + st->user_off : st->user_ctx;
  st->waiters = NULL;
  st->waiters_tail = &st->waiters;
  st->started = 1;
  /* The "actor alive" hold, dropped by tr__stream_stopped. */
  tr__stream_hold(st);
}

void tr__stream_stopped(tr__stream *st) {
  st->dead = 1;
  tr__stream_close(st);
  tr__stream_unhold(st);
}

int tr__stream_on_home(const tr__stream *st, const tr_actor *a) {
  return tr_worker_is_current(tr_actor_worker(a)) && st->started && !st->dead;
}

static void add_waiter(tr__stream *st, tr_future *f) {
  tr__waiter *w = malloc(sizeof *w);
  if (!w) {
    tr_future_complete(f, TR_ENOMEM, NULL);
    tr_future_release(f);
    return;
  }
  w->next = NULL;
  w->target = st->queued_total;
  w->f = f;
  *st->waiters_tail = w;
  st->waiters_tail = &w->next;
}

int tr__stream_receive(tr__stream *st, const tr_msg *m) {
  switch (m->type) {
  case TR__MSG_SEND:
    if (m->buf)
      tr__stream_append(st, tr_buf_data(m->buf), tr_buf_len(m->buf));
    return 1;
  case TR__MSG_SEND_SYNC: {
    tr_future *f = m->ptr;
    int rc = m->buf ? tr__stream_append(st, tr_buf_data(m->buf), tr_buf_len(m->buf)) : 0;
    if (rc < 0) {
      tr_future_complete(f, rc, NULL);
      tr_future_release(f);
    } else {
      add_waiter(st, f);
    }
    return 1;
  }
  case TR__MSG_DISCONNECT:
    tr__stream_close(st);
    return 1;
  case TR__MSG_PAUSE:
    tr__stream_pause(st);
    return 1;
  case TR__MSG_RESUME:
    tr__stream_resume(st);
    return 1;
  default:
    if (m->type >= TR__MSG_KIND && st->kind && st->kind->receive) {
      st->kind->receive(st, m);
      return 1;
    }
    return 0;
  }
}

void tr__stream_dropped(tr__stream *st, const tr_msg *m) {
  if (m->type == TR__MSG_SEND_SYNC && m->ptr) {
    tr_future_complete(m->ptr, TR_ECLOSED, NULL);
    tr_future_release(m->ptr);
  }
}
