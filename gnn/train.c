#include "gnn/train.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/sysinfo.h"
#include "gnn/lightgcn.h"
#include "gnn/loss.h"
#include "gnn/optim.h"
#include "gnn/sampler.h"

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
    float *dE, *best;
} trainer;

static void trainer_free(trainer *t)
{
    gr_lightgcn_free(&t->net);
    gr_sampler_free(&t->sampler);
    gr_adam_free(&t->adam);
    free(t->dE);
    free(t->best);
}

/* One batch: forward, loss, backward, L2, optimizer step.  dE holds zeros on
 * entry and on exit (only the batch's rows are written, and cleared again). */
static gr_status train_batch(const gr_config *c, trainer *t, const gr_norm_adj *adj, gr_emb_shape shape, float *ego,
                             const gr_batch *b, double *loss, char *msg)
{
    gr_status status = GR_OK;
    const size_t n_params = ((size_t)shape.n_users + shape.n_items) * shape.d;
    double head = 0, reg = 0;
    /* MF with α₀ = 1 propagates nothing: E is ego itself, and copying the
     * whole array into the workspace every batch would be the batch's
     * biggest cost. */
    const float *E = ego;
    if (t->net.K > 0 || t->net.alpha[0] != 1.0f) {
        GR_TRY(gr_lightgcn_forward(&t->net, adj, ego, msg));
        E = t->net.out;
    }
    if (c->loss == GR_LOSS_BPR) GR_TRY(gr_loss_bpr(E, shape, b, t->dE, &head, msg));
    else GR_TRY(gr_loss_bce(E, shape, b, t->dE, &head, msg));
    /* grad is ∂L/∂ego of the head's loss, in the workspace (or dE itself for
     * MF); L2 adds its part on the batch's rows. */
    float *grad = NULL;
    GR_TRY(gr_lightgcn_backward_grad(&t->net, adj, t->dE, &grad, msg));
    GR_TRY(gr_loss_l2(ego, shape, b, (float)c->decay, grad, &reg, msg));
    if (c->optimizer == GR_OPT_ADAM) gr_adam_step(&t->adam, ego, grad);
    else gr_sgd_step(ego, grad, n_params, (float)c->lr);
    /* Clear the rows the loss (and, for MF, L2) wrote, so dE is all zeros
     * for the next batch. */
    const uint32_t d = shape.d;
    for (size_t k = 0; k < b->n; k++) {
        memset(t->dE + (size_t)b->user[k] * d, 0, d * sizeof(float));
        memset(t->dE + ((size_t)shape.n_users + b->pos[k]) * d, 0, d * sizeof(float));
        for (uint32_t j = 0; j < b->neg; j++)
            memset(t->dE + ((size_t)shape.n_users + b->negs[k * b->neg + j]) * d, 0, d * sizeof(float));
    }
    *loss = head + reg;
fail:
    return status;
}

static float *layer_weights(const gr_config *c, float *alpha)
{
    for (uint32_t k = 0; k <= c->layers; k++) alpha[k] = gr_config_layer_weight(c, k);
    return alpha;
}

/* Evaluates the embeddings ego stands for, and keeps them when they beat the
 * best so far. */
static gr_status evaluate_epoch(trainer *t, const gr_norm_adj *adj, const float *ego, size_t n_params,
                                const gr_train_hooks *hooks, gr_epoch_info *info, gr_train_report *report,
                                uint32_t *since_best, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_lightgcn_forward(&t->net, adj, ego, msg));
    GR_TRY(hooks->evaluate(hooks->ctx, t->net.out, &info->metric, msg));
    info->evaluated = 1;
    if (info->metric > report->best_metric) {
        info->improved = 1;
        report->best_metric = info->metric;
        report->best_epoch = info->epoch;
        memcpy(t->best, ego, n_params * sizeof *ego);
        *since_best = 0;
    } else {
        (*since_best)++;
    }
fail:
    return status;
}

