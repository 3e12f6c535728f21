/* Social edges, one line at a time, every id looked up (never added) in the
 * users' id space of the interactions.  The same line handling as load.c
 * (CRLF, comments, NUL bytes, over-long lines, gzip) with its own, smaller
 * row format: two user columns, the rest ignored. */
#include "loaders/social.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "core/sysinfo.h"
#include "loaders/detect.h"
#include "loaders/parse.h"
#include "loaders/reader.h"

typedef struct {
    const char *path;
    const gr_load_opts *o;
    const gr_idmap *ids; /* NULL: integer ids */
    uint32_t n_users;
    gr_rows *rows;
    gr_load_report *rep;
    uint64_t line_no;
    char sep;
    int detected, header_pending;
    char *msg;
} social_ctx;

/* A bad row: load.c's rule (gr_load_bad_row). */
__attribute__((format(printf, 3, 4))) static gr_status bad_row(social_ctx *c, gr_bad_class cls, const char *fmt, ...)
{
    char what[GR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gr_load_bad_row(c->rep, c->o->skip_bad_rows, c->path, c->line_no, cls, what, c->msg);
}

/* One id token to a user index; *ok = 0 when the row was counted as bad. */
static gr_status resolve(social_ctx *c, const char *tok, size_t len, int col, int *ok, uint32_t *id)
{
    char b[GR_TOKEN_LEN];
    *ok = 0;
    if (c->ids == NULL) {
        switch (gr_parse_id(tok, len, id)) {
        case GR_NUM_OK: break;
        case GR_NUM_NEGATIVE:
            return bad_row(c, GR_BAD_NEGATIVE, "negative id '%s' in column %d", gr_fmt_token(b, tok, len), col);
        case GR_NUM_OVERFLOW:
            return bad_row(c, GR_BAD_OVERFLOW, "id '%s' in column %d does not fit in 32 bits",
                           gr_fmt_token(b, tok, len), col);
        default:
            return bad_row(c, GR_BAD_NON_NUMERIC, "non-numeric id '%s' in column %d (the interactions have integer ids)",
                           gr_fmt_token(b, tok, len), col);
        }
        if (*id >= c->n_users)
            return bad_row(c, GR_BAD_UNKNOWN_ID, "unknown user '%s' in column %d (the interactions' user ids end at %u)",
                           gr_fmt_token(b, tok, len), col, c->n_users ? c->n_users - 1 : 0);
    } else if (!gr_idmap_find(c->ids, tok, len, id) || *id >= c->n_users) {
        return bad_row(c, GR_BAD_UNKNOWN_ID, "unknown user '%s' in column %d (not a user of the interaction files)",
                       gr_fmt_token(b, tok, len), col);
    }
    *ok = 1;
    return GR_OK;
}

static gr_status parse_line(social_ctx *c, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r') len--; /* CRLF files are fine */
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
    const char *p = line, *tok[2];
    size_t tl[2];
    int n = 0;
    while (n < 2 && gr_next_field(&p, line + len, c->sep, &tok[n], &tl[n]) && tl[n] > 0) n++;
    if (n < 2)
        return bad_row(c, GR_BAD_MISSING_COLUMN, "missing column %d: a social edge is two users, 'user<sep>user'",
                       n + 1);
    uint32_t a, b;
    int ok;
    gr_status s = resolve(c, tok[0], tl[0], 1, &ok, &a);
    if (s != GR_OK || !ok) return s;
    s = resolve(c, tok[1], tl[1], 2, &ok, &b);
    if (s != GR_OK || !ok) return s;
    c->rep->rows++;
    c->rep->kept++;
    return gr_rows_push(c->rows, a, b, 1.0f, 0, c->msg);
}

/* 1 when the two first fields of the line are users; 0 when neither is. */
static int known_pair(const social_ctx *c, const char *line, size_t len, int *neither)
{
    const char *p = line, *tok;
    size_t tl;
    uint32_t id;
    int known = 0, fields = 0;
    while (fields < 2 && gr_next_field(&p, line + len, c->sep, &tok, &tl)) {
        fields++;
        known += tl > 0 && gr_idmap_find(c->ids, tok, tl, &id) && id < c->n_users;
    }
    *neither = known == 0;
    return fields == 2 && known == 2;
}

/* The first two data lines of the block (CR stripped); 0 when there are
 * fewer. */
static int first_two_lines(const char *data, size_t len, const char *line[2], size_t n[2])
{
    const char *p = data, *end = data + len;
    int got = 0;
    while (p < end && got < 2) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)((nl ? nl : end) - p);
        if (l > 0 && p[l - 1] == '\r') l--;
        if (!gr_is_comment_or_blank(p, l)) {
            line[got] = p;
            n[got++] = l;
        }
        p = nl ? nl + 1 : end;
    }
    return got == 2;
}

/* Separator and header from the first lines: detect.c's rules for an edge
 * list in the interactions' kind of ids (a header is a first row of
 * non-numbers over a numeric second row, or of column names), plus, under
 * string ids, a first row of two non-users over a second row of two users
 * ("truster,trustee" above "alice,bob"). */
static void settle_format(social_ctx *c, const char *data, size_t len)
{
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.format = GR_FORMAT_EDGES;
    o.ids = c->ids ? GR_IDS_STRING : GR_IDS_INT;
    gr_detected d;
    if (!gr_detect(data, len, &o, &d)) return;
    c->detected = 1;
    c->sep = d.sep;
    c->header_pending = d.has_header;
    const char *line[2];
    size_t n[2];
    int neither0, neither1;
    if (c->ids != NULL && !d.has_header && first_two_lines(data, len, line, n)) {
        known_pair(c, line[0], n[0], &neither0);
        c->header_pending = neither0 && known_pair(c, line[1], n[1], &neither1);
    }
}

static gr_status parse_block(social_ctx *c, const char *data, size_t len)
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
    return GR_OK;
}

gr_status gr_social_load(gr_rows *out, const char *path, const gr_idmap *user_ids, uint32_t n_users,
                         const gr_load_opts *opts, gr_load_report *report, char *msg)
{
    gr_status status = GR_OK;
    gr_reader *r = NULL;
    const double t0 = gr_now();
    gr_load_report unused;
    if (report == NULL) report = &unused;
    memset(report, 0, sizeof *report);
    gr_rows_init(out, 0, 0);
    social_ctx c = {.path = path, .o = opts, .ids = user_ids, .n_users = n_users, .rows = out, .rep = report,
                    .msg = msg};
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
        if (!c.detected) settle_format(&c, data, len);
        GR_TRY(parse_block(&c, data, len));
        gr_progress_update(opts->progress, gr_reader_bytes(r), report->rows);
    }
    status = GR_OK;
    report->bytes = gr_reader_bytes(r);
    report->lines = c.line_no;
    report->format = GR_FORMAT_EDGES;
    report->sep = c.sep;
    if (report->bytes == 0) GR_FAIL(GR_ERR_INPUT, "%s:1: empty file", path);
    if (report->rows == 0 && report->bad == 0)
        GR_FAIL(GR_ERR_INPUT, "%s:%llu: no social edges (only blank, comment or header lines)", path,
                (unsigned long long)c.line_no);
    if (report->kept == 0)
        GR_FAIL(GR_ERR_INPUT, "%s: every data row was bad (%llu skipped; first: %s)", path,
                (unsigned long long)report->bad, report->first_bad);
    out->n_users = out->n_items = n_users;
    report->seconds = gr_now() - t0;
    gr_reader_close(r);
    return GR_OK;
fail:
    gr_reader_close(r);
    gr_rows_free(out);
    return status;
}
