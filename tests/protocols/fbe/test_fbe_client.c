/* The client request table: matching replies by id, timeouts, rejects,
 * reset, futures; and the generated simple_client against a server made of
 * the generated receiver and sender, over in-memory pipes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "simple.h"
#include "troupe/error.h"

typedef struct outcome {
  int calls;
  int last_result;
  bool rejected;
  uint32_t type;
  uint32_t length;
  char error[64];
} outcome;

static void record(void *ctx, int result, const tr_fbe_reply *reply) {
  outcome *o = ctx;
  o->calls++;
  o->last_result = result;
  if (reply) {
    o->rejected = reply->rejected;
    o->type = reply->type;
    if (reply->type == simple_SimpleResponse_TYPE)
      o->length = ((const simple_SimpleResponse *)reply->message)->Length;
    if (reply->type == simple_SimpleReject_TYPE)
      snprintf(o->error, sizeof o->error, "%s", tr_fbe_string_cstr(&((const simple_SimpleReject *)reply->message)->Error));
  }
}

static tr_fbe_uuid id_of(unsigned n) {
  tr_fbe_uuid u = {{0}};
  memcpy(u.bytes, &n, sizeof n);
  u.bytes[15] = 0x5a;
  return u;
}

static tr_fbe_reply *fake_reply(void) {
  tr_fbe_reply *r = calloc(1, sizeof *r);
  r->type = 77; /* no message: record() only reads known types */
  return r;
}

Test(fbe_client, table_basics, .timeout = 10) {
  tr_fbe_client c;
  tr_fbe_client_init(&c, 0);
  outcome o = {0};
  tr_fbe_uuid a = id_of(1), b = id_of(2);
  cr_assert_eq(tr_fbe_client_add(&c, &a, 0, 0, record, &o, NULL), 0);
  cr_assert_eq(tr_fbe_client_add(&c, &a, 0, 0, record, &o, NULL), TR_EBUSY);
  cr_assert_eq(tr_fbe_client_add(&c, &b, 0, 0, record, &o, NULL), 0);
  cr_assert_eq(tr_fbe_client_pending(&c), 2);
  cr_assert(tr_fbe_client_has(&c, &a));
  cr_assert_eq(tr_fbe_client_next_deadline(&c), UINT64_MAX, "no default timeout: never");
  cr_assert_eq(tr_fbe_client_complete(&c, &a, fake_reply()), 0);
  cr_assert_eq(o.calls, 1);
  cr_assert_eq(o.last_result, 0);
  cr_assert_eq(o.type, 77);
  cr_assert_eq(tr_fbe_client_complete(&c, &a, fake_reply()), TR_ENOTFOUND, "a reply is used once");
  cr_assert_eq(o.calls, 1);
  cr_assert_eq(tr_fbe_client_remove(&c, &b), 0);
  cr_assert_eq(tr_fbe_client_remove(&c, &b), TR_ENOTFOUND);
  cr_assert_eq(tr_fbe_client_pending(&c), 0);
  cr_assert_eq(o.calls, 1, "remove does not call back");
  tr_fbe_client_free(&c);
}

Test(fbe_client, timeouts_by_tick, .timeout = 10) {
  tr_fbe_client c;
  tr_fbe_client_init(&c, 30);
  outcome o1 = {0}, o2 = {0}, o3 = {0}, o4 = {0};
  tr_fbe_uuid a = id_of(1), b = id_of(2), d = id_of(3), e = id_of(4);
  cr_assert_eq(tr_fbe_client_add(&c, &a, 1000, 10, record, &o1, NULL), 0);
  cr_assert_eq(tr_fbe_client_add(&c, &b, 1000, 20, record, &o2, NULL), 0);
  cr_assert_eq(tr_fbe_client_add(&c, &d, 1000, UINT64_MAX, record, &o3, NULL), 0);
  cr_assert_eq(tr_fbe_client_add(&c, &e, 1000, 0, record, &o4, NULL), 0, "default: 30 ms");
  cr_assert_eq(tr_fbe_client_next_deadline(&c), 1010);
  cr_assert_eq(tr_fbe_client_tick(&c, 1009), 0);
  cr_assert_eq(tr_fbe_client_tick(&c, 1010), 1);
  cr_assert_eq(o1.calls, 1);
  cr_assert_eq(o1.last_result, TR_ETIMEDOUT);
  cr_assert_eq(tr_fbe_client_next_deadline(&c), 1020);
  cr_assert_eq(tr_fbe_client_tick(&c, 1025), 1);
  cr_assert_eq(o2.last_result, TR_ETIMEDOUT);
  cr_assert_eq(tr_fbe_client_tick(&c, 1000000), 1);
  cr_assert_eq(o4.last_result, TR_ETIMEDOUT);
  cr_assert_eq(o3.calls, 0, "UINT64_MAX never times out");
  cr_assert_eq(tr_fbe_client_complete(&c, &a, fake_reply()), TR_ENOTFOUND, "late reply to a timed-out request");
  cr_assert_eq(tr_fbe_client_reset(&c), 1);
  cr_assert_eq(o3.calls, 1);
  cr_assert_eq(o3.last_result, TR_ECANCELED);
  tr_fbe_client_free(&c);
}

