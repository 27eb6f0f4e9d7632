/* The console of the interactive samples, as in CppServer's examples: each
 * stdin line is a command. An empty line (or the end of input) quits, "!"
 * restarts a server or reconnects a client, any other line is the sample's
 * to send. */
#ifndef TROUPE_SAMPLE_STDIN_H
#define TROUPE_SAMPLE_STDIN_H

#include <stddef.h>

#define SAMPLE_STDIN_SERVER "Press Enter to stop the server or '!' to restart the server...\n"
#define SAMPLE_STDIN_CLIENT "Press Enter to stop the client or '!' to reconnect the client...\n"

typedef struct sample_stdin_ops {
  void (*on_bang)(void *ctx);
  /* The line without its end of line (NUL-terminated); NULL: other lines
   * are ignored. */
  void (*on_line)(void *ctx, const char *line, size_t len);
} sample_stdin_ops;

/* Prints the prompt, then reads commands until the sample should quit. */
void sample_stdin_run(const char *prompt, const sample_stdin_ops *ops, void *ctx);

#endif
