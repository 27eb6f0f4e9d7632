/* Getting work onto the owning worker: control calls and sends from other
 * threads travel as actor messages of our own type, so a message the actor
 * never handles comes back through `dropped` and its waiter is released with
 * TR_ECLOSED instead of waiting forever. */
#include <stdlib.h>
#include <string.h>

#include "troupe/error.h"
#include "udp_core.h"

/* A send that travels: the header sits in front of the bytes in one buffer
 * (copies), or beside the caller's buffer (msg.u32 == 1). */
typedef struct udp_send_hdr {
  tr_udp_endpoint to;
  tr_future *f;
} udp_send_hdr;

static size_t hdr_room(void) { return (sizeof(udp_send_hdr) + 15) & ~(size_t)15; }

int udp_call_run(udp_core *c, const udp_call *call) {
  if (tr_worker_is_current(c->worker)) {
    if (c->freed || c->dead)
      return TR_ECLOSED;
    udp_core_enter(c);
    int r = call->fn(c, (udp_call *)call);
    udp_core_leave(c);
    return r;
  }
  udp_call *copy = malloc(sizeof(*copy));
  if (!copy)
    return TR_ENOMEM;
  *copy = *call;
  copy->f = NULL;
  int wait = tr_worker_current() == NULL;
  tr_future *f = NULL;
  if (wait) {
    f = tr_future_new();
    if (!f) {
      free(copy);
      return TR_ENOMEM;
    }
    copy->f = tr_future_retain(f);
  }
  tr_msg m = {.type = UDP_MSG_CALL, .ptr = copy};
  int r = tr_actor_send(c->actor, &m);
  if (r < 0) {
    if (f) {
      tr_future_release(f);
      tr_future_release(f);
    }
    free(copy);
    return r;
  }
  if (!wait)
    return 0;
  r = tr_future_wait(f, -1, NULL);
  tr_future_release(f);
  return r;
}

int udp_core_post_send(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *buf,
                       int wait) {
  if (!to || (size && !data && !buf))
    return TR_EINVAL;
  udp_send_hdr hdr = {.to = *to};
  udp_send_hdr *heap = NULL; /* the header, when it travels beside the caller's buffer */
  tr_buf *own = NULL;        /* header and copied bytes in one buffer */
  tr_future *f = NULL;
  int r = TR_ENOMEM;
  if (wait && !(f = tr_future_new()))
    return TR_ENOMEM;
  hdr.f = f ? tr_future_retain(f) : NULL;
  tr_msg m = {.type = UDP_MSG_SEND};
  if (buf) {
    if (!(heap = malloc(sizeof(*heap))))
      goto fail;
    *heap = hdr;
    m.u32 = 1;
    m.ptr = heap;
    m.buf = buf;
  } else {
    if (!(own = tr_buf_new(hdr_room() + size)))
      goto fail;
    /* The buffer's alignment is not promised: copy the header, never cast. */
    memcpy(tr_buf_mut(own), &hdr, sizeof(hdr));
    if (size)
      memcpy((char *)tr_buf_mut(own) + hdr_room(), data, size);
    m.buf = own;
  }
  if ((r = tr_actor_send(c->actor, &m)) < 0)
    goto fail;
  if (!wait)
    return 0;
  r = tr_future_wait(f, -1, NULL);
  tr_future_release(f);
  return r;
fail:
  free(heap);
  if (own)
    tr_buf_release(own);
  if (f) {
    tr_future_release(f);
    tr_future_release(f);
  }
  return r;
}

static void handle_send(udp_core *c, const tr_msg *m) {
  udp_send_hdr *hdr, local;
  const char *data;
  size_t size;
  if (m->u32) {
    hdr = m->ptr;
    data = tr_buf_data(m->buf);
    size = tr_buf_len(m->buf);
  } else {
    memcpy(&local, tr_buf_data(m->buf), sizeof(local));
    hdr = &local;
    data = (const char *)tr_buf_data(m->buf) + hdr_room();
    size = tr_buf_len(m->buf) - hdr_room();
  }
  int r = (c->freed || c->dead) ? TR_ECLOSED : udp_core_send(c, &hdr->to, data, size, m->buf, hdr->f);
  if (r < 0) {
    if (hdr->f) {
      tr_future_complete(hdr->f, r, NULL);
    } else if (r != TR_ECLOSED) {
      char where[INET6_ADDRSTRLEN + 8];
      tr_udp_endpoint_format(&hdr->to, where, sizeof(where));
      udp_core_error(c, r, "udp", "send to %s failed: %s", where, tr_strerror(r));
    }
  }
  if (hdr->f)
    tr_future_release(hdr->f);
  if (m->u32)
    free(hdr);
}

void udp_core_handle_msg(udp_core *c, const tr_msg *m) {
  udp_core_enter(c);
  if (m->type == UDP_MSG_SEND) {
    handle_send(c, m);
  } else if (m->type == UDP_MSG_CALL) {
    udp_call *call = m->ptr;
    int r = (c->freed || c->dead) ? TR_ECLOSED : call->fn(c, call);
    if (call->f) {
      tr_future_complete(call->f, r, NULL);
      tr_future_release(call->f);
    } else if (r < 0 && r != TR_ECLOSED) {
      udp_core_error(c, r, "udp", "%s", tr_strerror(r));
    }
    free(call);
  }
  udp_core_leave(c);
}

void udp_core_drop_msg(const tr_msg *m) {
  tr_future *f = NULL;
  if (m->type == UDP_MSG_SEND) {
    udp_send_hdr local;
    if (m->u32) {
      local = *(udp_send_hdr *)m->ptr;
      free(m->ptr);
    } else {
      memcpy(&local, tr_buf_data(m->buf), sizeof(local));
    }
    f = local.f;
  } else if (m->type == UDP_MSG_CALL) {
    udp_call *call = m->ptr;
    f = call->f;
    free(call);
  }
  if (f) {
    tr_future_complete(f, TR_ECLOSED, NULL);
    tr_future_release(f);
  }
}
