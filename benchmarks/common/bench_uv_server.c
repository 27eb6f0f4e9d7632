/* Listen, accept, tick, run until signalled: what every reference
 * server does around its own handling of the bytes. */
#include "bench_uv_server.h"

#include <signal.h>
#include <stdio.h>

static void on_signal(uv_signal_t *h, int sig) { uv_stop(h->loop); }

int bench_uv_serve(int port, uv_connection_cb on_connection, uv_timer_cb tick) {
  uv_loop_t *loop = uv_default_loop();
  static uv_tcp_t server;
  struct sockaddr_in addr;
  uv_ip4_addr("0.0.0.0", port, &addr);
  uv_tcp_init(loop, &server);
  int rc = uv_tcp_bind(&server, (struct sockaddr *)&addr, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&server, 1024, on_connection);
  if (rc != 0) {
    fprintf(stderr, "listen: %s\n", uv_strerror(rc));
    return 1;
  }
  static uv_timer_t timer;
  if (tick) {
    uv_timer_init(loop, &timer);
    uv_timer_start(&timer, tick, 1, 1);
  }
  static uv_signal_t sigint, sigterm;
  uv_signal_init(loop, &sigint);
  uv_signal_init(loop, &sigterm);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}

int bench_uv_accept(uv_stream_t *server, uv_tcp_t *tcp, void *data) {
  uv_tcp_init(server->loop, tcp);
  tcp->data = data;
  int rc = uv_accept(server, (uv_stream_t *)tcp);
  if (rc == 0)
    uv_tcp_nodelay(tcp, 1);
  return rc;
}
