/* FBE decimal (.NET layout): conversions, exact text and numeric equality.
 * The 96-bit magnitude fits an unsigned __int128, which gcc and clang have on
 * every 64-bit target troupe builds for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

typedef unsigned __int128 u128;

#define SCALE_MAX 28
#define SIGN_BIT 0x80000000u

static u128 magnitude(const tr_fbe_decimal *d) { return (u128)d->hi << 64 | d->lo; }
static unsigned scale_of(const tr_fbe_decimal *d) { return (d->flags >> 16) & 0xff; }

static void set_parts(tr_fbe_decimal *d, u128 m, unsigned scale, bool negative) {
  d->lo = (uint64_t)m;
  d->hi = (uint32_t)(m >> 64);
  d->flags = (uint32_t)scale << 16 | (negative && m ? SIGN_BIT : 0);
}

int tr_fbe_decimal_from_double(tr_fbe_decimal *d, double v) {
  memset(d, 0, sizeof *d);
  if (!isfinite(v) || fabs(v) >= 7.9228162514264337593543950335e28)
    return TR_EOVERFLOW;
  if (v == 0)
    return 0;
  /* A double carries 15 reliable decimal digits: take exactly those. */
  char buf[64];
  snprintf(buf, sizeof buf, "%.14e", fabs(v));
  u128 m = 0;
  int digits = 0;
  char *p = buf;
  for (; *p && *p != 'e'; p++) {
    if (*p >= '0' && *p <= '9') {
      m = m * 10 + (unsigned)(*p - '0');
      digits++;
    }
  }
  int exp10 = *p == 'e' ? atoi(p + 1) : 0;
  int scale = (digits - 1) - exp10;
  while (scale < 0) {
    m *= 10;
    scale++;
  }
  while (scale > SCALE_MAX) {
    unsigned rem = (unsigned)(m % 10);
    m /= 10;
    if (rem >= 5)
      m++;
    scale--;
  }
  while (scale > 0 && m % 10 == 0) {
    m /= 10;
    scale--;
  }
  if (m >> 96)
    return TR_EOVERFLOW;
  set_parts(d, m, (unsigned)scale, v < 0);
  return 0;
}

double tr_fbe_decimal_to_double(const tr_fbe_decimal *d) {
  double v = (double)magnitude(d) / pow(10.0, scale_of(d));
  return d->flags & SIGN_BIT ? -v : v;
}

int tr_fbe_decimal_format(const tr_fbe_decimal *d, char *buf, size_t n) {
  char digits[48];
  size_t nd = 0;
  u128 m = magnitude(d);
  do {
    digits[nd++] = (char)('0' + (unsigned)(m % 10));
    m /= 10;
  } while (m);
  unsigned scale = scale_of(d);
  if (scale > SCALE_MAX)
    scale = SCALE_MAX;
  while (nd <= scale)
    digits[nd++] = '0';
  char text[64];
  size_t k = 0;
  if (d->flags & SIGN_BIT)
    text[k++] = '-';
  for (size_t i = nd; i-- > 0;) {
    text[k++] = digits[i];
    if (i == scale && scale)
      text[k++] = '.';
  }
  text[k] = '\0';
  return snprintf(buf, n, "%s", text);
}

static void normalize(const tr_fbe_decimal *d, u128 *m, unsigned *scale) {
  *m = magnitude(d);
  *scale = scale_of(d);
  while (*scale > 0 && *m % 10 == 0) {
    *m /= 10;
    (*scale)--;
  }
}

bool tr_fbe_decimal_equal(const tr_fbe_decimal *a, const tr_fbe_decimal *b) {
  u128 ma, mb;
  unsigned sa, sb;
  normalize(a, &ma, &sa);
  normalize(b, &mb, &sb);
  if (ma == 0 && mb == 0)
    return true;
  return ma == mb && sa == sb && (a->flags & SIGN_BIT) == (b->flags & SIGN_BIT);
}
