/* log: one line per event on stderr, with a level.
 *
 * Quiet on success: the default level is LOG_WARN, so a command that works prints only what
 * it is asked to print. -v raises it to info, -vv to debug; -q lowers it to error.
 * Lines look like `jumeau: warn: message` on a terminal-less stream, the same on a terminal.
 * The level is configuration: set once at start-up with log_set_level(), before threads.
 * Thread-safety: log_msg() may be called from any thread; each line is written by one
 * fputs() call, so lines from different threads never interleave. */
#ifndef JUMEAU_LOG_H
#define JUMEAU_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int log_level_parse(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
