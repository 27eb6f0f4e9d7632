/* Kept apart from bench_common so that the libuv-only programs (clients,
 * references) do not need libtroupe. */
#include "bench_runtime.h"

int bench_runtime_start(int threads, tr_runtime **rt) {
  tr_runtime_options ro = {.workers = (unsigned)threads};
  int rc = tr_runtime_new(rt, &ro);
  if (rc != 0)
    return rc;
  rc = tr_runtime_start(*rt);
  if (rc != 0) {
    tr_runtime_free(*rt);
    *rt = NULL;
  }
  return rc;
}
