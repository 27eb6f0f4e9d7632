/* ssl_multicast_client: clients connect and handshake, send nothing and
 * count the plaintext the multicast server pushes (CppServer's
 * ssl_multicast_client). libuv + wolfSSL (uv_tls.c), one loop per thread.
 * Time runs from before the first connect to the last byte received. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ssl_multicast_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -s, --size N         message size, for counting (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n";

typedef struct mthread mthread;

typedef struct mclient {
  uvtls_conn conn;
  uv_connect_t creq;
  mthread *t;
} mclient;

struct mthread {
  uv_loop_t loop;
  uv_timer_t timer;
  uv_thread_t thread;
  mclient *clients;
  int n;
  int stopping;
  uint64_t bytes, errors, last_ns;
};

static bench_opts o = {.address = "127.0.0.1", .port = 2222, .clients = 100, .messages = 1, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static WOLFSSL_CTX *ctx;

static void on_plain(uvtls_conn *conn, const char *data, size_t len) {
  mthread *t = ((mclient *)conn)->t;
  if (t->stopping)
    return;
  t->bytes += len;
  t->last_ns = bench_now_ns();
}

static void on_closed(uvtls_conn *conn, int error) {
  mclient *c = (mclient *)conn;
  if (!c->t->stopping)
    c->t->errors++;
}

static const uvtls_callbacks callbacks = {.on_plain = on_plain, .on_closed = on_closed};

static void on_connect(uv_connect_t *req, int status) {
  mclient *c = req->data;
  if (status < 0) {
    c->t->errors++;
    fprintf(stderr, "connect: %s\n", uv_strerror(status));
    uv_close((uv_handle_t *)&c->conn.tcp, NULL);
    return;
  }
  if (c->t->stopping)
    return;
  if (uvtls_start(&c->conn, ctx, 0, &callbacks) != 0) {
    c->t->errors++;
    uvtls_close(&c->conn, -1);
  }
}

static void close_client(uv_handle_t *h, void *arg) {
  mthread *t = arg;
  if (h == (uv_handle_t *)&t->timer) {
    uv_close(h, NULL);
    return;
  }
  mclient *c = h->data;
  if (c && c->conn.ssl)
    uvtls_close(&c->conn, 0);
  else if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void on_timer(uv_timer_t *timer) {
  mthread *t = timer->data;
  t->stopping = 1;
  uv_walk(&t->loop, close_client, t);
}

static void thread_main(void *arg) {
  mthread *t = arg;
  for (int i = 0; i < t->n; i++) {
    mclient *c = &t->clients[i];
    c->t = t;
    uv_tcp_init(&t->loop, &c->conn.tcp);
    c->conn.tcp.data = c;
    c->creq.data = c;
    if (uv_tcp_connect(&c->creq, &c->conn.tcp, (struct sockaddr *)&addr, on_connect) != 0) {
      t->errors++;
      uv_close((uv_handle_t *)&c->conn.tcp, NULL);
    }
  }
  uv_run(&t->loop, UV_RUN_DEFAULT);
}

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_parse(&o, argc, argv, usage);
  if (uv_ip4_addr(o.address, o.port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(o.address, o.port, (struct sockaddr_in6 *)&addr) != 0) {
    fprintf(stderr, "bad address %s\n", o.address);
    return 2;
  }
  if (o.threads > o.clients)
    o.threads = o.clients;
  ctx = uvtls_context(0, &files);
  bench_print_header(&o, 1);
  mthread *ts = calloc((size_t)o.threads, sizeof *ts);
  if (!ts)
    return 1;
  for (int i = 0; i < o.threads; i++) {
    mthread *t = &ts[i];
    t->n = o.clients / o.threads + (i < o.clients % o.threads);
    t->clients = calloc((size_t)t->n, sizeof *t->clients);
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
