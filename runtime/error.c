/* Texts for troupe's error codes; anything else is libuv's (or errno's). */
#include <uv.h>

#include "troupe/error.h"

static const struct {
  int code;
  const char *name;
  const char *text;
} errors[] = {
  {TR_ECLOSED, "TR_ECLOSED", "closed: the actor, session or runtime has stopped"},
  {TR_EINVAL, "TR_EINVAL", "invalid argument"},
  {TR_ENOMEM, "TR_ENOMEM", "out of memory"},
  {TR_EBUSY, "TR_EBUSY", "busy: already running or in use"},
  {TR_ETIMEDOUT, "TR_ETIMEDOUT", "timed out"},
  {TR_ECANCELED, "TR_ECANCELED", "operation canceled"},
  {TR_EALREADY, "TR_EALREADY", "already done"},
  {TR_EDEADLK, "TR_EDEADLK", "would deadlock: blocking call on the thread that must serve it"},
  {TR_ENOTSUP, "TR_ENOTSUP", "not supported"},
  {TR_EOVERFLOW, "TR_EOVERFLOW", "buffer limit exceeded"},
  {TR_EPROTO, "TR_EPROTO", "protocol error: malformed input"},
  {TR_ENOTFOUND, "TR_ENOTFOUND", "not found"},
  {TR_ESTATE, "TR_ESTATE", "not valid in the current state"},
};

const char *tr_strerror(int err) {
  if (err == 0)
    return "success";
  for (unsigned i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].code == err)
      return errors[i].text;
  if (err > TR_ERRNO_BASE - 1000 && err <= TR_ERRNO_BASE)
    return "unknown troupe error";
  return uv_strerror(err);
}

const char *tr_err_name(int err) {
  if (err == 0)
    return "OK";
  for (unsigned i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].code == err)
      return errors[i].name;
  if (err > TR_ERRNO_BASE - 1000 && err <= TR_ERRNO_BASE)
    return "TR_EUNKNOWN";
  return uv_err_name(err);
}
