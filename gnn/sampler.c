#include "gnn/sampler.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"

/* Samples per RNG stream.  Large enough that seeding is free, small enough
 * that a few threads balance over any real epoch. */
#define GR_SAMPLER_BLOCK 8192

gr_status gr_sampler_init(gr_sampler *s, const gr_graph *g, uint32_t neg, int skip_self, char *msg)
{
    gr_status status = GR_OK;
    memset(s, 0, sizeof *s);
    s->g = g;
    s->neg = neg;
    s->skip_self = skip_self != 0;
    if (neg == 0) GR_FAIL(GR_ERR_ARG, "sampler: at least one negative per triple is needed");
    if (skip_self && g->n_items != g->n_users)
        GR_FAIL(GR_ERR_ARG, "sampler: skipping the user itself needs one id space (%u users, %u items)", g->n_users,
                g->n_items);
    if (g->R.nnz == 0) GR_FAIL(GR_ERR_INPUT, "sampler: the training graph has no interactions");
    s->n = (size_t)g->R.nnz;

    s->active = gr_alloc(g->n_users, sizeof *s->active);
    GR_CHECK_ALLOC(s->active, "the sampler's user list");
    for (uint32_t u = 0; u < g->n_users; u++) {
        uint64_t deg = gr_csr_degree(&g->R, u);
        if (deg == 0) continue;
        /* Rejection sampling would never end for this user (R has no
         * self-loops under skip_self: follower graphs drop them). */
        if (deg + (uint64_t)s->skip_self >= g->n_items)
            GR_FAIL(GR_ERR_INPUT, "sampler: user %u has interacted with all %u items, no negative to sample", u,
                    g->n_items);
        s->active[s->n_active++] = u;
    }

    s->user = gr_alloc(s->n, sizeof *s->user);
    GR_CHECK_ALLOC(s->user, "sampled users");
    s->pos = gr_alloc(s->n, sizeof *s->pos);
    GR_CHECK_ALLOC(s->pos, "sampled positives");
    s->negs = gr_alloc(s->n, (size_t)neg * sizeof *s->negs);
    GR_CHECK_ALLOC(s->negs, "sampled negatives");
    return GR_OK;
fail:
    gr_sampler_free(s);
    return status;
}

size_t gr_sampler_bytes(const gr_graph *g, uint32_t neg)
{
    return ((size_t)g->n_users + (size_t)g->R.nnz * (2 + (size_t)neg)) * sizeof(uint32_t); /* active; user, pos, negs */
}

void gr_sampler_free(gr_sampler *s)
{
    free(s->active);
    free(s->user);
    free(s->pos);
    free(s->negs);
    s->active = s->user = s->pos = s->negs = NULL;
    s->n = 0;
    s->n_active = 0;
}

int gr_sampler_has(const gr_graph *g, uint32_t user, uint32_t item) { return gr_csr_has(&g->R, user, item); }

/* A negative for user u: uniform over the items u has not (nor u itself
 * under skip_self), by rejection. */
static inline uint32_t draw_negative(const gr_sampler *s, gr_rng *rng, uint32_t u)
{
    uint32_t j;
    do j = gr_rng_below(rng, s->g->n_items);
    while ((s->skip_self && j == u) || gr_sampler_has(s->g, u, j));
    return j;
}

void gr_sampler_epoch(gr_sampler *s, uint64_t seed, uint64_t epoch)
{
    const gr_graph *g = s->g;
    const uint32_t neg = s->neg;
    const size_t n = s->n;
    const long blocks = (long)((n + GR_SAMPLER_BLOCK - 1) / GR_SAMPLER_BLOCK);
#pragma omp parallel for schedule(dynamic, 1)
    for (long b = 0; b < blocks; b++) {
        gr_rng rng;
        gr_rng_seed(&rng, seed, (epoch << 32) + (uint64_t)b);
        const size_t end = (size_t)(b + 1) * GR_SAMPLER_BLOCK < n ? (size_t)(b + 1) * GR_SAMPLER_BLOCK : n;
        for (size_t k = (size_t)b * GR_SAMPLER_BLOCK; k < end; k++) {
            const uint32_t u = s->active[gr_rng_below(&rng, s->n_active)];
            const uint64_t start = g->R.ptr[u];
            const uint32_t deg = (uint32_t)(g->R.ptr[u + 1] - start);
            s->user[k] = u;
            s->pos[k] = g->R.idx[start + gr_rng_below(&rng, deg)];
            for (uint32_t q = 0; q < neg; q++) s->negs[k * neg + q] = draw_negative(s, &rng, u);
        }
    }
}

gr_batch gr_sampler_batch(const gr_sampler *s, size_t begin, size_t end)
{
    gr_batch b = {.n = end - begin,
                  .neg = s->neg,
                  .user = s->user + begin,
                  .pos = s->pos + begin,
                  .negs = s->negs + begin * s->neg};
    return b;
}

/* Mixed into the seed of the candidates' streams, so they share none with
 * the epoch's blocks nor with the initialization's rows. */
#define CANDIDATE_SALT 0xC4A1D1DA7E5ULL

void gr_sampler_candidates(const gr_sampler *s, uint64_t seed, uint64_t epoch, size_t begin, size_t end, uint32_t m,
                           uint32_t *out)
{
    const uint32_t neg = s->neg;
#pragma omp parallel for schedule(static)
    for (size_t k = begin; k < end; k++) {
        gr_rng rng;
        gr_rng_seed(&rng, seed ^ CANDIDATE_SALT, (epoch << 32) + (uint64_t)k);
        uint32_t *slot = out + (k - begin) * neg * m;
        for (uint32_t q = 0; q < neg; q++, slot += m) {
            slot[0] = s->negs[k * neg + q];
            for (uint32_t c = 1; c < m; c++) slot[c] = draw_negative(s, &rng, s->user[k]);
        }
    }
}
