#include "gnn/train.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/sysinfo.h"
#include "gnn/dns.h"
#include "gnn/lightgcn.h"
#include "gnn/loss.h"
#include "gnn/mf_sgd.h"
#include "gnn/optim.h"
#include "gnn/sampler.h"

size_t gr_train_param_rows(const gr_config *c, uint32_t n_users, uint32_t n_items)
{
    return c->view == GR_VIEW_UNIPARTITE ? (size_t)n_users : (size_t)n_users + n_items;
}

void gr_init_ego(float *ego, uint32_t n_rows, uint32_t d, double std, uint64_t seed)
{
#pragma omp parallel for schedule(static)
    for (uint32_t r = 0; r < n_rows; r++) {
        gr_rng rng;
        gr_rng_seed(&rng, seed, 0x100000000ULL + r);
        for (uint32_t k = 0; k < d; k++) ego[(size_t)r * d + k] = (float)(std * gr_rng_normal(&rng));
    }
}

/* Everything one run allocates, freed in one place. */
typedef struct {
    gr_lightgcn net;
    gr_sampler sampler;
    gr_adam adam;
    gr_adagrad adagrad;
    gr_mf_sgd mf_sgd;  /* MF with SGD or AdaGrad only */
    float *dE, *best;
    uint8_t *in_batch; /* n bytes: the batch's rows; all zeros between batches */
    uint32_t *rows;    /* n: the batch's rows, ascending */
    uint32_t *cand;    /* neg_sampler = dns: the batch's candidates, batch x neg x dns_candidates */
    uint32_t *chosen;  /* dns: the negatives picked from them, batch x neg */
    double lr;         /* this epoch's learning rate (lr_decay) */
} trainer;

static void trainer_free(trainer *t)
{
    gr_lightgcn_free(&t->net);
    gr_sampler_free(&t->sampler);
    gr_adam_free(&t->adam);
    gr_adagrad_free(&t->adagrad);
    gr_mf_sgd_free(&t->mf_sgd);
    free(t->dE);
    free(t->best);
    free(t->in_batch);
    free(t->rows);
    free(t->cand);
    free(t->chosen);
}

/* Marks row r as the batch's. */
static gr_status mark(uint8_t *in_batch, uint32_t r, uint32_t n, char *msg)
{
    if (r >= n) return gr_fail(msg, GR_ERR_ARG, "batch row %u out of range (%u rows)", r, n);
    in_batch[r] = 1;
    return GR_OK;
}

/* The rows the batch's loss reads and writes (users, then the rows of the
 * positives and negatives: n_users + item, or item itself when tied) into
 * t->in_batch and, ascending, t->rows. */
static gr_status batch_rows(trainer *t, gr_emb_shape s, const gr_batch *b, gr_row_set *rows, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t n = s.tied ? s.n_users : s.n_users + s.n_items;
    for (size_t k = 0; k < b->n; k++) {
        GR_TRY(mark(t->in_batch, b->user[k], s.n_users, msg));
        GR_TRY(mark(t->in_batch, gr_item_row(s, b->pos[k]), n, msg));
    }
    for (size_t q = 0; q < b->n * b->neg; q++) GR_TRY(mark(t->in_batch, gr_item_row(s, b->negs[q]), n, msg));
    uint32_t m = 0;
    for (uint32_t r = 0; r < n; r++)
        if (t->in_batch[r]) t->rows[m++] = r;
    *rows = (gr_row_set){t->rows, m, t->in_batch};
    return GR_OK;
fail:
    memset(t->in_batch, 0, n); /* a failed batch ends the run, but leave no marks */
    return status;
}

/* Back to all zeros: the batch's rows of dE (written by the loss, L2 and the
 * gradient) and of the mask. */
static void clear_rows(trainer *t, const gr_row_set *rows, uint32_t d)
{
    for (uint32_t i = 0; i < rows->n_list; i++) {
        memset(t->dE + (size_t)rows->list[i] * d, 0, d * sizeof *t->dE);
        t->in_batch[rows->list[i]] = 0;
    }
}

