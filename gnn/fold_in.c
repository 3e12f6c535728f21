/* Fold-in by model kind.
 *
 * LightGCN: a trained user's final embedding is
 *     e_u = a_0 e_u^(0) + sum_{k=1..K} a_k e_u^(k),
 *     e_u^(k) = sum_{i in N(u)} E_i^(k-1) / sqrt(d_u d_i),
 * so every term but the first is a normalized aggregation of the items'
 * layer embeddings, which the model determines: E^(k) = Â^k E^(0) over the
 * training graph.  Only e_u^(0), a free parameter of each trained user, has
 * no value for a new one; it is left out rather than guessed.  (Folding in a
 * new user would also raise its items' degrees by one and change E^(k) a
 * little for everyone; the fold-in keeps the trained model as it is.)
 * Measured on Gowalla, 996 users held out of training and folded in, test
 * recall@20: this definition 0.1607; with a_0 times the layer-1 aggregation
 * of the items' ego embeddings standing in for e_u^(0), 0.1618 (a guess that
 * buys nothing clear); one aggregation of the items' final embeddings,
 * 0.1576; their plain mean, 0.1496; the same users trained, 0.1676.
 *
 * MF has no propagation to replay: the user's embedding descends the
 * training objective with the items fixed, a few full gradient steps from
 * zero (deterministic; the loss is convex in e_u).  A few, not to
 * convergence: with training's small L2 the minimizer of a handful of sampled
 * pairs has a huge norm and fits those pairs.  Measured (users held out of
 * training, folded in; test recall@20 after 1, 5, 10, 50 steps): generated
 * data of 3,000 x 2,000, 300 users: 0.2570, 0.2524, 0.2470, 0.2389; Gowalla,
 * 996 users: 0.1240, 0.1238, 0.1234, 0.1246, flat within the ~0.001 that the
 * negative draws move it.  Five steps cost little and lose nowhere much.
 * The step size 1/L uses the gradient's Lipschitz bound
 * L = 1/4 mean |v_i - v_j|^2 + decay. */
#include "gnn/fold_in.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "gnn/gfcf.h"
#include "gnn/ials.h"
#include "gnn/social_adj.h"
#include "sparse/adjacency.h"
#include "sparse/adjacency_follow.h"

/* Separates fold-in's negative draws from training's streams (seed, row). */
#define FOLD_IN_STREAM_SALT 0x666f6c642d696eULL

static int usable(const gr_graph *train, uint32_t i) { return i < train->n_items && gr_csr_degree(&train->Rt, i) > 0; }

/* What a folded-in user's items contribute: acc (n_items x d) =
 * sum_{k=1..K} a_k E_items^(k-1), E^(k) = Â^k ego, and deg, each item's
 * degree in Â's graph.  Bipartite: the item rows of the propagation over
 * [[0, R], [Rᵀ, 0]], deg = training degree.  Unipartite (gnn/train.h): the
 * account rows, propagated over the symmetrized follow graph, deg = weighted
 * degree there (sparse/adjacency_follow.h); the user's own edges are its
 * history's follows, each weighing 1 (who follows it back is not part of a
 * history), so d_u stays the count of its usable accounts. */
static gr_status lightgcn_item_layers(const gr_model *m, const gr_graph *train, const gr_csr *social, float *acc,
                                      double *deg, char *msg)
{
    gr_status status = GR_OK;
    gr_norm_adj *adj = NULL;
    float *x = NULL, *y = NULL;
    const int uni = m->cfg.view == GR_VIEW_UNIPARTITE;
    const uint32_t d = m->dim, K = m->cfg.layers;
    const size_t n = uni ? (size_t)m->n_users : (size_t)m->n_users + m->n_items;
    const size_t off = uni ? 0 : (size_t)m->n_users * d, cells = (size_t)m->n_items * d;
    if (uni) GR_TRY(gr_follow_degrees(train, m->cfg.reciprocal_weight, deg, msg));
    else
        for (uint32_t i = 0; i < m->n_items; i++) deg[i] = (double)gr_csr_degree(&train->Rt, i);
    const float *ego_items = m->ego + off;
    float a1 = gr_config_layer_weight(&m->cfg, 1);
    for (size_t c = 0; c < cells; c++) acc[c] = a1 * ego_items[c];
    if (K < 2) return GR_OK;
    if (uni) GR_TRY(gr_norm_adj_build_follow(&adj, train, m->cfg.reciprocal_weight, msg));
    else GR_TRY(gr_social_adj_build(&adj, &m->cfg, train, social, msg)); /* training's, social edges included */
    x = gr_alloc_huge(n * d, sizeof *x);
    y = gr_alloc_huge(n * d, sizeof *y);
    if (!x || !y) GR_FAIL(GR_ERR_NOMEM, "fold-in: out of memory for %zu x %u layer embeddings", n, d);
    memcpy(x, m->ego, n * d * sizeof *x);
    for (uint32_t k = 1; k < K; k++) {
        GR_TRY(gr_spmm(adj, x, y, d, GR_SPMM_CSR, msg)); /* y = E^(k) */
        float a = gr_config_layer_weight(&m->cfg, k + 1);
        for (size_t c = 0; c < cells; c++) acc[c] += a * y[off + c];
        float *t = x;
        x = y;
        y = t;
    }
fail:
    gr_norm_adj_free(adj);
    free(x);
    free(y);
    return status;
}

