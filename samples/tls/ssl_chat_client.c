/* SSL chat client (CppServer's example): the TCP chat client over TLS, with
 * the client certificate the server asks for. Prints what the server sends,
 * sends each stdin line; "!" disconnects (and the client reconnects a second
 * later, as after any disconnect), an empty line quits. Address 127.0.0.1
 * and port 2222 unless given. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssl_sample_opts.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"

static const char usage[] =
    "Usage: ssl_chat_client [options] [address [port]]\n"
    "  -C, --certs DIR      certificate directory (default: build/certs, or $TROUPE_CERTS)\n"
    "  -c, --cert FILE      client certificate chain, may hold the key (default DIR/client.pem)\n"
    "  -k, --key FILE       private key (default: in the chain file)\n"
    "  -P, --password PW    key password (default qwerty)\n"
    "  -A, --ca FILE        CA to verify the server with (default DIR/ca.pem)\n";

static tr_tls_client *client;
static tr_timer *retry;
static atomic_int stopping;

static void on_retry(tr_timer *t, int canceled, void *ctx) {
  if (!canceled && !atomic_load(&stopping))
    tr_tls_client_connect(client);
}

static void on_connected(tr_stream *s, void *user) {
  printf("Chat SSL client connected a new session with Id %llu\n", (unsigned long long)tr_stream_id(s));
}

static void on_handshaked(tr_stream *s, void *user) {
  tr_tls_info info;
  if (tr_tls_stream_info(s, &info) == 0)
    printf("Chat SSL client handshaked a new session with Id %llu (%s, %s)\n", (unsigned long long)tr_stream_id(s),
           info.version, info.cipher);
}

static void on_disconnected(tr_stream *s, void *user) {
  printf("Chat SSL client disconnected a session with Id %llu\n", (unsigned long long)tr_stream_id(s));
  if (!atomic_load(&stopping)) {
    tr_timer_setup_after(retry, 1000);
    tr_timer_wait_async(retry);
  }
}

static void on_received(tr_stream *s, void *user, const void *data, size_t size) {
  printf("Incoming: %.*s\n", (int)size, (const char *)data);
}

static void on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  printf("Chat SSL client caught an error with code %d and category '%s': %s\n", code, category, message);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  ssl_sample_opts so;
  ssl_sample_parse(&so, argc, argv, 0, usage);
  const char *address = so.nargs > 0 ? so.args[0] : "127.0.0.1";
  int port = so.nargs > 1 ? atoi(so.args[1]) : 2222;
  printf("SSL server address: %s\n", address);
  printf("SSL server port: %d\n", port);

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

  tr_tls_context_options co = {
      .cert_file = so.cert,
      .key_file = so.key,
      .password = so.password,
      .ca_file = so.ca,
      .verify = TR_TLS_VERIFY_PEER,
  };
  tr_tls_context *ctx;
  char err[256];
  rc = tr_tls_context_new(&co, &ctx, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "cannot set up TLS: %s\n", err);
    return 1;
  }
  tr_timer_new(rt, &(tr_timer_callbacks){.on_timer = on_retry}, NULL, &retry);
  tr_tls_client_options o = {
      .tcp = {.address = address, .port = port, .worker = -1},
      .context = ctx,
      .callbacks = {.on_connected = on_connected,
                    .on_handshaked = on_handshaked,
                    .on_disconnected = on_disconnected,
                    .on_received = on_received,
                    .on_error = on_error},
  };
  rc = tr_tls_client_new(rt, &o, &client);
  tr_tls_context_release(ctx);
  if (rc != 0) {
    fprintf(stderr, "cannot create the client: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Client connecting...");
  tr_tls_client_connect(client);
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
      tr_tls_client_disconnect(client);
      printf("Done!\n");
      continue;
    }
    tr_stream_send(tr_tls_client_stream(client), line, (size_t)n);
  }
  free(line);

  printf("Client disconnecting...");
  atomic_store(&stopping, 1);
  tr_timer_cancel(retry);
  tr_tls_client_disconnect(client);
  for (int i = 0; i < 1000 && tr_tls_client_is_connected(client); i++)
    usleep(1000);
  tr_tls_client_free(client);
  printf("Done!\n");

  printf("Asio service stopping...");
  tr_timer_free(retry);
  tr_runtime_free(rt);
  printf("Done!\n");
  return 0;
}