/* Takes over a saved state: Adam's moments and step, the best embeddings. */
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
    const gr_emb_shape shape = {g->n_users, g->n_items, c->dim};
    const uint32_t n = g->n_users + g->n_items;
    const size_t n_params = (size_t)n * c->dim;
    const int evaluating = hooks && hooks->evaluate;
    const int checkpointing = hooks && hooks->on_checkpoint && c->checkpoint_every > 0;
    double start = gr_now();
    float alpha[GR_MAX_LAYERS + 1];

    if (c->layers > 0 && adj == NULL) GR_FAIL(GR_ERR_ARG, "LightGCN with %u layers needs the adjacency", c->layers);
    GR_TRY(gr_lightgcn_init(&t.net, n, c->dim, c->layers, layer_weights(c, alpha), GR_SPMM_CSR, msg));
    GR_TRY(gr_sampler_init(&t.sampler, g, c->neg, msg));
    if (c->optimizer == GR_OPT_ADAM) GR_TRY(gr_adam_init(&t.adam, n_params, c->lr, msg));
    t.dE = gr_zalloc_huge(n_params, sizeof *t.dE);
    GR_CHECK_ALLOC(t.dE, "gradients");
    if (evaluating) {
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
        double t0 = gr_now();
        gr_sampler_epoch(&t.sampler, c->seed, epoch);
        size_t n_batches = (t.sampler.n + c->batch - 1) / c->batch;
        double loss_sum = 0;
        for (size_t k = 0; k < n_batches; k++) {
            size_t begin = k * c->batch, end = begin + c->batch < t.sampler.n ? begin + c->batch : t.sampler.n;
            gr_batch b = gr_sampler_batch(&t.sampler, begin, end);
            double loss;
            GR_TRY(train_batch(c, &t, adj, shape, ego, &b, &loss, msg));
            if (!isfinite(loss))
                GR_FAIL(GR_ERR_ARG, "epoch %u batch %zu: the loss diverged (%g); try a smaller lr", epoch, k + 1, loss);
            loss_sum += loss;
            if (hooks && hooks->on_batch) hooks->on_batch(hooks->ctx, epoch, k + 1, n_batches, loss_sum / (double)(k + 1));
        }
        info.loss = loss_sum / (double)(n_batches ? n_batches : 1);
        info.seconds = gr_now() - t0;
        report->epochs_run = epoch;
        const int due = c->eval_every > 0 ? epoch % c->eval_every == 0 : 0, last = epoch == c->epochs;
        if (evaluating && due)
            GR_TRY(evaluate_epoch(&t, adj, ego, n_params, hooks, &info, report, &since_best, msg));
        stop = c->patience > 0 && since_best >= c->patience;
        if (checkpointing && (epoch % c->checkpoint_every == 0 || last || stop)) {
            gr_train_state st = {.epoch = epoch,
                                 .adam_step = t.adam.step,
                                 .adam_m = t.adam.m,
                                 .adam_v = t.adam.v,
                                 .best_epoch = report->best_epoch,
                                 .best_metric = report->best_metric,
                                 .best = report->best_epoch > 0 ? t.best : NULL,
                                 .since_best = since_best};
            GR_TRY(gr_lightgcn_forward(&t.net, adj, ego, msg));
            GR_TRY(hooks->on_checkpoint(hooks->ctx, &st, ego, t.net.out, msg));
        }
        /* The last epoch is always evaluated, but after the checkpoint: an
         * uninterrupted longer run would not have evaluated here. */
        if (evaluating && last && !due)
            GR_TRY(evaluate_epoch(&t, adj, ego, n_params, hooks, &info, report, &since_best, msg));
        info.elapsed = gr_now() - start;
        if (hooks && hooks->on_epoch) GR_TRY(hooks->on_epoch(hooks->ctx, &info, msg));
        report->stopped_early = stop;
    }
    if (evaluating && report->best_epoch > 0) memcpy(ego, t.best, n_params * sizeof *ego);
    GR_TRY(gr_lightgcn_forward(&t.net, adj, ego, msg));
    memcpy(E, t.net.out, n_params * sizeof *E);
    report->seconds = gr_now() - start;
fail:
    trainer_free(&t);
    return status;
}
