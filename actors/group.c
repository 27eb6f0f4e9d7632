/* Broadcast groups.
 *
 * Each worker keeps the set of the group's members that live on it, touched
 * only by that worker's system actor. Join, leave, broadcast and visit are
 * messages to the system actors, so one thread's calls apply in its order on
 * every worker. A broadcast is one envelope shared by the workers that have
 * members; each fans it out locally.
 */
#include <stdlib.h>

#include "buf_internal.h"
#include "internal.h"
#include "ptrset.h"
#include "troupe/group.h"

enum { OP_JOIN = 1, OP_LEAVE, OP_BROADCAST, OP_VISIT, OP_FREE };

struct tr_group {
  tr_runtime *rt;
  _Atomic unsigned refs; /* the user's, plus one per message in flight */
  _Atomic long size;
  unsigned nworkers;
  /* Per worker: joins minus leaves asked for, so broadcasts skip workers that
   * cannot have members. Counted at call time, so a join followed by a
   * broadcast from one thread always reaches the new member's worker. */
  _Atomic long *requested;
  tr_ptrset *local; /* per worker, owned by that worker */
  int *freed;       /* per worker, owned by that worker */
};

typedef struct envelope {
  _Atomic unsigned refs; /* one per worker it was sent to */
  tr_msg msg;            /* OP_BROADCAST */
  tr_group_visit_fn fn;  /* OP_VISIT */
  void *ctx;
  tr_buf *payload;
} envelope;

static void group_release(tr_group *g) {
  /* acq_rel: the last holder sees every worker's updates before freeing. */
  if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
    return;
  for (unsigned i = 0; i < g->nworkers; i++)
    tr_ptrset_free(&g->local[i]);
  free(g->local);
  free(g->freed);
  free(g->requested);
  tr__runtime_release(g->rt);
  free(g);
}

static void envelope_release(envelope *e) {
  /* acq_rel: as for buffers, the last worker done with it frees it. */
  if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (e->msg.buf)
    tr_buf_release(e->msg.buf);
  if (e->payload)
    tr_buf_release(e->payload);
  free(e);
}

int tr_group_new(tr_runtime *rt, tr_group **out) {
  if (!rt || !out)
    return TR_EINVAL;
  tr_group *g = calloc(1, sizeof *g);
  if (!g)
    return TR_ENOMEM;
  g->rt = rt;
  g->nworkers = rt->nworkers;
  g->local = calloc(g->nworkers, sizeof *g->local);
  g->freed = calloc(g->nworkers, sizeof *g->freed);
  g->requested = calloc(g->nworkers, sizeof *g->requested);
  if (!g->local || !g->freed || !g->requested) {
    free(g->local);
    free(g->freed);
    free(g->requested);
    free(g);
    return TR_ENOMEM;
  }
  atomic_init(&g->refs, 1);
  atomic_init(&g->size, 0);
  tr__runtime_retain(rt);
  *out = g;
  return 0;
}

static int send_op(tr_group *g, unsigned worker, unsigned op, void *arg) {
  /* relaxed: the message itself (via the mailbox) orders the use of g. */
  atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
  tr_msg m = {.type = TR_MSG_GROUP, .u32 = op, .ptr = g, .u64 = (uintptr_t)arg};
  int rc = tr__worker_send_system(&g->rt->workers[worker], &m);
  if (rc != 0)
    group_release(g);
  return rc;
}

int tr_group_join(tr_group *g, tr_actor *a) {
  if (!g || !a || a->rt != g->rt || a->is_system)
    return TR_EINVAL;
  if (!tr_actor_is_alive(a))
    return TR_ECLOSED;
  unsigned w = a->home->index;
  /* relaxed: a hint read by broadcasters; the join message carries the truth. */
  atomic_fetch_add_explicit(&g->requested[w], 1, memory_order_relaxed);
  int rc = send_op(g, w, OP_JOIN, tr_actor_retain(a));
  if (rc != 0) {
    atomic_fetch_sub_explicit(&g->requested[w], 1, memory_order_relaxed);
    tr_actor_release(a);
  }
  return rc;
}

int tr_group_leave(tr_group *g, tr_actor *a) {
  if (!g || !a || a->rt != g->rt)
    return TR_EINVAL;
  unsigned w = a->home->index;
  int rc = send_op(g, w, OP_LEAVE, tr_actor_retain(a));
  if (rc != 0)
    tr_actor_release(a);
  else
    atomic_fetch_sub_explicit(&g->requested[w], 1, memory_order_relaxed);
  return rc;
}

size_t tr_group_size(const tr_group *g) {
  long n = atomic_load_explicit(&g->size, memory_order_relaxed);
  return n > 0 ? (size_t)n : 0;
}

/* Sends e to every worker that may have members; 0 if it reached at least
 * one worker or none was needed. Takes e's ownership either way on success. */
