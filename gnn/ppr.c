/* Personalized PageRank for a block of users at once (see ppr.h).
 *
 * One iteration, for the block's B columns (column b restarts at user u_b,
 * whose node o_b is in the graph unless the user is new):
 *   1. s_b = X[o_b, b], and X[o_b, b] = 0: the walk leaves u_b along the
 *      row it is scored from, not along its training edges;
 *   2. m_b = mass of X's column b on dangling nodes;
 *   3. Y = damping * P' X: one SpMM with d = B (every edge reads B
 *      contiguous floats of X);
 *   4. Y[t, b] += damping * s_b * w_t / W_b along u_b's row (weights w_t,
 *      W_b their sum), or s_b joins m_b when the row is empty;
 *   5. Y[o_b, b] += 1 - damping + damping * m_b (for a new user the walk's
 *      mass at u_b is this alone: nothing in the graph links to it).
 * The L1 change of each column is summed as step 3 finishes each row and
 * corrected for the few entries steps 4-5 touch, so no extra pass over X
 * is made.
 *
 * Step 3 is sparse/'s SpMM kernel (gr_spmm_ex, register-blocked, with
 * prefetching and AVX2/AVX-512 clones) over P' built as a gr_norm_adj
 * (sparse/adjacency_walk.h).  Measured on LastFM, one product at d = 64
 * (bench/bench_graph_baselines.c, busy 2-core machine): a plain gather of
 * our own over the graph's CSR, 16 columns per pass, 3.7 ms; this kernel
 * 0.8 ms; GrB_mxm 2.1 ms. */
#include "gnn/ppr.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sparse/adjacency_walk.h"

#define NO_NODE UINT32_MAX
/* A block's row stride is a multiple of LANES, the widths the SpMM kernel
 * keeps in registers (the padding columns hold no user and stay zero). */
#define LANES 16

struct gr_ppr {
    const gr_graph *g;
    const gr_csr *social; /* NULL when absent or weighted 0 */
    float social_weight;
    float damping;
    uint32_t max_iters, block;
    double tol;
    int bipartite;
    uint32_t n_nodes, item_base; /* item i is node item_base + i */
    gr_norm_adj *walk;           /* P' (sparse/adjacency_walk.h) */
    uint32_t *dangling, n_dangling;
    double *tchange;             /* per SpMM thread, block columns: step 3's L1 sums */
    int tchange_threads;
    float *X, *Y;                /* n_nodes x block each */
    uint32_t *origin;            /* block: u_b's node, NO_NODE for a new user */
    double *stay, *weight;       /* block: s_b, W_b */
    double *change, *dmass;      /* block: L1 change, dangling mass m_b */
};

void gr_ppr_free(gr_ppr *p)
{
    if (p == NULL) return;
    gr_norm_adj_free(p->walk);
    free(p->dangling);
    free(p->tchange);
    free(p->X);
    free(p->Y);
    free(p->origin);
    free(p->stay);
    free(p->weight);
    free(p->change);
    free(p->dmass);
    free(p);
}

uint32_t gr_ppr_nodes(const gr_ppr *p) { return p->n_nodes; }

static gr_status check_social(const gr_graph *g, const gr_csr *s, char *msg)
{
    gr_status status = GR_OK;
    if (g->kind != GR_GRAPH_BIPARTITE)
        GR_FAIL(GR_ERR_ARG, "ppr: social edges join users of a user-item graph; a follower graph has none");
    if (s->n_rows > g->n_users || s->n_cols > g->n_users)
        GR_FAIL(GR_ERR_ARG, "ppr: the social graph is %u x %u but there are %u users", s->n_rows, s->n_cols,
                g->n_users);
    /* P' takes S[t] as t's in-edges, which are its out-edges only when S
     * is symmetric */
    for (uint32_t u = 0; u < s->n_rows; u++)
        for (uint64_t e = s->ptr[u]; e < s->ptr[u + 1]; e++)
            if (s->idx[e] >= s->n_rows || !gr_csr_has(s, s->idx[e], u))
                GR_FAIL(GR_ERR_ARG, "ppr: the social graph is not symmetric (%u-%u has no reverse edge)", u,
                        s->idx[e]);
fail:
    return status;
}

