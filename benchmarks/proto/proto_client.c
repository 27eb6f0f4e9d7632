/* proto_client: the proto benchmark's client (CppServer's proto benchmark),
 * on bare libuv (one loop per thread) with troupe's generated codec, so
 * that it drives troupe's server and the bare reference alike.
 *
 * Each client connects and sends -m SimpleRequests whose Message is -s zero
 * bytes, then one new request for every SimpleResponse it receives, so m
 * requests stay in flight. Responses are reassembled and decoded; one whose
 * id was never sent or whose Length is not -s counts as an error. Total data
 * counts response bytes and messages = response bytes / 32, as CppServer's
 * proto benchmark counts them. With -m 1 each round trip is timed too. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"
#include "simple.h"

static const char usage[] =
    "Usage: proto_client [options]\n"
    "  -a, --address ADDR   server address (default 127.0.0.1)\n"
    "  -p, --port PORT      server port (default 4444)\n"
    "  -t, --threads N      client threads (default: number of cores)\n"
    "  -c, --clients N      clients (default 100)\n"
    "  -m, --messages N     requests in flight per client (default 1000)\n"
    "  -s, --size N         request message size (default 32)\n"
    "  -z, --seconds N      duration (default 10)\n"
    "  -h, --help           this help\n";

/* Where the request's id lies in its frame: after the frame header (8) and
 * the struct header (8). */
enum { ID_AT = 16 };

typedef struct bthread bthread;

typedef struct bclient {
  uv_tcp_t tcp;
  uv_connect_t creq;
  bthread *t;
  tr_fbe_receiver rx;
  tr_fbe_buffer out; /* requests made during one read, written together */
  uint64_t next_id;  /* ids are sequence numbers: sent < next_id */
  uint64_t sent_at;  /* -m 1: when the request in flight left */
  int dead;
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
  char rbuf[1 << 16];
};

static bench_opts o = {.address = "127.0.0.1", .port = 4444, .clients = 100, .messages = 1000, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static tr_fbe_buffer request; /* one encoded request; each copy gets its id */

typedef struct wreq {
  uv_write_t req;
  char data[];
} wreq;

static void write_done(uv_write_t *req, int status) { free(req); }

static void close_client(bclient *c) {
  if (!c->dead) {
    c->dead = 1;
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
      uv_close((uv_handle_t *)&c->tcp, NULL);
  }
}

static void queue_requests(bclient *c, uint64_t n) {
  for (; n; n--) {
    size_t at;
    if (tr_fbe_buffer_allocate(&c->out, request.size, &at) != 0) {
      c->t->errors++;
      return;
    }
    memcpy(c->out.data + at, request.data, request.size);
    uint64_t id = ++c->next_id;
    memcpy(c->out.data + at + ID_AT, &id, sizeof id);
  }
}

static void flush(bclient *c) {
  if (!c->out.size || c->dead)
    return;
  uv_buf_t b = uv_buf_init((char *)c->out.data, (unsigned)c->out.size);
  int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
  if (n == UV_EAGAIN)
    n = 0;
  if (n < 0) {
    c->t->errors++;
    close_client(c);
    return;
  }
  if ((size_t)n < c->out.size) {
    size_t rest = c->out.size - (size_t)n;
    wreq *w = malloc(sizeof *w + rest);
    if (!w) {
      c->t->errors++;
      close_client(c);
      return;
    }
    memcpy(w->data, c->out.data + n, rest);
    b = uv_buf_init(w->data, (unsigned)rest);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) != 0) {
      free(w);
      c->t->errors++;
      close_client(c);
      return;
    }
  }
  tr_fbe_buffer_clear(&c->out);
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

static int on_frame(void *ctx, const uint8_t *frame, size_t size) {
  bclient *c = ctx;
  simple_SimpleResponse response;
  uint64_t id;
  if (simple_SimpleResponse_decode(&response, frame, size) != 0) {
    c->t->errors++;
    return TR_EPROTO;
  }
  memcpy(&id, response.id.bytes, sizeof id);
  if (response.Length != o.size || id == 0 || id > c->next_id)
    c->t->errors++;
  c->t->bytes += size;
  queue_requests(c, 1);
  return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bclient *c = h->data;
  *buf = uv_buf_init(c->t->rbuf, sizeof c->t->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  bclient *c = s->data;
  bthread *t = c->t;
  if (nread < 0) {
    if (!t->stopping) {
      t->errors++;
      close_client(c);
    }
    return;
  }
  if (nread == 0 || t->stopping)
    return;
  uint64_t now = bench_now_ns();
  t->last_ns = now;
  if (tr_fbe_receiver_feed(&c->rx, buf->base, (size_t)nread) < 0) {
    fprintf(stderr, "bad response: %s\n", tr_fbe_receiver_reason(&c->rx));
    t->errors++;
    close_client(c);
    return;
  }
  if (o.messages == 1 && c->out.size) {
    record_rtt(t, now - c->sent_at);
    c->sent_at = now;
  }
  flush(c);
}

static void on_connect(uv_connect_t *req, int status) {
  bclient *c = req->data;
  if (status < 0) {
    c->t->errors++;
    fprintf(stderr, "connect: %s\n", uv_strerror(status));
    close_client(c);
    return;
  }
  if (c->t->stopping)
    return;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  c->sent_at = bench_now_ns();
  queue_requests(c, (uint64_t)o.messages);
  flush(c);
}

static void close_handle(uv_handle_t *h, void *arg) {
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void on_timer(uv_timer_t *timer) {
  bthread *t = timer->data;
  t->stopping = 1;
  uv_walk(&t->loop, close_handle, NULL);
}

static void thread_main(void *arg) {
  bthread *t = arg;
  for (int i = 0; i < t->n; i++) {
    bclient *c = &t->clients[i];
    c->t = t;
    tr_fbe_receiver_init(&c->rx, 0, on_frame, c);
    tr_fbe_buffer_init(&c->out);
    uv_tcp_init(&t->loop, &c->tcp);
    c->tcp.data = c;
    c->creq.data = c;
    if (uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&addr, on_connect) != 0) {
      t->errors++;
      close_client(c);
    }
  }
  uv_run(&t->loop, UV_RUN_DEFAULT);
  for (int i = 0; i < t->n; i++) {
    tr_fbe_receiver_free(&t->clients[i].rx);
    tr_fbe_buffer_free(&t->clients[i].out);
  }
}

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  /* A peer that goes away mid-write must not kill the process. */
  signal(SIGPIPE, SIG_IGN);
  if (uv_ip4_addr(o.address, o.port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(o.address, o.port, (struct sockaddr_in6 *)&addr) != 0) {
    fprintf(stderr, "bad address %s\n", o.address);
    return 2;
  }
  if (o.threads > o.clients)
    o.threads = o.clients;
  bench_print_header(&o, 1);

  /* The template: a request with a zero-byte message of -s bytes. */
  simple_SimpleRequest req;
  simple_SimpleRequest_init(&req);
  char *zeros = calloc(1, o.size);
  tr_fbe_buffer_init(&request);
  if (!zeros || tr_fbe_string_set(&req.Message, zeros, o.size) != 0 ||
      simple_SimpleRequest_encode(&req, &request) < 0) {
    fprintf(stderr, "cannot encode the request\n");
    return 1;
  }
  free(zeros);
  simple_SimpleRequest_free(&req);

  bthread *ts = calloc((size_t)o.threads, sizeof *ts);
  if (!ts)
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
  /* CppServer's proto benchmark reports response bytes / 32 as messages. */
  bench_result r = {.size = 32};
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
