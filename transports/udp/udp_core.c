/* The datagram socket shared by servers and clients.
 *
 * Receive: libuv reads into one buffer per socket. In on-request mode the
 * alloc callback hands libuv a zero-length buffer when no request is
 * outstanding, which makes libuv stop before reading (UV_ENOBUFS) instead of
 * consuming a datagram nobody asked for; we then stop the watcher.
 *
 * Send: uv_udp_try_send first (a datagram is sent whole or not at all), then
 * uv_udp_send when the kernel buffer is full. Completions are queued and
 * reported after the callback that caused them returns, so on_sent never runs
 * inside a send call and an echo server can ask for its next datagram within
 * the same read batch.
 */
#include <errno.h>
#include <time.h>
/* after time.h: the header needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "troupe/error.h"
#include "udp_core.h"

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29 /* Linux 4.20 */
#endif

#define UDP_RBUF_MIN 2048
/* No UDP payload is larger (65,507 over IPv4, 65,527 over IPv6). */
#define UDP_RBUF_MAX 65536

struct udp_handle {
  uv_udp_t uv;
  udp_core *core; /* NULL once the core let go (closing) */
  char *rbuf;
  size_t rcap;
  int reading;
};

typedef struct udp_send_req {
  uv_udp_send_t req;
  tr_udp_endpoint to;
  size_t size;
  tr_buf *keep;
  tr_future *f;
  char inline_data[]; /* the copy, when nobody else keeps the bytes */
} udp_send_req;

