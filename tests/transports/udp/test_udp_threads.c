/* Calls from threads that are not the socket's worker: plain threads, other
 * workers, and the owning worker itself (send_sync must refuse there). */
#include <criterion/criterion.h>

#include "troupe/actor.h"
#include "udp_test.h"

#define THREADS 4
#define PER_THREAD 200

typedef struct sender_arg {
  tr_udp_client *client;
  tr_udp_server *server;
  tr_udp_endpoint client_ep;
  int ok_sync, ok_async;
} sender_arg;

static void *sender(void *p) {
  sender_arg *a = p;
  char msg[16] = "0123456789abcdef";
  for (int i = 0; i < PER_THREAD; i++) {
    /* Alternate blocking and queued sends; pace the queued ones by the
     * blocking ones so the receiver's socket buffer never overflows. */
    if (i % 2 == 0) {
      if (tr_udp_client_send_sync(a->client, msg, sizeof(msg)) == (int)sizeof(msg))
        a->ok_sync++;
    } else if (tr_udp_client_send(a->client, msg, sizeof(msg)) == 0) {
      a->ok_async++;
    }
  }
  return NULL;
}

static void count_received(tr_udp_server *s, const tr_udp_endpoint *from, const void *d, size_t n, void *ctx) {
  probe_record(ctx, from, d, n);
}

Test(udp_threads, sends_from_foreign_threads, .timeout = 60) {
  tr_runtime *rt = start_runtime(2);
  probe sp, cp;
  probe_init(&sp);
  probe_init(&cp);
  tr_udp_options so;
  tr_udp_options_init(&so);
  so.recv_buffer_size = 4 << 20;
  so.worker = 0;
  tr_udp_server_callbacks scb = {.on_received = count_received};
  tr_udp_server *s;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, &so, &scb, &sp, &s), 0);
  cr_assert_eq(tr_udp_server_start(s), 0);
  tr_udp_endpoint ep;
  tr_udp_server_local_endpoint(s, &ep);
  tr_udp_client *c;
  tr_udp_options co;
  tr_udp_options_init(&co);
  co.worker = 1; /* not the server's worker (0, first in turn) */
  cr_assert_eq(tr_udp_client_new(rt, "127.0.0.1", tr_udp_endpoint_port(&ep), &co, &probe_client_cb, &cp, &c), 0);
  cr_assert_eq(tr_udp_client_connect(c), 0);

  pthread_t th[THREADS];
  sender_arg args[THREADS];
  for (int i = 0; i < THREADS; i++) {
    args[i] = (sender_arg){.client = c, .server = s};
    pthread_create(&th[i], NULL, sender, &args[i]);
  }
  int ok = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(args[i].ok_sync, PER_THREAD / 2);
    cr_assert_eq(args[i].ok_async, PER_THREAD / 2);
    ok += args[i].ok_sync + args[i].ok_async;
  }
  cr_assert_eq(probe_wait(&sp, &sp.received, ok, 10000), ok, "every datagram from every thread arrived");
  cr_assert_eq(probe_wait(&cp, &cp.sent, ok, 10000), ok, "on_sent for each");
  tr_udp_stats st;
  tr_udp_client_stats(c, &st);
  cr_assert_eq(st.datagrams_sent, (uint64_t)ok);
  cr_assert_eq(st.bytes_sent, (uint64_t)ok * 16);
  tr_udp_server_stats(s, &st);
  cr_assert_eq(st.datagrams_received, (uint64_t)ok);

  /* The server answers every sender from foreign threads too. */
  tr_udp_endpoint cep;
  cr_assert_eq(tr_udp_client_local_endpoint(c, &cep), 0);
  tr_udp_endpoint_init(&cep, "127.0.0.1", tr_udp_endpoint_port(&cep));
  for (int i = 0; i < 50; i++)
    cr_assert_eq(tr_udp_server_send_sync(s, &cep, "r", 1), 1);
  cr_assert_eq(probe_wait(&cp, &cp.received, 50, 10000), 50);

  tr_udp_client_free(c);
  tr_udp_server_free(s);
  tr_runtime_free(rt);
  probe_free(&sp);
  probe_free(&cp);
}

/* On the owning worker: send_sync refuses (TR_EDEADLK), async send acts at
 * once, and free suppresses every later callback. On another worker: calls
 * are posted. */
typedef struct worker_ctx {
  tr_udp_client *client;
  tr_udp_endpoint to;
  int sync_rc, async_rc, free_rc;
  int done;
} worker_ctx;

