/* uuid text form, random (v4) and time-based (v1) uuids, and the clocks FBE
 * timestamps and request deadlines use. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "troupe/error.h"
#include "troupe/fbe.h"

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int tr_fbe_uuid_parse(tr_fbe_uuid *u, const char *text) {
  if (!u || !text)
    return TR_EINVAL;
  size_t len = strlen(text);
  bool braces = len >= 2 && text[0] == '{' && text[len - 1] == '}';
  if (braces) {
    text++;
    len -= 2;
  }
  bool hyphens;
  if (len == 36)
    hyphens = true;
  else if (len == 32)
    hyphens = false;
  else
    return TR_EINVAL;
  tr_fbe_uuid out;
  size_t j = 0;
  for (size_t i = 0; i < len;) {
    if (hyphens && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (text[i] != '-')
        return TR_EINVAL;
      i++;
      continue;
    }
    int hi = hexval((unsigned char)text[i]), lo = hexval((unsigned char)text[i + 1]);
    if (hi < 0 || lo < 0)
      return TR_EINVAL;
    out.bytes[j++] = (uint8_t)(hi << 4 | lo);
    i += 2;
  }
  if (j != 16)
    return TR_EINVAL;
  *u = out;
  return 0;
}

void tr_fbe_uuid_format(const tr_fbe_uuid *u, char out[37]) {
  static const char digits[] = "0123456789abcdef";
  size_t k = 0;
  for (size_t i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[k++] = '-';
    out[k++] = digits[u->bytes[i] >> 4];
    out[k++] = digits[u->bytes[i] & 15];
  }
  out[k] = '\0';
}

void tr_fbe_uuid_nil(tr_fbe_uuid *u) { memset(u->bytes, 0, 16); }

bool tr_fbe_uuid_equal(const tr_fbe_uuid *a, const tr_fbe_uuid *b) { return memcmp(a->bytes, b->bytes, 16) == 0; }

bool tr_fbe_uuid_is_nil(const tr_fbe_uuid *u) {
  static const uint8_t zero[16];
  return memcmp(u->bytes, zero, 16) == 0;
}

uint64_t tr_fbe_uuid_hash(const tr_fbe_uuid *u) {
  /* FNV-1a then a final mix: v1 uuids differ mostly in their first bytes. */
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < 16; i++) {
    h ^= u->bytes[i];
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

static int random_bytes(void *buf, size_t n) {
  uint8_t *p = buf;
  while (n) {
    ssize_t r = getrandom(p, n, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    p += r;
    n -= (size_t)r;
  }
  if (!n)
    return 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR)
        continue;
      close(fd);
      return TR_EPROTO;
    }
    p += r;
    n -= (size_t)r;
  }
  close(fd);
  return 0;
}

int tr_fbe_uuid_random(tr_fbe_uuid *u) {
  int rc = random_bytes(u->bytes, 16);
  if (rc)
    return rc;
  u->bytes[6] = (uint8_t)((u->bytes[6] & 0x0f) | 0x40);
  u->bytes[8] = (uint8_t)((u->bytes[8] & 0x3f) | 0x80);
  return 0;
}

static pthread_mutex_t v1_lock = PTHREAD_MUTEX_INITIALIZER;
static bool v1_ready;
static uint8_t v1_node[6];
static uint16_t v1_clock_seq;
static uint64_t v1_last;

int tr_fbe_uuid_sequential(tr_fbe_uuid *u) {
  /* 100 ns ticks since 1582-10-15, the start of the Gregorian calendar. */
  uint64_t now = tr_fbe_timestamp_now() / 100 + 0x01B21DD213814000ull;
  pthread_mutex_lock(&v1_lock);
  if (!v1_ready) {
    uint8_t seed[8];
    int rc = random_bytes(seed, sizeof seed);
    if (rc) {
      pthread_mutex_unlock(&v1_lock);
      return rc;
    }
    memcpy(v1_node, seed, 6);
    v1_node[0] |= 0x01; /* multicast bit: a random node id, not a MAC */
    v1_clock_seq = (uint16_t)(seed[6] << 8 | seed[7]);
    v1_ready = true;
  }
  /* Strictly increasing, so two uuids in one tick still differ. */
  if (now <= v1_last)
    now = v1_last + 1;
  v1_last = now;
  uint16_t seq = v1_clock_seq;
  pthread_mutex_unlock(&v1_lock);

  uint32_t time_low = (uint32_t)now;
  uint16_t time_mid = (uint16_t)(now >> 32);
  uint16_t time_hi = (uint16_t)(((now >> 48) & 0x0fff) | 0x1000);
  u->bytes[0] = (uint8_t)(time_low >> 24);
  u->bytes[1] = (uint8_t)(time_low >> 16);
  u->bytes[2] = (uint8_t)(time_low >> 8);
  u->bytes[3] = (uint8_t)time_low;
  u->bytes[4] = (uint8_t)(time_mid >> 8);
  u->bytes[5] = (uint8_t)time_mid;
  u->bytes[6] = (uint8_t)(time_hi >> 8);
  u->bytes[7] = (uint8_t)time_hi;
  u->bytes[8] = (uint8_t)(((seq >> 8) & 0x3f) | 0x80);
  u->bytes[9] = (uint8_t)seq;
  memcpy(u->bytes + 10, v1_node, 6);
  return 0;
}

uint64_t tr_fbe_timestamp_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t tr_fbe_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}
