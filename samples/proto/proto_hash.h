/* The 32-bit hash the sample server answers with: FNV-1a, chosen because
 * any language can reproduce it in three lines (CppServer's std::hash value
 * differs between standard libraries). */
#ifndef PROTO_HASH_H
#define PROTO_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t proto_hash(const void *data, size_t size) {
  const unsigned char *p = data;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; i++) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

#endif
