/* From bytes to rows: one pass over the blocks the reader hands us, one line at
 * a time, no allocation per line.  Every rejected line names file and line. */
#include "loaders/load.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "core/sysinfo.h"
#include "loaders/detect.h"
#include "loaders/parse.h"
#include "loaders/reader.h"

/* Rows whose string ids are resolved together (the first batch's capacity;
 * it doubles).  make fuzz builds with -DGR_LOAD_BATCH_ROWS=64: the growth
 * is then reached, and 64 Ki rows per file under ASan would cost most of
 * each execution. */
#ifndef GR_LOAD_BATCH_ROWS
#define GR_LOAD_BATCH_ROWS 65536
#endif

/* Edge rows with string ids are tokenized a whole block at a time, then the
 * user column and the item column are resolved in parallel (two threads, one
 * per id map), then the rows are appended in file order.  Id lookups in a table
 * of millions of ids wait on memory; with one column per core the second core,
 * otherwise idle while this thread parses, takes half of that wait. */
typedef struct {
    double weight;
    int64_t time;
    uint64_t line;
} pending_row;

typedef struct {
    pending_row *row;
    gr_id_lookup *user, *item;
    size_t n, cap;
} pending_batch;

typedef struct {
    const char *path;
    const gr_load_opts *o;
    gr_dataset *ds;
    gr_load_report *rep;
    gr_detected d;
    int detected;
    int header_pending;
    uint64_t line_no;
    /* The previous row's user token and id: sorted dumps repeat the user, and
     * a memcmp is much cheaper than a hash probe. */
    const char *last_user;
    size_t last_user_len;
    uint32_t last_user_id;
    pending_batch batch; /* string-id edge rows of the current block */
    char *msg;
} load_ctx;

static const char *const bad_names[GR_BAD_NCLASSES] = {
    "missing column", "non-numeric id",  "negative id", "id overflowing 32 bits",
    "NUL byte",       "extra column",    "unknown id",  "over-long line",
    "non-numeric weight or timestamp"};

const char *gr_bad_class_name(gr_bad_class c) { return c < GR_BAD_NCLASSES ? bad_names[c] : "bad row"; }

const char *gr_format_name(gr_format f)
{
    switch (f) {
    case GR_FORMAT_ADJ: return "adj";
    case GR_FORMAT_EDGES: return "edges";
    case GR_FORMAT_MOVIELENS: return "movielens";
    default: return "auto";
    }
}

