/* The bare libuv reference for udp_multicast: one loop, one socket, every
 * second -m datagrams of -s zero bytes to the group, sent in slices from an
 * idle handle so the loop keeps turning, exactly as udp_multicast_server's
 * worker does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_common.h"

#define SLICE 2048

static bench_opts opts = {.max_size = 65507, .address = "239.255.0.1", .port = 3333, .clients = 1, .messages = 1000000, .size = 32,
                              .seconds = 10};

static const char usage[] =
    "Usage: ref_uv_udp_multicast_server [options]\n"
    "  -a, --address   multicast group (default 239.255.0.1)\n"
    "  -p, --port      multicast port (default 3333)\n"
    "  -m, --messages  datagrams multicast per second (default 1000000)\n"
    "  -s, --size      datagram size (default 32)\n"
    "  -h, --help      this help\n";

static uv_udp_t sock;
static uv_idle_t slicer;
static uv_timer_t second;
static struct sockaddr_storage group;
static char *payload;
static long left;

static void on_slice(uv_idle_t *h) {
  uv_buf_t b = uv_buf_init(payload, (unsigned)opts.size);
  long n = left < SLICE ? left : SLICE;
  for (long i = 0; i < n; i++)
    uv_udp_try_send(&sock, &b, 1, (struct sockaddr *)&group);
  left -= n;
  if (left <= 0)
    uv_idle_stop(h);
}

static void on_second(uv_timer_t *t) {
  left = opts.messages;
  uv_idle_start(&slicer, on_slice);
}

static void run(void *arg) { uv_run(arg, UV_RUN_DEFAULT); }

int main(int argc, char **argv) {
  bench_parse(&opts, argc, argv, usage);
  if (uv_ip4_addr(opts.address, opts.port, (struct sockaddr_in *)&group) != 0 &&
      uv_ip6_addr(opts.address, opts.port, (struct sockaddr_in6 *)&group) != 0) {
    fprintf(stderr, "bad group address: %s\n", opts.address);
    return 2;
  }
  bench_block_signals();
  bench_print_header(&opts, 0);
  payload = calloc(1, opts.size);
  uv_loop_t *loop = malloc(sizeof(*loop));
  uv_loop_init(loop);
  uv_udp_init_ex(loop, &sock, group.ss_family);
  struct sockaddr_storage any;
  memset(&any, 0, sizeof(any));
  if (group.ss_family == AF_INET6)
    uv_ip6_addr("::", 0, (struct sockaddr_in6 *)&any);
  else
    uv_ip4_addr("0.0.0.0", 0, (struct sockaddr_in *)&any);
  int r = uv_udp_bind(&sock, (struct sockaddr *)&any, 0);
  if (r < 0) {
    fprintf(stderr, "bind: %s\n", uv_strerror(r));
    return 1;
  }
  uv_idle_init(loop, &slicer);
  uv_timer_init(loop, &second);
  uv_timer_start(&second, on_second, 0, 1000);
  uv_thread_t th;
  uv_thread_create(&th, run, loop);
  bench_wait_signal();
  printf("Server stopping... Done!\n");
  return 0;
}
