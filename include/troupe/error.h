/* troupe error codes.
 *
 * Like libuv, every call that can fail returns 0 (or a positive value) on
 * success and a negative code on failure. troupe's own codes live in their
 * own range so they never collide with libuv's (negated errno values), and
 * transports pass libuv's codes through unchanged: tr_strerror() names both.
 */
#ifndef TROUPE_ERROR_H
#define TROUPE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* troupe owns (-31000, -30000]. */
#define TR_ERRNO_BASE (-30000)

typedef enum tr_errno {
  TR_OK = 0,
  TR_ECLOSED = TR_ERRNO_BASE - 1,    /* target actor, session or runtime is stopped */
  TR_EINVAL = TR_ERRNO_BASE - 2,     /* bad argument */
  TR_ENOMEM = TR_ERRNO_BASE - 3,     /* out of memory */
  TR_EBUSY = TR_ERRNO_BASE - 4,      /* already running, or in use */
  TR_ETIMEDOUT = TR_ERRNO_BASE - 5,  /* a wait ran past its timeout */
  TR_ECANCELED = TR_ERRNO_BASE - 6,  /* operation canceled */
  TR_EALREADY = TR_ERRNO_BASE - 7,   /* already done (stopped twice, completed twice) */
  TR_EDEADLK = TR_ERRNO_BASE - 8,    /* a blocking call on a thread that would have to serve it */
  TR_ENOTSUP = TR_ERRNO_BASE - 9,    /* not supported in this build or state */
  TR_EOVERFLOW = TR_ERRNO_BASE - 10, /* a buffer limit was exceeded */
  TR_EPROTO = TR_ERRNO_BASE - 11,    /* malformed input from a peer */
  TR_ENOTFOUND = TR_ERRNO_BASE - 12, /* no such id, member or entry */
  TR_ESTATE = TR_ERRNO_BASE - 13,    /* call not valid in the object's current state */
  TR_ERRNO_LAST = TR_ERRNO_BASE - 14
} tr_errno;

/* A static, human-readable text for any troupe or libuv error code. */
const char *tr_strerror(int err);
/* The symbolic name ("TR_ECLOSED", "ECONNREFUSED", ...). */
const char *tr_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
