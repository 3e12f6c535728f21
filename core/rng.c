#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void gr_rng_seed(gr_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream id through splitmix first so that nearby (seed, stream)
     * pairs give unrelated states. */
    uint64_t x = seed;
    uint64_t mixed = splitmix64(&x) ^ (stream * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&mixed);
}

double gr_rng_normal(gr_rng *r)
{
    double u1 = gr_rng_uniform(r);
    double u2 = gr_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
