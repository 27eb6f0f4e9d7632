/* Cross-thread paths of TLS streams (also run under ThreadSanitizer): foreign
 * threads sending on a client and on a server session at once, multicast
 * from a foreign thread, and a disconnect racing sends. */
#include <criterion/criterion.h>

#include "tls_test.h"

enum { THREADS = 4, PER_THREAD = 3000, REC = 8 };

typedef struct sender {
  pthread_t th;
  tr_stream *s;
  int index;
  int failures;
} sender;

static void *send_thread(void *arg) {
  sender *sd = arg;
  for (uint32_t seq = 0; seq < PER_THREAD; seq++) {
    unsigned char rec[REC] = {(unsigned char)sd->index, 0xA5};
    memcpy(rec + 4, &seq, 4);
    if (tr_stream_send(sd->s, rec, REC) != 0)
      sd->failures++;
  }
  return NULL;
}

static void run_senders(tr_stream *s) {
  sender sd[THREADS];
  for (int i = 0; i < THREADS; i++) {
    sd[i] = (sender){.s = s, .index = i};
    pthread_create(&sd[i].th, NULL, send_thread, &sd[i]);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(sd[i].th, NULL);
    cr_assert_eq(sd[i].failures, 0);
  }
}

static void check_records(tl_peer *p, size_t total) {
  cr_assert(TT_WAIT(atomic_load(&p->col.len) == total, 30000), "all %zu bytes arrived (got %zu)", total,
            atomic_load(&p->col.len));
  uint32_t next[THREADS] = {0};
  pthread_mutex_lock(&p->col.mu);
  for (size_t off = 0; off < total; off += REC) {
    unsigned char *rec = (unsigned char *)p->col.data + off;
    cr_assert_lt(rec[0], THREADS);
    cr_assert_eq(rec[1], 0xA5, "records stay whole");
    uint32_t seq;
    memcpy(&seq, rec + 4, 4);
    cr_assert_eq(seq, next[rec[0]], "thread %d's order kept", rec[0]);
    next[rec[0]]++;
  }
  pthread_mutex_unlock(&p->col.mu);
  for (int i = 0; i < THREADS; i++)
    cr_assert_eq(next[i], PER_THREAD);
}

static _Atomic uint64_t session_id;
static void note_session(tr_stream *s, void *user) {
  tl_srv_handshaked(s, user);
  atomic_store(&session_id, tr_stream_id(s));
}

Test(tls_threads, foreign_threads_send_both_ways, .timeout = 60) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server_options o = {
      .tcp = {.address = "127.0.0.1", .worker = -1, .ctx = &stats},
      .context = sctx,
      .session = {.on_handshaked = note_session, .on_received = tl_srv_received, .on_error = tl_srv_error},
  };
  tr_tls_server *srv;
  cr_assert_eq(tr_tls_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tls_server_start(srv), 0);
  size_t total = (size_t)THREADS * PER_THREAD * REC;
  tl_peer p;
  tl_peer_init(&p, total);
  tr_tls_client *cl = tl_client(rt, cctx, tr_tls_server_port(srv), &p);
  cr_assert_eq(tr_tls_client_connect_sync(cl, 5000), 0);
  /* Client to server (echoed back). */
  run_senders(tr_tls_client_stream(cl));
  check_records(&p, total);

  /* Server session to client, the echo server sending on its own too. */
  cr_assert(TT_WAIT(atomic_load(&session_id) != 0, 5000));
  tr_stream *s = tr_tls_server_find_session(srv, atomic_load(&session_id));
  cr_assert_not_null(s);
  atomic_store(&p.col.len, 0);
  run_senders(s);
  check_records(&p, total);
  tr_stream_release(s);
  cr_assert_eq(atomic_load(&p.col.errors), 0);
  cr_assert_eq(atomic_load(&stats.errors), 0);
  tr_tls_client_free(cl);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
  tt_collector_free(&p.col);
}

enum { CLIENTS = 20 };

Test(tls_threads, multicast_and_disconnect_from_foreign_threads, .timeout = 60) {
  tr_runtime *rt = tt_runtime(2);
  tr_tls_context_options so = TL_SERVER_OPTS, co = TL_CLIENT_OPTS;
  tr_tls_context *sctx = tl_context(&so), *cctx = tl_context(&co);
  tl_server_stats stats;
  tl_stats_init(&stats);
  tr_tls_server *srv = tl_echo_server(rt, sctx, &stats, 0);
  tl_peer *peers = calloc(CLIENTS, sizeof *peers);
  tr_tls_client *cls[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    tl_peer_init(&peers[i], 1 << 16);
    cls[i] = tl_client(rt, cctx, tr_tls_server_port(srv), &peers[i]);
    cr_assert_eq(tr_tls_client_connect(cls[i]), 0);
  }
  cr_assert(TT_WAIT(atomic_load(&stats.handshaked) == CLIENTS, 10000), "all handshaked");
  for (int k = 0; k < 100; k++)
    cr_assert_eq(tr_tls_server_multicast(srv, "0123456789", 10), 0);
  for (int i = 0; i < CLIENTS; i++)
    cr_assert(TT_WAIT(atomic_load(&peers[i].col.len) == 1000, 10000), "client %d got all of it", i);
  /* Sends racing a disconnect, all from this thread while the stream lives
   * on a worker: every call returns, none crashes, the stream ends closed. */
  tr_stream *s = tr_tls_client_stream(cls[0]);
  for (int k = 0; k < 1000; k++) {
    int rc = tr_stream_send(s, "x", 1);
    cr_assert(rc == 0 || rc == TR_ECLOSED);
    if (k == 500)
      cr_assert_eq(tr_tls_client_disconnect(cls[0]), 0);
  }
  cr_assert(TT_WAIT(atomic_load(&peers[0].col.disconnected) == 1, 5000));
  cr_assert_eq(tr_stream_send(s, "x", 1), TR_ECLOSED);
  cr_assert_eq(tr_tls_server_disconnect_all(srv), 0);
  for (int i = 1; i < CLIENTS; i++)
    cr_assert(TT_WAIT(atomic_load(&peers[i].col.disconnected) == 1, 5000));
  for (int i = 0; i < CLIENTS; i++) {
    tr_tls_client_free(cls[i]);
    cr_assert_eq(atomic_load(&peers[i].col.errors), 0);
    tt_collector_free(&peers[i].col);
  }
  free(peers);
  tr_tls_server_free(srv);
  tr_tls_context_release(sctx);
  tr_tls_context_release(cctx);
  tr_runtime_free(rt);
}
