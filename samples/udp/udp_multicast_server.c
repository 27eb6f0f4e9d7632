/* UDP multicast server (CppServer's UDP multicast server example): each line
 * typed is multicast to the group as "(admin) <line>".
 *   udp_multicast_server [group] [port]     (default 239.255.0.1 3334)
 * "!" restarts the server, an empty line quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_admin.h"
#include "sample_runtime.h"
#include "sample_stdin.h"
#include "sample_udp_console.h"
#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/udp.h"

static void on_error(tr_udp_server *s, int code, const char *category, const char *message, void *ctx) {
  printf("Multicast UDP server caught an error with code %d and category '%s': %s\n", code, category, message);
  fflush(stdout);
}

static void on_line(void *server, const char *line, size_t n) {
  size_t len;
  char *msg = sample_admin_text(line, n, &len);
  int r = msg ? tr_udp_server_multicast_sync(server, msg, len) : TR_ENOMEM;
  free(msg);
  if (r < 0) {
    printf("Multicast failed: %s\n", tr_strerror(r));
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  const char *group = argc > 1 ? argv[1] : "239.255.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 3334;
  printf("UDP multicast address: %s\nUDP multicast port: %d\n", group, port);

  tr_runtime *rt = sample_runtime_start_udp();
  if (!rt)
    return 1;

  tr_udp_server_callbacks cb = {.on_error = on_error};
  tr_udp_server *server;
  /* The sending socket itself listens on any port of the group's family. */
  int r = tr_udp_server_new(rt, strchr(group, ':') ? "::" : "0.0.0.0", 0, NULL, &cb, NULL, &server);
  printf("Server starting...");
  fflush(stdout);
  if (r == 0)
    r = tr_udp_server_start_multicast(server, group, port);
  if (r < 0) {
    printf("failed: %s\n", tr_strerror(r));
    return 1;
  }
  printf("Done!\n");

  sample_stdin_run(SAMPLE_STDIN_SERVER, &(sample_stdin_ops){.on_bang = sample_udp_restart, .on_line = on_line}, server);

  printf("Server stopping...");
  tr_udp_server_stop(server);
  printf("Done!\n");
  tr_udp_server_free(server);

  sample_runtime_stop_udp(rt);
  return 0;
}
