/* Simple protocol server (CppServer's example): greets each session with a
 * SimpleNotify, answers a SimpleRequest with its length and a 32-bit hash of
 * its message (or a SimpleReject when the message is empty), closes the
 * session on DisconnectRequest. From stdin: an empty line quits, "!"
 * restarts the server, any other line goes to every session as the
 * notification "(admin) <line>". Port 4444 unless given. */
#include <stdio.h>
#include <stdlib.h>

#include "proto_hash.h"
#include "sample_admin.h"
#include "sample_runtime.h"
#include "sample_stdin.h"
#include "simple.h"
#include "troupe/troupe.h"

static int on_request(void *ctx, const simple_SimpleRequest *req) {
  tr_fbe_session *fs = ctx;
  printf("Received: ");
  simple_SimpleRequest_print(req, stdout);
  printf("\n");
  if (req->Message.size == 0) {
    simple_SimpleReject reject;
    simple_SimpleReject_init(&reject);
    reject.id = req->id;
    tr_fbe_string_set_cstr(&reject.Error, "Request message is empty!");
    simple_send_SimpleReject(tr_fbe_session_sender(fs), &reject);
    simple_SimpleReject_free(&reject);
    return 0;
  }
  simple_SimpleResponse response;
  simple_SimpleResponse_init(&response);
  response.id = req->id;
  response.Length = (uint32_t)req->Message.size;
  response.Hash = proto_hash(req->Message.data, req->Message.size);
  simple_send_SimpleResponse(tr_fbe_session_sender(fs), &response);
  return 0;
}

static int on_disconnect_request(void *ctx, const simple_DisconnectRequest *req) {
  tr_fbe_session_disconnect(ctx);
  return 0;
}

static const simple_handlers handlers = {
    .on_SimpleRequest = on_request,
    .on_DisconnectRequest = on_disconnect_request,
};

static int on_frame(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size) {
  return simple_dispatch(&handlers, fs, frame, size);
}

static void on_connected(tr_fbe_session *fs, void *user) {
  printf("Simple protocol session with Id %llu connected!\n", (unsigned long long)tr_fbe_session_id(fs));
  simple_SimpleNotify notify;
  simple_SimpleNotify_init(&notify);
  tr_fbe_string_set_cstr(&notify.Notification,
                         "Hello from Simple protocol server! Please send a message or '!' to disconnect the client!");
  simple_send_SimpleNotify(tr_fbe_session_sender(fs), &notify);
  simple_SimpleNotify_free(&notify);
}

static void on_disconnected(tr_fbe_session *fs, void *user) {
  printf("Simple protocol session with Id %llu disconnected!\n", (unsigned long long)tr_fbe_session_id(fs));
}

static void on_error(tr_fbe_session *fs, void *user, int code, const char *category, const char *message) {
  printf("Simple protocol session caught an error with code %d and category '%s': %s\n", code, category, message);
}

static void on_server_error(tr_fbe_server *srv, int code, const char *category, const char *message, void *ctx) {
  printf("Simple protocol server caught an error with code %d and category '%s': %s\n", code, category, message);
}

static void on_bang(void *server) {
  printf("Server restarting...");
  tr_fbe_server_restart(server);
  printf("Done!\n");
}

static void on_line(void *server, const char *line, size_t n) {
  simple_SimpleNotify notify;
  simple_SimpleNotify_init(&notify);
  size_t len;
  char *text = sample_admin_text(line, n, &len);
  if (text) {
    tr_fbe_string_set(&notify.Notification, text, len);
    tr_fbe_server_multicast(server, simple_SimpleNotify_encode_any, &notify);
    free(text);
  }
  simple_SimpleNotify_free(&notify);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int port = argc > 1 ? atoi(argv[1]) : 4444;
  printf("Simple protocol server port: %d\n\n", port);

  tr_runtime *rt = sample_runtime_start();
  if (!rt)
    return 1;

  tr_fbe_server_options o = {
      .tcp = {.address = "0.0.0.0", .port = port, .reuse_address = 1, .worker = -1, .socket = {.no_delay = 1}},
      .session = {.on_connected = on_connected,
                  .on_disconnected = on_disconnected,
                  .on_frame = on_frame,
                  .on_error = on_error},
      .on_error = on_server_error,
  };
  tr_fbe_server *server;
  int rc = tr_fbe_server_new(rt, &o, &server);
  printf("Server starting...");
  if (rc == 0)
    rc = tr_fbe_server_start(server);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Done!\n");

  sample_stdin_run(SAMPLE_STDIN_SERVER, &(sample_stdin_ops){.on_bang = on_bang, .on_line = on_line}, server);

  printf("Server stopping...");
  tr_fbe_server_stop(server);
  tr_fbe_server_free(server);
  printf("Done!\n");

  sample_runtime_stop(rt);
  return 0;
}
