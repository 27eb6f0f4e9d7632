/* Round trip of every type tools/fbec supports (alltypes.fbe), defaults,
 * FBE layout details and version tolerance. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "alltypes.h"
#include "fbe_test_util.h"
#include "troupe/error.h"

#define ALLOC(vec, n) ((vec).count = (n), (vec).items = calloc((n), sizeof *(vec).items))
#define ALLOC_MAP(m, n) \
  ((m).count = (n), (m).keys = calloc((n), sizeof *(m).keys), (m).values = calloc((n), sizeof *(m).values))

static void fill_scalars(alltypes_Scalars *s) {
  s->b = false;
  s->u8b = 7;
  s->c = 'q';
  s->w = 0x1F600;
  s->i8 = -5;
  s->u8 = 250;
  s->i16 = -1234;
  s->u16 = 54321;
  s->i32 = -123456789;
  s->u32 = 3000000000u;
  s->i64 = INT64_MIN + 1;
  s->u64 = UINT64_MAX - 1;
  s->f = 1.5f;
  s->d = -0.1;
  s->ts = 1700000000123456789ull;
  tr_fbe_uuid_random(&s->u);
  tr_fbe_decimal_from_double(&s->dec, 98765.4321);
  tr_fbe_string_set(&s->s, "with\0nul", 8);
  tr_fbe_bytes_set(&s->raw, "\x00\x01\x02\xff", 4);
  s->color = alltypes_Color_minus;
  s->small = alltypes_Small_one;
  s->letter = alltypes_Letter_a;
  s->perm = alltypes_Perm_rw;
  s->wide = alltypes_Wide_low | alltypes_Wide_high;
}

static void fill_optionals(alltypes_Optionals *o) {
  o->ob.has = true;
  o->ob.value = true;
  o->oi.has = false; /* its default is 5: not having it must survive too */
  o->od.has = true;
  o->od.value = 2.25;
  o->os.has = true;
  tr_fbe_string_set_cstr(&o->os.value, "");
  o->obytes.has = true;
  tr_fbe_bytes_set(&o->obytes.value, "xyz", 3);
  o->ou.has = true;
  tr_fbe_uuid_sequential(&o->ou.value);
  o->ots.has = true;
  o->ots.value = 42;
  o->odec.has = true;
  tr_fbe_decimal_from_double(&o->odec.value, -0.5);
  o->ocolor.has = false;
  o->operm.has = true;
  o->operm.value = alltypes_Perm_none;
  o->opoint.has = true;
  o->opoint.value.x = 11;
  o->opoint.value.y = -11;
}

static void fill_collections(alltypes_Collections *c) {
  ALLOC(c->vbytes, 3);
  memcpy(c->vbytes.items, "abc", 3);
  ALLOC(c->vint, 4);
  for (int i = 0; i < 4; i++)
    c->vint.items[i] = i * 1000 - 1;
  ALLOC(c->vstr, 3);
  tr_fbe_string_set_cstr(&c->vstr.items[0], "one");
  tr_fbe_string_set_cstr(&c->vstr.items[2], "three");
  ALLOC(c->vostr, 2);
  c->vostr.items[1].has = true;
  tr_fbe_string_set_cstr(&c->vostr.items[1].value, "present");
  ALLOC(c->vpoint, 2);
  c->vpoint.items[0].x = 1;
  c->vpoint.items[1].y = 2;
  ALLOC(c->vopoint, 3);
  c->vopoint.items[2].has = true;
  c->vopoint.items[2].value.x = 99;
  ALLOC(c->vcolor, 2);
  c->vcolor.items[0] = alltypes_Color_cyan;
  c->vcolor.items[1] = (alltypes_Color)12345; /* no name: printed as a number */
  ALLOC(c->lst, 2);
  tr_fbe_uuid_random(&c->lst.items[0]);
  tr_fbe_uuid_random(&c->lst.items[1]);
  c->arr[0] = -1;
  c->arr[2] = 3;
  tr_fbe_string_set_cstr(&c->sarr[1], "second");
  c->parr[0].x = 5;
  c->oarr[1].has = true;
  c->oarr[1].value = 77;
  ALLOC_MAP(c->map, 2);
  c->map.keys[0] = 10;
  tr_fbe_string_set_cstr(&c->map.values[0], "ten");
  c->map.keys[1] = -20;
  ALLOC_MAP(c->pmap, 1);
  tr_fbe_string_set_cstr(&c->pmap.keys[0], "origin");
  ALLOC_MAP(c->hash, 2);
  tr_fbe_uuid_random(&c->hash.keys[0]);
  c->hash.values[0] = 0.5;
  tr_fbe_uuid_random(&c->hash.keys[1]);
  c->hash.values[1] = NAN;
  ALLOC_MAP(c->emap, 1);
  c->emap.keys[0] = alltypes_Color_blue;
  tr_fbe_bytes_set(&c->emap.values[0], "\xde\xad", 2);
}

