/* Malformed frames are refused with TR_EPROTO and never crash (run under
 * ASan/UBSan to mean it): bad sizes, offsets past the end, struct_size too
 * big or too small, wrong or unknown types, huge lengths, aliasing bombs,
 * and every single-byte corruption of a rich frame. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "alltypes.h"
#include "fbe_test_util.h"
#include "simple.h"
#include "troupe/error.h"

#define GOLDEN_REQUEST \
  "2d000000 08000000 1c000000 01000000 123e4567e89b12d3a456426655440000 1c000000 05000000 68656c6c6f"

static size_t golden(uint8_t *f) { return fbe_test_unhex(GOLDEN_REQUEST, f, 64); }

static int decode_request(const uint8_t *f, size_t n) {
  simple_SimpleRequest r;
  int rc = simple_SimpleRequest_decode(&r, f, n);
  if (rc == 0)
    simple_SimpleRequest_free(&r);
  return rc;
}

Test(fbe_malformed, frame_sizes, .timeout = 10) {
  uint8_t f[64];
  size_t n = golden(f);
  cr_assert_eq(decode_request(f, n), 0);
  cr_assert_eq(decode_request(NULL, n), TR_EPROTO);
  for (size_t k = 0; k < n; k++)
    cr_assert_eq(decode_request(f, k), TR_EPROTO, "truncated to %zu", k);
  tr_fbe_store_u32(f, 44);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "size field below the real size");
  tr_fbe_store_u32(f, 46);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "size field past the end");
}

Test(fbe_malformed, root_and_struct_header, .timeout = 10) {
  uint8_t f[64];
  size_t n = golden(f);
  tr_fbe_store_u32(f + 4, 0);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "root offset 0");
  tr_fbe_store_u32(f + 4, 4);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "root inside the header");
  tr_fbe_store_u32(f + 4, 40);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "root past the end");
  tr_fbe_store_u32(f + 4, 0xfffffff0u);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "root offset wraps");

  n = golden(f);
  tr_fbe_store_u32(f + 8, 38);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "struct_size past the frame");
  tr_fbe_store_u32(f + 8, UINT32_MAX);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "huge struct_size");
  tr_fbe_store_u32(f + 8, 7);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "struct_size below its header");

  n = golden(f);
  tr_fbe_store_u32(f + 12, 77);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "unknown type");
  simple_handlers none = {0};
  cr_assert_eq(simple_dispatch(&none, NULL, f, n), TR_EPROTO);
}

Test(fbe_malformed, short_struct_takes_defaults, .timeout = 10) {
  /* struct_size 8: no field inside it, so all take their defaults (an old
   * writer), which is not an error. */
  uint8_t f[64];
  size_t n = golden(f);
  tr_fbe_store_u32(f + 8, 8);
  simple_SimpleRequest r;
  cr_assert_eq(simple_SimpleRequest_decode(&r, f, n), 0);
  cr_assert_eq(r.Message.size, 0);
  cr_assert_not(tr_fbe_uuid_is_nil(&r.id), "uuid1 default");
  simple_SimpleRequest_free(&r);
  /* struct_size 24 covers the id, not the string slot. */
  tr_fbe_store_u32(f + 8, 24);
  cr_assert_eq(simple_SimpleRequest_decode(&r, f, n), 0);
  cr_assert_eq(r.Message.size, 0);
  cr_assert_eq(r.id.bytes[0], 0x12);
  simple_SimpleRequest_free(&r);
}

Test(fbe_malformed, string_offsets_and_lengths, .timeout = 10) {
  uint8_t f[64];
  size_t n = golden(f);
  tr_fbe_store_u32(f + 32, 0);
  simple_SimpleRequest r;
  cr_assert_eq(simple_SimpleRequest_decode(&r, f, n), 0, "offset 0 is FBE's empty string");
  cr_assert_eq(r.Message.size, 0);
  simple_SimpleRequest_free(&r);
  tr_fbe_store_u32(f + 32, 34);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "length field past the end");
  tr_fbe_store_u32(f + 32, UINT32_MAX);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "offset wraps");
  n = golden(f);
  tr_fbe_store_u32(f + 36, 6);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "length one past the end");
  tr_fbe_store_u32(f + 36, UINT32_MAX);
  cr_assert_eq(decode_request(f, n), TR_EPROTO, "huge length");
}

static int encode_collections(tr_fbe_buffer *b, size_t ints) {
  alltypes_Collections c;
  memset(&c, 0, sizeof c);
  c.vint.count = ints;
  c.vint.items = calloc(ints ? ints : 1, sizeof(int32_t));
  int n = alltypes_Collections_encode(&c, b);
  alltypes_Collections_free(&c);
  return n;
}

