/* Atomic, buffered output files, plain or gzip.
 *
 * Everything gnnrec writes goes through here: data is written to a temporary
 * file beside the target (same directory, so rename is atomic), and only
 * gr_output_commit() flushes, fsyncs and renames it into place.  A failed or
 * interrupted run therefore never leaves a half-written output, and the previous
 * file of that name stays intact.  A name ending in ".gz" is gzip-compressed.
 * The temporary is "NAME.tmp.PID.XXXXXX": a writer killed outright (kill -9)
 * leaves it behind, and the next successful commit of NAME removes the
 * temporaries whose PID no longer runs.  Every write, flush, fsync and close
 * is checked, so a full disk is an error naming the file. */
#ifndef GR_OUTPUT_H
#define GR_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct gr_output gr_output;

/* Opens a temporary file for `path` ("-" writes to stdout, not atomically). */
gr_status gr_output_open(gr_output **out, const char *path, char *msg);
/* gzip level 1..9 for a compressed output (default 6); call before writing.
 * Bulk data that is written once and read many times by tests and benchmarks
 * can use 1: it compresses ~6x faster for ~10% more bytes. */
void gr_output_set_gzip_level(gr_output *o, int level);
gr_status gr_output_write(gr_output *o, const void *data, size_t len, char *msg);
gr_status gr_output_puts(gr_output *o, const char *s, char *msg);
gr_status gr_output_printf(gr_output *o, char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fast path for the writers of large edge files: append one unsigned integer. */
gr_status gr_output_u64(gr_output *o, uint64_t v, char *msg);
gr_status gr_output_char(gr_output *o, char c, char *msg);
/* Flushes, syncs, closes and renames into place; frees o in every case. */
gr_status gr_output_commit(gr_output *o, char *msg);
/* Closes and removes the temporary file; frees o.  NULL is fine. */
void gr_output_abort(gr_output *o);
/* Path of the final file, for messages. */
const char *gr_output_path(const gr_output *o);

/* True when the name asks for gzip ("*.gz"). */
int gr_path_is_gz(const char *path);

#endif
