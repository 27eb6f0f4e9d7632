/* The multicast servers' pacing: -m messages per second, sent in
 * millisecond slices so that a second's quota never goes out as one burst.
 * Each tick owes m/1000 messages; the fraction is carried to the next. */
#ifndef TROUPE_BENCH_PACE_H
#define TROUPE_BENCH_PACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct bench_pace {
  long per_second;
  double owed;
} bench_pace;

/* Whole messages due this tick (one tick = 1 ms). */
long bench_pace_due(bench_pace *p);

/* The reference servers drop what would queue more than this for one
 * connection, as troupe's servers do with TR_STREAM_LIMIT_DROP. */
#define BENCH_PACE_CAP (1u << 20)
/* Of due messages of size bytes, how many fit with queued bytes queued. */
size_t bench_pace_fit(long due, size_t queued, size_t size);

/* A thread that calls emit with the messages due, every millisecond on an
 * absolute clock (a late tick does not shift the ones after it). */
typedef struct bench_pacer {
  bench_pace pace;
  void (*emit)(long due, void *arg);
  void *arg;
  atomic_int running;
  pthread_t thread;
} bench_pacer;

int bench_pacer_start(bench_pacer *p, long per_second, void (*emit)(long due, void *arg), void *arg);
void bench_pacer_stop(bench_pacer *p);

#endif
