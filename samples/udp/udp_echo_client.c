/* UDP echo client (CppServer's UDP echo client example): sends each line
 * typed to the echo server and prints what comes back.
 *   udp_echo_client [address] [port]     (default 127.0.0.1 3333)
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
} sample;

static void on_connected(tr_udp_client *c, void *ctx) {
  tr_udp_endpoint ep;
  char s[64] = "?";
  if (tr_udp_client_local_endpoint(c, &ep) == 0)
    tr_udp_endpoint_format(&ep, s, sizeof(s));
  printf("Echo UDP client connected a new session on %s\n", s);
  fflush(stdout);
  tr_udp_client_receive(c);
}

static void on_disconnected(tr_udp_client *c, void *ctx) {
  sample *sm = ctx;
  printf("Echo UDP client disconnected a session\n");
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
  printf("Echo UDP client caught an error with code %d and category '%s': %s\n", code, category, message);
  fflush(stdout);
}

static void on_line(void *client, const char *line, size_t len) {
  int r = tr_udp_client_send_sync(client, line, len);
  if (r < 0) {
    printf("Send failed: %s\n", tr_strerror(r));
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  const char *address = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 3333;
  printf("UDP server address: %s\nUDP server port: %d\n", address, port);

  tr_runtime *rt = sample_runtime_start_udp();
  if (!rt)
    return 1;

  sample sm = {0};
  tr_udp_options o;
  tr_udp_options_init(&o);
  o.receive_on_request = 1;
  tr_udp_client_callbacks cb = {.on_connected = on_connected,
                                .on_disconnected = on_disconnected,
                                .on_received = on_received,
                                .on_error = on_error};
  int r = sample_retry_init(&sm.retry, rt, reconnect, &sm);
  if (r == 0)
    r = tr_udp_client_new(rt, address, port, &o, &cb, &sm, &sm.client);
  if (r < 0) {
    printf("Client: %s\n", tr_strerror(r));
    return 1;
  }
  printf("Client connecting...");
  fflush(stdout);
  r = tr_udp_client_connect(sm.client);
  printf(r < 0 ? "failed: %s\n" : "Done!\n", tr_strerror(r));

  sample_stdin_run(SAMPLE_STDIN_CLIENT, &(sample_stdin_ops){.on_bang = sample_udp_disconnect, .on_line = on_line}, sm.client);

  printf("Client disconnecting...");
  sample_retry_stop(&sm.retry);
  tr_udp_client_disconnect(sm.client);
  printf("Done!\n");
  tr_udp_client_free(sm.client);
  sample_retry_free(&sm.retry);

  sample_runtime_stop_udp(rt);
  return 0;
}
