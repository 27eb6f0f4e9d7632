/* ssl_multicast_server: sends -m messages per second of -s zero bytes to
 * every handshaked session, inside TLS 1.3 (CppServer's
 * ssl_multicast_server). Each session's pending output is capped at 1 MiB;
 * what would pass the cap is dropped (TR_STREAM_LIMIT_DROP), the session
 * stays. Paced like tcp_multicast_server: every millisecond the messages due
 * go out as one buffer, so each session encrypts them as few records. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "troupe/tls.h"
#include "troupe/troupe.h"
#include "uv_tls.h"

static const char usage[] =
    "Usage: ssl_multicast_server [options]\n"
    "  -p, --port PORT      server port (default 2222)\n"
    "  -t, --threads N      worker threads (default: number of cores)\n"
    "  -m, --messages N     messages per second to every session (default 1000000)\n"
    "  -s, --size N         message size (default 32)\n"
    "  -h, --help           this help\n";

static bench_opts o = {.address = "0.0.0.0", .port = 2222, .clients = 1, .messages = 1000000, .size = 32,
                       .seconds = 10};
static tr_tls_server *srv;
static atomic_int running = 1;

static void *producer(void *arg) {
  size_t most = (size_t)(o.messages / 1000 + 1) * o.size;
  tr_buf *zeros = tr_buf_new(most);
  memset(tr_buf_mut(zeros), 0, most);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  double owed = 0;
  while (atomic_load(&running)) {
    owed += (double)o.messages / 1000.0;
    long due = (long)owed;
    owed -= (double)due;
    if (due > 0) {
      tr_buf *b = tr_buf_slice(zeros, 0, (size_t)due * o.size);
      tr_tls_server_multicast_buf(srv, b);
      tr_buf_release(b);
    }
    next.tv_nsec += 1000000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  tr_buf_release(zeros);
  return NULL;
}

int main(int argc, char **argv) {
  uvtls_files files;
  uvtls_take_file_args(&argc, argv, &files);
  bench_parse(&o, argc, argv, usage);
  bench_block_signals();
  tr_tls_context_options co = {
      .server = 1,
      .cert_file = files.cert,
      .key_file = files.key,
      .password = files.password,
      .dh_file = files.dh,
      .min_version = TR_TLS_1_3,
  };
  tr_tls_context *ctx;
  char err[256];
  if (tr_tls_context_new(&co, &ctx, err, sizeof err) != 0) {
    fprintf(stderr, "cannot set up TLS: %s\n", err);
    return 1;
  }
  printf("Server port: %d\nWorking threads: %d\nMessages per second: %ld\nMessage size: %zu\n\n", o.port, o.threads,
         o.messages, o.size);
  fflush(stdout);
  tr_runtime *rt;
  tr_runtime_options ro = {.workers = (unsigned)o.threads};
  if (tr_runtime_new(&rt, &ro) != 0 || tr_runtime_start(rt) != 0) {
    fprintf(stderr, "cannot start the runtime\n");
    return 1;
  }
  tr_tls_server_options so = {
      .tcp = {.address = "0.0.0.0",
              .port = o.port,
              .reuse_address = 1,
              .worker = -1,
              .socket = {.no_delay = 1, .send_limit = 1u << 20, .limit_policy = TR_STREAM_LIMIT_DROP}},
      .context = ctx,
  };
  int rc = tr_tls_server_new(rt, &so, &srv);
  tr_tls_context_release(ctx);
  if (rc == 0)
    rc = tr_tls_server_start(srv);
  if (rc != 0) {
    fprintf(stderr, "cannot start the server: %s\n", tr_strerror(rc));
    return 1;
  }
  pthread_t th;
  pthread_create(&th, NULL, producer, NULL);
  bench_wait_signal();
  atomic_store(&running, 0);
  pthread_join(th, NULL);
  tr_tls_server_free(srv);
  tr_runtime_free(rt);
  return 0;
}
