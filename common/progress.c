#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_begin(struct progress *p, const char *label, uint64_t total, bool quiet)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->started = progress_now();
    p->last_draw = 0;
    p->enabled = !quiet && isatty(STDERR_FILENO);
}

static void draw(const struct progress *p)
{
    if (p->total) {
        int width = 30;
        uint64_t done = p->done > p->total ? p->total : p->done;
        int filled = (int)((double)done / (double)p->total * width);
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu", p->label, bar, (int)(100.0 * (double)done / (double)p->total),
                (unsigned long long)done, (unsigned long long)p->total);
    } else {
        fprintf(stderr, "\r%s %llu", p->label, (unsigned long long)p->done);
    }
    fflush(stderr);
}

void progress_step(struct progress *p, uint64_t n)
{
    p->done += n;
    if (!p->enabled)
        return;
    double now = progress_now();
    if (now - p->last_draw >= 0.1) {
        p->last_draw = now;
        draw(p);
    }
}

double progress_end(struct progress *p)
{
    if (p->enabled && p->last_draw > 0)
        fprintf(stderr, "\r\033[K");
    return progress_now() - p->started;
}
