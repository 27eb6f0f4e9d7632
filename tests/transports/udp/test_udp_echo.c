/* Echo over real sockets on 127.0.0.1 and ::1: sizes, receive modes,
 * truncation, ICMP errors, stop/restart, calls on closed sockets. */
#include <criterion/criterion.h>

#include "udp_test.h"

typedef struct echo_fixture {
  tr_runtime *rt;
  tr_udp_server *server;
  tr_udp_client *client;
  probe sp, cp;
  int port;
} echo_fixture;

static void fixture_up(echo_fixture *f, const char *addr, const tr_udp_options *sopts) {
  memset(f, 0, sizeof(*f));
  probe_init(&f->sp);
  probe_init(&f->cp);
  f->rt = start_runtime(2);
  cr_assert_not_null(f->rt);
  cr_assert_eq(tr_udp_server_new(f->rt, addr, 0, sopts, &echo_server_cb, &f->sp, &f->server), 0);
  cr_assert_eq(tr_udp_server_start(f->server), 0);
  tr_udp_endpoint ep;
  cr_assert_eq(tr_udp_server_local_endpoint(f->server, &ep), 0);
  f->port = tr_udp_endpoint_port(&ep);
  cr_assert_gt(f->port, 0);
  cr_assert_eq(tr_udp_client_new(f->rt, addr, f->port, NULL, &probe_client_cb, &f->cp, &f->client), 0);
  cr_assert_eq(tr_udp_client_connect(f->client), 0);
  cr_assert_eq(probe_get(&f->cp, &f->cp.connected), 1, "on_connected ran before connect returned");
}

static void fixture_down(echo_fixture *f) {
  tr_udp_client_free(f->client);
  tr_udp_server_free(f->server);
  tr_runtime_free(f->rt);
  probe_free(&f->sp);
  probe_free(&f->cp);
}

/* Sends size bytes of a pattern and checks the echo comes back whole. */
static void echo_roundtrip(echo_fixture *f, size_t size) {
  unsigned char *out = malloc(size ? size : 1);
  for (size_t i = 0; i < size; i++)
    out[i] = (unsigned char)(i * 7 + 3);
  int before = probe_get(&f->cp, &f->cp.received);
  cr_assert_eq(tr_udp_client_send(f->client, out, size), 0);
  cr_assert_eq(probe_wait(&f->cp, &f->cp.received, before + 1, 5000), before + 1, "echo of %zu bytes", size);
  pthread_mutex_lock(&f->cp.mu);
  cr_assert_eq(f->cp.last_size, size);
  cr_assert(size == 0 || memcmp(f->cp.last, out, size) == 0, "payload of %zu bytes intact", size);
  cr_assert_eq(tr_udp_endpoint_port(&f->cp.last_from), f->port);
  pthread_mutex_unlock(&f->cp.mu);
  free(out);
}

Test(udp_echo, sizes_0_1_65000, .timeout = 30) {
  echo_fixture f;
  fixture_up(&f, "127.0.0.1", NULL);
  echo_roundtrip(&f, 0);
  echo_roundtrip(&f, 1);
  echo_roundtrip(&f, 65000);
  echo_roundtrip(&f, 32);
  tr_udp_stats st;
  tr_udp_client_stats(f.client, &st);
  cr_assert_eq(st.datagrams_sent, 4);
  cr_assert_eq(st.bytes_sent, 65033);
  cr_assert_eq(st.datagrams_received, 4);
  cr_assert_eq(st.bytes_received, 65033);
  cr_assert_eq(probe_get(&f.cp, &f.cp.sent), 4, "on_sent once per datagram");
  cr_assert_eq(probe_get(&f.cp, &f.cp.errors), 0);
  fixture_down(&f);
}

Test(udp_echo, ipv6_loopback, .timeout = 30) {
  echo_fixture f;
  fixture_up(&f, "::1", NULL);
  echo_roundtrip(&f, 0);
  echo_roundtrip(&f, 1);
  echo_roundtrip(&f, 65000);
  pthread_mutex_lock(&f.cp.mu);
  cr_assert_eq(tr_udp_endpoint_family(&f.cp.last_from), AF_INET6);
  char s[64];
  tr_udp_endpoint_format(&f.cp.last_from, s, sizeof(s));
  pthread_mutex_unlock(&f.cp.mu);
  char want[64];
  snprintf(want, sizeof(want), "[::1]:%d", f.port);
  cr_assert_str_eq(s, want);
  fixture_down(&f);
}

/* A datagram larger than the receive buffer is reported, not delivered cut
 * short, and the buffer grows so the next one arrives whole. */
