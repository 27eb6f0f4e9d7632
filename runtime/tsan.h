/* ThreadSanitizer does not see the ordering that Concurrency Kit's rings
 * provide (plain volatile loads and fences), so the mailbox tells it: a
 * release on the ring before each enqueue, an acquire after each dequeue. */
#ifndef TROUPE_TSAN_H
#define TROUPE_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define TR_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TR_TSAN 1
#endif
#endif

#ifdef TR_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TR_TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define TR_TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#define TR_TSAN_ACQUIRE(p) ((void)0)
#define TR_TSAN_RELEASE(p) ((void)0)
#endif

#endif
