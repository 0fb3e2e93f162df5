/* progress: a progress bar on a terminal, nothing otherwise.
 *
 * Long work (imports, tiling) calls progress_step() as it goes; on a terminal (stderr is a
 * tty and the log level is not quiet) a bar is redrawn at most ten times a second; elsewhere
 * nothing is printed, and the command prints its one summary line at the end.
 * Thread-safety: one progress per thread, or guard it. */
#ifndef JUMEAU_PROGRESS_H
#define JUMEAU_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    const char *label;
    uint64_t total; /* 0 when unknown: then a count is shown instead of a bar */
    uint64_t done;
    double last_draw;
    double started;
    bool enabled;
};

void progress_begin(struct progress *p, const char *label, uint64_t total, bool quiet);
void progress_step(struct progress *p, uint64_t n);
/* Clears the bar line. Returns the seconds since progress_begin(). */
double progress_end(struct progress *p);

/* Monotonic seconds, for timings in reports and logs. */
double progress_now(void);

#endif
