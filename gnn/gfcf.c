/* GF-CF's ideal low-pass part: the top singular vectors of R~ by randomized
 * SVD, turned into user and item embeddings; and fold-in of new histories.
 * The linear part is in gfcf_linear.c. */
#include "gnn/gfcf.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/sysinfo.h"
#include "sparse/adjacency.h"
#include "sparse/rsvd.h"

/* ---- R~ as an operator for the randomized SVD -------------------------------
 * LightGCN's normalized adjacency Â = D^-1/2 [[0, R], [R', 0]] D^-1/2 has R~
 * as its user-item block: a user's degree in A is its number of items, an
 * item's its number of users, exactly GF-CF's D_u and D_i.  So R~ X is Â's
 * user rows computed from its item rows, and R~' X the other way round, and
 * both run on our tuned SpMM kernel (sparse/adjacency.h) with a row list.
 * The kernel indexes X by node, so X is copied into the item (or user) rows
 * of a staging block; the product rows come back through the row callback,
 * straight into the caller's compact Y.  On Gowalla with 320 columns the
 * copy takes ~9 ms, the product itself ~90 ms on a quiet machine. */
typedef struct {
    gr_norm_adj *adj;
    uint32_t n_users, n_items;
    uint32_t *list;        /* 0..n_users+n_items-1: the user rows, then the item rows */
    float *stage;          /* (n_users + n_items) x stage_l */
    uint32_t stage_l;
    /* the current product's output, for the row callback */
    float *out;
    uint32_t out_first, out_l;
} rtilde_op;

static void rtilde_free(rtilde_op *op)
{
    gr_norm_adj_free(op->adj);
    free(op->list);
    free(op->stage);
    memset(op, 0, sizeof *op);
}

static gr_status rtilde_init(rtilde_op *op, const gr_graph *g, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t n = g->n_users + g->n_items;
    memset(op, 0, sizeof *op);
    op->n_users = g->n_users;
    op->n_items = g->n_items;
    GR_TRY(gr_norm_adj_build(&op->adj, g, NULL, 0.0f, msg));
    op->list = gr_alloc(n, sizeof *op->list);
    GR_CHECK_ALLOC(op->list, "the row lists of R~");
    for (uint32_t r = 0; r < n; r++) op->list[r] = r;
fail:
    return status;
}

static void store_row(void *ctx, uint32_t r, const float *y)
{
    rtilde_op *op = ctx;
    memcpy(op->out + (size_t)(r - op->out_first) * op->out_l, y, op->out_l * sizeof *y);
}

/* Y (rows of one side) = the block of Â from the other side times X. */
static gr_status rtilde_product(rtilde_op *op, int to_users, const float *X, float *Y, uint32_t l, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t n = op->n_users + op->n_items;
    if (op->stage_l != l) {
        free(op->stage);
        op->stage_l = 0;
        op->stage = gr_alloc_huge((size_t)n * l, sizeof *op->stage);
        GR_CHECK_ALLOC(op->stage, "the staging block of R~'s products");
        op->stage_l = l;
    }
    /* X goes where Â's columns of the other side read it */
    const uint32_t in_first = to_users ? op->n_users : 0, in_rows = to_users ? op->n_items : op->n_users;
    memcpy(op->stage + (size_t)in_first * l, X, (size_t)in_rows * l * sizeof *X);
    /* the kernel reads a row set's list only (the mask is for callers' masks) */
    const gr_row_set rows = {.list = op->list + (to_users ? 0 : op->n_users),
                             .n_list = to_users ? op->n_users : op->n_items};
    op->out = Y;
    op->out_first = to_users ? 0 : op->n_users;
    op->out_l = l;
    const gr_spmm_opts o = {.rows = &rows, .row_fn = store_row, .row_ctx = op};
    GR_TRY(gr_spmm_ex(op->adj, op->stage, NULL, l, &o, GR_SPMM_CSR, msg));
fail:
    return status;
}

static gr_status rtilde_apply(void *ctx, const float *X, float *Y, uint32_t l, char *msg)
{
    return rtilde_product(ctx, 1, X, Y, l, msg);
}

static gr_status rtilde_apply_t(void *ctx, const float *X, float *Y, uint32_t l, char *msg)
{
    return rtilde_product(ctx, 0, X, Y, l, msg);
}

