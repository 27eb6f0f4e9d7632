/* The bare libuv reference for udp_echo: what the echo costs with no actor
 * runtime around it. One loop per thread, each with its own socket on the
 * port (SO_REUSEPORT spreads clients over them). Same wire behaviour as
 * udp_echo_server: a datagram is sent back to its source, and reading goes
 * on once that send completed (at once when the kernel took it; after the
 * send callback when it had to queue). Zero-length datagrams are ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "bench_common.h"

typedef struct ref_server {
  uv_loop_t loop;
  uv_udp_t h;
  uv_thread_t id;
  char rbuf[65536];
} ref_server;

typedef struct ref_send {
  uv_udp_send_t req;
  char data[];
} ref_send;

static bench_opts opts = {.max_size = 65507, .address = "0.0.0.0", .port = 3333, .clients = 1, .size = 32, .seconds = 10};

static const char usage[] =
    "Usage: ref_uv_udp_echo_server [options]\n"
    "  -a, --address  listen address (default 0.0.0.0)\n"
    "  -p, --port     port (default 3333)\n"
    "  -t, --threads  loops, one socket each (default: number of cores)\n"
    "  -h, --help     this help\n";

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags);

static void on_sent(uv_udp_send_t *req, int status) {
  uv_udp_recv_start(req->handle, on_alloc, on_recv);
  free(req);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  ref_server *s = h->data;
  *buf = uv_buf_init(s->rbuf, sizeof(s->rbuf));
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  if (nread <= 0 || !addr)
    return;
  uv_buf_t b = uv_buf_init(buf->base, (unsigned)nread);
  int r = uv_udp_try_send(h, &b, 1, addr);
  if (r != UV_EAGAIN)
    return;
  /* Kernel buffer full: hold reading until this send completes. */
  ref_send *q = malloc(sizeof(*q) + (size_t)nread);
  if (!q)
    return;
  memcpy(q->data, buf->base, (size_t)nread);
  b = uv_buf_init(q->data, (unsigned)nread);
  uv_udp_recv_stop(h);
  if (uv_udp_send(&q->req, h, &b, 1, addr, on_sent) < 0) {
    free(q);
    uv_udp_recv_start(h, on_alloc, on_recv);
  }
}

static void serve(void *arg) {
  ref_server *s = arg;
  uv_run(&s->loop, UV_RUN_DEFAULT);
}

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  struct sockaddr_storage addr;
  if (uv_ip4_addr(opts.address, opts.port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(opts.address, opts.port, (struct sockaddr_in6 *)&addr) != 0) {
    fprintf(stderr, "bad address: %s\n", opts.address);
    return 2;
  }
  bench_block_signals();
  printf("Server port: %d\nWorking threads: %d\n\n", opts.port, opts.threads);
  fflush(stdout);
  ref_server *servers = calloc((size_t)opts.threads, sizeof(*servers));
  for (int i = 0; i < opts.threads; i++) {
    ref_server *s = &servers[i];
    uv_loop_init(&s->loop);
    uv_udp_init_ex(&s->loop, &s->h, addr.ss_family);
    s->h.data = s;
    int fd, one = 1;
    uv_fileno((uv_handle_t *)&s->h, &fd);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    int r = uv_udp_bind(&s->h, (struct sockaddr *)&addr, 0);
    if (r == 0)
      r = uv_udp_recv_start(&s->h, on_alloc, on_recv);
    if (r < 0) {
      fprintf(stderr, "bind %s:%d: %s\n", opts.address, opts.port, uv_strerror(r));
      return 1;
    }
    uv_thread_create(&s->id, serve, s);
  }
  bench_wait_signal();
  printf("Server stopping... Done!\n");
  fflush(stdout);
  /* The loops hold nothing worth a graceful close; the process ends here. */
  return 0;
}
