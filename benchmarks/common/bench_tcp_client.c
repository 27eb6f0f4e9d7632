/* Connecting a TCP benchmark client: a failed connect is an error of the
 * run, not a reason to stop it. */
#include <stdio.h>

#include "bench_clients.h"

int bench_tcp_clients_begin(bench_opts *o, struct sockaddr_storage *addr) {
  if (bench_resolve(o, addr) != 0) {
    fprintf(stderr, "bad address %s\n", o->address);
    return 2;
  }
  if (o->threads > o->clients)
    o->threads = o->clients;
  return 0;
}

void bench_tcp_connect(bench_loop *l, uv_tcp_t *tcp, uv_connect_t *req, void *client,
                       const struct sockaddr_storage *addr, uv_connect_cb cb) {
  uv_tcp_init(&l->loop, tcp);
  tcp->data = client;
  req->data = client;
  if (uv_tcp_connect(req, tcp, (const struct sockaddr *)addr, cb) != 0) {
    l->errors++;
    uv_close((uv_handle_t *)tcp, NULL);
  }
}

int bench_tcp_connected(bench_loop *l, uv_connect_t *req, int status) {
  if (status < 0) {
    l->errors++;
    fprintf(stderr, "connect: %s\n", uv_strerror(status));
    uv_close((uv_handle_t *)req->handle, NULL);
    return 0;
  }
  return !l->stopping;
}
