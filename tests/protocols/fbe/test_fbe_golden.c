/* The golden vectors for the simple protocol, byte-exact both ways. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fbe_test_util.h"
#include "simple.h"
#include "troupe/error.h"

#define GOLDEN_ID "123e4567-e89b-12d3-a456-426655440000"
#define GOLDEN_REQUEST \
  "2d000000 08000000 1c000000 01000000 123e4567e89b12d3a456426655440000 1c000000 05000000 68656c6c6f"
#define GOLDEN_RESPONSE \
  "28000000 08000000 20000000 02000000 123e4567e89b12d3a456426655440000 05000000 78563412"

static void expect_bytes(const tr_fbe_buffer *b, size_t from, const char *hex) {
  uint8_t want[256];
  size_t n = fbe_test_unhex(hex, want, sizeof want);
  char got_hex[600], want_hex[600];
  fbe_test_hex(b->data + from, b->size - from, got_hex);
  fbe_test_hex(want, n, want_hex);
  cr_assert_str_eq(got_hex, want_hex);
}

Test(fbe_golden, request_encode, .timeout = 10) {
  simple_SimpleRequest r;
  simple_SimpleRequest_init(&r);
  cr_assert_eq(tr_fbe_uuid_parse(&r.id, GOLDEN_ID), 0);
  cr_assert_eq(tr_fbe_string_set_cstr(&r.Message, "hello"), 0);
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_eq(simple_SimpleRequest_encode(&r, &b), 45);
  expect_bytes(&b, 0, GOLDEN_REQUEST);
  simple_SimpleRequest_free(&r);
  tr_fbe_buffer_free(&b);
}

Test(fbe_golden, request_decode, .timeout = 10) {
  uint8_t frame[64];
  size_t n = fbe_test_unhex(GOLDEN_REQUEST, frame, sizeof frame);
  cr_assert_eq(n, 45);
  uint32_t type = 0;
  cr_assert_eq(tr_fbe_frame_type(frame, n, &type), 0);
  cr_assert_eq(type, simple_SimpleRequest_TYPE);
  simple_SimpleRequest r;
  cr_assert_eq(simple_SimpleRequest_decode(&r, frame, n), 0);
  char id[37];
  tr_fbe_uuid_format(&r.id, id);
  cr_assert_str_eq(id, GOLDEN_ID);
  cr_assert_eq(r.Message.size, 5);
  cr_assert_str_eq(r.Message.data, "hello");
  simple_SimpleRequest_free(&r);
  /* The wrong decoder for the type refuses it. */
  simple_SimpleResponse wrong;
  cr_assert_eq(simple_SimpleResponse_decode(&wrong, frame, n), TR_EPROTO);
}

Test(fbe_golden, response_both_ways, .timeout = 10) {
  simple_SimpleResponse s;
  simple_SimpleResponse_init(&s);
  cr_assert_eq(tr_fbe_uuid_parse(&s.id, GOLDEN_ID), 0);
  s.Length = 5;
  s.Hash = 0x12345678;
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_eq(simple_SimpleResponse_encode(&s, &b), 40);
  expect_bytes(&b, 0, GOLDEN_RESPONSE);

  uint8_t frame[64];
  size_t n = fbe_test_unhex(GOLDEN_RESPONSE, frame, sizeof frame);
  simple_SimpleResponse d;
  cr_assert_eq(simple_SimpleResponse_decode(&d, frame, n), 0);
  cr_assert(simple_SimpleResponse_equal(&s, &d));
  cr_assert_eq(d.Length, 5);
  cr_assert_eq(d.Hash, 0x12345678u);
  tr_fbe_buffer_free(&b);
}

Test(fbe_golden, encode_appends_frames, .timeout = 10) {
  simple_SimpleRequest r;
  simple_SimpleRequest_init(&r);
  tr_fbe_uuid_parse(&r.id, GOLDEN_ID);
  tr_fbe_string_set_cstr(&r.Message, "hello");
  simple_SimpleResponse s = {.Length = 5, .Hash = 0x12345678};
  tr_fbe_uuid_parse(&s.id, GOLDEN_ID);
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_eq(simple_SimpleResponse_encode(&s, &b), 40);
  cr_assert_eq(simple_SimpleRequest_encode(&r, &b), 45);
  cr_assert_eq(b.size, 85);
  expect_bytes(&b, 40, GOLDEN_REQUEST);
  simple_SimpleRequest_free(&r);
  tr_fbe_buffer_free(&b);
}

Test(fbe_golden, printable_form, .timeout = 10) {
  simple_SimpleRequest r;
  simple_SimpleRequest_init(&r);
  tr_fbe_uuid_parse(&r.id, GOLDEN_ID);
  tr_fbe_string_set(&r.Message, "he\"l\0lo", 7);
  char buf[160];
  int n = simple_SimpleRequest_format(&r, buf, sizeof buf);
  cr_assert_str_eq(buf, "SimpleRequest(id=\"" GOLDEN_ID "\",Message=\"he\\\"l\\x00lo\")");
  cr_assert_eq(n, (int)strlen(buf));
  /* Truncated output stays terminated and reports the full length. */
  char small[10];
  cr_assert_eq(simple_SimpleRequest_format(&r, small, sizeof small), n);
  cr_assert_str_eq(small, "SimpleReq");
  simple_SimpleRequest_free(&r);
}

Test(fbe_golden, init_gives_fresh_ids, .timeout = 10) {
  /* The schema's default is uuid1: every new request gets its own id. */
  simple_SimpleRequest a, b;
  simple_SimpleRequest_init(&a);
  simple_SimpleRequest_init(&b);
  cr_assert_not(tr_fbe_uuid_is_nil(&a.id));
  cr_assert_not(tr_fbe_uuid_equal(&a.id, &b.id));
  cr_assert_eq(a.id.bytes[6] >> 4, 1, "version 1 uuid");
  cr_assert_eq(a.id.bytes[8] & 0xc0, 0x80, "RFC 4122 variant");
}
