/* Criterion's runner keeps a few small allocations for the life of the
 * process; LeakSanitizer should report troupe's leaks, not those. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libcriterion.so\n"; }
