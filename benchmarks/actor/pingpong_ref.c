/* pingpong-ref: the bare reference for pingpong-cross. Two threads, each
 * running its own libuv loop with a ck_ring MPSC inbox and a uv_async_t, bounce
 * one message; no actors. A watchdog timer ends a run whose message got lost. */
#include <ck_ring.h>
#include <stdlib.h>
#include <uv.h>

#include "bench.h"
#include "troupe/error.h"

CK_RING_PROTOTYPE(pp_msg, tr_msg)

#define RING_SLOTS 16u
#define QUIT_TYPE 2u
#define ROUND_TRIP_CAP_PER_SEC 100000000ull

typedef struct side {
  ck_ring_t ring;
  tr_msg slots[RING_SLOTS];
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t watchdog; /* pinger only */
  uv_thread_t thread;
  struct side *peer;
  struct pp_ref *pp;
  int pinger;
  uint64_t errors; /* this side's thread only */
} side;

typedef struct pp_ref {
  side a, b; /* a pings, b pongs */
  bench_hist *hist;
  uint64_t seconds, start, end, deadline, cap, count; /* pinger's */
} pp_ref;

static int post(side *to, const tr_msg *m) {
  if (!ck_ring_enqueue_mpsc_pp_msg(&to->ring, to->slots, (tr_msg *)m))
    return TR_EOVERFLOW;
  uv_async_send(&to->wake);
  return 0;
}

static void pinger_finish(side *s, uint64_t now) {
  pp_ref *pp = s->pp;
  pp->end = now;
  tr_msg q = {.type = QUIT_TYPE};
  if (post(s->peer, &q) != 0)
    s->errors++;
  uv_close((uv_handle_t *)&s->wake, NULL);
  uv_close((uv_handle_t *)&s->watchdog, NULL);
}

static void ping(side *s, uint64_t now) {
  tr_msg m = {.type = BENCH_MSG_TYPE, .u64 = now};
  if (post(s->peer, &m) != 0) {
    s->errors++;
    pinger_finish(s, now);
  }
}

static void on_wake(uv_async_t *h) {
  side *s = h->data;
  pp_ref *pp = s->pp;
  tr_msg m;
  while (!uv_is_closing((uv_handle_t *)h) && ck_ring_dequeue_mpsc_pp_msg(&s->ring, s->slots, &m)) {
    if (!s->pinger) {
      if (m.type == QUIT_TYPE)
        uv_close((uv_handle_t *)h, NULL);
      else if (post(s->peer, &m) != 0)
        s->errors++;
      continue;
    }
    uint64_t now = bench_now_ns();
    bench_hist_add(pp->hist, now - m.u64);
    if (++pp->count >= pp->cap || now >= pp->deadline)
      pinger_finish(s, now);
    else
      ping(s, now);
  }
}

static void on_watchdog(uv_timer_t *t) {
  side *s = t->data;
  s->errors++;
  pinger_finish(s, bench_now_ns());
}

static void side_main(void *arg) {
  side *s = arg;
  if (s->pinger) {
    pp_ref *pp = s->pp;
    pp->start = bench_now_ns();
    pp->deadline = pp->start + pp->seconds * 1000000000ull;
    uv_timer_start(&s->watchdog, on_watchdog, (pp->seconds + 10) * 1000, 0);
    ping(s, pp->start);
  }
  uv_run(&s->loop, UV_RUN_DEFAULT);
}

static int side_init(side *s, side *peer, pp_ref *pp, int pinger) {
  s->peer = peer;
  s->pp = pp;
  s->pinger = pinger;
  ck_ring_init(&s->ring, RING_SLOTS);
  int rc = uv_loop_init(&s->loop);
  if (rc != 0)
    return rc;
  uv_async_init(&s->loop, &s->wake, on_wake);
  s->wake.data = s;
  if (pinger) {
    uv_timer_init(&s->loop, &s->watchdog);
    s->watchdog.data = s;
  }
  return 0;
}

int bench_pingpong_ref(const bench_opts *o, bench_result *r) {
  pp_ref *pp = calloc(1, sizeof *pp);
  if (!pp)
    return TR_ENOMEM;
  pp->seconds = o->seconds;
  pp->cap = ROUND_TRIP_CAP_PER_SEC * o->seconds;
  pp->hist = calloc(1, sizeof *pp->hist);
  int rc = TR_ENOMEM;
  if (!pp->hist)
    goto out;
  if ((rc = side_init(&pp->a, &pp->b, pp, 1)) != 0)
    goto out;
  if ((rc = side_init(&pp->b, &pp->a, pp, 0)) != 0) {
    uv_close((uv_handle_t *)&pp->a.wake, NULL);
    uv_close((uv_handle_t *)&pp->a.watchdog, NULL);
    uv_run(&pp->a.loop, UV_RUN_DEFAULT);
    uv_loop_close(&pp->a.loop);
    goto out;
  }
  /* The ponger first, so the first ping finds its loop running or about to. */
  if ((rc = uv_thread_create(&pp->b.thread, side_main, &pp->b)) != 0) {
    uv_close((uv_handle_t *)&pp->b.wake, NULL);
    uv_run(&pp->b.loop, UV_RUN_DEFAULT);
    pinger_finish(&pp->a, 0); /* closes a's handles; the quit lands in b's closed ring */
    uv_run(&pp->a.loop, UV_RUN_DEFAULT);
  } else if ((rc = uv_thread_create(&pp->a.thread, side_main, &pp->a)) != 0) {
    pinger_finish(&pp->a, 0); /* tells b to quit */
    uv_run(&pp->a.loop, UV_RUN_DEFAULT);
    uv_thread_join(&pp->b.thread);
  } else {
    uv_thread_join(&pp->a.thread);
    uv_thread_join(&pp->b.thread);
  }
  uv_loop_close(&pp->a.loop);
  uv_loop_close(&pp->b.loop);
  if (rc != 0)
    goto out;
  r->errors += pp->a.errors + pp->b.errors;
  r->ns = pp->end - pp->start;
  r->messages = pp->count;
  r->latency = pp->hist;
  pp->hist = NULL;
out:
  free(pp->hist);
  free(pp);
  return rc;
}
