/* A set of pointers (open addressing, linear probing, backward-shift delete).
 * Single-threaded: each worker owns the set of its local group members. */
#ifndef TROUPE_PTRSET_H
#define TROUPE_PTRSET_H

#include <stddef.h>

typedef struct tr_ptrset {
  void **slots;
  size_t cap; /* power of two, or 0 */
  size_t len;
} tr_ptrset;

/* 1 if added, 0 if already there, negative on allocation failure. */
int tr_ptrset_add(tr_ptrset *s, void *p);
/* 1 if removed, 0 if absent. */
int tr_ptrset_remove(tr_ptrset *s, void *p);
int tr_ptrset_has(const tr_ptrset *s, const void *p);
void tr_ptrset_free(tr_ptrset *s);

#define tr_ptrset_foreach(s, var)                                                                              \
  for (size_t tr__i = 0; tr__i < (s)->cap; tr__i++)                                                          \
    if (((var) = (s)->slots[tr__i]) != NULL)

#endif
