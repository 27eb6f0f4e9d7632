/* TLS client and server of troupe with each other: handshake, byte-exact
 * echo up to 16 MiB each way, sends made before the handshake, TLS 1.2 and
 * 1.3, the default suite, session resumption, ALPN, multicast only to
 * handshaked sessions. */
#include <criterion/criterion.h>

#include "tls_test.h"

#define BIG (16u << 20)

Test(tls_echo, round_trip_up_to_16_mib, .timeout = 60) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  co.verify_hostname = 1;
  co.server_name = "localhost";
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co);
  cr_assert(sctx && cctx, "contexts load (encrypted key with its password)");
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  cr_assert_not_null(srv);
  tl_peer p;
  tl_peer_init(&p, BIG);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0, "connect_sync waits for the handshake");
  cr_assert(tr_tls_client_is_connected(cl));
  cr_assert(TT_WAIT(atomic_load(&stats.handshaked) == 1, 5000));
  cr_assert_eq(atomic_load(&p.tcp_connected), 1);
  cr_assert_str_eq(p.version, "TLSv1.3");
  cr_assert_str_eq(p.cipher, TL_FIRST_SUITE, "the default suite, got %s", p.cipher);

  char *payload = malloc(BIG);
  static const size_t sizes[] = {1, 5000, 16384, 16385, BIG};
  tr_stream *s = tr_tls_client_stream(cl);
  for (int k = 0; k < 5; k++) {
    size_t n = sizes[k];
    tt_fill(payload, n, (unsigned)k + 3);
    atomic_store(&p.col.len, 0);
    /* Big payloads go in pieces, as an application would send them. */
    for (size_t off = 0; off < n; off += 100000)
      cr_assert_eq(tr_stream_send(s, payload + off, n - off < 100000 ? n - off : 100000), 0);
    cr_assert(TT_WAIT(atomic_load(&p.col.len) >= n, 30000), "%zu bytes back, got %zu", n, atomic_load(&p.col.len));
    pthread_mutex_lock(&p.col.mu);
    cr_assert_eq(atomic_load(&p.col.len), n);
    cr_assert(memcmp(p.col.data, payload, n) == 0, "%zu bytes byte-exact both ways", n);
    pthread_mutex_unlock(&p.col.mu);
  }
  cr_assert_eq(tr_stream_send_sync(s, "sync", 4, 5000), 0);
  cr_assert_eq(atomic_load(&p.col.errors), 0);
  cr_assert_eq(atomic_load(&stats.errors), 0);
  tr_tls_client_free(cl);
  cr_assert(TT_WAIT(atomic_load(&stats.disconnected) == 1, 5000));
  tr_tls_server_free(srv);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
  free(payload);
}

static void greet(tr_stream *s, void *user) {
  tl_srv_connected(s, user);
  /* Before the handshake: kept, written after it. */
  cr_assert_eq(tr_stream_send(s, "greeting;", 9), 0);
}

Test(tls_echo, sends_before_the_handshake_go_after_it, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server_options o = {
      .tcp = {.address = "127.0.0.1", .worker = -1, .ctx = &stats},
      .context = sctx,
      .session = {.on_connected = greet, .on_handshaked = tl_srv_handshaked, .on_received = tl_srv_received},
  };
  tr_tls_server *srv;
  cr_assert_eq(tr_tls_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tls_server_start(srv), 0);
  tl_peer p;
  tl_peer_init(&p, 4096);
  p.early = "early;";
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  cr_assert_eq(tr_tls_client_connect(cl), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) >= 15, 5000));
  pthread_mutex_lock(&p.col.mu);
  /* The server's greeting and the echo of the client's early send, in either
   * order relative to each other but each intact. */
  p.col.data[atomic_load(&p.col.len)] = 0;
  cr_assert(strstr(p.col.data, "greeting;") && strstr(p.col.data, "early;"), "got %s", p.col.data);
  pthread_mutex_unlock(&p.col.mu);
  cr_assert_eq(atomic_load(&p.col.errors), 0);
  tr_tls_client_free(cl);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}

