/* What a chat server sends for a line typed on its console. */
#ifndef TROUPE_SAMPLE_ADMIN_H
#define TROUPE_SAMPLE_ADMIN_H

#include <stddef.h>

/* "(admin) <line>", NUL-terminated, its length (without the NUL) in *len;
 * the caller frees it. NULL when out of memory. */
char *sample_admin_text(const char *line, size_t n, size_t *len);

#endif
