/* Streaming input: plain or gzip files delivered as blocks of whole lines.
 *
 * zlib's gzread reads plain files too, so one path serves both.  A background
 * thread decompresses the next block while the caller parses the current one,
 * so on two cores parsing hides behind decompression.  Blocks are large (4 MiB)
 * and reused: no allocation per line. */
#ifndef GR_READER_H
#define GR_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GR_DEFAULT_MAX_LINE ((size_t)16 << 20)

typedef struct gr_reader gr_reader;

/* path "-" reads standard input.  max_line bounds the length of one line (and
 * so the memory a hostile file can make us use). */
gr_status gr_reader_open(gr_reader **out, const char *path, size_t max_line, char *msg);

/* Next block [*data, *data + *len): whole lines, each ending in '\n' except
 * possibly the very last line of the input.  Valid until the next call.  A
 * line longer than max_line arrives cut to max_line + 2 bytes (the caller
 * rejects or skips it).  Returns GR_EOF at the end.  Errors (corrupt or
 * truncated gzip, read errors) come after the whole lines read before them,
 * without a location: the caller, who counts lines, prefixes "file:line". */
gr_status gr_reader_next(gr_reader *r, const char **data, size_t *len, char *msg);

/* Uncompressed bytes delivered so far. */
uint64_t gr_reader_bytes(const gr_reader *r);
/* True when the input is gzip-compressed. */
int gr_reader_is_gz(const gr_reader *r);
void gr_reader_close(gr_reader *r);

#endif