static inline void stat_add(uint64_t *v, uint64_t n) {
  /* One writer (the owning worker); readers on any thread. */
  __atomic_store_n(v, __atomic_load_n(v, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

void udp_core_init(udp_core *c, const tr_udp_options *opts, const udp_core_events *ev) {
  memset(c, 0, sizeof(*c));
  if (opts)
    c->opts = *opts;
  else
    tr_udp_options_init(&c->opts);
  c->ev = ev;
  pthread_mutex_init(&c->local_lock, NULL);
}

void udp_core_destroy(udp_core *c) {
  /* The state itself goes with the actor; only what it points to is ours.
   * local_lock stays usable: other threads may still read the endpoint. */
  free(c->done);
  c->done = NULL;
  c->ndone = c->cap_done = 0;
}

void udp_core_error(udp_core *c, int code, const char *category, const char *fmt, ...) {
  stat_add(&c->st_errors, 1);
  if (c->freed || !c->ev->error)
    return;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  c->ev->error(c, code, category, msg);
}

/* ---- completions ------------------------------------------------------ */

static void drain_done(udp_core *c) {
  /* Callbacks may send again and append; index rather than iterate a copy. */
  for (size_t i = 0; i < c->ndone; i++) {
    udp_done d = c->done[i];
    if (d.f) {
      tr_future_complete(d.f, (int)d.sent, NULL);
      tr_future_release(d.f);
    }
    if (!c->freed && c->ev->sent)
      c->ev->sent(c, &d.to, d.sent);
  }
  c->ndone = 0;
}

void udp_core_enter(udp_core *c) { c->depth++; }

void udp_core_leave(udp_core *c) {
  if (c->depth == 1 && c->ndone)
    drain_done(c);
  c->depth--;
}

static void deferred_drain(void *arg) {
  udp_core *c = arg;
  tr_actor *a = c->actor;
  c->defer_pending = 0;
  udp_core_enter(c);
  udp_core_leave(c);
  if (c->dead)
    udp_core_destroy(c); /* the actor stopped while this was pending */
  tr_actor_release(a);
}

static void push_done(udp_core *c, const tr_udp_endpoint *to, size_t sent, tr_future *f) {
  if (c->ndone == c->cap_done) {
    size_t cap = c->cap_done ? c->cap_done * 2 : 16;
    udp_done *n = realloc(c->done, cap * sizeof(*n));
    if (!n) {
      /* Report now rather than lose the completion. */
      if (f) {
        tr_future_complete(f, (int)sent, NULL);
        tr_future_release(f);
      }
      return;
    }
    c->done = n;
    c->cap_done = cap;
  }
  c->done[c->ndone++] = (udp_done){.to = *to, .sent = sent, .f = f};
  if (c->depth == 0 && !c->defer_pending) {
    /* The actor's memory must outlive the deferred call. */
    tr_actor_retain(c->actor);
    if (tr_worker_defer(c->worker, deferred_drain, c) == 0) {
      c->defer_pending = 1;
    } else {
      tr_actor_release(c->actor);
      udp_core_enter(c);
      udp_core_leave(c);
    }
  }
}

/* ---- ICMP errors ------------------------------------------------------ */

static int is_async_error(int code) {
  return code == UV_ECONNREFUSED || code == UV_EHOSTUNREACH || code == UV_ENETUNREACH || code == UV_ECONNRESET ||
         code == UV_EHOSTDOWN || code == UV_EPROTO || code == UV_EMSGSIZE;
}

/* Reads the socket's error queue (IP_RECVERR), reporting each entry with the
 * destination it concerns. Returns how many were reported. Draining matters:
 * while the queue holds entries, epoll keeps reporting EPOLLERR. */
static int drain_errqueue(udp_core *c, uv_udp_t *u) {
  int fd, reported = 0;
  if (uv_fileno((uv_handle_t *)u, &fd) != 0)
    return 0;
  for (int i = 0; i < 256; i++) {
    struct sockaddr_storage name;
    char ctl[512], byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr m = {.msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
      break;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
      if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
            (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
        continue;
      struct sock_extended_err ee;
      memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
      int code = -(int)ee.ee_errno;
      tr_udp_endpoint ep;
      char where[INET6_ADDRSTRLEN + 8] = "?";
      if (m.msg_namelen && tr_udp_endpoint_from(&ep, (struct sockaddr *)&name) == 0)
        tr_udp_endpoint_format(&ep, where, sizeof(where));
      udp_core_error(c, code, "udp", "%s (datagram to %s)", tr_strerror(code), where);
      reported++;
      if (c->h == NULL || &c->h->uv != u)
        return reported; /* the callback closed the socket */
    }
  }
  return reported;
}

/* ---- receive ------------------------------------------------------------ */

static void on_close(uv_handle_t *uh) {
  udp_handle *h = uh->data;
  free(h->rbuf);
  free(h);
}

static void on_alloc(uv_handle_t *uh, size_t suggested, uv_buf_t *buf) {
  udp_handle *h = uh->data;
  udp_core *c = h->core;
  buf->base = h->rbuf;
  buf->len = (!c || (c->opts.receive_on_request && c->want <= 0)) ? 0 : h->rcap;
}

static void grow(udp_handle *h, size_t want) {
  if (h->rcap >= UDP_RBUF_MAX)
    return;
  size_t cap = want > UDP_RBUF_MAX ? UDP_RBUF_MAX : want;
  char *n = realloc(h->rbuf, cap);
  if (n) {
    h->rbuf = n;
    h->rcap = cap;
  }
}

static void on_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags) {
  udp_handle *h = u->data;
  udp_core *c = h->core;
  if (!c)
    return;
  if (nread == UV_ENOBUFS && buf->len == 0) {
    /* Nobody asked for a datagram: stop until the next receive request. */
    uv_udp_recv_stop(u);
    h->reading = 0;
    return;
  }
  udp_core_enter(c);
  if (nread < 0) {
    if (drain_errqueue(c, u) == 0)
      udp_core_error(c, (int)nread, "udp", "receive failed: %s", tr_strerror((int)nread));
  } else if (addr) {
    tr_udp_endpoint from;
    tr_udp_endpoint_from(&from, addr);
    if (flags & UV_UDP_PARTIAL) {
      /* The kernel dropped the rest and its size is unknown: say so and make
       * room for the largest datagram there can be. */
      size_t had = h->rcap;
      char where[INET6_ADDRSTRLEN + 8];
      tr_udp_endpoint_format(&from, where, sizeof(where));
      grow(h, UDP_RBUF_MAX);
      udp_core_error(c, TR_EOVERFLOW, "udp",
                     "datagram from %s truncated by the %zu-byte receive buffer and dropped; buffer now %zu bytes",
                     where, had, h->rcap);
    } else {
      stat_add(&c->st_dgrams_recv, 1);
      stat_add(&c->st_bytes_recv, (uint64_t)nread);
      if (c->opts.receive_on_request)
        c->want--;
      if (!c->freed && c->ev->received)
        c->ev->received(c, &from, buf->base, (size_t)nread);
      /* A datagram that filled the buffer may have been exactly as large as
       * it, or may be the first of larger ones: grow while we can. */
      if ((size_t)nread == h->rcap && h->core == c)
        grow(h, h->rcap * 2);
    }
  }
  udp_core_leave(c);
}

int udp_core_receive(udp_core *c) {
  udp_handle *h = c->h;
  if (!h)
    return TR_ECLOSED;
  if (c->opts.receive_on_request)
    c->want = 1; /* one outstanding at most, like ReceiveAsync */
  if (!h->reading) {
    int r = uv_udp_recv_start(&h->uv, on_alloc, on_recv);
    if (r < 0)
      return r;
    h->reading = 1;
  }
  return 0;
}

/* ---- open / close ------------------------------------------------------- */

static int set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value)) == 0 ? 0 : -errno;
}