static void resume_round(tr_tls_version max) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  co.max_version = max;
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  tl_peer p;
  tl_peer_init(&p, 4096);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0);
  cr_assert_str_eq(p.version, max == TR_TLS_1_2 ? "TLSv1.2" : "TLSv1.3");
  cr_assert_eq(atomic_load(&p.resumed), 0, "the first handshake is a full one");
  /* A round trip lets a TLS 1.3 ticket arrive before we leave. */
  cr_assert_eq(tr_stream_send(tr_tls_client_stream(cl), "x", 1), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) == 1, 5000));
  cr_assert_eq(tr_tls_client_disconnect(cl), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.disconnected) == 1, 5000));
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0);
  cr_assert_eq(atomic_load(&p.resumed), 1, "the reconnect resumes the session");
  cr_assert_eq(atomic_load(&p.col.errors), 0);
  cr_assert_eq(atomic_load(&stats.errors), 0);
  tr_tls_client_free(cl);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}

Test(tls_echo, tls13_resumes_sessions, .timeout = 30) { resume_round(TR_TLS_1_3); }
Test(tls_echo, tls12_resumes_sessions, .timeout = 30) { resume_round(TR_TLS_1_2); }

Test(tls_echo, alpn_selects_and_refuses, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS, bad = TL_CLIENT_OPTS;
  so.alpn = "h2,http/1.1";
  co.alpn = "http/1.1";
  bad.alpn = "spdy/1";
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co), *bctx = tl_context(&bad);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  tl_peer p, q;
  tl_peer_init(&p, 64);
  tl_peer_init(&q, 64);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0);
  cr_assert_str_eq(p.alpn, "http/1.1");
  tr_tls_client *bc = tl_client(rt, bctx, tr_tls_server_port(srv), &q);
  cr_assert_neq(tr_tls_client_connect_sync(bc, 5000), 0, "no protocol in common: refused");
  cr_assert(TT_WAIT(atomic_load(&q.col.errors) >= 1, 5000));
  cr_assert_str_eq(q.category, "tls");
  cr_assert(TT_WAIT(atomic_load(&stats.errors) >= 1, 5000));
  cr_assert(tr_tls_client_is_connected(cl), "the first client is unaffected");
  tr_tls_client_free(bc);
  tr_tls_client_free(cl);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  tr_tls_context_release(bctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
  tt_collector_free(&q.col);
}

Test(tls_echo, multicast_reaches_handshaked_sessions_only, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  int port = tr_tls_server_port(srv);
  /* A TCP connection that never starts its handshake. */
  int raw = tl_raw_connect(port);
  cr_assert_geq(raw, 0);
  tl_peer p;
  tl_peer_init(&p, 64);
  tr_tls_client *cl = tl_client(rt, cctx, port, &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0);
  cr_assert(TT_WAIT(tr_tls_server_session_count(srv) == 2, 5000));
  cr_assert(TT_WAIT(atomic_load(&stats.handshaked) == 1, 5000), "the server side has finished too");
  cr_assert_eq(tr_tls_server_multicast(srv, "news", 4), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) == 4, 5000));
  cr_assert(memcmp(p.col.data, "news", 4) == 0);
  /* The raw peer got nothing: not even a ServerHello, let alone the news. */
  char buf[64];
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  cr_assert_lt(read(raw, buf, sizeof buf), 0);
  close(raw);
  tr_tls_client_free(cl);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}

Test(tls_echo, context_reports_bad_files, .timeout = 10) {
  char err[256];
  tr_tls_context *c = NULL;
  tr_tls_context_options o = TL_SERVER_OPTS;
  o.password = "wrong";
  cr_assert_lt(tr_tls_context_new(&o, &c, err, sizeof err), 0);
  cr_assert_null(c);
  cr_assert(strstr(err, "server.pem"), "names the file: %s", err);
  tr_tls_context_options m = TL_SERVER_OPTS;
  m.cert_file = "/nonexistent.pem";
  cr_assert_lt(tr_tls_context_new(&m, &c, err, sizeof err), 0);
  tr_tls_context_options v = {.min_version = TR_TLS_1_3, .max_version = TR_TLS_1_2};
  cr_assert_eq(tr_tls_context_new(&v, &c, err, sizeof err), TR_EINVAL);
  /* The plain key file and a password callback load as well. */
  tr_tls_context_options k = {.server = 1, .cert_file = TL_PATH("server.crt"), .key_file = TL_PATH("server.key")};
  cr_assert_eq(tr_tls_context_new(&k, &c, err, sizeof err), 0, "%s", err);
  tr_tls_context_release(c);
}
