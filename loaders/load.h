/* Reading interaction files into a dataset: format and id detection, parsing,
 * bad-row handling.
 *
 * Formats:
 *   adj       LightGCN/NGCF adjacency list: "user item item ...", whitespace separated
 *   edges     "src<sep>dst[<sep>weight[<sep>timestamp]]", sep = tab, comma, space or "::",
 *             '#' or '%' comment lines, optional header line
 *   movielens u.data (tab) or ratings.dat ("::"): user item rating timestamp
 * Any file may be gzip-compressed.
 *
 * Several files can be loaded into one dataset (train, then test): they share
 * the id maps, so the same string always gets the same index, and the rows of
 * each file are a contiguous range of ds->rows. */
#ifndef GR_LOAD_H
#define GR_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "loaders/idmap.h"
#include "loaders/rows.h"

typedef enum { GR_FORMAT_AUTO, GR_FORMAT_ADJ, GR_FORMAT_EDGES, GR_FORMAT_MOVIELENS } gr_format;
typedef enum { GR_IDS_AUTO, GR_IDS_INT, GR_IDS_STRING } gr_id_mode;
typedef enum { GR_HEADER_AUTO, GR_HEADER_YES, GR_HEADER_NO } gr_header_mode;

/* Kinds of bad rows, counted separately under --skip-bad-rows. */
typedef enum {
    GR_BAD_MISSING_COLUMN,
    GR_BAD_NON_NUMERIC,
    GR_BAD_NEGATIVE,
    GR_BAD_OVERFLOW,
    GR_BAD_NUL_BYTE,
    GR_BAD_EXTRA_COLUMN,
    GR_BAD_UNKNOWN_ID,
    GR_BAD_LONG_LINE,
    GR_BAD_NON_NUMERIC_VALUE, /* weight or timestamp column */
    GR_BAD_NCLASSES
} gr_bad_class;

const char *gr_bad_class_name(gr_bad_class c);
const char *gr_format_name(gr_format f);
/* Parses "adj", "edges", "movielens", "auto"; -1 when unknown. */
int gr_format_parse(const char *s, gr_format *f);

typedef struct {
    gr_format format;
    gr_id_mode ids;
    gr_header_mode header;
    /* Separator for edge lists: 0 = detect, '\t', ',', ' ' (any run of blanks),
     * or ':' meaning "::". */
    char sep;
    int has_min_rating;
    double min_rating;    /* rows with weight < min_rating are dropped */
    int skip_bad_rows;    /* count and skip bad rows instead of failing */
    int shared_ids;       /* src and dst are one kind of node (follower graphs) */
    int lookup_only;      /* string ids must already be in the maps (e.g. a test
                             file against a train file's ids); unknown ids are bad rows */
    int keep_weights;     /* keep the weight column in rows */
    int keep_times;       /* keep the timestamp column in rows */
    size_t max_line;
    gr_progress *progress; /* NULL: silent */
} gr_load_opts;

void gr_load_opts_default(gr_load_opts *o);

typedef struct {
    uint64_t bytes;         /* uncompressed bytes read */
    uint64_t lines;
    uint64_t rows;          /* data rows parsed (an adjacency line counts its pairs) */
    uint64_t kept;          /* rows appended to the dataset */
    uint64_t comments;      /* comment and blank lines */
    uint64_t header;        /* header lines skipped (0 or 1) */
    uint64_t below_rating;  /* rows dropped by min_rating */
    uint64_t bad;           /* bad rows skipped (only with skip_bad_rows) */
    uint64_t bad_by_class[GR_BAD_NCLASSES];
    char first_bad[GR_MSG_LEN]; /* message of the first skipped bad row */
    double seconds;
    gr_format format;       /* the format used (after detection) */
    char sep;
} gr_load_report;

typedef struct {
    gr_rows rows;
    int started;          /* a file was loaded: rows, ids and columns are set up */
    gr_id_mode ids;       /* fixed by the first file loaded */
    int shared_ids;       /* one id space for users and items */
    gr_idmap *user_ids;   /* NULL for integer ids */
    gr_idmap *item_ids;   /* == user_ids when shared_ids */
} gr_dataset;

void gr_dataset_init(gr_dataset *ds);
void gr_dataset_free(gr_dataset *ds);

/* The bad-row rule of every line loader (this one, loaders/social.h): with
 * skip_bad_rows the row is counted in rep, by class, the first one's
 * "path:line: what" kept, and GR_OK; otherwise GR_ERR_INPUT with that
 * message. */
gr_status gr_load_bad_row(gr_load_report *rep, int skip_bad_rows, const char *path, uint64_t line_no,
                          gr_bad_class cls, const char *what, char *msg);

/* Appends the rows of one file to ds (report may be NULL).  On error ds keeps the rows of earlier
 * files only (string ids the failed file added stay in the maps), and msg
 * reads "path:line: what is wrong". */
gr_status gr_load_file(gr_dataset *ds, const char *path, const gr_load_opts *opts,
                       gr_load_report *report, char *msg);

#endif