int udp_core_open(udp_core *c, const tr_udp_endpoint *ep, int force_reuse_address) {
  if (c->h)
    return TR_EBUSY;
  int family = ep->addr.sa.sa_family;
  if (family != AF_INET && family != AF_INET6)
    return TR_EINVAL;
  udp_handle *h = calloc(1, sizeof(*h));
  if (!h)
    return TR_ENOMEM;
  int r = uv_udp_init_ex(tr_worker_loop(c->worker), &h->uv, (unsigned)family);
  if (r < 0) {
    free(h);
    return r;
  }
  h->uv.data = h;
  int fd = -1;
  uv_fileno((uv_handle_t *)&h->uv, &fd);
  if (c->opts.reuse_port && (r = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) < 0)
    goto fail;
  unsigned flags = (c->opts.reuse_address || force_reuse_address) ? UV_UDP_REUSEADDR : 0;
  if (family == AF_INET6 && c->opts.ipv6_only)
    flags |= UV_UDP_IPV6ONLY;
  if ((r = uv_udp_bind(&h->uv, &ep->addr.sa, flags)) < 0)
    goto fail;
  if (c->opts.recv_buffer_size > 0) {
    int v = c->opts.recv_buffer_size;
    if ((r = uv_recv_buffer_size((uv_handle_t *)&h->uv, &v)) < 0)
      goto fail;
  }
  if (c->opts.send_buffer_size > 0) {
    int v = c->opts.send_buffer_size;
    if ((r = uv_send_buffer_size((uv_handle_t *)&h->uv, &v)) < 0)
      goto fail;
  }
  /* ICMP errors for unconnected sockets are only reported with these. A
   * dual-stack socket also sees IPv4 errors through IP_RECVERR. */
  if (family == AF_INET6) {
    if ((r = set_int(fd, SOL_IPV6, IPV6_RECVERR, 1)) < 0)
      goto fail;
    set_int(fd, SOL_IP, IP_RECVERR, 1);
  } else if ((r = set_int(fd, SOL_IP, IP_RECVERR, 1)) < 0) {
    goto fail;
  }
  /* Deliver only the groups this socket joined. Linux's default hands a
   * socket bound to the wildcard every group any socket on the host joined,
   * so leaving a group would not stop delivery. */
  set_int(fd, SOL_IP, IP_MULTICAST_ALL, 0);
  if (family == AF_INET6)
    set_int(fd, SOL_IPV6, IPV6_MULTICAST_ALL, 0);
  int rcv = 0;
  uv_recv_buffer_size((uv_handle_t *)&h->uv, &rcv);
  h->rcap = rcv < UDP_RBUF_MIN ? UDP_RBUF_MIN : rcv > UDP_RBUF_MAX ? UDP_RBUF_MAX : (size_t)rcv;
  h->rbuf = malloc(h->rcap);
  if (!h->rbuf) {
    r = TR_ENOMEM;
    goto fail;
  }
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  tr_udp_endpoint local;
  memset(&local, 0, sizeof(local));
  if (uv_udp_getsockname(&h->uv, (struct sockaddr *)&ss, &len) == 0)
    tr_udp_endpoint_from(&local, (struct sockaddr *)&ss);
  pthread_mutex_lock(&c->local_lock);
  c->local = local;
  pthread_mutex_unlock(&c->local_lock);
  h->core = c;
  c->h = h;
  c->want = 0;
  __atomic_store_n(&c->open_flag, 1, __ATOMIC_RELEASE);
  return 0;
fail:
  uv_close((uv_handle_t *)&h->uv, on_close);
  return r;
}

void udp_core_close(udp_core *c) {
  udp_handle *h = c->h;
  if (!h)
    return;
  c->h = NULL;
  c->want = 0;
  h->core = NULL;
  __atomic_store_n(&c->open_flag, 0, __ATOMIC_RELEASE);
  /* Queued sends come back with UV_ECANCELED before on_close frees h. */
  if (!uv_is_closing((uv_handle_t *)&h->uv))
    uv_close((uv_handle_t *)&h->uv, on_close);
}

int udp_core_is_open(const udp_core *c) { return __atomic_load_n(&c->open_flag, __ATOMIC_ACQUIRE); }

uv_udp_t *udp_core_uv(udp_core *c) { return c->h ? &c->h->uv : NULL; }

