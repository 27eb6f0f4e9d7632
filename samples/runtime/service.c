/* Dispatch and post on a one-worker runtime, the ordering of CppServer's
 * Asio service example: dispatch from the worker runs at once, post always
 * queues behind what is already queued. */
#include <stdio.h>
#include <unistd.h>

#include "troupe/troupe.h"

static tr_runtime *rt;

static unsigned long tid(void) { return (unsigned long)uv_thread_self() % 100000; }

static void t_1_2_1(void *a) { printf("1.2.1 - Dispatched in thread with Id %lu\n", tid()); }
static void t_1_3_1(void *a) { printf("1.3.1 - Posted in thread with Id %lu\n", tid()); }
static void t_2_2_1(void *a) { printf("2.2.1 - Dispatched in thread with Id %lu\n", tid()); }
static void t_2_3_1(void *a) { printf("2.3.1 - Posted in thread with Id %lu\n", tid()); }

static void t_1(void *a) {
  printf("1.1 - Dispatched in thread with Id %lu\n", tid());
  printf("1.2 - Dispatch from thread with Id %lu\n", tid());
  tr_runtime_dispatch(rt, t_1_2_1, NULL);
  printf("1.3 - Post from thread with Id %lu\n", tid());
  tr_runtime_post(rt, t_1_3_1, NULL);
}

static void t_2(void *a) {
  printf("2.1 - Posted in thread with Id %lu\n", tid());
  printf("2.2 - Dispatch from thread with Id %lu\n", tid());
  tr_runtime_dispatch(rt, t_2_2_1, NULL);
  printf("2.3 - Post from thread with Id %lu\n", tid());
  tr_runtime_post(rt, t_2_3_1, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int rc = tr_runtime_new(&rt, &(tr_runtime_options){.workers = 1});
  if (rc == 0)
    rc = tr_runtime_start(rt);
  if (rc != 0) {
    fprintf(stderr, "cannot start the runtime: %s\n", tr_strerror(rc));
    return 1;
  }
  printf("Asio service started!\n");
  printf("1 - Dispatch from the main thread with Id %lu\n", tid());
  tr_runtime_dispatch(rt, t_1, NULL);
  printf("2 - Post from the main thread with Id %lu\n", tid());
  tr_runtime_post(rt, t_2, NULL);
  sleep(1);
  printf("Asio service stopping...");
  tr_runtime_free(rt);
  printf("Done!\n");
  return 0;
}
