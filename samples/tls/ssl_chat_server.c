/* SSL chat server (CppServer's example): the TCP chat over TLS. Clients must
 * present a certificate from the CA (mutual TLS, as in CppServer). Greets each
 * session once its handshake is done, multicasts every message to all
 * handshaked sessions, disconnects a session that sends "!". From stdin: an
 * empty line quits, "!" restarts the server, any other line is multicast as
 * "(admin) <line>". Port 2222 unless given. */
#include <stdio.h>
#include <stdlib.h>

#include "sample_admin.h"
#include "sample_runtime.h"
#include "sample_stdin.h"
#include "sample_tls_opts.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"

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

static void on_bang(void *ctx) {
  printf("Server restarting...");
  tr_tls_server_restart(server);
  printf("Done!\n");
}

static void on_line(void *ctx, const char *line, size_t n) {
  size_t len;
  char *msg = sample_admin_text(line, n, &len);
  if (msg)
    tr_tls_server_multicast(server, msg, len);
  free(msg);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sample_tls_opts so;
  sample_tls_parse(&so, argc, argv, 1, "ssl_chat_server [options] [port]");
  int port = so.nargs > 0 ? atoi(so.args[0]) : 2222;
  printf("SSL server port: %d\n", port);

  tr_runtime *rt = sample_runtime_start();
  if (!rt)
    return 1;

  tr_tls_context *ctx;
  int rc = sample_tls_context(&so, 1, &ctx);
  if (rc != 0)
    return 1;
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

  sample_stdin_run(SAMPLE_STDIN_SERVER, &(sample_stdin_ops){.on_bang = on_bang, .on_line = on_line}, NULL);

  printf("Server stopping...");
  tr_tls_server_stop(server);
  tr_tls_server_free(server);
  printf("Done!\n");

  sample_runtime_stop(rt);
  return 0;
}