Test(udp_echo, truncated_datagram_reported_then_buffer_grows, .timeout = 30) {
  tr_udp_options o;
  tr_udp_options_init(&o);
  o.recv_buffer_size = 1; /* the kernel's minimum: a few KiB */
  echo_fixture f;
  fixture_up(&f, "127.0.0.1", &o);
  static unsigned char big[65000];
  memset(big, 0x5A, sizeof(big));
  cr_assert_eq(tr_udp_client_send(f.client, big, sizeof(big)), 0);
  cr_assert_eq(probe_wait(&f.sp, &f.sp.errors, 1, 5000), 1, "truncation reported");
  pthread_mutex_lock(&f.sp.mu);
  cr_assert_eq(f.sp.last_error, TR_EOVERFLOW);
  cr_assert_not_null(strstr(f.sp.last_error_msg, "truncated"), "%s", f.sp.last_error_msg);
  cr_assert_eq(f.sp.received, 0, "a truncated datagram is never delivered");
  pthread_mutex_unlock(&f.sp.mu);
  echo_roundtrip(&f, sizeof(big));
  cr_assert_eq(probe_get(&f.sp, &f.sp.received), 1);
  fixture_down(&f);
}

/* Port unreachable comes back as an ICMP error: reported with the endpoint,
 * and the socket keeps echoing afterwards. */
Test(udp_echo, unreachable_port_reported_socket_keeps_working, .timeout = 30) {
  echo_fixture f;
  fixture_up(&f, "127.0.0.1", NULL);
  int dead = closed_udp_port(AF_INET);
  tr_udp_endpoint to;
  cr_assert_eq(tr_udp_endpoint_init(&to, "127.0.0.1", dead), 0);
  cr_assert_eq(tr_udp_client_send_to(f.client, &to, "x", 1), 0);
  cr_assert_geq(probe_wait(&f.cp, &f.cp.errors, 1, 5000), 1, "ICMP error reported");
  pthread_mutex_lock(&f.cp.mu);
  cr_assert_eq(f.cp.last_error, UV_ECONNREFUSED, "%s", f.cp.last_error_msg);
  char port[16];
  snprintf(port, sizeof(port), ":%d", dead);
  cr_assert_not_null(strstr(f.cp.last_error_msg, port), "%s", f.cp.last_error_msg);
  pthread_mutex_unlock(&f.cp.mu);
  echo_roundtrip(&f, 16);
  /* Again, with sends back to back: the pending error must not eat the
   * good datagram. */
  cr_assert_eq(tr_udp_client_send_to(f.client, &to, "y", 1), 0);
  usleep(20000);
  echo_roundtrip(&f, 17);
  cr_assert_geq(probe_get(&f.cp, &f.cp.errors), 2);
  fixture_down(&f);
}

/* ReceiveAsync style: nothing is delivered until asked, one per request. */
static void req_received(tr_udp_server *s, const tr_udp_endpoint *from, const void *d, size_t n, void *ctx) {
  probe_record(ctx, from, d, n);
}

static void receive_twice(void *arg) {
  tr_udp_server_receive(arg);
  tr_udp_server_receive(arg);
}

Test(udp_echo, receive_on_request_one_per_request, .timeout = 30) {
  probe sp;
  probe_init(&sp);
  tr_runtime *rt = start_runtime(2);
  tr_udp_options o;
  tr_udp_options_init(&o);
  o.receive_on_request = 1;
  tr_udp_server_callbacks cb = {.on_received = req_received};
  tr_udp_server *s;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, &o, &cb, &sp, &s), 0);
  cr_assert_eq(tr_udp_server_start(s), 0);
  tr_udp_endpoint ep;
  tr_udp_server_local_endpoint(s, &ep);
  tr_udp_client *c;
  cr_assert_eq(tr_udp_client_new(rt, "127.0.0.1", tr_udp_endpoint_port(&ep), NULL, NULL, NULL, &c), 0);
  cr_assert_eq(tr_udp_client_connect(c), 0);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(tr_udp_client_send_sync(c, "abc", 3), 3);
  usleep(50000);
  cr_assert_eq(probe_get(&sp, &sp.received), 0, "nothing delivered before a request");
  cr_assert_eq(tr_udp_server_receive(s), 0);
  cr_assert_eq(probe_wait(&sp, &sp.received, 1, 5000), 1);
  usleep(50000);
  cr_assert_eq(probe_get(&sp, &sp.received), 1, "one datagram per request");
  /* Two requests in one worker turn still mean one datagram: at most one
   * request is outstanding, as with ReceiveAsync. */
  cr_assert_eq(tr_worker_post(tr_udp_server_worker(s), receive_twice, s), 0);
  cr_assert_eq(probe_wait(&sp, &sp.received, 2, 5000), 2);
  usleep(50000);
  cr_assert_eq(probe_get(&sp, &sp.received), 2);
  tr_udp_client_free(c);
  tr_udp_server_free(s);
  tr_runtime_free(rt);
  probe_free(&sp);
}

