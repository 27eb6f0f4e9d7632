/* Bad peers: garbage, truncated records, a plain-TCP client on the TLS port,
 * a client that never handshakes (the handshake timeout closes it), and a
 * TLS client facing a server that is not TLS or never answers. Each bad
 * connection is closed, with a "tls" error where TLS saw something wrong,
 * and the server keeps serving. */
#include <criterion/criterion.h>

#include "tls_test.h"

typedef struct fixture {
  tr_runtime *rt;
  tr_tls_context *sctx, *cctx;
  tl_server_stats stats;
  tr_tls_server *srv;
  int port;
} fixture;

static void setup(fixture *f, int handshake_timeout_ms) {
  f->rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  f->sctx = tl_context(&so);
  f->cctx = tl_context(&co);
  tl_stats_init(&f->stats);
  f->srv = tl_echo_server(f->rt, f->sctx, &f->stats, handshake_timeout_ms);
  cr_assert_not_null(f->srv);
  f->port = tr_tls_server_port(f->srv);
}

static void assert_serves(fixture *f) {
  tl_peer p;
  tl_peer_init(&p, 64);
  tr_tls_client *cl = tl_client(f->rt, f->cctx, f->port, &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0, "a good client still gets in");
  cr_assert_eq(tr_stream_send(tr_tls_client_stream(cl), "ok", 2), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) == 2, 5000));
  tr_tls_client_free(cl);
  tt_collector_free(&p.col);
}

static void teardown(fixture *f) {
  tr_tls_server_free(f->srv);
  tr_tls_context_release(f->sctx);
  tr_tls_context_release(f->cctx);
  tr_runtime_free(f->rt);
}

/* Sends bytes on a raw connection and expects the server to close it with a
 * "tls" error. */
static void bad_bytes(fixture *f, const void *bytes, size_t n, int errors_before) {
  int fd = tl_raw_connect(f->port);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, bytes, n), (ssize_t)n);
  char buf[512];
  cr_assert_geq(tl_read_to_eof(fd, buf, sizeof buf, 3000), 0, "the server closed the connection");
  close(fd);
  cr_assert(TT_WAIT(atomic_load(&f->stats.errors) == errors_before + 1, 3000));
  pthread_mutex_lock(&f->stats.mu);
  cr_assert_str_eq(f->stats.last_category, "tls");
  cr_log_info("server: %d \"%s\"", atomic_load(&f->stats.last_error), f->stats.last_message);
  pthread_mutex_unlock(&f->stats.mu);
}

Test(tls_bad, garbage_and_plain_tcp_are_refused, .timeout = 30) {
  fixture f;
  setup(&f, 0);
  char garbage[1024];
  for (size_t i = 0; i < sizeof garbage; i++)
    garbage[i] = (char)(i * 7919u >> 3);
  bad_bytes(&f, garbage, sizeof garbage, 0);
  const char *http = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  bad_bytes(&f, http, strlen(http), 1);
  /* A record header that claims more than a record may hold. */
  const unsigned char huge[] = {0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00};
  bad_bytes(&f, huge, sizeof huge, 2);
  assert_serves(&f);
  cr_assert(TT_WAIT(tr_tls_server_session_count(f.srv) == 0, 3000));
  teardown(&f);
}

