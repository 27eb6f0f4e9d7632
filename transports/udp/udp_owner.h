/* What servers and clients do alike as actors: spawning with their socket
 * core inside the state, sending from any thread, stopping and freeing. */
#ifndef TROUPE_UDP_OWNER_H
#define TROUPE_UDP_OWNER_H

#include "udp_core.h"

/* Spawns an actor whose state is a copy of tmpl (size bytes, udp_core first),
 * pinned to the worker that tmpl->opts names. */
int udp_owner_spawn(tr_runtime *rt, udp_core *tmpl, const tr_behaviour *b, const void *state, size_t size,
                    tr_actor **out);
/* tr_udp_*_free: closes without callbacks, stops the actor, drops the handle. */
void udp_owner_free(udp_core *c);
/* The actor's stopped callback: the socket closes for good. */
void udp_owner_stopped(udp_core *c);
/* Send from any thread; data == NULL means buf holds the bytes (taken over on
 * success). wait: block until the kernel took it (not on a worker). */
int udp_owner_send(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *buf, int wait);

#endif