gr_status gr_ppr_init(gr_ppr **out, const gr_graph *g, const gr_ppr_opts *o, char *msg)
{
    gr_status status = GR_OK;
    gr_ppr *p = NULL;
    double *out_w = NULL;
    *out = NULL;
    if (!(o->damping >= 0 && o->damping < 1)) GR_FAIL(GR_ERR_ARG, "ppr: damping must be in [0, 1), not %g", o->damping);
    if (o->max_iters == 0) GR_FAIL(GR_ERR_ARG, "ppr: ppr_iters must be at least 1");
    if (!(o->tol >= 0)) GR_FAIL(GR_ERR_ARG, "ppr: ppr_tol must be >= 0, not %g", o->tol);
    if (!(o->social_weight >= 0 && isfinite(o->social_weight)))
        GR_FAIL(GR_ERR_ARG, "ppr: social_weight must be finite and >= 0, not %g", o->social_weight);
    const int bipartite = g->kind == GR_GRAPH_BIPARTITE;
    if (!bipartite && g->n_users != g->n_items)
        GR_FAIL(GR_ERR_ARG, "ppr: a follower graph has one id space, not %u x %u", g->n_users, g->n_items);
    if (bipartite && (uint64_t)g->n_users + g->n_items >= NO_NODE)
        GR_FAIL(GR_ERR_ARG, "ppr: %u users + %u items exceed 4G nodes", g->n_users, g->n_items);
    const int use_social = o->social != NULL && o->social_weight > 0;
    if (use_social) GR_TRY(check_social(g, o->social, msg));

    p = gr_zalloc(1, sizeof *p);
    GR_CHECK_ALLOC(p, "the PPR solver");
    p->g = g;
    p->social = use_social ? o->social : NULL;
    p->social_weight = use_social ? o->social_weight : 0.0f;
    p->damping = (float)o->damping;
    p->max_iters = o->max_iters;
    p->tol = o->tol;
    p->block = o->block ? o->block : GR_PPR_DEFAULT_BLOCK;
    if (p->block > UINT32_MAX - LANES) GR_FAIL(GR_ERR_ARG, "ppr: a block of %u users is too large", p->block);
    p->block = (p->block + LANES - 1) / LANES * LANES;
    p->bipartite = bipartite;
    p->n_nodes = bipartite ? g->n_users + g->n_items : g->n_items;
    p->item_base = bipartite ? g->n_users : 0;
    const size_t n = p->n_nodes, B = p->block;
    out_w = gr_alloc(n + 1, sizeof *out_w);
    GR_CHECK_ALLOC(out_w, "the walk's out-weights");
    GR_TRY(gr_walk_adj_build(&p->walk, g, p->social, p->social_weight, out_w, msg));
    p->dangling = gr_alloc(n ? n : 1, sizeof *p->dangling);
    p->X = gr_alloc_huge(n > 0 ? n * B : 1, sizeof *p->X);
    p->Y = gr_alloc_huge(n > 0 ? n * B : 1, sizeof *p->Y);
    p->origin = gr_alloc(B, sizeof *p->origin);
    p->stay = gr_alloc(B, sizeof *p->stay);
    p->weight = gr_alloc(B, sizeof *p->weight);
    p->change = gr_alloc(B, sizeof *p->change);
    p->dmass = gr_alloc(B, sizeof *p->dmass);
    if (!p->dangling || !p->X || !p->Y || !p->origin || !p->stay || !p->weight || !p->change || !p->dmass)
        GR_FAIL(GR_ERR_NOMEM, "ppr: out of memory for %zu nodes x %zu users (2 blocks of %.0f MiB)", n, B,
                (double)(n * B * sizeof(float)) / 1048576.0);
    for (uint32_t v = 0; v < p->n_nodes; v++)
        if (out_w[v] == 0) p->dangling[p->n_dangling++] = v;
    *out = p;
    p = NULL;
fail:
    free(out_w);
    gr_ppr_free(p);
    return status;
}

/* Step 3's epilogue for row r of the product (y, B floats): Y[r] =
 * damping * y, and each column's |Y[r] - X[r]| summed per thread (rows
 * finish on the SpMM's threads, concurrently). */
typedef struct {
    const float *X;
    float *Y;
    uint32_t B;
    float damping;
    double *tchange; /* threads x B */
} finish_ctx;

