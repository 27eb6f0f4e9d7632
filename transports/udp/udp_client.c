/* tr_udp_client: a datagram socket with a default remote endpoint, as an
 * actor. "Connect" binds (it never calls connect(2): the socket stays free to
 * send anywhere and to receive from anyone, as multicast listeners must). */
#include <stdlib.h>
#include <string.h>

#include "troupe/error.h"
#include "udp_core.h"
#include "udp_owner.h"

struct tr_udp_client {
  udp_core core; /* first: the core's callbacks cast back to the client */
  tr_udp_client_callbacks cb;
  void *ctx;
  tr_udp_endpoint remote; /* immutable after new */
  /* Worker only: */
  tr_udp_endpoint local;
  int has_local;
  int multicast;
  int mc_ttl, mc_loop; /* -1: leave the system default */
  char mc_iface[64];
};

static void ev_received(udp_core *core, const tr_udp_endpoint *from, const void *data, size_t size) {
  tr_udp_client *c = (tr_udp_client *)core;
  if (c->cb.on_received)
    c->cb.on_received(c, from, data, size, c->ctx);
}

static void ev_sent(udp_core *core, const tr_udp_endpoint *to, size_t sent) {
  tr_udp_client *c = (tr_udp_client *)core;
  if (c->cb.on_sent)
    c->cb.on_sent(c, to, sent, c->ctx);
}

static void ev_error(udp_core *core, int code, const char *category, const char *message) {
  tr_udp_client *c = (tr_udp_client *)core;
  if (c->cb.on_error)
    c->cb.on_error(c, code, category, message, c->ctx);
}

static void stopped(tr_actor *self, void *state) {
  tr_udp_client *c = state;
  int was_open = udp_core_is_open(&c->core);
  udp_owner_stopped(&c->core);
  if (was_open && !c->core.freed && c->cb.on_disconnected)
    c->cb.on_disconnected(c, c->ctx);
}

static void receive(tr_actor *self, void *state, const tr_msg *m) { udp_core_handle_msg(state, m); }

static void dropped(tr_actor *self, void *state, const tr_msg *m) { udp_core_drop_msg(m); }

static const tr_behaviour client_behaviour = {
    .name = "udp_client", .receive = receive, .stopped = stopped, .dropped = dropped};

int tr_udp_client_new(tr_runtime *rt, const char *address, int port, const tr_udp_options *opts,
                      const tr_udp_client_callbacks *cb, void *ctx, tr_udp_client **out) {
  if (!rt || !out || !address)
    return TR_EINVAL;
  *out = NULL;
  tr_udp_client *tmpl = calloc(1, sizeof(*tmpl));
  if (!tmpl)
    return TR_ENOMEM;
  int r = tr_udp_endpoint_init(&tmpl->remote, address, port);
  if (r < 0) {
    free(tmpl);
    return r;
  }
  if (cb)
    tmpl->cb = *cb;
  tmpl->ctx = ctx;
  tmpl->mc_ttl = tmpl->mc_loop = -1;
  static const udp_core_events evs[2] = {
      {.received = ev_received, .sent = ev_sent, .error = ev_error, .wants_sent = 0},
      {.received = ev_received, .sent = ev_sent, .error = ev_error, .wants_sent = 1},
  };
  udp_core_init(&tmpl->core, opts, &evs[tmpl->cb.on_sent != NULL]);
  tr_actor *a = NULL;
  r = udp_owner_spawn(rt, &tmpl->core, &client_behaviour, tmpl, sizeof(*tmpl), &a);
  free(tmpl);
  if (r < 0)
    return r;
  *out = tr_actor_state(a);
  return 0;
}

void tr_udp_client_free(tr_udp_client *c) {
  if (c)
    udp_owner_free(&c->core);
}

/* ---- control calls (run on the worker) -------------------------------- */

static int apply_multicast_settings(tr_udp_client *c) {
  uv_udp_t *u = udp_core_uv(&c->core);
  int r = 0;
  if (c->mc_iface[0] && (r = uv_udp_set_multicast_interface(u, c->mc_iface)) < 0)
    return r;
  if (c->mc_ttl >= 0 && (r = uv_udp_set_multicast_ttl(u, c->mc_ttl)) < 0)
    return r;
  if (c->mc_loop >= 0 && (r = uv_udp_set_multicast_loop(u, c->mc_loop)) < 0)
    return r;
  return 0;
}

