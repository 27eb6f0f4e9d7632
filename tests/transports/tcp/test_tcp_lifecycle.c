/* Lifetimes and failure paths: restart with clients connected, connection
 * refused, a peer that leaves mid-send, the send-buffer limit, calls on a
 * closed session, blocking calls on a worker, pause/resume, registry, and a
 * runtime stopped with connections open (ASan checks that nothing leaks). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tcp_test_util.h"

static int raw_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

Test(tcp_lifecycle, connection_refused_reports_on_error, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tt_collector col;
  tt_collector_init(&col, 64);
  tr_tcp_client *cl = tt_client(rt, "127.0.0.1", free_port(), &col);
  cr_assert_not_null(cl);
  int rc = tr_tcp_client_connect_sync(cl, 5000);
  cr_assert_eq(rc, UV_ECONNREFUSED, "connect_sync gives %s", tr_err_name(rc));
  cr_assert(TT_WAIT(atomic_load(&col.disconnected) == 1, 2000));
  cr_assert_eq(atomic_load(&col.last_error), UV_ECONNREFUSED);
  cr_assert_eq(atomic_load(&col.errors), 1);
  cr_assert_eq(atomic_load(&col.connected), 0);
  cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cl), "x", 1), TR_ECLOSED);
  cr_assert_eq(tr_tcp_client_is_connected(cl), 0);
  /* Nothing else broke: the runtime serves a real server next. */
  tr_tcp_server *srv = tt_echo_server(rt, "127.0.0.1");
  cr_assert_not_null(srv);
  tt_collector col2;
  tt_collector_init(&col2, 64);
  tr_tcp_client *cl2 = tt_client(rt, "localhost", tr_tcp_server_port(srv), &col2);
  cr_assert_eq(tr_tcp_client_connect_sync(cl2, 5000), 0, "name resolution + connect");
  cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cl2), "ping", 4), 0);
  cr_assert(TT_WAIT(atomic_load(&col2.len) == 4, 5000));
  tr_tcp_client_free(cl2);
  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  tt_collector_free(&col);
  tt_collector_free(&col2);
}

Test(tcp_lifecycle, restart_with_clients_connected, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .reuse_address = 1,
      .worker = -1,
      .session = {.on_received = tt_echo_received},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), TR_EBUSY);
  int port = tr_tcp_server_port(srv);
  enum { N = 5 };
  tt_collector cols[N];
  tr_tcp_client *cls[N];
  for (int i = 0; i < N; i++) {
    tt_collector_init(&cols[i], 64);
    cls[i] = tt_client(rt, "127.0.0.1", port, &cols[i]);
    cr_assert_eq(tr_tcp_client_connect_sync(cls[i], 5000), 0);
  }
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == N, 5000));

  /* Restart (port 0 in the options: the system may pick another port). */
  cr_assert_eq(tr_tcp_server_restart(srv), 0);
  cr_assert(tr_tcp_server_is_started(srv));
  int port2 = tr_tcp_server_port(srv);
  cr_assert_gt(port2, 0);
  for (int i = 0; i < N; i++)
    cr_assert(TT_WAIT(atomic_load(&cols[i].disconnected) == 1, 5000), "client %d got on_disconnected", i);
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == 0, 5000));

  /* They can reconnect to the restarted server and talk. */
  for (int i = 0; i < N; i++) {
    tr_tcp_client_free(cls[i]);
    tt_collector_free(&cols[i]);
    tt_collector_init(&cols[i], 64);
    cls[i] = tt_client(rt, "127.0.0.1", port2, &cols[i]);
    cr_assert_eq(tr_tcp_client_connect_sync(cls[i], 5000), 0);
    cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cls[i]), "again", 5), 0);
  }
  for (int i = 0; i < N; i++)
    cr_assert(TT_WAIT(atomic_load(&cols[i].len) == 5, 5000));

  cr_assert_eq(tr_tcp_server_stop(srv), 0);
  cr_assert_eq(tr_tcp_server_stop(srv), TR_EALREADY);
  cr_assert_eq(tr_tcp_server_port(srv), 0);
  for (int i = 0; i < N; i++)
    cr_assert(TT_WAIT(atomic_load(&cols[i].disconnected) == 1, 5000));
  for (int i = 0; i < N; i++) {
    tr_tcp_client_free(cls[i]);
    tt_collector_free(&cols[i]);
  }
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