/* The marks of the batch's rows back to zeros (dE untouched). */
static void clear_marks(trainer *t, const gr_row_set *rows)
{
    for (uint32_t i = 0; i < rows->n_list; i++) t->in_batch[rows->list[i]] = 0;
}

/* b itself, or with DNS (cand set: the batch's rows are cand's, and E holds
 * them) b with its negatives picked from cand's by E's scores, in *picked;
 * the batch's rows are then the picked batch's.  An unpicked candidate has
 * no gradient from the loss nor L2, so the backward pass and the updates
 * treat it as any row outside the batch, which is exact and gathers less. */
static gr_status pick_negatives(const gr_config *c, trainer *t, const float *E, gr_emb_shape shape,
                                const gr_batch **b, const gr_batch *cand, gr_batch *picked, gr_row_set *rows,
                                char *msg)
{
    if (cand == NULL) return GR_OK;
    gr_dns_choose(E, shape, cand, c->dns_candidates, t->chosen);
    *picked = **b;
    picked->negs = t->chosen;
    *b = picked;
    clear_marks(t, rows);
    return batch_rows(t, shape, picked, rows, msg);
}

/* One MF batch (K = 0): forward, loss, backward, L2, optimizer step.  dE
 * holds zeros on entry and on exit (only the batch's rows are written, and
 * cleared again).  cand: DNS candidates (NULL: b's negatives as drawn); the
 * batch's rows then take them all in, and an unpicked one gets a zero
 * gradient, which leaves it as it is under SGD and as Adam would anyway. */
static gr_status train_batch_mf(const gr_config *c, trainer *t, gr_emb_shape shape, float *ego, const gr_batch *b,
                                const gr_batch *cand, double *loss, char *msg)
{
    gr_status status = GR_OK;
    double head = 0, reg = 0;
    gr_batch picked;
    gr_row_set rows = {t->rows, 0, t->in_batch};
    GR_TRY(batch_rows(t, shape, cand ? cand : b, &rows, msg));
    if (c->optimizer != GR_OPT_ADAM && t->net.alpha[0] == 1.0f) {
        /* dE is not used (the step works on its own copy): clear the marks only */
        float *acc = c->optimizer == GR_OPT_ADAGRAD ? t->adagrad.acc : NULL;
        status = pick_negatives(c, t, ego, shape, &b, cand, &picked, &rows, msg);
        if (status == GR_OK)
            status = gr_mf_sgd_batch(&t->mf_sgd, c, shape, ego, acc, b, rows.list, rows.n_list, (float)t->lr, loss,
                                     msg);
        clear_marks(t, &rows);
        return status;
    }
    /* MF with α₀ = 1 propagates nothing: E is ego itself, and copying the
     * whole array into the workspace every batch would be the batch's
     * biggest cost. */
    const float *E = ego;
    if (t->net.alpha[0] != 1.0f) {
        GR_TRY(gr_lightgcn_forward(&t->net, NULL, ego, msg));
        E = t->net.out;
    }
    GR_TRY(pick_negatives(c, t, E, shape, &b, cand, &picked, &rows, msg));
    if (c->loss == GR_LOSS_BPR) GR_TRY(gr_loss_bpr(E, shape, b, t->dE, &head, msg));
    else GR_TRY(gr_loss_bce(E, shape, b, t->dE, &head, msg));
    /* grad is ∂L/∂ego of the head's loss, dE itself (scaled by α₀); L2 adds
     * its part on the batch's rows. */
    float *grad = NULL;
    GR_TRY(gr_lightgcn_backward_grad(&t->net, NULL, t->dE, &grad, msg));
    GR_TRY(gr_loss_l2(ego, shape, b, (float)c->decay, grad, &reg, msg));
    /* Adam moves every row (by its momentum), as the reference does; SGD
     * and AdaGrad move only rows with a gradient, so they touch the batch's
     * rows alone: p − lr·0 is p, bit for bit. */
    if (c->optimizer == GR_OPT_ADAM) gr_adam_step(&t->adam, ego, grad);
    else if (c->optimizer == GR_OPT_ADAGRAD)
        gr_adagrad_rows(&t->adagrad, ego, grad, rows.list, rows.n_list, shape.d, (float)t->lr);
    else gr_sgd_rows(ego, grad, rows.list, rows.n_list, shape.d, (float)t->lr);
    *loss = head + reg;
fail:
    clear_rows(t, &rows, shape.d);
    return status;
}

