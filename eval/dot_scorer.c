/* Dot-product scorer: gather the block's user rows, then one sgemm. */
#include "eval/dot_scorer.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static gr_status dot_score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    gr_status status = GR_OK;
    gr_dot_scorer *d = ctx;
    if (n == 0) return GR_OK;
    if (n > (size_t)INT32_MAX) GR_FAIL(GR_ERR_ARG, "dot scorer: block of %zu users is too large for BLAS", n);
    /* A run of consecutive users (the usual case: all test users in order)
     * is already contiguous in user_emb, so the gather is skipped. */
    int contiguous = 1;
    for (size_t r = 0; r < n; r++) {
        if (users[r] >= d->n_users)
            GR_FAIL(GR_ERR_ARG, "dot scorer: user %u out of range (%u users)", users[r], d->n_users);
        if (r > 0 && users[r] != users[r - 1] + 1) contiguous = 0;
    }
    const float *U = d->user_emb + (size_t)users[0] * d->dim;
    if (!contiguous) {
        if (gr_grow((void **)&d->gather, &d->gather_cap, n * (size_t)d->dim, sizeof *d->gather) != 0)
            GR_FAIL(GR_ERR_NOMEM, "out of memory gathering %zu user embeddings", n);
        for (size_t r = 0; r < n; r++)
            memcpy(d->gather + r * d->dim, d->user_emb + (size_t)users[r] * d->dim, d->dim * sizeof(float));
        U = d->gather;
    }
    /* scores (n x n_items) = U (n x dim) . item_emb (n_items x dim)ᵀ */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d->n_items, (int)d->dim, 1.0f, U,
                (int)d->dim, d->item_emb, (int)d->dim, 0.0f, scores, (int)d->n_items);
fail:
    return status;
}

gr_status gr_dot_scorer_init(gr_dot_scorer *d, const float *user_emb, uint32_t n_users, const float *item_emb,
                             uint32_t n_items, uint32_t dim, char *msg)
{
    gr_status status = GR_OK;
    memset(d, 0, sizeof *d);
    if (dim == 0) GR_FAIL(GR_ERR_ARG, "dot scorer: embedding dimension must be at least 1");
    if (n_items > (uint32_t)INT32_MAX || dim > (uint32_t)INT32_MAX)
        GR_FAIL(GR_ERR_ARG, "dot scorer: %u items x %u dims exceed BLAS's int range", n_items, dim);
    if ((n_users && !user_emb) || (n_items && !item_emb))
        GR_FAIL(GR_ERR_ARG, "dot scorer: missing embedding array");
    d->user_emb = user_emb;
    d->item_emb = item_emb;
    d->n_users = n_users;
    d->n_items = n_items;
    d->dim = dim;
    d->scorer.n_items = n_items;
    d->scorer.ctx = d;
    d->scorer.score = dot_score;
fail:
    return status;
}

void gr_dot_scorer_free(gr_dot_scorer *d)
{
    if (!d) return;
    free(d->gather);
    memset(d, 0, sizeof *d);
}