static void fill_tree(alltypes_Tree *t, int depth) {
  alltypes_Tree_init(t);
  char name[32];
  snprintf(name, sizeof name, "node%d", depth);
  tr_fbe_string_set_cstr(&t->name, name);
  if (depth <= 0)
    return;
  ALLOC(t->children, 2);
  fill_tree(&t->children.items[0], depth - 1);
  alltypes_Tree_init(&t->children.items[1]);
  ALLOC_MAP(t->by_id, 1);
  fill_tree(&t->by_id.keys[0], 0);
  t->by_id.values[0] = depth;
}

static void fill_everything(alltypes_Everything *e) {
  alltypes_Everything_init(e);
  tr_fbe_uuid_random(&e->id);
  fill_scalars(&e->scalars);
  fill_optionals(&e->optionals);
  fill_collections(&e->collections);
  alltypes_Tree_free(&e->tree);
  fill_tree(&e->tree, 3);
  e->point.x = 123;
}

Test(fbe_alltypes, defaults, .timeout = 10) {
  alltypes_Scalars s;
  alltypes_Scalars_init(&s);
  cr_assert(s.b);
  cr_assert_eq(s.u8b, 200);
  cr_assert_eq(s.c, 'Z');
  cr_assert_eq(s.w, 0x410u);
  cr_assert_eq(s.i8, -128);
  cr_assert_eq(s.i16, -32768);
  cr_assert_eq(s.u16, 65535);
  cr_assert_eq(s.i32, INT32_MIN);
  cr_assert_eq(s.u32, UINT32_MAX);
  cr_assert_eq(s.i64, INT64_MIN);
  cr_assert_eq(s.u64, UINT64_MAX);
  cr_assert(fabsf(s.f + 123.456f) < 1e-4f);
  cr_assert(fabs(s.d - 123.456e+123) < 1e110);
  cr_assert_eq(s.ts, 0);
  char text[37];
  tr_fbe_uuid_format(&s.u, text);
  cr_assert_str_eq(text, "123e4567-e89b-12d3-a456-426655440000");
  char dec[64];
  tr_fbe_decimal_format(&s.dec, dec, sizeof dec);
  cr_assert_str_eq(dec, "-123456.125");
  cr_assert_str_eq(s.s.data, "Initial \"string\"\n");
  cr_assert_eq(s.raw.size, 0);
  cr_assert_eq(s.color, alltypes_Color_blue);
  cr_assert_eq(s.color, 10);
  cr_assert_eq(s.small, 254);
  cr_assert_eq(s.letter, 'b');
  cr_assert_eq(s.perm, 0x05);
  cr_assert_eq(s.wide, 0x8000000000000000ull);
  alltypes_Scalars_free(&s);

  cr_assert_eq(alltypes_Color_cyan, 11);
  cr_assert_eq(alltypes_Color_crimson, 0);
  cr_assert_eq(alltypes_Color_minus, -2);
  cr_assert_eq(alltypes_Perm_rw, 3);

  alltypes_Optionals o;
  alltypes_Optionals_init(&o);
  cr_assert_not(o.ob.has);
  cr_assert(o.oi.has);
  cr_assert_eq(o.oi.value, 5);
  cr_assert(o.os.has);
  cr_assert_str_eq(o.os.value.data, "opt");
  cr_assert_not(o.ou.has);
  cr_assert(o.ocolor.has);
  cr_assert_eq(o.ocolor.value, alltypes_Color_green);
  alltypes_Optionals_free(&o);

  alltypes_Everything e;
  alltypes_Everything_init(&e);
  cr_assert_eq(e.point.x, -7, "nested struct defaults");
  cr_assert_eq(e.point.y, 16);
  cr_assert_eq(e.collections.parr[1].x, -7, "array of structs defaults");
  alltypes_Everything_free(&e);
}

Test(fbe_alltypes, round_trip_everything, .timeout = 20) {
  alltypes_Everything e, d;
  fill_everything(&e);
  tr_fbe_buffer b1, b2;
  tr_fbe_buffer_init(&b1);
  tr_fbe_buffer_init(&b2);
  int n = alltypes_Everything_encode(&e, &b1);
  cr_assert_gt(n, 0);
  cr_assert_eq((size_t)n, b1.size);
  cr_assert_eq(alltypes_Everything_decode(&d, b1.data, b1.size), 0);
  cr_assert(alltypes_Everything_equal(&e, &d));
  /* Canonical: the decoded value encodes to the same bytes. */
  cr_assert_eq(alltypes_Everything_encode(&d, &b2), n);
  cr_assert_eq(memcmp(b1.data, b2.data, b1.size), 0);

  /* Every part matters to equality. */
  d.collections.vint.items[3]++;
  cr_assert_not(alltypes_Everything_equal(&e, &d));
  d.collections.vint.items[3]--;
  d.optionals.oi.has = true;
  cr_assert_not(alltypes_Everything_equal(&e, &d));
  d.optionals.oi.has = false;
  d.tree.children.items[0].children.items[0].by_id.values[0]++;
  cr_assert_not(alltypes_Everything_equal(&e, &d));

  alltypes_Everything_free(&e);
  alltypes_Everything_free(&d);
  tr_fbe_buffer_free(&b1);
  tr_fbe_buffer_free(&b2);
}

