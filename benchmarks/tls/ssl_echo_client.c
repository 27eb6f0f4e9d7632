/* ssl_echo_client: CppServer's SSL echo benchmark client, written directly on
 * libuv and wolfSSL (uv_tls.c), one loop per thread, TLS 1.3.
 *
 * Each client connects and handshakes, then sends -m messages of -s zero
 * bytes, then one more message for every -s bytes it receives, so m*s bytes
 * stay in flight. Received plaintext is counted; messages = bytes / size.
 * Time runs from before the first connect to the last byte received. With
 * -m 1 each round trip is timed too (p50/p99/max). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ssl_echo_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -m, --messages N     messages in flight per client (default 1000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n";

typedef struct bthread bthread;

typedef struct bclient {
  uvtls_conn conn; /* first: the callbacks get this pointer */
  uv_connect_t creq;
  bthread *t;
  uint64_t received, answered, sent_at;
} bclient;

struct bthread {
  uv_loop_t loop;
  uv_timer_t timer;
  uv_thread_t thread;
  bclient *clients;
  int n;
  int stopping;
  uint64_t bytes, errors, last_ns;
  uint64_t *rtt;
  size_t nrtt, caprtt;
};

static bench_opts o = {.address = "127.0.0.1", .port = 2222, .clients = 100, .messages = 1000, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static char *zeros;
static size_t zeros_len;
static WOLFSSL_CTX *ctx;

static void send_bytes(bclient *c, size_t len) {
  while (len) {
    size_t chunk = len < zeros_len ? len : zeros_len;
    if (uvtls_write(&c->conn, zeros, chunk) != 0) {
      c->t->errors++;
      return;
    }
    len -= chunk;
  }
}

static void record_rtt(bthread *t, uint64_t ns) {
  if (t->nrtt == t->caprtt) {
    size_t cap = t->caprtt ? t->caprtt * 2 : 65536;
    if (cap > (64u << 20))
      return;
    uint64_t *p = realloc(t->rtt, cap * sizeof *p);
    if (!p)
      return;
    t->rtt = p;
    t->caprtt = cap;
  }
  t->rtt[t->nrtt++] = ns;
}

static void on_handshaked(uvtls_conn *conn) {
  bclient *c = (bclient *)conn;
  if (c->t->stopping)
    return;
  c->sent_at = bench_now_ns();
  send_bytes(c, (size_t)o.messages * o.size);
}

static void on_plain(uvtls_conn *conn, const char *data, size_t len) {
  bclient *c = (bclient *)conn;
  bthread *t = c->t;
  if (t->stopping)
    return;
  uint64_t now = bench_now_ns();
  t->bytes += len;
  t->last_ns = now;
  c->received += len;
  uint64_t done = c->received / o.size;
  uint64_t more = done - c->answered;
  c->answered = done;
  if (!more)
    return;
  if (o.messages == 1) {
    record_rtt(t, now - c->sent_at);
    c->sent_at = now;
  }
  send_bytes(c, (size_t)(more * o.size));
}

static void on_closed(uvtls_conn *conn, int error) {
  bclient *c = (bclient *)conn;
  if (!c->t->stopping)
    c->t->errors++;
}

static const uvtls_callbacks callbacks = {.on_handshaked = on_handshaked, .on_plain = on_plain, .on_closed = on_closed};

static void on_connect(uv_connect_t *req, int status) {
  bclient *c = req->data;
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
  bthread *t = arg;
  if (h == (uv_handle_t *)&t->timer) {
    uv_close(h, NULL);
    return;
  }
  bclient *c = (bclient *)h->data;
  if (c && c->conn.ssl)
    uvtls_close(&c->conn, 0);
  else if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void on_timer(uv_timer_t *timer) {
  bthread *t = timer->data;
  t->stopping = 1;
  uv_walk(&t->loop, close_client, t);
}

static void thread_main(void *arg) {
  bthread *t = arg;
  for (int i = 0; i < t->n; i++) {
    bclient *c = &t->clients[i];
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
  zeros_len = (size_t)o.messages * o.size;
  if (zeros_len < (1u << 20))
    zeros_len = 1u << 20;
  if (zeros_len > (64u << 20))
    zeros_len = 64u << 20;
  zeros = calloc(1, zeros_len);
  bthread *ts = calloc((size_t)o.threads, sizeof *ts);
  if (!zeros || !ts)
    return 1;
  for (int i = 0; i < o.threads; i++) {
    bthread *t = &ts[i];
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
    bthread *t = &ts[i];
    uv_thread_join(&t->thread);
    r.errors += t->errors;
    r.bytes += t->bytes;
    if (t->last_ns > last)
      last = t->last_ns;
    if (t->nrtt) {
      r.rtt = realloc(r.rtt, (r.nrtt + t->nrtt) * sizeof *r.rtt);
      memcpy(r.rtt + r.nrtt, t->rtt, t->nrtt * sizeof *r.rtt);
      r.nrtt += t->nrtt;
    }
  }
  r.ns = last > start ? last - start : (uint64_t)o.seconds * 1000000000u;
  bench_print_report(&r);
  return 0;
}
