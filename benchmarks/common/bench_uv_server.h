/* The bare libuv reference servers' frame: one loop listening on
 * 0.0.0.0:port until SIGINT or SIGTERM, optionally ticking every ms. */
#ifndef TROUPE_BENCH_UV_SERVER_H
#define TROUPE_BENCH_UV_SERVER_H

#include <uv.h>

/* Runs the default loop; tick may be NULL. Returns 0 once signalled, or 1
 * (reported on stderr) when it cannot listen. */
int bench_uv_serve(int port, uv_connection_cb on_connection, uv_timer_cb tick);

/* Takes a pending connection into tcp (data set, no-delay on); nonzero when
 * the accept failed and tcp, initialised, wants closing. */
int bench_uv_accept(uv_stream_t *server, uv_tcp_t *tcp, void *data);

#endif
