/* tr_buf: reference counts, slices, wrapping, sharing across threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "troupe/buf.h"

static int freed_calls;
static void on_free(void *data, size_t len, void *ctx) {
  freed_calls++;
  cr_assert_eq(len, 5);
  cr_assert_eq(ctx, &freed_calls);
}

Test(buf, copy_retain_release) {
  tr_buf *b = tr_buf_copy("hello", 5);
  cr_assert_not_null(b);
  cr_assert_eq(tr_buf_len(b), 5);
  cr_assert_arr_eq(tr_buf_data(b), "hello", 5);
  cr_assert_eq(tr_buf_retain(b), b);
  cr_assert_eq(tr_buf_refs(b), 2);
  tr_buf_release(b);
  cr_assert_eq(tr_buf_refs(b), 1);
  tr_buf_release(b);
  tr_buf_release(NULL);
}

Test(buf, wrap_calls_free_fn_once_when_last_reference_goes) {
  static char data[] = "abcde";
  freed_calls = 0;
  tr_buf *b = tr_buf_wrap(data, 5, on_free, &freed_calls);
  tr_buf *s = tr_buf_slice(b, 1, 3);
  cr_assert_not_null(s);
  cr_assert_arr_eq(tr_buf_data(s), "bcd", 3);
  tr_buf_release(b);
  cr_assert_eq(freed_calls, 0, "the slice keeps its parent alive");
  tr_buf_release(s);
  cr_assert_eq(freed_calls, 1);
}

Test(buf, slices_check_bounds) {
  tr_buf *b = tr_buf_new(10);
  memset(tr_buf_mut(b), 'x', 10);
  cr_assert_null(tr_buf_slice(b, 11, 0));
  cr_assert_null(tr_buf_slice(b, 5, 6));
  cr_assert_null(tr_buf_slice(b, 1, SIZE_MAX));
  tr_buf *empty = tr_buf_slice(b, 10, 0);
  cr_assert_not_null(empty);
  cr_assert_eq(tr_buf_len(empty), 0);
  tr_buf *nested = tr_buf_slice(b, 2, 6);
  tr_buf *inner = tr_buf_slice(nested, 1, 2);
  cr_assert_eq((const char *)tr_buf_data(inner), (const char *)tr_buf_data(b) + 3);
  tr_buf_release(nested);
  tr_buf_release(empty);
  tr_buf_release(b);
  cr_assert_arr_eq(tr_buf_data(inner), "xx", 2);
  tr_buf_release(inner);
  cr_assert_null(tr_buf_new(SIZE_MAX));
}

static void *share(void *arg) {
  tr_buf *b = arg;
  for (int i = 0; i < 100000; i++) {
    tr_buf_retain(b);
    cr_assert_eq(((const char *)tr_buf_data(b))[0], 'z');
    tr_buf_release(b);
  }
  tr_buf_release(b);
  return NULL;
}

Test(buf, shared_by_threads_freed_exactly_once, .timeout = 30) {
  tr_buf *b = tr_buf_copy("z", 1);
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, share, tr_buf_retain(b));
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  cr_assert_eq(tr_buf_refs(b), 1);
  tr_buf_release(b);
}
