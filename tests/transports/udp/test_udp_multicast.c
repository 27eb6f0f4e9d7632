/* Multicast with several clients on one host, inside a private network
 * namespace that each test makes for itself (criterion forks per test, so
 * the namespace dies with the test process). Nothing leaves the machine. */
#include <criterion/criterion.h>

#include "udp_test.h"

#define CLIENTS 3

static int netns_rc = 1;

static void enter_netns(void) { netns_rc = netns_enter(); }

static void need_netns(void) {
  if (netns_rc != 0)
    cr_skip_test("no private network namespace here (%s); multicast tests need one", strerror(-netns_rc));
}

typedef struct mc_fixture {
  tr_runtime *rt;
  tr_udp_server *server;
  tr_udp_client *clients[CLIENTS];
  probe probes[CLIENTS];
} mc_fixture;

static void mc_up(mc_fixture *f, const char *any, const char *group, int port) {
  memset(f, 0, sizeof(*f));
  f->rt = start_runtime(2);
  cr_assert_not_null(f->rt);
  cr_assert_eq(tr_udp_server_new(f->rt, any, 0, NULL, NULL, NULL, &f->server), 0);
  cr_assert_eq(tr_udp_server_start_multicast(f->server, group, port), 0);
  for (int i = 0; i < CLIENTS; i++) {
    probe_init(&f->probes[i]);
    /* Like CppServer's multicast client: the endpoint is the listen address
     * and the group's port. */
    cr_assert_eq(tr_udp_client_new(f->rt, any, port, NULL, &probe_client_cb, &f->probes[i], &f->clients[i]), 0);
    cr_assert_eq(tr_udp_client_setup_multicast(f->clients[i], 1), 0);
    cr_assert_eq(tr_udp_client_connect(f->clients[i]), 0, "client %d binds the shared port", i);
    cr_assert_eq(tr_udp_client_join_group(f->clients[i], group, NULL), 0);
  }
}

static void mc_down(mc_fixture *f) {
  for (int i = 0; i < CLIENTS; i++) {
    tr_udp_client_free(f->clients[i]);
    probe_free(&f->probes[i]);
  }
  tr_udp_server_free(f->server);
  tr_runtime_free(f->rt);
}

static void multicast_and_check(mc_fixture *f, const char *msg, int expect[CLIENTS]) {
  int before[CLIENTS];
  for (int i = 0; i < CLIENTS; i++)
    before[i] = probe_get(&f->probes[i], &f->probes[i].received);
  cr_assert_eq(tr_udp_server_multicast_sync(f->server, msg, strlen(msg)), (int)strlen(msg));
  for (int i = 0; i < CLIENTS; i++) {
    if (expect[i]) {
      cr_assert_eq(probe_wait(&f->probes[i], &f->probes[i].received, before[i] + 1, 5000), before[i] + 1,
                   "client %d got '%s'", i, msg);
      pthread_mutex_lock(&f->probes[i].mu);
      cr_assert_eq(f->probes[i].last_size, strlen(msg));
      cr_assert_arr_eq(f->probes[i].last, msg, strlen(msg));
      pthread_mutex_unlock(&f->probes[i].mu);
    }
  }
  usleep(50000); /* room for a stray or duplicate delivery to show up */
  for (int i = 0; i < CLIENTS; i++)
    cr_assert_eq(probe_get(&f->probes[i], &f->probes[i].received), before[i] + expect[i],
                 "client %d: exactly %d delivery of '%s'", i, expect[i], msg);
}

