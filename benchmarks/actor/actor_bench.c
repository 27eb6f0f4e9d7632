/* actor_bench: troupe's actor messaging benchmark, and the bare references it
 * is measured against. One measurement per run, chosen with --mode; every run
 * is bounded by -z seconds (and a message cap) and prints the report lines of
 * troupe's benchmark clients. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "troupe/error.h"

static const char usage[] =
    "Usage: actor_bench --mode MODE [options]\n"
    "\n"
    "Modes:\n"
    "  pingpong-same   two actors on one worker bounce one message (round trips)\n"
    "  pingpong-cross  the same, the actors on two workers\n"
    "  pingpong-ref    bare reference: two libuv loop threads, ck_ring + uv_async_t\n"
    "  fanin           -c threads send to one actor as fast as they can\n"
    "  ring-ref        bare reference: the same senders into a ck_ring MPSC drained\n"
    "                  by a uv_async_t-woken libuv loop thread\n"
    "  mailbox-ck      -c threads push into troupe's tr_mailbox, one thread pops\n"
    "  mailbox-mutex   the same with a mutex + swapped vector mailbox\n"
    "\n"
    "Options:\n"
    "      --mode MODE      the measurement (required)\n"
    "  -t, --threads N      runtime workers (default: number of cores)\n"
    "  -c, --clients N      senders / producers (default: number of cores)\n"
    "  -z, --seconds N      duration (default 5)\n"
    "  -q, --slots N        mailbox / ring slots (default 128, the runtime's)\n"
    "  -l, --inflight N     per sender, most messages ahead of the receiver\n"
    "                       (default 1000000)\n"
    "  -h, --help           this text\n";

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || v > max || s[0] == '-')
    return -1;
  *out = v;
  return 0;
}

static void parse(bench_opts *o, int argc, char **argv) {
  static const struct option longs[] = {
      {"mode", required_argument, NULL, 'M'},    {"threads", required_argument, NULL, 't'},
      {"clients", required_argument, NULL, 'c'}, {"seconds", required_argument, NULL, 'z'},
      {"slots", required_argument, NULL, 'q'},   {"inflight", required_argument, NULL, 'l'},
      {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
  int ch;
  unsigned long long v;
  while ((ch = getopt_long(argc, argv, "t:c:z:q:l:h", longs, NULL)) != -1) {
    int bad = 0;
    switch (ch) {
    case 'M': o->mode = optarg; break;
    case 't': bad = parse_uint(optarg, 1024, &v) || !v; o->threads = (unsigned)v; break;
    case 'c': bad = parse_uint(optarg, 1024, &v) || !v; o->senders = (unsigned)v; break;
    case 'z': bad = parse_uint(optarg, 3600, &v) || !v; o->seconds = (unsigned)v; break;
    case 'q': bad = parse_uint(optarg, 1u << 24, &v); o->slots = (unsigned)v; break;
    case 'l': bad = parse_uint(optarg, 1ull << 32, &v) || v < 256; o->inflight = v; break;
    case 'h': printf("%s", usage); exit(0);
    default: fprintf(stderr, "%s", usage); exit(2);
    }
    if (bad) {
      fprintf(stderr, "actor_bench: bad value '%s' for -%c\n%s", optarg, ch, usage);
      exit(2);
    }
  }
  if (optind < argc || !o->mode) {
    fprintf(stderr, "%s", usage);
    exit(2);
  }
}

int main(int argc, char **argv) {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned cores = ncpu > 0 ? (unsigned)ncpu : 1;
  bench_opts o = {.threads = cores, .senders = cores, .seconds = 5, .inflight = 1000000};
  parse(&o, argc, argv);

  bench_result r = {.overflowed = -1};
  int rc;
  const char *m = o.mode;
  if (!strcmp(m, "pingpong-same")) {
    bench_print_header(&o, "troupe actors, one worker; messages are round trips");
    rc = bench_pingpong(&o, 0, &r);
  } else if (!strcmp(m, "pingpong-cross")) {
    if (o.threads < 2)
      o.threads = 2;
    bench_print_header(&o, "troupe actors, two workers; messages are round trips");
    rc = bench_pingpong(&o, 1, &r);
  } else if (!strcmp(m, "pingpong-ref")) {
    o.threads = 2;
    bench_print_header(&o, "bare ck_ring + uv_async_t, two threads; messages are round trips");
    rc = bench_pingpong_ref(&o, &r);
  } else if (!strcmp(m, "fanin")) {
    bench_print_header(&o, "troupe: plain threads -> tr_actor_send -> one actor on worker 0");
    rc = bench_fanin(&o, &r);
  } else if (!strcmp(m, "ring-ref")) {
    o.threads = 1;
    bench_print_header(&o, "bare ck_ring MPSC -> uv_async_t-woken loop thread");
    rc = bench_ring_ref(&o, &r);
  } else if (!strcmp(m, "mailbox-ck")) {
    o.threads = 1;
    bench_print_header(&o, "tr_mailbox alone: ck_ring MPSC + overflow list, one popping thread");
    rc = bench_mailbox(&o, 0, &r);
  } else if (!strcmp(m, "mailbox-mutex")) {
    o.threads = 1;
    bench_print_header(&o, "mutex + swapped vector mailbox alone, one popping thread");
    rc = bench_mailbox(&o, 1, &r);
  } else {
    fprintf(stderr, "actor_bench: unknown mode '%s'\n%s", m, usage);
    return 2;
  }
  if (rc != 0) {
    free(r.latency);
    fprintf(stderr, "actor_bench: %s: %s\n", m, tr_strerror(rc));
    return 1;
  }
  bench_print_report(&r);
  free(r.latency);
  return r.errors ? 1 : 0;
}
