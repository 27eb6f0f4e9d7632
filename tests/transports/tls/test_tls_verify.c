/* Certificates that must be refused: mutual TLS without a client certificate
 * or with one from another CA, a server from another CA, an expired server
 * certificate, a hostname that does not match. Each gives on_error(..., "tls",
 * reason) and a closed connection, and the server goes on serving a good
 * client. The bad certificates are made here (make-bad-certs.sh). */
#include <criterion/criterion.h>

#include "tls_test.h"

static char bad_dir[64];

static void make_bad_certs(void) {
  snprintf(bad_dir, sizeof bad_dir, "/tmp/troupe-tls-bad-XXXXXX");
  cr_assert_not_null(mkdtemp(bad_dir));
  const char *script = getenv("TROUPE_BAD_CERTS_SCRIPT");
  cr_assert_not_null(script, "TROUPE_BAD_CERTS_SCRIPT is set by meson");
  char cmd[512];
  snprintf(cmd, sizeof cmd, "timeout 30 sh %s %s %s >/dev/null", script, tl_certs(), bad_dir);
  cr_assert_eq(system(cmd), 0, "made the bad certificates");
}

static void remove_bad_certs(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", bad_dir);
  if (bad_dir[0])
    cr_assert_eq(system(cmd), 0);
}

#define BAD(name) tl_join((char[512]){0}, bad_dir, name)

/* A good client round-trips on srv: the server is unaffected. */
static void assert_serves(tr_runtime *rt, tr_tls_server *srv, tr_tls_context *cctx) {
  tl_peer p;
  tl_peer_init(&p, 64);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0, "a good client still gets in");
  cr_assert_eq(tr_stream_send(tr_tls_client_stream(cl), "ok", 2), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) == 2, 5000), "and is echoed");
  tr_tls_client_free(cl);
  tt_collector_free(&p.col);
}

/* Connects with cctx and expects refusal: returns the client's error code
 * after checking it came as a "tls" error with a reason. by_server: the
 * server refuses the client's certificate; in TLS 1.3 the client has then
 * already finished its side of the handshake and learns of the refusal from
 * the server's alert just after. */
static int assert_refused_as(tr_runtime *rt, tr_tls_server *srv, tr_tls_context *cctx, char *message, size_t mlen,
                             int by_server) {
  tl_peer p;
  tl_peer_init(&p, 64);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  int rc = tr_tls_client_connect_sync(cl, 5000);
  if (!by_server)
    cr_assert_neq(rc, 0, "refused");
  cr_assert(TT_WAIT(atomic_load(&p.col.errors) >= 1, 5000));
  cr_assert(TT_WAIT(atomic_load(&p.col.disconnected) == 1, 5000), "and closed");
  if (!by_server)
    cr_assert_eq(atomic_load(&p.col.connected), 0, "never handshaked");
  pthread_mutex_lock(&p.col.mu);
  cr_assert_str_eq(p.category, "tls");
  cr_assert_gt(strlen(p.message), 0);
  snprintf(message, mlen, "%s", p.message);
  pthread_mutex_unlock(&p.col.mu);
  int code = atomic_load(&p.col.last_error);
  if (rc != 0)
    cr_assert_eq(rc, code, "connect_sync returns the error on_error got");
  tr_tls_client_free(cl);
  tt_collector_free(&p.col);
  return code;
}

static int assert_refused(tr_runtime *rt, tr_tls_server *srv, tr_tls_context *cctx, char *message, size_t mlen) {
  return assert_refused_as(rt, srv, cctx, message, mlen, 0);
}

