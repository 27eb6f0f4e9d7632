/* The client threads, their -z stop and the summing of their counts. */
#include "bench_clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void close_handle(uv_handle_t *h, void *arg) {
  bench_loop *l = arg;
  if (h != (uv_handle_t *)&l->timer && l->run->close)
    l->run->close(l, h);
  else if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void on_timer(uv_timer_t *timer) {
  bench_loop *l = timer->data;
  l->stopping = 1;
  uv_walk(&l->loop, close_handle, l);
}

static void thread_main(void *arg) {
  bench_loop *l = arg;
  size_t size = l->run->client_size;
  for (int i = 0; i < l->n; i++)
    l->run->start(l, l->clients + (size_t)i * size);
  uv_run(&l->loop, UV_RUN_DEFAULT);
  if (l->run->finish)
    for (int i = 0; i < l->n; i++)
      l->run->finish(l, l->clients + (size_t)i * size);
  uv_loop_close(&l->loop);
}

/* Sums what the threads counted; time runs to the last byte received. */
static void sum(const bench_clients *run, bench_loop *ls, int nloops, uint64_t start) {
  const bench_opts *o = run->o;
  bench_result r = {.size = run->count_size ? run->count_size : o->size};
  uint64_t last = 0;
  for (int i = 0; i < nloops; i++) {
    bench_loop *l = &ls[i];
    r.errors += l->errors;
    r.bytes += l->bytes;
    if (l->last_ns > last)
      last = l->last_ns;
    if (l->nrtt) {
      uint64_t *p = realloc(r.rtt, (r.nrtt + l->nrtt) * sizeof *r.rtt);
      if (!p)
        continue;
      r.rtt = p;
      memcpy(r.rtt + r.nrtt, l->rtt, l->nrtt * sizeof *r.rtt);
      r.nrtt += l->nrtt;
    }
  }
  r.ns = last > start ? last - start : (uint64_t)o->seconds * 1000000000u;
  bench_print_report(&r);
  free(r.rtt);
}

int bench_clients_run(const bench_clients *run) {
  const bench_opts *o = run->o;
  int nloops = o->threads < o->clients ? o->threads : o->clients;
  bench_loop *ls = calloc((size_t)nloops, sizeof *ls);
  if (!ls)
    return 1;
  for (int i = 0; i < nloops; i++) {
    bench_loop *l = &ls[i];
    l->run = run;
    l->n = o->clients / nloops + (i < o->clients % nloops);
    l->clients = calloc((size_t)l->n, run->client_size);
    if (!l->clients)
      return 1;
    uv_loop_init(&l->loop);
    uv_timer_init(&l->loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, on_timer, (uint64_t)o->seconds * 1000, 0);
  }
  uint64_t start = bench_now_ns();
  for (int i = 0; i < nloops; i++)
    uv_thread_create(&ls[i].thread, thread_main, &ls[i]);
  for (int i = 0; i < nloops; i++)
    uv_thread_join(&ls[i].thread);
  sum(run, ls, nloops, start);
  for (int i = 0; i < nloops; i++) {
    free(ls[i].clients);
    free(ls[i].rtt);
  }
  free(ls);
  return 0;
}

uint64_t bench_loop_received(bench_loop *l, size_t len) {
  uint64_t now = bench_now_ns();
  l->bytes += len;
  l->last_ns = now;
  return now;
}

void bench_loop_record_rtt(bench_loop *l, uint64_t ns) {
  if (l->nrtt == l->caprtt) {
    size_t cap = l->caprtt ? l->caprtt * 2 : 65536;
    if (cap > (64u << 20))
      return;
    uint64_t *p = realloc(l->rtt, cap * sizeof *p);
    if (!p)
      return;
    l->rtt = p;
    l->caprtt = cap;
  }
  l->rtt[l->nrtt++] = ns;
}

size_t bench_echo_received(bench_loop *l, bench_echo *e, size_t len) {
  const bench_opts *o = l->run->o;
  uint64_t now = bench_loop_received(l, len);
  e->received += len;
  uint64_t done = e->received / o->size;
  uint64_t more = done - e->answered;
  e->answered = done;
  if (!more)
    return 0;
  if (o->messages == 1) {
    bench_loop_record_rtt(l, now - e->sent_at);
    e->sent_at = now;
  }
  return (size_t)(more * o->size);
}
