#include "gnn/loss.h"

#include <omp.h>
#include <stdlib.h>

#include "core/alloc.h"

/* Scatter tasks split a row's columns into whole 64-byte cache lines (16
 * floats), so two threads never write the same line of a gradient row; one
 * task per thread, because each task walks the whole batch (a cache miss per
 * row visit) while its columns are a few instructions.  The split changes
 * which thread adds to a column, never the order of the adds, so results do
 * not depend on it. */
#define GR_LOSS_LINE 16

static uint32_t column_block(uint32_t d)
{
    const uint32_t threads = (uint32_t)omp_get_max_threads();
    const uint32_t per = (d + threads - 1) / threads;
    return (per + GR_LOSS_LINE - 1) / GR_LOSS_LINE * GR_LOSS_LINE;
}

typedef enum { HEAD_BPR, HEAD_BCE } head_kind;

static inline const float *row(const float *E, gr_emb_shape s, uint32_t r) { return E + (size_t)r * s.d; }

static inline double dot(const float *a, const float *b, uint32_t d)
{
    double s = 0;
    for (uint32_t c = 0; c < d; c++) s += (double)a[c] * b[c];
    return s;
}

double gr_link_prob(const float *E, gr_emb_shape shape, uint32_t user, uint32_t item)
{
    return gr_sigmoid(dot(row(E, shape, user), row(E, shape, gr_item_row(shape, item)), shape.d));
}

static gr_status check_batch(gr_emb_shape s, const gr_batch *b, char *msg)
{
    if (b->neg == 0) return gr_fail(msg, GR_ERR_ARG, "loss: a batch needs at least one negative per triple");
    if (b->n == 0) return gr_fail(msg, GR_ERR_ARG, "loss: empty batch");
    for (size_t k = 0; k < b->n; k++) {
        if (b->user[k] >= s.n_users)
            return gr_fail(msg, GR_ERR_ARG, "loss: batch user %u out of range (%u users)", b->user[k], s.n_users);
        if (b->pos[k] >= s.n_items)
            return gr_fail(msg, GR_ERR_ARG, "loss: batch item %u out of range (%u items)", b->pos[k], s.n_items);
    }
    for (size_t k = 0; k < b->n * b->neg; k++)
        if (b->negs[k] >= s.n_items)
            return gr_fail(msg, GR_ERR_ARG, "loss: batch negative %u out of range (%u items)", b->negs[k],
                           s.n_items);
    if (s.tied && s.n_items != s.n_users)
        return gr_fail(msg, GR_ERR_ARG, "loss: tied rows need as many items as users (%u, %u)", s.n_items, s.n_users);
    /* Tied rows: a triple's user as its own item would make the scatter add
     * into the row it reads in the same step. */
    for (size_t k = 0; s.tied && k < b->n; k++) {
        if (b->pos[k] == b->user[k])
            return gr_fail(msg, GR_ERR_ARG, "loss: triple %zu pairs account %u with itself", k, b->user[k]);
        for (uint32_t q = 0; q < b->neg; q++)
            if (b->negs[k * b->neg + q] == b->user[k])
                return gr_fail(msg, GR_ERR_ARG, "loss: triple %zu has account %u as its own negative", k, b->user[k]);
    }
    return GR_OK;
}

/* Adds the gradient of Σ_b [gp_b s_{u,i} + Σ_j gn_bj s_{u,j}] to dE, where
 * gp/gn are ∂loss/∂score.  ∂s_ui/∂e_u = e_i and ∂s_ui/∂e_i = e_u.  Samples are
 * visited in batch order by every thread, each owning a block of columns. */
static void scatter_scores(const float *E, gr_emb_shape s, const gr_batch *b, const float *gp, const float *gn,
                           float *dE)
{
    const uint32_t d = s.d, neg = b->neg;
    const uint32_t width = column_block(d);
    const long blocks = (long)((d + width - 1) / width);
#pragma omp parallel for schedule(static)
    for (long blk = 0; blk < blocks; blk++) {
        const uint32_t c0 = (uint32_t)blk * width;
        const uint32_t c1 = c0 + width < d ? c0 + width : d;
        for (size_t k = 0; k < b->n; k++) {
            const uint32_t u = b->user[k], i = gr_item_row(s, b->pos[k]);
            const float *eu = row(E, s, u), *ei = row(E, s, i);
            float *du = dE + (size_t)u * d, *di = dE + (size_t)i * d;
            /* vector lanes over columns: each column's adds keep their order */
#pragma omp simd
            for (uint32_t c = c0; c < c1; c++) {
                du[c] += gp[k] * ei[c];
                di[c] += gp[k] * eu[c];
            }
            for (uint32_t q = 0; q < neg; q++) {
                const uint32_t j = gr_item_row(s, b->negs[k * neg + q]);
                const float g = gn[k * neg + q];
                const float *ej = row(E, s, j);
                float *dj = dE + (size_t)j * d;
#pragma omp simd
                for (uint32_t c = c0; c < c1; c++) {
                    du[c] += g * ej[c];
                    dj[c] += g * eu[c];
                }
            }
        }
    }
}

