/* Stream reassembly (splits at every offset, coalesced frames, bad sizes),
 * typed dispatch and the sender's sink. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "simple.h"
#include "troupe/error.h"

#define FRAMES 40

typedef struct seen {
  int requests, responses, notifies, disconnects;
  size_t message_bytes;
  uint32_t hash_sum;
  int stop_at; /* a handler error after this many requests (0: never) */
} seen;

static int on_request(void *ctx, const simple_SimpleRequest *m) {
  seen *s = ctx;
  s->requests++;
  s->message_bytes += m->Message.size;
  if (s->stop_at && s->requests == s->stop_at)
    return TR_ECANCELED;
  return 0;
}
static int on_response(void *ctx, const simple_SimpleResponse *m) {
  seen *s = ctx;
  s->responses++;
  s->hash_sum += m->Hash;
  return 0;
}
static int on_notify(void *ctx, const simple_SimpleNotify *m) {
  ((seen *)ctx)->notifies++;
  return 0;
}
static int on_disconnect(void *ctx, const simple_DisconnectRequest *m) {
  ((seen *)ctx)->disconnects++;
  return 0;
}

static const simple_handlers handlers = {
  .on_SimpleRequest = on_request,
  .on_SimpleResponse = on_response,
  .on_SimpleNotify = on_notify,
  .on_DisconnectRequest = on_disconnect,
};

/* A stream of FRAMES frames of every kind and growing sizes. */
static void build_stream(tr_fbe_buffer *b, seen *want) {
  memset(want, 0, sizeof *want);
  for (int i = 0; i < FRAMES; i++) {
    switch (i % 4) {
    case 0: {
      simple_SimpleRequest r;
      simple_SimpleRequest_init(&r);
      char text[200];
      memset(text, 'a' + i % 26, sizeof text);
      tr_fbe_string_set(&r.Message, text, (size_t)(i * 5) % sizeof text);
      want->requests++;
      want->message_bytes += r.Message.size;
      cr_assert_gt(simple_SimpleRequest_encode(&r, b), 0);
      simple_SimpleRequest_free(&r);
      break;
    }
    case 1: {
      simple_SimpleResponse r = {.Length = (uint32_t)i, .Hash = (uint32_t)i * 7u};
      want->responses++;
      want->hash_sum += r.Hash;
      cr_assert_gt(simple_SimpleResponse_encode(&r, b), 0);
      break;
    }
    case 2: {
      simple_SimpleNotify n = {0};
      tr_fbe_string_set_cstr(&n.Notification, "notice");
      want->notifies++;
      cr_assert_gt(simple_SimpleNotify_encode(&n, b), 0);
      simple_SimpleNotify_free(&n);
      break;
    }
    default: {
      simple_DisconnectRequest d;
      simple_DisconnectRequest_init(&d);
      want->disconnects++;
      cr_assert_gt(simple_DisconnectRequest_encode(&d, b), 0);
      break;
    }
    }
  }
}

static void expect_seen(const seen *got, const seen *want) {
  cr_assert_eq(got->requests, want->requests);
  cr_assert_eq(got->responses, want->responses);
  cr_assert_eq(got->notifies, want->notifies);
  cr_assert_eq(got->disconnects, want->disconnects);
  cr_assert_eq(got->message_bytes, want->message_bytes);
  cr_assert_eq(got->hash_sum, want->hash_sum);
}

Test(fbe_receiver, coalesced_in_one_feed, .timeout = 10) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  seen want, got = {0};
  build_stream(&b, &want);
  simple_receiver r;
  simple_receiver_init(&r, 0, &handlers, &got);
  cr_assert_eq(simple_receiver_feed(&r, b.data, b.size), 0);
  expect_seen(&got, &want);
  cr_assert_eq(tr_fbe_receiver_pending(&r.rx), 0);
  simple_receiver_free(&r);
  tr_fbe_buffer_free(&b);
}

Test(fbe_receiver, split_at_every_offset, .timeout = 60) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  seen want;
  build_stream(&b, &want);
  for (size_t cut = 0; cut <= b.size; cut++) {
    seen got = {0};
    simple_receiver r;
    simple_receiver_init(&r, 0, &handlers, &got);
    cr_assert_eq(simple_receiver_feed(&r, b.data, cut), 0);
    cr_assert_eq(simple_receiver_feed(&r, b.data + cut, b.size - cut), 0);
    expect_seen(&got, &want);
    simple_receiver_free(&r);
  }
  tr_fbe_buffer_free(&b);
}

