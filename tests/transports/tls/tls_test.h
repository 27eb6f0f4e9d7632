/* Shared pieces of the TLS tests: contexts from the development certificates
 * (TROUPE_TEST_CERTS, made by certs/gen-certs.sh at configure time), a TLS
 * echo server that counts what its sessions saw, a client peer, and running
 * the openssl command line as a bounded subprocess. */
#ifndef TROUPE_TLS_TEST_H
#define TROUPE_TLS_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "../tcp/tcp_test_util.h"
#include "troupe/tls.h"

/* Which suite troupe's default order puts first with this wolfSSL (tls.h). */
#include <wolfssl/options.h>
#ifdef WOLFSSL_AESNI
#define TL_FIRST_SUITE "TLS13-AES128-GCM-SHA256"
#define TL_FIRST_SUITE_OPENSSL "TLS_AES_128_GCM_SHA256"
#else
#define TL_FIRST_SUITE "TLS13-CHACHA20-POLY1305-SHA256"
#define TL_FIRST_SUITE_OPENSSL "TLS_CHACHA20_POLY1305_SHA256"
#endif

static inline const char *tl_certs(void) {
  const char *d = getenv("TROUPE_TEST_CERTS");
  return d ? d : TLS_TEST_CERTS;
}

/* A path in the certificates directory (or in dir when given). */
#define TL_PATH(name) tl_join((char[512]){0}, tl_certs(), name)
static inline char *tl_join(char *buf, const char *dir, const char *name) {
  snprintf(buf, 512, "%s/%s", dir, name);
  return buf;
}

/* The dev server identity (chain and encrypted key in server.pem) and a
 * client trusting the dev CA; initializers, so the paths live in the
 * caller's block. */
#define TL_SERVER_OPTS                                                                                         \
  {.server = 1, .cert_file = TL_PATH("server.pem"), .password = "qwerty", .ca_file = TL_PATH("ca.pem"),       \
   .dh_file = TL_PATH("dh.pem")}
#define TL_CLIENT_OPTS {.ca_file = TL_PATH("ca.pem")}

static inline tr_tls_context *tl_context(const tr_tls_context_options *o) {
  char err[256];
  tr_tls_context *c = NULL;
  int rc = tr_tls_context_new(o, &c, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "tr_tls_context_new: %d %s\n", rc, err);
  return c;
}

/* What the server's sessions saw, all sessions together. */
typedef struct tl_server_stats {
  _Atomic int connected, handshaked, disconnected, errors, last_error;
  pthread_mutex_t mu;
  char last_message[256];
  char last_category[16];
  _Atomic int quit_on_q; /* disconnect after echoing a line that starts with "QUIT" */
} tl_server_stats;

static void tl_srv_connected(tr_stream *s, void *user) { atomic_fetch_add(&((tl_server_stats *)user)->connected, 1); }
static void tl_srv_handshaked(tr_stream *s, void *user) {
  atomic_fetch_add(&((tl_server_stats *)user)->handshaked, 1);
}
static void tl_srv_disconnected(tr_stream *s, void *user) {
  atomic_fetch_add(&((tl_server_stats *)user)->disconnected, 1);
}
static void tl_srv_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  tl_server_stats *st = user;
  pthread_mutex_lock(&st->mu);
  snprintf(st->last_message, sizeof st->last_message, "%s", message);
  snprintf(st->last_category, sizeof st->last_category, "%s", category);
  pthread_mutex_unlock(&st->mu);
  atomic_store(&st->last_error, code);
  atomic_fetch_add(&st->errors, 1);
}
static void tl_srv_received(tr_stream *s, void *user, const void *data, size_t size) {
  tl_server_stats *st = user;
  tr_stream_send(s, data, size);
  if (atomic_load(&st->quit_on_q) && memmem(data, size, "QUIT", 4))
    tr_stream_disconnect(s);
}

static inline void tl_stats_init(tl_server_stats *st) {
  memset(st, 0, sizeof *st);
  pthread_mutex_init(&st->mu, NULL);
}

static inline tr_tls_server *tl_echo_server(tr_runtime *rt, tr_tls_context *ctx, tl_server_stats *st,
                                            int handshake_timeout_ms) {
  tr_tls_server_options o = {
      .tcp = {.address = "127.0.0.1", .worker = -1, .socket = {.no_delay = 1}, .ctx = st},
      .context = ctx,
      .session = {.on_connected = tl_srv_connected,
                  .on_handshaked = tl_srv_handshaked,
                  .on_disconnected = tl_srv_disconnected,
                  .on_received = tl_srv_received,
                  .on_error = tl_srv_error},
      .handshake_timeout_ms = handshake_timeout_ms,
  };
  tr_tls_server *srv = NULL;
  if (tr_tls_server_new(rt, &o, &srv) != 0)
    return NULL;
  if (tr_tls_server_start(srv) != 0) {
    tr_tls_server_free(srv);
    return NULL;
  }
  return srv;
}