Test(fbe_malformed, vector_counts, .timeout = 10) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(encode_collections(&b, 3), 0);
  /* vint is the second slot: its count sits where the slot points. */
  size_t at = 8 + tr_fbe_load_u32(b.data + 8 + 8 + 4);
  cr_assert_eq(tr_fbe_load_u32(b.data + at), 3);
  alltypes_Collections d;
  tr_fbe_store_u32(b.data + at, UINT32_MAX);
  cr_assert_eq(alltypes_Collections_decode(&d, b.data, b.size), TR_EPROTO, "huge count, no huge allocation");
  /* One more item would overlap the next payload: well-formed frames never
   * overlap, so the reader's budget refuses it. */
  tr_fbe_store_u32(b.data + at, 4);
  cr_assert_eq(alltypes_Collections_decode(&d, b.data, b.size), TR_EPROTO, "overlapping payloads");
  tr_fbe_store_u32(b.data + at, 3);
  cr_assert_eq(alltypes_Collections_decode(&d, b.data, b.size), 0);
  cr_assert_eq(d.vint.count, 3);
  alltypes_Collections_free(&d);
  tr_fbe_store_u32(b.data + 8 + 8 + 4, (uint32_t)b.size);
  cr_assert_eq(alltypes_Collections_decode(&d, b.data, b.size), TR_EPROTO, "vector offset past the end");
  tr_fbe_buffer_free(&b);
}

Test(fbe_malformed, optional_and_nested, .timeout = 10) {
  alltypes_Optionals o;
  memset(&o, 0, sizeof o);
  o.opoint.has = true;
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(alltypes_Optionals_encode(&o, &b), 0);
  uint8_t *slot = b.data + 8 + 8 + 10 * 5; /* opoint, the 11th field */
  cr_assert_eq(slot[0], 1);
  alltypes_Optionals d;
  cr_assert_eq(alltypes_Optionals_decode(&d, b.data, b.size), 0);
  alltypes_Optionals_free(&d);

  uint32_t saved = tr_fbe_load_u32(slot + 1);
  tr_fbe_store_u32(slot + 1, 0);
  cr_assert_eq(alltypes_Optionals_decode(&d, b.data, b.size), TR_EPROTO, "has a value at offset 0");
  tr_fbe_store_u32(slot + 1, 0x7fffffff);
  cr_assert_eq(alltypes_Optionals_decode(&d, b.data, b.size), TR_EPROTO, "value past the end");
  tr_fbe_store_u32(slot + 1, saved);

  /* The optional's value is a struct slot: point it at a struct of the
   * wrong type. */
  size_t value = 8 + saved;
  size_t point = value + tr_fbe_load_u32(b.data + value);
  cr_assert_eq(tr_fbe_load_u32(b.data + point + 4), alltypes_Point_TYPE);
  tr_fbe_store_u32(b.data + point + 4, alltypes_Tree_TYPE);
  cr_assert_eq(alltypes_Optionals_decode(&d, b.data, b.size), TR_EPROTO, "nested struct of the wrong type");
  tr_fbe_store_u32(b.data + point + 4, alltypes_Point_TYPE);
  tr_fbe_store_u32(b.data + point, 1000);
  cr_assert_eq(alltypes_Optionals_decode(&d, b.data, b.size), TR_EPROTO, "nested struct_size past the end");
  tr_fbe_buffer_free(&b);
}

Test(fbe_malformed, aliasing_bomb_runs_out_of_budget, .timeout = 20) {
  /* A Tree whose children vector has many items all pointing at one shared
   * child, itself with a children vector pointing back at the same place:
   * valid bounds everywhere, exponential work if followed. */
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  size_t start;
  cr_assert_eq(tr_fbe_frame_begin(&b, &start), 0);
  size_t root;
  cr_assert_eq(tr_fbe_put_struct(&b, start, 4, 20, alltypes_Tree_TYPE, &root), 0);
  size_t child;
  cr_assert_eq(tr_fbe_buffer_allocate(&b, 20, &child), 0);
  tr_fbe_store_u32(b.data + child, 20);
  tr_fbe_store_u32(b.data + child + 4, alltypes_Tree_TYPE);
  enum { ITEMS = 200 };
  size_t vec;
  cr_assert_eq(tr_fbe_put_block(&b, root, 12, ITEMS, 4, &vec), 0);
  for (size_t i = 0; i < ITEMS; i++)
    tr_fbe_store_u32(b.data + vec + 4 + 4 * i, (uint32_t)(child - root));
  /* The shared child's vector: the same block, relative to the child. */
  tr_fbe_store_u32(b.data + child + 12, (uint32_t)(vec - child));
  /* ...whose items are relative to the child now: re-point them there. */
  cr_assert_gt(tr_fbe_frame_end(&b, start), 0);
  alltypes_Tree d;
  int rc = alltypes_Tree_decode(&d, b.data, b.size);
  cr_assert_eq(rc, TR_EPROTO);
  tr_fbe_buffer_free(&b);
}

