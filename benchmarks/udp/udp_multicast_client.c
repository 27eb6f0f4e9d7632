/* UDP multicast benchmark client (CppServer's udp_multicast_client): every
 * client binds 0.0.0.0:port with reuse-address, joins the group (-a) and
 * counts the bytes it receives. Plain libuv, one loop per thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"

typedef struct mc_thread mc_thread;

typedef struct mc_client {
  uv_udp_t h;
  mc_thread *t;
} mc_client;

struct mc_thread {
  uv_loop_t loop;
  uv_timer_t stop;
  uv_thread_t id;
  mc_client *clients;
  int nclients;
  uint64_t bytes, errors, last_ns;
  char rbuf[65536];
};

static bench_opts opts = {.max_size = 65507, .address = "239.255.0.1", .port = 3333, .clients = 1, .messages = 0, .size = 32,
                              .seconds = 10};

static const char usage[] =
    "Usage: udp_multicast_client [options]\n"
    "  -a, --address  multicast group (default 239.255.0.1)\n"
    "  -p, --port     multicast port (default 3333)\n"
    "  -t, --threads  working threads (default: number of cores)\n"
    "  -c, --clients  working clients (default 1)\n"
    "  -s, --size     datagram size, for counting messages (default 32)\n"
    "  -z, --seconds  seconds to benchmark (default 10)\n"
    "  -h, --help     this help\n";

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  mc_thread *t = ((mc_client *)h)->t;
  *buf = uv_buf_init(t->rbuf, sizeof(t->rbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  mc_thread *t = ((mc_client *)h)->t;
  if (nread < 0)
    t->errors++;
  else if (addr) {
    t->bytes += (uint64_t)nread;
    t->last_ns = bench_now_ns();
  }
}

static void on_stop(uv_timer_t *timer) {
  mc_thread *t = timer->data;
  for (int i = 0; i < t->nclients; i++)
    uv_close((uv_handle_t *)&t->clients[i].h, NULL);
  uv_close((uv_handle_t *)timer, NULL);
}

static void thread_main(void *arg) {
  mc_thread *t = arg;
  struct sockaddr_storage any;
  memset(&any, 0, sizeof(any));
  int v6 = strchr(opts.address, ':') != NULL;
  if (v6)
    uv_ip6_addr("::", opts.port, (struct sockaddr_in6 *)&any);
  else
    uv_ip4_addr("0.0.0.0", opts.port, (struct sockaddr_in *)&any);
  for (int i = 0; i < t->nclients; i++) {
    mc_client *c = &t->clients[i];
    c->t = t;
    uv_udp_init_ex(&t->loop, &c->h, any.ss_family);
    int r = uv_udp_bind(&c->h, (struct sockaddr *)&any, UV_UDP_REUSEADDR);
    if (r == 0)
      r = uv_udp_set_membership(&c->h, opts.address, NULL, UV_JOIN_GROUP);
    if (r == 0)
      r = uv_udp_recv_start(&c->h, on_alloc, on_recv);
    if (r < 0) {
      fprintf(stderr, "client %d: %s\n", i, uv_strerror(r));
      t->errors++;
    }
  }
  uv_timer_init(&t->loop, &t->stop);
  t->stop.data = t;
  uv_timer_start(&t->stop, on_stop, (uint64_t)opts.seconds * 1000, 0);
  uv_run(&t->loop, UV_RUN_DEFAULT);
  uv_loop_close(&t->loop);
}

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  bench_print_header(&opts, 1);
  int nthreads = opts.threads < opts.clients ? opts.threads : opts.clients;
  mc_thread *threads = calloc((size_t)nthreads, sizeof(*threads));
  mc_client *clients = calloc((size_t)opts.clients, sizeof(*clients));
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
  return 0;
}
