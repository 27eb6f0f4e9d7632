/* Stand-ins for the runtime's futures, which the generated client code
 * links against: the fuzz target builds outside meson without the runtime
 * (libuv loops, threads), and its decoding paths never reach a future. */
#include <stdlib.h>

#include "troupe/future.h"

tr_future *tr_future_new(void) { return NULL; }
tr_future *tr_future_retain(tr_future *f) { return f; }
void tr_future_release(tr_future *f) { (void)f; }
int tr_future_complete(tr_future *f, int result, void *value) {
  (void)f;
  (void)result;
  (void)value;
  abort();
}