static int op_connect(void *state, udp_call *call) {
  tr_udp_client *c = state;
  if (udp_core_is_open(&c->core))
    return TR_EBUSY;
  tr_udp_endpoint bind_ep;
  if (c->multicast) {
    bind_ep = c->remote;
  } else if (c->has_local) {
    bind_ep = c->local;
  } else {
    tr_udp_endpoint_init(&bind_ep, tr_udp_endpoint_family(&c->remote) == AF_INET6 ? "::" : "0.0.0.0", 0);
  }
  int r = udp_core_open(&c->core, &bind_ep, c->multicast);
  if (r < 0)
    return r;
  if ((r = apply_multicast_settings(c)) < 0 ||
      (!c->core.opts.receive_on_request && (r = udp_core_receive(&c->core)) < 0)) {
    udp_core_close(&c->core);
    return r;
  }
  if (!c->core.freed && c->cb.on_connected)
    c->cb.on_connected(c, c->ctx);
  return 0;
}

static int op_disconnect(void *state, udp_call *call) {
  tr_udp_client *c = state;
  if (!udp_core_is_open(&c->core))
    return TR_ESTATE;
  udp_core_close(&c->core);
  if (!c->core.freed && c->cb.on_disconnected)
    c->cb.on_disconnected(c, c->ctx);
  return 0;
}

static int op_reconnect(void *state, udp_call *call) {
  int r = op_disconnect(state, call);
  return r < 0 ? r : op_connect(state, call);
}

static int op_receive(void *state, udp_call *call) { return udp_core_receive(state); }

static int op_set_local(void *state, udp_call *call) {
  tr_udp_client *c = state;
  if (udp_core_is_open(&c->core))
    return TR_EBUSY;
  c->local = call->ep;
  c->has_local = 1;
  return 0;
}

static int op_setup_multicast(void *state, udp_call *call) {
  tr_udp_client *c = state;
  if (udp_core_is_open(&c->core))
    return TR_EBUSY;
  c->multicast = call->i != 0;
  return 0;
}

static int op_membership(void *state, udp_call *call) {
  tr_udp_client *c = state;
  uv_udp_t *u = udp_core_uv(&c->core);
  if (!u)
    return TR_ECLOSED;
  return uv_udp_set_membership(u, call->s1, call->s2[0] ? call->s2 : NULL,
                               call->i ? UV_JOIN_GROUP : UV_LEAVE_GROUP);
}

enum { MC_IFACE, MC_TTL, MC_LOOP };

static int op_multicast_option(void *state, udp_call *call) {
  tr_udp_client *c = state;
  switch (call->which) {
  case MC_IFACE:
    memcpy(c->mc_iface, call->s1, sizeof(c->mc_iface));
    break;
  case MC_TTL:
    c->mc_ttl = call->i;
    break;
  default:
    c->mc_loop = call->i;
    break;
  }
  return udp_core_uv(&c->core) ? apply_multicast_settings(c) : 0;
}

static int run(tr_udp_client *c, udp_call *call) { return c ? udp_call_run(&c->core, call) : TR_EINVAL; }

int tr_udp_client_set_local(tr_udp_client *c, const char *address, int port) {
  udp_call call = {.fn = op_set_local};
  int r = tr_udp_endpoint_init(&call.ep, address, port);
  return r < 0 ? r : run(c, &call);
}

int tr_udp_client_setup_multicast(tr_udp_client *c, int enable) {
  udp_call call = {.fn = op_setup_multicast, .i = enable};
  return run(c, &call);
}

int tr_udp_client_connect(tr_udp_client *c) {
  udp_call call = {.fn = op_connect};
  return run(c, &call);
}

int tr_udp_client_disconnect(tr_udp_client *c) {
  udp_call call = {.fn = op_disconnect};
  return run(c, &call);
}

int tr_udp_client_reconnect(tr_udp_client *c) {
  udp_call call = {.fn = op_reconnect};
  return run(c, &call);
}

int tr_udp_client_is_connected(const tr_udp_client *c) { return c ? udp_core_is_open(&c->core) : 0; }

