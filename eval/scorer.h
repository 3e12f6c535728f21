/* The one thing eval/ needs from a model: "score this block of users against
 * all items into the caller's buffer".  Every model provides it (a GEMM over
 * embeddings for LightGCN and MF, sparse products for graph filters), so no
 * metric depends on a model and no model copies the ranking code. */
#ifndef GR_SCORER_H
#define GR_SCORER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    uint32_t n_items;
    void *ctx;
    /* scores[k * n_items + i] = score of item i for users[k], k < n.  Called
     * from the main thread; it may use OpenMP or BLAS threads inside. */
    gr_status (*score)(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg);
} gr_scorer;

#endif