static void mutate_all(const uint8_t *frame, size_t n, int (*decode)(const uint8_t *, size_t), int *ok, int *bad) {
  uint8_t *copy = malloc(n);
  static const uint8_t values[] = {0x00, 0x01, 0x07, 0x08, 0x10, 0x7f, 0x80, 0xfe, 0xff};
  for (size_t i = 0; i < n; i++) {
    for (size_t v = 0; v < sizeof values; v++) {
      memcpy(copy, frame, n);
      if (copy[i] == values[v])
        continue;
      copy[i] = values[v];
      if (decode(copy, n) == 0)
        (*ok)++;
      else
        (*bad)++;
    }
  }
  free(copy);
}

static int decode_everything(const uint8_t *f, size_t n) {
  alltypes_Everything e;
  int rc = alltypes_Everything_decode(&e, f, n);
  if (rc == 0) {
    /* Whatever decoded must print and re-encode without trouble. */
    char buf[256];
    alltypes_Everything_format(&e, buf, sizeof buf);
    tr_fbe_buffer b;
    tr_fbe_buffer_init(&b);
    cr_assert_gt(alltypes_Everything_encode(&e, &b), 0);
    tr_fbe_buffer_free(&b);
    alltypes_Everything_free(&e);
  }
  return rc;
}

Test(fbe_malformed, every_byte_corrupted, .timeout = 60) {
  alltypes_Everything e;
  alltypes_Everything_init(&e);
  tr_fbe_string_set_cstr(&e.scalars.s, "text");
  e.optionals.opoint.has = true;
  e.collections.vstr.count = 2;
  e.collections.vstr.items = calloc(2, sizeof(tr_fbe_string));
  tr_fbe_string_set_cstr(&e.collections.vstr.items[1], "abc");
  e.collections.map.count = 1;
  e.collections.map.keys = calloc(1, sizeof(int32_t));
  e.collections.map.values = calloc(1, sizeof(tr_fbe_string));
  e.tree.children.count = 1;
  e.tree.children.items = calloc(1, sizeof(alltypes_Tree));
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(alltypes_Everything_encode(&e, &b), 0);
  cr_assert_lt(b.size, 4096, "keeps the loop bounded");
  int ok = 0, bad = 0;
  mutate_all(b.data, b.size, decode_everything, &ok, &bad);
  cr_assert_gt(bad, 0, "some corruptions must be caught");
  cr_assert_gt(ok, 0, "corrupted plain values still decode");

  /* Every truncation with a consistent size field. */
  uint8_t *copy = malloc(b.size);
  for (size_t k = 16; k < b.size; k++) {
    memcpy(copy, b.data, k);
    tr_fbe_store_u32(copy, (uint32_t)k);
    decode_everything(copy, k);
  }
  free(copy);
  alltypes_Everything_free(&e);
  tr_fbe_buffer_free(&b);
}

Test(fbe_malformed, golden_every_byte_corrupted, .timeout = 20) {
  uint8_t f[64];
  size_t n = golden(f);
  int ok = 0, bad = 0;
  mutate_all(f, n, decode_request, &ok, &bad);
  cr_assert_gt(bad, 0);
  cr_assert_gt(ok, 0);
}

Test(fbe_malformed, shared_payload_counts_once_per_use, .timeout = 20) {
  /* A vector of 1000 Points whose slots all point at one Point body: each
   * in bounds, together 4x the frame's bytes to decode. A writer never
   * shares payloads, so the reader's budget refuses it. */
  alltypes_Collections c;
  memset(&c, 0, sizeof c);
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(alltypes_Collections_encode(&c, &b), 0);
  uint32_t body = tr_fbe_load_u32(b.data + 8);
  tr_fbe_buffer_clear(&b);

  size_t start, root, vec, pt;
  enum { N = 1000, VPOINT = 8 + 4 * 4, PARR = 8 + 8 * 4 + 6 + 8 };
  cr_assert_eq(tr_fbe_frame_begin(&b, &start), 0);
  cr_assert_eq(tr_fbe_put_struct(&b, start, 4, body, alltypes_Collections_TYPE, &root), 0);
  cr_assert_eq(tr_fbe_put_block(&b, root, VPOINT, N, 4, &vec), 0);
  cr_assert_eq(tr_fbe_put_struct(&b, root, vec - root + 4, 16, alltypes_Point_TYPE, &pt), 0);
  for (size_t i = 1; i < N; i++)
    tr_fbe_store_u32(b.data + vec + 4 + 4 * i, (uint32_t)(pt - root));
  tr_fbe_store_u32(b.data + root + PARR, (uint32_t)(pt - root));
  tr_fbe_store_u32(b.data + root + PARR + 4, (uint32_t)(pt - root));
  cr_assert_gt(tr_fbe_frame_end(&b, start), 0);
  alltypes_Collections d;
  cr_assert_eq(alltypes_Collections_decode(&d, b.data, b.size), TR_EPROTO);

  /* With one item the shared body is read three times in a frame with room
   * to spare: no amplification, so it decodes (and the layout is right). */
  tr_fbe_store_u32(b.data + vec, 1);
  cr_assert_eq(alltypes_Collections_decode(&d, b.data, b.size), 0);
  cr_assert_eq(d.vpoint.count, 1);
  alltypes_Collections_free(&d);
  tr_fbe_buffer_free(&b);
}
