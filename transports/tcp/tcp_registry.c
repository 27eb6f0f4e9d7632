/* A server's sessions by id: a Concurrency Kit hash table (direct mode,
 * id -> actor) behind the server's mutex. Sessions come and go on every
 * worker and lookups come from any thread; none of it is on the data path,
 * so one lock is simpler than ck_ht's single-writer rule. Entries hold no
 * reference: a session removes itself before its actor can go, and lookups
 * retain under the lock. */
#include <stdlib.h>

#include "tcp_internal.h"

static void *ht_malloc(size_t n) { return malloc(n); }
static void *ht_realloc(void *p, size_t old, size_t n, bool defer) { return realloc(p, n); }
static void ht_free(void *p, size_t n, bool defer) { free(p); }
static struct ck_malloc ht_alloc = {.malloc = ht_malloc, .realloc = ht_realloc, .free = ht_free};

int tr__tcp_registry_init(tcp_server *srv) {
  if (pthread_mutex_init(&srv->lock, NULL) != 0)
    return TR_ENOMEM;
  if (!ck_ht_init(&srv->sessions, CK_HT_MODE_DIRECT, NULL, &ht_alloc, 64, 0x7e0u)) {
    pthread_mutex_destroy(&srv->lock);
    return TR_ENOMEM;
  }
  return 0;
}

void tr__tcp_registry_destroy(tcp_server *srv) {
  ck_ht_destroy(&srv->sessions);
  pthread_mutex_destroy(&srv->lock);
}

int tr__tcp_registry_put(tcp_server *srv, uint64_t id, tr_actor *a) {
  ck_ht_entry_t e;
  ck_ht_hash_t h;
  pthread_mutex_lock(&srv->lock);
  ck_ht_hash_direct(&h, &srv->sessions, (uintptr_t)id);
  ck_ht_entry_set_direct(&e, h, (uintptr_t)id, (uintptr_t)a);
  bool ok = ck_ht_put_spmc(&srv->sessions, h, &e);
  pthread_mutex_unlock(&srv->lock);
  return ok ? 0 : TR_ENOMEM;
}

void tr__tcp_registry_remove(tcp_server *srv, uint64_t id) {
  ck_ht_entry_t e;
  ck_ht_hash_t h;
  pthread_mutex_lock(&srv->lock);
  ck_ht_hash_direct(&h, &srv->sessions, (uintptr_t)id);
  ck_ht_entry_key_set_direct(&e, (uintptr_t)id);
  ck_ht_remove_spmc(&srv->sessions, h, &e);
  pthread_mutex_unlock(&srv->lock);
}

tr_actor *tr__tcp_registry_find(tcp_server *srv, uint64_t id) {
  ck_ht_entry_t e;
  ck_ht_hash_t h;
  tr_actor *a = NULL;
  if (id == 0 || id == UINT64_MAX)
    return NULL;
  pthread_mutex_lock(&srv->lock);
  ck_ht_hash_direct(&h, &srv->sessions, (uintptr_t)id);
  ck_ht_entry_key_set_direct(&e, (uintptr_t)id);
  if (ck_ht_get_spmc(&srv->sessions, h, &e))
    a = tr_actor_retain((tr_actor *)ck_ht_entry_value_direct(&e));
  pthread_mutex_unlock(&srv->lock);
  return a;
}

tr_actor **tr__tcp_registry_snapshot(tcp_server *srv, size_t *n) {
  *n = 0;
  pthread_mutex_lock(&srv->lock);
  size_t cap = ck_ht_count(&srv->sessions);
  tr_actor **v = malloc((cap ? cap : 1) * sizeof *v);
  if (v) {
    ck_ht_iterator_t it = CK_HT_ITERATOR_INITIALIZER;
    ck_ht_entry_t *e;
    while (*n < cap && ck_ht_next(&srv->sessions, &it, &e))
      v[(*n)++] = tr_actor_retain((tr_actor *)ck_ht_entry_value_direct(e));
  }
  pthread_mutex_unlock(&srv->lock);
  return v;
}
