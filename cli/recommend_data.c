#include "cli/recommend_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/data.h"
#include "cli/social_data.h"
#include "core/alloc.h"
#include "core/format.h"
#include "gnn/fold_in.h"
#include "gnn/social_adj.h"
#include "loaders/parse.h"
#include "loaders/reader.h"

/* Keeps the rows [begin, end) that name a user below n_users and an item
 * below n_items (and, on one id space, are no self-loop), moving them down to
 * *at.  Returns the number dropped. */
static uint64_t keep_known(gr_rows *r, size_t begin, size_t end, uint32_t n_users, uint32_t n_items, int shared,
                           size_t *at)
{
    uint64_t dropped = 0;
    for (size_t k = begin; k < end; k++) {
        const uint32_t u = r->user[k], i = r->item[k];
        if (u >= n_users || i >= n_items || (shared && u == i)) {
            dropped++;
            continue;
        }
        r->user[*at] = u;
        r->item[*at] = i;
        ++*at;
    }
    return dropped;
}

static uint32_t id_space(const gr_dataset *ds)
{
    return ds->user_ids ? gr_idmap_size(ds->user_ids) : ds->rows.n_users;
}

/* Builds the graphs from the loaded rows: [0, e_train) training,
 * [e_train, e_hist) history, [e_hist, e_excl) exclude. */
static gr_status build(gr_rec_data *d, const gr_model *m, const char *train_path, size_t e_train, size_t e_hist,
                       size_t e_excl, uint32_t n_before_exclude, char *msg)
{
    gr_status status = GR_OK;
    gr_rows *r = &d->ds.rows;
    const int shared = d->ds.shared_ids;
    size_t at = 0;
    for (size_t k = 0; k < e_train; k++)
        if (r->user[k] >= m->n_users || r->item[k] >= m->n_items)
            GR_FAIL(GR_ERR_INPUT, "%s: the training data has ids beyond the model's id space (%u users, %u items)",
                    train_path, m->n_users, m->n_items);
    keep_known(r, 0, e_train, m->n_users, m->n_items, shared, &at); /* self-loops only */
    const size_t n_train = at;
    d->n_users = n_before_exclude > m->n_users ? n_before_exclude : m->n_users;
    d->n_items = m->n_items;
    d->history_unknown = keep_known(r, e_train, e_hist, d->n_users, m->n_items, shared, &at);
    d->history_rows = at - n_train;
    if (e_hist > e_train && d->history_rows == 0)
        GR_FAIL(GR_ERR_INPUT, "--history: none of its %zu interactions names an item the model knows",
                e_hist - e_train);
    const size_t n_seen = at;
    d->exclude_unknown = keep_known(r, e_hist, e_excl, d->n_users, m->n_items, shared, &at);
    d->exclude_rows = at - n_seen;

    /* as training built them: an undirected graph's pairs hold both ways
     * (masks, and a fold-in propagating over the unipartite view) */
    GR_TRY(gr_graph_from_pairs_kind(&d->train, m->n_users, m->n_items, r->user, r->item, n_train, m->cfg.graph, msg));
    GR_TRY(gr_graph_from_pairs_kind(&d->seen, d->n_users, m->n_items, r->user, r->item, n_seen, m->cfg.graph, msg));
    GR_TRY(gr_graph_from_pairs(&d->exclude, d->n_users, m->n_items, r->user + n_seen, r->item + n_seen,
                               d->exclude_rows, msg));
    d->folded = gr_zalloc(d->n_users ? d->n_users : 1, 1);
    GR_CHECK_ALLOC(d->folded, "the folded-in users");
    for (size_t k = n_train; k < n_seen; k++) {
        d->n_folded += !d->folded[r->user[k]];
        d->folded[r->user[k]] = 1;
    }
fail:
    return status;
}

