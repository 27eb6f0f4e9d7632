/* tr_udp: datagram servers and clients (with multicast), as actors.
 *
 * A server or client is an actor pinned to one worker; it owns a uv_udp_t on
 * that worker's loop. Every function here is safe from any thread:
 *  - on the owning worker it acts at once (the caller's stack, no copy);
 *  - from a thread outside the runtime, control calls (start, stop, connect,
 *    join...) wait until the worker has applied them and return its result;
 *    sends copy the bytes into a message and return at once;
 *  - from another worker of the runtime, every call is posted and returns 0
 *    once queued (a worker must not block); failures then go to on_error.
 * Callbacks run on the owning worker. Bytes handed to on_received point into
 * the socket's receive buffer and are valid only during the callback.
 *
 * Lifetime: tr_udp_*_new hands out a handle that keeps the actor's memory
 * alive until tr_udp_*_free. Once freed or once the runtime stopped, calls
 * return TR_ECLOSED. tr_udp_*_free from a thread outside the runtime returns
 * after the socket is closed and no callback is running or will run; on the
 * owning worker (inside a callback, say) it suppresses all later callbacks at
 * once; from another worker callbacks stop once the owner has handled it.
 *
 * Receiving: continuously (default), or one datagram per tr_udp_*_receive
 * request (CppServer's ReceiveAsync) when options.receive_on_request is set.
 * The receive buffer starts at the socket's receive buffer size (capped at
 * 64 KiB) and doubles when a datagram fills it. A datagram that did not fit
 * is reported to on_error as TR_EOVERFLOW, never delivered cut short.
 *
 * Sending: on_sent(endpoint, sent) runs once the datagram is handed to the
 * kernel, never inside the send call itself: after the callback that sent it
 * returns (so an echo server can post its next receive from on_sent without
 * waiting for another loop iteration), or before the loop next waits for I/O.
 *
 * ICMP errors (port unreachable and the like) are reported: sockets are opened
 * with IP_RECVERR/IPV6_RECVERR, and each error arrives at on_error with the
 * libuv code (UV_ECONNREFUSED...) and the endpoint it concerns in the message.
 * The socket keeps working.
 */
#ifndef TROUPE_UDP_H
#define TROUPE_UDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An IPv4 or IPv6 address and port. */
typedef struct tr_udp_endpoint {
  union {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
  } addr;
} tr_udp_endpoint;

/* Parses a numeric IPv4 or IPv6 address ("127.0.0.1", "::1", "ff02::1%lo").
 * TR_EINVAL if it is neither or port is outside 0..65535. */
int tr_udp_endpoint_init(tr_udp_endpoint *ep, const char *address, int port);
/* Copies an AF_INET/AF_INET6 sockaddr; TR_EINVAL for anything else. */
int tr_udp_endpoint_from(tr_udp_endpoint *ep, const struct sockaddr *sa);
int tr_udp_endpoint_port(const tr_udp_endpoint *ep);
int tr_udp_endpoint_family(const tr_udp_endpoint *ep);
socklen_t tr_udp_endpoint_len(const tr_udp_endpoint *ep);
/* "127.0.0.1:3333" or "[::1]:3333"; returns the length or TR_EINVAL. */
int tr_udp_endpoint_format(const tr_udp_endpoint *ep, char *out, size_t size);
/* The address alone ("127.0.0.1", "::1"). */
int tr_udp_endpoint_address(const tr_udp_endpoint *ep, char *out, size_t size);
int tr_udp_endpoint_equal(const tr_udp_endpoint *a, const tr_udp_endpoint *b);

typedef struct tr_udp_options {
  int worker;             /* home worker index; -1 = next in turn (set by tr_udp_options_init) */
  int reuse_address;      /* SO_REUSEADDR */
  int reuse_port;         /* SO_REUSEPORT */
  int ipv6_only;          /* IPV6_V6ONLY on an IPv6 socket */
  int recv_buffer_size;   /* SO_RCVBUF; 0 = system default */
  int send_buffer_size;   /* SO_SNDBUF; 0 = system default */
  int receive_on_request; /* one datagram per tr_udp_*_receive call */
} tr_udp_options;

void tr_udp_options_init(tr_udp_options *o);

/* Counters, readable from any thread (each is exact; together they are a
 * snapshot only when the socket is idle). */
typedef struct tr_udp_stats {
  uint64_t datagrams_sent, bytes_sent;
  uint64_t datagrams_received, bytes_received;
  uint64_t errors;
} tr_udp_stats;

/* ---- server ---------------------------------------------------------- */

typedef struct tr_udp_server tr_udp_server;

typedef struct tr_udp_server_callbacks {
  void (*on_started)(tr_udp_server *s, void *ctx);
  void (*on_stopped)(tr_udp_server *s, void *ctx);
  void (*on_received)(tr_udp_server *s, const tr_udp_endpoint *from, const void *data, size_t size, void *ctx);
  void (*on_sent)(tr_udp_server *s, const tr_udp_endpoint *to, size_t sent, void *ctx);
  /* category: "udp" for socket errors, "system" for setup failures. */
  void (*on_error)(tr_udp_server *s, int code, const char *category, const char *message, void *ctx);
} tr_udp_server_callbacks;

/* A server that will bind address:port (port 0 = any). opts and cb may be
 * NULL. TR_EINVAL for a bad address, TR_ECLOSED if the runtime is not running. */
int tr_udp_server_new(tr_runtime *rt, const char *address, int port, const tr_udp_options *opts,
                      const tr_udp_server_callbacks *cb, void *ctx, tr_udp_server **out);
void tr_udp_server_free(tr_udp_server *s);

