/* proto_server: the proto benchmark's server on troupe. Answers every
 * SimpleRequest with SimpleResponse{same id, Length = message length,
 * Hash = 0}, as CppServer's proto benchmark server does. Runs until
 * SIGINT/SIGTERM. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "bench_runtime.h"
#include "simple.h"
#include "troupe/troupe.h"

static const char usage[] =
    "Usage: proto_server [options]\n"
    "  -p, --port PORT      server port (default 4444)\n"
    "  -t, --threads N      worker threads (default: number of cores)\n"
    "  -h, --help           this help\n";

static int on_request(void *ctx, const simple_SimpleRequest *req) {
  simple_SimpleResponse response = {.id = req->id, .Length = (uint32_t)req->Message.size, .Hash = 0};
  int rc = simple_send_SimpleResponse(tr_fbe_session_sender(ctx), &response);
  return rc < 0 && rc != TR_ECLOSED ? rc : 0;
}

static const simple_handlers handlers = {.on_SimpleRequest = on_request};

static int on_frame(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size) {
  return simple_dispatch(&handlers, fs, frame, size);
}

static void on_error(tr_fbe_session *fs, void *user, int code, const char *category, const char *message) {
  fprintf(stderr, "session error %d (%s): %s\n", code, category, message);
}

int main(int argc, char **argv) {
  bench_opts o = {.address = "0.0.0.0", .port = 4444, .clients = 1, .messages = 1, .size = 32, .seconds = 10};
  bench_parse(&o, argc, argv, usage);
  bench_block_signals();
  printf("Server port: %d\nWorking threads: %d\n\n", o.port, o.threads);

  tr_runtime *rt;
  if (bench_runtime_start(o.threads, &rt) != 0) {
    fprintf(stderr, "cannot start the runtime\n");
    return 1;
  }
  tr_fbe_server_options so = {
      .tcp = {.address = "0.0.0.0", .port = o.port, .reuse_address = 1, .worker = -1, .socket = {.no_delay = 1}},
      .session = {.on_frame = on_frame, .on_error = on_error},
  };
  tr_fbe_server *srv;
  int rc = tr_fbe_server_new(rt, &so, &srv);
  if (rc == 0)
    rc = tr_fbe_server_start(srv);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Server started on port %d\n", tr_tcp_server_port(tr_fbe_server_tcp(srv)));
  fflush(stdout);
  bench_wait_signal();
  printf("Server stopping...\n");
  tr_fbe_server_free(srv);
  tr_runtime_free(rt);
  return 0;
}
