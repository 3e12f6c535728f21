/* Optimizers over a flat parameter array (the ego embeddings, n x d floats).
 *
 * Adam follows torch.optim.Adam (weight_decay 0, amsgrad off) step for step:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 * so a run can be compared against the PyTorch reference.  Like the reference
 * code, the update is dense: rows outside the batch still move by their
 * momentum.  The state (m, v, step) lives in the struct so it can be saved
 * with a model and training resumed. */
#ifndef GR_OPTIM_H
#define GR_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    size_t n;          /* parameters */
    double lr, beta1, beta2, eps; /* doubles, like torch's Python hyperparameters */
    uint64_t step;     /* updates done so far */
    float *m, *v;      /* first and second moments, n each */
} gr_adam;

/* Zeroed moments, step 0, β₁ 0.9, β₂ 0.999, ε 1e-8. */
gr_status gr_adam_init(gr_adam *a, size_t n, double lr, char *msg);
void gr_adam_free(gr_adam *a);

/* One update of param (n floats) with gradient grad. */
void gr_adam_step(gr_adam *a, float *param, const float *grad);

/* The same update in pieces, for a caller that has the gradient a piece at a
 * time (the training loop gets it row by row from the backward pass):
 * gr_adam_begin counts the step and computes its constants once, then
 * gr_adam_update on disjoint ranges that together cover all n parameters
 * gives bit for bit what gr_adam_step would (the update is element-wise). */
typedef struct {
    float step_size, bc2_sqrt; /* lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ), rounded to float */
    float b1, b2, c1, c2, eps; /* β₁, β₂, 1 − β₁, 1 − β₂, ε as floats */
} gr_adam_consts;

gr_adam_consts gr_adam_begin(gr_adam *a);

/* Updates parameters first .. first + count − 1 (and their moments) with
 * grad[0 .. count − 1], their gradient.  Serial: callers run it on their own
 * threads. */
void gr_adam_update(const gr_adam *a, const gr_adam_consts *c, float *param, const float *grad, size_t first,
                    size_t count);

/* param −= lr · grad. */
void gr_sgd_step(float *param, const float *grad, size_t n, float lr);
/* The same on rows[0..n_rows) of d floats only: where grad is zero elsewhere
 * (MF), the result is gr_sgd_step's, bit for bit, for a fraction of the work. */
void gr_sgd_rows(float *param, const float *grad, const uint32_t *rows, uint32_t n_rows, uint32_t d, float lr);

#endif
