/* The simple protocol over real TCP on 127.0.0.1: round trip, reject,
 * timeout, reset and disconnect failing what is pending, a malformed frame
 * closing only its own session, DisconnectRequest. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "fbe_tcp_test_util.h"

static tr_runtime *rt;
static ft_server server;
static ft_client client;

static void setup(void) {
  rt = ft_runtime(2);
  cr_assert_not_null(rt);
  cr_assert_eq(ft_server_start(&server, rt), 0);
  cr_assert_eq(ft_client_connect(&client, rt, server.port), 0);
  cr_assert(FT_WAIT(atomic_load(&client.notifies) == 1, 5000), "the greeting arrives");
}

static void teardown(void) {
  tr_fbe_tcp_client_free(client.c);
  ft_server_free(&server);
  tr_runtime_free(rt);
}

/* Per test rather than TestSuite(...): the TSan stand-in honours only these. */
#define FT_FIXTURE .init = setup, .fini = teardown, .timeout = 30

Test(fbe_tcp, request_response_round_trip, FT_FIXTURE) {
  tr_fbe_uuid id;
  tr_future *f = ft_request(&client, "hello", 5, 5000, &id);
  cr_assert_not_null(f);
  void *value = NULL;
  cr_assert_eq(tr_future_wait(f, 5000, &value), 0);
  tr_future_release(f);
  tr_fbe_reply *reply = value;
  cr_assert_not_null(reply);
  cr_assert_not(reply->rejected);
  cr_assert_eq(reply->type, simple_SimpleResponse_TYPE);
  const simple_SimpleResponse *r = reply->message;
  cr_assert(tr_fbe_uuid_equal(&r->id, &id), "the response carries the request's id");
  cr_assert_eq(r->Length, 5);
  cr_assert_eq(r->Hash, ft_hash("hello", 5));
  tr_fbe_reply_free(reply);
  cr_assert(FT_WAIT(tr_fbe_tcp_client_pending(client.c) == 0, 1000));
}

Test(fbe_tcp, empty_message_is_rejected, FT_FIXTURE) {
  tr_fbe_uuid id;
  tr_future *f = ft_request(&client, "", 0, 5000, &id);
  cr_assert_not_null(f);
  void *value = NULL;
  cr_assert_eq(tr_future_wait(f, 5000, &value), 0);
  tr_future_release(f);
  tr_fbe_reply *reply = value;
  cr_assert(reply->rejected);
  cr_assert_eq(reply->type, simple_SimpleReject_TYPE);
  const simple_SimpleReject *r = reply->message;
  cr_assert(tr_fbe_uuid_equal(&r->id, &id));
  cr_assert_str_eq(tr_fbe_string_cstr(&r->Error), "Request message is empty!");
  tr_fbe_reply_free(reply);
}

static atomic_int cb_result = 1;
static void note_result(void *ctx, int result, const tr_fbe_reply *reply) { atomic_store(&cb_result, result); }

Test(fbe_tcp, request_times_out_when_never_answered, FT_FIXTURE) {
  simple_SimpleRequest req;
  simple_SimpleRequest_init(&req);
  tr_fbe_string_set_cstr(&req.Message, "silent");
  tr_future *f = NULL;
  uint64_t t0 = ft_now_ms();
  cr_assert_eq(tr_fbe_tcp_client_request(client.c, &req.id, simple_SimpleRequest_encode_any, &req, 200, note_result,
                                         NULL, &f),
               0);
  cr_assert_not(tr_fbe_uuid_is_nil(&req.id), "a nil id got a fresh one");
  simple_SimpleRequest_free(&req);
  void *value = (void *)1;
  cr_assert_eq(tr_future_wait(f, 5000, &value), TR_ETIMEDOUT);
  uint64_t took = ft_now_ms() - t0;
  cr_assert_null(value);
  cr_assert_geq(took, 190, "not before its time (%llu ms)", (unsigned long long)took);
  cr_assert_lt(took, 3000, "close to its time (%llu ms)", (unsigned long long)took);
  cr_assert_eq(atomic_load(&cb_result), TR_ETIMEDOUT, "the callback heard it too");
  cr_assert(FT_WAIT(tr_fbe_tcp_client_pending(client.c) == 0, 1000));
  cr_assert(FT_WAIT(atomic_load(&server.requests) == 1, 1000));
  /* The connection is still good. */
  f = ft_request(&client, "x", 1, 5000, NULL);
  cr_assert_eq(tr_future_wait(f, 5000, &value), 0);
  tr_fbe_reply_free(value);
  tr_future_release(f);
}

