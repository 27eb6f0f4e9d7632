#include "sample_stdin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

void sample_stdin_run(const char *prompt, const sample_stdin_ops *ops, void *ctx) {
  fputs(prompt, stdout);
  /* Not every sample line-buffers stdout, and a pipe reader wants the prompt
   * before it types. */
  fflush(stdout);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0)
      break;
    if (strcmp(line, "!") == 0) {
      if (ops->on_bang)
        ops->on_bang(ctx);
    } else if (ops->on_line) {
      ops->on_line(ctx, line, (size_t)n);
    }
  }
  free(line);
}