/* Where the last backward step hands each finished row of ∂L/∂ego.  A row
 * outside the batch has no L2 term, so its gradient is final: Adam updates
 * it at once, and the n x d gradient is never stored nor re-read.  A batch
 * row goes into dE (done with that row by then), for L2 to add to. */
typedef struct {
    const gr_adam *adam;
    gr_adam_consts k;
    float *ego, *dE;
    const uint8_t *in_batch;
    size_t d;
} grad_sink;

static void sink_row(void *ctx, uint32_t r, const float *g)
{
    const grad_sink *s = ctx;
    const size_t at = (size_t)r * s->d;
    if (s->in_batch[r]) memcpy(s->dE + at, g, s->d * sizeof *g);
    else gr_adam_update(s->adam, &s->k, s->ego, g, at, s->d);
}

/* Adam on the batch's rows, whose full gradients are in dE.  The rows are
 * scattered, so each iteration prefetches the rows of the next-but-one. */
static void adam_batch_rows(const grad_sink *s, const gr_row_set *rows)
{
    const int64_t m = rows->n_list;
    const size_t d = s->d;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < m; i++) {
        if (i + 2 < m) {
            const size_t ahead = (size_t)rows->list[i + 2] * d;
            for (size_t b = 0; b < d; b += 16) {
                __builtin_prefetch(s->dE + ahead + b);
                __builtin_prefetch(s->ego + ahead + b);
                __builtin_prefetch(s->adam->m + ahead + b);
                __builtin_prefetch(s->adam->v + ahead + b);
            }
        }
        const size_t at = (size_t)rows->list[i] * d;
        gr_adam_update(s->adam, &s->k, s->ego, s->dE + at, at, d);
    }
}

/* One LightGCN batch (K >= 1): the same operations, restricted to what the
 * batch can change.  The forward pass computes E on the batch's rows only
 * (all the loss reads), the backward pass exploits that dE is zero
 * elsewhere, and with Adam the update of every row outside the batch runs
 * inside the last backward product.  Bit-identical to the whole-array
 * passes: only zeros and unread rows are skipped, and every value is
 * computed with the same operations in the same order. */
static gr_status train_batch(const gr_config *c, trainer *t, const gr_norm_adj *adj, gr_emb_shape shape, float *ego,
                             const gr_batch *b, const gr_batch *cand, double *loss, char *msg)
{
    if (t->net.K == 0) return train_batch_mf(c, t, shape, ego, b, cand, loss, msg);
    gr_status status = GR_OK;
    const uint32_t d = shape.d;
    double head = 0, reg = 0;
    gr_batch picked;
    gr_row_set rows = {t->rows, 0, t->in_batch};
    GR_TRY(batch_rows(t, shape, cand ? cand : b, &rows, msg));
    /* activations = fp16 rounds what this pass propagates to halves (the
     * loss, the backward pass and evaluation stay in floats) */
    const gr_lightgcn_act act = c->activations == GR_ACT_FP16 ? GR_LIGHTGCN_FP16 : GR_LIGHTGCN_FP32;
    GR_TRY(gr_lightgcn_forward_ex(&t->net, adj, ego, &rows, act, msg));
    GR_TRY(pick_negatives(c, t, t->net.out, shape, &b, cand, &picked, &rows, msg));
    if (c->loss == GR_LOSS_BPR) GR_TRY(gr_loss_bpr(t->net.out, shape, b, t->dE, &head, msg));
    else GR_TRY(gr_loss_bce(t->net.out, shape, b, t->dE, &head, msg));
    float *grad = NULL;
    if (c->optimizer == GR_OPT_ADAM) {
        /* the step's constants first: rows outside the batch are updated
         * during the backward pass; then L2 on the batch's rows (their
         * gradients are in dE), then those rows' update */
        grad_sink sink = {&t->adam, gr_adam_begin(&t->adam), ego, t->dE, t->in_batch, d};
        GR_TRY(gr_lightgcn_backward_rows(&t->net, adj, t->dE, &rows, sink_row, &sink, &grad, msg));
        GR_TRY(gr_loss_l2(ego, shape, b, (float)c->decay, t->dE, &reg, msg));
        adam_batch_rows(&sink, &rows);
    } else {
        /* SGD and AdaGrad stay whole-array: a full gradient (propagation
         * spreads it over most rows), L2 on it, one step */
        const size_t n_params = (size_t)t->net.n * d;
        GR_TRY(gr_lightgcn_backward_rows(&t->net, adj, t->dE, &rows, NULL, NULL, &grad, msg));
        GR_TRY(gr_loss_l2(ego, shape, b, (float)c->decay, grad, &reg, msg));
        if (c->optimizer == GR_OPT_ADAGRAD) gr_adagrad_step(&t->adagrad, ego, grad, (float)t->lr);
        else gr_sgd_step(ego, grad, n_params, (float)t->lr);
    }
    *loss = head + reg;
fail:
    clear_rows(t, &rows, d);
    return status;
}

