/* The printable form's output: a FILE* or a bounded char buffer. */
#include <stdarg.h>

#include "troupe/fbe.h"

tr_fbe_out tr_fbe_out_file(FILE *f) {
  tr_fbe_out o = {.file = f};
  return o;
}

tr_fbe_out tr_fbe_out_buffer(char *buf, size_t cap) {
  tr_fbe_out o = {.buf = buf, .cap = cap};
  if (buf && cap)
    buf[0] = '\0';
  return o;
}

void tr_fbe_out_raw(tr_fbe_out *o, const char *s, size_t n) {
  if (o->file) {
    fwrite(s, 1, n, o->file);
  } else if (o->buf && o->cap) {
    /* Once full, len keeps counting but nothing more is written. */
    if (o->len < o->cap - 1) {
      size_t room = o->cap - 1 - o->len;
      size_t k = n < room ? n : room;
      memcpy(o->buf + o->len, s, k);
      o->buf[o->len + k] = '\0';
    }
  }
  o->len += n;
}

void tr_fbe_out_printf(tr_fbe_out *o, const char *fmt, ...) {
  char small[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    tr_fbe_out_raw(o, small, (size_t)n);
    return;
  }
  /* Rare (long formatted values): format again into a large enough buffer. */
  char big[(size_t)n + 1];
  va_start(ap, fmt);
  vsnprintf(big, sizeof big, fmt, ap);
  va_end(ap);
  tr_fbe_out_raw(o, big, (size_t)n);
}

void tr_fbe_out_quoted(tr_fbe_out *o, const char *s, size_t n) {
  tr_fbe_out_raw(o, "\"", 1);
  size_t run = 0; /* printable bytes not yet written */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
      run++;
      continue;
    }
    tr_fbe_out_raw(o, s + i - run, run);
    run = 0;
    switch (c) {
    case '"': tr_fbe_out_raw(o, "\\\"", 2); break;
    case '\\': tr_fbe_out_raw(o, "\\\\", 2); break;
    case '\n': tr_fbe_out_raw(o, "\\n", 2); break;
    case '\r': tr_fbe_out_raw(o, "\\r", 2); break;
    case '\t': tr_fbe_out_raw(o, "\\t", 2); break;
    default: tr_fbe_out_printf(o, "\\x%02x", c); break;
    }
  }
  tr_fbe_out_raw(o, s + n - run, run);
  tr_fbe_out_raw(o, "\"", 1);
}

void tr_fbe_out_uuid(tr_fbe_out *o, const tr_fbe_uuid *u) {
  char text[37];
  tr_fbe_uuid_format(u, text);
  tr_fbe_out_printf(o, "\"%s\"", text);
}

void tr_fbe_out_decimal(tr_fbe_out *o, const tr_fbe_decimal *d) {
  char text[64];
  tr_fbe_decimal_format(d, text, sizeof text);
  tr_fbe_out_raw(o, text, strlen(text));
}

void tr_fbe_out_bytes(tr_fbe_out *o, const uint8_t *data, size_t n) {
  /* Like CppServer's operator<< for buffers: the size, not the contents. */
  tr_fbe_out_printf(o, "bytes[%zu]", n);
  (void)data;
}
