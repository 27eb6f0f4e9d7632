/* tr_buf's layout, for the runtime's own use (batch retains in fan-out). */
#ifndef TROUPE_BUF_INTERNAL_H
#define TROUPE_BUF_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "troupe/buf.h"

struct tr_buf {
  _Atomic unsigned refs;
  uint8_t *data;
  size_t len;
  tr_buf *parent; /* slices keep their parent alive */
  tr_buf_free_fn free_fn;
  void *ctx;
  uint8_t inline_data[];
};

/* n more references in one atomic step (one per member of a fan-out). */
void tr_buf_retain_n(tr_buf *b, unsigned n);

#endif
