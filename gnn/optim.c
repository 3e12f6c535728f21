#include "gnn/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

gr_status gr_adam_init(gr_adam *a, size_t n, double lr, char *msg)
{
    gr_status status = GR_OK;
    memset(a, 0, sizeof *a);
    if (!(lr > 0)) GR_FAIL(GR_ERR_ARG, "adam: learning rate must be positive, got %g", lr);
    a->n = n;
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    a->m = gr_zalloc(n, sizeof(float));
    GR_CHECK_ALLOC(a->m, "Adam's first moments");
    a->v = gr_zalloc(n, sizeof(float));
    GR_CHECK_ALLOC(a->v, "Adam's second moments");
    return GR_OK;
fail:
    gr_adam_free(a);
    return status;
}

void gr_adam_free(gr_adam *a)
{
    free(a->m);
    free(a->v);
    a->m = a->v = NULL;
}

void gr_adam_step(gr_adam *a, float *param, const float *grad)
{
    a->step++;
    /* Bias corrections in double, as torch computes them in Python floats. */
    const double bc1 = 1.0 - pow(a->beta1, (double)a->step);
    const double bc2 = 1.0 - pow(a->beta2, (double)a->step);
    const float step_size = (float)(a->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    /* Each constant rounded to float on its own, as torch's scalar arguments are. */
    const float b1 = (float)a->beta1, b2 = (float)a->beta2, eps = (float)a->eps;
    const float c1 = (float)(1.0 - a->beta1), c2 = (float)(1.0 - a->beta2);
    float *m = a->m, *v = a->v;
    const size_t n = a->n;
    /* simd: sqrt and division are correctly rounded in vector form too, so
     * the result is the same as the scalar loop's (with -fno-math-errno). */
#pragma omp parallel for simd schedule(static)
    for (size_t k = 0; k < n; k++) {
        const float g = grad[k];
        m[k] = b1 * m[k] + c1 * g;
        v[k] = b2 * v[k] + c2 * g * g;
        const float denom = sqrtf(v[k]) / bc2_sqrt + eps;
        param[k] -= step_size * (m[k] / denom);
    }
}

void gr_sgd_step(float *param, const float *grad, size_t n, float lr)
{
#pragma omp parallel for schedule(static)
    for (size_t k = 0; k < n; k++) param[k] -= lr * grad[k];
}
