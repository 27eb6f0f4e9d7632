/* TLS servers, sessions and clients on wolfSSL (CppServer's SSLContext,
 * SSLServer, SSLSession, SSLClient).
 *
 * TLS is a layer on the TCP transport's stream core: a TLS server is a TCP
 * server whose sessions run every byte through wolfSSL, and a TLS client is a
 * TCP client that does the same. Sessions and client connections are plain
 * tr_streams (stream.h): send, disconnect, limits and counters work as for
 * TCP, on plaintext. Bytes sent before the handshake has finished are kept and
 * written once it has; what is sent within one loop turn is encrypted into as
 * few records as possible (one per 16 KiB).
 *
 * Callbacks: on_connected when the TCP connection is up (the handshake is
 * starting), on_handshaked when it has finished (tr_stream_is_connected turns
 * true), on_disconnected once the socket has closed, whether or not the
 * handshake finished. A TLS failure (bad certificate, bad record, handshake
 * timeout...) runs on_error(code, "tls", reason) with wolfSSL's error code and
 * reason text, then closes that one connection; a server keeps serving
 * everyone else. Leaving cleanly sends close_notify, and a peer's close_notify
 * closes the stream.
 *
 * A context (certificates, keys, verification, versions, ciphers, ALPN...) is
 * shared by any number of servers and clients and reference counted; a server
 * or client keeps its own reference, so the caller may release the context
 * right after creating them.
 *
 * Every call is safe from any thread, as for TCP. The client and server
 * handles should be freed off the runtime's workers (free then waits until no
 * callback can run any more).
 */
#ifndef TROUPE_TLS_H
#define TROUPE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"
#include "stream.h"
#include "tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tr_tls_context tr_tls_context;
typedef struct tr_tls_server tr_tls_server;
typedef struct tr_tls_client tr_tls_client;

typedef enum tr_tls_version {
  TR_TLS_VERSION_DEFAULT = 0, /* min: TLS 1.2, max: TLS 1.3 */
  TR_TLS_1_2 = 12,
  TR_TLS_1_3 = 13,
} tr_tls_version;

typedef enum tr_tls_verify {
  /* Clients verify the server; servers ask for no certificate. */
  TR_TLS_VERIFY_DEFAULT = 0,
  TR_TLS_VERIFY_NONE,
  /* Verify the peer's certificate against the CA when it sends one (a
   * server asks for one but accepts a client without). */
  TR_TLS_VERIFY_PEER,
  /* Same, and fail when the peer sends none (mutual TLS on a server). */
  TR_TLS_VERIFY_REQUIRE,
} tr_tls_verify;

/* Writes the key password into buf (at most size bytes) and returns its
 * length, or a negative value to refuse. */
typedef int (*tr_tls_password_fn)(char *buf, int size, void *ctx);

typedef struct tr_tls_context_options {
  int server; /* 1: for servers, 0: for clients */
  /* PEM certificate chain, leaf first. May also hold the private key. */
  const char *cert_file;
  /* PEM private key (plain or encrypted); NULL = cert_file. */
  const char *key_file;
  /* Password of an encrypted key: the string, or the callback when set. */
  const char *password;
  tr_tls_password_fn password_cb;
  void *password_ctx;
  /* Certificates to verify peers with (a PEM file and/or a hashed directory). */
  const char *ca_file;
  const char *ca_path;
  tr_tls_verify verify;
  /* PEM Diffie-Hellman parameters for TLS 1.2 DHE suites (servers). */
  const char *dh_file;
  tr_tls_version min_version, max_version;
  /* wolfSSL/OpenSSL cipher list, TLS 1.3 names included
   * ("TLS13-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256..."); NULL = the
   * default below. A server applies its own order. */
  const char *ciphers;
  /* Clients: the name sent as SNI; NULL = the address connected to, unless
   * that is a numeric address. */
  const char *server_name;
  /* Clients: check that the server's certificate is for server_name (or the
   * address connected to). Needs verification on. */
  int verify_hostname;
  /* Session tickets (TLS 1.3 and 1.2) and resumption, on unless this is set.
   * A client resumes its previous session when it reconnects. */
  int no_session_tickets;
  /* ALPN protocols offered (clients) or accepted (servers), comma separated
   * ("h2,http/1.1"); NULL = no ALPN. A server that has a list refuses clients
   * whose list shares nothing with it. */
  const char *alpn;
} tr_tls_context_options;

/* The default suites, fastest first, as measured here with
 * benchmarks/tls/tls_cipher_bench (TLS 1.3 records through memory, encrypt +
 * decrypt, MB/s at 16 KiB / 1 KiB / 32 B records):
 *   wolfSSL built with AES-NI (troupe's bundled build):
 *     AES-128-GCM 1883 / 1335 / 136, AES-256-GCM 1749 / 1261 / 125,
 *     CHACHA20-POLY1305 974 / 578 / 49
 *   Debian's wolfSSL (no AES-NI, no assembly):
 *     AES-128-GCM 76 / 73 / 30, AES-256-GCM 68 / 65 / 26,
 *     CHACHA20-POLY1305 178 / 158 / 38
 * So with AES-NI troupe prefers AES-128-GCM (TR_TLS_DEFAULT_CIPHERS), and
 * without it CHACHA20-POLY1305 (TR_TLS_DEFAULT_CIPHERS_NO_AESNI); the choice
 * is made when troupe is built, from wolfSSL's options. */
