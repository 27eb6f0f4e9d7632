/* UDP multicast client (CppServer's UDP multicast client example): listens on
 * the group's port, joins the group once connected and prints what arrives.
 *   udp_multicast_client [listen address] [group] [port]
 *                        (default 0.0.0.0 239.255.0.1 3334)
 * "!" disconnects (the client reconnects a second later), an empty line quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/timer.h"
#include "troupe/udp.h"

typedef struct sample {
  tr_udp_client *client;
  tr_timer *retry;
  const char *group;
  int stopping;
} sample;

static void on_connected(tr_udp_client *c, void *ctx) {
  sample *sm = ctx;
  printf("Multicast UDP client connected\n");
  fflush(stdout);
  int r = tr_udp_client_join_group(c, sm->group, NULL);
  if (r < 0)
    printf("Joining %s failed: %s\n", sm->group, tr_strerror(r));
  tr_udp_client_receive(c);
}

static void on_disconnected(tr_udp_client *c, void *ctx) {
  sample *sm = ctx;
  printf("Multicast UDP client disconnected\n");
  fflush(stdout);
  if (!__atomic_load_n(&sm->stopping, __ATOMIC_ACQUIRE)) {
    tr_timer_setup_after(sm->retry, 1000);
    tr_timer_wait_async(sm->retry);
  }
}

static void on_retry(tr_timer *t, int canceled, void *ctx) {
  sample *sm = ctx;
  if (!canceled && !__atomic_load_n(&sm->stopping, __ATOMIC_ACQUIRE))
    tr_udp_client_connect(sm->client);
}

static void on_received(tr_udp_client *c, const tr_udp_endpoint *from, const void *data, size_t size, void *ctx) {
  printf("Incoming: %.*s\n", (int)size, (const char *)data);
  fflush(stdout);
  tr_udp_client_receive(c);
}

static void on_error(tr_udp_client *c, int code, const char *category, const char *message, void *ctx) {
  printf("Multicast UDP client caught an error with code %d and category '%s': %s\n", code, category, message);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *listen = argc > 1 ? argv[1] : "0.0.0.0";
  const char *group = argc > 2 ? argv[2] : "239.255.0.1";
  int port = argc > 3 ? atoi(argv[3]) : 3334;
  printf("UDP listen address: %s\nUDP multicast address: %s\nUDP multicast port: %d\n", listen, group, port);

  tr_runtime *rt;
  printf("Runtime starting...");
  if (tr_runtime_new(&rt, NULL) != 0 || tr_runtime_start(rt) != 0) {
    printf("failed\n");
    return 1;
  }
  printf("Done!\n");

  sample sm = {.group = group};
  tr_timer_callbacks tcb = {.on_timer = on_retry};
  tr_udp_options o;
  tr_udp_options_init(&o);
  o.receive_on_request = 1;
  tr_udp_client_callbacks cb = {.on_connected = on_connected,
                                .on_disconnected = on_disconnected,
                                .on_received = on_received,
                                .on_error = on_error};
  int r = tr_timer_new(rt, &tcb, &sm, &sm.retry);
  if (r == 0)
    r = tr_udp_client_new(rt, listen, port, &o, &cb, &sm, &sm.client);
  if (r == 0)
    r = tr_udp_client_setup_multicast(sm.client, 1);
  if (r < 0) {
    printf("Client: %s\n", tr_strerror(r));
    return 1;
  }
  printf("Client connecting...");
  fflush(stdout);
  r = tr_udp_client_connect(sm.client);
  printf(r < 0 ? "failed: %s\n" : "Done!\n", tr_strerror(r));

  printf("Press Enter to stop the client or '!' to reconnect the client...\n");
  fflush(stdout);
  char line[4096];
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == 0)
      break;
    if (strcmp(line, "!") == 0) {
      printf("Client disconnecting...");
      fflush(stdout);
      tr_udp_client_disconnect(sm.client);
      printf("Done!\n");
      fflush(stdout);
    }
  }

  printf("Client disconnecting...");
  __atomic_store_n(&sm.stopping, 1, __ATOMIC_RELEASE);
  tr_timer_cancel(sm.retry);
  tr_udp_client_disconnect(sm.client);
  printf("Done!\n");
  tr_udp_client_free(sm.client);
  tr_timer_free(sm.retry);

  printf("Runtime stopping...");
  tr_runtime_free(rt);
  printf("Done!\n");
  return 0;
}