typedef struct readd {
  tr_fbe_client *c;
  int calls;
  unsigned next;
} readd;

static void add_more(void *ctx, int result, const tr_fbe_reply *reply) {
  readd *r = ctx;
  r->calls++;
  /* Adding from a callback may grow the table under the caller's scan. */
  if (r->next < 200) {
    tr_fbe_uuid u = id_of(10000 + r->next++);
    tr_fbe_client_add(r->c, &u, 0, 5, add_more, r, NULL);
  }
}

Test(fbe_client, callbacks_may_add_requests, .timeout = 10) {
  tr_fbe_client c;
  tr_fbe_client_init(&c, 0);
  readd r = {.c = &c};
  for (unsigned i = 0; i < 20; i++) {
    tr_fbe_uuid u = id_of(i);
    cr_assert_eq(tr_fbe_client_add(&c, &u, 0, 5, add_more, &r, NULL), 0);
  }
  size_t timed_out = 0;
  for (int round = 0; round < 100 && tr_fbe_client_pending(&c); round++)
    timed_out += tr_fbe_client_tick(&c, 1000);
  cr_assert_eq(timed_out, 220);
  cr_assert_eq(r.calls, 220);
  tr_fbe_client_free(&c);
}

Test(fbe_client, many_pending_in_any_order, .timeout = 20) {
  tr_fbe_client c;
  tr_fbe_client_init(&c, 0);
  outcome o = {0};
  enum { N = 5000 };
  for (unsigned i = 0; i < N; i++) {
    tr_fbe_uuid u = id_of(i);
    cr_assert_eq(tr_fbe_client_add(&c, &u, 0, 0, record, &o, NULL), 0);
  }
  for (unsigned i = N; i-- > 0;) {
    tr_fbe_uuid u = id_of(i);
    cr_assert_eq(tr_fbe_client_complete(&c, &u, fake_reply()), 0, "id %u", i);
    /* Keep the table churning: tombstones get reused. */
    if (i % 7 == 0) {
      tr_fbe_uuid n = id_of(N + i);
      cr_assert_eq(tr_fbe_client_add(&c, &n, 0, 0, record, &o, NULL), 0);
    }
  }
  cr_assert_eq(o.calls, N);
  cr_assert_eq(tr_fbe_client_pending(&c), (N + 6) / 7);
  cr_assert_eq(tr_fbe_client_reset(&c), (N + 6) / 7);
  tr_fbe_client_free(&c);
}

/* ---- simple_client against a simple server, over in-memory pipes ------ */

typedef struct pipe_buf {
  tr_fbe_buffer bytes;
  int fail;
} pipe_buf;

static int pipe_sink(void *ctx, const void *data, size_t size) {
  pipe_buf *p = ctx;
  return p->fail ? p->fail : tr_fbe_buffer_append(&p->bytes, data, size);
}

typedef struct server {
  simple_receiver rx;
  tr_fbe_sender tx;
  int requests;
} server;

