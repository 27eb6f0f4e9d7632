/* Simple protocol client (CppServer's example): sends each stdin line as a
 * SimpleRequest, waits for the answer and prints the hash it carries; prints
 * the server's notifications as they come. "!" reconnects, an empty line
 * quits. After losing the server it tries again every second.
 * Arguments: address (127.0.0.1) and port (4444). */
#include <stdio.h>
#include <stdlib.h>

#include "sample_retry.h"
#include "sample_runtime.h"
#include "sample_stdin.h"
#include "simple.h"
#include "troupe/troupe.h"

static tr_fbe_tcp_client *client;
static sample_retry retry;

static int on_notify(void *ctx, const simple_SimpleNotify *notify) {
  printf("Received: ");
  simple_SimpleNotify_print(notify, stdout);
  printf("\n");
  return 0;
}

/* Answers nobody waits for any more (timed out) come here. */
static int on_response(void *ctx, const simple_SimpleResponse *response) {
  printf("Received: ");
  simple_SimpleResponse_print(response, stdout);
  printf("\n");
  return 0;
}

static int on_reject(void *ctx, const simple_SimpleReject *reject) {
  printf("Received: ");
  simple_SimpleReject_print(reject, stdout);
  printf("\n");
  return 0;
}

static int on_disconnect_request(void *ctx, const simple_DisconnectRequest *req) {
  printf("Received: ");
  simple_DisconnectRequest_print(req, stdout);
  printf("\n");
  tr_fbe_session_disconnect(ctx);
  return 0;
}

static const simple_handlers handlers = {
    .on_SimpleResponse = on_response,
    .on_SimpleReject = on_reject,
    .on_SimpleNotify = on_notify,
    .on_DisconnectRequest = on_disconnect_request,
};

static int on_frame(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size) {
  return simple_client_dispatch(tr_fbe_session_table(fs), &handlers, fs, frame, size);
}

static void on_connected(tr_fbe_session *fs, void *user) {
  printf("Simple protocol client connected a new session with Id %llu\n", (unsigned long long)tr_fbe_session_id(fs));
}

static void on_disconnected(tr_fbe_session *fs, void *user) {
  printf("Simple protocol client disconnected a session\n");
  sample_retry_later(&retry);
}

/* "!" may have connected it already. */
static void reconnect(void *unused) {
  if (!tr_fbe_tcp_client_is_connected(client))
    tr_fbe_tcp_client_connect(client);
}

static void on_error(tr_fbe_session *fs, void *user, int code, const char *category, const char *message) {
  printf("Simple protocol client caught an error with code %d and category '%s': %s\n", code, category, message);
}

/* One request, waited for on this (non-worker) thread. */
static void ask(const char *line, size_t len) {
  simple_SimpleRequest req;
  simple_SimpleRequest_init(&req);
  tr_fbe_uuid_nil(&req.id); /* a fresh id per request */
  tr_fbe_string_set(&req.Message, line, len);
  tr_future *f = NULL;
  int rc = tr_fbe_tcp_client_request(client, &req.id, simple_SimpleRequest_encode_any, &req, 10000, NULL, NULL, &f);
  simple_SimpleRequest_free(&req);
  if (rc != 0) {
    printf("Request failed: %s\n", tr_strerror(rc));
    return;
  }
  void *value = NULL;
  rc = tr_future_wait(f, -1, &value);
  tr_future_release(f);
  tr_fbe_reply *reply = value;
  if (rc != 0) {
    printf("Request failed: %s\n", tr_strerror(rc));
  } else if (reply->rejected) {
    const simple_SimpleReject *reject = reply->message;
    printf("Rejected: %s\n", tr_fbe_string_cstr(&reject->Error));
  } else {
    const simple_SimpleResponse *response = reply->message;
    printf("Hash of '%s' = 0x%08X\n", line, response->Hash);
  }
  tr_fbe_reply_free(reply);
}

static void on_bang(void *ctx) {
  printf("Client reconnecting...");
  if (tr_fbe_tcp_client_is_connected(client))
    tr_fbe_tcp_client_reconnect(client);
  else
    tr_fbe_tcp_client_connect(client);
  printf("Done!\n");
}

static void on_line(void *ctx, const char *line, size_t len) { ask(line, len); }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *address = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 4444;
  printf("Simple protocol server address: %s\n", address);
  printf("Simple protocol server port: %d\n\n", port);

  tr_runtime *rt = sample_runtime_start();
  if (!rt)
    return 1;

  tr_fbe_tcp_client_options o = {
      .tcp = {.address = address, .port = port, .worker = -1, .socket = {.no_delay = 1}},
      .callbacks = {.on_connected = on_connected,
                    .on_disconnected = on_disconnected,
                    .on_frame = on_frame,
                    .on_error = on_error},
  };
  if (sample_retry_init(&retry, rt, reconnect, NULL) != 0 || tr_fbe_tcp_client_new(rt, &o, &client) != 0) {
    fprintf(stderr, "cannot create the client\n");
    return 1;
  }
  printf("Client connecting...");
  tr_fbe_tcp_client_connect(client);
  printf("Done!\n");

  sample_stdin_run(SAMPLE_STDIN_CLIENT, &(sample_stdin_ops){.on_bang = on_bang, .on_line = on_line}, NULL);

  printf("Client disconnecting...");
  sample_retry_stop(&retry);
  tr_fbe_tcp_client_free(client);
  sample_retry_free(&retry);
  printf("Done!\n");

  sample_runtime_stop(rt);
  return 0;
}
