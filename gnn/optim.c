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
    a->m = gr_zalloc_huge(n, sizeof(float));
    GR_CHECK_ALLOC(a->m, "Adam's first moments");
    a->v = gr_zalloc_huge(n, sizeof(float));
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

gr_adam_consts gr_adam_begin(gr_adam *a)
{
    a->step++;
    /* Bias corrections in double, as torch computes them in Python floats. */
    const double bc1 = 1.0 - pow(a->beta1, (double)a->step);
    const double bc2 = 1.0 - pow(a->beta2, (double)a->step);
    /* Each constant rounded to float on its own, as torch's scalar arguments are. */
    const gr_adam_consts c = {
        .step_size = (float)(a->lr / bc1),
        .bc2_sqrt = (float)sqrt(bc2),
        .b1 = (float)a->beta1,
        .b2 = (float)a->beta2,
        .c1 = (float)(1.0 - a->beta1),
        .c2 = (float)(1.0 - a->beta2),
        .eps = (float)a->eps,
    };
    return c;
}

/* One parameter's update: the only place the formula is written, so the
 * whole-array step and the piecewise one cannot drift apart. */
static inline __attribute__((always_inline)) void adam_one(const gr_adam_consts *c, float *m, float *v, float *p,
                                                           float g)
{
    *m = c->b1 * *m + c->c1 * g;
    *v = c->b2 * *v + c->c2 * g * g;
    const float denom = sqrtf(*v) / c->bc2_sqrt + c->eps;
    *p -= c->step_size * (*m / denom);
}

void gr_adam_step(gr_adam *a, float *param, const float *grad)
{
    const gr_adam_consts c = gr_adam_begin(a);
    float *m = a->m, *v = a->v;
    const size_t n = a->n;
    /* simd: sqrt and division are correctly rounded in vector form too, so
     * the result is the same as the scalar loop's (with -fno-math-errno). */
#pragma omp parallel for simd schedule(static)
    for (size_t k = 0; k < n; k++) adam_one(&c, m + k, v + k, param + k, grad[k]);
}

/* AVX-512 / AVX2 copies: sqrt and division bound the update, and wider
 * vectors do more of them per cycle (correctly rounded at any width, and no
 * FMA contraction under -std=c11, so every copy gives the same bits). */
#ifndef __clang__ /* clang 14 exports the clones as gr_adam_update.ifunc, which callers without the
                     attribute cannot link to; only make fuzz builds with clang, and needs no clones */
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void gr_adam_update(const gr_adam *a, const gr_adam_consts *c, float *param, const float *grad, size_t first, size_t count)
{
    float *restrict m = a->m + first, *restrict v = a->v + first, *restrict p = param + first;
    const gr_adam_consts k = *c;
#pragma omp simd
    for (size_t j = 0; j < count; j++) adam_one(&k, m + j, v + j, p + j, grad[j]);
}

gr_status gr_adagrad_init(gr_adagrad *a, size_t n, float g0, char *msg)
{
    memset(a, 0, sizeof *a);
    if (!(g0 >= 0)) return gr_fail(msg, GR_ERR_ARG, "adagrad: initial accumulator must be >= 0, got %g", (double)g0);
    a->acc = gr_zalloc_huge(n, sizeof *a->acc);
    if (a->acc == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory for AdaGrad's accumulators");
    a->n = n;
    if (g0 > 0) {
        float *acc = a->acc;
#pragma omp parallel for schedule(static)
        for (size_t k = 0; k < n; k++) acc[k] = g0;
    }
    return GR_OK;
}

void gr_adagrad_free(gr_adagrad *a)
{
    free(a->acc);
    a->acc = NULL;
}

/* The only place the formula is written, so the dense, the row and the
 * compact-copy steps cannot drift apart. */
static inline __attribute__((always_inline)) void adagrad_one(float *acc, float *p, float g, float lr)
{
    *acc += g * g;
    *p -= lr * g / (sqrtf(*acc) + GR_ADAGRAD_EPS);
}

void gr_adagrad_update(float *acc, float *param, const float *grad, size_t count, float lr)
{
    float *restrict g2 = acc, *restrict p = param;
#pragma omp simd
    for (size_t j = 0; j < count; j++) adagrad_one(g2 + j, p + j, grad[j], lr);
}

void gr_adagrad_step(gr_adagrad *a, float *param, const float *grad, float lr)
{
    float *acc = a->acc;
    const size_t n = a->n;
#pragma omp parallel for simd schedule(static)
    for (size_t k = 0; k < n; k++) adagrad_one(acc + k, param + k, grad[k], lr);
}

void gr_adagrad_rows(gr_adagrad *a, float *param, const float *grad, const uint32_t *rows, uint32_t n_rows, uint32_t d,
                     float lr)
{
#pragma omp parallel for schedule(static)
    for (uint32_t i = 0; i < n_rows; i++) {
        const size_t at = (size_t)rows[i] * d;
        gr_adagrad_update(a->acc + at, param + at, grad + at, d, lr);
    }
}

void gr_sgd_rows(float *param, const float *grad, const uint32_t *rows, uint32_t n_rows, uint32_t d, float lr)
{
#pragma omp parallel for schedule(static)
    for (uint32_t i = 0; i < n_rows; i++) {
        const size_t at = (size_t)rows[i] * d;
#pragma omp simd
        for (uint32_t j = 0; j < d; j++) param[at + j] -= lr * grad[at + j];
    }
}

void gr_sgd_step(float *param, const float *grad, size_t n, float lr)
{
#pragma omp parallel for schedule(static)
    for (size_t k = 0; k < n; k++) param[k] -= lr * grad[k];
}
