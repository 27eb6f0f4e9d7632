/* The stream core's layer interface, the one TLS plugs into: a toy layer with
 * a one-byte handshake and XOR "encryption" on both a server's sessions and a
 * client. on_connected waits for the handshake, plaintext round-trips
 * byte-exact, the wire carries the transformed bytes, and a peer that breaks
 * the protocol gets the session closed with on_error. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../../transports/tcp/tcp_internal.h"
#include "tcp_test_util.h"

#define HELLO 'H'
#define KEY 0x5A

typedef struct xor_ctx {
  int got_hello;
} xor_ctx;

static _Atomic int attached, detached;

static int xor_attach(tr__stream *st) {
  st->layer_ctx = calloc(1, sizeof(xor_ctx));
  atomic_fetch_add(&attached, 1);
  return st->layer_ctx ? 0 : TR_ENOMEM;
}

static void xor_detach(tr__stream *st) {
  free(st->layer_ctx);
  atomic_fetch_add(&detached, 1);
}

static int xor_open(tr__stream *st) {
  char h = HELLO;
  return tr__stream_wire_append(st, &h, 1);
}

static int xor_read(tr__stream *st, const char *data, size_t len) {
  xor_ctx *x = st->layer_ctx;
  if (!x->got_hello && len) {
    if (data[0] != HELLO)
      return TR_EPROTO;
    x->got_hello = 1;
    data++;
    len--;
    tr__stream_ready(st);
  }
  char tmp[4096];
  while (len) {
    size_t n = len < sizeof tmp ? len : sizeof tmp;
    for (size_t i = 0; i < n; i++)
      tmp[i] = (char)(data[i] ^ KEY);
    tr__stream_deliver(st, tmp, n);
    data += n;
    len -= n;
  }
  return 0;
}

static long xor_write(tr__stream *st, const char *data, size_t len) {
  char tmp[4096];
  size_t n = len < sizeof tmp ? len : sizeof tmp;
  for (size_t i = 0; i < n; i++)
    tmp[i] = (char)(data[i] ^ KEY);
  int rc = tr__stream_wire_append(st, tmp, n);
  return rc < 0 ? rc : (long)n;
}

static const tr__stream_layer xor_layer = {
    .name = "xor",
    .attach = xor_attach,
    .detach = xor_detach,
    .on_open = xor_open,
    .on_read = xor_read,
    .on_write = xor_write,
};

static _Atomic int server_errors, server_error_code, server_connected;
static void srv_connected(tr_stream *s, void *user) { atomic_fetch_add(&server_connected, 1); }
static void srv_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  atomic_fetch_add(&server_errors, 1);
  atomic_store(&server_error_code, code);
}

static tr_tcp_server *xor_server(tr_runtime *rt) {
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .worker = -1,
      .session = {.on_connected = srv_connected, .on_received = tt_echo_received, .on_error = srv_error},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr__tcp_server_new_layered(rt, &o, &xor_layer, NULL, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  return srv;
}

static int raw_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

Test(tcp_layer, layered_client_and_server_round_trip, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = xor_server(rt);
  size_t max = 1u << 20;
  tt_collector col;
  tt_collector_init(&col, max);
  tr_tcp_client_options o = {
      .address = "127.0.0.1",
      .port = tr_tcp_server_port(srv),
      .worker = -1,
      .callbacks = {.on_connected = tt_on_connected, .on_received = tt_on_received, .on_error = tt_on_error},
      .ctx = &col,
  };
  tr_tcp_client *cl;
  cr_assert_eq(tr__tcp_client_new_layered(rt, &o, &xor_layer, NULL, &cl), 0);
  cr_assert_eq(tr_tcp_client_connect(cl), 0);
  cr_assert(TT_WAIT(atomic_load(&col.connected) == 1, 5000), "connected after the handshake");
  cr_assert(TT_WAIT(atomic_load(&server_connected) == 1, 5000));
  char *payload = malloc(max);
  static const size_t sizes[] = {1, 5000, 1u << 20};
  tr_stream *s = tr_tcp_client_stream(cl);
  for (int k = 0; k < 3; k++) {
    size_t n = sizes[k];
    tt_fill(payload, n, (unsigned)k + 9);
    atomic_store(&col.len, 0);
    cr_assert_eq(tr_stream_send(s, payload, n), 0);
    cr_assert(TT_WAIT(atomic_load(&col.len) >= n, 10000));
    pthread_mutex_lock(&col.mu);
    cr_assert_eq(atomic_load(&col.len), n);
    cr_assert(memcmp(col.data, payload, n) == 0, "%zu bytes through the layer both ways", n);
    pthread_mutex_unlock(&col.mu);
  }
  cr_assert_eq(tr_stream_send_sync(s, "sync", 4, 5000), 0);
  cr_assert(TT_WAIT(tr_stream_bytes_pending(s) == 0, 2000));
  cr_assert_eq(atomic_load(&col.errors), 0);
  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  cr_assert_eq(atomic_load(&attached), atomic_load(&detached), "every attach has its detach");
  cr_assert_eq(atomic_load(&attached), 2);
  tt_collector_free(&col);
  free(payload);
}

Test(tcp_layer, wire_carries_layer_bytes_and_bad_peer_is_closed, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = xor_server(rt);
  int fd = raw_connect(tr_tcp_server_port(srv));
  char out[5] = {HELLO, 'p' ^ KEY, 'i' ^ KEY, 'n' ^ KEY, 'g' ^ KEY};
  cr_assert_eq(write(fd, out, 5), 5);
  char in[5];
  size_t got = 0;
  while (got < 5) {
    ssize_t r = read(fd, in + got, 5 - got);
    cr_assert_gt(r, 0);
    got += (size_t)r;
  }
  cr_assert(memcmp(in, out, 5) == 0, "hello then the XORed echo on the wire");
  close(fd);

  /* A peer that skips the handshake: error, closed, never on_connected. */
  int before = atomic_load(&server_connected);
  fd = raw_connect(tr_tcp_server_port(srv));
  cr_assert_eq(write(fd, "X", 1), 1);
  char c;
  ssize_t r;
  while ((r = read(fd, &c, 1)) > 0)
    ;
  cr_assert_eq(r, 0, "the server closed the connection");
  cr_assert(TT_WAIT(atomic_load(&server_errors) == 1, 2000));
  cr_assert_eq(atomic_load(&server_error_code), TR_EPROTO);
  cr_assert_eq(atomic_load(&server_connected), before);
  close(fd);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}