int gr_rec_data_load(gr_cli_input *in, gr_model *m, const char *train, const char *history, const char *exclude,
                     gr_rec_data *d)
{
    char msg[GR_MSG_LEN] = "";
    memset(d, 0, sizeof *d);
    gr_dataset_init(&d->ds);
    /* The command line's format options are for history and exclude; the
     * training file is read as the model's config says. */
    gr_load_opts extra = in->load;
    extra.ids = m->user_ids ? GR_IDS_STRING : GR_IDS_INT;
    extra.shared_ids = m->cfg.graph != GR_GRAPH_BIPARTITE;
    extra.lookup_only = 0; /* new users are the point; unknown items are dropped after */
    extra.keep_weights = extra.keep_times = 0;
    gr_cli_input_from_config(in, &m->cfg);
    if (m->user_ids) {
        d->ds.ids = GR_IDS_STRING;
        d->ds.shared_ids = m->shared_ids;
        d->ds.user_ids = m->user_ids;
        d->ds.item_ids = m->item_ids;
        m->user_ids = m->item_ids = NULL;
        in->load.lookup_only = 1;
    } else {
        d->ds.ids = GR_IDS_INT;
    }
    int show = in->quiet ? 0 : (in->progress >= 0 ? in->progress : isatty(STDERR_FILENO));
    gr_progress_start(&in->bar, "loading", show);
    in->load.progress = extra.progress = &in->bar;
    if (train == NULL || train[0] == '\0') {
        fprintf(stderr, "gnnrec: the model's config names no training file: give --train FILE\n");
        return GR_EXIT_USAGE;
    }
    size_t e_train = 0, e_hist, e_excl;
    int rc = gr_cli_load_into(in, &d->ds, train, &in->load, &e_train);
    e_hist = e_train;
    /* history's rating filter is training's: a low rating is no interaction */
    extra.has_min_rating = m->cfg.has_min_rating;
    extra.min_rating = m->cfg.min_rating;
    if (rc == GR_EXIT_OK && history) rc = gr_cli_load_into(in, &d->ds, history, &extra, &e_hist);
    const uint32_t n_before_exclude = id_space(&d->ds);
    e_excl = e_hist;
    extra.has_min_rating = 0; /* everything listed is excluded */
    if (rc == GR_EXIT_OK && exclude) rc = gr_cli_load_into(in, &d->ds, exclude, &extra, &e_excl);
    if (rc != GR_EXIT_OK) return rc;
    d->has_exclude = exclude != NULL;
    gr_status s = build(d, m, train, e_train, e_hist, e_excl, n_before_exclude, msg);
    gr_rows_free(&d->ds.rows);
    if (s != GR_OK) return gr_cli_error(s, msg);
    /* A LightGCN fold-in replays training's Â, social edges included
     * (over the model's users only: history users have none). */
    if (d->n_folded > 0 && m->cfg.model == GR_MODEL_LIGHTGCN && m->cfg.layers >= 2 && gr_config_uses_social(&m->cfg)) {
        rc = gr_cli_load_social(in, m->cfg.social, d->ds.user_ids, m->n_users, &d->social);
        if (rc != GR_EXIT_OK) return rc;
        d->has_social = 1;
    }
    return GR_EXIT_OK;
}

void gr_rec_data_free(gr_rec_data *d)
{
    gr_graph_free(&d->train);
    gr_graph_free(&d->seen);
    gr_graph_free(&d->exclude);
    gr_csr_free(&d->social);
    free(d->folded);
    gr_dataset_free(&d->ds);
    memset(d, 0, sizeof *d);
}