static void finish_row(void *vctx, uint32_t r, const float *y)
{
    const finish_ctx *c = vctx;
    const uint32_t B = c->B;
    double *restrict ch = c->tchange + (size_t)omp_get_thread_num() * B;
    const float *restrict x = c->X + (size_t)r * B;
    float *restrict out = c->Y + (size_t)r * B;
    for (uint32_t k = 0; k < B; k++) {
        out[k] = c->damping * y[k];
        ch[k] += fabsf(out[k] - x[k]);
    }
}

/* Where step 4 adds column b's share of u_b's mass. */
typedef struct {
    const float *X;
    float *Y;
    uint32_t B, b;
    float amount;   /* damping * s_b / W_b */
    double *change; /* column b's */
} spread_ctx;

static void spread_to(spread_ctx *c, uint32_t t, float w)
{
    float *y = c->Y + (size_t)t * c->B + c->b;
    const float x = c->X[(size_t)t * c->B + c->b], before = *y;
    *y += c->amount * w;
    *c->change += fabsf(*y - x) - fabsf(before - x);
}

/* Walks user u's row (the items, or followed accounts, the graph knows;
 * then its social row), spreading into c when c is not NULL; returns the
 * sum of the row's weights (W_b). */
static double walk_row(const gr_ppr *p, const gr_csr *rows, uint32_t u, spread_ctx *c)
{
    const gr_graph *g = p->g;
    double w = 0;
    for (uint64_t e = rows->ptr[u]; e < rows->ptr[u + 1]; e++) {
        const uint32_t i = rows->idx[e];
        if (i >= g->n_items || (!p->bipartite && i == u)) continue;
        w += 1;
        if (c) spread_to(c, p->item_base + i, 1.0f);
    }
    if (p->social && u < p->social->n_rows)
        for (uint64_t e = p->social->ptr[u]; e < p->social->ptr[u + 1]; e++) {
            w += p->social_weight;
            if (c) spread_to(c, p->social->idx[e], p->social_weight);
        }
    return w;
}

/* Runs the power iteration for users[0..nb) into p->X (n_nodes x B, B =
 * the stride, nb rounded up to LANES); *iters gets the iterations run. */
static gr_status run_block(gr_ppr *p, const gr_csr *rows, const uint32_t *users, uint32_t nb, uint32_t B,
                           uint32_t *iters, char *msg)
{
    gr_status status = GR_OK;
    /* the SpMM runs on as many threads as OpenMP gives it now */
    const int threads = omp_get_max_threads();
    if (threads > p->tchange_threads) {
        free(p->tchange);
        p->tchange = gr_alloc((size_t)threads * p->block, sizeof *p->tchange);
        p->tchange_threads = p->tchange ? threads : 0;
        GR_CHECK_ALLOC(p->tchange, "ppr: per-thread sums");
    }
    const uint32_t n = p->n_nodes;
    const float d = p->damping;
    double *change = p->change, *dmass = p->dmass;
    memset(p->X, 0, (size_t)n * B * sizeof *p->X);
    memset(change, 0, B * sizeof *change);
    memset(dmass, 0, B * sizeof *dmass);
    for (uint32_t b = 0; b < nb; b++) {
        const uint32_t u = users[b];
        p->origin[b] = u < p->g->n_users ? u : NO_NODE; /* user u is node u in both layouts */
        p->weight[b] = walk_row(p, rows, u, NULL);
        p->stay[b] = 1.0;
        if (p->origin[b] != NO_NODE) p->X[(size_t)p->origin[b] * B + b] = 1.0f;
    }
    uint32_t it = 0;
    double last = INFINITY;
    while (it < p->max_iters) {
        it++;
        float *X = p->X, *Y = p->Y;
        for (uint32_t b = 0; b < nb; b++) {
            change[b] = 0;
            dmass[b] = 0;
            if (p->origin[b] == NO_NODE) continue;
            float *x = X + (size_t)p->origin[b] * B + b;
            p->stay[b] = *x;
            *x = 0.0f;
        }
        const uint32_t *dang = p->dangling;
#pragma omp parallel for schedule(static) reduction(+ : dmass[:B])
        for (uint32_t k = 0; k < p->n_dangling; k++) {
            const float *x = X + (size_t)dang[k] * B;
            for (uint32_t c = 0; c < B; c++) dmass[c] += x[c];
        }
        memset(p->tchange, 0, (size_t)threads * B * sizeof *p->tchange);
        finish_ctx fc = {.X = X, .Y = Y, .B = B, .damping = d, .tchange = p->tchange};
        const gr_spmm_opts so = {.row_fn = finish_row, .row_ctx = &fc};
        GR_TRY(gr_spmm_ex(p->walk, X, NULL, B, &so, GR_SPMM_CSR, msg));
        for (int t = 0; t < threads; t++)
            for (uint32_t b = 0; b < nb; b++) change[b] += p->tchange[(size_t)t * B + b];
        for (uint32_t b = 0; b < nb; b++) {
            const double s = p->stay[b];
            double m = dmass[b];
            if (p->weight[b] > 0) {
                spread_ctx c = {.X = X, .Y = Y, .B = B, .b = b, .amount = (float)(d * s / p->weight[b]),
                                .change = &change[b]};
                walk_row(p, rows, users[b], &c);
            } else {
                m += s; /* u_b itself is dangling */
            }
            const double restart = 1.0 - d + d * m;
            if (p->origin[b] == NO_NODE) {
                change[b] += fabs(restart - s);
                p->stay[b] = restart;
            } else {
                float *y = Y + (size_t)p->origin[b] * B + b;
                const float before = *y;
                *y += (float)restart;
                change[b] += fabs((double)*y - s) - fabsf(before); /* X held s there, not the 0 gathered from */
            }
        }
        p->X = Y;
        p->Y = X;
        double worst = 0;
        for (uint32_t b = 0; b < nb; b++) worst = change[b] > worst ? change[b] : worst;
        /* In exact arithmetic each step shrinks every column's L1 change by
         * at least the factor damping (the step is damping times a
         * column-stochastic map); a step that shrinks it by less than half
         * that way to 1 is float32 rounding at work (~2e-7 on LastFM), and
         * further steps would not get below it. */
        if (worst < p->tol || worst > last * (1.0 + d) / 2) break;
        last = worst;
    }
    *iters = it;
fail:
    return status;
}