Test(fbe_receiver, three_pieces_and_single_bytes, .timeout = 60) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  seen want;
  build_stream(&b, &want);
  /* Two cuts, bounded: every first cut in the first 64 bytes against every
   * second cut. */
  for (size_t c1 = 0; c1 < 64; c1++) {
    for (size_t c2 = c1; c2 <= b.size; c2 += 7) {
      seen got = {0};
      simple_receiver r;
      simple_receiver_init(&r, 0, &handlers, &got);
      cr_assert_eq(simple_receiver_feed(&r, b.data, c1), 0);
      cr_assert_eq(simple_receiver_feed(&r, b.data + c1, c2 - c1), 0);
      cr_assert_eq(simple_receiver_feed(&r, b.data + c2, b.size - c2), 0);
      expect_seen(&got, &want);
      simple_receiver_free(&r);
    }
  }
  seen got = {0};
  simple_receiver r;
  simple_receiver_init(&r, 0, &handlers, &got);
  for (size_t i = 0; i < b.size; i++)
    cr_assert_eq(simple_receiver_feed(&r, b.data + i, 1), 0);
  expect_seen(&got, &want);
  simple_receiver_free(&r);
  tr_fbe_buffer_free(&b);
}

static int count_frames(void *ctx, const uint8_t *frame, size_t size) {
  (*(int *)ctx)++;
  return 0;
}

Test(fbe_receiver, frame_too_small_stops_the_receiver, .timeout = 10) {
  int frames = 0;
  tr_fbe_receiver rx;
  tr_fbe_receiver_init(&rx, 0, count_frames, &frames);
  uint8_t bad[4] = {15, 0, 0, 0};
  cr_assert_eq(tr_fbe_receiver_feed(&rx, bad, 2), 0, "too early to tell");
  cr_assert_eq(tr_fbe_receiver_feed(&rx, bad + 2, 2), TR_EPROTO);
  cr_assert(strstr(tr_fbe_receiver_reason(&rx), "minimum"), "%s", tr_fbe_receiver_reason(&rx));
  /* Sticky: good input is refused too. */
  simple_SimpleNotify n = {0};
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  simple_SimpleNotify_encode(&n, &b);
  cr_assert_eq(tr_fbe_receiver_feed(&rx, b.data, b.size), TR_EPROTO);
  cr_assert_eq(frames, 0);
  tr_fbe_receiver_reset(&rx);
  cr_assert_eq(tr_fbe_receiver_feed(&rx, b.data, b.size), 0);
  cr_assert_eq(frames, 1);
  cr_assert_null(tr_fbe_receiver_reason(&rx));
  tr_fbe_receiver_free(&rx);
  tr_fbe_buffer_free(&b);
}

Test(fbe_receiver, frame_over_the_limit, .timeout = 10) {
  int frames = 0;
  tr_fbe_receiver rx;
  tr_fbe_receiver_init(&rx, 64, count_frames, &frames);
  uint8_t hdr[4];
  tr_fbe_store_u32(hdr, 65);
  cr_assert_eq(tr_fbe_receiver_feed(&rx, hdr, 4), TR_EPROTO);
  cr_assert(strstr(tr_fbe_receiver_reason(&rx), "limit"));
  cr_assert_eq(tr_fbe_receiver_pending(&rx), 0, "nothing buffered for a refused frame");
  tr_fbe_receiver_free(&rx);

  /* A 4 GiB claim with the default limit: refused before any allocation. */
  tr_fbe_receiver_init(&rx, 0, count_frames, &frames);
  tr_fbe_store_u32(hdr, UINT32_MAX);
  cr_assert_eq(tr_fbe_receiver_feed(&rx, hdr, 4), TR_EPROTO);
  tr_fbe_receiver_free(&rx);

  /* Exactly at the limit is fine. */
  tr_fbe_receiver_init(&rx, 64, count_frames, &frames);
  uint8_t frame[64] = {0};
  tr_fbe_store_u32(frame, 64);
  cr_assert_eq(tr_fbe_receiver_feed(&rx, frame, 64), 0);
  cr_assert_eq(frames, 1);
  tr_fbe_receiver_free(&rx);
}

Test(fbe_receiver, handler_error_stops_midway, .timeout = 10) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  seen want, got = {.stop_at = 3};
  build_stream(&b, &want);
  simple_receiver r;
  simple_receiver_init(&r, 0, &handlers, &got);
  cr_assert_eq(simple_receiver_feed(&r, b.data, b.size), TR_ECANCELED);
  cr_assert_eq(got.requests, 3, "no frame after the failing one");
  cr_assert_eq(simple_receiver_feed(&r, b.data, b.size), TR_ECANCELED);
  cr_assert_eq(got.requests, 3);
  simple_receiver_free(&r);
  tr_fbe_buffer_free(&b);
}

static int unknown_ok(void *ctx, uint32_t type, const uint8_t *frame, size_t size) {
  *(uint32_t *)ctx = type;
  return 0;
}

