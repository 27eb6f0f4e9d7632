/* tcp_multicast_client: clients connect, send nothing and count the bytes
 * the multicast server pushes (CppServer's tcp_multicast_client). Written
 * directly on libuv, one loop per thread. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "bench_common.h"

static const char usage[] =
    "Usage: tcp_multicast_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -s, --size N         message size, for counting (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n";

typedef struct mthread {
  uv_loop_t loop;
  uv_timer_t timer;
  uv_thread_t thread;
  uv_tcp_t *conns;
  uv_connect_t *reqs;
  int n;
  int stopping;
  uint64_t bytes, errors, last_ns;
  char rbuf[1 << 16];
} mthread;

static bench_opts o = {.address = "127.0.0.1", .port = 1111, .clients = 100, .messages = 1, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  mthread *t = h->data;
  *buf = uv_buf_init(t->rbuf, sizeof t->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  mthread *t = s->data;
  if (nread < 0) {
    if (!t->stopping) {
      t->errors++;
      uv_close((uv_handle_t *)s, NULL);
    }
    return;
  }
  if (nread > 0 && !t->stopping) {
    t->bytes += (uint64_t)nread;
    t->last_ns = bench_now_ns();
  }
}

static void on_connect(uv_connect_t *req, int status) {
  uv_tcp_t *c = (uv_tcp_t *)req->handle;
  mthread *t = c->data;
  if (status < 0) {
    t->errors++;
    fprintf(stderr, "connect: %s\n", uv_strerror(status));
    uv_close((uv_handle_t *)c, NULL);
    return;
  }
  if (!t->stopping)
    uv_read_start((uv_stream_t *)c, on_alloc, on_read);
}

static void close_one(uv_handle_t *h, void *arg) {
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void on_timer(uv_timer_t *timer) {
  mthread *t = timer->data;
  t->stopping = 1;
  uv_walk(&t->loop, close_one, NULL);
}

static void thread_main(void *arg) {
  mthread *t = arg;
  for (int i = 0; i < t->n; i++) {
    uv_tcp_init(&t->loop, &t->conns[i]);
    t->conns[i].data = t;
    if (uv_tcp_connect(&t->reqs[i], &t->conns[i], (struct sockaddr *)&addr, on_connect) != 0) {
      t->errors++;
      uv_close((uv_handle_t *)&t->conns[i], NULL);
    }
  }
  uv_run(&t->loop, UV_RUN_DEFAULT);
}

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  if (uv_ip4_addr(o.address, o.port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(o.address, o.port, (struct sockaddr_in6 *)&addr) != 0) {
    fprintf(stderr, "bad address %s\n", o.address);
    return 2;
  }
  if (o.threads > o.clients)
    o.threads = o.clients;
  bench_print_header(&o, 1);
  mthread *ts = calloc((size_t)o.threads, sizeof *ts);
  for (int i = 0; i < o.threads; i++) {
    mthread *t = &ts[i];
    t->n = o.clients / o.threads + (i < o.clients % o.threads);
    t->conns = calloc((size_t)t->n, sizeof *t->conns);
    t->reqs = calloc((size_t)t->n, sizeof *t->reqs);
    uv_loop_init(&t->loop);
    uv_timer_init(&t->loop, &t->timer);
    t->timer.data = t;
    uv_timer_start(&t->timer, on_timer, (uint64_t)o.seconds * 1000, 0);
  }
  uint64_t start = bench_now_ns();
  for (int i = 0; i < o.threads; i++)
    uv_thread_create(&ts[i].thread, thread_main, &ts[i]);
  bench_result r = {.size = o.size};
  uint64_t last = 0;
  for (int i = 0; i < o.threads; i++) {
    uv_thread_join(&ts[i].thread);
    r.errors += ts[i].errors;
    r.bytes += ts[i].bytes;
    if (ts[i].last_ns > last)
      last = ts[i].last_ns;
  }
  r.ns = last > start ? last - start : (uint64_t)o.seconds * 1000000000u;
  bench_print_report(&r);
  return 0;
}
