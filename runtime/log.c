/* One line per call to stderr; the level is read once from TROUPE_LOG. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "troupe/log.h"

static _Atomic int level = -1;

static int level_from_env(void) {
  const char *s = getenv("TROUPE_LOG");
  if (!s)
    return TR_LOG_WARN;
  if (!strcmp(s, "error"))
    return TR_LOG_ERROR;
  if (!strcmp(s, "info"))
    return TR_LOG_INFO;
  if (!strcmp(s, "debug"))
    return TR_LOG_DEBUG;
  return TR_LOG_WARN;
}

int tr_log_enabled(tr_log_level l) {
  /* relaxed: the level is a hint; a racing first read just computes it twice. */
  int cur = atomic_load_explicit(&level, memory_order_relaxed);
  if (cur < 0) {
    cur = level_from_env();
    atomic_store_explicit(&level, cur, memory_order_relaxed);
  }
  return (int)l <= cur;
}

void tr_log_set_level(tr_log_level l) { atomic_store_explicit(&level, (int)l, memory_order_relaxed); }

void tr_log(tr_log_level l, const char *component, const char *fmt, ...) {
  static const char *names[] = {"error", "warn", "info", "debug"};
  if (!tr_log_enabled(l))
    return;
  char line[1024];
  int n = snprintf(line, sizeof line, "troupe %s [%s] ", names[l], component ? component : "-");
  if (n < 0 || (size_t)n >= sizeof line)
    n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  /* One fputs under stdio's lock keeps lines from different threads whole. */
  flockfile(stderr);
  fputs(line, stderr);
  fputc('\n', stderr);
  funlockfile(stderr);
}
