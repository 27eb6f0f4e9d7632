/* A stand-in for <criterion/criterion.h>, used only in the ThreadSanitizer
 * build: Criterion's runner cannot start under TSan (its inheritable arena
 * mapping collides with TSan's shadow memory; Criterion issue #274). It
 * provides the subset of Criterion's API troupe's tests use, runs each test
 * in a forked child with a timeout, and prints Criterion's synthesis line so
 * that ./troupe test counts both builds the same way. */
#ifndef TROUPE_CRITERION_TSAN_SHIM_H
#define TROUPE_CRITERION_TSAN_SHIM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct criterion_test_extra_data {
  void (*init)(void);
  void (*fini)(void);
  double timeout;
  bool disabled;
  const char *description;
  int exit_code;
  int signal;
};

void tr_shim_register(const char *suite, const char *name, void (*fn)(void), struct criterion_test_extra_data extra);
void tr_shim_fail(const char *file, int line, const char *expr, const char *fmt, ...);
void tr_shim_skip(const char *fmt, ...);
void tr_shim_log(const char *fmt, ...);

#define Test(suite, name, ...)                                                                                 \
  static void suite##_##name##_impl(void);                                                                     \
  __attribute__((constructor)) static void suite##_##name##_reg(void) {                                        \
    tr_shim_register(#suite, #name, suite##_##name##_impl, (struct criterion_test_extra_data){__VA_ARGS__});   \
  }                                                                                                            \
  static void suite##_##name##_impl(void)

#define TestSuite(...)

#define TR_SHIM_CHECK(cond, expr, ...)                                                                         \
  do {                                                                                                         \
    if (!(cond))                                                                                               \
      tr_shim_fail(__FILE__, __LINE__, expr, "" __VA_ARGS__);                                                 \
  } while (0)

#define cr_assert(cond, ...) TR_SHIM_CHECK((cond), #cond, __VA_ARGS__)
#define cr_assert_not(cond, ...) TR_SHIM_CHECK(!(cond), "!(" #cond ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) TR_SHIM_CHECK((a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) TR_SHIM_CHECK((a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) TR_SHIM_CHECK((a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) TR_SHIM_CHECK((a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) TR_SHIM_CHECK((a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) TR_SHIM_CHECK((a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) TR_SHIM_CHECK((p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) TR_SHIM_CHECK((p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) TR_SHIM_CHECK(strcmp((a), (b)) == 0, #a " == " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) TR_SHIM_CHECK(strcmp((a), (b)) != 0, #a " != " #b, __VA_ARGS__)
#define cr_assert_str_empty(a, ...) TR_SHIM_CHECK((a)[0] == 0, #a " is empty", __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...) TR_SHIM_CHECK(memcmp((a), (b), (n)) == 0, #a " == " #b, __VA_ARGS__)
#define cr_assert_arr_neq(a, b, n, ...) TR_SHIM_CHECK(memcmp((a), (b), (n)) != 0, #a " != " #b, __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...)                                                                     \
  TR_SHIM_CHECK(((a) - (b) <= (eps)) && ((b) - (a) <= (eps)), #a " ~= " #b, __VA_ARGS__)
#define cr_assert_float_neq(a, b, eps, ...)                                                                    \
  TR_SHIM_CHECK(!(((a) - (b) <= (eps)) && ((b) - (a) <= (eps))), #a " !~= " #b, __VA_ARGS__)
#define cr_assert_fail(...) tr_shim_fail(__FILE__, __LINE__, "fail", "" __VA_ARGS__)
#define cr_expect cr_assert
#define cr_expect_eq cr_assert_eq
#define cr_expect_neq cr_assert_neq
#define cr_expect_lt cr_assert_lt
#define cr_expect_gt cr_assert_gt
#define cr_expect_null cr_assert_null
#define cr_expect_not_null cr_assert_not_null
#define cr_expect_str_eq cr_assert_str_eq
#define cr_expect_arr_eq cr_assert_arr_eq
#define cr_expect_float_eq cr_assert_float_eq
#define cr_expect_leq cr_assert_leq
#define cr_expect_geq cr_assert_geq
#define cr_skip_test(...) tr_shim_skip("" __VA_ARGS__)
#define cr_log_info(...) tr_shim_log("" __VA_ARGS__)
#define cr_log_warn(...) tr_shim_log("" __VA_ARGS__)
#define cr_log_error(...) tr_shim_log("" __VA_ARGS__)

#endif
