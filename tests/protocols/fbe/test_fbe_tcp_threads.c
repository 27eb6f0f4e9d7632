/* Cross-thread paths of the simple protocol over TCP (also run under
 * ThreadSanitizer): many requests in flight from several foreign threads,
 * each waiting on its futures, and a notification multicast to every
 * client. */
#include <criterion/criterion.h>

#include "fbe_tcp_test_util.h"

enum { THREADS = 4, PER_THREAD = 300, CLIENTS = 6 };

typedef struct asker {
  pthread_t th;
  ft_client *fc;
  int index;
  int failures; /* requests that did not come back right */
} asker;

static void *ask_thread(void *arg) {
  asker *a = arg;
  tr_future *f[PER_THREAD];
  tr_fbe_uuid ids[PER_THREAD];
  char text[PER_THREAD][32];
  size_t len[PER_THREAD];
  /* All of them in flight at once, then collect. */
  for (int i = 0; i < PER_THREAD; i++) {
    len[i] = (size_t)snprintf(text[i], sizeof text[i], "thread %d request %d", a->index, i);
    f[i] = ft_request(a->fc, text[i], len[i], 20000, &ids[i]);
    if (!f[i])
      a->failures++;
  }
  for (int i = 0; i < PER_THREAD; i++) {
    if (!f[i])
      continue;
    void *value = NULL;
    int rc = tr_future_wait(f[i], 20000, &value);
    tr_fbe_reply *reply = value;
    if (rc != 0 || !reply || reply->rejected) {
      a->failures++;
    } else {
      const simple_SimpleResponse *r = reply->message;
      if (!tr_fbe_uuid_equal(&r->id, &ids[i]) || r->Length != len[i] || r->Hash != ft_hash(text[i], len[i]))
        a->failures++;
    }
    tr_fbe_reply_free(reply);
    tr_future_release(f[i]);
  }
  return NULL;
}

Test(fbe_tcp_threads, futures_from_foreign_threads, .timeout = 60) {
  tr_runtime *rt = ft_runtime(2);
  ft_server server;
  cr_assert_eq(ft_server_start(&server, rt), 0);
  ft_client clients[2];
  for (int i = 0; i < 2; i++)
    cr_assert_eq(ft_client_connect(&clients[i], rt, server.port), 0);

  /* Two threads per client, so each client's table is fed from two sides. */
  asker as[THREADS];
  for (int i = 0; i < THREADS; i++) {
    as[i] = (asker){.fc = &clients[i % 2], .index = i};
    pthread_create(&as[i].th, NULL, ask_thread, &as[i]);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(as[i].th, NULL);
    cr_assert_eq(as[i].failures, 0, "thread %d: every answer matched its request", i);
  }
  cr_assert_eq(atomic_load(&server.requests), THREADS * PER_THREAD);
  for (int i = 0; i < 2; i++) {
    cr_assert(FT_WAIT(tr_fbe_tcp_client_pending(clients[i].c) == 0, 2000));
    tr_fbe_tcp_client_free(clients[i].c);
  }
  ft_server_free(&server);
  tr_runtime_free(rt);
}

Test(fbe_tcp_threads, notify_multicast_reaches_every_client, .timeout = 60) {
  tr_runtime *rt = ft_runtime(2);
  ft_server server;
  cr_assert_eq(ft_server_start(&server, rt), 0);
  ft_client clients[CLIENTS];
  for (int i = 0; i < CLIENTS; i++)
    cr_assert_eq(ft_client_connect(&clients[i], rt, server.port), 0);
  cr_assert(FT_WAIT(atomic_load(&server.connected) == CLIENTS, 5000));
  cr_assert(FT_WAIT(tr_tcp_server_session_count(tr_fbe_server_tcp(server.srv)) == CLIENTS, 5000));

  for (int k = 0; k < 3; k++) {
    simple_SimpleNotify n;
    simple_SimpleNotify_init(&n);
    char text[32];
    snprintf(text, sizeof text, "(admin) news %d", k);
    tr_fbe_string_set_cstr(&n.Notification, text);
    cr_assert_gt(tr_fbe_server_multicast(server.srv, simple_SimpleNotify_encode_any, &n), 0);
    simple_SimpleNotify_free(&n);
  }
  for (int i = 0; i < CLIENTS; i++) {
    cr_assert(FT_WAIT(atomic_load(&clients[i].admin_notifies) == 3, 5000), "client %d got all three (%d)", i,
              atomic_load(&clients[i].admin_notifies));
    cr_assert_eq(atomic_load(&clients[i].notifies), 4, "the greeting and three notifications, nothing twice");
  }
  for (int i = 0; i < CLIENTS; i++)
    tr_fbe_tcp_client_free(clients[i].c);
  ft_server_free(&server);
  tr_runtime_free(rt);
}
