/* The scorer of every embedding model (LightGCN, MF, iALS): score(u, i) =
 * user_emb[u] . item_emb[i], computed a block of users at a time as one
 * GEMM, scores = U_blk . Itemsᵀ, with OpenBLAS.
 *
 * Usage:
 *     gr_dot_scorer d;
 *     GR_TRY(gr_dot_scorer_init(&d, user_emb, n_users, item_emb, n_items, dim, msg));
 *     GR_TRY(gr_evaluate(&d.scorer, ...));
 *     gr_dot_scorer_free(&d);
 * d.scorer.ctx points at d, so d must not be moved or copied after init. */
#ifndef GR_DOT_SCORER_H
#define GR_DOT_SCORER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "eval/scorer.h"

typedef struct {
    gr_scorer scorer;       /* hand &d.scorer to gr_evaluate */
    const float *user_emb;  /* n_users x dim, row-major, borrowed */
    const float *item_emb;  /* n_items x dim, row-major, borrowed */
    uint32_t n_users, n_items, dim;
    float *gather;          /* the block's user rows, contiguous (grown on demand) */
    size_t gather_cap;      /* in floats */
} gr_dot_scorer;

/* Borrows both arrays; they must outlive d.  dim >= 1. */
gr_status gr_dot_scorer_init(gr_dot_scorer *d, const float *user_emb, uint32_t n_users, const float *item_emb,
                             uint32_t n_items, uint32_t dim, char *msg);
void gr_dot_scorer_free(gr_dot_scorer *d);

#endif
