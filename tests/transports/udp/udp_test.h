/* Helpers shared by the UDP tests: a probe that callbacks fill in, bounded
 * waits, an echo server, and a private network namespace for multicast. */
#ifndef TROUPE_TEST_UDP_H
#define TROUPE_TEST_UDP_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "troupe/error.h"
#include "troupe/runtime.h"
#include "troupe/udp.h"

/* What a client or server saw. Written on its worker, read by the test. */
typedef struct probe {
  pthread_mutex_t mu;
  int received, errors, sent, connected, disconnected;
  size_t last_size;
  unsigned char *last; /* 64 KiB */
  tr_udp_endpoint last_from;
  int last_error;
  char last_error_msg[256];
  uint64_t bytes;
} probe;

static inline void probe_init(probe *p) {
  memset(p, 0, sizeof(*p));
  pthread_mutex_init(&p->mu, NULL);
  p->last = calloc(1, 65536);
}

static inline void probe_free(probe *p) { free(p->last); }

static inline void probe_record(probe *p, const tr_udp_endpoint *from, const void *data, size_t size) {
  pthread_mutex_lock(&p->mu);
  p->received++;
  p->bytes += size;
  p->last_size = size;
  if (size)
    memcpy(p->last, data, size);
  p->last_from = *from;
  pthread_mutex_unlock(&p->mu);
}

static inline void probe_error(probe *p, int code, const char *message) {
  pthread_mutex_lock(&p->mu);
  p->errors++;
  p->last_error = code;
  snprintf(p->last_error_msg, sizeof(p->last_error_msg), "%s", message);
  pthread_mutex_unlock(&p->mu);
}

static inline int probe_get(probe *p, const int *field) {
  pthread_mutex_lock(&p->mu);
  int v = *field;
  pthread_mutex_unlock(&p->mu);
  return v;
}

static inline uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits (bounded) until *field reaches at least want; returns the value seen. */
static inline int probe_wait(probe *p, const int *field, int want, int timeout_ms) {
  uint64_t end = now_ms() + (uint64_t)timeout_ms;
  int v;
  while ((v = probe_get(p, field)) < want && now_ms() < end)
    usleep(1000);
  return v;
}

/* ---- client callbacks that fill a probe -------------------------------- */

static inline void pc_received(tr_udp_client *c, const tr_udp_endpoint *from, const void *d, size_t n, void *ctx) {
  probe_record(ctx, from, d, n);
}
static inline void pc_error(tr_udp_client *c, int code, const char *cat, const char *msg, void *ctx) {
  probe_error(ctx, code, msg);
}
static inline void pc_sent(tr_udp_client *c, const tr_udp_endpoint *to, size_t n, void *ctx) {
  probe *p = ctx;
  pthread_mutex_lock(&p->mu);
  p->sent++;
  pthread_mutex_unlock(&p->mu);
}
static inline void pc_connected(tr_udp_client *c, void *ctx) {
  probe *p = ctx;
  pthread_mutex_lock(&p->mu);
  p->connected++;
  pthread_mutex_unlock(&p->mu);
}
static inline void pc_disconnected(tr_udp_client *c, void *ctx) {
  probe *p = ctx;
  pthread_mutex_lock(&p->mu);
  p->disconnected++;
  pthread_mutex_unlock(&p->mu);
}

static const tr_udp_client_callbacks probe_client_cb = {
    .on_connected = pc_connected,
    .on_disconnected = pc_disconnected,
    .on_received = pc_received,
    .on_sent = pc_sent,
    .on_error = pc_error,
};

/* ---- an echo server ------------------------------------------------------ */

static inline void echo_received(tr_udp_server *s, const tr_udp_endpoint *from, const void *d, size_t n, void *ctx) {
  if (ctx)
    probe_record(ctx, from, d, n);
  tr_udp_server_send(s, from, d, n);
}
static inline void echo_error(tr_udp_server *s, int code, const char *cat, const char *msg, void *ctx) {
  if (ctx)
    probe_error(ctx, code, msg);
}

static const tr_udp_server_callbacks echo_server_cb = {.on_received = echo_received, .on_error = echo_error};

static inline tr_runtime *start_runtime(unsigned workers) {
  tr_runtime *rt = NULL;
  tr_runtime_options o = {.workers = workers};
  if (tr_runtime_new(&rt, &o) != 0 || tr_runtime_start(rt) != 0)
    return NULL;
  return rt;
}

/* A port nothing listens on: bind, read the port, close. */
static inline int closed_udp_port(int family) {
  int fd = socket(family, SOCK_DGRAM, 0);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  socklen_t len;
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof(*a);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(*a);
  }
  bind(fd, (struct sockaddr *)&ss, len);
  getsockname(fd, (struct sockaddr *)&ss, &len);
  close(fd);
  return family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                            : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- private network namespace for multicast ---------------------------- */

/* Moves the calling process into a new network namespace with only lo, up and
 * multicast-capable, routing 224.0.0.0/4 to itself. Nothing sent inside can
 * leave the machine. 0, or a negative errno (EPERM when namespaces are not
 * available to us). */
static inline int netns_enter(void) {
  if (unshare(CLONE_NEWNET) != 0)
    return -errno;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0)
    return -errno;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
    goto fail;
  ifr.ifr_flags |= IFF_UP | IFF_MULTICAST;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
    goto fail;
  struct rtentry rt4;
  memset(&rt4, 0, sizeof(rt4));
  struct sockaddr_in *dst = (struct sockaddr_in *)&rt4.rt_dst, *mask = (struct sockaddr_in *)&rt4.rt_genmask;
  dst->sin_family = mask->sin_family = AF_INET;
  dst->sin_addr.s_addr = htonl(0xE0000000u);  /* 224.0.0.0 */
  mask->sin_addr.s_addr = htonl(0xF0000000u); /* /4 */
  rt4.rt_flags = RTF_UP;
  rt4.rt_dev = (char *)"lo";
  if (ioctl(fd, SIOCADDRT, &rt4) != 0 && errno != EEXIST)
    goto fail;
  close(fd);
  return 0;
fail : {
  int e = -errno;
  close(fd);
  return e;
}
}

/* A veth pair inside the namespace, for what lo cannot show: IPv6 multicast
 * is not delivered through lo by this kernel (measured: ff00::/8 routed to lo
 * delivers nothing), and lo hands every multicast datagram back whatever the
 * loop option says. trv0 carries 10.200.0.1/24, fd00::1 and the ff00::/8
 * route; members on this host hear it through the kernel's multicast loop.
 * trv1 only gives trv0 its carrier; what reaches it stays in the namespace. */
static inline int netns_add_veth(void) {
  int r = system("ip link add trv0 type veth peer name trv1 && ip link set trv0 up && ip link set trv1 up && "
                 "ip addr add 10.200.0.1/24 dev trv0 && ip -6 addr add fd00::1/64 dev trv0 nodad && "
                 "ip -6 route del multicast ff00::/8 dev trv1 table local");
  return r == 0 ? 0 : -1;
}

#endif