static int fan_out(tr_group *g, unsigned op, envelope *e) {
  unsigned targets = 0;
  for (unsigned i = 0; i < g->nworkers; i++)
    if (atomic_load_explicit(&g->requested[i], memory_order_relaxed) > 0)
      targets++;
  atomic_init(&e->refs, targets + 1); /* +1: ours, until every send is done */
  int sent = 0, failed = 0;
  for (unsigned i = 0; i < g->nworkers && sent + failed < (int)targets; i++) {
    if (atomic_load_explicit(&g->requested[i], memory_order_relaxed) <= 0)
      continue;
    if (send_op(g, i, op, e) == 0)
      sent++;
    else
      failed++;
  }
  /* Workers counted but skipped (their count dropped meanwhile) and failed
   * sends give back their reference. */
  unsigned unused = targets - (unsigned)sent;
  if (sent == 0 && targets > 0) {
    /* Nothing reached a worker: the runtime is gone. The caller keeps its
     * buffer, so detach it before freeing the envelope. */
    e->msg.buf = NULL;
    e->payload = NULL;
    free(e);
    return TR_ECLOSED;
  }
  for (unsigned i = 0; i < unused; i++)
    envelope_release(e);
  envelope_release(e);
  return 0;
}

int tr_group_broadcast(tr_group *g, const tr_msg *msg) {
  if (!g || !msg || msg->type >= TR_MSG_RESERVED)
    return TR_EINVAL;
  envelope *e = calloc(1, sizeof *e);
  if (!e)
    return TR_ENOMEM;
  e->msg = *msg;
  return fan_out(g, OP_BROADCAST, e);
}

int tr_group_visit(tr_group *g, tr_group_visit_fn fn, tr_buf *payload, void *ctx) {
  if (!g || !fn)
    return TR_EINVAL;
  envelope *e = calloc(1, sizeof *e);
  if (!e)
    return TR_ENOMEM;
  e->fn = fn;
  e->ctx = ctx;
  e->payload = payload;
  return fan_out(g, OP_VISIT, e);
}

void tr_group_free(tr_group *g) {
  if (!g)
    return;
  for (unsigned i = 0; i < g->nworkers; i++) {
    if (send_op(g, i, OP_FREE, NULL) != 0) {
      /* The worker is gone and nothing else touches its set any more. */
      tr_actor *a;
      tr_ptrset_foreach(&g->local[i], a) tr_actor_release(a);
      tr_ptrset_free(&g->local[i]);
    }
  }
  group_release(g);
}

static void prune(tr_group *g, tr_ptrset *set, tr_actor **dead, size_t ndead) {
  for (size_t i = 0; i < ndead; i++) {
    if (tr_ptrset_remove(set, dead[i])) {
      atomic_fetch_sub_explicit(&g->size, 1, memory_order_relaxed);
      tr_actor_release(dead[i]);
    }
  }
}

static void do_broadcast(tr_group *g, tr_ptrset *set, envelope *e) {
  tr_actor *a, *dead[64];
  size_t ndead = 0;
  tr_msg m = e->msg;
  /* One atomic add for the whole fan-out instead of one per member. */
  if (m.buf)
    tr_buf_retain_n(m.buf, (unsigned)set->len);
  tr_ptrset_foreach(set, a) {
    if (tr_actor_is_alive(a) && tr__actor_push(a, &m) == 0)
      continue;
    if (m.buf)
      tr_buf_release(m.buf);
    if (ndead < 64)
      dead[ndead++] = a;
  }
  prune(g, set, dead, ndead);
}

static void do_visit(tr_group *g, tr_ptrset *set, envelope *e) {
  tr_actor *a, *dead[64];
  size_t ndead = 0;
  tr_ptrset_foreach(set, a) {
    if (tr_actor_is_alive(a) && !a->finished)
      e->fn(a, a->state_ptr, e->payload, e->ctx);
    else if (ndead < 64) {
      dead[ndead++] = a;
    }
  }
  prune(g, set, dead, ndead);
}

void tr__group_handle(tr_worker *w, const tr_msg *m) {
  tr_group *g = m->ptr;
  tr_ptrset *set = &g->local[w->index];
  switch (m->u32) {
  case OP_JOIN: {
    tr_actor *a = (tr_actor *)(uintptr_t)m->u64;
    if (!g->freed[w->index] && tr_actor_is_alive(a) && tr_ptrset_add(set, a) == 1)
      atomic_fetch_add_explicit(&g->size, 1, memory_order_relaxed);
    else
      tr_actor_release(a);
    break;
  }
  case OP_LEAVE: {
    tr_actor *a = (tr_actor *)(uintptr_t)m->u64;
    if (tr_ptrset_remove(set, a)) {
      atomic_fetch_sub_explicit(&g->size, 1, memory_order_relaxed);
      tr_actor_release(a); /* the set's reference */
    }
    tr_actor_release(a); /* the message's */
    break;
  }
  case OP_BROADCAST:
  case OP_VISIT: {
    envelope *e = (envelope *)(uintptr_t)m->u64;
    if (!g->freed[w->index] && set->len) {
      if (m->u32 == OP_BROADCAST)
        do_broadcast(g, set, e);
      else
        do_visit(g, set, e);
    }
    envelope_release(e);
    break;
  }
  case OP_FREE: {
    tr_actor *a;
    g->freed[w->index] = 1;
    tr_ptrset_foreach(set, a) tr_actor_release(a);
    tr_ptrset_free(set);
    break;
  }
  }
  group_release(g);
}
