/* tr_group: a broadcast group of actors of any kind.
 *
 * Join and leave from any thread. A broadcast is sent as ONE message per
 * worker that has members, carrying the payload by reference; each worker
 * fans it out to its own members. Server multicast is built on this.
 *
 * Ordering: join, leave and broadcast calls made by one thread are applied on
 * each worker in the order that thread made them, so a member that joined
 * before a broadcast (from the same thread) receives it, and one that left
 * before does not. Each member receives each broadcast at most once, and
 * exactly once if it stays a member.
 *
 * The group holds a reference on every member. A member that stops is dropped
 * from the group when its worker next fans out.
 */
#ifndef TROUPE_GROUP_H
#define TROUPE_GROUP_H

#include <stddef.h>

#include "actor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_group tr_group;

int tr_group_new(tr_runtime *rt, tr_group **out);
/* Releases the members and the group (asynchronously, on the workers). */
void tr_group_free(tr_group *g);

int tr_group_join(tr_group *g, tr_actor *member);
int tr_group_leave(tr_group *g, tr_actor *member);
/* Members applied so far (racy while joins are in flight). */
size_t tr_group_size(const tr_group *g);

/* Sends *msg to every member. msg->buf, if any, is shared: each member's copy
 * of the message carries its own reference. On success the caller's reference
 * passes to the group; on failure (TR_ECLOSED) the caller keeps it. */
int tr_group_broadcast(tr_group *g, const tr_msg *msg);

/* On each worker with members, calls fn(member, state, payload, ctx) for each
 * local member, on that worker, outside any actor turn: the member is not
 * running, so fn may touch its state directly (dispatch semantics). This is
 * how transports multicast bytes without a mailbox hop per member. payload's
 * reference passes to the group, as with tr_group_broadcast. */
typedef void (*tr_group_visit_fn)(tr_actor *member, void *state, tr_buf *payload, void *ctx);
int tr_group_visit(tr_group *g, tr_group_visit_fn fn, tr_buf *payload, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