#define TR_TLS_DEFAULT_CIPHERS                                                                                 \
  "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"                            \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                   \
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                     \
  "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
#define TR_TLS_DEFAULT_CIPHERS_NO_AESNI                                                                        \
  "TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"                            \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:"                   \
  "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                     \
  "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

/* Loads everything the options name. On failure *out is NULL and, when
 * errbuf is given, it gets wolfSSL's reason and the file involved. */
int tr_tls_context_new(const tr_tls_context_options *opts, tr_tls_context **out, char *errbuf, size_t errlen);
tr_tls_context *tr_tls_context_retain(tr_tls_context *c);
void tr_tls_context_release(tr_tls_context *c);

typedef struct tr_tls_callbacks {
  void (*on_connected)(tr_stream *s, void *user);
  void (*on_handshaked)(tr_stream *s, void *user);
  void (*on_disconnected)(tr_stream *s, void *user);
  void (*on_received)(tr_stream *s, void *user, const void *data, size_t size);
  void (*on_sent)(tr_stream *s, void *user, size_t sent, size_t pending);
  void (*on_empty)(tr_stream *s, void *user);
  /* category "tls" for TLS failures, else as in stream.h. */
  void (*on_error)(tr_stream *s, void *user, int code, const char *category, const char *message);
} tr_tls_callbacks;

/* A connection that has not finished its handshake this long after its TCP
 * connection came up is closed with on_error(TR_ETIMEDOUT, "tls", ...). */
#define TR_TLS_HANDSHAKE_TIMEOUT_MS 10000

typedef struct tr_tls_server_options {
  /* Address, port, accepting, socket options, user state, ctx and the
   * server's on_error as for TCP; tcp.session is not used. */
  tr_tcp_server_options tcp;
  tr_tls_context *context; /* a server context */
  tr_tls_callbacks session;
  int handshake_timeout_ms; /* 0 = TR_TLS_HANDSHAKE_TIMEOUT_MS, < 0 = none */
} tr_tls_server_options;

int tr_tls_server_new(tr_runtime *rt, const tr_tls_server_options *opts, tr_tls_server **out);
void tr_tls_server_free(tr_tls_server *srv);
int tr_tls_server_start(tr_tls_server *srv);
int tr_tls_server_stop(tr_tls_server *srv);
int tr_tls_server_restart(tr_tls_server *srv);
int tr_tls_server_is_started(const tr_tls_server *srv);
int tr_tls_server_port(const tr_tls_server *srv);
/* Sessions connected, handshaked or not. */
size_t tr_tls_server_session_count(const tr_tls_server *srv);
tr_stream *tr_tls_server_find_session(tr_tls_server *srv, uint64_t id);
int tr_tls_server_disconnect_all(tr_tls_server *srv);
/* Queues data on every handshaked session (each applies its send limit). */
int tr_tls_server_multicast(tr_tls_server *srv, const void *data, size_t size);
int tr_tls_server_multicast_buf(tr_tls_server *srv, tr_buf *buf);
/* The TCP server underneath (for anything not repeated here). */
tr_tcp_server *tr_tls_server_tcp(tr_tls_server *srv);

typedef struct tr_tls_client_options {
  /* Address, port, worker, socket options, user state and ctx as for TCP;
   * tcp.callbacks is not used. */
  tr_tcp_client_options tcp;
  tr_tls_context *context; /* a client context */
  tr_tls_callbacks callbacks;
  int handshake_timeout_ms; /* 0 = TR_TLS_HANDSHAKE_TIMEOUT_MS, < 0 = none */
} tr_tls_client_options;

int tr_tls_client_new(tr_runtime *rt, const tr_tls_client_options *opts, tr_tls_client **out);
void tr_tls_client_free(tr_tls_client *c);
int tr_tls_client_connect(tr_tls_client *c);
/* Connects and waits for the handshake: 0, or the error that ended it.
 * TR_EDEADLK on a worker thread. */
int tr_tls_client_connect_sync(tr_tls_client *c, int64_t timeout_ms);
int tr_tls_client_disconnect(tr_tls_client *c);
int tr_tls_client_reconnect(tr_tls_client *c);
/* Handshaked. */
int tr_tls_client_is_connected(const tr_tls_client *c);
tr_stream *tr_tls_client_stream(tr_tls_client *c);

/* What a TLS stream negotiated. Only on the stream's worker (in its
 * callbacks); strings point into wolfSSL's state and stay valid until the
 * callback returns. */
typedef struct tr_tls_info {
  const char *version; /* "TLSv1.3" */
  const char *cipher;  /* wolfSSL's suite name */
  const char *alpn;    /* selected protocol, or NULL */
  size_t alpn_len;
  int resumed;         /* session resumption took place */
  int peer_certificate; /* the peer presented a certificate */
} tr_tls_info;

/* 0, TR_EINVAL when s is not a TLS stream, TR_ESTATE before the handshake,
 * TR_EDEADLK off the stream's worker. */
int tr_tls_stream_info(tr_stream *s, tr_tls_info *out);

#ifdef __cplusplus
}
#endif
#endif
