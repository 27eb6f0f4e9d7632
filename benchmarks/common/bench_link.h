/* The reference servers' list of open connections (the multicast ones walk
 * it every tick): intrusive, so a connection is one allocation. */
#ifndef TROUPE_BENCH_LINK_H
#define TROUPE_BENCH_LINK_H

typedef struct bench_link {
  struct bench_link *prev, *next;
  void *item; /* the connection this link is in */
} bench_link;

void bench_link_push(bench_link **head, bench_link *l, void *item);
void bench_link_remove(bench_link **head, bench_link *l);

#endif