/* Restart while a client keeps reconnecting by itself (reconnect()). */
Test(tcp_lifecycle, client_reconnect, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = tt_echo_server(rt, "127.0.0.1");
  tt_collector col;
  tt_collector_init(&col, 64);
  tr_tcp_client *cl = tt_client(rt, "127.0.0.1", tr_tcp_server_port(srv), &col);
  cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
  cr_assert_eq(tr_tcp_client_reconnect(cl), 0);
  cr_assert(TT_WAIT(atomic_load(&col.connected) == 2 && atomic_load(&col.disconnected) == 1, 5000));
  cr_assert(TT_WAIT(tr_tcp_client_is_connected(cl), 2000));
  cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cl), "abc", 3), 0);
  cr_assert(TT_WAIT(atomic_load(&col.len) == 3, 5000));
  cr_assert_eq(tr_tcp_client_disconnect(cl), 0);
  cr_assert(TT_WAIT(atomic_load(&col.disconnected) == 2, 5000));
  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  tt_collector_free(&col);
}

Test(tcp_lifecycle, peer_disconnects_mid_send, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = tt_echo_server(rt, "127.0.0.1");
  int port = tr_tcp_server_port(srv);
  size_t n = 8u << 20;
  char *big = calloc(1, n);
  /* A troupe client queues a large payload and disconnects at once. */
  for (int round = 0; round < 5; round++) {
    tt_collector col;
    tt_collector_init(&col, 0);
    tr_tcp_client *cl = tt_client(rt, "127.0.0.1", port, &col);
    cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
    cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cl), big, n), 0);
    usleep(1000 * round);
    cr_assert_eq(tr_tcp_client_disconnect(cl), 0);
    cr_assert(TT_WAIT(atomic_load(&col.disconnected) == 1, 5000));
    tr_tcp_client_free(cl);
    tt_collector_free(&col);
  }
  /* A raw peer writes and resets the connection while the echo is flowing. */
  for (int round = 0; round < 5; round++) {
    int fd = raw_connect(port);
    cr_assert_geq(fd, 0);
    size_t off = 0;
    while (off < (1u << 20)) {
      ssize_t w = write(fd, big + off, (1u << 20) - off);
      if (w <= 0)
        break;
      off += (size_t)w;
    }
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
  }
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == 0, 5000), "every session went away");
  /* And the server still echoes. */
  tt_collector col;
  tt_collector_init(&col, 64);
  tr_tcp_client *cl = tt_client(rt, "127.0.0.1", port, &col);
  cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
  cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cl), "still", 5), 0);
  cr_assert(TT_WAIT(atomic_load(&col.len) == 5, 5000));
  tr_tcp_client_free(cl);
  tt_collector_free(&col);
  free(big);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

/* Send-buffer limit: a session queues more than its limit in one turn. */
static _Atomic int limit_first_fail_at = -1, limit_fail_code, limit_errors, limit_error_code, limit_disconnects;

static void limit_received(tr_stream *s, void *user, const void *data, size_t size) {
  static char chunk[16384];
  for (int i = 0; i < 100; i++) {
    int rc = tr_stream_send(s, chunk, sizeof chunk);
    if (rc != 0) {
      int expect = -1;
      atomic_compare_exchange_strong(&limit_first_fail_at, &expect, i);
      atomic_store(&limit_fail_code, rc);
      break;
    }
  }
}
static void limit_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  atomic_fetch_add(&limit_errors, 1);
  atomic_store(&limit_error_code, code);
}
static void limit_disconnected(tr_stream *s, void *user) { atomic_fetch_add(&limit_disconnects, 1); }

static tr_tcp_server *limit_server(tr_runtime *rt, tr_stream_limit_policy policy) {
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .worker = -1,
      .socket = {.send_limit = 65536, .limit_policy = policy},
      .session = {.on_received = limit_received, .on_error = limit_error, .on_disconnected = limit_disconnected},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  return srv;
}

Test(tcp_lifecycle, send_limit_disconnects, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = limit_server(rt, TR_STREAM_LIMIT_DISCONNECT);
  int fd = raw_connect(tr_tcp_server_port(srv));
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, "go", 2), 2);
  cr_assert(TT_WAIT(atomic_load(&limit_disconnects) == 1, 5000));
  /* 4 chunks of 16 KiB fit in 64 KiB; the 5th is refused. */
  cr_assert_eq(atomic_load(&limit_first_fail_at), 4);
  cr_assert_eq(atomic_load(&limit_fail_code), TR_EOVERFLOW);
  cr_assert_eq(atomic_load(&limit_errors), 1);
  cr_assert_eq(atomic_load(&limit_error_code), TR_EOVERFLOW);
  /* The peer sees the connection end (after what was queued). */
  char buf[65536];
  size_t got = 0;
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) > 0)
    got += (size_t)r;
  cr_assert_leq(got, 65536);
  close(fd);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

