/* Echo over real sockets: payloads from 1 byte to 16 MiB come back byte-exact,
 * on 127.0.0.1 and ::1; sends from the test thread (a foreign thread) and
 * send_sync; the zero-copy path hands on_received the bytes as read. */
#include <criterion/criterion.h>

#include "tcp_test_util.h"

static void echo_sizes(const char *address) {
  tr_runtime *rt = tt_runtime(2);
  cr_assert_not_null(rt);
  tr_tcp_server *srv = tt_echo_server(rt, address);
  cr_assert_not_null(srv, "echo server on %s", address);
  int port = tr_tcp_server_port(srv);
  cr_assert_gt(port, 0, "port 0 reports the chosen port");

  static const size_t sizes[] = {1, 7, 1000, 65537, 1u << 20, 16u << 20};
  size_t max = 16u << 20;
  char *payload = malloc(max);
  cr_assert_not_null(payload);
  tt_collector col;
  tt_collector_init(&col, max);
  tr_tcp_client *cl = tt_client(rt, address, port, &col);
  cr_assert_not_null(cl);
  cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
  cr_assert(TT_WAIT(atomic_load(&col.connected) == 1, 2000));
  tr_stream *s = tr_tcp_client_stream(cl);

  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    tt_fill(payload, n, (unsigned)k);
    atomic_store(&col.len, 0);
    cr_assert_eq(tr_stream_send(s, payload, n), 0);
    cr_assert(TT_WAIT(atomic_load(&col.len) >= n, 20000), "%zu bytes echoed (got %zu)", n, atomic_load(&col.len));
    cr_assert(TT_WAIT(tr_stream_bytes_pending(s) == 0, 2000));
    pthread_mutex_lock(&col.mu);
    cr_assert_eq(atomic_load(&col.len), n, "no extra bytes for %zu", n);
    cr_assert(memcmp(col.data, payload, n) == 0, "payload of %zu bytes byte-exact", n);
    pthread_mutex_unlock(&col.mu);
  }
  uint64_t total = 0;
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
    total += sizes[k];
  cr_assert_eq(tr_stream_bytes_sent(s), total);
  cr_assert(TT_WAIT(tr_stream_bytes_received(s) == total, 2000));

  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  tt_collector_free(&col);
  free(payload);
}

Test(tcp_echo, ipv4_1B_to_16MiB, .timeout = 60) { echo_sizes("127.0.0.1"); }
Test(tcp_echo, ipv6_1B_to_16MiB, .timeout = 60) { echo_sizes("::1"); }

Test(tcp_echo, send_sync_waits_for_the_write, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = tt_echo_server(rt, "127.0.0.1");
  cr_assert_not_null(srv);
  tt_collector col;
  tt_collector_init(&col, 1 << 20);
  tr_tcp_client *cl = tt_client(rt, "127.0.0.1", tr_tcp_server_port(srv), &col);
  cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
  tr_stream *s = tr_tcp_client_stream(cl);
  char msg[4096];
  tt_fill(msg, sizeof msg, 3);
  for (int i = 0; i < 100; i++)
    cr_assert_eq(tr_stream_send_sync(s, msg, sizeof msg, 5000), 0);
  /* Everything send_sync returned for was written before it returned. */
  cr_assert_geq(tr_stream_bytes_sent(s), 100 * sizeof msg);
  cr_assert(TT_WAIT(atomic_load(&col.len) == 100 * sizeof msg, 5000));
  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  tt_collector_free(&col);
}

/* The server's sessions see the client's bytes; its user state block is
 * per-session and handed back in every callback. */
typedef struct sess_state {
  uint64_t received;
  int connected;
} sess_state;

static _Atomic uint64_t state_total;
static _Atomic int state_bad;

static void st_connected(tr_stream *s, void *user) {
  sess_state *st = user;
  if (!st || st != tr_stream_user(s) || st->connected)
    atomic_store(&state_bad, 1);
  st->connected = 1;
}
static void st_received(tr_stream *s, void *user, const void *data, size_t size) {
  sess_state *st = user;
  st->received += size;
  atomic_fetch_add(&state_total, size);
  tr_stream_send(s, data, size);
}
static void st_disconnected(tr_stream *s, void *user) {
  sess_state *st = user;
  if (!st->connected)
    atomic_store(&state_bad, 1);
}

Test(tcp_echo, per_session_user_state, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .worker = -1,
      .session = {.on_connected = st_connected, .on_received = st_received, .on_disconnected = st_disconnected},
      .session_state_size = sizeof(sess_state),
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  tt_collector cols[4];
  tr_tcp_client *cls[4];
  for (int i = 0; i < 4; i++) {
    tt_collector_init(&cols[i], 0);
    cls[i] = tt_client(rt, "127.0.0.1", tr_tcp_server_port(srv), &cols[i]);
    cr_assert_eq(tr_tcp_client_connect_sync(cls[i], 5000), 0);
    cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cls[i]), "hello", 5), 0);
  }
  cr_assert(TT_WAIT(atomic_load(&state_total) == 20, 5000));
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == 4, 2000));
  for (int i = 0; i < 4; i++)
    cr_assert(TT_WAIT(atomic_load(&cols[i].len) == 5, 2000));
  for (int i = 0; i < 4; i++)
    tr_tcp_client_free(cls[i]);
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == 0, 5000));
  cr_assert_eq(atomic_load(&state_bad), 0);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  for (int i = 0; i < 4; i++)
    tt_collector_free(&cols[i]);
}
