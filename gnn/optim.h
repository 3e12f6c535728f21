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

/* AdaGrad (Duchi et al. 2011; LIBMF's adaptive rate) with one accumulator
 * per parameter, as torch.optim.Adagrad with initial_accumulator_value G₀:
 *   G ← G + g²,  p ← p − lr · g / (√G + ε)
 * Per element rather than LIBMF's one accumulator per row (G += mean of the
 * row's g²): each embedding coordinate gets its own rate, the standard form,
 * and on Gowalla MF-BPR (8 epochs, lr 0.3, G₀ as gnn/train.c sets it) it
 * reached recall@20 0.1158 against per-row's 0.1148; the state is n floats
 * like one of Adam's moments.  Where g is 0 the step is exactly 0 and G is unchanged
 * (G + 0 = G, p − 0 = p), so with MF the step on the batch's rows alone is
 * bit for bit the dense one.  No step count: the state is G alone. */
#define GR_ADAGRAD_EPS 1e-10f /* torch's default; guards 0/0 when G₀ = 0 */

typedef struct {
    size_t n;   /* parameters */
    float *acc; /* G, G₀ plus the running sums of squared gradients, n of them */
} gr_adagrad;

/* G = g0 (>= 0) everywhere. */
gr_status gr_adagrad_init(gr_adagrad *a, size_t n, float g0, char *msg);
void gr_adagrad_free(gr_adagrad *a);

/* One update of all n parameters. */
void gr_adagrad_step(gr_adagrad *a, float *param, const float *grad, float lr);
/* The same on rows[0..n_rows) of d floats only (param, grad and G indexed by
 * row): gr_adagrad_step's result, bit for bit, where grad is zero elsewhere. */
void gr_adagrad_rows(gr_adagrad *a, float *param, const float *grad, const uint32_t *rows, uint32_t n_rows, uint32_t d,
                     float lr);
/* Parameters param[0..count) whose accumulators are acc[0..count), with
 * gradient grad[0..count): the element update itself, for callers that keep
 * the parameters elsewhere (gnn/mf_sgd.c's compact copy).  Serial. */
void gr_adagrad_update(float *acc, float *param, const float *grad, size_t count, float lr);

/* param −= lr · grad. */
void gr_sgd_step(float *param, const float *grad, size_t n, float lr);
/* The same on rows[0..n_rows) of d floats only: where grad is zero elsewhere
 * (MF), the result is gr_sgd_step's, bit for bit, for a fraction of the work. */
void gr_sgd_rows(float *param, const float *grad, const uint32_t *rows, uint32_t n_rows, uint32_t d, float lr);

#endif
