/* SSL chat server (CppServer's example): the TCP chat over TLS. Clients must
 * present a certificate from the CA (mutual TLS, as in CppServer). Greets each
 * session once its handshake is done, multicasts every message to all
 * handshaked sessions, disconnects a session that sends "!". From stdin: an
 * empty line quits, "!" restarts the server, any other line is multicast as
 * "(admin) <line>". Port 2222 unless given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssl_sample_opts.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"

static const char usage[] =
    "Usage: ssl_chat_server [options] [port]\n"
    "  -C, --certs DIR      certificate directory (default: build/certs, or $TROUPE_CERTS)\n"
    "  -c, --cert FILE      certificate chain, may hold the key (default DIR/server.pem)\n"
    "  -k, --key FILE       private key (default: in the chain file)\n"
    "  -P, --password PW    key password (default qwerty)\n"
    "  -A, --ca FILE        CA that client certificates must come from (default DIR/ca.pem)\n"
    "  -D, --dh FILE        Diffie-Hellman parameters (default DIR/dh.pem)\n";

static tr_tls_server *server;

static void on_connected(tr_stream *s, void *user) {
  printf("Chat SSL session with Id %llu connected!\n", (unsigned long long)tr_stream_id(s));
}

static void on_handshaked(tr_stream *s, void *user) {
  printf("Chat SSL session with Id %llu handshaked!\n", (unsigned long long)tr_stream_id(s));
  static const char hello[] = "Hello from SSL chat! Please send a message or '!' to disconnect the client!";
  tr_stream_send(s, hello, sizeof hello - 1);
}

static void on_disconnected(tr_stream *s, void *user) {
  printf("Chat SSL session with Id %llu disconnected!\n", (unsigned long long)tr_stream_id(s));
}

static void on_received(tr_stream *s, void *user, const void *data, size_t size) {
  printf("Incoming: %.*s\n", (int)size, (const char *)data);
  tr_tls_server_multicast(server, data, size);
  if (size == 1 && *(const char *)data == '!')
    tr_stream_disconnect(s);
}

static void on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  printf("Chat SSL session caught an error with code %d and category '%s': %s\n", code, category, message);
}

static void on_server_error(tr_tcp_server *srv, int code, const char *category, const char *message, void *ctx) {
  printf("Chat SSL server caught an error with code %d and category '%s': %s\n", code, category, message);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  ssl_sample_opts so;
  ssl_sample_parse(&so, argc, argv, 1, usage);
  int port = so.nargs > 0 ? atoi(so.args[0]) : 2222;
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
      .server = 1,
      .cert_file = so.cert,
      .key_file = so.key,
      .password = so.password,
      .ca_file = so.ca,
      .dh_file = so.dh,
      .verify = TR_TLS_VERIFY_REQUIRE,
  };
  tr_tls_context *ctx;
  char err[256];
  rc = tr_tls_context_new(&co, &ctx, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "cannot set up TLS: %s\n", err);
    return 1;
  }
  tr_tls_server_options o = {
      .tcp = {.address = "0.0.0.0", .port = port, .reuse_address = 1, .worker = -1, .on_error = on_server_error},
      .context = ctx,
      .session = {.on_connected = on_connected,
                  .on_handshaked = on_handshaked,
                  .on_disconnected = on_disconnected,
                  .on_received = on_received,
                  .on_error = on_error},
  };
  rc = tr_tls_server_new(rt, &o, &server);
  tr_tls_context_release(ctx);
  printf("Server starting...");
  if (rc == 0)
    rc = tr_tls_server_start(server);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Done!\n");

  printf("Press Enter to stop the server or '!' to restart the server...\n");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0)
      break;
    if (strcmp(line, "!") == 0) {
      printf("Server restarting...");
      tr_tls_server_restart(server);
      printf("Done!\n");
      continue;
    }
    size_t len = strlen("(admin) ") + (size_t)n;
    char *msg = malloc(len + 1);
    snprintf(msg, len + 1, "(admin) %s", line);
    tr_tls_server_multicast(server, msg, len);
    free(msg);
  }
  free(line);

  printf("Server stopping...");
  tr_tls_server_stop(server);
  tr_tls_server_free(server);
  printf("Done!\n");

  printf("Asio service stopping...");
  tr_runtime_free(rt);
  printf("Done!\n");
  return 0;
}
