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
} gr_lightgcn;

/* Allocates the workspace for n nodes, d columns and K layers (0..16).
 * alpha: K + 1 layer weights, or NULL for the paper's 1/(K+1) each. */
gr_status gr_lightgcn_init(gr_lightgcn *w, uint32_t n, uint32_t d, uint32_t K, const float *alpha,
                           gr_spmm_kernel kernel, char *msg);
void gr_lightgcn_free(gr_lightgcn *w);

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

#endif
