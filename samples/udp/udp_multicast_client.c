/* UDP multicast client (CppServer's UDP multicast client example): listens on
 * the group's port, joins the group once connected and prints what arrives.
 *   udp_multicast_client [listen address] [group] [port]
 *                        (default 0.0.0.0 239.255.0.1 3334)
 * "!" disconnects (the client reconnects a second later), an empty line quits. */
#include <stdio.h>
#include <stdlib.h>

#include "sample_retry.h"
#include "sample_runtime.h"
#include "sample_stdin.h"
#include "sample_udp_console.h"
#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/timer.h"
#include "troupe/udp.h"

typedef struct sample {
  tr_udp_client *client;
  sample_retry retry;
  const char *group;
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
  sample_retry_later(&sm->retry);
}

static void reconnect(void *ctx) {
  sample *sm = ctx;
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

  tr_runtime *rt = sample_runtime_start_udp();
  if (!rt)
    return 1;

  sample sm = {.group = group};
  tr_udp_options o;
  tr_udp_options_init(&o);
  o.receive_on_request = 1;
  tr_udp_client_callbacks cb = {.on_connected = on_connected,
                                .on_disconnected = on_disconnected,
                                .on_received = on_received,
                                .on_error = on_error};
  int r = sample_retry_init(&sm.retry, rt, reconnect, &sm);
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

  sample_stdin_run(SAMPLE_STDIN_CLIENT, &(sample_stdin_ops){.on_bang = sample_udp_disconnect}, sm.client);

  printf("Client disconnecting...");
  sample_retry_stop(&sm.retry);
  tr_udp_client_disconnect(sm.client);
  printf("Done!\n");
  tr_udp_client_free(sm.client);
  sample_retry_free(&sm.retry);

  sample_runtime_stop_udp(rt);
  return 0;
}