static void run_group(const char *any, const char *group, int port) {
  mc_fixture f;
  mc_up(&f, any, group, port);
  int all[CLIENTS] = {1, 1, 1};
  multicast_and_check(&f, "first", all);
  multicast_and_check(&f, "second", all);
  /* Leaving stops delivery to that client only. */
  cr_assert_eq(tr_udp_client_leave_group(f.clients[1], group, NULL), 0);
  int two[CLIENTS] = {1, 0, 1};
  multicast_and_check(&f, "after leave", two);
  /* Joining again resumes it. */
  cr_assert_eq(tr_udp_client_join_group(f.clients[1], group, NULL), 0);
  multicast_and_check(&f, "after rejoin", all);
  /* The server restarts and keeps its group. */
  cr_assert_eq(tr_udp_server_restart(f.server), 0);
  multicast_and_check(&f, "after restart", all);
  for (int i = 0; i < CLIENTS; i++)
    cr_assert_eq(probe_get(&f.probes[i], &f.probes[i].errors), 0);
  mc_down(&f);
}

Test(udp_multicast, ipv4_group_join_leave, .init = enter_netns, .timeout = 60) {
  need_netns();
  run_group("0.0.0.0", "239.255.0.1", 3334);
}

Test(udp_multicast, ipv6_group_join_leave, .init = enter_netns, .timeout = 60) {
  need_netns();
  if (netns_add_veth() != 0)
    cr_skip_test("could not add a veth pair in the namespace (needs ip and veth)");
  run_group("::", "ff15::1", 3334);
}

/* Outgoing options reach the socket. Through lo every multicast datagram
 * comes back whatever the loop option says, so this runs on the veth: with
 * loop off members on this host hear nothing, with loop on they do. */
Test(udp_multicast, loop_interface_ttl_options, .init = enter_netns, .timeout = 60) {
  need_netns();
  if (netns_add_veth() != 0)
    cr_skip_test("could not add a veth pair in the namespace (needs ip and veth)");
  tr_runtime *rt = start_runtime(2);
  probe rp;
  probe_init(&rp);
  tr_udp_client *rx, *tx;
  cr_assert_eq(tr_udp_client_new(rt, "0.0.0.0", 3335, NULL, &probe_client_cb, &rp, &rx), 0);
  cr_assert_eq(tr_udp_client_setup_multicast(rx, 1), 0);
  cr_assert_eq(tr_udp_client_connect(rx), 0);
  cr_assert_eq(tr_udp_client_join_group(rx, "239.255.0.2", "10.200.0.1"), 0);
  cr_assert_eq(tr_udp_client_new(rt, "239.255.0.2", 3335, NULL, NULL, NULL, &tx), 0);
  /* Before connect: applied when it connects. */
  cr_assert_eq(tr_udp_client_set_multicast_loop(tx, 0), 0);
  cr_assert_eq(tr_udp_client_set_multicast_interface(tx, "10.200.0.1"), 0);
  cr_assert_eq(tr_udp_client_set_multicast_ttl(tx, 1), 0);
  cr_assert_eq(tr_udp_client_connect(tx), 0);
  cr_assert_eq(tr_udp_client_send_sync(tx, "off", 3), 3);
  usleep(100000);
  cr_assert_eq(probe_get(&rp, &rp.received), 0, "loop off: nobody on this host hears it");
  /* Connected: applied at once. */
  cr_assert_eq(tr_udp_client_set_multicast_loop(tx, 1), 0);
  cr_assert_eq(tr_udp_client_set_multicast_ttl(tx, 4), 0);
  cr_assert_eq(tr_udp_client_send_sync(tx, "on", 2), 2);
  cr_assert_eq(probe_wait(&rp, &rp.received, 1, 5000), 1, "loop on: copied back");
  usleep(50000);
  cr_assert_eq(probe_get(&rp, &rp.received), 1);
  cr_assert_eq(tr_udp_client_set_multicast_ttl(tx, 256), TR_EINVAL);
  cr_assert_eq(tr_udp_client_set_multicast_interface(tx, "192.0.2.1"), UV_EADDRNOTAVAIL, "not our address");
  cr_assert_eq(tr_udp_client_join_group(rx, "127.0.0.1", NULL), UV_EINVAL, "not a group");
  tr_udp_client_free(tx);
  tr_udp_client_free(rx);
  tr_runtime_free(rt);
  probe_free(&rp);
}
