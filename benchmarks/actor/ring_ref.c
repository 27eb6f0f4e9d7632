/* ring-ref: the bare reference for fanin. The same senders push the same
 * 32-byte message into a typed ck_ring MPSC; a consumer thread running its own
 * libuv loop is woken by a uv_async_t and drains the ring. No actors, no
 * overflow list, no run queue: a full ring makes the sender retry. */
#include <ck_ring.h>
#include <stdlib.h>
#include <uv.h>

#include "bench.h"
#include "troupe/error.h"

CK_RING_PROTOTYPE(ref_msg, tr_msg)

typedef struct ref_consumer {
  ck_ring_t ring;
  tr_msg *slots;
  uv_loop_t loop;
  uv_async_t wake;
  uv_async_t quit;
  uv_thread_t thread;
  bench_load *l;
} ref_consumer;

static void on_wake(uv_async_t *h) {
  ref_consumer *c = h->data;
  tr_msg m;
  while (ck_ring_dequeue_mpsc_ref_msg(&c->ring, c->slots, &m))
    bench_load_deliver(c->l, &m);
}

static void on_quit(uv_async_t *h) {
  ref_consumer *c = h->data;
  uv_close((uv_handle_t *)&c->wake, NULL);
  uv_close((uv_handle_t *)&c->quit, NULL);
}

static void consumer_main(void *arg) {
  ref_consumer *c = arg;
  uv_run(&c->loop, UV_RUN_DEFAULT);
}

static int send_to_ring(void *ctx, const tr_msg *m) {
  ref_consumer *c = ctx;
  if (!ck_ring_enqueue_mpsc_ref_msg(&c->ring, c->slots, (tr_msg *)m))
    return 1;
  /* libuv skips the eventfd write while a wake-up is already pending. */
  uv_async_send(&c->wake);
  return 0;
}

static unsigned pow2_at_least(unsigned n) {
  unsigned p = 4;
  while (p < n && p < (1u << 30))
    p <<= 1;
  return p;
}

int bench_ring_ref(const bench_opts *o, bench_result *r) {
  bench_load l;
  int rc = bench_load_init(&l, o->senders);
  if (rc != 0)
    return rc;
  ref_consumer c = {.l = &l};
  unsigned size = pow2_at_least(o->slots ? o->slots : BENCH_DEFAULT_SLOTS);
  c.slots = malloc(sizeof(tr_msg) * size);
  if (!c.slots) {
    bench_load_destroy(&l);
    return TR_ENOMEM;
  }
  ck_ring_init(&c.ring, size);
  if ((rc = uv_loop_init(&c.loop)) != 0)
    goto out_free;
  uv_async_init(&c.loop, &c.wake, on_wake);
  uv_async_init(&c.loop, &c.quit, on_quit);
  c.wake.data = c.quit.data = &c;
  if ((rc = uv_thread_create(&c.thread, consumer_main, &c)) != 0) {
    uv_close((uv_handle_t *)&c.wake, NULL);
    uv_close((uv_handle_t *)&c.quit, NULL);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    goto out_loop;
  }
  bench_sink sink = {.send = send_to_ring, .ctx = &c};
  rc = bench_load_run(&l, &sink, o, r);
  uv_async_send(&c.quit);
  uv_thread_join(&c.thread);
  r->errors += l.order_errors;
out_loop:
  uv_loop_close(&c.loop);
out_free:
  free(c.slots);
  bench_load_destroy(&l);
  return rc;
}
