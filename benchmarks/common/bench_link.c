/* Connection list of the reference servers. */
#include "bench_link.h"

#include <stddef.h>

void bench_link_push(bench_link **head, bench_link *l, void *item) {
  l->item = item;
  l->prev = NULL;
  l->next = *head;
  if (*head)
    (*head)->prev = l;
  *head = l;
}

void bench_link_remove(bench_link **head, bench_link *l) {
  if (l->prev)
    l->prev->next = l->next;
  else
    *head = l->next;
  if (l->next)
    l->next->prev = l->prev;
}