/* Binds and starts receiving (continuous mode). TR_EBUSY if started. */
int tr_udp_server_start(tr_udp_server *s);
/* Same, and remembers a group (address, port) for tr_udp_server_multicast. */
int tr_udp_server_start_multicast(tr_udp_server *s, const char *group, int port);
/* Closes the socket. TR_ESTATE if not started. */
int tr_udp_server_stop(tr_udp_server *s);
/* Stop then start, keeping the multicast group. */
int tr_udp_server_restart(tr_udp_server *s);
int tr_udp_server_is_started(const tr_udp_server *s);

/* Allows one more datagram to be delivered (receive_on_request mode; a no-op
 * otherwise). TR_ECLOSED when not started. */
int tr_udp_server_receive(tr_udp_server *s);
/* Sends one datagram (size 0 allowed). TR_ECLOSED when not started. */
int tr_udp_server_send(tr_udp_server *s, const tr_udp_endpoint *to, const void *data, size_t size);
/* Same, from a buffer the caller hands over (one reference; kept on failure). */
int tr_udp_server_send_buf(tr_udp_server *s, const tr_udp_endpoint *to, tr_buf *buf);
/* Blocks until the datagram has been handed to the kernel: bytes sent or a
 * negative code. TR_EDEADLK on any worker of the runtime. */
int tr_udp_server_send_sync(tr_udp_server *s, const tr_udp_endpoint *to, const void *data, size_t size);
/* Sends to the group given to tr_udp_server_start_multicast (TR_ESTATE if none). */
int tr_udp_server_multicast(tr_udp_server *s, const void *data, size_t size);
int tr_udp_server_multicast_sync(tr_udp_server *s, const void *data, size_t size);

/* The bound address (with the real port when bound to 0). TR_ECLOSED when
 * not started. */
int tr_udp_server_local_endpoint(const tr_udp_server *s, tr_udp_endpoint *out);
void tr_udp_server_stats(const tr_udp_server *s, tr_udp_stats *out);
tr_worker *tr_udp_server_worker(const tr_udp_server *s);

/* ---- client ---------------------------------------------------------- */

typedef struct tr_udp_client tr_udp_client;

typedef struct tr_udp_client_callbacks {
  void (*on_connected)(tr_udp_client *c, void *ctx);
  void (*on_disconnected)(tr_udp_client *c, void *ctx);
  void (*on_received)(tr_udp_client *c, const tr_udp_endpoint *from, const void *data, size_t size, void *ctx);
  void (*on_sent)(tr_udp_client *c, const tr_udp_endpoint *to, size_t sent, void *ctx);
  void (*on_error)(tr_udp_client *c, int code, const char *category, const char *message, void *ctx);
} tr_udp_client_callbacks;

/* A client whose default remote endpoint is address:port. Connecting binds an
 * ephemeral port of the same family (or options' local address, see
 * tr_udp_client_set_local); with multicast set up, it binds address:port
 * itself with reuse-address, the way a multicast listener must. */
int tr_udp_client_new(tr_runtime *rt, const char *address, int port, const tr_udp_options *opts,
                      const tr_udp_client_callbacks *cb, void *ctx, tr_udp_client **out);
void tr_udp_client_free(tr_udp_client *c);

/* Before connect: bind to this local address/port instead of any:0. */
int tr_udp_client_set_local(tr_udp_client *c, const char *address, int port);
/* Before connect: bind to the endpoint itself with reuse-address
 * (CppServer's SetupMulticast). */
int tr_udp_client_setup_multicast(tr_udp_client *c, int enable);

/* Opens and binds the socket. TR_EBUSY if connected. */
int tr_udp_client_connect(tr_udp_client *c);
/* TR_ESTATE if not connected. */
int tr_udp_client_disconnect(tr_udp_client *c);
int tr_udp_client_reconnect(tr_udp_client *c);
int tr_udp_client_is_connected(const tr_udp_client *c);

int tr_udp_client_receive(tr_udp_client *c);
/* To the default endpoint. */
int tr_udp_client_send(tr_udp_client *c, const void *data, size_t size);
int tr_udp_client_send_to(tr_udp_client *c, const tr_udp_endpoint *to, const void *data, size_t size);
int tr_udp_client_send_buf(tr_udp_client *c, const tr_udp_endpoint *to, tr_buf *buf);
int tr_udp_client_send_sync(tr_udp_client *c, const void *data, size_t size);
int tr_udp_client_send_to_sync(tr_udp_client *c, const tr_udp_endpoint *to, const void *data, size_t size);

/* Multicast membership on the connected socket; interface_address may be NULL
 * (the kernel picks one by route). An IPv6 interface is given with its scope
 * ("::%lo"). */
int tr_udp_client_join_group(tr_udp_client *c, const char *group, const char *interface_address);
int tr_udp_client_leave_group(tr_udp_client *c, const char *group, const char *interface_address);
/* Outgoing multicast settings; made before connect they are applied when it
 * connects. */
int tr_udp_client_set_multicast_interface(tr_udp_client *c, const char *interface_address);
int tr_udp_client_set_multicast_ttl(tr_udp_client *c, int ttl);
int tr_udp_client_set_multicast_loop(tr_udp_client *c, int on);

int tr_udp_client_local_endpoint(const tr_udp_client *c, tr_udp_endpoint *out);
int tr_udp_client_remote_endpoint(const tr_udp_client *c, tr_udp_endpoint *out);
void tr_udp_client_stats(const tr_udp_client *c, tr_udp_stats *out);
tr_worker *tr_udp_client_worker(const tr_udp_client *c);

#ifdef __cplusplus
}
#endif
#endif