Test(fbe_tcp, reset_and_disconnect_fail_pending_requests, FT_FIXTURE) {
  tr_future *a = ft_request(&client, "silent", 6, UINT64_MAX, NULL);
  tr_future *b = ft_request(&client, "silent", 6, UINT64_MAX, NULL);
  cr_assert(a && b);
  cr_assert(FT_WAIT(tr_fbe_tcp_client_pending(client.c) == 2, 5000));
  cr_assert_eq(tr_fbe_tcp_client_reset(client.c), 0);
  cr_assert_eq(tr_future_wait(a, 5000, NULL), TR_ECANCELED);
  cr_assert_eq(tr_future_wait(b, 5000, NULL), TR_ECANCELED);
  tr_future_release(a);
  tr_future_release(b);
  cr_assert(FT_WAIT(tr_fbe_tcp_client_pending(client.c) == 0, 1000));

  tr_future *c = ft_request(&client, "silent", 6, UINT64_MAX, NULL);
  cr_assert(FT_WAIT(tr_fbe_tcp_client_pending(client.c) == 1, 5000));
  cr_assert_eq(tr_fbe_tcp_client_disconnect(client.c), 0);
  cr_assert_eq(tr_future_wait(c, 5000, NULL), TR_ECANCELED, "a lost connection cancels what waits on it");
  tr_future_release(c);

  /* Not connected: the request fails as closed, not as a timeout. */
  cr_assert(FT_WAIT(atomic_load(&client.disconnected) == 1, 5000));
  tr_future *d = ft_request(&client, "x", 1, 5000, NULL);
  cr_assert_not_null(d, "from a foreign thread the outcome comes through the future");
  cr_assert_eq(tr_future_wait(d, 5000, NULL), TR_ECLOSED);
  tr_future_release(d);
}

static int raw_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Reads until the server closes: 1 on EOF, 0 on timeout or error. */
static int raw_wait_eof(int fd) {
  char buf[512];
  for (int i = 0; i < 100; i++) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0)
      return 1;
    if (n < 0)
      return 0;
  }
  return 0;
}

static void expect_reason(const char *needle) {
  pthread_mutex_lock(&server.mu);
  char reason[sizeof server.reason], category[sizeof server.category];
  memcpy(reason, server.reason, sizeof reason);
  memcpy(category, server.category, sizeof category);
  pthread_mutex_unlock(&server.mu);
  cr_assert_str_eq(category, "fbe");
  cr_assert(strstr(reason, needle), "reason '%s' mentions '%s'", reason, needle);
}

Test(fbe_tcp, malformed_frame_closes_only_that_session, FT_FIXTURE) {
  cr_assert(FT_WAIT(atomic_load(&server.connected) == 1, 5000));

  /* A frame size under the 16-byte minimum. */
  int fd = raw_connect(server.port);
  cr_assert_geq(fd, 0);
  cr_assert(FT_WAIT(atomic_load(&server.connected) == 2, 5000));
  uint8_t tiny[8] = {8, 0, 0, 0, 8, 0, 0, 0};
  cr_assert_eq(send(fd, tiny, sizeof tiny, 0), (ssize_t)sizeof tiny);
  cr_assert(raw_wait_eof(fd), "the server closed the bad session");
  close(fd);
  cr_assert(FT_WAIT(atomic_load(&server.errors) == 1, 5000));
  cr_assert_eq(atomic_load(&server.last_error), TR_EPROTO);
  expect_reason("below the minimum");

  /* A well-sized frame whose root struct claims more than the frame holds,
   * sent behind a good request in the same write. */
  fd = raw_connect(server.port);
  cr_assert_geq(fd, 0);
  simple_SimpleRequest req;
  simple_SimpleRequest_init(&req);
  tr_fbe_uuid_random(&req.id);
  tr_fbe_string_set_cstr(&req.Message, "fine");
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(simple_SimpleRequest_encode(&req, &b), 0);
  size_t good = b.size;
  cr_assert_gt(simple_SimpleRequest_encode(&req, &b), 0);
  tr_fbe_store_u32(b.data + good + 8, 4096); /* struct_size past the end */
  simple_SimpleRequest_free(&req);
  int before = atomic_load(&server.requests);
  cr_assert_eq(send(fd, b.data, b.size, 0), (ssize_t)b.size);
  tr_fbe_buffer_free(&b);
  cr_assert(raw_wait_eof(fd));
  close(fd);
  cr_assert(FT_WAIT(atomic_load(&server.errors) == 2, 5000));
  cr_assert_eq(atomic_load(&server.last_error), TR_EPROTO);
  expect_reason("malformed");
  cr_assert_eq(atomic_load(&server.requests), before + 1, "the good frame before it was still served");

  /* An unknown type. */
  fd = raw_connect(server.port);
  cr_assert_geq(fd, 0);
  uint8_t unknown[16] = {16, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 99, 0, 0, 0};
  cr_assert_eq(send(fd, unknown, sizeof unknown, 0), (ssize_t)sizeof unknown);
  cr_assert(raw_wait_eof(fd));
  close(fd);
  cr_assert(FT_WAIT(atomic_load(&server.errors) == 3, 5000));
  expect_reason("type 99");

  /* The well-behaved session never noticed. */
  cr_assert(FT_WAIT(atomic_load(&server.disconnected) == 3, 5000));
  cr_assert_eq(atomic_load(&client.disconnected), 0);
  tr_future *f = ft_request(&client, "still here", 10, 5000, NULL);
  void *value = NULL;
  cr_assert_eq(tr_future_wait(f, 5000, &value), 0);
  tr_future_release(f);
  cr_assert_eq(((simple_SimpleResponse *)((tr_fbe_reply *)value)->message)->Length, 10);
  tr_fbe_reply_free(value);
}