static void srv_started(tr_udp_server *s, void *ctx) {
  probe *p = ctx;
  pthread_mutex_lock(&p->mu);
  p->connected++;
  pthread_mutex_unlock(&p->mu);
}
static void srv_stopped(tr_udp_server *s, void *ctx) {
  probe *p = ctx;
  pthread_mutex_lock(&p->mu);
  p->disconnected++;
  pthread_mutex_unlock(&p->mu);
}

Test(udp_echo, stop_restart_and_closed_calls, .timeout = 30) {
  probe sp;
  probe_init(&sp);
  tr_runtime *rt = start_runtime(2);
  tr_udp_server_callbacks cb = echo_server_cb;
  cb.on_started = srv_started;
  cb.on_stopped = srv_stopped;
  tr_udp_server *s;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, NULL, &cb, &sp, &s), 0);
  tr_udp_endpoint to;
  tr_udp_endpoint_init(&to, "127.0.0.1", 9);
  cr_assert_eq(tr_udp_server_send(s, &to, "x", 1), TR_ECLOSED, "not started yet");
  cr_assert_eq(tr_udp_server_stop(s), TR_ESTATE);
  cr_assert_eq(tr_udp_server_start(s), 0);
  cr_assert_eq(tr_udp_server_start(s), TR_EBUSY);
  cr_assert(tr_udp_server_is_started(s));
  cr_assert_eq(tr_udp_server_multicast(s, "x", 1), TR_ESTATE, "no group given");
  cr_assert_eq(tr_udp_server_restart(s), 0);
  cr_assert_eq(probe_get(&sp, &sp.connected), 2);
  cr_assert_eq(probe_get(&sp, &sp.disconnected), 1);
  tr_udp_endpoint ep;
  tr_udp_server_local_endpoint(s, &ep);
  probe cp;
  probe_init(&cp);
  tr_udp_client *c;
  cr_assert_eq(tr_udp_client_new(rt, "127.0.0.1", tr_udp_endpoint_port(&ep), NULL, &probe_client_cb, &cp, &c), 0);
  cr_assert_eq(tr_udp_client_send(c, "x", 1), TR_ECLOSED, "not connected");
  cr_assert_eq(tr_udp_client_disconnect(c), TR_ESTATE);
  cr_assert_eq(tr_udp_client_connect(c), 0);
  cr_assert_eq(tr_udp_client_send(c, "hello", 5), 0);
  cr_assert_eq(probe_wait(&cp, &cp.received, 1, 5000), 1, "echo after restart");
  cr_assert_eq(tr_udp_client_reconnect(c), 0);
  cr_assert_eq(probe_get(&cp, &cp.disconnected), 1);
  cr_assert_eq(tr_udp_client_send(c, "again", 5), 0);
  cr_assert_eq(probe_wait(&cp, &cp.received, 2, 5000), 2, "echo after reconnect");
  cr_assert_eq(tr_udp_server_stop(s), 0);
  cr_assert_not(tr_udp_server_is_started(s));
  cr_assert_eq(tr_udp_server_send(s, &to, "x", 1), TR_ECLOSED);
  cr_assert_eq(tr_udp_server_receive(s), TR_ECLOSED);
  cr_assert_eq(tr_udp_server_local_endpoint(s, &ep), TR_ECLOSED);
  cr_assert_eq(tr_udp_server_start(s), 0);
  /* The runtime stops under both sockets: their handles stay valid and every
   * call says TR_ECLOSED. */
  cr_assert_eq(tr_runtime_stop(rt), 0);
  cr_assert_eq(tr_udp_server_send(s, &to, "x", 1), TR_ECLOSED);
  cr_assert_eq(tr_udp_server_start(s), TR_ECLOSED);
  cr_assert_eq(tr_udp_client_send_sync(c, "x", 1), TR_ECLOSED);
  cr_assert_eq(tr_udp_client_connect(c), TR_ECLOSED);
  cr_assert_not(tr_udp_client_is_connected(c));
  tr_udp_client_free(c);
  tr_udp_server_free(s);
  tr_runtime_free(rt);
  probe_free(&sp);
  probe_free(&cp);
}

