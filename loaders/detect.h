/* Guessing a file's format, separator, id kind and header from its first lines.
 * Every guess is overridden by the matching option (--format, --sep, --ids,
 * --header); the rules are in detect.c and in the README. */
#ifndef GR_DETECT_H
#define GR_DETECT_H

#include <stddef.h>

#include "loaders/load.h"

typedef struct {
    gr_format format;
    char sep;        /* ' ' for adjacency lists (any blanks) */
    gr_id_mode ids;
    int has_header;
    int n_cols;      /* edge lists: columns of the first data row, clamped to 2..4 */
} gr_detected;

/* Looks at up to 64 data lines at the start of [data, data + len).  Returns 0
 * when the block holds no data line (then nothing is decided yet). */
int gr_detect(const char *data, size_t len, const gr_load_opts *o, gr_detected *d);

/* True when the line is blank or a '#'/'%' comment. */
int gr_is_comment_or_blank(const char *line, size_t len);

#endif
