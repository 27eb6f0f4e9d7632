/* Try-write first: on loopback the socket nearly always takes it all, and
 * then nothing is allocated. */
#include "bench_uv_write.h"

#include <stdlib.h>
#include <string.h>

typedef struct write_copy {
  uv_write_t req;
  char data[];
} write_copy;

static void on_copy_written(uv_write_t *req, int status) { free(req); }

int bench_uv_write_copy(uv_stream_t *s, const char *data, size_t len) {
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
  int n = uv_try_write(s, &b, 1);
  if (n == UV_EAGAIN)
    n = 0;
  if (n < 0)
    return n;
  if ((size_t)n == len)
    return 0;
  size_t rest = len - (size_t)n;
  write_copy *w = malloc(sizeof *w + rest);
  if (!w)
    return UV_ENOMEM;
  memcpy(w->data, data + n, rest);
  b = uv_buf_init(w->data, (unsigned)rest);
  int rc = uv_write(&w->req, s, &b, 1, on_copy_written);
  if (rc != 0)
    free(w);
  return rc;
}
