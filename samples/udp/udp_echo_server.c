/* UDP echo server (CppServer's UDP echo server example): sends every datagram
 * back to where it came from, asking for the next one once the echo is sent.
 *   udp_echo_server [port]     (default 3333)
 * "!" restarts the server, an empty line quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

  tr_runtime *rt;
  printf("Runtime starting...");
  if (tr_runtime_new(&rt, NULL) != 0 || tr_runtime_start(rt) != 0) {
    printf("failed\n");
    return 1;
  }
  printf("Done!\n");

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

  printf("Press Enter to stop the server or '!' to restart the server...\n");
  fflush(stdout);
  char line[4096];
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == 0)
      break;
    if (strcmp(line, "!") == 0) {
      printf("Server restarting...");
      fflush(stdout);
      r = tr_udp_server_restart(server);
      printf(r < 0 ? "failed: %s\n" : "Done!\n", tr_strerror(r));
      fflush(stdout);
    }
  }

  printf("Server stopping...");
  tr_udp_server_stop(server);
  printf("Done!\n");
  tr_udp_server_free(server);

  printf("Runtime stopping...");
  tr_runtime_free(rt);
  printf("Done!\n");
  return 0;
}