gr_status gr_rec_user_embeddings(const gr_rec_data *d, const gr_model *m, float **emb, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t dim = m->dim;
    float *U = NULL, *F = NULL;
    uint32_t *who = NULL;
    gr_csr h = {0};
    *emb = NULL;
    if (d->n_folded == 0) return GR_OK;
    /* the folded users' seen rows, as one compact CSR in user order */
    h.n_rows = d->n_folded;
    h.n_cols = d->n_items;
    h.ptr = gr_alloc((size_t)h.n_rows + 1, sizeof *h.ptr);
    GR_CHECK_ALLOC(h.ptr, "the fold-in rows");
    h.ptr[0] = 0;
    for (uint32_t u = 0, r = 0; u < d->n_users; u++)
        if (d->folded[u]) h.ptr[r + 1] = h.ptr[r] + gr_csr_degree(&d->seen.R, u), r++;
    h.nnz = h.ptr[h.n_rows];
    h.idx = gr_alloc(h.nnz ? h.nnz : 1, sizeof *h.idx);
    who = gr_alloc(h.n_rows, sizeof *who);
    if (!h.idx || !who) GR_FAIL(GR_ERR_NOMEM, "out of memory for the fold-in rows");
    for (uint32_t u = 0, r = 0; u < d->n_users; u++)
        if (d->folded[u]) {
            memcpy(h.idx + h.ptr[r], d->seen.R.idx + d->seen.R.ptr[u], gr_csr_degree(&d->seen.R, u) * sizeof *h.idx);
            who[r++] = u;
        }
    F = gr_alloc((size_t)h.n_rows * dim, sizeof *F);
    U = gr_zalloc((size_t)d->n_users * dim, sizeof *U);
    if (!F || !U) GR_FAIL(GR_ERR_NOMEM, "out of memory for %u x %u user embeddings", d->n_users, dim);
    GR_TRY(gr_fold_in_social(m, &d->train, d->has_social ? &d->social : NULL, &h, who, F, msg));
    memcpy(U, m->final, (size_t)m->n_users * dim * sizeof *U);
    for (uint32_t r = 0; r < h.n_rows; r++) memcpy(U + (size_t)who[r] * dim, F + (size_t)r * dim, dim * sizeof *U);
    *emb = U;
    U = NULL;
fail:
    gr_csr_free(&h);
    free(who);
    free(F);
    free(U);
    return status;
}

/* ---- id lists ----------------------------------------------------------- */

typedef gr_status (*id_fn)(void *ctx, const char *id, size_t len, const char *path, uint64_t line, char *msg);

/* Calls fn for the id on every line that is neither blank nor a '#' comment
 * (surrounding blanks and a CR trimmed). */
static gr_status each_id(const char *path, size_t max_line, id_fn fn, void *ctx, char *msg)
{
    gr_status status = GR_OK;
    gr_reader *r = NULL;
    uint64_t line = 0;
    const char *data;
    size_t len;
    GR_TRY(gr_reader_open(&r, path, max_line ? max_line : GR_DEFAULT_MAX_LINE, msg));
    while ((status = gr_reader_next(r, &data, &len, msg)) == GR_OK) {
        for (const char *p = data, *end = data + len; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
            line++;
            if ((size_t)(e - p) > (max_line ? max_line : GR_DEFAULT_MAX_LINE))
                GR_FAIL(GR_ERR_INPUT, "%s:%llu: line longer than %zu bytes", path, (unsigned long long)line,
                        max_line ? max_line : GR_DEFAULT_MAX_LINE);
            while (p < e && (*p == ' ' || *p == '\t')) p++;
            while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
            if (e > p && *p != '#') {
                if (memchr(p, '\0', (size_t)(e - p)))
                    GR_FAIL(GR_ERR_INPUT, "%s:%llu: NUL byte", path, (unsigned long long)line);
                GR_TRY(fn(ctx, p, (size_t)(e - p), path, line, msg));
            }
            p = nl ? nl + 1 : end;
        }
    }
    if (status != GR_EOF) {
        gr_msg_prefix(msg, "%s:%llu", path, (unsigned long long)line + 1);
        goto fail;
    }
    status = GR_OK;
fail:
    gr_reader_close(r);
    return status;
}

/* Index of an original id in the map (string ids) or as a number. */
static int find_id(const gr_idmap *map, const char *id, size_t len, uint32_t limit, uint32_t *out)
{
    if (map) return gr_idmap_find(map, id, len, out) && *out < limit;
    return gr_parse_id(id, len, out) == GR_NUM_OK && *out < limit;
}

