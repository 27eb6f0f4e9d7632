/* CppServer's Asio timer example: a synchronous wait on an absolute time, an
 * asynchronous wait that expires, and one that is canceled. */
#include <stdio.h>
#include <unistd.h>

#include "sample_runtime.h"
#include "troupe/troupe.h"

static void on_timer(tr_timer *t, int canceled, void *ctx) {
  printf("Timer was %s\n", canceled ? "canceled" : "expired");
}

static void on_error(tr_timer *t, int code, const char *category, const char *message, void *ctx) {
  printf("Timer caught an error with code %d and category '%s': %s\n", code, category, message);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  tr_runtime *rt = sample_runtime_start();
  if (!rt)
    return 1;

  tr_timer *timer;
  tr_timer_new(rt, &(tr_timer_callbacks){.on_timer = on_timer, .on_error = on_error}, NULL, &timer);

  /* Absolute time, waited for synchronously (no callback). */
  tr_timer_setup_at(timer, tr_time_unix_ms() + 1000);
  tr_timer_wait_sync(timer);

  /* Relative time, waited for asynchronously: expires. */
  tr_timer_setup_after(timer, 1000);
  tr_timer_wait_async(timer);
  sleep(2);

  /* Again, but canceled half-way. */
  tr_timer_setup_after(timer, 1000);
  tr_timer_wait_async(timer);
  usleep(500000);
  tr_timer_cancel(timer);
  usleep(500000);

  tr_timer_free(timer);
  sample_runtime_stop(rt);
  return 0;
}
