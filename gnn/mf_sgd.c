#include "gnn/mf_sgd.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "gnn/optim.h"

gr_status gr_mf_sgd_init(gr_mf_sgd *w, uint32_t n_rows, char *msg)
{
    memset(w, 0, sizeof *w);
    w->slot = gr_alloc(n_rows, sizeof *w->slot);
    if (w->slot == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory for the batch's row slots");
    return GR_OK;
}

void gr_mf_sgd_free(gr_mf_sgd *w)
{
    free(w->slot);
    free(w->ego);
    free(w->grad);
    free(w->user);
    free(w->pos);
    free(w->negs);
    memset(w, 0, sizeof *w);
}

/* Room for n_rows rows of d floats and a batch of b's size. */
static gr_status reserve(gr_mf_sgd *w, size_t n_rows, uint32_t d, const gr_batch *b, char *msg)
{
    if (n_rows > w->cap) {
        free(w->ego);
        free(w->grad);
        w->ego = gr_alloc(n_rows * d, sizeof *w->ego);
        w->grad = gr_alloc(n_rows * d, sizeof *w->grad);
        w->cap = w->ego && w->grad ? n_rows : 0;
        if (w->cap == 0) return gr_fail(msg, GR_ERR_NOMEM, "out of memory for %zu batch rows", n_rows);
    }
    if (b->n * b->neg > w->triple_cap || b->n > w->triple_cap) {
        const size_t cap = b->n * b->neg > b->n ? b->n * b->neg : b->n;
        free(w->user);
        free(w->pos);
        free(w->negs);
        w->user = gr_alloc(b->n, sizeof *w->user);
        w->pos = gr_alloc(b->n, sizeof *w->pos);
        w->negs = gr_alloc(cap, sizeof *w->negs);
        w->triple_cap = w->user && w->pos && w->negs ? cap : 0;
        if (w->triple_cap == 0) return gr_fail(msg, GR_ERR_NOMEM, "out of memory for a batch of %zu", b->n);
    }
    return GR_OK;
}

/* The step on the copy: SGD, or AdaGrad with each copied row's accumulators
 * read and written in place (once per row, so no copy of them pays off). */
static void step_copy(gr_mf_sgd *w, float *acc, const uint32_t *rows, uint32_t n_rows, uint32_t d, float lr)
{
    if (acc == NULL) {
        gr_sgd_step(w->ego, w->grad, (size_t)n_rows * d, lr);
        return;
    }
#pragma omp parallel for schedule(static)
    for (uint32_t k = 0; k < n_rows; k++)
        gr_adagrad_update(acc + (size_t)rows[k] * d, w->ego + (size_t)k * d, w->grad + (size_t)k * d, d, lr);
}

gr_status gr_mf_sgd_batch(gr_mf_sgd *w, const gr_config *c, gr_emb_shape shape, float *ego, float *acc,
                          const gr_batch *b, const uint32_t *rows, uint32_t n_rows, float lr, double *loss, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t d = shape.d;
    double head = 0, reg = 0;
    GR_TRY(reserve(w, n_rows, d, b, msg));
    /* rows ascend, so the users come first, as in the full array */
    uint32_t n_users = 0;
    while (n_users < n_rows && rows[n_users] < shape.n_users) n_users++;
#pragma omp parallel for schedule(static)
    for (uint32_t k = 0; k < n_rows; k++) {
        w->slot[rows[k]] = k;
        memcpy(w->ego + (size_t)k * d, ego + (size_t)rows[k] * d, d * sizeof *ego);
        memset(w->grad + (size_t)k * d, 0, d * sizeof *w->grad);
    }
    /* user u -> its slot; item i (row n_users + i) -> its slot - n_users'.
     * Tied rows (unipartite view): item i is row i, every row is a user's,
     * and the copy is tied the same way. */
    const uint32_t item_base = shape.tied ? 0 : n_users;
    for (size_t k = 0; k < b->n; k++) {
        w->user[k] = w->slot[b->user[k]];
        w->pos[k] = w->slot[gr_item_row(shape, b->pos[k])] - item_base;
    }
    for (size_t q = 0; q < b->n * b->neg; q++) w->negs[q] = w->slot[gr_item_row(shape, b->negs[q])] - item_base;
    const gr_batch cb = {b->n, b->neg, w->user, w->pos, w->negs};
    const gr_emb_shape cs = shape.tied ? (gr_emb_shape){n_rows, n_rows, d, 1} : (gr_emb_shape){n_users, n_rows - n_users, d, 0};
    if (c->loss == GR_LOSS_BPR) GR_TRY(gr_loss_bpr(w->ego, cs, &cb, w->grad, &head, msg));
    else GR_TRY(gr_loss_bce(w->ego, cs, &cb, w->grad, &head, msg));
    GR_TRY(gr_loss_l2(w->ego, cs, &cb, (float)c->decay, w->grad, &reg, msg));
    step_copy(w, acc, rows, n_rows, d, lr);
#pragma omp parallel for schedule(static)
    for (uint32_t k = 0; k < n_rows; k++) memcpy(ego + (size_t)rows[k] * d, w->ego + (size_t)k * d, d * sizeof *ego);
    *loss = head + reg;
fail:
    return status;
}
