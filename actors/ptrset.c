#include <stdint.h>
#include <stdlib.h>

#include "ptrset.h"
#include "troupe/error.h"

static size_t hash_ptr(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

static int grow(tr_ptrset *s) {
  size_t cap = s->cap ? s->cap * 2 : 16;
  void **slots = calloc(cap, sizeof(void *));
  if (!slots)
    return TR_ENOMEM;
  for (size_t i = 0; i < s->cap; i++) {
    void *p = s->slots[i];
    if (!p)
      continue;
    size_t j = hash_ptr(p) & (cap - 1);
    while (slots[j])
      j = (j + 1) & (cap - 1);
    slots[j] = p;
  }
  free(s->slots);
  s->slots = slots;
  s->cap = cap;
  return 0;
}

int tr_ptrset_add(tr_ptrset *s, void *p) {
  if ((s->len + 1) * 4 > s->cap * 3) {
    int rc = grow(s);
    if (rc)
      return rc;
  }
  size_t mask = s->cap - 1, i = hash_ptr(p) & mask;
  while (s->slots[i]) {
    if (s->slots[i] == p)
      return 0;
    i = (i + 1) & mask;
  }
  s->slots[i] = p;
  s->len++;
  return 1;
}

static size_t find(const tr_ptrset *s, const void *p) {
  if (!s->cap)
    return SIZE_MAX;
  size_t mask = s->cap - 1, i = hash_ptr(p) & mask;
  while (s->slots[i]) {
    if (s->slots[i] == p)
      return i;
    i = (i + 1) & mask;
  }
  return SIZE_MAX;
}

int tr_ptrset_has(const tr_ptrset *s, const void *p) { return find(s, p) != SIZE_MAX; }

int tr_ptrset_remove(tr_ptrset *s, void *p) {
  size_t i = find(s, p);
  if (i == SIZE_MAX)
    return 0;
  size_t mask = s->cap - 1;
  s->slots[i] = NULL;
  s->len--;
  /* Shift later entries of the probe run back so lookups never stop early. */
  for (size_t j = (i + 1) & mask; s->slots[j]; j = (j + 1) & mask) {
    size_t home = hash_ptr(s->slots[j]) & mask;
    /* Move slots[j] into the hole at i if its home is not in (i, j]. */
    int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!between) {
      s->slots[i] = s->slots[j];
      s->slots[j] = NULL;
      i = j;
    }
  }
  return 1;
}

void tr_ptrset_free(tr_ptrset *s) {
  free(s->slots);
  s->slots = NULL;
  s->cap = s->len = 0;
}
