/* A write for the programs that echo or batch out of a buffer they reuse at
 * once (ref_uv_echo_server, the proto client and reference). */
#ifndef TROUPE_BENCH_UV_WRITE_H
#define TROUPE_BENCH_UV_WRITE_H

#include <uv.h>

/* Writes what the socket takes now and queues a copy of the rest. 0, or
 * negative: the stream wants closing. */
int bench_uv_write_copy(uv_stream_t *s, const char *data, size_t len);

#endif
