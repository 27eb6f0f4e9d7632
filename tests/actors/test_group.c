/* Broadcast groups: exactly-once delivery under churn, leave, visit. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "troupe/troupe.h"

typedef struct {
  uint32_t count;
  uint64_t last;
  uint32_t bad;
  _Atomic uint64_t *total;
  tr_worker *visited_on;
  uint32_t visits;
} member_state;

static void member_receive(tr_actor *self, void *st, const tr_msg *m) {
  member_state *s = st;
  if (m->u64 <= s->last || !m->buf || tr_buf_len(m->buf) != 4)
    s->bad++;
  s->last = m->u64;
  s->count++;
  if (s->total)
    atomic_fetch_add(s->total, 1);
}
static const tr_behaviour member = {.name = "member", .receive = member_receive};

typedef struct {
  tr_runtime *rt;
  tr_group *g;
  _Atomic int go;
  long cycles;
} churn_arg;

static void *churn(void *p) {
  churn_arg *c = p;
  enum { N = 200 };
  tr_actor *a[N];
  for (int i = 0; i < N; i++)
    cr_assert_eq(tr_actor_spawn(c->rt, &member, &(tr_actor_options){.state_size = sizeof(member_state)}, &a[i]), 0);
  for (int round = 0; round < 2000 && atomic_load(&c->go); round++) {
    for (int i = 0; i < N; i++)
      tr_group_join(c->g, a[i]);
    for (int i = 0; i < N; i++)
      tr_group_leave(c->g, a[i]);
    c->cycles++;
  }
  for (int i = 0; i < N; i++)
    tr_actor_release(a[i]);
  return NULL;
}

Test(group, ten_thousand_members_get_every_broadcast_exactly_once_under_churn, .timeout = 120) {
  enum { MEMBERS = 10000, BROADCASTS = 20 };
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 2, .mailbox_slots = 32}), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  tr_group *g;
  cr_assert_eq(tr_group_new(rt, &g), 0);
  static tr_actor *members[MEMBERS];
  _Atomic uint64_t total = 0;
  member_state init = {.total = &total};
  for (int i = 0; i < MEMBERS; i++) {
    cr_assert_eq(tr_actor_spawn(rt, &member, &(tr_actor_options){.state_size = sizeof init, .state_init = &init}, &members[i]), 0);
    cr_assert_eq(tr_group_join(g, members[i]), 0);
  }
  churn_arg c = {.rt = rt, .g = g, .go = 1};
  pthread_t th;
  pthread_create(&th, NULL, churn, &c);
  tr_buf *payload = tr_buf_copy("ping", 4);
  for (uint64_t seq = 1; seq <= BROADCASTS; seq++) {
    cr_assert_eq(tr_group_broadcast(g, &(tr_msg){.type = 1, .u64 = seq, .buf = tr_buf_retain(payload)}), 0);
    usleep(2000);
  }
  for (int i = 0; i < 20000 && atomic_load(&total) < (uint64_t)MEMBERS * BROADCASTS; i++)
    usleep(1000);
  atomic_store(&c.go, 0);
  pthread_join(th, NULL);
  cr_assert_gt(c.cycles, 0);
  cr_assert_eq(tr_runtime_stop(rt), 0);
  for (int i = 0; i < MEMBERS; i++) {
    member_state *s = tr_actor_state(members[i]);
    cr_assert_eq(s->count, BROADCASTS, "member %d got %u broadcasts", i, s->count);
    cr_assert_eq(s->bad, 0);
  }
  cr_assert_eq(atomic_load(&total), (uint64_t)MEMBERS * BROADCASTS);
  tr_group_free(g);
  for (int i = 0; i < MEMBERS; i++)
    tr_actor_release(members[i]);
  /* Every member's copy released its reference: only ours is left. */
  cr_assert_eq(tr_buf_refs(payload), 1);
  tr_buf_release(payload);
  tr_runtime_free(rt);
}

static void signal_receive(tr_actor *self, void *st, const tr_msg *m) {
  member_receive(self, st, m);
  tr_future_complete(((member_state *)st)->visited_on ? NULL : NULL, 0, NULL);
}

