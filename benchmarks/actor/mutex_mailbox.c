/* Mutex + swapped vector mailbox; see mutex_mailbox.h. The two vectors
 * trade places on every swap, so after warm-up neither side allocates. */
#include <stdlib.h>
#include <string.h>

#include "mutex_mailbox.h"
#include "troupe/error.h"

int mutex_mailbox_init(mutex_mailbox *mb) {
  memset(mb, 0, sizeof *mb);
  return pthread_mutex_init(&mb->lock, NULL) == 0 ? 0 : TR_ENOMEM;
}

void mutex_mailbox_destroy(mutex_mailbox *mb) {
  free(mb->in);
  free(mb->out);
  pthread_mutex_destroy(&mb->lock);
}

int mutex_mailbox_push(mutex_mailbox *mb, const tr_msg *m) {
  pthread_mutex_lock(&mb->lock);
  if (mb->in_len == mb->in_cap) {
    size_t cap = mb->in_cap ? mb->in_cap * 2 : 64;
    tr_msg *nv = realloc(mb->in, cap * sizeof *nv);
    if (!nv) {
      pthread_mutex_unlock(&mb->lock);
      return TR_ENOMEM;
    }
    mb->in = nv;
    mb->in_cap = cap;
  }
  mb->in[mb->in_len++] = *m;
  pthread_mutex_unlock(&mb->lock);
  return 0;
}

int mutex_mailbox_pop(mutex_mailbox *mb, tr_msg *out) {
  if (mb->out_head == mb->out_len) {
    pthread_mutex_lock(&mb->lock);
    tr_msg *v = mb->out;
    size_t cap = mb->out_cap;
    mb->out = mb->in;
    mb->out_cap = mb->in_cap;
    mb->out_len = mb->in_len;
    mb->in = v;
    mb->in_cap = cap;
    mb->in_len = 0;
    pthread_mutex_unlock(&mb->lock);
    mb->out_head = 0;
    if (!mb->out_len)
      return 0;
  }
  *out = mb->out[mb->out_head++];
  return 1;
}
