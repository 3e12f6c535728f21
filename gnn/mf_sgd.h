/* One MF batch with SGD or AdaGrad, on a compact copy of the batch's rows.
 *
 * A batch of B triples touches about 3B scattered rows of the
 * (n_users + n_items) x d embeddings; the score loss, the L2 term and the
 * step each visit them again, split over column blocks, so on Gowalla almost
 * every visit is a cache miss into an 18 MB array.  Gathering the rows once
 * into a contiguous array that fits in cache, running the same loss, L2 and
 * step there on re-indexed triples, and scattering the rows back computes
 * exactly the same floats (the same operations in the same order, only at
 * other addresses), several times faster. */
#ifndef GR_MF_SGD_H
#define GR_MF_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "gnn/config.h"
#include "gnn/loss.h"

typedef struct {
    uint32_t *slot;             /* n_users + n_items: a batch row's index in the copy */
    float *ego, *grad;          /* the copy and its gradient, cap x d */
    uint32_t *user, *pos, *negs; /* the batch re-indexed into the copy */
    size_t cap, triple_cap;     /* rows of the copy; triples of the batch arrays */
} gr_mf_sgd;

gr_status gr_mf_sgd_init(gr_mf_sgd *w, uint32_t n_rows, char *msg);
void gr_mf_sgd_free(gr_mf_sgd *w);

/* The step of train_batch_mf for SGD or AdaGrad with layer weight 1: loss
 * (BPR or BCE per c->loss) + L2 (c->decay) on ego's rows `rows` (ascending:
 * the batch's users, then its items, as n_users + item; with a tied shape
 * simply the batch's rows), then on those rows ego -= lr * gradient (acc
 * NULL) or AdaGrad's step with acc, its accumulators, indexed like ego.
 * *loss gets head + L2. */
gr_status gr_mf_sgd_batch(gr_mf_sgd *w, const gr_config *c, gr_emb_shape shape, float *ego, float *acc,
                          const gr_batch *b, const uint32_t *rows, uint32_t n_rows, float lr, double *loss, char *msg);

#endif
