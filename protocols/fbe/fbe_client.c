/* Pending requests of a protocol client, by request id: open addressing on
 * the uuid's hash, deadlines checked by tick. Callbacks may add requests
 * (the table can grow under a scan), so every completion takes its entry out
 * of the table before calling out. */
#include <stdlib.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

enum { SLOT_EMPTY = 0, SLOT_USED, SLOT_DEAD };

struct tr_fbe_pending {
  tr_fbe_uuid id;
  int state;
  uint64_t deadline;
  tr_fbe_reply_cb cb;
  void *ctx;
  tr_future *future;
};

void tr_fbe_client_init(tr_fbe_client *c, uint64_t default_timeout_ms) {
  memset(c, 0, sizeof *c);
  c->default_timeout_ms = default_timeout_ms;
  c->next_deadline = UINT64_MAX;
}

size_t tr_fbe_client_pending(const tr_fbe_client *c) { return c->count; }
uint64_t tr_fbe_client_next_deadline(const tr_fbe_client *c) { return c->next_deadline; }

static tr_fbe_pending *find(const tr_fbe_client *c, const tr_fbe_uuid *id) {
  if (!c->capacity)
    return NULL;
  size_t mask = c->capacity - 1;
  for (size_t i = tr_fbe_uuid_hash(id) & mask, n = 0; n < c->capacity; i = (i + 1) & mask, n++) {
    tr_fbe_pending *s = &c->slots[i];
    if (s->state == SLOT_EMPTY)
      return NULL;
    if (s->state == SLOT_USED && tr_fbe_uuid_equal(&s->id, id))
      return s;
  }
  return NULL;
}

static void insert(tr_fbe_pending *slots, size_t capacity, const tr_fbe_pending *p) {
  size_t mask = capacity - 1;
  size_t i = tr_fbe_uuid_hash(&p->id) & mask;
  while (slots[i].state == SLOT_USED)
    i = (i + 1) & mask;
  slots[i] = *p;
  slots[i].state = SLOT_USED;
}

static int grow(tr_fbe_client *c) {
  size_t cap = 16;
  while (cap * 3 / 4 < (c->count + 1) * 2)
    cap *= 2;
  tr_fbe_pending *slots = calloc(cap, sizeof *slots);
  if (!slots)
    return TR_ENOMEM;
  for (size_t i = 0; i < c->capacity; i++)
    if (c->slots[i].state == SLOT_USED)
      insert(slots, cap, &c->slots[i]);
  free(c->slots);
  c->slots = slots;
  c->capacity = cap;
  c->used = c->count;
  return 0;
}

int tr_fbe_client_add(tr_fbe_client *c, const tr_fbe_uuid *id, uint64_t now_ms, uint64_t timeout_ms,
                      tr_fbe_reply_cb cb, void *ctx, tr_future *future) {
  if (!c || !id)
    return TR_EINVAL;
  if (find(c, id))
    return TR_EBUSY;
  if ((c->used + 1) * 4 > c->capacity * 3) {
    int rc = grow(c);
    if (rc)
      return rc;
  }
  if (!timeout_ms)
    timeout_ms = c->default_timeout_ms ? c->default_timeout_ms : UINT64_MAX;
  tr_fbe_pending p = {.id = *id, .cb = cb, .ctx = ctx, .future = future};
  p.deadline = timeout_ms >= UINT64_MAX - now_ms ? UINT64_MAX : now_ms + timeout_ms;
  if (future)
    tr_future_retain(future);
  /* Count a reused tombstone as used already; only an empty slot adds one. */
  size_t mask = c->capacity - 1;
  size_t i = tr_fbe_uuid_hash(id) & mask;
  while (c->slots[i].state == SLOT_USED)
    i = (i + 1) & mask;
  if (c->slots[i].state == SLOT_EMPTY)
    c->used++;
  c->slots[i] = p;
  c->slots[i].state = SLOT_USED;
  c->count++;
  if (p.deadline < c->next_deadline)
    c->next_deadline = p.deadline;
  return 0;
}