/* AdaGrad's initial accumulator: LIBMF starts every G at 1 for gradients of
 * one sample; ours are of the batch-mean loss, 1/batch of that, so 1/batch²
 * is the same start.  The first steps are then SGD at a per-sample rate lr
 * (lr · batch in optimizer=sgd's terms), slowing as a coordinate's squared
 * gradients pass G₀.  From G₀ = 0, the first step moves every coordinate of
 * a batch row by lr whatever its gradient, noise included: on Gowalla MF-BPR
 * (decay 0.01) lr 0.3 reached recall@20 0.058 in 8 epochs that way, 0.116
 * from 1/batch², and no rate from 0 did better than 0.102. */
static float adagrad_g0(const gr_config *c)
{
    return (float)(1.0 / ((double)c->batch * c->batch));
}

static float *layer_weights(const gr_config *c, float *alpha)
{
    for (uint32_t k = 0; k <= c->layers; k++) alpha[k] = gr_config_layer_weight(c, k);
    return alpha;
}

gr_status gr_train_evaluate(const gr_config *c, const gr_train_hooks *hooks, const float *E, const float *state,
                            float *best, size_t n, gr_epoch_info *info, gr_train_report *report, uint32_t *since_best,
                            char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(hooks->evaluate(hooks->ctx, E, &info->metric, msg));
    info->evaluated = 1;
    if (c->keep == GR_KEEP_LAST) {
        /* reported, never selected: the run ends with its last epoch */
    } else if (info->metric > report->best_metric) {
        info->improved = 1;
        report->best_metric = info->metric;
        report->best_epoch = info->epoch;
        memcpy(best, state, n * sizeof *state);
        *since_best = 0;
    } else {
        (*since_best)++;
    }
fail:
    return status;
}

/* Tied rows (view = unipartite): the caller's n_users + n_items row arrays
 * show the n_users trained rows twice, as users and as items. */
static void mirror_tied(float *a, gr_emb_shape s)
{
    if (s.tied) memcpy(a + (size_t)s.n_users * s.d, a, (size_t)s.n_users * s.d * sizeof *a);
}

/* The final embeddings of ego (n_users + n_items rows) for a hook: the
 * workspace itself, or, with tied rows, E (the caller's array of that
 * shape, which is only written at the end otherwise) filled from it. */
static gr_status propagate_out(trainer *t, const gr_norm_adj *adj, const float *ego, gr_emb_shape s, float *E,
                               const float **out, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_lightgcn_forward(&t->net, adj, ego, msg));
    *out = t->net.out;
    if (s.tied) {
        memcpy(E, t->net.out, (size_t)t->net.n * s.d * sizeof *E);
        mirror_tied(E, s);
        *out = E;
    }
fail:
    return status;
}

/* Evaluates the embeddings ego stands for, and (keep = best) keeps them when
 * they beat the best so far. */
static gr_status evaluate_epoch(const gr_config *c, trainer *t, const gr_norm_adj *adj, const float *ego,
                                gr_emb_shape shape, float *E, size_t n_params, const gr_train_hooks *hooks,
                                gr_epoch_info *info, gr_train_report *report, uint32_t *since_best, char *msg)
{
    gr_status status = GR_OK;
    const float *out = NULL;
    GR_TRY(propagate_out(t, adj, ego, shape, E, &out, msg));
    GR_TRY(gr_train_evaluate(c, hooks, out, ego, t->best, n_params, info, report, since_best, msg));
fail:
    return status;
}

