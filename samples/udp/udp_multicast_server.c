/* UDP multicast server (CppServer's UDP multicast server example): each line
 * typed is multicast to the group as "(admin) <line>".
 *   udp_multicast_server [group] [port]     (default 239.255.0.1 3334)
 * "!" restarts the server, an empty line quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/udp.h"

static void on_error(tr_udp_server *s, int code, const char *category, const char *message, void *ctx) {
  printf("Multicast UDP server caught an error with code %d and category '%s': %s\n", code, category, message);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *group = argc > 1 ? argv[1] : "239.255.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 3334;
  printf("UDP multicast address: %s\nUDP multicast port: %d\n", group, port);

  tr_runtime *rt;
  printf("Runtime starting...");
  if (tr_runtime_new(&rt, NULL) != 0 || tr_runtime_start(rt) != 0) {
    printf("failed\n");
    return 1;
  }
  printf("Done!\n");

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

  printf("Press Enter to stop the server or '!' to restart the server...\n");
  fflush(stdout);
  char line[4096], msg[4200];
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
      continue;
    }
    int n = snprintf(msg, sizeof(msg), "(admin) %s", line);
    r = tr_udp_server_multicast_sync(server, msg, (size_t)n);
    if (r < 0) {
      printf("Multicast failed: %s\n", tr_strerror(r));
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
