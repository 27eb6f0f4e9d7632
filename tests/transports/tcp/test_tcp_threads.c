/* Cross-thread paths (also run under ThreadSanitizer): four foreign threads
 * sending to one session at once, and multicast to 500 sessions. */
#include <criterion/criterion.h>

#include "tcp_test_util.h"

enum { THREADS = 4, PER_THREAD = 5000, REC = 8 };

static _Atomic uint64_t server_session_id;
static void note_session(tr_stream *s, void *user) { atomic_store(&server_session_id, tr_stream_id(s)); }

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

Test(tcp_threads, four_foreign_threads_to_one_session, .timeout = 60) {
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .worker = -1,
      .session = {.on_connected = note_session},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  size_t total = (size_t)THREADS * PER_THREAD * REC;
  tt_collector col;
  tt_collector_init(&col, total);
  tr_tcp_client *cl = tt_client(rt, "127.0.0.1", tr_tcp_server_port(srv), &col);
  cr_assert_eq(tr_tcp_client_connect_sync(cl, 5000), 0);
  cr_assert(TT_WAIT(atomic_load(&server_session_id) != 0, 5000));
  tr_stream *s = tr_tcp_server_find_session(srv, atomic_load(&server_session_id));
  cr_assert_not_null(s);

  sender sd[THREADS];
  for (int i = 0; i < THREADS; i++) {
    sd[i] = (sender){.s = s, .index = i};
    pthread_create(&sd[i].th, NULL, send_thread, &sd[i]);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(sd[i].th, NULL);
    cr_assert_eq(sd[i].failures, 0);
  }
  cr_assert(TT_WAIT(atomic_load(&col.len) == total, 20000), "all %zu bytes arrived (got %zu)", total,
            atomic_load(&col.len));
  uint32_t next[THREADS] = {0};
  pthread_mutex_lock(&col.mu);
  for (size_t off = 0; off < total; off += REC) {
    unsigned char *rec = (unsigned char *)col.data + off;
    cr_assert_lt(rec[0], THREADS);
    cr_assert_eq(rec[1], 0xA5, "records stay whole");
    uint32_t seq;
    memcpy(&seq, rec + 4, 4);
    cr_assert_eq(seq, next[rec[0]], "thread %d's order kept", rec[0]);
    next[rec[0]]++;
  }
  pthread_mutex_unlock(&col.mu);
  for (int i = 0; i < THREADS; i++)
    cr_assert_eq(next[i], PER_THREAD);
  tr_stream_release(s);
  tr_tcp_client_free(cl);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  tt_collector_free(&col);
}

enum { MC_CLIENTS = 500, MC_MSGS = 40, MC_SIZE = 100 };

Test(tcp_threads, multicast_to_500_sessions, .timeout = 90) {
  tt_raise_nofile(4096);
  tr_runtime *rt = tt_runtime(2);
  tr_tcp_server_options o = {.address = "127.0.0.1", .backlog = 2048, .worker = -1};
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  tt_collector *cols = calloc(MC_CLIENTS, sizeof *cols);
  tr_tcp_client **cls = calloc(MC_CLIENTS, sizeof *cls);
  for (int i = 0; i < MC_CLIENTS; i++) {
    tt_collector_init(&cols[i], MC_MSGS * MC_SIZE);
    cls[i] = tt_client(rt, "127.0.0.1", tr_tcp_server_port(srv), &cols[i]);
    cr_assert_eq(tr_tcp_client_connect(cls[i]), 0);
  }
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == MC_CLIENTS, 30000), "%zu sessions",
            tr_tcp_server_session_count(srv));
  char *all = malloc(MC_MSGS * MC_SIZE);
  tt_fill(all, MC_MSGS * MC_SIZE, 42);
  for (int k = 0; k < MC_MSGS; k++)
    cr_assert_eq(tr_tcp_server_multicast(srv, all + k * MC_SIZE, MC_SIZE), 0);
  for (int i = 0; i < MC_CLIENTS; i++) {
    cr_assert(TT_WAIT(atomic_load(&cols[i].len) >= MC_MSGS * MC_SIZE, 20000), "client %d complete (%zu)", i,
              atomic_load(&cols[i].len));
    pthread_mutex_lock(&cols[i].mu);
    cr_assert_eq(atomic_load(&cols[i].len), MC_MSGS * MC_SIZE);
    cr_assert(memcmp(cols[i].data, all, MC_MSGS * MC_SIZE) == 0, "client %d got every message in order", i);
    pthread_mutex_unlock(&cols[i].mu);
  }
  for (int i = 0; i < MC_CLIENTS; i++)
    tr_tcp_client_free(cls[i]);
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  for (int i = 0; i < MC_CLIENTS; i++)
    tt_collector_free(&cols[i]);
  free(cols);
  free(cls);
  free(all);
}