static tr_future *b_got_second;
static void sentinel_receive(tr_actor *self, void *st, const tr_msg *m) {
  member_receive(self, st, m);
  if (m->u64 == 2)
    tr_future_complete(b_got_second, 0, NULL);
}
static const tr_behaviour sentinel = {.receive = sentinel_receive};

static void read_count(tr_actor *self, void *st, void *arg) {
  tr_future_complete(arg, st ? (int)((member_state *)st)->count : -1, NULL);
}

Test(group, leave_stops_delivery, .timeout = 20) {
  (void)signal_receive;
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 1}), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  tr_group *g;
  cr_assert_eq(tr_group_new(rt, &g), 0);
  tr_actor *a, *b;
  cr_assert_eq(tr_actor_spawn(rt, &member, &(tr_actor_options){.state_size = sizeof(member_state)}, &a), 0);
  cr_assert_eq(tr_actor_spawn(rt, &sentinel, &(tr_actor_options){.state_size = sizeof(member_state)}, &b), 0);
  b_got_second = tr_future_new();
  tr_group_join(g, a);
  tr_group_join(g, b);
  tr_buf *p = tr_buf_copy("data", 4);
  cr_assert_eq(tr_group_broadcast(g, &(tr_msg){.type = 1, .u64 = 1, .buf = tr_buf_retain(p)}), 0);
  cr_assert_eq(tr_group_leave(g, a), 0);
  cr_assert_eq(tr_group_broadcast(g, &(tr_msg){.type = 1, .u64 = 2, .buf = tr_buf_retain(p)}), 0);
  cr_assert_eq(tr_future_wait(b_got_second, 5000, NULL), 0);
  tr_future *f = tr_future_new();
  cr_assert_eq(tr_actor_post(a, read_count, f), 0);
  cr_assert_eq(tr_future_wait(f, 5000, NULL), 1, "a left before the second broadcast");
  cr_assert_eq(tr_group_size(g), 1);
  tr_group_free(g);
  tr_actor_release(a);
  tr_actor_release(b);
  tr_runtime_free(rt);
  cr_assert_eq(tr_buf_refs(p), 1);
  tr_buf_release(p);
  tr_future_release(f);
  tr_future_release(b_got_second);
}

static _Atomic int visits;
static void visit(tr_actor *m, void *st, tr_buf *payload, void *ctx) {
  member_state *s = st;
  s->visited_on = tr_worker_current();
  s->visits++;
  cr_assert_eq(tr_buf_len(payload), 4);
  cr_assert_eq(ctx, (void *)&visits);
  atomic_fetch_add(&visits, 1);
}

Test(group, visit_runs_on_each_members_worker_once, .timeout = 30) {
  enum { N = 300 };
  tr_runtime *rt;
  cr_assert_eq(tr_runtime_new(&rt, &(tr_runtime_options){.workers = 2}), 0);
  cr_assert_eq(tr_runtime_start(rt), 0);
  tr_group *g;
  cr_assert_eq(tr_group_new(rt, &g), 0);
  tr_actor *a[N];
  for (int i = 0; i < N; i++) {
    cr_assert_eq(tr_actor_spawn(rt, &member, &(tr_actor_options){.state_size = sizeof(member_state)}, &a[i]), 0);
    cr_assert_eq(tr_group_join(g, a[i]), 0);
  }
  atomic_store(&visits, 0);
  tr_buf *p = tr_buf_copy("data", 4);
  cr_assert_eq(tr_group_visit(g, visit, tr_buf_retain(p), &visits), 0);
  for (int i = 0; i < 5000 && atomic_load(&visits) < N; i++)
    usleep(1000);
  tr_runtime_stop(rt);
  cr_assert_eq(atomic_load(&visits), N);
  for (int i = 0; i < N; i++) {
    member_state *s = tr_actor_state(a[i]);
    cr_assert_eq(s->visits, 1);
    cr_assert_eq(s->visited_on, tr_actor_worker(a[i]));
  }
  /* A stopped member is refused; after stop nothing is delivered. */
  cr_assert_eq(tr_group_join(g, a[0]), TR_ECLOSED);
  tr_group_free(g);
  for (int i = 0; i < N; i++)
    tr_actor_release(a[i]);
  tr_runtime_free(rt);
  cr_assert_eq(tr_buf_refs(p), 1);
  tr_buf_release(p);
}
