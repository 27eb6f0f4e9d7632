/* Helpers shared by the FBE tests. */
#ifndef FBE_TEST_UTIL_H
#define FBE_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Hex text (spaces ignored) to bytes; returns the byte count. */
static inline size_t fbe_test_unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = hex; *p; p++) {
    int v;
    if (*p >= '0' && *p <= '9')
      v = *p - '0';
    else if (*p >= 'a' && *p <= 'f')
      v = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'F')
      v = *p - 'A' + 10;
    else
      continue;
    if (hi < 0) {
      hi = v;
    } else {
      if (n < cap)
        out[n] = (uint8_t)(hi << 4 | v);
      n++;
      hi = -1;
    }
  }
  return n;
}

static inline void fbe_test_hex(const uint8_t *data, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[data[i] >> 4];
    out[2 * i + 1] = d[data[i] & 15];
  }
  out[2 * n] = '\0';
}

#endif