Test(tcp_lifecycle, send_limit_drop_policy_keeps_the_session, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = limit_server(rt, TR_STREAM_LIMIT_DROP);
  int fd = raw_connect(tr_tcp_server_port(srv));
  cr_assert_eq(write(fd, "go", 2), 2);
  cr_assert(TT_WAIT(atomic_load(&limit_first_fail_at) == 4, 5000));
  cr_assert_eq(atomic_load(&limit_fail_code), TR_EOVERFLOW);
  char buf[65536];
  size_t got = 0;
  while (got < 65536) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  cr_assert_eq(got, 65536, "what fitted arrives");
  cr_assert_eq(atomic_load(&limit_errors), 0);
  cr_assert_eq(atomic_load(&limit_disconnects), 0);
  cr_assert_eq(tr_tcp_server_session_count(srv), 1);
  close(fd);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

/* Registry, closed sessions, blocking calls on a worker, pause/resume. */
static _Atomic int deadlk_rc = 1;
static _Atomic uint64_t last_session_id;
static _Atomic int paused_seen;

static void reg_connected(tr_stream *s, void *user) {
  atomic_store(&last_session_id, tr_stream_id(s));
  atomic_store(&deadlk_rc, tr_stream_send_sync(s, "x", 1, 1000));
}
static void reg_received(tr_stream *s, void *user, const void *data, size_t size) {
  atomic_fetch_add(&paused_seen, (int)size);
}

Test(tcp_lifecycle, registry_closed_handles_and_pause, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .worker = -1,
      .session = {.on_connected = reg_connected, .on_received = reg_received},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  int fd = raw_connect(tr_tcp_server_port(srv));
  cr_assert(TT_WAIT(atomic_load(&last_session_id) != 0, 5000));
  cr_assert_eq(atomic_load(&deadlk_rc), TR_EDEADLK, "send_sync on the session's own worker refuses");
  cr_assert_eq(tr_tcp_server_session_count(srv), 1);
  tr_stream *s = tr_tcp_server_find_session(srv, atomic_load(&last_session_id));
  cr_assert_not_null(s);
  cr_assert_null(tr_tcp_server_find_session(srv, 987654321));
  cr_assert_eq(tr_stream_id(s), atomic_load(&last_session_id));

  /* Paused: bytes wait in the kernel; resumed: they arrive. */
  cr_assert_eq(tr_stream_receive_pause(s), 0);
  usleep(20000);
  cr_assert_eq(write(fd, "abcd", 4), 4);
  usleep(50000);
  cr_assert_eq(atomic_load(&paused_seen), 0);
  cr_assert_eq(tr_stream_receive_resume(s), 0);
  cr_assert(TT_WAIT(atomic_load(&paused_seen) == 4, 5000));

  /* A foreign send_sync on the session works and is written. */
  cr_assert_eq(tr_stream_send_sync(s, "hello", 5, 5000), 0);
  char buf[16];
  size_t got = 0;
  while (got < 5) {
    ssize_t r = read(fd, buf + got, sizeof buf - got);
    cr_assert_gt(r, 0);
    got += (size_t)r;
  }
  cr_assert_eq(got, 5);
  cr_assert(memcmp(buf, "hello", 5) == 0, "the refused send_sync queued nothing");

  cr_assert_eq(tr_tcp_server_disconnect_all(srv), 0);
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == 0, 5000));
  cr_assert(TT_WAIT(!tr_actor_is_alive(tr_stream_actor(s)), 5000));
  /* The handle outlives the session: calls answer TR_ECLOSED. */
  cr_assert_eq(tr_stream_send(s, "late", 4), TR_ECLOSED);
  cr_assert_eq(tr_stream_send_sync(s, "late", 4, 1000), TR_ECLOSED);
  cr_assert_eq(tr_stream_disconnect(s), TR_ECLOSED);
  cr_assert_eq(tr_stream_is_connected(s), 0);
  cr_assert_null(tr_tcp_server_find_session(srv, tr_stream_id(s)));
  tr_stream_release(s);
  close(fd);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

/* Stopping the runtime with connections open and traffic flowing: every
 * socket closes, every callback settles, nothing leaks (ASan/LSan at exit). */