/* Social edges (gnn/social_adj.h) reach a folded-in user only through its
 * items' layers: it has no friends in the social file, which names trained
 * users only, so its degree is its item count under either normalization,
 * and an item's degree is its training degree with or without S. */
static gr_status fold_lightgcn(const gr_model *m, const gr_graph *train, const gr_csr *social, const gr_csr *h,
                               float *out, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t d = m->dim;
    float *acc = gr_alloc_huge((size_t)m->n_items * d, sizeof *acc);
    double *deg = gr_alloc(m->n_items + (size_t)1, sizeof *deg);
    if (acc == NULL || deg == NULL) GR_FAIL(GR_ERR_NOMEM, "fold-in: out of memory for the layer sums");
    GR_TRY(lightgcn_item_layers(m, train, social, acc, deg, msg));
#pragma omp parallel for schedule(dynamic, 16)
    for (uint32_t r = 0; r < h->n_rows; r++) {
        float *e = out + (size_t)r * d;
        memset(e, 0, d * sizeof *e);
        uint64_t du = 0;
        for (uint64_t p = h->ptr[r]; p < h->ptr[r + 1]; p++) du += h->idx[p] < m->n_items && deg[h->idx[p]] > 0;
        for (uint64_t p = h->ptr[r]; p < h->ptr[r + 1]; p++) {
            const uint32_t i = h->idx[p];
            if (i >= m->n_items || !(deg[i] > 0)) continue;
            const float w = (float)(1.0 / sqrt((double)du * deg[i]));
            const float *v = acc + (size_t)i * d;
            for (uint32_t c = 0; c < d; c++) e[c] += w * v[c];
        }
    }
fail:
    free(acc);
    free(deg);
    return status;
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* One user of MF fold-in.  pairs: scratch for 2 * n_pos * NEG indices. */
static void fold_mf_user(const gr_model *m, const gr_graph *train, const uint32_t *row, size_t n_row,
                         uint64_t stream, uint32_t *pairs, float *grad, float *e)
{
    const uint32_t d = m->dim, n_items = m->n_items;
    const float *V = m->final + (size_t)m->n_users * d;
    memset(e, 0, d * sizeof *e);
    gr_rng rng;
    gr_rng_seed(&rng, m->cfg.seed ^ FOLD_IN_STREAM_SALT, stream);
    size_t ns = 0;
    double sq = 0;
    for (size_t p = 0; p < n_row; p++) {
        if (!usable(train, row[p])) continue;
        for (int q = 0; q < GR_FOLD_IN_MF_NEG; q++) {
            /* a negative: an item outside the row that the model trained on
             * (a few draws; on a dense row the last draw is kept anyway) */
            uint32_t j = 0;
            for (int tries = 0; tries < 32; tries++) {
                j = gr_rng_below(&rng, n_items);
                int in_row = 0;
                size_t lo = 0, hi = n_row;
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (row[mid] < j) lo = mid + 1;
                    else hi = mid;
                }
                in_row = lo < n_row && row[lo] == j;
                if (!in_row && usable(train, j)) break;
            }
            pairs[2 * ns] = row[p];
            pairs[2 * ns + 1] = j;
            const float *vi = V + (size_t)row[p] * d, *vj = V + (size_t)j * d;
            for (uint32_t c = 0; c < d; c++) sq += (double)(vi[c] - vj[c]) * (vi[c] - vj[c]);
            ns++;
        }
    }
    if (ns == 0) return;
    const double decay = m->cfg.decay;
    const float step = (float)(1.0 / (0.25 * sq / (double)ns + decay));
    for (int t = 0; t < GR_FOLD_IN_MF_STEPS; t++) {
        /* gradient of mean_s -log σ(e.(v_i - v_j)) + decay/2 |e|^2 */
        for (uint32_t c = 0; c < d; c++) grad[c] = (float)decay * e[c];
        for (size_t s = 0; s < ns; s++) {
            const float *vi = V + (size_t)pairs[2 * s] * d, *vj = V + (size_t)pairs[2 * s + 1] * d;
            float x = 0;
            for (uint32_t c = 0; c < d; c++) x += e[c] * (vi[c] - vj[c]);
            const float g = -sigmoid(-x) / (float)ns;
            for (uint32_t c = 0; c < d; c++) grad[c] += g * (vi[c] - vj[c]);
        }
        for (uint32_t c = 0; c < d; c++) e[c] -= step * grad[c];
    }
}