Test(fbe_tcp, disconnect_request_closes_the_session, FT_FIXTURE) {
  /* A request right before it (likely in the same read on the server)
   * is still answered before the close. */
  tr_future *f = ft_request(&client, "last", 4, 5000, NULL);
  cr_assert_not_null(f);
  simple_DisconnectRequest dr;
  simple_DisconnectRequest_init(&dr);
  tr_fbe_uuid_random(&dr.id);
  cr_assert_gt(tr_fbe_tcp_client_send(client.c, simple_DisconnectRequest_encode_any, &dr), 0);
  void *value = NULL;
  cr_assert_eq(tr_future_wait(f, 5000, &value), 0, "answered, not canceled by the close");
  tr_future_release(f);
  tr_fbe_reply_free(value);
  cr_assert(FT_WAIT(atomic_load(&client.disconnected) == 1, 5000), "the server closed the connection");
  cr_assert(FT_WAIT(atomic_load(&server.disconnected) == 1, 5000));
  cr_assert_eq(atomic_load(&server.errors), 0, "a clean close, not an error");
  cr_assert_not(tr_fbe_tcp_client_is_connected(client.c));
  /* And the client may come back. */
  cr_assert_eq(tr_fbe_tcp_client_connect_sync(client.c, 5000), 0);
  cr_assert(FT_WAIT(atomic_load(&client.notifies) == 2, 5000), "greeted again");
}

/* A request made on the client's own worker, from inside a callback: it is
 * registered and sent at once, and its answer comes to the callback. */
static atomic_int worker_result = 1;
static atomic_uint worker_hash;
static tr_fbe_tcp_client *worker_client;

static void on_worker_reply(void *ctx, int result, const tr_fbe_reply *reply) {
  if (result == 0 && reply && !reply->rejected)
    atomic_store(&worker_hash, ((const simple_SimpleResponse *)reply->message)->Hash);
  atomic_store(&worker_result, result);
}

static int ask_from_worker(void *ctx, const simple_SimpleNotify *n) {
  simple_SimpleRequest req;
  simple_SimpleRequest_init(&req);
  tr_fbe_string_set_cstr(&req.Message, "from the worker");
  int rc = tr_fbe_tcp_client_request(worker_client, &req.id, simple_SimpleRequest_encode_any, &req, 5000,
                                     on_worker_reply, NULL, NULL);
  simple_SimpleRequest_free(&req);
  if (rc != 0)
    atomic_store(&worker_result, rc);
  return 0;
}

static const simple_handlers worker_handlers = {.on_SimpleNotify = ask_from_worker};

static int worker_frame(tr_fbe_session *fs, void *user, const uint8_t *frame, size_t size) {
  return simple_client_dispatch(tr_fbe_session_table(fs), &worker_handlers, NULL, frame, size);
}

Test(fbe_tcp, request_from_the_clients_own_worker, FT_FIXTURE) {
  tr_fbe_tcp_client_options o = {
      .tcp = {.address = "127.0.0.1", .port = server.port, .worker = -1},
      .callbacks = {.on_frame = worker_frame},
  };
  cr_assert_eq(tr_fbe_tcp_client_new(rt, &o, &worker_client), 0);
  cr_assert_eq(tr_fbe_tcp_client_connect_sync(worker_client, 5000), 0);
  cr_assert(FT_WAIT(atomic_load(&worker_result) != 1, 5000), "the greeting triggered a request that completed");
  cr_assert_eq(atomic_load(&worker_result), 0);
  cr_assert_eq(atomic_load(&worker_hash), ft_hash("from the worker", 15));
  tr_fbe_tcp_client_free(worker_client);
}