Test(tcp_lifecycle, runtime_stop_with_connections_open, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = tt_echo_server(rt, "127.0.0.1");
  enum { N = 20 };
  tt_collector cols[N];
  tr_tcp_client *cls[N];
  char payload[8192];
  memset(payload, 7, sizeof payload);
  for (int i = 0; i < N; i++) {
    tt_collector_init(&cols[i], 0);
    cls[i] = tt_client(rt, "127.0.0.1", tr_tcp_server_port(srv), &cols[i]);
    cr_assert_eq(tr_tcp_client_connect_sync(cls[i], 5000), 0);
    for (int k = 0; k < 10; k++)
      tr_stream_send(tr_tcp_client_stream(cls[i]), payload, sizeof payload);
  }
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == N, 5000));
  cr_assert_eq(tr_runtime_stop(rt), 0);
  for (int i = 0; i < N; i++) {
    cr_assert_eq(atomic_load(&cols[i].disconnected), 1, "client %d told it disconnected", i);
    cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cls[i]), "x", 1), TR_ECLOSED);
  }
  cr_assert_eq(tr_tcp_server_session_count(srv), 0);
  for (int i = 0; i < N; i++) {
    tr_tcp_client_free(cls[i]);
    tt_collector_free(&cols[i]);
  }
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

/* Receive limit: a read that fills the buffer doubles it; past the limit the
 * session is closed with TR_EOVERFLOW (CppServer's policy). */
static _Atomic int rl_errors, rl_code, rl_disconnects;
static void rl_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  atomic_fetch_add(&rl_errors, 1);
  atomic_store(&rl_code, code);
}
static void rl_disconnected(tr_stream *s, void *user) { atomic_fetch_add(&rl_disconnects, 1); }
static void rl_received(tr_stream *s, void *user, const void *data, size_t size) {
  /* Stall the worker a little so the kernel piles bytes up for full reads. */
  usleep(2000);
}

Test(tcp_lifecycle, receive_limit_disconnects, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .worker = -1,
      .socket = {.receive_limit = 16384},
      .session = {.on_received = rl_received, .on_error = rl_error, .on_disconnected = rl_disconnected},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  int fd = raw_connect(tr_tcp_server_port(srv));
  char *chunk = calloc(1, 1u << 20);
  for (int i = 0; i < 8 && atomic_load(&rl_disconnects) == 0; i++)
    if (write(fd, chunk, 1u << 20) <= 0)
      break;
  cr_assert(TT_WAIT(atomic_load(&rl_disconnects) == 1, 5000));
  cr_assert_eq(atomic_load(&rl_errors), 1);
  cr_assert_eq(atomic_load(&rl_code), TR_EOVERFLOW);
  free(chunk);
  close(fd);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}

/* on_sent reports every byte written, and on_empty fires once drained;
 * limits can be changed on a live stream from any thread. */
static _Atomic uint64_t sent_total;
static _Atomic int empties, sent_bad;
static void cnt_sent(tr_stream *s, void *user, size_t sent, size_t pending) {
  atomic_fetch_add(&sent_total, sent);
  if (pending != tr_stream_bytes_pending(s))
    atomic_store(&sent_bad, 1);
}
static void cnt_empty(tr_stream *s, void *user) { atomic_fetch_add(&empties, 1); }

Test(tcp_lifecycle, on_sent_and_on_empty, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server *srv = tt_echo_server(rt, "127.0.0.1");
  tr_tcp_client_options o = {
      .address = "127.0.0.1",
      .port = tr_tcp_server_port(srv),
      .worker = -1,
      .callbacks = {.on_sent = cnt_sent, .on_empty = cnt_empty},
  };
  tr_tcp_client *cl;
  cr_assert_eq(tr_tcp_client_new(rt, &o, &cl), 0);
  cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
  tr_stream *s = tr_tcp_client_stream(cl);
  cr_assert_eq(tr_stream_set_limits(s, 1u << 30, 0, TR_STREAM_LIMIT_DROP), 0);
  size_t n = 4u << 20;
  char *big = calloc(1, n);
  cr_assert_eq(tr_stream_send(s, big, n), 0);
  cr_assert_eq(tr_stream_send(s, big, 1000), 0);
  cr_assert(TT_WAIT(atomic_load(&sent_total) == n + 1000, 10000));
  cr_assert(TT_WAIT(atomic_load(&empties) >= 1, 2000));
  cr_assert_eq(atomic_load(&sent_bad), 0, "pending in on_sent matches the counter");
  cr_assert_eq(tr_stream_bytes_sent(s), n + 1000);
  cr_assert_eq(tr_stream_bytes_pending(s), 0);
  /* A limit set from this thread applies to later sends. */
  cr_assert_eq(tr_stream_set_limits(s, 100, 0, TR_STREAM_LIMIT_DROP), 0);
  cr_assert(TT_WAIT(tr_stream_send_sync(s, big, 1000, 2000) == TR_EOVERFLOW, 2000));
  cr_assert(tr_tcp_client_is_connected(cl), "the drop policy keeps the connection");
  free(big);
  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
}
