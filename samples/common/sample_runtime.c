#include "sample_runtime.h"

#include <stdio.h>

#include "troupe/error.h"

static int start(tr_runtime **out) {
  tr_runtime *rt;
  int rc = tr_runtime_new(&rt, NULL);
  if (rc != 0)
    return rc;
  rc = tr_runtime_start(rt);
  if (rc != 0) {
    tr_runtime_free(rt);
    return rc;
  }
  *out = rt;
  return 0;
}

tr_runtime *sample_runtime_start(void) {
  printf("Asio service starting...");
  tr_runtime *rt;
  int rc = start(&rt);
  if (rc != 0) {
    fprintf(stderr, "cannot start the runtime: %s\n", tr_strerror(rc));
    return NULL;
  }
  printf("Done!\n");
  return rt;
}

void sample_runtime_stop(tr_runtime *rt) {
  printf("Asio service stopping...");
  tr_runtime_free(rt);
  printf("Done!\n");
}

tr_runtime *sample_runtime_start_udp(void) {
  printf("Runtime starting...");
  tr_runtime *rt;
  if (start(&rt) != 0) {
    printf("failed\n");
    return NULL;
  }
  printf("Done!\n");
  return rt;
}

void sample_runtime_stop_udp(tr_runtime *rt) {
  printf("Runtime stopping...");
  tr_runtime_free(rt);
  printf("Done!\n");
}
