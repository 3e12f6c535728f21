/* Seeded random numbers: xoshiro256** seeded through splitmix64.
 *
 * A stream is identified by (seed, stream id), so each thread, or each user in
 * a per-user loop, can own an independent stream and a run repeats exactly for
 * a given seed regardless of scheduling. */
#ifndef GR_RNG_H
#define GR_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} gr_rng;

void gr_rng_seed(gr_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t gr_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t gr_rng_u64(gr_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = gr_rng_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gr_rng_rotl(s[3], 45);
    return result;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
static inline uint32_t gr_rng_below(gr_rng *r, uint32_t n)
{
    uint64_t m = (gr_rng_u64(r) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (gr_rng_u64(r) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Uniform double in [0, 1). */
static inline double gr_rng_uniform(gr_rng *r) { return (double)(gr_rng_u64(r) >> 11) * 0x1.0p-53; }

/* Standard normal (Box-Muller; one value per call, simple and exact enough). */
double gr_rng_normal(gr_rng *r);

#endif
