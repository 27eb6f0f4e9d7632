/* Runner for the TSan criterion stand-in (see criterion/criterion.h here). */
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criterion/criterion.h"

#define SKIP_EXIT 77

typedef struct {
  const char *suite, *name;
  void (*fn)(void);
  struct criterion_test_extra_data extra;
} shim_test;

static shim_test tests[512];
static int ntests;

void tr_shim_register(const char *suite, const char *name, void (*fn)(void), struct criterion_test_extra_data extra) {
  if (ntests < (int)(sizeof tests / sizeof tests[0]))
    tests[ntests++] = (shim_test){suite, name, fn, extra};
}

void tr_shim_fail(const char *file, int line, const char *expr, const char *fmt, ...) {
  fprintf(stderr, "[----] %s:%d: Assertion failed: %s", file, line, expr);
  if (fmt && *fmt) {
    fputs(": ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
  }
  fputc('\n', stderr);
  fflush(stderr);
  _exit(1);
}

void tr_shim_skip(const char *fmt, ...) {
  fputs("[----] skipped: ", stderr);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  _exit(SKIP_EXIT);
}

void tr_shim_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int main(int argc, char **argv) {
  const char *filter = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--filter") && i + 1 < argc)
      filter = argv[++i];
    else if (!strncmp(argv[i], "--filter=", 9))
      filter = argv[i] + 9;
    else if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--list")) {
      for (int t = 0; t < ntests; t++)
        printf("%s::%s\n", tests[t].suite, tests[t].name);
      return 0;
    }
  }
  int tested = 0, passed = 0, failed = 0, crashed = 0, skipped = 0;
  for (int t = 0; t < ntests; t++) {
    shim_test *tc = &tests[t];
    char full[256];
    snprintf(full, sizeof full, "%s/%s", tc->suite, tc->name);
    if (filter && fnmatch(filter, full, 0) != 0)
      continue;
    if (tc->extra.disabled) {
      skipped++;
      continue;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
      alarm(tc->extra.timeout > 0 ? (unsigned)tc->extra.timeout : 600);
      if (tc->extra.init)
        tc->extra.init();
      tc->fn();
      if (tc->extra.fini)
        tc->extra.fini();
      fflush(NULL);
      exit(tc->extra.exit_code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_EXIT) {
      skipped++;
      fprintf(stderr, "[SKIP] %s::%s\n", tc->suite, tc->name);
      continue;
    }
    tested++;
    int expected_signal = tc->extra.signal;
    if (WIFSIGNALED(status) && WTERMSIG(status) != expected_signal) {
      crashed++;
      fprintf(stderr, "[FAIL] %s::%s: CRASH (signal %d%s)\n", tc->suite, tc->name, WTERMSIG(status),
              WTERMSIG(status) == SIGALRM ? ", timed out" : "");
    } else if (WIFEXITED(status) && (WEXITSTATUS(status) != tc->extra.exit_code || expected_signal)) {
      failed++;
      fprintf(stderr, "[FAIL] %s::%s\n", tc->suite, tc->name);
    } else {
      passed++;
      fprintf(stderr, "[PASS] %s::%s\n", tc->suite, tc->name);
    }
  }
  fprintf(stderr, "[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d%s\n", tested, passed,
          failed, crashed, "");
  if (skipped)
    fprintf(stderr, "[====] Skipped: %d\n", skipped);
  return failed || crashed ? 1 : 0;
}

/* Concurrency Kit's ring publishes slots with plain volatile accesses and
 * fences that TSan cannot see. The mailbox annotates the happens-before edge
 * it provides (runtime/tsan.h), so only the ring's own internals are
 * suppressed here, never troupe's code. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void) {
  return "race:_ck_ring_enqueue_mp\n"
         "race:_ck_ring_enqueue_sp\n"
         "race:ck_ring_enqueue_spsc_\n"
         "race:_ck_ring_dequeue_sc\n"
         "race:_ck_ring_trydequeue_mc\n"
         "race:ck_ring_enqueue_mpsc_\n"
         "race:ck_ring_dequeue_mpsc_\n";
}
