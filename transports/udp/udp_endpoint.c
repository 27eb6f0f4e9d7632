/* Endpoints: numeric addresses only, so nothing here ever blocks on DNS. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "troupe/error.h"
#include "troupe/udp.h"

int tr_udp_endpoint_init(tr_udp_endpoint *ep, const char *address, int port) {
  if (!ep || !address || port < 0 || port > 65535)
    return TR_EINVAL;
  memset(ep, 0, sizeof(*ep));
  if (inet_pton(AF_INET, address, &ep->addr.in4.sin_addr) == 1) {
    ep->addr.in4.sin_family = AF_INET;
    ep->addr.in4.sin_port = htons((uint16_t)port);
    return 0;
  }
  /* uv_ip6_addr handles the "%scope" suffix (interface name or index). */
  struct sockaddr_in6 a6;
  if (uv_ip6_addr(address, port, &a6) == 0) {
    ep->addr.in6 = a6;
    return 0;
  }
  return TR_EINVAL;
}

int tr_udp_endpoint_from(tr_udp_endpoint *ep, const struct sockaddr *sa) {
  if (!ep || !sa)
    return TR_EINVAL;
  memset(ep, 0, sizeof(*ep));
  if (sa->sa_family == AF_INET)
    memcpy(&ep->addr.in4, sa, sizeof(struct sockaddr_in));
  else if (sa->sa_family == AF_INET6)
    memcpy(&ep->addr.in6, sa, sizeof(struct sockaddr_in6));
  else
    return TR_EINVAL;
  return 0;
}

int tr_udp_endpoint_port(const tr_udp_endpoint *ep) {
  if (!ep)
    return TR_EINVAL;
  if (ep->addr.sa.sa_family == AF_INET)
    return ntohs(ep->addr.in4.sin_port);
  if (ep->addr.sa.sa_family == AF_INET6)
    return ntohs(ep->addr.in6.sin6_port);
  return TR_EINVAL;
}

int tr_udp_endpoint_family(const tr_udp_endpoint *ep) { return ep ? ep->addr.sa.sa_family : AF_UNSPEC; }

socklen_t tr_udp_endpoint_len(const tr_udp_endpoint *ep) {
  return ep && ep->addr.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int tr_udp_endpoint_address(const tr_udp_endpoint *ep, char *out, size_t size) {
  if (!ep || !out || size == 0)
    return TR_EINVAL;
  const void *src = ep->addr.sa.sa_family == AF_INET6 ? (const void *)&ep->addr.in6.sin6_addr
                                                      : (const void *)&ep->addr.in4.sin_addr;
  if (ep->addr.sa.sa_family != AF_INET && ep->addr.sa.sa_family != AF_INET6)
    return TR_EINVAL;
  if (!inet_ntop(ep->addr.sa.sa_family, src, out, (socklen_t)size))
    return TR_EINVAL;
  return (int)strlen(out);
}

int tr_udp_endpoint_format(const tr_udp_endpoint *ep, char *out, size_t size) {
  char a[INET6_ADDRSTRLEN];
  if (tr_udp_endpoint_address(ep, a, sizeof(a)) < 0)
    return TR_EINVAL;
  int n = ep->addr.sa.sa_family == AF_INET6 ? snprintf(out, size, "[%s]:%d", a, tr_udp_endpoint_port(ep))
                                            : snprintf(out, size, "%s:%d", a, tr_udp_endpoint_port(ep));
  return n < 0 || (size_t)n >= size ? TR_EINVAL : n;
}

int tr_udp_endpoint_equal(const tr_udp_endpoint *a, const tr_udp_endpoint *b) {
  if (!a || !b || a->addr.sa.sa_family != b->addr.sa.sa_family)
    return 0;
  if (a->addr.sa.sa_family == AF_INET)
    return a->addr.in4.sin_port == b->addr.in4.sin_port &&
           a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr;
  if (a->addr.sa.sa_family == AF_INET6)
    return a->addr.in6.sin6_port == b->addr.in6.sin6_port &&
           memcmp(&a->addr.in6.sin6_addr, &b->addr.in6.sin6_addr, sizeof(struct in6_addr)) == 0;
  return 0;
}

void tr_udp_options_init(tr_udp_options *o) {
  if (!o)
    return;
  memset(o, 0, sizeof(*o));
  o->worker = -1;
}
