/* tcp_echo_server: echoes every byte as it arrives (CppServer's
 * tcp_echo_server). Runs until SIGINT/SIGTERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_runtime.h"
#include "troupe/tcp.h"
#include "troupe/troupe.h"

static const char usage[] =
    "Usage: tcp_echo_server [options]\n"
    "  -p, --port PORT      server port (default 1111)\n"
    "  -t, --threads N      worker threads (default: number of cores)\n"
    "  -h, --help           this help\n"
    "Environment: TROUPE_TCP_ACCEPT=handoff uses one listener that hands sockets\n"
    "to the workers instead of one SO_REUSEPORT listener per worker.\n";

static void on_received(tr_stream *s, void *user, const void *data, size_t size) { tr_stream_send(s, data, size); }

static void on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  fprintf(stderr, "session error %d (%s): %s\n", code, category, message);
}

int main(int argc, char **argv) {
  bench_opts o = {.address = "0.0.0.0", .port = 1111, .clients = 1, .messages = 1, .size = 32, .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  bench_block_signals();
  printf("Server port: %d\nWorking threads: %d\n\n", o.port, o.threads);

  tr_runtime *rt;
  if (bench_runtime_start(o.threads, &rt) != 0) {
    fprintf(stderr, "cannot start the runtime\n");
    return 1;
  }
  tr_tcp_server_options so = {
      .address = "0.0.0.0",
      .port = o.port,
      .reuse_address = 1,
      .worker = -1,
      .socket = {.no_delay = 1},
      .session = {.on_received = on_received, .on_error = on_error},
  };
  /* For comparing the two ways of spreading connections over the workers. */
  const char *mode = getenv("TROUPE_TCP_ACCEPT");
  if (mode && strcmp(mode, "handoff") == 0)
    so.accept_mode = TR_TCP_ACCEPT_HANDOFF;
  tr_tcp_server *srv;
  int rc = tr_tcp_server_new(rt, &so, &srv);
  if (rc == 0)
    rc = tr_tcp_server_start(srv);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Server started on port %d\n", tr_tcp_server_port(srv));
  fflush(stdout);
  bench_wait_signal();
  printf("Server stopping...\n");
  tr_tcp_server_stop(srv);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  return 0;
}