static uint32_t hash32(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

/* CppServer's simple protocol server: reject an empty message, answer
 * with the length and a hash otherwise. */
static int serve_request(void *ctx, const simple_SimpleRequest *m) {
  server *s = ctx;
  s->requests++;
  if (m->Message.size == 0) {
    simple_SimpleReject r = {.id = m->id};
    tr_fbe_string_set_cstr(&r.Error, "Request message is empty!");
    int rc = simple_send_SimpleReject(&s->tx, &r);
    simple_SimpleReject_free(&r);
    return rc < 0 ? rc : 0;
  }
  simple_SimpleResponse r = {.id = m->id, .Length = (uint32_t)m->Message.size,
                             .Hash = hash32(m->Message.data, m->Message.size)};
  int rc = simple_send_SimpleResponse(&s->tx, &r);
  return rc < 0 ? rc : 0;
}

static const simple_handlers server_handlers = {.on_SimpleRequest = serve_request};

typedef struct client_seen {
  int notifies;
  int unsolicited;
} client_seen;

static int client_notify(void *ctx, const simple_SimpleNotify *m) {
  ((client_seen *)ctx)->notifies++;
  return 0;
}
static int client_response(void *ctx, const simple_SimpleResponse *m) {
  ((client_seen *)ctx)->unsolicited++;
  return 0;
}

static const simple_handlers client_handlers = {
  .on_SimpleNotify = client_notify,
  .on_SimpleResponse = client_response,
};

typedef struct rig {
  pipe_buf to_server, to_client;
  server srv;
  simple_client cli;
  client_seen seen;
} rig;

static void rig_init(rig *r) {
  memset(r, 0, sizeof *r);
  tr_fbe_buffer_init(&r->to_server.bytes);
  tr_fbe_buffer_init(&r->to_client.bytes);
  simple_receiver_init(&r->srv.rx, 0, &server_handlers, &r->srv);
  tr_fbe_sender_init(&r->srv.tx, pipe_sink, &r->to_client);
  simple_client_init(&r->cli, pipe_sink, &r->to_server, &client_handlers, &r->seen, 0, 0);
}

/* Moves bytes both ways, in odd-sized pieces, until both pipes are empty. */
static void rig_pump(rig *r) {
  for (int guard = 0; guard < 1000 && (r->to_server.bytes.size || r->to_client.bytes.size); guard++) {
    tr_fbe_buffer in = r->to_server.bytes;
    tr_fbe_buffer_init(&r->to_server.bytes);
    for (size_t off = 0; off < in.size; off += 13)
      cr_assert_eq(simple_receiver_feed(&r->srv.rx, in.data + off, in.size - off < 13 ? in.size - off : 13), 0);
    tr_fbe_buffer_free(&in);
    in = r->to_client.bytes;
    tr_fbe_buffer_init(&r->to_client.bytes);
    for (size_t off = 0; off < in.size; off += 29)
      cr_assert_eq(simple_client_feed(&r->cli, in.data + off, in.size - off < 29 ? in.size - off : 29), 0);
    tr_fbe_buffer_free(&in);
  }
}

static void rig_free(rig *r) {
  simple_client_free(&r->cli);
  simple_receiver_free(&r->srv.rx);
  tr_fbe_sender_free(&r->srv.tx);
  tr_fbe_buffer_free(&r->to_server.bytes);
  tr_fbe_buffer_free(&r->to_client.bytes);
}

static int request(rig *r, const char *text, uint64_t timeout_ms, outcome *o, tr_future **f) {
  simple_SimpleRequest m;
  simple_SimpleRequest_init(&m);
  tr_fbe_uuid_nil(&m.id); /* the client assigns one */
  tr_fbe_string_set_cstr(&m.Message, text);
  int rc = simple_client_request_SimpleRequest(&r->cli, &m, timeout_ms, o ? record : NULL, o, f);
  if (rc == 0)
    cr_assert_not(tr_fbe_uuid_is_nil(&m.id));
  simple_SimpleRequest_free(&m);
  return rc;
}

Test(fbe_client, response_and_reject, .timeout = 10) {
  rig r;
  rig_init(&r);
  outcome ok = {0}, no = {0};
  cr_assert_eq(request(&r, "hello", 0, &ok, NULL), 0);
  cr_assert_eq(request(&r, "", 0, &no, NULL), 0);
  cr_assert_eq(tr_fbe_client_pending(&r.cli.table), 2);
  rig_pump(&r);
  cr_assert_eq(r.srv.requests, 2);
  cr_assert_eq(ok.calls, 1);
  cr_assert_eq(ok.last_result, 0);
  cr_assert_not(ok.rejected);
  cr_assert_eq(ok.type, simple_SimpleResponse_TYPE);
  cr_assert_eq(ok.length, 5);
  cr_assert_eq(no.calls, 1);
  cr_assert(no.rejected);
  cr_assert_eq(no.type, simple_SimpleReject_TYPE);
  cr_assert_str_eq(no.error, "Request message is empty!");
  cr_assert_eq(tr_fbe_client_pending(&r.cli.table), 0);
  cr_assert_eq(r.seen.unsolicited, 0);
  rig_free(&r);
}

Test(fbe_client, future_completes_with_the_reply, .timeout = 10) {
  rig r;
  rig_init(&r);
  tr_future *f = NULL;
  cr_assert_eq(request(&r, "future", 0, NULL, &f), 0);
  cr_assert_not_null(f);
  cr_assert_not(tr_future_is_done(f));
  rig_pump(&r);
  cr_assert(tr_future_is_done(f));
  void *value = NULL;
  cr_assert_eq(tr_future_wait(f, 1000, &value), 0);
  tr_fbe_reply *reply = value;
  cr_assert_not_null(reply);
  cr_assert_eq(reply->type, simple_SimpleResponse_TYPE);
  const simple_SimpleResponse *resp = reply->message;
  cr_assert_eq(resp->Length, 6);
  cr_assert_eq(resp->Hash, hash32("future", 6));
  tr_fbe_reply_free(reply);
  tr_future_release(f);
  rig_free(&r);
}

Test(fbe_client, timeout_then_late_reply, .timeout = 10) {
  rig r;
  rig_init(&r);
  outcome o = {0};
  tr_future *f = NULL;
  cr_assert_eq(request(&r, "slow", 50, &o, &f), 0);
  cr_assert_eq(simple_client_tick(&r.cli, tr_fbe_now_ms()), 0, "not yet");
  cr_assert_eq(simple_client_tick(&r.cli, tr_fbe_now_ms() + 100), 1);
  cr_assert_eq(o.calls, 1);
  cr_assert_eq(o.last_result, TR_ETIMEDOUT);
  void *value = (void *)1;
  cr_assert_eq(tr_future_wait(f, 0, &value), TR_ETIMEDOUT);
  cr_assert_null(value);
  tr_future_release(f);
  /* The server answers anyway: the reply goes to the handlers. */
  rig_pump(&r);
  cr_assert_eq(r.seen.unsolicited, 1);
  cr_assert_eq(o.calls, 1);
  rig_free(&r);
}

Test(fbe_client, reset_cancels_everything, .timeout = 10) {
  rig r;
  rig_init(&r);
  outcome o[10] = {0};
  tr_future *f = NULL;
  for (int i = 0; i < 10; i++)
    cr_assert_eq(request(&r, "pending", 0, &o[i], i == 3 ? &f : NULL), 0);
  cr_assert_eq(simple_client_reset(&r.cli), 10);
  for (int i = 0; i < 10; i++) {
    cr_assert_eq(o[i].calls, 1);
    cr_assert_eq(o[i].last_result, TR_ECANCELED);
  }
  cr_assert_eq(tr_future_wait(f, 0, NULL), TR_ECANCELED);
  tr_future_release(f);
  rig_free(&r);
}

Test(fbe_client, many_in_flight_and_notifications, .timeout = 20) {
  rig r;
  rig_init(&r);
  enum { N = 1000 };
  outcome *o = calloc(N, sizeof *o);
  for (int i = 0; i < N; i++) {
    char text[32];
    snprintf(text, sizeof text, "message %d", i);
    cr_assert_eq(request(&r, text, 0, &o[i], NULL), 0);
  }
  simple_SimpleNotify n = {0};
  tr_fbe_string_set_cstr(&n.Notification, "server says hi");
  cr_assert_gt(simple_send_SimpleNotify(&r.srv.tx, &n), 0);
  simple_SimpleNotify_free(&n);
  rig_pump(&r);
  for (int i = 0; i < N; i++) {
    char text[32];
    int len = snprintf(text, sizeof text, "message %d", i);
    cr_assert_eq(o[i].calls, 1);
    cr_assert_eq(o[i].length, (uint32_t)len);
  }
  cr_assert_eq(r.seen.notifies, 1);
  free(o);
  rig_free(&r);
}

Test(fbe_client, failed_send_leaves_nothing_pending, .timeout = 10) {
  rig r;
  rig_init(&r);
  r.to_server.fail = TR_ECLOSED;
  outcome o = {0};
  tr_future *f = (tr_future *)1;
  cr_assert_eq(request(&r, "lost", 0, &o, &f), TR_ECLOSED);
  cr_assert_null(f);
  cr_assert_eq(tr_fbe_client_pending(&r.cli.table), 0);
  cr_assert_eq(o.calls, 0);
  rig_free(&r);
}

Test(fbe_client, malformed_reply_closes, .timeout = 10) {
  rig r;
  rig_init(&r);
  outcome o = {0};
  cr_assert_eq(request(&r, "x", 0, &o, NULL), 0);
  simple_SimpleResponse resp = {0};
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  simple_SimpleResponse_encode(&resp, &b);
  tr_fbe_store_u32(b.data + 8, 1000); /* struct_size past the frame */
  cr_assert_eq(simple_client_feed(&r.cli, b.data, b.size), TR_EPROTO);
  cr_assert_not_null(tr_fbe_receiver_reason(&r.cli.receiver.rx));
  cr_assert_eq(o.calls, 0);
  tr_fbe_buffer_free(&b);
  rig_free(&r);
  cr_assert_eq(o.calls, 1, "freeing the client cancels what was pending");
  cr_assert_eq(o.last_result, TR_ECANCELED);
}

/* ---- synchronous loopback: sinks deliver straight into the peer -------- */

typedef struct loop {
  server srv;
  simple_client cli;
  client_seen seen;
  int replies;
} loop;

static int to_server_now(void *ctx, const void *data, size_t size) {
  loop *l = ctx;
  return simple_receiver_feed(&l->srv.rx, data, size);
}

static int to_client_now(void *ctx, const void *data, size_t size) {
  loop *l = ctx;
  return simple_client_feed(&l->cli, data, size);
}

static void chain(void *ctx, int result, const tr_fbe_reply *reply) {
  loop *l = ctx;
  cr_assert_eq(result, 0);
  l->replies++;
  if (l->replies < 100) {
    /* A request sent from inside the reply, itself inside the first
     * request's send: the sender is busy and must not lose either frame. */
    simple_SimpleRequest m;
    simple_SimpleRequest_init(&m);
    tr_fbe_string_set_cstr(&m.Message, "again and again");
    cr_assert_eq(simple_client_request_SimpleRequest(&l->cli, &m, 0, chain, l, NULL), 0);
    simple_SimpleRequest_free(&m);
  }
}

Test(fbe_client, synchronous_loopback_nests_sends, .timeout = 10) {
  loop *l = calloc(1, sizeof *l);
  simple_receiver_init(&l->srv.rx, 0, &server_handlers, &l->srv);
  tr_fbe_sender_init(&l->srv.tx, to_client_now, l);
  simple_client_init(&l->cli, to_server_now, l, &client_handlers, &l->seen, 0, 0);
  simple_SimpleRequest m;
  simple_SimpleRequest_init(&m);
  tr_fbe_string_set_cstr(&m.Message, "first");
  cr_assert_eq(simple_client_request_SimpleRequest(&l->cli, &m, 0, chain, l, NULL), 0);
  simple_SimpleRequest_free(&m);
  cr_assert_eq(l->replies, 100);
  cr_assert_eq(l->srv.requests, 100);
  cr_assert_eq(tr_fbe_client_pending(&l->cli.table), 0);
  cr_assert_eq(l->cli.sender.frames, 100);
  simple_client_free(&l->cli);
  simple_receiver_free(&l->srv.rx);
  tr_fbe_sender_free(&l->srv.tx);
  free(l);
}
