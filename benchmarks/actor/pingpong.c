/* pingpong-same / pingpong-cross: one message bounces between two actors,
 * on one worker or on two. The pinger stamps each ping with the clock and
 * reads it again when the pong comes back: one round-trip sample per message,
 * and one round trip is what "Total messages" counts. */
#include <stdlib.h>

#include "bench.h"
#include "troupe/error.h"
#include "troupe/future.h"
#include "troupe/runtime.h"

#define ROUND_TRIP_CAP_PER_SEC 100000000ull

typedef struct pingpong {
  tr_actor *ponger;
  tr_future *done;
  bench_hist *hist;
  uint64_t seconds;
  /* pinger's thread: */
  uint64_t start, end, deadline, cap, count, ping_errors;
  /* ponger's thread: */
  uint64_t pong_errors;
} pingpong;

static void finish(pingpong *pp, uint64_t now) {
  pp->end = now;
  tr_future_complete(pp->done, 0, NULL);
}

static void ping(tr_actor *self, pingpong *pp, uint64_t now) {
  tr_msg m = {.type = BENCH_MSG_TYPE, .ptr = self, .u64 = now};
  if (tr_actor_send(pp->ponger, &m) != 0) {
    pp->ping_errors++;
    finish(pp, now);
  }
}

static int pinger_started(tr_actor *self, void *state) {
  pingpong *pp = state;
  pp->start = bench_now_ns();
  pp->deadline = pp->start + pp->seconds * 1000000000ull;
  ping(self, pp, pp->start);
  return 0;
}

static void pinger_receive(tr_actor *self, void *state, const tr_msg *msg) {
  pingpong *pp = state;
  uint64_t now = bench_now_ns();
  bench_hist_add(pp->hist, now - msg->u64);
  if (++pp->count >= pp->cap || now >= pp->deadline)
    finish(pp, now);
  else
    ping(self, pp, now);
}

static void ponger_receive(tr_actor *self, void *state, const tr_msg *msg) {
  pingpong *pp = state;
  tr_msg m = *msg;
  m.ptr = self;
  if (tr_actor_send(msg->ptr, &m) != 0) {
    pp->pong_errors++;
    tr_future_complete(pp->done, TR_ECLOSED, NULL);
  }
}

static const tr_behaviour pinger_behaviour = {
    .name = "bench.pinger", .started = pinger_started, .receive = pinger_receive};
static const tr_behaviour ponger_behaviour = {.name = "bench.ponger", .receive = ponger_receive};

int bench_pingpong(const bench_opts *o, int cross, bench_result *r) {
  pingpong pp = {.seconds = o->seconds, .cap = ROUND_TRIP_CAP_PER_SEC * o->seconds};
  pp.hist = calloc(1, sizeof *pp.hist);
  pp.done = tr_future_new();
  tr_runtime *rt = NULL;
  tr_actor *pinger = NULL;
  int rc = TR_ENOMEM;
  if (!pp.hist || !pp.done)
    goto out;
  unsigned workers = o->threads;
  if (cross && workers < 2)
    workers = 2;
  tr_runtime_options ro = {.workers = workers, .mailbox_slots = o->slots};
  if ((rc = tr_runtime_new(&rt, &ro)) != 0 || (rc = tr_runtime_start(rt)) != 0)
    goto out;
  tr_actor_options po = {.worker = 0, .state = &pp};
  if ((rc = tr_actor_spawn(rt, &ponger_behaviour, &po, &pp.ponger)) != 0)
    goto out;
  tr_actor_options io = {.worker = cross ? 1 : 0, .state = &pp};
  if ((rc = tr_actor_spawn(rt, &pinger_behaviour, &io, &pinger)) != 0)
    goto out;
  int wrc = tr_future_wait(pp.done, (int64_t)(o->seconds + 30) * 1000, NULL);
  if (wrc != 0)
    r->errors++;
out:
  if (rt)
    tr_runtime_stop(rt);
  /* Workers joined: both actors' counters are final. */
  r->errors += pp.ping_errors + pp.pong_errors;
  if (rc == 0) {
    r->ns = (pp.end ? pp.end : bench_now_ns()) - pp.start;
    r->messages = pp.count;
    r->latency = pp.hist;
    pp.hist = NULL;
  }
  tr_actor_release(pinger);
  tr_actor_release(pp.ponger);
  tr_runtime_free(rt);
  if (pp.done)
    tr_future_release(pp.done);
  free(pp.hist);
  return rc;
}