/* Takes the entry out of the table; the caller finishes it. */
static tr_fbe_pending take(tr_fbe_client *c, tr_fbe_pending *s) {
  tr_fbe_pending p = *s;
  memset(s, 0, sizeof *s);
  s->state = SLOT_DEAD;
  c->count--;
  if (!c->count) {
    /* Empty again: drop the tombstones with it. */
    for (size_t i = 0; i < c->capacity; i++)
      c->slots[i].state = SLOT_EMPTY;
    c->used = 0;
    c->next_deadline = UINT64_MAX;
  }
  return p;
}

static void finish(tr_fbe_pending *p, int result, tr_fbe_reply *reply) {
  if (p->cb)
    p->cb(p->ctx, result, reply);
  if (p->future) {
    /* A reply goes to the future's waiter, who frees it. */
    if (tr_future_complete(p->future, result, reply) != 0)
      tr_fbe_reply_free(reply);
    tr_future_release(p->future);
  } else {
    tr_fbe_reply_free(reply);
  }
}

int tr_fbe_client_complete(tr_fbe_client *c, const tr_fbe_uuid *id, tr_fbe_reply *reply) {
  tr_fbe_pending *s = c && id ? find(c, id) : NULL;
  if (!s) {
    tr_fbe_reply_free(reply);
    return TR_ENOTFOUND;
  }
  tr_fbe_pending p = take(c, s);
  finish(&p, 0, reply);
  return 0;
}

bool tr_fbe_client_has(const tr_fbe_client *c, const tr_fbe_uuid *id) { return find(c, id) != NULL; }

int tr_fbe_client_remove(tr_fbe_client *c, const tr_fbe_uuid *id) {
  tr_fbe_pending *s = find(c, id);
  if (!s)
    return TR_ENOTFOUND;
  tr_fbe_pending p = take(c, s);
  if (p.future)
    tr_future_release(p.future);
  return 0;
}

static void recompute_deadline(tr_fbe_client *c) {
  uint64_t next = UINT64_MAX;
  for (size_t i = 0; i < c->capacity; i++)
    if (c->slots[i].state == SLOT_USED && c->slots[i].deadline < next)
      next = c->slots[i].deadline;
  c->next_deadline = next;
}

/* Fails every entry matching (expired before now_ms, or all) with code.
 * Rescans from the start whenever a callback made the table grow. */
static size_t fail_matching(tr_fbe_client *c, uint64_t now_ms, bool all, int code) {
  size_t failed = 0;
restart:
  for (size_t i = 0; i < c->capacity; i++) {
    tr_fbe_pending *s = &c->slots[i];
    if (s->state != SLOT_USED || (!all && s->deadline > now_ms))
      continue;
    tr_fbe_pending *slots = c->slots;
    tr_fbe_pending p = take(c, s);
    finish(&p, code, NULL);
    failed++;
    if (c->slots != slots)
      goto restart;
  }
  return failed;
}

size_t tr_fbe_client_tick(tr_fbe_client *c, uint64_t now_ms) {
  if (!c->count || now_ms < c->next_deadline)
    return 0;
  size_t n = fail_matching(c, now_ms, false, TR_ETIMEDOUT);
  recompute_deadline(c);
  return n;
}

size_t tr_fbe_client_reset(tr_fbe_client *c) {
  size_t n = 0;
  /* Callbacks may add requests while we cancel: those go too. */
  while (c->count)
    n += fail_matching(c, 0, true, TR_ECANCELED);
  c->next_deadline = UINT64_MAX;
  return n;
}

void tr_fbe_client_free(tr_fbe_client *c) {
  tr_fbe_client_reset(c);
  free(c->slots);
  c->slots = NULL;
  c->capacity = c->count = c->used = 0;
}