Test(fbe_alltypes, round_trip_defaults_and_empty, .timeout = 10) {
  alltypes_Everything e, d;
  alltypes_Everything_init(&e);
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(alltypes_Everything_encode(&e, &b), 0);
  cr_assert_eq(alltypes_Everything_decode(&d, b.data, b.size), 0);
  cr_assert(alltypes_Everything_equal(&e, &d));
  alltypes_Everything_free(&e);
  alltypes_Everything_free(&d);

  /* A zeroed struct (no init) round-trips too. */
  alltypes_Collections c, dc;
  memset(&c, 0, sizeof c);
  tr_fbe_buffer_clear(&b);
  cr_assert_gt(alltypes_Collections_encode(&c, &b), 0);
  cr_assert_eq(alltypes_Collections_decode(&dc, b.data, b.size), 0);
  cr_assert(alltypes_Collections_equal(&c, &dc));
  alltypes_Collections_free(&dc);
  tr_fbe_buffer_free(&b);
}

Test(fbe_alltypes, fbe_layout, .timeout = 10) {
  /* Point{1,2}: header, then [size 16][type][x][y]. */
  alltypes_Point p = {.x = 1, .y = 2};
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_eq(alltypes_Point_encode(&p, &b), 24);
  char hex[200];
  fbe_test_hex(b.data, b.size, hex);
  cr_assert_str_eq(hex, "18000000" "08000000" "10000000" "01000000" "01000000" "02000000");

  /* Tree{"r"}: body of 20 bytes at 8, then payloads in field order, each
   * slot holding an offset from the struct start: string at 20, the empty
   * vector's count at 25, the empty map's at 29. */
  alltypes_Tree t;
  alltypes_Tree_init(&t);
  tr_fbe_string_set_cstr(&t.name, "r");
  tr_fbe_buffer_clear(&b);
  cr_assert_eq(alltypes_Tree_encode(&t, &b), 41);
  fbe_test_hex(b.data, b.size, hex);
  cr_assert_str_eq(hex, "29000000" "08000000" "14000000" "02000000" "14000000" "19000000" "1d000000"
                        "01000000" "72" "00000000" "00000000");
  alltypes_Tree_free(&t);

  /* Optional int32 = 5 then a vector of two int16 in a fresh struct: the
   * optional is [has][offset], its value allocated where it is set. */
  alltypes_Optionals o;
  memset(&o, 0, sizeof o);
  o.oi.has = true;
  o.oi.value = 5;
  tr_fbe_buffer_clear(&b);
  int n = alltypes_Optionals_encode(&o, &b);
  size_t body = 8 + 11 * 5;
  cr_assert_eq((size_t)n, 8 + body + 4);
  const uint8_t *oi = b.data + 8 + 8 + 5; /* second field */
  cr_assert_eq(oi[0], 1);
  cr_assert_eq(tr_fbe_load_u32(oi + 1), body);
  cr_assert_eq(tr_fbe_load_u32(b.data + 8 + body), 5);
  tr_fbe_buffer_free(&b);
}

Test(fbe_alltypes, optional_nested_offsets_are_relative_to_the_value, .timeout = 10) {
  /* string? holds [has][off] -> a string slot whose own offset counts from
   * that slot (FBE shifts the base into the optional's value). */
  alltypes_Optionals o;
  memset(&o, 0, sizeof o);
  o.os.has = true;
  tr_fbe_string_set_cstr(&o.os.value, "hi");
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  alltypes_Optionals_encode(&o, &b);
  size_t body = 8 + 11 * 5;
  const uint8_t *os = b.data + 8 + 8 + 3 * 5;
  cr_assert_eq(os[0], 1);
  size_t value_at = 8 + tr_fbe_load_u32(os + 1);
  cr_assert_eq(value_at, 8 + body);
  cr_assert_eq(tr_fbe_load_u32(b.data + value_at), 4, "string right after its 4-byte slot, relative to the slot");
  cr_assert_eq(tr_fbe_load_u32(b.data + value_at + 4), 2);
  cr_assert_eq(memcmp(b.data + value_at + 8, "hi", 2), 0);
  alltypes_Optionals_free(&o);
  tr_fbe_buffer_free(&b);
}