static void on_own_worker(void *arg) {
  worker_ctx *w = arg;
  w->sync_rc = tr_udp_client_send_sync(w->client, "x", 1);
  w->async_rc = tr_udp_client_send_to(w->client, &w->to, "y", 1);
  __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

static void on_other_worker(void *arg) {
  worker_ctx *w = arg;
  w->sync_rc = tr_udp_client_send_sync(w->client, "x", 1);
  w->async_rc = tr_udp_client_send_to(w->client, &w->to, "z", 1);
  w->free_rc = tr_udp_client_set_multicast_loop(w->client, 1); /* posted: 0 */
  __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

static int wait_done(worker_ctx *w) {
  uint64_t end = now_ms() + 5000;
  while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) && now_ms() < end)
    usleep(1000);
  return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

Test(udp_threads, worker_calls, .timeout = 60) {
  tr_runtime *rt = start_runtime(2);
  probe sp, cp;
  probe_init(&sp);
  probe_init(&cp);
  tr_udp_server_callbacks scb = {.on_received = count_received};
  tr_udp_server *s;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, NULL, &scb, &sp, &s), 0);
  cr_assert_eq(tr_udp_server_start(s), 0);
  tr_udp_endpoint ep;
  tr_udp_server_local_endpoint(s, &ep);
  tr_udp_options co;
  tr_udp_options_init(&co);
  co.worker = 1;
  tr_udp_client *c;
  cr_assert_eq(tr_udp_client_new(rt, "127.0.0.1", tr_udp_endpoint_port(&ep), &co, &probe_client_cb, &cp, &c), 0);
  cr_assert_eq(tr_udp_client_connect(c), 0);

  worker_ctx w = {.client = c, .to = ep};
  cr_assert_eq(tr_worker_post(tr_runtime_worker(rt, 1), on_own_worker, &w), 0);
  cr_assert(wait_done(&w));
  cr_assert_eq(w.sync_rc, TR_EDEADLK);
  cr_assert_eq(w.async_rc, 0);
  cr_assert_eq(probe_wait(&sp, &sp.received, 1, 5000), 1);
  cr_assert_eq(probe_wait(&cp, &cp.sent, 1, 5000), 1);

  worker_ctx w2 = {.client = c, .to = ep};
  cr_assert_eq(tr_worker_post(tr_runtime_worker(rt, 0), on_other_worker, &w2), 0);
  cr_assert(wait_done(&w2));
  cr_assert_eq(w2.sync_rc, TR_EDEADLK, "no blocking on any worker");
  cr_assert_eq(w2.async_rc, 0);
  cr_assert_eq(w2.free_rc, 0);
  cr_assert_eq(probe_wait(&sp, &sp.received, 2, 5000), 2);

  tr_udp_client_free(c);
  int sent_after_free = probe_get(&cp, &cp.sent);
  usleep(20000);
  cr_assert_eq(probe_get(&cp, &cp.sent), sent_after_free, "no callback after free returned");
  tr_udp_server_free(s);
  tr_runtime_free(rt);
  probe_free(&sp);
  probe_free(&cp);
}

/* Many threads start, stop and send while the socket restarts under them:
 * nothing crashes, every call returns 0 or a clean error. */
typedef struct churn_arg {
  tr_udp_server *s;
  tr_udp_endpoint to;
  int bad;
} churn_arg;

static void *churn(void *p) {
  churn_arg *a = p;
  for (int i = 0; i < 300; i++) {
    int r = tr_udp_server_send(a->s, &a->to, "c", 1);
    if (r != 0 && r != TR_ECLOSED)
      a->bad++;
    if (i % 50 == 0) {
      r = tr_udp_server_restart(a->s);
      if (r != 0 && r != TR_ESTATE)
        a->bad++;
    }
  }
  return NULL;
}

Test(udp_threads, restart_while_sending, .timeout = 60) {
  tr_runtime *rt = start_runtime(2);
  tr_udp_server *s;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, NULL, NULL, NULL, &s), 0);
  cr_assert_eq(tr_udp_server_start(s), 0);
  tr_udp_server *sink;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, NULL, NULL, NULL, &sink), 0);
  cr_assert_eq(tr_udp_server_start(sink), 0);
  churn_arg args[THREADS];
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) {
    args[i] = (churn_arg){.s = s};
    tr_udp_server_local_endpoint(sink, &args[i].to);
    pthread_create(&th[i], NULL, churn, &args[i]);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(args[i].bad, 0);
  }
  tr_udp_stats st;
  tr_udp_server_stats(sink, &st);
  cr_assert_gt(tr_udp_server_is_started(s), 0);
  tr_udp_server_free(sink);
  tr_udp_server_free(s);
  tr_runtime_free(rt);
}
