#include "core/progress.h"

#include <stdio.h>

#include "core/format.h"
#include "core/sysinfo.h"

void gr_progress_start(gr_progress *p, const char *label, int enabled)
{
    p->enabled = enabled;
    p->label = label;
    p->start = gr_now();
    p->last = p->start;
}

void gr_progress_update(gr_progress *p, uint64_t bytes, uint64_t rows)
{
    if (p == NULL || !p->enabled) return;
    double now = gr_now();
    if (now - p->last < 0.25) return;
    p->last = now;
    double secs = now - p->start;
    char b[GR_FMT_LEN], r[GR_FMT_LEN], rate[GR_FMT_LEN];
    fprintf(stderr, "\r%s: %s, %s rows, %s/s, %.1f s   ", p->label, gr_fmt_bytes(b, (double)bytes),
            gr_fmt_count(r, rows), gr_fmt_bytes(rate, secs > 0 ? (double)bytes / secs : 0), secs);
    fflush(stderr);
}

void gr_progress_finish(gr_progress *p)
{
    if (p == NULL || !p->enabled) return;
    if (p->last > p->start) fprintf(stderr, "\r%*s\r", 78, "");
    fflush(stderr);
}
