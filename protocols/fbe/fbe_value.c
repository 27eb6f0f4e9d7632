/* Owned strings and byte arrays of generated structs. */
#include <stdlib.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

int tr_fbe_string_set(tr_fbe_string *s, const void *data, size_t size) {
  if (size && !data)
    return TR_EINVAL;
  /* +1 keeps the text NUL-terminated for C callers. */
  char *p = malloc(size + 1);
  if (!p)
    return TR_ENOMEM;
  if (size)
    memcpy(p, data, size);
  p[size] = '\0';
  free(s->data);
  s->data = p;
  s->size = size;
  return 0;
}

int tr_fbe_string_set_cstr(tr_fbe_string *s, const char *text) {
  return tr_fbe_string_set(s, text ? text : "", text ? strlen(text) : 0);
}

void tr_fbe_string_free(tr_fbe_string *s) {
  free(s->data);
  s->data = NULL;
  s->size = 0;
}

bool tr_fbe_string_equal(const tr_fbe_string *a, const tr_fbe_string *b) {
  return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

int tr_fbe_bytes_set(tr_fbe_bytes *b, const void *data, size_t size) {
  if (size && !data)
    return TR_EINVAL;
  uint8_t *p = NULL;
  if (size) {
    p = malloc(size);
    if (!p)
      return TR_ENOMEM;
    memcpy(p, data, size);
  }
  free(b->data);
  b->data = p;
  b->size = size;
  return 0;
}

void tr_fbe_bytes_free(tr_fbe_bytes *b) {
  free(b->data);
  b->data = NULL;
  b->size = 0;
}

bool tr_fbe_bytes_equal(const tr_fbe_bytes *a, const tr_fbe_bytes *b) {
  return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

void tr_fbe_reply_free(tr_fbe_reply *r) {
  if (!r)
    return;
  if (r->message && r->free_fn)
    r->free_fn(r->message);
  free(r);
}
