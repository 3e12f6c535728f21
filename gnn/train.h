/* The training loop: sample an epoch, then per batch forward (K SpMMs), the
 * head's loss, backward (K SpMMs), L2, and one optimizer step; evaluate every
 * eval_every epochs through a caller's hook, keep the best ego embeddings, and
 * stop after `patience` evaluations without improvement.
 *
 * gnn/ does not rank: the caller's evaluate hook does (cli/ hands it eval/'s
 * full-ranking evaluation), so no metric code depends on the model.
 *
 * The two views of a follower graph (graph = directed: one id space of n
 * accounts, R = "u follows v").  view = bipartite trains it like any
 * user-item graph: every account has a follower row and an account row
 * (2n rows), propagated over [[0, R], [Rᵀ, 0]].  view = unipartite ties
 * them: one row per account, propagated over the symmetrized follow graph
 * (sparse/adjacency_follow.h, mutual follows weighted reciprocal_weight),
 * each follow u -> v a BPR positive e_u·e_v whose two ends are rows of the
 * same table (gr_emb_shape.tied), negatives never the user itself.  Training
 * then updates n parameter rows (gr_train_param_rows): the first n rows of
 * the caller's ego; Adam's moments, gradients, the propagation workspace and
 * the state's arrays have n rows, half the bipartite view's.  The caller's
 * ego and E keep n_users + n_items rows, their account half a copy of the
 * user half, refreshed whenever they are handed out (evaluation,
 * checkpoints, the end), so model files, eval, recommend and export work on
 * either view unchanged.  The score e_u·e_v is symmetric: the unipartite
 * view predicts a connection, not its direction. */
#ifndef GR_TRAIN_H
#define GR_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "gnn/config.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"

typedef struct {
    uint32_t epoch;   /* 1-based */
    double loss;      /* mean over the epoch's batches of head loss + L2 */
    double seconds;   /* this epoch's training (sampling included, evaluation not) */
    double elapsed;   /* since training began, evaluations included */
    int evaluated;    /* metric is set */
    double metric;    /* the early-stopping metric of this evaluation */
    int improved;     /* it beat every earlier evaluation */
} gr_epoch_info;

/* Where a run stands after an epoch, or after a batch of one: everything
 * gr_train_from needs to go on exactly as if it had never stopped.  Nothing
 * else carries over between batches: the sampler draws epoch e from the RNG
 * streams (seed, e), so batch b of it is drawn again alike, and the
 * propagation is recomputed from the ego embeddings every batch.  Arrays are
 * gr_train_param_rows() x dim floats. */
typedef struct {
    uint32_t epoch;                 /* epochs done; the next one is epoch + 1 */
    uint32_t batch;                 /* batches of epoch + 1 done (an interrupt); 0 at an epoch's end */
    double loss_sum;                /* their summed loss, for the epoch's mean; 0 with batch = 0 */
    uint64_t adam_step;             /* Adam updates done (0 with SGD) */
    const float *adam_m, *adam_v;   /* Adam's moments; NULL with SGD */
    const float *adagrad_acc;       /* AdaGrad's accumulators; NULL with Adam or SGD */
    uint32_t best_epoch;            /* 0: nothing evaluated yet */
    double best_metric;             /* -INFINITY when nothing was evaluated */
    const float *best;              /* ego embeddings of best_epoch; NULL when it is 0 */
    uint32_t since_best;            /* evaluations without improvement (early stopping) */
} gr_train_state;