Test(tls_bad, truncated_records, .timeout = 30) {
  fixture f;
  setup(&f, 500);
  /* A ClientHello record announcing 512 bytes, of which 9 arrive: the server
   * waits for the rest; the peer going away closes it quietly. */
  const unsigned char part[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
  int fd = tl_raw_connect(f.port);
  cr_assert_eq(write(fd, part, sizeof part), (ssize_t)sizeof part);
  cr_assert(TT_WAIT(tr_tls_server_session_count(f.srv) == 1, 3000));
  close(fd);
  cr_assert(TT_WAIT(tr_tls_server_session_count(f.srv) == 0, 3000), "closed with its peer");
  cr_assert(TT_WAIT(atomic_load(&f.stats.disconnected) == 1, 3000), "on_disconnected after on_connected");
  /* The same, with the peer staying: the handshake timeout ends it. */
  fd = tl_raw_connect(f.port);
  cr_assert_eq(write(fd, part, sizeof part), (ssize_t)sizeof part);
  char buf[64];
  uint64_t t0 = tt_now_ms();
  cr_assert_geq(tl_read_to_eof(fd, buf, sizeof buf, 5000), 0, "closed by the server");
  cr_assert_geq(tt_now_ms() - t0, 300, "not before the timeout");
  close(fd);
  cr_assert(TT_WAIT(atomic_load(&f.stats.errors) == 1, 3000));
  cr_assert_eq(atomic_load(&f.stats.last_error), TR_ETIMEDOUT);
  assert_serves(&f);
  teardown(&f);
}

Test(tls_bad, silent_client_hits_the_handshake_timeout, .timeout = 30) {
  fixture f;
  setup(&f, 300);
  int fd = tl_raw_connect(f.port);
  cr_assert_geq(fd, 0);
  char buf[64];
  uint64_t t0 = tt_now_ms();
  cr_assert_geq(tl_read_to_eof(fd, buf, sizeof buf, 5000), 0, "closed by the server");
  uint64_t took = tt_now_ms() - t0;
  cr_assert(took >= 250 && took < 3000, "after about 300 ms: %llu", (unsigned long long)took);
  close(fd);
  cr_assert(TT_WAIT(atomic_load(&f.stats.errors) == 1, 3000));
  cr_assert_eq(atomic_load(&f.stats.last_error), TR_ETIMEDOUT);
  pthread_mutex_lock(&f.stats.mu);
  cr_assert_str_eq(f.stats.last_category, "tls");
  cr_assert(strstr(f.stats.last_message, "timed out"), "%s", f.stats.last_message);
  pthread_mutex_unlock(&f.stats.mu);
  cr_assert(TT_WAIT(atomic_load(&f.stats.disconnected) == 1, 3000));
  cr_assert_eq(atomic_load(&f.stats.handshaked), 0);
  assert_serves(&f);
  teardown(&f);
}

Test(tls_bad, client_against_a_plain_tcp_server, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  /* An echo server sends our ClientHello back: not a ServerHello. */
  tr_tcp_server *echo = tt_echo_server(rt, "127.0.0.1");
  tr_tls_context_options co = TL_CLIENT_OPTS;
  tr_tls_context *cctx = tl_context(&co);
  tl_peer p;
  tl_peer_init(&p, 64);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tcp_server_port(echo), &p);
  int rc = tr_tls_client_connect_sync(cl, 5000);
  cr_assert_neq(rc, 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.disconnected) == 1, 3000));
  cr_assert_str_eq(p.category, "tls");
  cr_log_info("client: %d \"%s\"", rc, p.message);
  tr_tls_client_free(cl);
  tr_tcp_server_free(echo);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}

Test(tls_bad, client_handshake_timeout, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  /* A listener that accepts (in the kernel) and never answers. */
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(listen(lfd, 4), 0);
  socklen_t len = sizeof a;
  getsockname(lfd, (struct sockaddr *)&a, &len);
  tr_tls_context_options co = TL_CLIENT_OPTS;
  tr_tls_context *cctx = tl_context(&co);
  tl_peer p;
  tl_peer_init(&p, 64);
  tr_tls_client_options o = {
      .tcp = {.address = "127.0.0.1", .port = ntohs(a.sin_port), .worker = -1, .ctx = &p},
      .context = cctx,
      .callbacks = {.on_connected = tl_on_connected, .on_handshaked = tl_on_handshaked,
                    .on_disconnected = tt_on_disconnected, .on_error = tl_on_error},
      .handshake_timeout_ms = 200,
  };
  tr_tls_client *cl;
  cr_assert_eq(tr_tls_client_new(rt, &o, &cl), 0);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), TR_ETIMEDOUT);
  cr_assert_eq(atomic_load(&p.tcp_connected), 1, "TCP was up; the handshake timed out");
  cr_assert(TT_WAIT(atomic_load(&p.col.disconnected) == 1, 3000));
  cr_assert_str_eq(p.category, "tls");
  tr_tls_client_free(cl);
  tr_tls_context_release(cctx);
  close(lfd);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}
