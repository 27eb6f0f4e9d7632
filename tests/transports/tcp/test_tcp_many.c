/* Many connections at once: 1000 concurrent clients, each with its own
 * payload echoed byte-exact, spread over the workers. */
#include <criterion/criterion.h>

#include "tcp_test_util.h"

enum { CLIENTS = 1000, MSG = 100 };

static _Atomic int per_worker[2];
static void count_worker(tr_stream *s, void *user) {
  atomic_fetch_add(&per_worker[tr_worker_index(tr_stream_worker(s))], 1);
}

static void thousand_clients(tr_tcp_accept_mode mode) {
  tt_raise_nofile(8192);
  tr_runtime *rt = tt_runtime(2);
  cr_assert_not_null(rt);
  tr_tcp_server_options o = {
      .address = "127.0.0.1",
      .backlog = 4096,
      .worker = -1,
      .accept_mode = mode,
      .session = {.on_connected = count_worker, .on_received = tt_echo_received},
  };
  tr_tcp_server *srv;
  cr_assert_eq(tr_tcp_server_new(rt, &o, &srv), 0);
  cr_assert_eq(tr_tcp_server_start(srv), 0);
  int port = tr_tcp_server_port(srv);

  tt_collector *cols = calloc(CLIENTS, sizeof *cols);
  tr_tcp_client **cls = calloc(CLIENTS, sizeof *cls);
  for (int i = 0; i < CLIENTS; i++) {
    tt_collector_init(&cols[i], MSG);
    cls[i] = tt_client(rt, "127.0.0.1", port, &cols[i]);
    cr_assert_not_null(cls[i]);
    cr_assert_eq(tr_tcp_client_connect(cls[i]), 0);
  }
  int connected = TT_WAIT(({
    int n = 0;
    for (int i = 0; i < CLIENTS; i++)
      n += atomic_load(&cols[i].connected);
    n == CLIENTS;
  }), 30000);
  cr_assert(connected, "all clients connected");
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == CLIENTS, 10000), "server counts %zu sessions",
            tr_tcp_server_session_count(srv));
  /* Both workers took connections; hand-off alternates exactly. */
  cr_assert_eq(atomic_load(&per_worker[0]) + atomic_load(&per_worker[1]), CLIENTS);
  cr_assert_gt(atomic_load(&per_worker[0]), CLIENTS / 10);
  cr_assert_gt(atomic_load(&per_worker[1]), CLIENTS / 10);
  if (mode == TR_TCP_ACCEPT_HANDOFF)
    cr_assert_eq(atomic_load(&per_worker[0]), CLIENTS / 2);

  char msg[MSG];
  for (int i = 0; i < CLIENTS; i++) {
    tt_fill(msg, MSG, (unsigned)i);
    cr_assert_eq(tr_stream_send(tr_tcp_client_stream(cls[i]), msg, MSG), 0);
  }
  for (int i = 0; i < CLIENTS; i++) {
    cr_assert(TT_WAIT(atomic_load(&cols[i].len) == MSG, 10000), "client %d echoed", i);
    tt_fill(msg, MSG, (unsigned)i);
    pthread_mutex_lock(&cols[i].mu);
    cr_assert(memcmp(cols[i].data, msg, MSG) == 0, "client %d got its own bytes", i);
    pthread_mutex_unlock(&cols[i].mu);
    cr_assert_eq(atomic_load(&cols[i].errors), 0);
  }
  for (int i = 0; i < CLIENTS; i++)
    tr_tcp_client_free(cls[i]);
  cr_assert(TT_WAIT(tr_tcp_server_session_count(srv) == 0, 20000));
  tr_tcp_server_free(srv);
  tr_runtime_free(rt);
  for (int i = 0; i < CLIENTS; i++)
    tt_collector_free(&cols[i]);
  free(cols);
  free(cls);
}

Test(tcp_many, thousand_clients_reuseport, .timeout = 90) { thousand_clients(TR_TCP_ACCEPT_REUSEPORT); }
Test(tcp_many, thousand_clients_handoff, .timeout = 90) { thousand_clients(TR_TCP_ACCEPT_HANDOFF); }