/* ---- fit and fold-in ------------------------------------------------------ */

/* user_emb[r] = alpha sum_{i in row r} item_emb[i] / d_i over the graph's
 * items of positive degree: alpha r D_i^-1/2 V, since item_emb = D_i^1/2 V. */
static void fold_rows(const gr_csr *rows, const float *item_emb, const gr_graph *g, uint32_t d, float alpha,
                      float *user_emb)
{
    const int64_t n = rows->n_rows;
#pragma omp parallel for schedule(dynamic, 256)
    for (int64_t r = 0; r < n; r++) {
        float *restrict u = user_emb + (size_t)r * d;
        memset(u, 0, d * sizeof *u);
        for (uint64_t p = rows->ptr[r]; p < rows->ptr[r + 1]; p++) {
            const uint32_t i = rows->idx[p];
            if (i >= g->n_items) continue;
            const uint64_t deg = gr_csr_degree(&g->Rt, i);
            if (deg == 0) continue;
            const float w = 1.0f / (float)deg;
            const float *restrict e = item_emb + (size_t)i * d;
            for (uint32_t k = 0; k < d; k++) u[k] += w * e[k];
        }
        for (uint32_t k = 0; k < d; k++) u[k] *= alpha;
    }
}

gr_status gr_gfcf_fit(const gr_config *c, const gr_graph *g, float *E, char *msg)
{
    return gr_gfcf_fit_ex(c, g, E, NULL, msg);
}

/* E's item rows = D_i^1/2 V, V the top-d right singular vectors of R~. */
static gr_status ideal_items(const gr_config *c, const gr_graph *g, float *items, gr_rsvd_report *rep, char *msg)
{
    gr_status status = GR_OK;
    rtilde_op op;
    memset(&op, 0, sizeof op);
    const uint32_t m = g->n_users, n = g->n_items, d = c->dim, small = m < n ? m : n;
    if (d > small)
        GR_FAIL(GR_ERR_ARG, "gfcf: dim = %u exceeds min(users, items) = %u, the largest rank R~ can have", d, small);
    GR_TRY(rtilde_init(&op, g, msg));
    const gr_linop A = {.n_rows = m, .n_cols = n, .ctx = &op, .apply = rtilde_apply, .apply_t = rtilde_apply_t};
    const gr_rsvd_opts o = {.rank = d, .oversample = c->oversample, .power_iters = c->power_iters, .seed = c->seed};
    GR_TRY(gr_rsvd(&A, &o, items, NULL, rep, msg));
    /* V's rows of degree-0 items are 0 (R~ has no entry there), so they stay 0 */
#pragma omp parallel for schedule(static)
    for (uint32_t i = 0; i < n; i++) {
        const float s = sqrtf((float)gr_csr_degree(&g->Rt, i));
        for (uint32_t k = 0; k < d; k++) items[(size_t)i * d + k] *= s;
    }
fail:
    rtilde_free(&op);
    return status;
}

gr_status gr_gfcf_fit_ex(const gr_config *c, const gr_graph *g, float *E, gr_gfcf_report *report, char *msg)
{
    gr_status status = GR_OK;
    gr_gfcf_report rep = {0};
    const double t0 = gr_now();
    const uint32_t m = g->n_users, d = c->dim;
    memset(E, 0, ((size_t)m + g->n_items) * d * sizeof *E);
    if (c->ideal_weight > 0) { /* else the linear filter alone: E stays 0 */
        float *items = E + (size_t)m * d;
        GR_TRY(ideal_items(c, g, items, &rep.svd, msg));
        fold_rows(&g->R, items, g, d, (float)c->ideal_weight, E);
    }
    rep.seconds = gr_now() - t0;
    if (report) *report = rep;
fail:
    return status;
}

gr_status gr_gfcf_fold_in(const gr_config *c, const float *item_emb, const gr_graph *g, const gr_csr *history,
                          float *user_emb, char *msg)
{
    if (c->model != GR_MODEL_GFCF)
        return gr_fail(msg, GR_ERR_ARG, "gfcf fold-in: the model is %s, not gfcf", gr_model_kind_name(c->model));
    fold_rows(history, item_emb, g, c->dim, (float)c->ideal_weight, user_emb);
    return GR_OK;
}