Test(tls_verify, mutual_tls, .timeout = 60) {
  make_bad_certs();
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS;
  so.verify = TR_TLS_VERIFY_REQUIRE;
  tr_tls_context *sctx = tl_context(&so);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);

  /* With the dev client certificate (chain and encrypted key in client.pem). */
  tr_tls_context_options good = TL_CLIENT_OPTS;
  good.cert_file = TL_PATH("client.pem");
  good.password = "qwerty";
  tr_tls_context *gctx = tl_context(&good);
  cr_assert_not_null(gctx);
  assert_serves(rt, srv, gctx);
  cr_assert_eq(atomic_load(&stats.errors), 0);

  char msg[256];
  tr_tls_context_options none = TL_CLIENT_OPTS;
  tr_tls_context *nctx = tl_context(&none);
  assert_refused_as(rt, srv, nctx, msg, sizeof msg, 1);
  cr_assert(TT_WAIT(atomic_load(&stats.errors) == 1, 5000), "the server reports it too");
  pthread_mutex_lock(&stats.mu);
  cr_assert_str_eq(stats.last_category, "tls");
  cr_log_info("no client certificate: server says \"%s\", client says \"%s\"", stats.last_message, msg);
  pthread_mutex_unlock(&stats.mu);

  tr_tls_context_options other = TL_CLIENT_OPTS;
  other.cert_file = BAD("other-client.crt");
  other.key_file = BAD("other-client.key");
  tr_tls_context *octx = tl_context(&other);
  cr_assert_not_null(octx);
  assert_refused_as(rt, srv, octx, msg, sizeof msg, 1);
  cr_assert(TT_WAIT(atomic_load(&stats.errors) == 2, 5000));
  pthread_mutex_lock(&stats.mu);
  cr_log_info("client certificate of another CA: server says \"%s\"", stats.last_message);
  pthread_mutex_unlock(&stats.mu);

  assert_serves(rt, srv, gctx);
  cr_assert_eq(atomic_load(&stats.handshaked), 2, "the server finished only the good handshakes");
  cr_assert(TT_WAIT(tr_tls_server_session_count(srv) == 0, 5000), "every refused session closed");
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(gctx);
  tr_tls_context_release(nctx);
  tr_tls_context_release(octx);
  tr_runtime_free(rt);
  remove_bad_certs();
}

Test(tls_verify, server_from_another_ca_is_refused, .timeout = 30) {
  make_bad_certs();
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS;
  tr_tls_context *sctx = tl_context(&so);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  tr_tls_context_options wrong = {.ca_file = BAD("other-ca.pem")};
  tr_tls_context *wctx = tl_context(&wrong);
  char msg[256];
  int code = assert_refused(rt, srv, wctx, msg, sizeof msg);
  cr_log_info("wrong CA: %d \"%s\"", code, msg);
  cr_assert(TT_WAIT(atomic_load(&stats.errors) == 1, 5000), "the server hears the client's alert");
  tr_tls_context_options co = TL_CLIENT_OPTS;
  tr_tls_context *cctx = tl_context(&co);
  assert_serves(rt, srv, cctx);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(wctx);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  remove_bad_certs();
}

Test(tls_verify, expired_server_certificate_is_refused, .timeout = 30) {
  make_bad_certs();
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options eo = {.server = 1, .cert_file = BAD("expired-server.crt"), .key_file = BAD("expired-server.key")};
  tr_tls_context *ectx = tl_context(&eo);
  cr_assert_not_null(ectx);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, ectx, &stats, 0);
  tr_tls_context_options co = TL_CLIENT_OPTS;
  tr_tls_context *cctx = tl_context(&co);
  char msg[256];
  int code = assert_refused(rt, srv, cctx, msg, sizeof msg);
  cr_log_info("expired: %d \"%s\"", code, msg);
  cr_assert(strstr(msg, "expired") || strstr(msg, "date"), "the reason says why: %s", msg);
  /* The same server still takes a client that does not verify. */
  tr_tls_context_options lax = {.verify = TR_TLS_VERIFY_NONE};
  tr_tls_context *lctx = tl_context(&lax);
  assert_serves(rt, srv, lctx);
  tr_tls_server_free(srv);
  tr_tls_context_release(ectx);
  tr_tls_context_release(cctx);
  tr_tls_context_release(lctx);
  tr_runtime_free(rt);
  remove_bad_certs();
}

Test(tls_verify, hostname_is_checked_when_asked, .timeout = 30) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS;
  tr_tls_context *sctx = tl_context(&so);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  tr_tls_context_options bad = TL_CLIENT_OPTS;
  bad.server_name = "wrong.example";
  bad.verify_hostname = 1;
  tr_tls_context *bctx = tl_context(&bad);
  char msg[256];
  int code = assert_refused(rt, srv, bctx, msg, sizeof msg);
  cr_log_info("hostname mismatch: %d \"%s\"", code, msg);
  /* Unchecked, the same name is only SNI and the handshake succeeds. */
  tr_tls_context_options lax = TL_CLIENT_OPTS;
  lax.server_name = "wrong.example";
  tr_tls_context *lctx = tl_context(&lax);
  assert_serves(rt, srv, lctx);
  tr_tls_context_options good = TL_CLIENT_OPTS;
  good.server_name = "localhost";
  good.verify_hostname = 1;
  tr_tls_context *gctx = tl_context(&good);
  assert_serves(rt, srv, gctx);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(bctx);
  tr_tls_context_release(lctx);
  tr_tls_context_release(gctx);
  tr_runtime_free(rt);
}
