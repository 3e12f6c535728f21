/* LightGCN propagation: a forward/backward pair over the normalized adjacency.
 *
 *   E⁽⁰⁾ = ego,  E⁽ᵏ⁺¹⁾ = Â E⁽ᵏ⁾ (k < K),  E = Σₖ αₖ E⁽ᵏ⁾.
 *
 * Embeddings are row-major float arrays of n = n_users + n_items rows (users
 * first) by d columns.  K = 0 is plain matrix factorization (E = α₀·ego, and
 * α₀ = 1 by default).  The map ego → E is linear and Â is symmetric, so the
 * backward pass needs no saved activations: ∂L/∂ego = Σₖ αₖ Âᵏ ∂L/∂E, which
 * Horner's rule evaluates with K products by the same Â.
 *
 * The workspace is allocated once per model and reused for every batch; the
 * functions themselves never allocate. */
#ifndef GR_LIGHTGCN_H
#define GR_LIGHTGCN_H

#include <stdint.h>

#include "core/error.h"
#include "sparse/adjacency.h"

#define GR_LIGHTGCN_MAX_LAYERS 16

typedef struct {
    uint32_t n, d, K;
    float alpha[GR_LIGHTGCN_MAX_LAYERS + 1]; /* layer weights α₀..α_K */
    gr_spmm_kernel kernel;                   /* which SpMM the passes call */
    float *out;                              /* n x d: E after gr_lightgcn_forward */
    float *buf[2];                           /* n x d each: the layer being built and the previous one */
    float *seed;                             /* n x d, all zeros between calls: gr_lightgcn_backward_rows */
} gr_lightgcn;

/* Allocates the workspace for n nodes, d columns and K layers (0..16).
 * alpha: K + 1 layer weights, or NULL for the paper's 1/(K+1) each. */
gr_status gr_lightgcn_init(gr_lightgcn *w, uint32_t n, uint32_t d, uint32_t K, const float *alpha,
                           gr_spmm_kernel kernel, char *msg);
void gr_lightgcn_free(gr_lightgcn *w);
/* The bytes gr_lightgcn_init allocates for n nodes, d columns, K layers. */
size_t gr_lightgcn_bytes(uint32_t n, uint32_t d, uint32_t K);

/* w->out = Σₖ αₖ Âᵏ ego.  adj may be NULL when K = 0. */
gr_status gr_lightgcn_forward(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, char *msg);

/* dego += Σₖ αₖ Âᵏ dE (dE is ∂L/∂E, n x d; dego is ∂L/∂ego).  Uses w->buf, so
 * it may run while w->out still holds the forward result. */
gr_status gr_lightgcn_backward(gr_lightgcn *w, const gr_norm_adj *adj, const float *dE, float *dego, char *msg);

/* The same gradient without an accumulator: Σₖ αₖ Âᵏ dE is left in a
 * workspace buffer and *grad points at it (valid until the next forward or
 * backward call); for K = 0 it is dE itself, scaled in place by α₀.  The
 * training loop adds L2 to it and steps the optimizer from it, which saves
 * zeroing and re-reading an n x d array per batch. */
gr_status gr_lightgcn_backward_grad(gr_lightgcn *w, const gr_norm_adj *adj, float *dE, float **grad, char *msg);

/* ---- one training batch --------------------------------------------------
 * A batch's loss reads E only on its rows (users, positives, negatives) and
 * writes dE only there, so the batch variants below restrict the work to a
 * row set (sparse/adjacency.h's gr_row_set) without changing a bit of what
 * they compute on those rows. */

/* w->out = Σₖ αₖ Âᵏ ego on the rows of `rows`; w->out's other rows are left
 * unspecified.  Layers 1..K-1 are full products (each needs every row of the
 * one before), layer K is computed on the rows only and not stored. */
gr_status gr_lightgcn_forward_rows(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                                   char *msg);

/* How a forward pass stores what it propagates: ego's copy that layer 1
 * gathers and the layers E¹..E^(K-1) that the next layer gathers.  FP16
 * rounds them to IEEE half (nearest even), which halves the bytes each
 * product gathers; the sums stay in floats (each product's rows, and out =
 * Σₖ αₖ Eᵏ with α₀·ego from the float ego), so only the inputs of layers
 * 1..K are rounded, each by at most 2^-11 relatively.  Halves overflow
 * beyond 65504 (to inf) and lose relative precision below 6.1e-5
 * (subnormal): fine for embeddings of LightGCN's scale, not for gradients,
 * so the backward passes stay in floats.  FP16 needs the CSR kernel
 * (GR_ERR_ARG otherwise); with K = 0 there is nothing to propagate and both
 * are the same. */
typedef enum { GR_LIGHTGCN_FP32, GR_LIGHTGCN_FP16 } gr_lightgcn_act;

/* gr_lightgcn_forward (rows NULL) or gr_lightgcn_forward_rows (rows set),
 * with the activations stored as `act` says.  Reuses w->buf[0] for the
 * halves: no memory beyond gr_lightgcn_bytes. */
gr_status gr_lightgcn_forward_ex(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                                 gr_lightgcn_act act, char *msg);

/* Σₖ αₖ Âᵏ dE, for K >= 1 and a dE that is zero outside `rows` (a batch's
 * ∂L/∂E): the first Horner step gathers only the rows' rows of dE, and dE is
 * read only there.  row_fn NULL: the gradient is left in a workspace buffer
 * and *grad points at it (as gr_lightgcn_backward_grad).  Else each finished
 * row r of the gradient is handed to row_fn(ctx, r, g) instead (from the
 * SpMM's threads, see gr_spmm_row_fn; it may overwrite dE's row r) and
 * *grad is NULL. */
gr_status gr_lightgcn_backward_rows(gr_lightgcn *w, const gr_norm_adj *adj, const float *dE, const gr_row_set *rows,
                                    gr_spmm_row_fn row_fn, void *ctx, float **grad, char *msg);

#endif