static uint32_t stride(uint32_t nb) { return (nb + LANES - 1) / LANES * LANES; }

static gr_status check_rows(const gr_csr *rows, const uint32_t *users, size_t n, char *msg)
{
    gr_status status = GR_OK;
    for (size_t k = 0; k < n; k++)
        if (users[k] >= rows->n_rows) GR_FAIL(GR_ERR_ARG, "ppr: user %u out of range (%u rows)", users[k], rows->n_rows);
fail:
    return status;
}

gr_status gr_ppr_vectors(gr_ppr *p, const gr_csr *user_rows, const uint32_t *users, size_t n, float *out,
                         uint32_t *iters, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(check_rows(user_rows, users, n, msg));
    uint32_t most = 0;
    for (size_t k0 = 0; k0 < n; k0 += p->block) {
        const uint32_t nb = (uint32_t)(n - k0 < p->block ? n - k0 : p->block), B = stride(nb);
        uint32_t it = 0;
        GR_TRY(run_block(p, user_rows, users + k0, nb, B, &it, msg));
        most = it > most ? it : most;
        for (uint32_t b = 0; b < nb; b++)
            for (uint32_t v = 0; v < p->n_nodes; v++)
                out[(k0 + b) * p->n_nodes + v] = p->X[(size_t)v * B + b];
    }
    if (iters) *iters = most;
fail:
    return status;
}

gr_status gr_ppr_score(gr_ppr *p, const gr_csr *user_rows, const uint32_t *users, size_t n, uint32_t n_items,
                       float *scores, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t gi = p->g->n_items;
    if (n_items < gi) GR_FAIL(GR_ERR_ARG, "ppr: score rows of %u items are shorter than the graph's %u", n_items, gi);
    GR_TRY(check_rows(user_rows, users, n, msg));
    for (size_t k0 = 0; k0 < n; k0 += p->block) {
        const uint32_t nb = (uint32_t)(n - k0 < p->block ? n - k0 : p->block), B = stride(nb);
        uint32_t it = 0;
        GR_TRY(run_block(p, user_rows, users + k0, nb, B, &it, msg));
        const float *X = p->X + (size_t)p->item_base * B;
#pragma omp parallel for schedule(static)
        for (uint32_t b = 0; b < nb; b++) {
            float *row = scores + (k0 + b) * (size_t)n_items;
            for (uint32_t j = 0; j < gi; j++) row[j] = X[(size_t)j * B + b];
            for (uint32_t j = gi; j < n_items; j++) row[j] = 0.0f;
        }
    }
fail:
    return status;
}