Test(udp_echo, bad_arguments, .timeout = 30) {
  tr_runtime *rt = start_runtime(1);
  tr_udp_server *s = NULL;
  cr_assert_eq(tr_udp_server_new(rt, "not an address", 0, NULL, NULL, NULL, &s), TR_EINVAL);
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 70000, NULL, NULL, NULL, &s), TR_EINVAL);
  tr_udp_options o;
  tr_udp_options_init(&o);
  o.worker = 5;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, &o, NULL, NULL, &s), TR_EINVAL);
  cr_assert_null(s);
  tr_udp_client *c = NULL;
  cr_assert_eq(tr_udp_client_new(rt, "::1", 1, NULL, NULL, NULL, &c), 0);
  cr_assert_eq(tr_udp_client_connect(c), 0);
  cr_assert_eq(tr_udp_client_join_group(c, "not a group", NULL), UV_EINVAL);
  cr_assert_lt(tr_udp_client_send_to(c, NULL, "x", 1), 0);
  cr_assert_eq(tr_udp_client_set_multicast_ttl(c, 300), TR_EINVAL);
  static char huge[70000];
  cr_assert_lt(tr_udp_client_send_sync(c, huge, sizeof(huge)), 0, "oversized datagram refused");
  /* Two servers on one port without reuse: the second start fails cleanly. */
  tr_udp_server *a, *b;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, NULL, NULL, NULL, &a), 0);
  cr_assert_eq(tr_udp_server_start(a), 0);
  tr_udp_endpoint ep;
  tr_udp_server_local_endpoint(a, &ep);
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", tr_udp_endpoint_port(&ep), NULL, NULL, NULL, &b), 0);
  cr_assert_eq(tr_udp_server_start(b), UV_EADDRINUSE);
  cr_assert_not(tr_udp_server_is_started(b));
  tr_udp_server_free(b);
  tr_udp_server_free(a);
  tr_udp_client_free(c);
  tr_runtime_free(rt);
}

/* A caller's buffer travels by reference and is released after the send;
 * a client bound to a chosen local port is seen from that port. */
Test(udp_echo, send_buf_and_local_bind, .timeout = 30) {
  echo_fixture f;
  fixture_up(&f, "127.0.0.1", NULL);
  tr_buf *b = tr_buf_copy("by reference", 12);
  tr_buf_retain(b); /* ours, to watch the transport's go */
  cr_assert_eq(tr_udp_client_send_buf(f.client, NULL, b), 0);
  cr_assert_eq(probe_wait(&f.cp, &f.cp.received, 1, 5000), 1);
  uint64_t end = now_ms() + 5000;
  while (tr_buf_refs(b) > 1 && now_ms() < end)
    usleep(1000);
  cr_assert_eq(tr_buf_refs(b), 1, "the transport released its reference");
  tr_buf_release(b);

  int port = closed_udp_port(AF_INET);
  tr_udp_client *c;
  cr_assert_eq(tr_udp_client_new(f.rt, "127.0.0.1", f.port, NULL, NULL, NULL, &c), 0);
  cr_assert_eq(tr_udp_client_set_local(c, "127.0.0.1", port), 0);
  cr_assert_eq(tr_udp_client_connect(c), 0);
  cr_assert_eq(tr_udp_client_set_local(c, "127.0.0.1", port), TR_EBUSY, "only before connect");
  cr_assert_eq(tr_udp_client_send_sync(c, "me", 2), 2);
  cr_assert_eq(probe_wait(&f.sp, &f.sp.received, 2, 5000), 2);
  pthread_mutex_lock(&f.sp.mu);
  cr_assert_eq(tr_udp_endpoint_port(&f.sp.last_from), port);
  pthread_mutex_unlock(&f.sp.mu);
  tr_udp_client_free(c);
  fixture_down(&f);
}

/* Freeing a server from inside its own callback: later datagrams reach
 * nobody, nothing touches freed memory, the runtime stops cleanly. */
static void free_on_first(tr_udp_server *s, const tr_udp_endpoint *from, const void *d, size_t n, void *ctx) {
  probe_record(ctx, from, d, n);
  tr_udp_server_free(s);
}

Test(udp_echo, free_inside_callback, .timeout = 30) {
  tr_runtime *rt = start_runtime(2);
  probe sp;
  probe_init(&sp);
  tr_udp_server_callbacks cb = {.on_received = free_on_first};
  tr_udp_server *s;
  cr_assert_eq(tr_udp_server_new(rt, "127.0.0.1", 0, NULL, &cb, &sp, &s), 0);
  cr_assert_eq(tr_udp_server_start(s), 0);
  tr_udp_endpoint ep;
  tr_udp_server_local_endpoint(s, &ep);
  tr_udp_client *c;
  cr_assert_eq(tr_udp_client_new(rt, "127.0.0.1", tr_udp_endpoint_port(&ep), NULL, NULL, NULL, &c), 0);
  cr_assert_eq(tr_udp_client_connect(c), 0);
  for (int i = 0; i < 20; i++)
    tr_udp_client_send_sync(c, "x", 1);
  cr_assert_eq(probe_wait(&sp, &sp.received, 1, 5000), 1);
  usleep(50000);
  cr_assert_eq(probe_get(&sp, &sp.received), 1, "no callback after free");
  tr_udp_client_free(c);
  tr_runtime_free(rt);
  probe_free(&sp);
}
