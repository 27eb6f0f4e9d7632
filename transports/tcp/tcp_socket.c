/* Listening sockets and per-connection socket options.
 *
 * Listeners are plain non-blocking sockets polled with uv_poll_t rather than
 * uv_tcp_t: the server accepts with accept4() itself and hands the new fd to
 * whichever worker should own the session, which a uv_tcp_t listener (that
 * accepts into its own loop) cannot do. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp_internal.h"

int tr__tcp_listen_socket(const char *address, int port, int backlog, int reuse_address, int reuse_port,
                          int *port_out, int *fd_out) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  if (!address)
    address = "0.0.0.0";
  if (port < 0 || port > 65535)
    return TR_EINVAL;
  if (uv_ip4_addr(address, port, (struct sockaddr_in *)&ss) == 0) {
    len = sizeof(struct sockaddr_in);
  } else if (uv_ip6_addr(address, port, (struct sockaddr_in6 *)&ss) == 0) {
    len = sizeof(struct sockaddr_in6);
  } else {
    return TR_EINVAL;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  int one = 1;
  if (reuse_address)
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    goto fail;
  if (ss.ss_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0)
    goto fail;
  if (listen(fd, backlog > 0 ? backlog : 1024) != 0)
    goto fail;
  if (port_out) {
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) != 0)
      goto fail;
    *port_out = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                 : ((struct sockaddr_in6 *)&bound)->sin6_port);
  }
  *fd_out = fd;
  return 0;
fail:;
  int err = -errno;
  close(fd);
  return err;
}

void tr__tcp_apply_options(uv_tcp_t *tcp, const tr_tcp_socket_options *o) {
  if (o->no_delay)
    uv_tcp_nodelay(tcp, 1);
  if (o->keep_alive > 0)
    uv_tcp_keepalive(tcp, 1, (unsigned)o->keep_alive);
  if (o->send_buffer_size > 0) {
    int v = o->send_buffer_size;
    uv_send_buffer_size((uv_handle_t *)tcp, &v);
  }
  if (o->receive_buffer_size > 0) {
    int v = o->receive_buffer_size;
    uv_recv_buffer_size((uv_handle_t *)tcp, &v);
  }
}

void tr__stream_apply_limits(tr__stream *st, const tr_tcp_socket_options *o) {
  st->send_limit = o->send_limit;
  st->receive_limit = o->receive_limit;
  st->limit_policy = o->limit_policy;
}

static void ignore_sigpipe(void) {
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
  }
}

/* A peer that resets while we write would otherwise kill the process: libuv
 * writes with write(2), which raises SIGPIPE. Only a default disposition is
 * changed; a handler the application installed stays. */
void tr__tcp_ignore_sigpipe(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, ignore_sigpipe);
}