int tr_udp_client_receive(tr_udp_client *c) {
  if (!c)
    return TR_EINVAL;
  if (tr_worker_is_current(c->core.worker))
    return (c->core.freed || c->core.dead) ? TR_ECLOSED : udp_core_receive(&c->core);
  if (!udp_core_is_open(&c->core))
    return TR_ECLOSED;
  udp_call call = {.fn = op_receive};
  return udp_call_run(&c->core, &call);
}

static int copy_str(char *dst, size_t size, const char *src) {
  if (!src) {
    dst[0] = 0;
    return 0;
  }
  size_t n = strlen(src);
  if (n >= size)
    return TR_EINVAL;
  memcpy(dst, src, n + 1);
  return 0;
}

static int membership(tr_udp_client *c, const char *group, const char *iface, int join) {
  udp_call call = {.fn = op_membership, .i = join};
  if (!group || copy_str(call.s1, sizeof(call.s1), group) < 0 || copy_str(call.s2, sizeof(call.s2), iface) < 0)
    return TR_EINVAL;
  return run(c, &call);
}

int tr_udp_client_join_group(tr_udp_client *c, const char *group, const char *interface_address) {
  return membership(c, group, interface_address, 1);
}

int tr_udp_client_leave_group(tr_udp_client *c, const char *group, const char *interface_address) {
  return membership(c, group, interface_address, 0);
}

int tr_udp_client_set_multicast_interface(tr_udp_client *c, const char *interface_address) {
  udp_call call = {.fn = op_multicast_option, .which = MC_IFACE};
  if (copy_str(call.s1, sizeof(call.s1), interface_address) < 0)
    return TR_EINVAL;
  return run(c, &call);
}

int tr_udp_client_set_multicast_ttl(tr_udp_client *c, int ttl) {
  if (ttl < 0 || ttl > 255)
    return TR_EINVAL;
  udp_call call = {.fn = op_multicast_option, .i = ttl, .which = MC_TTL};
  return run(c, &call);
}

int tr_udp_client_set_multicast_loop(tr_udp_client *c, int on) {
  udp_call call = {.fn = op_multicast_option, .i = on != 0, .which = MC_LOOP};
  return run(c, &call);
}

/* ---- sending ------------------------------------------------------------ */

int tr_udp_client_send(tr_udp_client *c, const void *data, size_t size) {
  return c ? udp_owner_send(&c->core, &c->remote, data, size, NULL, 0) : TR_EINVAL;
}

int tr_udp_client_send_to(tr_udp_client *c, const tr_udp_endpoint *to, const void *data, size_t size) {
  return c ? udp_owner_send(&c->core, to, data, size, NULL, 0) : TR_EINVAL;
}

int tr_udp_client_send_buf(tr_udp_client *c, const tr_udp_endpoint *to, tr_buf *buf) {
  if (!c || !buf)
    return TR_EINVAL;
  return udp_owner_send(&c->core, to ? to : &c->remote, NULL, 0, buf, 0);
}

int tr_udp_client_send_sync(tr_udp_client *c, const void *data, size_t size) {
  return c ? udp_owner_send(&c->core, &c->remote, data, size, NULL, 1) : TR_EINVAL;
}

int tr_udp_client_send_to_sync(tr_udp_client *c, const tr_udp_endpoint *to, const void *data, size_t size) {
  return c ? udp_owner_send(&c->core, to, data, size, NULL, 1) : TR_EINVAL;
}

int tr_udp_client_local_endpoint(const tr_udp_client *c, tr_udp_endpoint *out) {
  return c ? udp_core_local(&c->core, out) : TR_EINVAL;
}

int tr_udp_client_remote_endpoint(const tr_udp_client *c, tr_udp_endpoint *out) {
  if (!c || !out)
    return TR_EINVAL;
  *out = c->remote;
  return 0;
}

void tr_udp_client_stats(const tr_udp_client *c, tr_udp_stats *out) {
  if (c)
    udp_core_stats(&c->core, out);
  else if (out)
    memset(out, 0, sizeof(*out));
}

tr_worker *tr_udp_client_worker(const tr_udp_client *c) { return c ? c->core.worker : NULL; }