static gr_status score_loss(head_kind kind, const float *E, gr_emb_shape s, const gr_batch *b, float *dE,
                            double *loss, char *msg)
{
    gr_status status = GR_OK;
    float *gp = NULL, *gn = NULL;
    double *per = NULL;
    GR_TRY(check_batch(s, b, msg));
    const size_t n = b->n;
    const uint32_t neg = b->neg, d = s.d;
    gp = gr_alloc(n, sizeof *gp);
    GR_CHECK_ALLOC(gp, "loss gradients");
    gn = gr_alloc(n * neg, sizeof *gn);
    GR_CHECK_ALLOC(gn, "loss gradients");
    per = gr_alloc(n, sizeof *per);
    GR_CHECK_ALLOC(per, "per-sample losses");

    const double inv_b = 1.0 / (double)n;
#pragma omp parallel for schedule(static)
    for (size_t k = 0; k < n; k++) {
        const float *eu = row(E, s, b->user[k]);
        const double sp = dot(eu, row(E, s, gr_item_row(s, b->pos[k])), d);
        double l = 0, gpos = 0;
        for (uint32_t q = 0; q < neg; q++) {
            const double sn = dot(eu, row(E, s, gr_item_row(s, b->negs[k * neg + q])), d);
            double g;
            if (kind == HEAD_BPR) {
                /* −log σ(sp − sn) = softplus(sn − sp); d/dsn = σ(sn − sp). */
                l += gr_softplus(sn - sp) / neg;
                g = gr_sigmoid(sn - sp) * inv_b / neg;
                gpos -= g;
            } else {
                /* −log(1 − σ(sn)) = softplus(sn); d/dsn = σ(sn). */
                l += gr_softplus(sn);
                g = gr_sigmoid(sn) * inv_b;
            }
            gn[k * neg + q] = (float)g;
        }
        if (kind == HEAD_BCE) {
            /* −log σ(sp) = softplus(−sp); d/dsp = σ(sp) − 1 = −σ(−sp). */
            l += gr_softplus(-sp);
            gpos = -gr_sigmoid(-sp) * inv_b;
        }
        gp[k] = (float)gpos;
        per[k] = l;
    }
    /* Summed in batch order so the value does not depend on the thread count. */
    double total = 0;
    for (size_t k = 0; k < n; k++) total += per[k];
    *loss = total * inv_b;
    scatter_scores(E, s, b, gp, gn, dE);
fail:
    free(gp);
    free(gn);
    free(per);
    return status;
}

gr_status gr_loss_bpr(const float *E, gr_emb_shape shape, const gr_batch *b, float *dE, double *loss, char *msg)
{
    return score_loss(HEAD_BPR, E, shape, b, dE, loss, msg);
}

gr_status gr_loss_bce(const float *E, gr_emb_shape shape, const gr_batch *b, float *dE, double *loss, char *msg)
{
    return score_loss(HEAD_BCE, E, shape, b, dE, loss, msg);
}

static inline double sqnorm(const float *a, uint32_t d) { return dot(a, a, d); }

/* Sample k's L2 term before the decay/2 and 1/B factors: the squared norms
 * of its user's and positive's ego rows plus the mean over its negatives. */
static double l2_sample(const float *ego, gr_emb_shape s, const gr_batch *b, size_t k)
{
    const uint32_t neg = b->neg, d = s.d;
    double t = sqnorm(row(ego, s, b->user[k]), d) + sqnorm(row(ego, s, gr_item_row(s, b->pos[k])), d);
    double tn = 0;
    for (uint32_t q = 0; q < neg; q++) tn += sqnorm(row(ego, s, gr_item_row(s, b->negs[k * neg + q])), d);
    return t + tn / neg;
}

gr_status gr_loss_l2(const float *ego, gr_emb_shape s, const gr_batch *b, float decay, float *dego, double *reg,
                     char *msg)
{
    gr_status status = GR_OK;
    double *per = NULL;
    GR_TRY(check_batch(s, b, msg));
    const size_t n = b->n;
    const uint32_t neg = b->neg, d = s.d;
    per = gr_alloc(n, sizeof *per);
    GR_CHECK_ALLOC(per, "per-sample L2 terms");

    /* ∂/∂e⁰ of decay·½‖e⁰‖²·w/B is decay·w/B·e⁰ for each occurrence (w = 1, or
     * 1/neg for a negative); same column-block scatter as the score losses.
     * The per-sample values are computed in the same parallel region (they
     * read ego, which the scatter does not write). */
    const float cu = (float)(decay / (double)n), cn = (float)(decay / (double)n / neg);
    const uint32_t width = column_block(d);
    const long blocks = (long)((d + width - 1) / width);
#pragma omp parallel
    {
#pragma omp for schedule(static) nowait
        for (size_t k = 0; k < n; k++) per[k] = l2_sample(ego, s, b, k);
#pragma omp for schedule(static)
        for (long blk = 0; blk < blocks; blk++) {
            const uint32_t c0 = (uint32_t)blk * width;
            const uint32_t c1 = c0 + width < d ? c0 + width : d;
            for (size_t k = 0; k < n; k++) {
                const uint32_t u = b->user[k], i = gr_item_row(s, b->pos[k]);
#pragma omp simd
                for (uint32_t c = c0; c < c1; c++) {
                    dego[(size_t)u * d + c] += cu * ego[(size_t)u * d + c];
                    dego[(size_t)i * d + c] += cu * ego[(size_t)i * d + c];
                }
                for (uint32_t q = 0; q < neg; q++) {
                    const size_t j = (size_t)gr_item_row(s, b->negs[k * neg + q]) * d;
#pragma omp simd
                    for (uint32_t c = c0; c < c1; c++) dego[j + c] += cn * ego[j + c];
                }
            }
        }
    }
    /* The value: summed in batch order, so it does not depend on the thread
     * count (each term is computed the same way on any thread). */
    double sum = 0;
    for (size_t k = 0; k < n; k++) sum += per[k];
    *reg = decay * 0.5 * sum / (double)n;
fail:
    free(per);
    return status;
}