typedef struct {
    void *ctx;
    /* Evaluates the final embeddings E (n_users + n_items rows, users first)
     * and returns the early-stopping metric.  NULL: no evaluation, the last
     * epoch's embeddings are kept. */
    gr_status (*evaluate)(void *ctx, const float *E, double *metric, char *msg);
    /* After every batch (progress display); may be NULL. */
    void (*on_batch)(void *ctx, uint32_t epoch, size_t batch, size_t n_batches, double loss);
    /* After every epoch (logs), before its checkpoint unless the epoch is
     * the last and evaluated only because it is (see on_checkpoint); may be
     * NULL. */
    gr_status (*on_epoch)(void *ctx, const gr_epoch_info *info, char *msg);
    /* With c->checkpoint_every > 0: after every checkpoint_every-th epoch and
     * after the run's last one, the state, the ego embeddings and their
     * propagation E (pointers valid during the call only).  The state is that
     * of the periodic schedule: the evaluation forced on the last epoch comes
     * after it, so a run resumed to more epochs matches an uninterrupted one.
     * May be NULL. */
    gr_status (*on_checkpoint)(void *ctx, const gr_train_state *state, const float *ego, const float *E, char *msg);
    /* Polled after every batch (a signal handler's flag, say).  Non-zero:
     * the run hands on_checkpoint the state after that batch (whatever
     * checkpoint_every is; mid-epoch, state->batch says how far), then stops
     * with report->interrupted set.  After an epoch's last batch the epoch
     * is finished first (evaluation, periodic checkpoint, log); after the
     * run's last epoch the run just ends.  May be NULL. */
    int (*stop_requested)(void *ctx);
    /* Non-zero: on_checkpoint is only for stop_requested's checkpoint, the
     * run has no periodic ones (a run without a checkpoint path). */
    int checkpoint_on_stop_only;
} gr_train_hooks;

typedef struct {
    uint32_t epochs_run;
    uint32_t best_epoch;  /* 0 when nothing was evaluated */
    double best_metric;
    int stopped_early;
    int interrupted;      /* stop_requested asked: stopped after epochs_run epochs and
                           * batches_run batches of the next, checkpoint handed out */
    uint32_t batches_run;
    double seconds;
} gr_train_report;

/* The rows training updates: n_users + n_items, or n_users for view =
 * unipartite (the account rows are the user rows). */
size_t gr_train_param_rows(const gr_config *c, uint32_t n_users, uint32_t n_items);

/* Ego embeddings ~ N(0, std²), row r drawn from the RNG stream (seed, r), so
 * the initialization does not depend on the thread count. */
void gr_init_ego(float *ego, uint32_t n_rows, uint32_t d, double std, uint64_t seed);

/* One evaluation of a run, shared by gr_train and gr_ials_train so both
 * select and stop alike: hooks->evaluate's metric of the final embeddings E
 * goes into info; with keep = best, when it beats every earlier evaluation
 * (report->best_*), the n floats of state (what the run's E is made from: the
 * ego embeddings) are copied into best and *since_best restarts, else it
 * counts one more evaluation without improvement.  keep = last only reports. */
gr_status gr_train_evaluate(const gr_config *c, const gr_train_hooks *hooks, const float *E, const float *state,
                            float *best, size_t n, gr_epoch_info *info, gr_train_report *report, uint32_t *since_best,
                            char *msg);

/* Trains ego ((n_users + n_items) x c->dim, initialized by the caller) on the
 * training graph g, whose normalized adjacency is adj (NULL for MF; for
 * view = unipartite the one of sparse/adjacency_follow.h).  On return ego
 * holds the best embeddings seen (by the evaluate hook's metric, or the last
 * ones without it) and E (same shape) their propagation. */
gr_status gr_train(const gr_config *c, const gr_graph *g, const gr_norm_adj *adj, float *ego, float *E,
                   const gr_train_hooks *hooks, gr_train_report *report, char *msg);

/* The same, continuing from a state an on_checkpoint hook was handed (with
 * ego holding that call's ego embeddings): trains epochs from->epoch + 1 ..
 * c->epochs, and the result is bit-identical to an uninterrupted run of the
 * same config and thread count.  from == NULL is gr_train.  Fails when there
 * is nothing left to train (from->epoch >= c->epochs) or the state lacks
 * what the config needs (Adam's moments, the best embeddings). */
gr_status gr_train_from(const gr_config *c, const gr_graph *g, const gr_norm_adj *adj, float *ego, float *E,
                        const gr_train_hooks *hooks, const gr_train_state *from, gr_train_report *report, char *msg);

#endif
