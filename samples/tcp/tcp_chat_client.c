/* TCP chat client (CppServer's example): prints what the chat server sends,
 * sends each stdin line; "!" disconnects (and the client reconnects a second
 * later, as after any disconnect), an empty line quits. Address 127.0.0.1 and
 * port 1111 unless given. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "troupe/tcp.h"
#include "troupe/troupe.h"

static tr_tcp_client *client;
static tr_timer *retry;
static atomic_int stopping;

static void on_retry(tr_timer *t, int canceled, void *ctx) {
  if (!canceled && !atomic_load(&stopping))
    tr_tcp_client_connect(client);
}

static void on_connected(tr_stream *s, void *user) {
  printf("Chat TCP client connected a new session with Id %llu\n", (unsigned long long)tr_stream_id(s));
}

static void on_disconnected(tr_stream *s, void *user) {
  printf("Chat TCP client disconnected a session with Id %llu\n", (unsigned long long)tr_stream_id(s));
  /* Try again in a second, without blocking the worker meanwhile. */
  if (!atomic_load(&stopping)) {
    tr_timer_setup_after(retry, 1000);
    tr_timer_wait_async(retry);
  }
}

static void on_received(tr_stream *s, void *user, const void *data, size_t size) {
  printf("Incoming: %.*s\n", (int)size, (const char *)data);
}

static void on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  printf("Chat TCP client caught an error with code %d and category '%s': %s\n", code, category, message);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *address = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 1111;
  printf("TCP server address: %s\n", address);
  printf("TCP server port: %d\n", port);

  printf("Asio service starting...");
  tr_runtime *rt;
  int rc = tr_runtime_new(&rt, NULL);
  if (rc == 0)
    rc = tr_runtime_start(rt);
  if (rc != 0) {
    fprintf(stderr, "cannot start the runtime: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Done!\n");

  tr_timer_new(rt, &(tr_timer_callbacks){.on_timer = on_retry}, NULL, &retry);
  tr_tcp_client_options o = {
      .address = address,
      .port = port,
      .worker = -1,
      .callbacks = {.on_connected = on_connected,
                    .on_disconnected = on_disconnected,
                    .on_received = on_received,
                    .on_error = on_error},
  };
  rc = tr_tcp_client_new(rt, &o, &client);
  if (rc != 0) {
    fprintf(stderr, "cannot create the client: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Client connecting...");
  tr_tcp_client_connect(client);
  printf("Done!\n");

  printf("Press Enter to stop the client or '!' to reconnect the client...\n");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0)
      break;
    if (strcmp(line, "!") == 0) {
      printf("Client disconnecting...");
      tr_tcp_client_disconnect(client);
      printf("Done!\n");
      continue;
    }
    tr_stream_send(tr_tcp_client_stream(client), line, (size_t)n);
  }
  free(line);

  printf("Client disconnecting...");
  atomic_store(&stopping, 1);
  tr_timer_cancel(retry);
  tr_tcp_client_disconnect(client);
  for (int i = 0; i < 1000 && tr_tcp_client_is_connected(client); i++)
    usleep(1000);
  tr_tcp_client_free(client);
  printf("Done!\n");

  printf("Asio service stopping...");
  tr_timer_free(retry);
  tr_runtime_free(rt);
  printf("Done!\n");
  return 0;
}
