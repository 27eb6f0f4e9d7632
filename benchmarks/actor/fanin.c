/* fanin: plain threads send to one actor through tr_actor_send; the actor
 * counts what it receives. This is the path a session's foreign-thread send
 * takes, so its ratio to ring-ref is the cost of the actor machinery. */
#include <stdio.h>

#include "bench.h"
#include "internal.h" /* only to read the receiver's overflow count */
#include "troupe/error.h"
#include "troupe/runtime.h"

static void receiver_receive(tr_actor *self, void *state, const tr_msg *msg) {
  bench_load_deliver(state, msg);
}

static const tr_behaviour receiver_behaviour = {
    .name = "bench.receiver",
    .receive = receiver_receive,
};

static int send_to_actor(void *ctx, const tr_msg *m) { return tr_actor_send(ctx, m); }

int bench_fanin(const bench_opts *o, bench_result *r) {
  bench_load l;
  int rc = bench_load_init(&l, o->senders);
  if (rc != 0)
    return rc;
  tr_runtime *rt = NULL;
  tr_actor *rx = NULL;
  tr_runtime_options ro = {.workers = o->threads, .mailbox_slots = o->slots};
  if ((rc = tr_runtime_new(&rt, &ro)) != 0 || (rc = tr_runtime_start(rt)) != 0)
    goto out;
  tr_actor_options ao = {.worker = 0, .state = &l};
  if ((rc = tr_actor_spawn(rt, &receiver_behaviour, &ao, &rx)) != 0)
    goto out;
  bench_sink sink = {.send = send_to_actor, .ctx = rx};
  rc = bench_load_run(&l, &sink, o, r);
  r->overflowed = (int64_t)atomic_load_explicit(&rx->mb.overflowed, memory_order_relaxed);
out:
  if (rt)
    tr_runtime_stop(rt);
  /* The workers have joined: the receiver's writes are visible. */
  r->errors += l.order_errors;
  tr_actor_release(rx);
  tr_runtime_free(rt);
  bench_load_destroy(&l);
  return rc;
}
