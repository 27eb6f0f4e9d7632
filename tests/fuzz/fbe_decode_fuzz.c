/* libFuzzer target for the FBE decoders and the stream receiver.
 *
 * Every input goes through: each generated decoder of the simple protocol
 * and of tests/protocols/fbe/alltypes.fbe (whatever decodes must re-encode
 * and decode to an equal value: decoding is canonical), and the simple
 * receiver, fed in chunks whose sizes come from the input itself. Built and
 * run by tools/fuzz-fbe.sh. */
#include <stdint.h>
#include <stdlib.h>

#include "alltypes.h"
#include "simple.h"

#define ROUND_TRIP(T, data, size)                                 \
  do {                                                            \
    T v, again;                                                   \
    if (T##_decode(&v, (data), (size)) == 0) {                    \
      tr_fbe_buffer b;                                            \
      tr_fbe_buffer_init(&b);                                     \
      if (T##_encode(&v, &b) < 0)                                 \
        abort();                                                  \
      if (T##_decode(&again, b.data, b.size) != 0)                \
        abort();                                                  \
      if (!T##_equal(&v, &again))                                 \
        abort();                                                  \
      char text[512];                                             \
      T##_format(&v, text, sizeof text);                          \
      T##_free(&again);                                           \
      T##_free(&v);                                               \
      tr_fbe_buffer_free(&b);                                     \
    }                                                             \
  } while (0)

static int on_any(void *ctx, uint32_t type, const uint8_t *frame, size_t size) {
  (*(size_t *)ctx) += size;
  return 0;
}

static int on_request(void *ctx, const simple_SimpleRequest *m) {
  (*(size_t *)ctx) += m->Message.size;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t type;
  (void)tr_fbe_frame_type(data, size, &type);

  ROUND_TRIP(simple_SimpleRequest, data, size);
  ROUND_TRIP(simple_SimpleResponse, data, size);
  ROUND_TRIP(simple_SimpleReject, data, size);
  ROUND_TRIP(simple_SimpleNotify, data, size);
  ROUND_TRIP(simple_DisconnectRequest, data, size);
  ROUND_TRIP(alltypes_Everything, data, size);
  ROUND_TRIP(alltypes_Collections, data, size);
  ROUND_TRIP(alltypes_Optionals, data, size);
  ROUND_TRIP(alltypes_Scalars, data, size);
  ROUND_TRIP(alltypes_Tree, data, size);
  ROUND_TRIP(alltypes_Longer, data, size);

  /* The stream path: the same bytes as a session would read them. */
  size_t seen = 0;
  simple_handlers h = {.on_SimpleRequest = on_request, .on_unknown = on_any};
  simple_receiver r;
  simple_receiver_init(&r, 1 << 16, &h, &seen);
  size_t off = 0, step = size ? (size_t)data[0] % 23 + 1 : 1;
  while (off < size) {
    size_t n = size - off < step ? size - off : step;
    if (simple_receiver_feed(&r, data + off, n) != 0)
      break;
    off += n;
    step = (size_t)data[off % size] % 97 + 1;
  }
  simple_receiver_free(&r);
  return 0;
}