Test(fbe_receiver, unknown_and_malformed_frames, .timeout = 10) {
  simple_SimpleNotify n = {0};
  tr_fbe_string_set_cstr(&n.Notification, "x");
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  simple_SimpleNotify_encode(&n, &b);
  tr_fbe_store_u32(b.data + 12, 99); /* type nobody knows */

  seen got = {0};
  simple_receiver r;
  simple_receiver_init(&r, 0, &handlers, &got);
  cr_assert_eq(simple_receiver_feed(&r, b.data, b.size), TR_EPROTO);
  cr_assert(strstr(tr_fbe_receiver_reason(&r.rx), "type 99"), "%s", tr_fbe_receiver_reason(&r.rx));
  simple_receiver_free(&r);

  uint32_t type = 0;
  simple_handlers h = handlers;
  h.on_unknown = unknown_ok;
  simple_receiver_init(&r, 0, &h, &type);
  cr_assert_eq(simple_receiver_feed(&r, b.data, b.size), 0);
  cr_assert_eq(type, 99);
  simple_receiver_free(&r);

  /* A known type with a string pointing past the frame. */
  tr_fbe_store_u32(b.data + 12, simple_SimpleNotify_TYPE);
  tr_fbe_store_u32(b.data + 16, 1000);
  simple_receiver_init(&r, 0, &handlers, &got);
  cr_assert_eq(simple_receiver_feed(&r, b.data, b.size), TR_EPROTO);
  cr_assert_eq(got.notifies, 0);
  simple_receiver_free(&r);
  simple_SimpleNotify_free(&n);
  tr_fbe_buffer_free(&b);
}

typedef struct sink_state {
  tr_fbe_buffer out;
  int calls;
  int fail;
} sink_state;

static int collect(void *ctx, const void *data, size_t size) {
  sink_state *s = ctx;
  s->calls++;
  if (s->fail)
    return s->fail;
  return tr_fbe_buffer_append(&s->out, data, size);
}

Test(fbe_receiver, sender_to_receiver, .timeout = 10) {
  sink_state st = {0};
  tr_fbe_buffer_init(&st.out);
  tr_fbe_sender s;
  tr_fbe_sender_init(&s, collect, &st);
  seen want = {0};
  for (int i = 0; i < 100; i++) {
    simple_SimpleResponse r = {.Hash = (uint32_t)i};
    cr_assert_eq(simple_send_SimpleResponse(&s, &r), 40);
    want.responses++;
    want.hash_sum += (uint32_t)i;
  }
  cr_assert_eq(st.calls, 100);
  cr_assert_eq(s.frames, 100);
  cr_assert_eq(s.bytes, 4000);
  seen got = {0};
  simple_receiver r;
  simple_receiver_init(&r, 0, &handlers, &got);
  cr_assert_eq(simple_receiver_feed(&r, st.out.data, st.out.size), 0);
  expect_seen(&got, &want);

  st.fail = TR_ECLOSED;
  simple_SimpleNotify n = {0};
  cr_assert_eq(simple_send_SimpleNotify(&s, &n), TR_ECLOSED, "the sink's error comes back");
  simple_receiver_free(&r);
  tr_fbe_sender_free(&s);
  tr_fbe_buffer_free(&st.out);
}

typedef struct reenter {
  tr_fbe_receiver rx;
  tr_fbe_buffer extra; /* fed from inside the first frame's callback */
  uint32_t order[8];
  int n;
} reenter;

static int feed_from_inside(void *ctx, const uint8_t *frame, size_t size) {
  reenter *r = ctx;
  uint32_t type = 0;
  cr_assert_eq(tr_fbe_frame_type(frame, size, &type), 0);
  uint8_t copy[64];
  memcpy(copy, frame, size < sizeof copy ? size : sizeof copy);
  r->order[r->n++] = type;
  if (r->n == 1) {
    /* A loopback peer answering at once, in two pieces. */
    cr_assert_eq(tr_fbe_receiver_feed(&r->rx, r->extra.data, 5), 0);
    cr_assert_eq(tr_fbe_receiver_feed(&r->rx, r->extra.data + 5, r->extra.size - 5), 0);
  }
  /* The frame we were given is still intact after the nested feeds. */
  cr_assert_eq(memcmp(copy, frame, size < sizeof copy ? size : sizeof copy), 0);
  return 0;
}

Test(fbe_receiver, feed_from_inside_a_handler, .timeout = 10) {
  reenter r = {0};
  tr_fbe_buffer_init(&r.extra);
  simple_DisconnectRequest d;
  simple_DisconnectRequest_init(&d);
  cr_assert_gt(simple_DisconnectRequest_encode(&d, &r.extra), 0);
  tr_fbe_buffer in;
  tr_fbe_buffer_init(&in);
  simple_SimpleResponse a = {0};
  simple_SimpleNotify n = {0};
  simple_SimpleResponse_encode(&a, &in);
  simple_SimpleNotify_encode(&n, &in);
  tr_fbe_receiver_init(&r.rx, 0, feed_from_inside, &r);
  /* The first frame arrives cut, so it is delivered from the pending buffer. */
  cr_assert_eq(tr_fbe_receiver_feed(&r.rx, in.data, 10), 0);
  cr_assert_eq(tr_fbe_receiver_feed(&r.rx, in.data + 10, in.size - 10), 0);
  cr_assert_eq(r.n, 3);
  cr_assert_eq(r.order[0], simple_SimpleResponse_TYPE);
  cr_assert_eq(r.order[1], simple_SimpleNotify_TYPE, "bytes already received come first");
  cr_assert_eq(r.order[2], simple_DisconnectRequest_TYPE);
  tr_fbe_receiver_free(&r.rx);
  tr_fbe_buffer_free(&in);
  tr_fbe_buffer_free(&r.extra);
}
