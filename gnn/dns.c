#include "gnn/dns.h"

#include <stddef.h>

/* The reduction may be reordered into vector lanes: a score only ranks a
 * user's candidates, and the compiled order is the same on every run and
 * thread count.  A serial sum made MF epochs with 32 candidates 4x slower. */
static float dot(const float *restrict a, const float *restrict b, uint32_t d)
{
    float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
    for (uint32_t k = 0; k < d; k++) acc += a[k] * b[k];
    return acc;
}

void gr_dns_choose(const float *E, gr_emb_shape s, const gr_batch *cand, uint32_t m, uint32_t *chosen)
{
    const uint32_t neg = cand->neg / m, d = s.d;
    const int64_t n = (int64_t)cand->n;
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < n; k++) {
        const float *eu = E + (size_t)cand->user[k] * d;
        for (uint32_t q = 0; q < neg; q++) {
            const uint32_t *c = cand->negs + ((size_t)k * neg + q) * m;
            uint32_t best = c[0];
            float top = dot(eu, E + (size_t)gr_item_row(s, c[0]) * d, d);
            for (uint32_t i = 1; i < m; i++) {
                const float v = dot(eu, E + (size_t)gr_item_row(s, c[i]) * d, d);
                if (v > top) {
                    top = v;
                    best = c[i];
                }
            }
            chosen[(size_t)k * neg + q] = best;
        }
    }
}