int gr_format_parse(const char *s, gr_format *f)
{
    static const struct { const char *name; gr_format f; } names[] = {
        {"auto", GR_FORMAT_AUTO}, {"adj", GR_FORMAT_ADJ}, {"edges", GR_FORMAT_EDGES}, {"movielens", GR_FORMAT_MOVIELENS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *f = names[i].f;
            return 0;
        }
    return -1;
}

void gr_load_opts_default(gr_load_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_line = GR_DEFAULT_MAX_LINE;
}

void gr_dataset_init(gr_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    ds->ids = GR_IDS_AUTO;
}

void gr_dataset_free(gr_dataset *ds)
{
    gr_rows_free(&ds->rows);
    if (ds->item_ids != ds->user_ids) gr_idmap_free(ds->item_ids);
    gr_idmap_free(ds->user_ids);
    gr_dataset_init(ds);
}

/* A bad row: counted and skipped under skip_bad_rows, otherwise the error. */
gr_status gr_load_bad_row(gr_load_report *rep, int skip_bad_rows, const char *path, uint64_t line_no,
                          gr_bad_class cls, const char *what, char *msg)
{
    if (!skip_bad_rows) return gr_fail(msg, GR_ERR_INPUT, "%s:%llu: %s", path, (unsigned long long)line_no, what);
    if (rep->bad == 0)
        snprintf(rep->first_bad, sizeof rep->first_bad, "%s:%llu: %s", path, (unsigned long long)line_no, what);
    rep->bad++;
    rep->bad_by_class[cls]++;
    return GR_OK;
}

__attribute__((format(printf, 3, 4))) static gr_status bad_row(load_ctx *c, gr_bad_class cls, const char *fmt, ...)
{
    char what[GR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gr_load_bad_row(c->rep, c->o->skip_bad_rows, c->path, c->line_no, cls, what, c->msg);
}

static const char *const column_names[] = {"1 (user)", "2 (item)", "3 (weight)", "4 (timestamp)"};

/* A string id (hash given) to its dense index; interned unless lookup_only. */
static gr_status resolve_string(load_ctx *c, const char *tok, size_t len, uint64_t hash, int col, int *ok,
                                uint32_t *id)
{
    char b[64];
    gr_idmap *m = col == 0 ? c->ds->user_ids : c->ds->item_ids;
    *ok = 0;
    if (len == 0) return bad_row(c, GR_BAD_MISSING_COLUMN, "missing column %s", column_names[col]);
    if (c->o->lookup_only) {
        if (!gr_idmap_find_hashed(m, tok, len, hash, id))
            return bad_row(c, GR_BAD_UNKNOWN_ID, "unknown id '%s' in column %s", gr_fmt_token(b, tok, len), column_names[col]);
    } else {
        gr_status s = gr_idmap_intern_hashed(m, tok, len, hash, id, c->msg);
        if (s != GR_OK) return s;
    }
    *ok = 1;
    return GR_OK;
}

/* Turns one id token into a dense index; item = 1 for the target column.
 * Returns GR_OK with *ok = 0 when the row was counted as bad and skipped. */
static gr_status resolve_id(load_ctx *c, const char *tok, size_t len, int col, int *ok, uint32_t *id)
{
    char b[64];
    const char *cname = column_names[col > 1 ? 1 : col];
    *ok = 0;
    if (len == 0) return bad_row(c, GR_BAD_MISSING_COLUMN, "missing column %s", cname);
    if (c->ds->ids == GR_IDS_INT) {
        switch (gr_parse_id(tok, len, id)) {
        case GR_NUM_OK: *ok = 1; return GR_OK;
        case GR_NUM_NEGATIVE:
            return bad_row(c, GR_BAD_NEGATIVE, "negative id '%s' in column %s", gr_fmt_token(b, tok, len), cname);
        case GR_NUM_OVERFLOW:
            return bad_row(c, GR_BAD_OVERFLOW, "id '%s' in column %s does not fit in 32 bits (largest id: %u)",
                           gr_fmt_token(b, tok, len), cname, GR_MAX_ID);
        default:
            return bad_row(c, GR_BAD_NON_NUMERIC, "non-numeric id '%s' in column %s (string ids need --ids string)",
                           gr_fmt_token(b, tok, len), cname);
        }
    }
    if (col == 0 && c->last_user != NULL && len == c->last_user_len && memcmp(tok, c->last_user, len) == 0) {
        *id = c->last_user_id;
        *ok = 1;
        return GR_OK;
    }
    gr_status s = resolve_string(c, tok, len, gr_idmap_hash(tok, len), col, ok, id);
    if (s == GR_OK && *ok && col == 0) {
        c->last_user = tok;
        c->last_user_len = len;
        c->last_user_id = *id;
    }
    return s;
}

static gr_status add_row(load_ctx *c, uint32_t u, uint32_t i, double w, int64_t t)
{
    c->rep->rows++;
    if (c->o->has_min_rating && w < c->o->min_rating) {
        c->rep->below_rating++;
        return GR_OK;
    }
    c->rep->kept++;
    return gr_rows_push(&c->ds->rows, u, i, (float)w, t, c->msg);
}

/* "user item item ..." */
static gr_status parse_adjacency(load_ctx *c, const char *line, const char *end)
{
    const char *p = line, *tok;
    size_t len;
    uint32_t u, it;
    int ok;
    if (!gr_next_field(&p, end, ' ', &tok, &len)) return GR_OK;
    gr_status s = resolve_id(c, tok, len, 0, &ok, &u);
    if (s != GR_OK || !ok) return s;
    /* A user line without items still makes the user known (its id exists). */
    if (u >= c->ds->rows.n_users && c->ds->ids == GR_IDS_INT) c->ds->rows.n_users = u + 1;
    size_t n0 = c->ds->rows.n;
    uint64_t rows0 = c->rep->rows, kept0 = c->rep->kept;
    while (gr_next_field(&p, end, ' ', &tok, &len)) {
        s = resolve_id(c, tok, len, 1, &ok, &it);
        if (s != GR_OK) return s;
        if (!ok) { /* a skipped line is skipped whole: take back the pairs before the bad id */
            c->ds->rows.n = n0;
            c->rep->rows = rows0;
            c->rep->kept = kept0;
            return GR_OK;
        }
        s = add_row(c, u, it, 1.0, 0);
        if (s != GR_OK) return s;
    }
    return GR_OK;
}

static void batch_free(pending_batch *b)
{
    free(b->row);
    free(b->user);
    free(b->item);
    memset(b, 0, sizeof *b);
}

static gr_status batch_push(load_ctx *c, const char *tok[2], const size_t len[2], double w, int64_t t)
{
    pending_batch *b = &c->batch;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : GR_LOAD_BATCH_ROWS;
        pending_row *row = realloc(b->row, cap * sizeof *row);
        if (row != NULL) b->row = row;
        gr_id_lookup *u = row ? realloc(b->user, cap * sizeof *u) : NULL;
        if (u != NULL) b->user = u;
        gr_id_lookup *it = u ? realloc(b->item, cap * sizeof *it) : NULL;
        if (it == NULL) return gr_fail(c->msg, GR_ERR_NOMEM, "out of memory for a block of rows");
        b->item = it;
        b->cap = cap;
    }
    size_t k = b->n++;
    b->user[k] = (gr_id_lookup){tok[0], len[0], gr_idmap_hash(tok[0], len[0]), 0, 0};
    b->item[k] = (gr_id_lookup){tok[1], len[1], gr_idmap_hash(tok[1], len[1]), 0, 0};
    b->row[k] = (pending_row){w, t, c->line_no};
    return GR_OK;
}

/* Resolves the pending rows' ids, then appends the rows in file order;
 * messages name each row's own line. */
static gr_status flush_pending(load_ctx *c)
{
    pending_batch *b = &c->batch;
    if (b->n == 0) return GR_OK;
    size_t n = b->n;
    b->n = 0; /* bad_row() below may come back here: nothing left then */
    gr_idmap *um = c->ds->user_ids, *im = c->ds->item_ids;
    int lookup_only = c->o->lookup_only;
    gr_status su = GR_OK, si = GR_OK;
    char msg_item[GR_MSG_LEN];
    if (um != im && n >= 1024) {
#pragma omp parallel sections num_threads(2)
        {
#pragma omp section
            su = gr_idmap_resolve_many(um, b->user, n, lookup_only, c->msg);
#pragma omp section
            si = gr_idmap_resolve_many(im, b->item, n, lookup_only, msg_item);
        }
    } else {
        su = gr_idmap_resolve_many(um, b->user, n, lookup_only, c->msg);
        if (su == GR_OK) si = gr_idmap_resolve_many(im, b->item, n, lookup_only, msg_item);
    }
    if (su != GR_OK) return su;
    if (si != GR_OK) return gr_fail(c->msg, si, "%s", msg_item);
    uint64_t line = c->line_no;
    char sb[64];
    gr_status s = GR_OK;
    for (size_t k = 0; k < n && s == GR_OK; k++) {
        const gr_id_lookup *u = &b->user[k], *it = &b->item[k];
        c->line_no = b->row[k].line;
        if (!u->found)
            s = bad_row(c, GR_BAD_UNKNOWN_ID, "unknown id '%s' in column %s", gr_fmt_token(sb, u->tok, u->len), column_names[0]);
        else if (!it->found)
            s = bad_row(c, GR_BAD_UNKNOWN_ID, "unknown id '%s' in column %s", gr_fmt_token(sb, it->tok, it->len), column_names[1]);
        else
            s = add_row(c, u->id, it->id, b->row[k].weight, b->row[k].time);
    }
    c->line_no = line;
    return s;
}

/* A bad edge row: rows before it are resolved first, so skipped rows and the
 * first error are reported in file order. */
#define EDGE_BAD(...)                                  \
    do {                                               \
        gr_status fs_ = flush_pending(c);              \
        if (fs_ != GR_OK) return fs_;                  \
        return bad_row(c, __VA_ARGS__);                \
    } while (0)

/* "src<sep>dst[<sep>weight[<sep>timestamp]]" */
static gr_status parse_edge(load_ctx *c, const char *line, const char *end)
{
    const char *p = line, *tok[5];
    size_t len[5];
    int n = 0;
    char b[64];
    while (n < 5 && gr_next_field(&p, end, c->d.sep, &tok[n], &len[n])) n++;
    if (n > c->d.n_cols && len[n - 1] == 0) n--; /* a trailing separator */
    if (n < c->d.n_cols)
        EDGE_BAD(GR_BAD_MISSING_COLUMN, "missing column: expected %d fields, found %d", c->d.n_cols, n);
    if (n > c->d.n_cols)
        EDGE_BAD(GR_BAD_EXTRA_COLUMN, "extra column: expected %d fields, found %s%d", c->d.n_cols,
                 n == 5 ? "at least " : "", n);
    double w = 1.0;
    int64_t t = 0;
    if (n >= 3 && gr_parse_double(tok[2], len[2], &w) != GR_NUM_OK)
        EDGE_BAD(GR_BAD_NON_NUMERIC_VALUE, "non-numeric weight '%s' in column 3", gr_fmt_token(b, tok[2], len[2]));
    if (n >= 4 && gr_parse_time(tok[3], len[3], &t) != GR_NUM_OK)
        EDGE_BAD(GR_BAD_NON_NUMERIC_VALUE, "non-numeric timestamp '%s' in column 4", gr_fmt_token(b, tok[3], len[3]));
    if (c->ds->ids == GR_IDS_STRING) {
        if (len[0] == 0 || len[1] == 0)
            EDGE_BAD(GR_BAD_MISSING_COLUMN, "missing column %s", column_names[len[0] == 0 ? 0 : 1]);
        return batch_push(c, tok, len, w, t);
    }
    uint32_t u, it;
    int ok;
    gr_status s = resolve_id(c, tok[0], len[0], 0, &ok, &u);
    if (s != GR_OK || !ok) return s;
    s = resolve_id(c, tok[1], len[1], 1, &ok, &it);
    if (s != GR_OK || !ok) return s;
    return add_row(c, u, it, w, t);
}

static gr_status parse_line(load_ctx *c, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r') len--; /* CRLF files are fine */
    if (c->batch.n > 0 && (len > c->o->max_line || memchr(line, '\0', len) != NULL)) {
        gr_status s = flush_pending(c);
        if (s != GR_OK) return s;
    }
    if (len > c->o->max_line)
        return bad_row(c, GR_BAD_LONG_LINE, "line longer than the limit of %zu bytes (see --max-line)", c->o->max_line);
    if (memchr(line, '\0', len) != NULL) return bad_row(c, GR_BAD_NUL_BYTE, "NUL byte in line (binary file?)");
    if (gr_is_comment_or_blank(line, len)) {
        c->rep->comments++;
        return GR_OK;
    }
    if (c->header_pending) {
        c->header_pending = 0;
        c->rep->header++;
        return GR_OK;
    }
    if (c->d.format == GR_FORMAT_ADJ) return parse_adjacency(c, line, line + len);
    return parse_edge(c, line, line + len);
}

/* Fixes format, separator and id kind from the first block with data, and
 * checks they agree with what earlier files of the dataset used. */
static gr_status settle_format(load_ctx *c, const char *data, size_t len)
{
    if (!gr_detect(data, len, c->o, &c->d)) return GR_OK;
    c->detected = 1;
    c->header_pending = c->d.has_header;
    gr_dataset *ds = c->ds;
    if (ds->ids == GR_IDS_AUTO) {
        ds->ids = c->d.ids;
        ds->shared_ids = c->o->shared_ids;
        if (ds->ids == GR_IDS_STRING) {
            ds->user_ids = gr_idmap_new();
            ds->item_ids = ds->shared_ids ? ds->user_ids : gr_idmap_new();
            if (ds->user_ids == NULL || ds->item_ids == NULL)
                return gr_fail(c->msg, GR_ERR_NOMEM, "out of memory creating id maps");
        }
    }
    /* A later file follows the first file's id kind, so ids stay comparable. */
    c->d.ids = ds->ids;
    if (c->o->has_min_rating && c->d.format != GR_FORMAT_ADJ && c->d.n_cols < 3)
        return gr_fail(c->msg, GR_ERR_ARG, "%s: --min-rating needs a rating column (3rd), but rows have %d columns",
                       c->path, c->d.n_cols);
    if (c->o->has_min_rating && c->d.format == GR_FORMAT_ADJ)
        return gr_fail(c->msg, GR_ERR_ARG, "%s: --min-rating needs a rating column; adjacency lists have none",
                       c->path);
    return GR_OK;
}

static gr_status parse_block(load_ctx *c, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        c->line_no++;
        gr_status s = parse_line(c, p, (size_t)(e - p));
        if (s != GR_OK) return s;
        p = nl ? nl + 1 : end;
    }
    return flush_pending(c); /* the pending tokens point into this block */
}

