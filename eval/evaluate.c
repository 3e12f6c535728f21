/* gr_evaluate: the shared ranking loop (eval/rank.h) with a consumer that
 * turns each block's lists into metrics. */
#include "eval/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/output.h"
#include "core/sysinfo.h"
#include "eval/rank.h"

/* A cut-off beyond this is a typo, not an evaluation protocol. */
#define GR_EVAL_K_LIMIT 100000u

void gr_eval_opts_default(gr_eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ks[0] = 10;
    o->ks[1] = 20;
    o->ks[2] = 50;
    o->n_ks = 3;
    o->mem_budget = GR_EVAL_DEFAULT_BUDGET;
}

static gr_status check_matrix(const gr_csr *c, const char *what, uint32_t n_items, char *msg)
{
    if (c && c->n_cols > n_items)
        return gr_fail(msg, GR_ERR_ARG, "evaluation: the %s matrix has %u items but the model scores %u", what,
                       c->n_cols, n_items);
    return GR_OK;
}

static gr_status check_opts(const gr_eval_opts *o, char *msg)
{
    if (o->n_ks < 1 || o->n_ks > GR_EVAL_MAX_K)
        return gr_fail(msg, GR_ERR_ARG, "evaluation: %d cut-offs given, 1 to %d allowed", o->n_ks, GR_EVAL_MAX_K);
    for (int j = 0; j < o->n_ks; j++)
        if (o->ks[j] < 1 || o->ks[j] > GR_EVAL_K_LIMIT)
            return gr_fail(msg, GR_ERR_ARG, "evaluation: cut-off K = %u is outside 1..%u", o->ks[j],
                           GR_EVAL_K_LIMIT);
    return GR_OK;
}

static gr_status write_user_header(gr_output *out, const gr_eval_opts *o, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_output_puts(out, "user\tn_test", msg));
    for (int j = 0; j < o->n_ks; j++) GR_TRY(gr_output_printf(out, msg, "\trecall@%u", o->ks[j]));
    for (int j = 0; j < o->n_ks; j++) GR_TRY(gr_output_printf(out, msg, "\tndcg@%u", o->ks[j]));
    GR_TRY(gr_output_char(out, '\n', msg));
fail:
    return status;
}

static gr_status write_user_row(gr_output *out, const gr_eval_opts *o, uint32_t user, uint64_t n_test,
                                double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K], char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_idmap_write(out, o->user_ids, user, msg));
    GR_TRY(gr_output_printf(out, msg, "\t%llu", (unsigned long long)n_test));
    for (int j = 0; j < o->n_ks; j++) GR_TRY(gr_output_printf(out, msg, "\t%.6f", v[GR_METRIC_RECALL][j]));
    for (int j = 0; j < o->n_ks; j++) GR_TRY(gr_output_printf(out, msg, "\t%.6f", v[GR_METRIC_NDCG][j]));
    GR_TRY(gr_output_char(out, '\n', msg));
fail:
    return status;
}

/* What the metrics consumer carries from block to block. */
typedef struct {
    const gr_eval_opts *o;
    const gr_csr *test;
    uint32_t *ranked;   /* one list's items */
    uint32_t *min_rank; /* best rank each item reached in any list, for coverage */
    gr_output *out;     /* the per-user file, or NULL */
    double sum[GR_METRIC_PER_USER][GR_EVAL_MAX_K];
} eval_sums;

/* Metrics in user order on the main thread: a few hundred operations per
 * user, and the sums come out the same for every block size and thread count. */
static gr_status add_block(void *ctx, const gr_rank_block *b, char *msg)
{
    gr_status status = GR_OK;
    eval_sums *e = ctx;
    const gr_eval_opts *o = e->o;
    double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K];
    for (size_t k = 0; k < b->n; k++) {
        const uint32_t u = b->users[k];
        const gr_topk_entry *list = b->top + k * (size_t)b->stride;
        for (uint32_t p = 0; p < b->top_n[k]; p++) {
            e->ranked[p] = list[p].item;
            if (p < e->min_rank[list[p].item]) e->min_rank[list[p].item] = p;
        }
        const uint64_t n_test = gr_csr_degree(e->test, u);
        gr_user_metrics(e->ranked, b->top_n[k], e->test->idx + e->test->ptr[u], n_test, o->ks, o->n_ks, v);
        for (int m = 0; m < GR_METRIC_PER_USER; m++)
            for (int j = 0; j < o->n_ks; j++) e->sum[m][j] += v[m][j];
        if (e->out) GR_TRY(write_user_row(e->out, o, u, n_test, v, msg));
    }
