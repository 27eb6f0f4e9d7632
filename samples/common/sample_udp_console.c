#include "sample_udp_console.h"

#include <stdio.h>

#include "troupe/error.h"
#include "troupe/udp.h"

void sample_udp_restart(void *server) {
  printf("Server restarting...");
  fflush(stdout);
  int r = tr_udp_server_restart(server);
  printf(r < 0 ? "failed: %s\n" : "Done!\n", tr_strerror(r));
  fflush(stdout);
}

void sample_udp_disconnect(void *client) {
  printf("Client disconnecting...");
  fflush(stdout);
  tr_udp_client_disconnect(client);
  printf("Done!\n");
  fflush(stdout);
}
