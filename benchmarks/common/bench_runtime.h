/* The troupe benchmark servers' runtime: -t workers, started. */
#ifndef TROUPE_BENCH_RUNTIME_H
#define TROUPE_BENCH_RUNTIME_H

#include "troupe/runtime.h"

/* 0, or the negative code (nothing is left to free then). */
int bench_runtime_start(int threads, tr_runtime **rt);

#endif