fail:
    return status;
}

gr_status gr_evaluate(const gr_scorer *s, const gr_csr *train, const gr_csr *mask2, const gr_csr *test,
                      const gr_eval_opts *o, gr_eval_result *r, char *msg)
{
    gr_status status = GR_OK;
    double t0 = gr_now();
    gr_eval_opts defaults;
    uint32_t *users = NULL;
    eval_sums e;
    memset(&e, 0, sizeof e);

    memset(r, 0, sizeof *r);
    if (!o) {
        gr_eval_opts_default(&defaults);
        o = &defaults;
    }
    if (!s || !s->score) GR_FAIL(GR_ERR_ARG, "evaluation: no scorer");
    if (!test) GR_FAIL(GR_ERR_ARG, "evaluation: no test matrix");
    GR_TRY(check_opts(o, msg));
    const uint32_t n_items = s->n_items;
    if (n_items == 0) GR_FAIL(GR_ERR_ARG, "evaluation: the model scores no items");
    GR_TRY(check_matrix(train, "training", n_items, msg));
    GR_TRY(check_matrix(mask2, "mask", n_items, msg));
    GR_TRY(check_matrix(test, "test", n_items, msg));

    gr_rank_opts ro;
    gr_rank_opts_default(&ro);
    ro.k = 0;
    for (int j = 0; j < o->n_ks; j++)
        if (o->ks[j] > ro.k) ro.k = o->ks[j];
    ro.mem_budget = o->mem_budget;
    ro.n_threads = o->n_threads;
    ro.mask1 = train;
    ro.mask2 = mask2;
    ro.mask_self = o->mask_self;

    /* the evaluated users, ascending */
    size_t n_eval = gr_csr_nonempty_rows(test);
    if (n_eval == 0) GR_FAIL(GR_ERR_INPUT, "evaluation: no user has a test item");
    users = gr_alloc(n_eval, sizeof *users);
    GR_CHECK_ALLOC(users, "the list of test users");
    n_eval = 0;
    for (uint32_t u = 0; u < test->n_rows; u++)
        if (gr_csr_degree(test, u) > 0) users[n_eval++] = u;

    e.o = o;
    e.test = test;
    e.ranked = gr_alloc(ro.k < n_items ? ro.k : n_items, sizeof *e.ranked);
    e.min_rank = gr_alloc(n_items, sizeof *e.min_rank);
    if (!e.ranked || !e.min_rank) GR_FAIL(GR_ERR_NOMEM, "out of memory allocating top-K lists");
    for (uint32_t i = 0; i < n_items; i++) e.min_rank[i] = UINT32_MAX;

    if (o->per_user_path) {
        GR_TRY(gr_output_open(&e.out, o->per_user_path, msg));
        GR_TRY(write_user_header(e.out, o, msg));
    }
    gr_rank_stats st;
    GR_TRY(gr_rank_users(s, users, n_eval, &ro, add_block, &e, &st, msg));
    r->score_seconds = st.score_seconds;
    r->rank_seconds = st.select_seconds + st.consume_seconds;
    r->n_blocks = st.n_blocks;
    r->block_users = st.block_users;

    r->n_ks = o->n_ks;
    memcpy(r->ks, o->ks, sizeof r->ks);
    for (int m = 0; m < GR_METRIC_PER_USER; m++)
        for (int j = 0; j < o->n_ks; j++) r->value[m][j] = e.sum[m][j] / (double)n_eval;
    for (int j = 0; j < o->n_ks; j++) {
        uint64_t covered = 0;
        for (uint32_t i = 0; i < n_items; i++) covered += e.min_rank[i] < o->ks[j];
        r->value[GR_METRIC_COVERAGE][j] = (double)covered / (double)n_items;
    }
    r->n_users = n_eval;
    r->n_items = n_items;
    if (e.out) {
        gr_output *done = e.out;
        e.out = NULL; /* commit frees it in every case */
        GR_TRY(gr_output_commit(done, msg));
    }
    r->seconds = gr_now() - t0;
fail:
    gr_output_abort(e.out);
    free(users);
    free(e.ranked);
    free(e.min_rank);
    return status;
}
