#include "loaders/detect.h"

#include <string.h>
#include <strings.h>

#include "loaders/parse.h"

#define SAMPLE_LINES 64

typedef struct {
    const char *s;
    size_t len;
} line_ref;

int gr_is_comment_or_blank(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (gr_is_blank(line[i]) || line[i] == '\r')) i++;
    return i == len || line[i] == '#' || line[i] == '%';
}

static size_t collect(const char *data, size_t len, line_ref *lines)
{
    size_t n = 0;
    const char *p = data, *end = data + len;
    while (p < end && n < SAMPLE_LINES) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t l = (size_t)(e - p);
        if (l > 0 && p[l - 1] == '\r') l--;
        if (!gr_is_comment_or_blank(p, l)) lines[n++] = (line_ref){p, l};
        p = nl ? nl + 1 : end;
    }
    return n;
}

/* Fields of a line, not counting an empty one after a trailing separator
 * ("1,2,"), which the parser accepts too. */
static int count_fields(line_ref l, char sep)
{
    const char *p = l.s, *tok;
    size_t tl = 1;
    int n = 0;
    while (gr_next_field(&p, l.s + l.len, sep, &tok, &tl)) n++;
    return n > 1 && tl == 0 ? n - 1 : n;
}

/* Field k (0-based) of a line, or len 0 when absent. */
static void field(line_ref l, char sep, int k, const char **tok, size_t *tl)
{
    const char *p = l.s;
    *tl = 0;
    for (int i = 0; i <= k; i++)
        if (!gr_next_field(&p, l.s + l.len, sep, tok, tl)) {
            *tl = 0;
            return;
        }
}

static int is_id(const char *tok, size_t tl)
{
    uint32_t v;
    return gr_parse_id(tok, tl, &v) == GR_NUM_OK;
}

/* No single letters ("a", "u"): a first row "a<TAB>b" is more likely data. */
static int is_header_word(const char *tok, size_t tl)
{
    static const char *const words[] = {
        "user",     "userid",    "user_id",  "uid",    "item",    "itemid",    "item_id", "iid",
        "src",      "dst",       "source",   "target", "from",    "to",        "follower", "followee",
        "followed", "node",      "node_id",  "movie",  "movieid", "movie_id",  "artist",  "artistid",
        "artist_id","rating",    "weight",   "timestamp", "time",
        "id1",      "id2",       "product",  "product_id", NULL};
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == tl && strncasecmp(words[i], tok, tl) == 0) return 1;
    return 0;
}

static char guess_sep(line_ref l)
{
    if (memmem(l.s, l.len, "::", 2) != NULL) return ':';
    if (memchr(l.s, '\t', l.len) != NULL) return '\t';
    if (memchr(l.s, ',', l.len) != NULL) return ',';
    return ' ';
}

/* The separator of the second line (the first may be a header), or of the
 * next line that has more than one field: a row with a missing column must
 * not make a tab-separated file look space-separated (and so, with its rows
 * of varying length, like an adjacency list). */
static char guess_sep_of(const line_ref *lines, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        line_ref l = lines[n > 1 ? (k + 1) % n : 0]; /* lines 1, 2, ..., n-1, then 0 */
        char sep = guess_sep(l);
        if (sep != ' ' || count_fields(l, ' ') > 1) return sep;
    }
    return ' ';
}

/* Adjacency lists have rows longer than an edge list can be, or (LightGCN's
 * space-separated files) rows of varying length.  A tab-separated file of
 * short rows is an edge list even when one row has a column too few or too
 * many: read as an adjacency list, a MovieLens u.data with one cut row would
 * silently turn ratings and timestamps into items; as an edge list the row is
 * reported. */
static int looks_like_adjacency(const line_ref *lines, size_t n, size_t first, char sep)
{
    int min = 1 << 30, max = 0;
    for (size_t i = first; i < n; i++) {
        int c = count_fields(lines[i], ' ');
        if (c < min) min = c;
        if (c > max) max = c;
    }
    return max > 4 || (sep == ' ' && n > first && max != min);
}

int gr_detect(const char *data, size_t len, const gr_load_opts *o, gr_detected *d)
{
    line_ref lines[SAMPLE_LINES];
    size_t n = collect(data, len, lines);
    if (n == 0) return 0;

    d->format = o->format;
    d->sep = o->sep;
    if (d->format == GR_FORMAT_ADJ) d->sep = ' ';
    if (d->sep == 0) d->sep = guess_sep_of(lines, n);

    /* Header: the first row's ids are not numbers but the second row's are, or
     * the first row is made of column names. */
    d->has_header = 0;
    if (o->header == GR_HEADER_YES) {
        d->has_header = 1;
    } else if (o->header == GR_HEADER_AUTO && d->format != GR_FORMAT_ADJ) {
        const char *a, *b;
        size_t al, bl;
        field(lines[0], d->sep, 0, &a, &al);
        field(lines[0], d->sep, 1, &b, &bl);
        int numeric0 = is_id(a, al) && is_id(b, bl);
        int numeric1 = 0;
        if (n > 1) {
            const char *c, *e;
            size_t cl, el;
            field(lines[1], d->sep, 0, &c, &cl);
            field(lines[1], d->sep, 1, &e, &el);
            numeric1 = is_id(c, cl) && is_id(e, el);
        }
        d->has_header = !numeric0 && (numeric1 || (is_header_word(a, al) && is_header_word(b, bl)));
    }
    size_t first = d->has_header ? 1 : 0;

    if (d->format == GR_FORMAT_AUTO) {
        if (d->sep == ':')
            d->format = count_fields(lines[first < n ? first : 0], ':') == 4 ? GR_FORMAT_MOVIELENS : GR_FORMAT_EDGES;
        else if ((d->sep == ' ' || d->sep == '\t') && !d->has_header && looks_like_adjacency(lines, n, first, d->sep))
            d->format = GR_FORMAT_ADJ;
        else
            d->format = GR_FORMAT_EDGES;
    }
    if (d->format == GR_FORMAT_ADJ) d->sep = ' ';
    d->n_cols = first < n ? count_fields(lines[first], d->sep) : 2;
    /* An edge row has 2 to 4 fields; a first row outside that is itself bad
     * and reported as such (and nothing reads a field that is not there). */
    if (d->n_cols < 2) d->n_cols = 2;
    if (d->n_cols > 4) d->n_cols = 4;

    d->ids = o->ids;
    if (d->ids == GR_IDS_AUTO) {
        /* String ids as soon as one sampled id is not a number at all; a
         * negative or oversized number stays an integer id and is reported. */
        d->ids = GR_IDS_INT;
        for (size_t i = first; i < n && d->ids == GR_IDS_INT; i++) {
            int cols = d->format == GR_FORMAT_ADJ ? count_fields(lines[i], ' ') : 2;
            for (int k = 0; k < cols; k++) {
                const char *t;
                size_t tl;
                uint32_t v;
                field(lines[i], d->sep, k, &t, &tl);
                if (tl > 0 && gr_parse_id(t, tl, &v) == GR_NUM_NOT_A_NUMBER) {
                    d->ids = GR_IDS_STRING;
                    break;
                }
            }
        }
    }
    return 1;
}
