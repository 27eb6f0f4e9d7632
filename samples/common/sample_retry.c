#include "sample_retry.h"

static void on_timer(tr_timer *t, int canceled, void *ctx) {
  sample_retry *r = ctx;
  if (!canceled && !atomic_load(&r->stopping))
    r->connect(r->target);
}

int sample_retry_init(sample_retry *r, tr_runtime *rt, void (*connect)(void *target), void *target) {
  static const tr_timer_callbacks cb = {.on_timer = on_timer};
  r->connect = connect;
  r->target = target;
  atomic_init(&r->stopping, 0);
  return tr_timer_new(rt, &cb, r, &r->timer);
}

void sample_retry_later(sample_retry *r) {
  if (!atomic_load(&r->stopping) && tr_timer_setup_after(r->timer, 1000) == 0)
    tr_timer_wait_async(r->timer);
}

void sample_retry_stop(sample_retry *r) {
  atomic_store(&r->stopping, 1);
  tr_timer_cancel(r->timer);
}

void sample_retry_free(sample_retry *r) { tr_timer_free(r->timer); }
