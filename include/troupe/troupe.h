/* troupe: an actor runtime for network servers. Includes every public header. */
#ifndef TROUPE_H
#define TROUPE_H

#include "error.h"
#include "log.h"
#include "buf.h"
#include "runtime.h"
#include "actor.h"
#include "group.h"
#include "future.h"
#include "timer.h"
#include "stream.h"
#include "tcp.h"
#include "tls.h"
#include "udp.h"
#include "fbe.h"
#include "fbe_session.h"

#endif
