/* A one-line progress display on stderr for long work (loading, writing).
 *
 * It is the one place outside cli/ that prints, and only when enabled: the
 * CLI enables it when stderr is a terminal (or --progress), never with --quiet.
 * Updates are throttled to a few per second so the hot loop pays one clock
 * read every few thousand rows. */
#ifndef GR_PROGRESS_H
#define GR_PROGRESS_H

#include <stdint.h>

typedef struct {
    int enabled;
    const char *label;
    double start;
    double last;
} gr_progress;

void gr_progress_start(gr_progress *p, const char *label, int enabled);
/* bytes: input bytes consumed so far; rows: rows (or items) processed so far. */
void gr_progress_update(gr_progress *p, uint64_t bytes, uint64_t rows);
/* Clears the line. */
void gr_progress_finish(gr_progress *p);

#endif