int udp_core_local(const udp_core *c, tr_udp_endpoint *out) {
  if (!out)
    return TR_EINVAL;
  if (!udp_core_is_open(c))
    return TR_ECLOSED;
  pthread_mutex_lock((pthread_mutex_t *)&c->local_lock);
  *out = c->local;
  pthread_mutex_unlock((pthread_mutex_t *)&c->local_lock);
  return 0;
}

void udp_core_stats(const udp_core *c, tr_udp_stats *out) {
  if (!out)
    return;
  out->datagrams_sent = __atomic_load_n(&c->st_dgrams_sent, __ATOMIC_RELAXED);
  out->bytes_sent = __atomic_load_n(&c->st_bytes_sent, __ATOMIC_RELAXED);
  out->datagrams_received = __atomic_load_n(&c->st_dgrams_recv, __ATOMIC_RELAXED);
  out->bytes_received = __atomic_load_n(&c->st_bytes_recv, __ATOMIC_RELAXED);
  out->errors = __atomic_load_n(&c->st_errors, __ATOMIC_RELAXED);
}

/* ---- send --------------------------------------------------------------- */

static void on_sent(uv_udp_send_t *req, int status) {
  udp_send_req *sr = (udp_send_req *)req;
  udp_handle *h = req->handle->data;
  udp_core *c = h->core;
  if (!c) {
    if (sr->f) {
      tr_future_complete(sr->f, TR_ECLOSED, NULL);
      tr_future_release(sr->f);
    }
  } else if (status < 0) {
    char where[INET6_ADDRSTRLEN + 8];
    tr_udp_endpoint_format(&sr->to, where, sizeof(where));
    if (sr->f) {
      tr_future_complete(sr->f, status, NULL);
      tr_future_release(sr->f);
    }
    udp_core_enter(c);
    udp_core_error(c, status, "udp", "send to %s failed: %s", where, tr_strerror(status));
    udp_core_leave(c);
  } else {
    stat_add(&c->st_dgrams_sent, 1);
    stat_add(&c->st_bytes_sent, sr->size);
    if (sr->f || c->ev->wants_sent)
      push_done(c, &sr->to, sr->size, sr->f);
  }
  if (sr->keep)
    tr_buf_release(sr->keep);
  free(sr);
}

static int send_queued(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *keep,
                       tr_future *f) {
  udp_send_req *sr = malloc(sizeof(*sr) + (keep ? 0 : size));
  if (!sr)
    return TR_ENOMEM;
  sr->to = *to;
  sr->size = size;
  sr->keep = keep ? tr_buf_retain(keep) : NULL;
  sr->f = f ? tr_future_retain(f) : NULL;
  const char *bytes = data;
  if (!keep) {
    if (size)
      memcpy(sr->inline_data, data, size);
    bytes = sr->inline_data;
  }
  uv_buf_t b = uv_buf_init((char *)bytes, (unsigned)size);
  int r = uv_udp_send(&sr->req, &c->h->uv, &b, 1, &to->addr.sa, on_sent);
  if (r < 0) {
    if (sr->keep)
      tr_buf_release(sr->keep);
    if (sr->f)
      tr_future_release(sr->f);
    free(sr);
  }
  return r;
}

int udp_core_send(udp_core *c, const tr_udp_endpoint *to, const void *data, size_t size, tr_buf *keep,
                  tr_future *f) {
  udp_handle *h = c->h;
  if (!h)
    return TR_ECLOSED;
  if (!to || (size && !data))
    return TR_EINVAL;
  if (size > UDP_RBUF_MAX)
    return UV_EMSGSIZE;
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)size);
  int r = uv_udp_try_send(&h->uv, &b, 1, &to->addr.sa);
  if (r < 0 && is_async_error(r)) {
    /* Most likely an ICMP error left behind by an earlier datagram: the
     * kernel hands it to whichever call comes next. Report it and retry;
     * with an empty error queue it was this send's own failure. */
    if (drain_errqueue(c, &h->uv) == 0)
      return r;
    if (c->h != h)
      return TR_ECLOSED;
    r = uv_udp_try_send(&h->uv, &b, 1, &to->addr.sa);
  }
  if (r >= 0) {
    stat_add(&c->st_dgrams_sent, 1);
    stat_add(&c->st_bytes_sent, (uint64_t)r);
    if (f || c->ev->wants_sent)
      push_done(c, to, (size_t)r, f ? tr_future_retain(f) : NULL);
    return 0;
  }
  if (r == UV_EAGAIN || r == UV_ENOBUFS)
    return send_queued(c, to, data, size, keep, f);
  return r;
}