Test(fbe_alltypes, older_and_newer_readers, .timeout = 10) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  /* A newer writer: an old reader takes the fields it knows. */
  alltypes_Longer l;
  alltypes_Longer_init(&l);
  l.a = 41;
  tr_fbe_string_set_cstr(&l.b, "new field");
  cr_assert_gt(alltypes_Longer_encode(&l, &b), 0);
  tr_fbe_store_u32(b.data + 12, alltypes_Short_TYPE);
  alltypes_Short s;
  cr_assert_eq(alltypes_Short_decode(&s, b.data, b.size), 0);
  cr_assert_eq(s.a, 41);

  /* An older writer: the newer reader fills what is missing with defaults. */
  tr_fbe_buffer_clear(&b);
  s.a = 9;
  cr_assert_gt(alltypes_Short_encode(&s, &b), 0);
  tr_fbe_store_u32(b.data + 12, alltypes_Longer_TYPE);
  alltypes_Longer nl;
  cr_assert_eq(alltypes_Longer_decode(&nl, b.data, b.size), 0);
  cr_assert_eq(nl.a, 9);
  cr_assert_str_eq(nl.b.data, "bee");
  cr_assert_eq(nl.c, 3);
  alltypes_Longer_free(&l);
  alltypes_Longer_free(&nl);
  tr_fbe_buffer_free(&b);
}

Test(fbe_alltypes, printable_form, .timeout = 10) {
  alltypes_Everything e;
  fill_everything(&e);
  char buf[8192];
  int n = alltypes_Everything_format(&e, buf, sizeof buf);
  cr_assert_lt(n, (int)sizeof buf);
  cr_assert_eq((size_t)n, strlen(buf));
  cr_assert(strstr(buf, "Everything(id=\""));
  cr_assert(strstr(buf, "color=minus"), "%s", buf);
  cr_assert(strstr(buf, "perm=read|write"), "%s", buf);
  cr_assert(strstr(buf, "wide=low|high"), "%s", buf);
  cr_assert(strstr(buf, "s=\"with\\x00nul\""), "%s", buf);
  cr_assert(strstr(buf, "raw=bytes[4]"), "%s", buf);
  cr_assert(strstr(buf, "dec=98765.4321"), "%s", buf);
  cr_assert(strstr(buf, "oi=null"), "%s", buf);
  cr_assert(strstr(buf, "vint=[4][-1,999,1999,2999]"), "%s", buf);
  cr_assert(strstr(buf, "vcolor=[2][cyan,<unknown>12345]"), "%s", buf);
  cr_assert(strstr(buf, "arr=[3][-1,0,3]"), "%s", buf);
  cr_assert(strstr(buf, "map=[2]<{10->\"ten\"},{-20->\"\"}>"), "%s", buf);
  cr_assert(strstr(buf, "c='q'"), "%s", buf);
  cr_assert(strstr(buf, "point=Point(x=123,y=16)"), "%s", buf);
  alltypes_Everything_free(&e);
}

Test(fbe_alltypes, deep_recursion_is_bounded, .timeout = 10) {
  /* Legitimate nesting decodes; nesting past TR_FBE_MAX_DEPTH is refused
   * rather than risking the stack. */
  alltypes_Tree root;
  alltypes_Tree_init(&root);
  alltypes_Tree *t = &root;
  for (int i = 0; i < TR_FBE_MAX_DEPTH + 5; i++) {
    ALLOC(t->children, 1);
    alltypes_Tree_init(&t->children.items[0]);
    t = &t->children.items[0];
  }
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  cr_assert_gt(alltypes_Tree_encode(&root, &b), 0);
  alltypes_Tree d;
  cr_assert_eq(alltypes_Tree_decode(&d, b.data, b.size), TR_EPROTO);
  alltypes_Tree_free(&root);

  alltypes_Tree shallow;
  fill_tree(&shallow, 20);
  tr_fbe_buffer_clear(&b);
  cr_assert_gt(alltypes_Tree_encode(&shallow, &b), 0);
  cr_assert_eq(alltypes_Tree_decode(&d, b.data, b.size), 0);
  cr_assert(alltypes_Tree_equal(&shallow, &d));
  alltypes_Tree_free(&shallow);
  alltypes_Tree_free(&d);
  tr_fbe_buffer_free(&b);
}

Test(fbe_alltypes, enum_names, .timeout = 10) {
  cr_assert_str_eq(alltypes_Color_name(alltypes_Color_blue), "blue");
  cr_assert_str_eq(alltypes_Color_name(0), "red");
  cr_assert_null(alltypes_Color_name(1000));
  cr_assert_str_eq(alltypes_Letter_name('b'), "b");
}
