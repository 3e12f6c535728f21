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

/* param −= lr · grad. */
void gr_sgd_step(float *param, const float *grad, size_t n, float lr);

#endif
