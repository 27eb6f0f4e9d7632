/* TCP chat client (CppServer's example): prints what the chat server sends,
 * sends each stdin line; "!" disconnects (and the client reconnects a second
 * later, as after any disconnect), an empty line quits. Address 127.0.0.1 and
 * port 1111 unless given. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sample_retry.h"
#include "sample_runtime.h"
#include "sample_stdin.h"
#include "troupe/tcp.h"
#include "troupe/troupe.h"

static tr_tcp_client *client;
static sample_retry retry;

static void reconnect(void *unused) { tr_tcp_client_connect(client); }

static void on_connected(tr_stream *s, void *user) {
  printf("Chat TCP client connected a new session with Id %llu\n", (unsigned long long)tr_stream_id(s));
}

static void on_disconnected(tr_stream *s, void *user) {
  printf("Chat TCP client disconnected a session with Id %llu\n", (unsigned long long)tr_stream_id(s));
  sample_retry_later(&retry);
}

static void on_received(tr_stream *s, void *user, const void *data, size_t size) {
  printf("Incoming: %.*s\n", (int)size, (const char *)data);
}

static void on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  printf("Chat TCP client caught an error with code %d and category '%s': %s\n", code, category, message);
}

static void on_bang(void *ctx) {
  printf("Client disconnecting...");
  tr_tcp_client_disconnect(client);
  printf("Done!\n");
}

static void on_line(void *ctx, const char *line, size_t len) { tr_stream_send(tr_tcp_client_stream(client), line, len); }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *address = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 1111;
  printf("TCP server address: %s\n", address);
  printf("TCP server port: %d\n", port);

  tr_runtime *rt = sample_runtime_start();
  if (!rt)
    return 1;

  tr_tcp_client_options o = {
      .address = address,
      .port = port,
      .worker = -1,
      .callbacks = {.on_connected = on_connected,
                    .on_disconnected = on_disconnected,
                    .on_received = on_received,
                    .on_error = on_error},
  };
  int rc = sample_retry_init(&retry, rt, reconnect, NULL);
  if (rc == 0)
    rc = tr_tcp_client_new(rt, &o, &client);
  if (rc != 0) {
    fprintf(stderr, "cannot create the client: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Client connecting...");
  tr_tcp_client_connect(client);
  printf("Done!\n");

  sample_stdin_run(SAMPLE_STDIN_CLIENT, &(sample_stdin_ops){.on_bang = on_bang, .on_line = on_line}, NULL);

  printf("Client disconnecting...");
  sample_retry_stop(&retry);
  tr_tcp_client_disconnect(client);
  for (int i = 0; i < 1000 && tr_tcp_client_is_connected(client); i++)
    usleep(1000);
  tr_tcp_client_free(client);
  printf("Done!\n");

  sample_retry_free(&retry);
  sample_runtime_stop(rt);
  return 0;
}
