/* Logging to stderr. The level comes from TROUPE_LOG (error, warn, info,
 * debug); default warn. Safe from any thread; one line per call. */
#ifndef TROUPE_LOG_H
#define TROUPE_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tr_log_level { TR_LOG_ERROR = 0, TR_LOG_WARN, TR_LOG_INFO, TR_LOG_DEBUG } tr_log_level;

void tr_log(tr_log_level level, const char *component, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tr_log_enabled(tr_log_level level);
void tr_log_set_level(tr_log_level level);

#ifdef __cplusplus
}
#endif
#endif
