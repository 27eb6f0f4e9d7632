/* troupe against OpenSSL's command line: a troupe server with `openssl
 * s_client` (TLS 1.3 and 1.2, verified against the dev CA) and a troupe
 * client with `openssl s_server`; close_notify both ways. Every openssl runs
 * under `timeout` and is reaped with a bound. */
#include <criterion/criterion.h>

#include "tls_test.h"

static char out_file[64];

static void make_out(void) {
  snprintf(out_file, sizeof out_file, "/tmp/troupe-tls-openssl-%d.out", (int)getpid());
}

/* s_client sends two lines a moment apart: the echo, then QUIT, after which
 * the server echoes and disconnects (close_notify to the client). */
static void s_client_round(const char *version_flag, const char *version) {
  make_out();
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS;
  tr_tls_context *sctx = tl_context(&so);
  tl_server_stats stats;
  tl_stats_init(&stats);
  atomic_store(&stats.quit_on_q, 1);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  cr_assert_not_null(srv);
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "(printf 'hello troupe\\n'; sleep 0.3; printf 'QUIT\\n'; sleep 2) | timeout 10 openssl s_client "
           "-connect 127.0.0.1:%d -CAfile %s -verify_return_error -verify_hostname localhost %s -ign_eof -state",
           tr_tls_server_port(srv), TL_PATH("ca.pem"), version_flag);
  pid_t pid = tl_spawn(cmd, out_file);
  int status = tl_reap(pid, 15000);
  char *out = tl_slurp(out_file);
  cr_assert_eq(status, 0, "s_client exits cleanly: %s", out);
  cr_assert(strstr(out, "Verify return code: 0 (ok)"), "verified against the dev CA: %s", out);
  cr_assert(strstr(out, version), "negotiated %s", version);
  cr_assert(strstr(out, "hello troupe\n"), "the echo came back");
  cr_assert(strstr(out, "SSL3 alert read:warning:close notify"), "the server's close_notify arrived");
  if (!strcmp(version, "TLSv1.3"))
    cr_assert(strstr(out, TL_FIRST_SUITE_OPENSSL), "the server's suite order wins over OpenSSL's");
  free(out);
  cr_assert(TT_WAIT(atomic_load(&stats.disconnected) == 1, 5000));
  cr_assert_eq(atomic_load(&stats.handshaked), 1);
  cr_assert_eq(atomic_load(&stats.errors), 0);
  unlink(out_file);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_runtime_free(rt);
}

Test(tls_openssl, server_with_s_client_tls13, .timeout = 30) { s_client_round("-tls1_3", "TLSv1.3"); }
Test(tls_openssl, server_with_s_client_tls12, .timeout = 30) { s_client_round("-tls1_2", "TLSv1.2"); }

Test(tls_openssl, s_client_close_notify_closes_the_session, .timeout = 30) {
  make_out();
  tr_runtime *rt = tt_runtime(1);
  tr_tls_context_options so = TL_SERVER_OPTS;
  tr_tls_context *sctx = tl_context(&so);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  char cmd[1024];
  /* Without -ign_eof, s_client sends close_notify when its input ends. */
  snprintf(cmd, sizeof cmd,
           "(printf 'ping\\n'; sleep 0.5) | timeout 10 openssl s_client -connect 127.0.0.1:%d -CAfile %s "
           "-verify_return_error -state",
           tr_tls_server_port(srv), TL_PATH("ca.pem"));
  pid_t pid = tl_spawn(cmd, out_file);
  cr_assert_eq(tl_reap(pid, 15000), 0);
  cr_assert(tl_file_has(out_file, "SSL3 alert write:warning:close notify"), "s_client sent close_notify");
  cr_assert(TT_WAIT(atomic_load(&stats.disconnected) == 1, 5000), "the session closed");
  cr_assert_eq(atomic_load(&stats.errors), 0, "a clean close is no error");
  cr_assert_eq(tr_tls_server_session_count(srv), 0);
  unlink(out_file);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_runtime_free(rt);
}

/* openssl s_server -rev answers each line reversed; a line "CLOSE" makes it
 * send close_notify. */
static pid_t start_s_server(int port, const char *extra) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "exec timeout 20 openssl s_server -accept 127.0.0.1:%d -cert %s -pass pass:qwerty -rev -naccept 1 "
           "-state %s",
           port, TL_PATH("server.pem"), extra);
  pid_t pid = tl_spawn(cmd, out_file);
  cr_assert(TT_WAIT(tl_file_has(out_file, "ACCEPT"), 5000), "s_server listening");
  return pid;
}

Test(tls_openssl, client_with_s_server, .timeout = 40) {
  make_out();
  int port = tl_free_port();
  pid_t pid = start_s_server(port, "");
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options co = TL_CLIENT_OPTS;
  co.verify_hostname = 1;
  co.server_name = "localhost";
  tr_tls_context *cctx = tl_context(&co);
  tl_peer p;
  tl_peer_init(&p, 4096);
  tr_tls_client *cl = tl_client(rt, cctx, port, &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0, "handshake with OpenSSL, server verified");
  cr_assert_str_eq(p.version, "TLSv1.3");
  tr_stream *s = tr_tls_client_stream(cl);
  cr_assert_eq(tr_stream_send(s, "hello\n", 6), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) >= 6, 5000));
  pthread_mutex_lock(&p.col.mu);
  cr_assert(memcmp(p.col.data, "olleh\n", 6) == 0);
  pthread_mutex_unlock(&p.col.mu);
  /* The server's close_notify closes us, without an error. */
  cr_assert_eq(tr_stream_send(s, "CLOSE\n", 6), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.disconnected) == 1, 5000), "closed by the peer's close_notify");
  cr_assert_eq(atomic_load(&p.col.errors), 0);
  tl_reap(pid, 5000);
  cr_assert(tl_file_has(out_file, "SSL3 alert write:warning:close notify"));
  unlink(out_file);
  tr_tls_client_free(cl);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}

Test(tls_openssl, client_disconnect_sends_close_notify, .timeout = 40) {
  make_out();
  int port = tl_free_port();
  pid_t pid = start_s_server(port, "-tls1_2");
  tr_runtime *rt = tt_runtime(1);
  tr_tls_context_options co = TL_CLIENT_OPTS;
  tr_tls_context *cctx = tl_context(&co);
  tl_peer p;
  tl_peer_init(&p, 4096);
  tr_tls_client *cl = tl_client(rt, cctx, port, &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0);
  cr_assert_str_eq(p.version, "TLSv1.2");
  cr_assert_eq(tr_stream_send(tr_tls_client_stream(cl), "abc\n", 4), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.len) >= 4, 5000));
  cr_assert_eq(tr_tls_client_disconnect(cl), 0);
  cr_assert(TT_WAIT(atomic_load(&p.col.disconnected) == 1, 5000));
  tl_reap(pid, 5000);
  cr_assert(tl_file_has(out_file, "SSL3 alert read:warning:close notify"), "s_server read our close_notify");
  unlink(out_file);
  tr_tls_client_free(cl);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}
