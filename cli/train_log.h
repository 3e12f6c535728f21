/* The training log of `gnnrec train --log FILE`: one JSON object per epoch.
 *
 * Unlike results, the log is written as training goes, a line at a time and
 * flushed, so `tail -f` follows a long run and a killed run keeps what it
 * logged.  A resumed run continues the same file: lines of epochs after the
 * checkpoint's (logged by the run that was killed, and about to be trained
 * again) are cut off first, so each epoch appears once. */
#ifndef GR_TRAIN_LOG_H
#define GR_TRAIN_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

typedef struct {
    FILE *f;
    const char *path;
} gr_train_log;

/* Opens path for a new run (after_epoch == 0: truncated) or for a run resumed
 * after epoch after_epoch (kept up to that epoch's line, appended to). */
gr_status gr_train_log_open(gr_train_log *log, const char *path, uint32_t after_epoch, char *msg);
/* Writes one finished line (without the newline) and flushes it. */
gr_status gr_train_log_line(gr_train_log *log, const char *line, char *msg);
/* Closes the file; reports a failed close.  A log never opened is fine. */
gr_status gr_train_log_close(gr_train_log *log, char *msg);

/* One series read back from a log: for each line that holds `key`, the
 * epoch, the training seconds up to and including that epoch (the sum of
 * "seconds" over every line so far: training only), the wall seconds (the same
 * plus every "eval_seconds" so far) and the value.  key is a top-level metric
 * ("recall@20": what selection saw) or "test." and a metric inside the "test"
 * object ("test.recall@20", written by --log-test). */
typedef struct {
    size_t n;
    double *epoch, *train_seconds, *wall_seconds, *value;
} gr_log_series;

/* A line that is not one of the log's objects is an error naming path:line. */
gr_status gr_log_series_read(gr_log_series *s, const char *path, const char *key, char *msg);
void gr_log_series_free(gr_log_series *s);

#endif
