/* UDP echo benchmark client (CppServer's udp_echo_client): each client binds
 * an ephemeral port (no connect), sends -m datagrams of -s zero bytes back to
 * back, then one more for every datagram that comes back; lost datagrams are
 * not replaced. Counts received bytes. Plain libuv, one loop per thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"

typedef struct bench_thread bench_thread;

typedef struct bench_client {
  uv_udp_t h;
  bench_thread *t;
} bench_client;

struct bench_thread {
  uv_loop_t loop;
  uv_timer_t stop;
  uv_thread_t id;
  bench_client *clients;
  int nclients;
  uint64_t bytes, errors, last_ns;
  char rbuf[65536];
};

static bench_opts opts = {.max_size = 65507, .address = "127.0.0.1", .port = 3333, .clients = 1, .messages = 1000, .size = 32,
                              .seconds = 10};
static struct sockaddr_storage server;
static char *payload; /* size zero bytes, shared read-only by every send */

static const char usage[] =
    "Usage: udp_echo_client [options]\n"
    "  -a, --address   server address (default 127.0.0.1)\n"
    "  -p, --port      server port (default 3333)\n"
    "  -t, --threads   working threads (default: number of cores)\n"
    "  -c, --clients   working clients (default 1)\n"
    "  -m, --messages  datagrams in flight per client at start (default 1000)\n"
    "  -s, --size      datagram size (default 32)\n"
    "  -z, --seconds   seconds to benchmark (default 10)\n"
    "  -h, --help      this help\n";

static void on_queued_sent(uv_udp_send_t *req, int status) {
  if (status < 0 && status != UV_ECANCELED)
    ((bench_client *)req->handle)->t->errors++;
  free(req);
}

static void send_one(bench_client *c) {
  uv_buf_t b = uv_buf_init(payload, (unsigned)opts.size);
  int r = uv_udp_try_send(&c->h, &b, 1, (const struct sockaddr *)&server);
  if (r >= 0)
    return;
  if (r != UV_EAGAIN) {
    c->t->errors++;
    return;
  }
  uv_udp_send_t *req = malloc(sizeof(*req));
  if (!req || uv_udp_send(req, &c->h, &b, 1, (const struct sockaddr *)&server, on_queued_sent) < 0) {
    free(req);
    c->t->errors++;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bench_thread *t = ((bench_client *)h)->t;
  *buf = uv_buf_init(t->rbuf, sizeof(t->rbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  bench_client *c = (bench_client *)h;
  if (nread < 0) {
    c->t->errors++;
    return;
  }
  if (!addr)
    return;
  c->t->bytes += (uint64_t)nread;
  c->t->last_ns = bench_now_ns();
  send_one(c);
}

static void on_stop(uv_timer_t *timer) {
  bench_thread *t = timer->data;
  for (int i = 0; i < t->nclients; i++)
    uv_close((uv_handle_t *)&t->clients[i].h, NULL);
  uv_close((uv_handle_t *)timer, NULL);
}

static void thread_main(void *arg) {
  bench_thread *t = arg;
  for (int i = 0; i < t->nclients; i++) {
    bench_client *c = &t->clients[i];
    c->t = t;
    uv_udp_init_ex(&t->loop, &c->h, server.ss_family);
    struct sockaddr_storage any;
    memset(&any, 0, sizeof(any));
    if (server.ss_family == AF_INET6)
      uv_ip6_addr("::", 0, (struct sockaddr_in6 *)&any);
    else
      uv_ip4_addr("0.0.0.0", 0, (struct sockaddr_in *)&any);
    if (uv_udp_bind(&c->h, (struct sockaddr *)&any, 0) < 0 || uv_udp_recv_start(&c->h, on_alloc, on_recv) < 0) {
      t->errors++;
      continue;
    }
    for (long m = 0; m < opts.messages; m++)
      send_one(c);
  }
  uv_timer_init(&t->loop, &t->stop);
  t->stop.data = t;
  uv_timer_start(&t->stop, on_stop, (uint64_t)opts.seconds * 1000, 0);
  uv_run(&t->loop, UV_RUN_DEFAULT);
  uv_loop_close(&t->loop);
}

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  if (uv_ip4_addr(opts.address, opts.port, (struct sockaddr_in *)&server) != 0 &&
      uv_ip6_addr(opts.address, opts.port, (struct sockaddr_in6 *)&server) != 0) {
    fprintf(stderr, "bad address: %s\n", opts.address);
    return 2;
  }
  payload = calloc(1, opts.size);
  bench_print_header(&opts, 1);
  int nthreads = opts.threads < opts.clients ? opts.threads : opts.clients;
  bench_thread *threads = calloc((size_t)nthreads, sizeof(*threads));
  bench_client *clients = calloc((size_t)opts.clients, sizeof(*clients));
  for (int i = 0, first = 0; i < nthreads; i++) {
    int n = opts.clients / nthreads + (i < opts.clients % nthreads);
    threads[i].clients = clients + first;
    threads[i].nclients = n;
    first += n;
    uv_loop_init(&threads[i].loop);
  }
  uint64_t start = bench_now_ns();
  for (int i = 0; i < nthreads; i++)
    uv_thread_create(&threads[i].id, thread_main, &threads[i]);
  uint64_t bytes = 0, errors = 0, last = start;
  for (int i = 0; i < nthreads; i++) {
    uv_thread_join(&threads[i].id);
    bytes += threads[i].bytes;
    errors += threads[i].errors;
    if (threads[i].last_ns > last)
      last = threads[i].last_ns;
  }
  bench_print_report(&(bench_result){.errors = errors, .ns = last - start, .bytes = bytes, .size = opts.size});
  free(clients);
  free(threads);
  free(payload);
  return 0;
}
