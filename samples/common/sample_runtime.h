/* The runtime of the samples with the lines that report it: those that
 * follow CppServer's Asio examples say "Asio service starting...Done!" and
 * explain a failure on stderr; the UDP samples say "Runtime starting..." and
 * end that line with "failed". */
#ifndef TROUPE_SAMPLE_RUNTIME_H
#define TROUPE_SAMPLE_RUNTIME_H

#include "troupe/runtime.h"

/* A started runtime with the default options; NULL when it could not start
 * (the reason is on stderr). */
tr_runtime *sample_runtime_start(void);
void sample_runtime_stop(tr_runtime *rt);
tr_runtime *sample_runtime_start_udp(void);
void sample_runtime_stop_udp(tr_runtime *rt);

#endif