/* A kept weight or time column is only meaningful when every file loaded into
 * the dataset had it; otherwise it is dropped, so that later code sees NULL
 * (e.g. a temporal split refuses to run on made-up zero timestamps). */
static void drop_missing_columns(load_ctx *c)
{
    gr_rows *r = &c->ds->rows;
    int adj = c->d.format == GR_FORMAT_ADJ;
    if (r->with_weight && (adj || c->d.n_cols < 3)) gr_rows_drop_weight(r);
    if (r->with_time && (adj || c->d.n_cols < 4)) gr_rows_drop_time(r);
}

gr_status gr_load_file(gr_dataset *ds, const char *path, const gr_load_opts *opts, gr_load_report *report,
                       char *msg)
{
    gr_status status = GR_OK;
    gr_reader *r = NULL;
    double t0 = gr_now();
    gr_load_report unused;
    if (report == NULL) report = &unused; /* the caller does not want one */
    memset(report, 0, sizeof *report);
    load_ctx c = {.path = path, .o = opts, .ds = ds, .rep = report, .msg = msg};
    if (!ds->started) {
        gr_rows_init(&ds->rows, opts->keep_weights, opts->keep_times);
        ds->started = 1;
    }
    /* On failure the rows of this file are taken back (ids it added stay). */
    const size_t n0 = ds->rows.n;
    const uint32_t n_users0 = ds->rows.n_users, n_items0 = ds->rows.n_items;
    GR_TRY(gr_reader_open(&r, path, opts->max_line, msg));
    const char *data;
    size_t len;
    for (;;) {
        status = gr_reader_next(r, &data, &len, msg);
        if (status == GR_EOF) break;
        if (status != GR_OK) {
            gr_msg_prefix(msg, "%s:%llu", path, (unsigned long long)c.line_no + 1);
            goto fail;
        }
        /* Block-local caches die with the block. */
        c.last_user = NULL;
        if (!c.detected) GR_TRY(settle_format(&c, data, len));
        GR_TRY(parse_block(&c, data, len));
        gr_progress_update(opts->progress, gr_reader_bytes(r), report->rows);
    }
    status = GR_OK;
    report->bytes = gr_reader_bytes(r);
    report->lines = c.line_no;
    report->format = c.d.format;
    report->sep = c.d.sep;
    if (report->bytes == 0) GR_FAIL(GR_ERR_INPUT, "%s:1: empty file", path);
    if (!c.detected || (report->rows == 0 && report->bad == 0 && report->header + report->comments == report->lines))
        GR_FAIL(GR_ERR_INPUT, "%s:%llu: no data rows (only blank, comment or header lines)", path,
                (unsigned long long)c.line_no);
    if (report->kept == 0 && report->bad > 0)
        GR_FAIL(GR_ERR_INPUT, "%s: every data row was bad (%llu skipped; first: %s)", path,
                (unsigned long long)report->bad, report->first_bad);
    drop_missing_columns(&c);
    report->seconds = gr_now() - t0;
    gr_reader_close(r);
    batch_free(&c.batch);
    return GR_OK;
fail:
    batch_free(&c.batch);
    ds->rows.n = n0;
    ds->rows.n_users = n_users0;
    ds->rows.n_items = n_items0;
    gr_reader_close(r);
    return status;
}