/* A client's view: the collector (bytes, handshakes as `connected`,
 * disconnects, errors) plus TCP connects and the last error's text. */
typedef struct tl_peer {
  tt_collector col; /* first: the tt_ callbacks take the same pointer */
  _Atomic int tcp_connected;
  char category[16];
  char message[256];
  char version[32];
  char cipher[64];
  char alpn[32];
  _Atomic int resumed;
  const char *early; /* sent from on_connected, before the handshake */
} tl_peer;

static void tl_on_connected(tr_stream *s, void *user) {
  tl_peer *p = user;
  atomic_fetch_add(&p->tcp_connected, 1);
  if (p->early)
    tr_stream_send(s, p->early, strlen(p->early));
}
static void tl_on_handshaked(tr_stream *s, void *user) {
  tl_peer *p = user;
  tr_tls_info info;
  if (tr_tls_stream_info(s, &info) == 0) {
    pthread_mutex_lock(&p->col.mu);
    snprintf(p->version, sizeof p->version, "%s", info.version ? info.version : "");
    snprintf(p->cipher, sizeof p->cipher, "%s", info.cipher ? info.cipher : "");
    snprintf(p->alpn, sizeof p->alpn, "%.*s", info.alpn ? (int)info.alpn_len : 0, info.alpn ? info.alpn : "");
    pthread_mutex_unlock(&p->col.mu);
    atomic_store(&p->resumed, info.resumed);
  }
  atomic_fetch_add(&p->col.connected, 1);
}
static void tl_on_error(tr_stream *s, void *user, int code, const char *category, const char *message) {
  tl_peer *p = user;
  pthread_mutex_lock(&p->col.mu);
  snprintf(p->category, sizeof p->category, "%s", category);
  snprintf(p->message, sizeof p->message, "%s", message);
  pthread_mutex_unlock(&p->col.mu);
  tt_on_error(s, user, code, category, message);
}

static inline void tl_peer_init(tl_peer *p, size_t cap) {
  memset(p, 0, sizeof *p);
  tt_collector_init(&p->col, cap);
}

static inline tr_tls_client *tl_client(tr_runtime *rt, tr_tls_context *ctx, int port, tl_peer *p) {
  tr_tls_client_options o = {
      .tcp = {.address = "127.0.0.1", .port = port, .worker = -1, .socket = {.no_delay = 1}, .ctx = p},
      .context = ctx,
      .callbacks = {.on_connected = tl_on_connected,
                    .on_handshaked = tl_on_handshaked,
                    .on_disconnected = tt_on_disconnected,
                    .on_received = tt_on_received,
                    .on_empty = tt_on_empty,
                    .on_error = tl_on_error},
  };
  tr_tls_client *c = NULL;
  if (tr_tls_client_new(rt, &o, &c) != 0)
    return NULL;
  return c;
}

/* Runs `sh -c cmd` with stdout+stderr into out_file; returns its pid. */
static inline pid_t tl_spawn(const char *cmd, const char *out_file) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  return pid;
}

/* Waits for pid at most ms; kills it after that. Returns its exit status
 * (or -1 when it had to be killed). */
static inline int tl_reap(pid_t pid, int ms) {
  int status = 0;
  uint64_t end = tt_now_ms() + (uint64_t)ms;
  while (tt_now_ms() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    usleep(5000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

/* The whole file (up to 64 KiB), NUL-terminated; free it. */
static inline char *tl_slurp(const char *path) {
  char *buf = calloc(1, 65537);
  FILE *f = fopen(path, "r");
  if (f) {
    size_t n = fread(buf, 1, 65536, f);
    buf[n] = 0;
    fclose(f);
  }
  return buf;
}

static inline int tl_file_has(const char *path, const char *needle) {
  char *s = tl_slurp(path);
  int found = strstr(s, needle) != NULL;
  free(s);
  return found;
}

/* A port that was free a moment ago (for openssl s_server). */
static inline int tl_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

static inline int tl_raw_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Reads until EOF or ms pass; returns bytes read (up to cap) or -1 on a
 * timeout without EOF. */
static inline ssize_t tl_read_to_eof(int fd, char *buf, size_t cap, int ms) {
  struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t got = 0;
  for (;;) {
    char tmp[4096];
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r == 0)
      return (ssize_t)got;
    if (r < 0)
      return errno == ECONNRESET ? (ssize_t)got : -1;
    size_t n = (size_t)r;
    if (got < cap)
      memcpy(buf + got, tmp, n < cap - got ? n : cap - got);
    got += n;
  }
}

#endif