/* Hands on_checkpoint the state after `epoch` epochs and `batch` batches of
 * the next (loss_sum their loss), with the ego embeddings and their
 * propagation. */
static gr_status hand_checkpoint(trainer *t, const gr_norm_adj *adj, float *ego, gr_emb_shape shape, float *E,
                                 const gr_train_hooks *hooks, const gr_train_report *report, uint32_t since_best,
                                 uint32_t epoch, uint32_t batch, double loss_sum, char *msg)
{
    gr_status status = GR_OK;
    gr_train_state st = {.epoch = epoch,
                         .batch = batch,
                         .loss_sum = loss_sum,
                         .adam_step = t->adam.step,
                         .adam_m = t->adam.m,
                         .adam_v = t->adam.v,
                         .adagrad_acc = t->adagrad.acc,
                         .best_epoch = report->best_epoch,
                         .best_metric = report->best_metric,
                         .best = report->best_epoch > 0 ? t->best : NULL,
                         .since_best = since_best};
    const float *out = NULL;
    GR_TRY(propagate_out(t, adj, ego, shape, E, &out, msg));
    mirror_tied(ego, shape);
    GR_TRY(hooks->on_checkpoint(hooks->ctx, &st, ego, out, msg));
fail:
    return status;
}

/* Takes over a saved state: Adam's moments and step, AdaGrad's
 * accumulators, the best embeddings. */
static gr_status restore(const gr_config *c, trainer *t, const gr_train_state *from, int evaluating, size_t n_params,
                         gr_train_report *report, char *msg)
{
    if (from->epoch >= c->epochs)
        return gr_fail(msg, GR_ERR_ARG, "nothing to train: the run is at epoch %u and epochs = %u", from->epoch,
                       c->epochs);
    if (c->optimizer == GR_OPT_ADAM) {
        if (from->adam_step > 0 && (from->adam_m == NULL || from->adam_v == NULL))
            return gr_fail(msg, GR_ERR_ARG, "resuming Adam needs its moments");
        if (from->adam_m) memcpy(t->adam.m, from->adam_m, n_params * sizeof *t->adam.m);
        if (from->adam_v) memcpy(t->adam.v, from->adam_v, n_params * sizeof *t->adam.v);
        t->adam.step = from->adam_step;
    }
    if (c->optimizer == GR_OPT_ADAGRAD) {
        /* every saved state is at least one batch in, so G is never implied */
        if (from->adagrad_acc == NULL) return gr_fail(msg, GR_ERR_ARG, "resuming AdaGrad needs its accumulators");
        memcpy(t->adagrad.acc, from->adagrad_acc, n_params * sizeof *t->adagrad.acc);
    }
    report->epochs_run = from->epoch;
    report->best_epoch = from->best_epoch;
    report->best_metric = from->best_metric;
    if (evaluating && from->best_epoch > 0) {
        if (from->best == NULL) return gr_fail(msg, GR_ERR_ARG, "resuming needs the best embeddings of epoch %u", from->best_epoch);
        memcpy(t->best, from->best, n_params * sizeof *t->best);
    }
    return GR_OK;
}

gr_status gr_train(const gr_config *c, const gr_graph *g, const gr_norm_adj *adj, float *ego, float *E,
                   const gr_train_hooks *hooks, gr_train_report *report, char *msg)
{
    return gr_train_from(c, g, adj, ego, E, hooks, NULL, report, msg);
}

