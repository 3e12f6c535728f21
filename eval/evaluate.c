/* gr_evaluate: blocks of users -> scorer -> masked top-K -> metrics. */
#include "eval/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/output.h"
#include "core/sysinfo.h"
#include "eval/topk.h"

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

gr_status gr_evaluate(const gr_scorer *s, const gr_csr *train, const gr_csr *mask2, const gr_csr *test,
                      const gr_eval_opts *o, gr_eval_result *r, char *msg)
{
    gr_status status = GR_OK;
    double t0 = gr_now();
    gr_eval_opts defaults;
    uint32_t *users = NULL, *top_n = NULL, *ranked = NULL, *min_rank = NULL;
    float *scores = NULL;
    gr_topk_entry *top = NULL;
    gr_output *out = NULL;
    double sum[GR_METRIC_PER_USER][GR_EVAL_MAX_K] = {{0}};
    double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K];

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

    uint32_t max_k = 0;
    for (int j = 0; j < o->n_ks; j++)
        if (o->ks[j] > max_k) max_k = o->ks[j];
    const uint32_t list_k = max_k < n_items ? max_k : n_items; /* longest list that can exist */

    /* the evaluated users, ascending */
    size_t n_eval = gr_csr_nonempty_rows(test);
    if (n_eval == 0) GR_FAIL(GR_ERR_INPUT, "evaluation: no user has a test item");
    users = gr_alloc(n_eval, sizeof *users);
    GR_CHECK_ALLOC(users, "the list of test users");
    n_eval = 0;
    for (uint32_t u = 0; u < test->n_rows; u++)
        if (gr_csr_degree(test, u) > 0) users[n_eval++] = u;

    size_t budget = o->mem_budget ? o->mem_budget : GR_EVAL_DEFAULT_BUDGET;
    size_t block = budget / ((size_t)n_items * sizeof(float));
    if (block < 1) block = 1;
    if (block > n_eval) block = n_eval;

    scores = gr_alloc_huge(block * (size_t)n_items, sizeof *scores);
    top = gr_alloc(block * (size_t)list_k, sizeof *top);
    top_n = gr_alloc(block, sizeof *top_n);
    ranked = gr_alloc(list_k, sizeof *ranked);
    min_rank = gr_alloc(n_items, sizeof *min_rank);
    GR_CHECK_ALLOC(scores, "a block of scores (lower the memory budget)");
    if (!top || !top_n || !ranked || !min_rank) GR_FAIL(GR_ERR_NOMEM, "out of memory allocating top-K lists");
    /* min_rank[i]: best rank item i reached in any list, for coverage */
    for (uint32_t i = 0; i < n_items; i++) min_rank[i] = UINT32_MAX;

    if (o->per_user_path) {
        GR_TRY(gr_output_open(&out, o->per_user_path, msg));
        GR_TRY(write_user_header(out, o, msg));
    }

    for (size_t b = 0; b < n_eval; b += block) {
        size_t nb = n_eval - b < block ? n_eval - b : block;
        double t = gr_now();
        GR_TRY(s->score(s->ctx, users + b, nb, scores, msg));
        double t_mid = gr_now();
        r->score_seconds += t_mid - t;
        GR_TRY(gr_topk_block(scores, nb, n_items, users + b, train, mask2, o->mask_self, list_k, o->n_threads, top,
                             top_n, msg));
        /* Metrics in user order on the main thread: a few hundred
         * operations per user, and the sums come out the same for every
         * block size and thread count. */
        for (size_t k = 0; k < nb; k++) {
            const uint32_t u = users[b + k];
            const gr_topk_entry *list = top + k * (size_t)list_k;
            for (uint32_t p = 0; p < top_n[k]; p++) {
                ranked[p] = list[p].item;
                if (p < min_rank[list[p].item]) min_rank[list[p].item] = p;
            }
            const uint64_t n_test = gr_csr_degree(test, u);
            gr_user_metrics(ranked, top_n[k], test->idx + test->ptr[u], n_test, o->ks, o->n_ks, v);
            for (int m = 0; m < GR_METRIC_PER_USER; m++)
                for (int j = 0; j < o->n_ks; j++) sum[m][j] += v[m][j];
            if (out) GR_TRY(write_user_row(out, o, u, n_test, v, msg));
        }
        r->rank_seconds += gr_now() - t_mid;
        r->n_blocks++;
    }

    r->n_ks = o->n_ks;
    memcpy(r->ks, o->ks, sizeof r->ks);
    for (int m = 0; m < GR_METRIC_PER_USER; m++)
        for (int j = 0; j < o->n_ks; j++) r->value[m][j] = sum[m][j] / (double)n_eval;
    for (int j = 0; j < o->n_ks; j++) {
        uint64_t covered = 0;
        for (uint32_t i = 0; i < n_items; i++) covered += min_rank[i] < o->ks[j];
        r->value[GR_METRIC_COVERAGE][j] = (double)covered / (double)n_items;
    }
    r->n_users = n_eval;
    r->n_items = n_items;
    r->block_users = (uint32_t)block;
    if (out) {
        gr_output *o_done = out;
        out = NULL; /* commit frees it in every case */
        GR_TRY(gr_output_commit(o_done, msg));
    }
    r->seconds = gr_now() - t0;
fail:
    gr_output_abort(out);
    free(users);
    free(scores);
    free(top);
    free(top_n);
    free(ranked);
    free(min_rank);
    return status;
}
