#include "sample_admin.h"

#include <stdlib.h>
#include <string.h>

static const char prefix[] = "(admin) ";

char *sample_admin_text(const char *line, size_t n, size_t *len) {
  *len = sizeof prefix - 1 + n;
  char *text = malloc(*len + 1);
  if (!text)
    return NULL;
  memcpy(text, prefix, sizeof prefix - 1);
  memcpy(text + sizeof prefix - 1, line, n);
  text[*len] = '\0';
  return text;
}
