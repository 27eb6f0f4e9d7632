/* Millisecond pacing of the multicast servers. */
#include "bench_pace.h"

#include <time.h>

long bench_pace_due(bench_pace *p) {
  p->owed += (double)p->per_second / 1000.0;
  long due = (long)p->owed;
  p->owed -= (double)due;
  return due;
}

size_t bench_pace_fit(long due, size_t queued, size_t size) {
  size_t room = queued < BENCH_PACE_CAP ? (BENCH_PACE_CAP - queued) / size : 0;
  return (size_t)due < room ? (size_t)due : room;
}

static void *pacer_main(void *arg) {
  bench_pacer *p = arg;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  while (atomic_load(&p->running)) {
    long due = bench_pace_due(&p->pace);
    if (due > 0)
      p->emit(due, p->arg);
    next.tv_nsec += 1000000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  return NULL;
}

int bench_pacer_start(bench_pacer *p, long per_second, void (*emit)(long due, void *arg), void *arg) {
  p->pace = (bench_pace){.per_second = per_second};
  p->emit = emit;
  p->arg = arg;
  atomic_store(&p->running, 1);
  return pthread_create(&p->thread, NULL, pacer_main, p) == 0 ? 0 : -1;
}

void bench_pacer_stop(bench_pacer *p) {
  atomic_store(&p->running, 0);
  pthread_join(p->thread, NULL);
}