gr_status gr_train_from(const gr_config *c, const gr_graph *g, const gr_norm_adj *adj, float *ego, float *E,
                        const gr_train_hooks *hooks, const gr_train_state *from, gr_train_report *report, char *msg)
{
    gr_status status = GR_OK;
    trainer t;
    memset(&t, 0, sizeof t);
    memset(report, 0, sizeof *report);
    const int tied = c->view == GR_VIEW_UNIPARTITE; /* see train.h */
    const gr_emb_shape shape = {g->n_users, g->n_items, c->dim, tied};
    const uint32_t n = (uint32_t)gr_train_param_rows(c, g->n_users, g->n_items);
    const size_t n_params = (size_t)n * c->dim;
    const int evaluating = hooks && hooks->evaluate;
    const int checkpointing = hooks && hooks->on_checkpoint && !hooks->checkpoint_on_stop_only && c->checkpoint_every > 0;
    double start = gr_now();
    float alpha[GR_MAX_LAYERS + 1];

    if (c->layers > 0 && adj == NULL) GR_FAIL(GR_ERR_ARG, "LightGCN with %u layers needs the adjacency", c->layers);
    if (tied && (g->kind == GR_GRAPH_BIPARTITE || g->n_users != g->n_items))
        GR_FAIL(GR_ERR_ARG, "view = unipartite needs a follower graph (graph = directed or undirected)");
    GR_TRY(gr_lightgcn_init(&t.net, n, c->dim, c->layers, layer_weights(c, alpha), GR_SPMM_CSR, msg));
    GR_TRY(gr_sampler_init(&t.sampler, g, c->neg, tied, msg));
    if (c->optimizer == GR_OPT_ADAM) GR_TRY(gr_adam_init(&t.adam, n_params, c->lr, msg));
    if (c->optimizer == GR_OPT_ADAGRAD) GR_TRY(gr_adagrad_init(&t.adagrad, n_params, adagrad_g0(c), msg));
    if (c->optimizer != GR_OPT_ADAM && c->layers == 0) GR_TRY(gr_mf_sgd_init(&t.mf_sgd, n, msg));
    t.dE = gr_zalloc_huge(n_params, sizeof *t.dE);
    GR_CHECK_ALLOC(t.dE, "gradients");
    t.in_batch = gr_zalloc(n, sizeof *t.in_batch);
    GR_CHECK_ALLOC(t.in_batch, "the batch's rows");
    t.rows = gr_alloc(n, sizeof *t.rows);
    GR_CHECK_ALLOC(t.rows, "the batch's rows");
    const int dns = c->neg_sampler == GR_NEG_DNS;
    if (dns) {
        t.cand = gr_alloc((size_t)c->batch * c->neg, (size_t)c->dns_candidates * sizeof *t.cand);
        GR_CHECK_ALLOC(t.cand, "the DNS candidates");
        t.chosen = gr_alloc((size_t)c->batch * c->neg, sizeof *t.chosen);
        GR_CHECK_ALLOC(t.chosen, "the DNS negatives");
    }
    if (evaluating && c->keep == GR_KEEP_BEST) {
        t.best = gr_alloc(n_params, sizeof *t.best);
        GR_CHECK_ALLOC(t.best, "the best embeddings");
        memcpy(t.best, ego, n_params * sizeof *ego);
    }

    uint32_t since_best = 0;
    report->best_metric = -INFINITY;
    if (from) {
        GR_TRY(restore(c, &t, from, evaluating, n_params, report, msg));
        since_best = from->since_best;
    }
    /* A state saved as the run stopped early stops again at once. */
    int stop = c->patience > 0 && since_best >= c->patience;
    report->stopped_early = stop;
    for (uint32_t epoch = report->epochs_run + 1; !stop && epoch <= c->epochs; epoch++) {
        gr_epoch_info info = {.epoch = epoch};
        /* A function of the epoch alone, so a resumed run gets the same rate. */
        t.lr = c->lr_decay == 1.0 ? c->lr : c->lr * pow(c->lr_decay, (double)(epoch - 1));
        t.adam.lr = t.lr;
        double t0 = gr_now();
        gr_sampler_epoch(&t.sampler, c->seed, epoch);
        size_t n_batches = (t.sampler.n + c->batch - 1) / c->batch;
        double loss_sum = 0;
        size_t k0 = 0;
        if (from && epoch == from->epoch + 1) {
            /* an interrupted epoch goes on from its next batch */
            if (from->batch >= n_batches)
                GR_FAIL(GR_ERR_ARG, "the state is at batch %u of epoch %u, which has %zu", from->batch, epoch,
                        n_batches);
            k0 = from->batch;
            loss_sum = from->loss_sum;
        }
        for (size_t k = k0; k < n_batches; k++) {
            size_t begin = k * c->batch, end = begin + c->batch < t.sampler.n ? begin + c->batch : t.sampler.n;
            gr_batch b = gr_sampler_batch(&t.sampler, begin, end), cand = b;
            if (dns) {
                gr_sampler_candidates(&t.sampler, c->seed, epoch, begin, end, c->dns_candidates, t.cand);
                cand.neg = c->neg * c->dns_candidates;
                cand.negs = t.cand;
            }
            double loss = 0;
            GR_TRY(train_batch(c, &t, adj, shape, ego, &b, dns ? &cand : NULL, &loss, msg));
            if (!isfinite(loss))
                GR_FAIL(GR_ERR_ARG, "epoch %u batch %zu: the loss diverged (%g); try a smaller lr", epoch, k + 1, loss);
            loss_sum += loss;
            if (hooks && hooks->on_batch) hooks->on_batch(hooks->ctx, epoch, k + 1, n_batches, loss_sum / (double)(k + 1));
            /* A stop after the epoch's last batch waits for the epoch's end (below). */
            if (k + 1 < n_batches && hooks && hooks->stop_requested && hooks->stop_requested(hooks->ctx)) {
                report->interrupted = 1;
                report->batches_run = (uint32_t)(k + 1);
                if (hooks->on_checkpoint)
                    GR_TRY(hand_checkpoint(&t, adj, ego, shape, E, hooks, report, since_best, epoch - 1,
                                           (uint32_t)(k + 1), loss_sum, msg));
                break;
            }
        }
        if (report->interrupted) break;
        info.loss = loss_sum / (double)(n_batches ? n_batches : 1);
        info.seconds = gr_now() - t0;
        report->epochs_run = epoch;
        const int due = c->eval_every > 0 ? epoch % c->eval_every == 0 : 0, last = epoch == c->epochs;
        if (evaluating && due)
            GR_TRY(evaluate_epoch(c, &t, adj, ego, shape, E, n_params, hooks, &info, report, &since_best, msg));
        stop = c->patience > 0 && since_best >= c->patience;
        /* The epoch's log line before its checkpoint: a run killed between
         * the two resumes from the one before and cuts the line away again,
         * whereas the other way round a resumed log would lack the line.
         * Only a last epoch evaluated after its checkpoint (below) logs after. */
        const int late_eval = evaluating && last && !due;
        if (!late_eval && hooks && hooks->on_epoch) {
            info.elapsed = gr_now() - start;
            GR_TRY(hooks->on_epoch(hooks->ctx, &info, msg));
        }
        /* Not on the last epoch: the run is about to end by itself. */
        const int interrupted = !last && !stop && hooks && hooks->stop_requested && hooks->stop_requested(hooks->ctx);
        if ((checkpointing && (epoch % c->checkpoint_every == 0 || last || stop)) ||
            (interrupted && hooks->on_checkpoint))
            GR_TRY(hand_checkpoint(&t, adj, ego, shape, E, hooks, report, since_best, epoch, 0, 0, msg));
        /* The last epoch is always evaluated, but after the checkpoint: an
         * uninterrupted longer run would not have evaluated here. */
        if (late_eval) {
            GR_TRY(evaluate_epoch(c, &t, adj, ego, shape, E, n_params, hooks, &info, report, &since_best, msg));
            info.elapsed = gr_now() - start;
            if (hooks->on_epoch) GR_TRY(hooks->on_epoch(hooks->ctx, &info, msg));
        }
        report->stopped_early = stop;
        if (interrupted) {
            report->interrupted = 1;
            break;
        }
    }
    if (evaluating && report->best_epoch > 0) memcpy(ego, t.best, n_params * sizeof *ego);
    GR_TRY(gr_lightgcn_forward(&t.net, adj, ego, msg));
    memcpy(E, t.net.out, n_params * sizeof *E);
    mirror_tied(ego, shape);
    mirror_tied(E, shape);
    report->seconds = gr_now() - start;
fail:
    trainer_free(&t);
    return status;
}
