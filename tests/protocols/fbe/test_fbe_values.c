/* Value helpers: uuid text and generation, decimal, the output buffer, the
 * growable buffer and checked reads. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

Test(fbe_values, uuid_text, .timeout = 10) {
  tr_fbe_uuid u;
  char text[37];
  cr_assert_eq(tr_fbe_uuid_parse(&u, "123E4567-e89b-12d3-A456-426655440000"), 0);
  cr_assert_eq(u.bytes[0], 0x12);
  cr_assert_eq(u.bytes[15], 0x00);
  tr_fbe_uuid_format(&u, text);
  cr_assert_str_eq(text, "123e4567-e89b-12d3-a456-426655440000");
  tr_fbe_uuid v;
  cr_assert_eq(tr_fbe_uuid_parse(&v, "{123e4567e89b12d3a456426655440000}"), 0);
  cr_assert(tr_fbe_uuid_equal(&u, &v));
  const char *bad[] = {"", "123e4567-e89b-12d3-a456-42665544000", "123e4567-e89b-12d3-a456-4266554400000",
                       "123e4567+e89b-12d3-a456-426655440000", "123e4567-e89b-12d3-a456-42665544000g",
                       "{123e4567-e89b-12d3-a456-426655440000", NULL};
  for (int i = 0; bad[i]; i++)
    cr_assert_eq(tr_fbe_uuid_parse(&v, bad[i]), TR_EINVAL, "%s", bad[i]);
  cr_assert_eq(tr_fbe_uuid_parse(&v, NULL), TR_EINVAL);
  cr_assert(tr_fbe_uuid_equal(&u, &v), "unchanged on error");
  tr_fbe_uuid_nil(&v);
  cr_assert(tr_fbe_uuid_is_nil(&v));
}

Test(fbe_values, uuid_generation, .timeout = 10) {
  tr_fbe_uuid seen[256];
  for (int i = 0; i < 256; i++) {
    cr_assert_eq(i % 2 ? tr_fbe_uuid_random(&seen[i]) : tr_fbe_uuid_sequential(&seen[i]), 0);
    cr_assert_eq(seen[i].bytes[6] >> 4, i % 2 ? 4 : 1);
    cr_assert_eq(seen[i].bytes[8] & 0xc0, 0x80);
    for (int j = 0; j < i; j++)
      cr_assert_not(tr_fbe_uuid_equal(&seen[i], &seen[j]));
  }
}

static void dec_text(double v, const char *want) {
  tr_fbe_decimal d;
  cr_assert_eq(tr_fbe_decimal_from_double(&d, v), 0);
  char buf[64];
  tr_fbe_decimal_format(&d, buf, sizeof buf);
  cr_assert_str_eq(buf, want, "%.17g", v);
  cr_assert(fabs(tr_fbe_decimal_to_double(&d) - v) <= fabs(v) * 1e-14);
}

Test(fbe_values, decimal, .timeout = 10) {
  dec_text(0, "0");
  dec_text(1, "1");
  dec_text(-1.5, "-1.5");
  dec_text(123456.123456, "123456.123456");
  dec_text(0.1, "0.1");
  dec_text(1e20, "100000000000000000000");
  dec_text(1.25e-10, "0.000000000125");
  tr_fbe_decimal d;
  cr_assert_eq(tr_fbe_decimal_from_double(&d, 1e30), TR_EOVERFLOW);
  cr_assert_eq(tr_fbe_decimal_from_double(&d, NAN), TR_EOVERFLOW);
  /* .NET layout: 1.50 is 150 with scale 2; equal to 1.5. */
  tr_fbe_decimal a = {.lo = 150, .flags = 2u << 16}, b = {.lo = 15, .flags = 1u << 16};
  cr_assert(tr_fbe_decimal_equal(&a, &b));
  tr_fbe_decimal neg0 = {.flags = 0x80000000u}, zero = {0};
  cr_assert(tr_fbe_decimal_equal(&neg0, &zero));
  b.flags |= 0x80000000u;
  cr_assert_not(tr_fbe_decimal_equal(&a, &b));
  tr_fbe_decimal max = {.lo = UINT64_MAX, .hi = UINT32_MAX};
  char buf[64];
  tr_fbe_decimal_format(&max, buf, sizeof buf);
  cr_assert_str_eq(buf, "79228162514264337593543950335");
}

Test(fbe_values, out_buffer, .timeout = 10) {
  char buf[8];
  tr_fbe_out o = tr_fbe_out_buffer(buf, sizeof buf);
  tr_fbe_out_printf(&o, "%d-%s", 12, "abcdefgh");
  cr_assert_eq(o.len, 11);
  cr_assert_str_eq(buf, "12-abcd");
  tr_fbe_out_raw(&o, "zz", 2);
  cr_assert_eq(o.len, 13);
  cr_assert_str_eq(buf, "12-abcd");
  char big[300];
  o = tr_fbe_out_buffer(big, sizeof big);
  char long_text[200];
  memset(long_text, 'x', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  tr_fbe_out_printf(&o, "%s!", long_text);
  cr_assert_eq(o.len, 200);
  cr_assert_eq(big[199], '!');
  o = tr_fbe_out_buffer(big, sizeof big);
  tr_fbe_out_quoted(&o, "a\"b\\c\n\x01", 7);
  cr_assert_str_eq(big, "\"a\\\"b\\\\c\\n\\x01\"");
}

Test(fbe_values, buffer_and_reads, .timeout = 10) {
  tr_fbe_buffer b;
  tr_fbe_buffer_init(&b);
  size_t off;
  cr_assert_eq(tr_fbe_buffer_allocate(&b, 10, &off), 0);
  cr_assert_eq(off, 0);
  cr_assert_eq(tr_fbe_buffer_append(&b, "abc", 3), 0);
  cr_assert_eq(b.size, 13);
  for (int i = 0; i < 10; i++)
    cr_assert_eq(b.data[i], 0);
  tr_fbe_buffer_consume(&b, 10);
  cr_assert_eq(b.size, 3);
  cr_assert_eq(memcmp(b.data, "abc", 3), 0);
  cr_assert_eq(tr_fbe_buffer_reserve(&b, (size_t)UINT32_MAX), TR_EOVERFLOW);
  uint32_t v;
  uint8_t data[6] = {1, 2, 3, 4, 5, 6};
  cr_assert_eq(tr_fbe_read_u32(data, 6, 2, &v), 0);
  cr_assert_eq(v, 0x06050403u);
  cr_assert_eq(tr_fbe_read_u32(data, 6, 3, &v), TR_EPROTO);
  cr_assert_eq(tr_fbe_read_u32(data, 6, SIZE_MAX - 1, &v), TR_EPROTO);
  tr_fbe_buffer_free(&b);
}
