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

#include "bench_clients.h"
#include "bench_uv_write.h"
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

typedef struct bclient {
  uv_tcp_t tcp;
  uv_connect_t creq;
  bench_loop *l;
  tr_fbe_receiver rx;
  tr_fbe_buffer out; /* requests made during one read, written together */
  uint64_t next_id;  /* ids are sequence numbers: sent < next_id */
  uint64_t sent_at;  /* -m 1: when the request in flight left */
  int dead;
} bclient;

static bench_opts o = {.address = "127.0.0.1", .port = 4444, .clients = 100, .messages = 1000, .size = 32,
                       .seconds = 10};
static struct sockaddr_storage addr;
static tr_fbe_buffer request; /* one encoded request; each copy gets its id */

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
      c->l->errors++;
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
  if (bench_uv_write_copy((uv_stream_t *)&c->tcp, (const char *)c->out.data, c->out.size) != 0) {
    c->l->errors++;
    close_client(c);
    return;
  }
  tr_fbe_buffer_clear(&c->out);
}

static int on_frame(void *ctx, const uint8_t *frame, size_t size) {
  bclient *c = ctx;
  simple_SimpleResponse response;
  uint64_t id;
  if (simple_SimpleResponse_decode(&response, frame, size) != 0) {
    c->l->errors++;
    return TR_EPROTO;
  }
  memcpy(&id, response.id.bytes, sizeof id);
  if (response.Length != o.size || id == 0 || id > c->next_id)
    c->l->errors++;
  c->l->bytes += size;
  queue_requests(c, 1);
  return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  bclient *c = h->data;
  *buf = uv_buf_init(c->l->rbuf, sizeof c->l->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  bclient *c = s->data;
  bench_loop *l = c->l;
  if (nread < 0) {
    if (!l->stopping) {
      l->errors++;
      close_client(c);
    }
    return;
  }
  if (nread == 0 || l->stopping)
    return;
  /* on_frame counts the bytes: only whole responses are data. */
  uint64_t now = bench_loop_received(l, 0);
  if (tr_fbe_receiver_feed(&c->rx, buf->base, (size_t)nread) < 0) {
    fprintf(stderr, "bad response: %s\n", tr_fbe_receiver_reason(&c->rx));
    l->errors++;
    close_client(c);
    return;
  }
  if (o.messages == 1 && c->out.size) {
    bench_loop_record_rtt(l, now - c->sent_at);
    c->sent_at = now;
  }
  flush(c);
}

static void on_connect(uv_connect_t *req, int status) {
  bclient *c = req->data;
  if (!bench_tcp_connected(c->l, req, status)) {
    c->dead = 1;
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  c->sent_at = bench_now_ns();
  queue_requests(c, (uint64_t)o.messages);
  flush(c);
}

static void start(bench_loop *l, void *client) {
  bclient *c = client;
  c->l = l;
  tr_fbe_receiver_init(&c->rx, 0, on_frame, c);
  tr_fbe_buffer_init(&c->out);
  bench_tcp_connect(l, &c->tcp, &c->creq, c, &addr, on_connect);
}

static void finish(bench_loop *l, void *client) {
  bclient *c = client;
  tr_fbe_receiver_free(&c->rx);
  tr_fbe_buffer_free(&c->out);
}

int main(int argc, char **argv) {
  bench_parse(&o, argc, argv, usage);
  /* A peer that goes away mid-write must not kill the process. */
  signal(SIGPIPE, SIG_IGN);
  if (bench_tcp_clients_begin(&o, &addr) != 0)
    return 2;
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

  /* CppServer's proto benchmark reports response bytes / 32 as messages. */
  return bench_clients_run(&(bench_clients){
      .o = &o, .client_size = sizeof(bclient), .count_size = 32, .start = start, .finish = finish});
}