typedef struct {
    const gr_rec_data *d;
    uint32_t *list;
    size_t n, cap;
    uint8_t *listed;  /* users: seen already */
    int skip;
    uint64_t skipped;
} id_list;

static gr_status add_user(void *ctx, const char *id, size_t len, const char *path, uint64_t line, char *msg)
{
    gr_status status = GR_OK;
    id_list *l = ctx;
    char b[64];
    uint32_t u;
    if (!find_id(l->d->ds.user_ids, id, len, l->d->n_users, &u))
        GR_FAIL(GR_ERR_INPUT, "%s:%llu: unknown user '%s' (not in the model; give its interactions with --history "
                "to fold it in)", path, (unsigned long long)line, gr_fmt_token(b, id, len));
    if (gr_csr_degree(&l->d->seen.R, u) == 0)
        GR_FAIL(GR_ERR_INPUT, "%s:%llu: user '%s' has no interactions in the training data or --history: nothing "
                "to recommend from", path, (unsigned long long)line, gr_fmt_token(b, id, len));
    if (l->listed[u]) return GR_OK;
    l->listed[u] = 1;
    if (gr_grow((void **)&l->list, &l->cap, l->n + 1, sizeof *l->list) != 0)
        GR_FAIL(GR_ERR_NOMEM, "out of memory for the list of users");
    l->list[l->n++] = u;
fail:
    return status;
}

gr_status gr_rec_read_users(const gr_rec_data *d, const char *path, size_t max_line, uint32_t **users, size_t *n,
                            char *msg)
{
    gr_status status = GR_OK;
    id_list l = {.d = d};
    l.listed = gr_zalloc(d->n_users ? d->n_users : 1, 1);
    GR_CHECK_ALLOC(l.listed, "the list of users");
    GR_TRY(each_id(path, max_line, add_user, &l, msg));
    if (l.n == 0) GR_FAIL(GR_ERR_INPUT, "%s: no user ids", path);
    *users = l.list;
    *n = l.n;
    l.list = NULL;
fail:
    free(l.list);
    free(l.listed);
    return status;
}

static gr_status add_item(void *ctx, const char *id, size_t len, const char *path, uint64_t line, char *msg)
{
    gr_status status = GR_OK;
    id_list *l = ctx;
    char b[64];
    uint32_t i;
    if (!find_id(l->d->ds.item_ids, id, len, l->d->n_items, &i)) {
        if (l->skip) {
            l->skipped++;
            return GR_OK;
        }
        GR_FAIL(GR_ERR_INPUT, "%s:%llu: unknown item '%s' (not in the model; --skip-bad-rows skips it)", path,
                (unsigned long long)line, gr_fmt_token(b, id, len));
    }
    if (gr_grow((void **)&l->list, &l->cap, l->n + 1, sizeof *l->list) != 0)
        GR_FAIL(GR_ERR_NOMEM, "out of memory for the list of candidates");
    l->list[l->n++] = i;
fail:
    return status;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

gr_status gr_rec_read_items(const gr_rec_data *d, const char *path, size_t max_line, int skip, uint32_t **items,
                            uint32_t *n, uint64_t *skipped, char *msg)
{
    gr_status status = GR_OK;
    id_list l = {.d = d, .skip = skip};
    GR_TRY(each_id(path, max_line, add_item, &l, msg));
    if (l.n == 0) GR_FAIL(GR_ERR_INPUT, "%s: no candidate item the model knows", path);
    qsort(l.list, l.n, sizeof *l.list, cmp_u32);
    size_t m = 1;
    for (size_t k = 1; k < l.n; k++)
        if (l.list[k] != l.list[m - 1]) l.list[m++] = l.list[k];
    *items = l.list;
    *n = (uint32_t)m;
    *skipped = l.skipped;
    l.list = NULL;
fail:
    free(l.list);
    return status;
}
