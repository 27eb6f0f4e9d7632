/* UDP echo client (CppServer's UDP echo client example): sends each line
 * typed to the echo server and prints what comes back.
 *   udp_echo_client [address] [port]     (default 127.0.0.1 3333)
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
  int stopping; /* written before the final disconnect, read on the worker */
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
  /* Wait a while, then connect again (a timer, not a sleep on the worker). */
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
  printf("Echo UDP client caught an error with code %d and category '%s': %s\n", code, category, message);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *address = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 3333;
  printf("UDP server address: %s\nUDP server port: %d\n", address, port);

  tr_runtime *rt;
  printf("Runtime starting...");
  if (tr_runtime_new(&rt, NULL) != 0 || tr_runtime_start(rt) != 0) {
    printf("failed\n");
    return 1;
  }
  printf("Done!\n");

  sample sm = {0};
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
    r = tr_udp_client_new(rt, address, port, &o, &cb, &sm, &sm.client);
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
      continue;
    }
    r = tr_udp_client_send_sync(sm.client, line, strlen(line));
    if (r < 0) {
      printf("Send failed: %s\n", tr_strerror(r));
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
