/* UDP echo server (CppServer's UDP echo server example): sends every datagram
 * back to where it came from, asking for the next one once the echo is sent.
 *   udp_echo_server [port]     (default 3333)
 * "!" restarts the server, an empty line quits. */
#include <stdio.h>
#include <stdlib.h>

#include "sample_runtime.h"
#include "sample_stdin.h"
#include "sample_udp_console.h"
#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/udp.h"

static void on_started(tr_udp_server *s, void *ctx) { tr_udp_server_receive(s); }

static void on_received(tr_udp_server *s, const tr_udp_endpoint *from, const void *data, size_t size, void *ctx) {
  printf("Incoming: %.*s\n", (int)size, (const char *)data);
  fflush(stdout);
  if (tr_udp_server_send(s, from, data, size) < 0)
    tr_udp_server_receive(s);
}

static void on_sent(tr_udp_server *s, const tr_udp_endpoint *to, size_t sent, void *ctx) { tr_udp_server_receive(s); }

static void on_error(tr_udp_server *s, int code, const char *category, const char *message, void *ctx) {
  printf("Echo UDP server caught an error with code %d and category '%s': %s\n", code, category, message);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 3333;
  printf("UDP server port: %d\n", port);

  tr_runtime *rt = sample_runtime_start_udp();
  if (!rt)
    return 1;

  tr_udp_options o;
  tr_udp_options_init(&o);
  o.receive_on_request = 1; /* one datagram per receive, like ReceiveAsync */
  tr_udp_server_callbacks cb = {
      .on_started = on_started, .on_received = on_received, .on_sent = on_sent, .on_error = on_error};
  tr_udp_server *server;
  int r = tr_udp_server_new(rt, "0.0.0.0", port, &o, &cb, NULL, &server);
  printf("Server starting...");
  fflush(stdout);
  if (r == 0)
    r = tr_udp_server_start(server);
  if (r < 0) {
    printf("failed: %s\n", tr_strerror(r));
    return 1;
  }
  printf("Done!\n");

  sample_stdin_run(SAMPLE_STDIN_SERVER, &(sample_stdin_ops){.on_bang = sample_udp_restart}, server);

  printf("Server stopping...");
  tr_udp_server_stop(server);
  printf("Done!\n");
  tr_udp_server_free(server);

  sample_runtime_stop_udp(rt);
  return 0;
}
