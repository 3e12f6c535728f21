/* The sigmoid link-prediction head and its training losses over a batch.
 *
 * The score of (user u, item i) is s_ui = e_uᵀ e_i over the final embeddings
 * E (n_users + n_items rows, users first, so item i is row n_users + i) and
 * P(u, i) = σ(s_ui).  A tied shape (the unipartite view of a follower graph,
 * gnn/train.h) has one row per account instead: item i is row i, the same
 * row as user i, and E has n_users rows.  A batch holds B triples (u, i, j₁..j_neg): a user, one
 * positive item and `neg` sampled negative items.
 *
 *   BPR: (1/B) Σ_b (1/neg) Σ_j −log σ(s_ui − s_uj)
 *   BCE: (1/B) Σ_b [ −log σ(s_ui) − Σ_j log(1 − σ(s_uj)) ]
 *   L2:  decay · ½ (‖e⁰_u‖² + ‖e⁰_i‖² + (1/neg) Σ_j ‖e⁰_j‖²) / B   on the EGO rows
 *
 * With neg = 1 the L2 term is exactly the LightGCN reference code's reg_loss.
 * Each function returns the loss value and ADDS its gradient into the caller's
 * array (dE w.r.t. E for BPR/BCE, dego w.r.t. ego for L2); only the batch's
 * rows are written, so the caller zeroes those arrays once per batch.
 *
 * Scores and per-sample coefficients are computed in parallel over the batch;
 * the scatter into gradient rows (users and items repeat within a batch) goes
 * in batch order, split over columns between threads, so the result is
 * bit-identical for any thread count.  With a tied shape a row may be one
 * triple's user and another's item: the scatter adds both in batch order,
 * as for any repeated row.  Within one triple the user must not be its own
 * positive or negative (GR_ERR_ARG): s_uu = ‖e_u‖² is not a link score. */
#ifndef GR_LOSS_H
#define GR_LOSS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    size_t n;            /* B, the number of triples */
    uint32_t neg;        /* negatives per triple, >= 1 */
    const uint32_t *user; /* n user ids */
    const uint32_t *pos;  /* n item ids */
    const uint32_t *negs; /* n * neg item ids, triple b's at [b*neg, (b+1)*neg) */
} gr_batch;

/* Rows and columns of the embedding arrays the batch indexes. */
typedef struct {
    uint32_t n_users, n_items, d;
    int tied; /* items are the users' rows (n_items == n_users): item i is row i */
} gr_emb_shape;

/* The row of item i. */
static inline uint32_t gr_item_row(gr_emb_shape s, uint32_t i) { return s.tied ? i : s.n_users + i; }

/* σ(x) without overflow for any x. */
static inline double gr_sigmoid(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* log(1 + eˣ) = −log σ(−x), exact for large |x|. */
static inline double gr_softplus(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

/* P(u, i) = σ(e_uᵀ e_i). */
double gr_link_prob(const float *E, gr_emb_shape shape, uint32_t user, uint32_t item);

/* BPR loss of the batch into *loss; dE += ∂loss/∂E. */
gr_status gr_loss_bpr(const float *E, gr_emb_shape shape, const gr_batch *b, float *dE, double *loss, char *msg);

/* BCE loss of the batch into *loss; dE += ∂loss/∂E. */
gr_status gr_loss_bce(const float *E, gr_emb_shape shape, const gr_batch *b, float *dE, double *loss, char *msg);

/* L2 penalty on the batch's ego rows into *reg; dego += ∂reg/∂ego. */
gr_status gr_loss_l2(const float *ego, gr_emb_shape shape, const gr_batch *b, float decay, float *dego,
                     double *reg, char *msg);

#endif