static gr_status fold_mf(const gr_model *m, const gr_graph *train, const gr_csr *h, const uint32_t *row_user,
                         float *out, char *msg)
{
    gr_status status = GR_OK;
    uint64_t longest = 0;
    for (uint32_t r = 0; r < h->n_rows; r++)
        if (gr_csr_degree(h, r) > longest) longest = gr_csr_degree(h, r);
    const int nt = omp_get_max_threads();
    const size_t per = 2 * (size_t)longest * GR_FOLD_IN_MF_NEG; /* pair indices per thread */
    uint32_t *pairs = gr_alloc((size_t)nt, (per ? per : 1) * sizeof *pairs);
    float *grad = gr_alloc((size_t)nt, (size_t)m->dim * sizeof *grad);
    if (!pairs || !grad) GR_FAIL(GR_ERR_NOMEM, "fold-in: out of memory for %llu-item histories",
                                 (unsigned long long)longest);
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
#pragma omp for schedule(dynamic, 4)
        for (uint32_t r = 0; r < h->n_rows; r++)
            fold_mf_user(m, train, h->idx + h->ptr[r], (size_t)gr_csr_degree(h, r), row_user ? row_user[r] : r,
                         pairs + (size_t)t * per,
                         grad + (size_t)t * m->dim, out + (size_t)r * m->dim);
    }
fail:
    free(pairs);
    free(grad);
    return status;
}

gr_status gr_fold_in(const gr_model *m, const gr_graph *train, const gr_csr *history, const uint32_t *row_user,
                     float *user_emb, char *msg)
{
    return gr_fold_in_social(m, train, NULL, history, row_user, user_emb, msg);
}

gr_status gr_fold_in_social(const gr_model *m, const gr_graph *train, const gr_csr *social, const gr_csr *history,
                            const uint32_t *row_user, float *user_emb, char *msg)
{
    gr_status status = GR_OK;
    if (history->n_cols > m->n_items)
        GR_FAIL(GR_ERR_ARG, "fold-in: the history has %u items but the model %u", history->n_cols, m->n_items);
    if (train->n_users != m->n_users || train->n_items != m->n_items)
        GR_FAIL(GR_ERR_ARG, "fold-in: the training graph is %u x %u but the model %u x %u", train->n_users,
                train->n_items, m->n_users, m->n_items);
    if (history->n_rows == 0) return GR_OK;
    const float *items = m->final + (size_t)m->n_users * m->dim;
    switch (m->cfg.model) {
    case GR_MODEL_LIGHTGCN:
    case GR_MODEL_MF:
        /* lightgcn with K = 0 is MF */
        if (m->cfg.layers > 0) GR_TRY(fold_lightgcn(m, train, social, history, user_emb, msg));
        else GR_TRY(fold_mf(m, train, history, row_user, user_emb, msg));
        break;
    case GR_MODEL_IALS: GR_TRY(gr_ials_fold_in(&m->cfg, items, m->n_items, history, user_emb, msg)); break;
    case GR_MODEL_GFCF: GR_TRY(gr_gfcf_fold_in(&m->cfg, items, train, history, user_emb, msg)); break;
    case GR_MODEL_ITEMPOP:
        for (size_t c = 0; c < (size_t)history->n_rows * m->dim; c++) user_emb[c] = 1.0f;
        break;
    case GR_MODEL_PPR:
    case GR_MODEL_ADAMIC_ADAR:
    case GR_MODEL_JACCARD:
    case GR_MODEL_COMMON_NEIGHBORS:
        /* graph baselines have no user embedding: they score from the
         * history rows themselves (the zero rows only fill the format) */
        memset(user_emb, 0, (size_t)history->n_rows * m->dim * sizeof *user_emb);
        break;
    }
fail:
    return status;
}
