/* The core of `gnnrec train`, shared with `gnnrec compare`: hooks that hand
 * gnn/'s training loop eval/'s full ranking, the training log and
 * checkpoints, and the final test evaluation. */
#include "cli/train_run.h"

#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "cli/interrupt.h"
#include "cli/model_scorer.h"
#include "cli/train_log.h"
#include "core/alloc.h"
#include "core/format.h"
#include "core/sysinfo.h"
#include "eval/evaluate.h"
#include "gnn/gfcf.h"
#include "gnn/ials.h"
#include "gnn/itempop.h"
#include "gnn/social_adj.h"
#include "sparse/adjacency.h"
#include "sparse/adjacency_follow.h"
#include "sparse/grb.h"

typedef struct {
    const gr_config *cfg;
    const gr_run_data *data;
    const gr_graph *target; /* what the early-stopping metric is measured on */
    gr_metric stop;
    gr_train_log *log;      /* NULL without a log */
    int log_test;           /* also rank the test split at each evaluation */
    gr_eval_result test;    /* of the latest evaluation, with log_test */
    double eval_seconds;    /* the latest evaluation's, test ranking included */
    const char *checkpoint; /* path, NULL when off */
    size_t eval_budget;     /* bytes of one block of scores; 0 = the default */
    int show_progress, quiet;
    double batch_t0;
    /* sums over the epochs, for gr_train_run_result */
    uint32_t epochs_seen;
    double train_seconds, valid_seconds;
} train_ctx;

static gr_metric stop_metric(const gr_config *c)
{
    switch (c->stop_metric) {
    case GR_STOP_NDCG: return GR_METRIC_NDCG;
    case GR_STOP_PRECISION: return GR_METRIC_PRECISION;
    case GR_STOP_HIT: return GR_METRIC_HIT;
    case GR_STOP_MAP: return GR_METRIC_MAP;
    case GR_STOP_MRR: return GR_METRIC_MRR;
    case GR_STOP_RECALL: return GR_METRIC_RECALL;
    }
    return GR_METRIC_RECALL;
}

/* Ranks with the final embeddings E (users first, then items). */
static gr_status evaluate_embeddings(const gr_config *c, const gr_run_data *d, const float *E, const gr_graph *target,
                                     const gr_csr *mask2, size_t budget, gr_eval_result *r, char *msg)
{
    gr_model_scorer ms;
    const gr_graph *g = &d->train;
    /* social edges feed ppr's walk */
    gr_status s = gr_model_scorer_init_social(&ms, c, E, g->n_users, E + (size_t)g->n_users * c->dim, g->n_items, g,
                                              NULL, d->has_social ? &d->social : NULL, msg);
    if (s != GR_OK) return s;
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.mask_self = c->graph != GR_GRAPH_BIPARTITE;
    o.mem_budget = budget;
    o.n_ks = (int)c->n_topk;
    for (uint32_t k = 0; k < c->n_topk; k++) o.ks[k] = c->topk[k];
    s = gr_evaluate(&ms.scorer, &g->R, mask2, &target->R, &o, r, msg);
    gr_model_scorer_free(&ms);
    return s;
}

/* The models that do not train by gradient: their embeddings are both ego
 * and final (nothing propagates them). */
static gr_status fit_without_gradient(const gr_config *c, const gr_graph *g, const gr_train_hooks *hooks, float *ego,
                                      float *final, gr_train_report *rep, char *msg)
{
    gr_status s = GR_OK;
    const double t0 = gr_now();
    memset(rep, 0, sizeof *rep);
    switch (c->model) {
    case GR_MODEL_IALS: s = gr_ials_train(c, g, ego, hooks, rep, msg); break;
    case GR_MODEL_GFCF: s = gr_gfcf_fit(c, g, ego, msg); break;
    case GR_MODEL_ITEMPOP: gr_itempop_fit(g, ego); break;
    case GR_MODEL_PPR:
    case GR_MODEL_ADAMIC_ADAR:
    case GR_MODEL_JACCARD:
    case GR_MODEL_COMMON_NEIGHBORS:
        /* nothing to learn: scored from the training graph (cli/model_scorer.h);
         * the file keeps a zero embedding of dim 1 */
        memset(ego, 0, (size_t)(g->n_users + g->n_items) * c->dim * sizeof *ego);
        break;
    default: s = gr_fail(msg, GR_ERR_ARG, "model = %s trains by gradient", gr_model_kind_name(c->model));
    }
    if (s != GR_OK) return s;
    if (c->model != GR_MODEL_IALS) rep->epochs_run = 0;
    rep->seconds = gr_now() - t0;
    memcpy(final, ego, (size_t)(g->n_users + g->n_items) * c->dim * sizeof *final);
    return GR_OK;
}

static gr_status on_evaluate(void *vctx, const float *E, double *metric, char *msg)
{
    train_ctx *t = vctx;
    gr_eval_result r;
    const double t0 = gr_now();
    gr_status s = evaluate_embeddings(t->cfg, t->data, E, t->target, NULL, t->eval_budget, &r, msg);
    if (s == GR_OK) *metric = gr_eval_get(&r, t->stop, t->cfg->stop_k);
    if (s == GR_OK && t->log_test) s = evaluate_embeddings(t->cfg, t->data, E, &t->data->test, &t->data->valid.R, t->eval_budget,
                                                    &t->test, msg);
    t->eval_seconds = gr_now() - t0;
    return s;
}

static void on_batch(void *vctx, uint32_t epoch, size_t batch, size_t n_batches, double loss)
{
    train_ctx *t = vctx;
    if (!t->show_progress) return;
    double now = gr_now();
    if (batch == 1) t->batch_t0 = now;
    if (batch != n_batches && batch % 8 != 0) return;
    double rate = now > t->batch_t0 ? (double)batch / (now - t->batch_t0) : 0;
    int width = 24, done = (int)((double)width * (double)batch / (double)n_batches);
    fprintf(stderr, "\repoch %u [%.*s%*s] %zu/%zu batches, %.1f batches/s, loss %.4f, ETA %.0f s   ", epoch, done,
            "########################", width - done, "", batch, n_batches, rate, loss,
            rate > 0 ? (double)(n_batches - batch) / rate : 0.0);
    fflush(stderr);
}

static gr_status on_epoch(void *vctx, const gr_epoch_info *e, char *msg)
{
    train_ctx *t = vctx;
    t->epochs_seen++;
    t->train_seconds += e->seconds;
    if (e->evaluated) t->valid_seconds += t->eval_seconds;
    char name[32];
    snprintf(name, sizeof name, "%s@%u", gr_metric_name(t->stop), t->cfg->stop_k);
    if (t->show_progress) fprintf(stderr, "\r%*s\r", 100, "");
    if (!t->quiet) {
        fprintf(stderr, "epoch %u: loss %.5f, %.2f s", e->epoch, e->loss, e->seconds);
        if (e->evaluated) fprintf(stderr, ", %s %.4f%s", name, e->metric, e->improved ? " (best)" : "");
        fprintf(stderr, "\n");
    }
    if (t->log == NULL) return GR_OK;
    char line[1024];
    int n = snprintf(line, sizeof line, "{\"epoch\": %u, \"loss\": %.6f, \"seconds\": %.4f, \"elapsed\": %.3f", e->epoch,
                     e->loss, e->seconds, e->elapsed);
    if (e->evaluated)
        n += snprintf(line + n, sizeof line - n, ", \"eval_seconds\": %.3f, \"%s\": %.6f", t->eval_seconds, name, e->metric);
    if (e->evaluated && t->log_test) {
        const char *sep = ", \"test\": {";
        for (int j = 0; j < t->test.n_ks; j++, sep = ", ")
            n += snprintf(line + n, sizeof line - n, "%s\"recall@%u\": %.6f, \"ndcg@%u\": %.6f", sep, t->test.ks[j],
                          t->test.value[GR_METRIC_RECALL][j], t->test.ks[j], t->test.value[GR_METRIC_NDCG][j]);
        n += snprintf(line + n, sizeof line - n, "}");
    }
    snprintf(line + n, sizeof line - n, "}");
    return gr_train_log_line(t->log, line, msg);
}

static gr_status on_checkpoint(void *vctx, const gr_train_state *st, const float *ego, const float *E, char *msg)
{
    train_ctx *t = vctx;
    const gr_graph *g = &t->data->train;
    gr_model m = {.cfg = *t->cfg, .n_users = g->n_users, .n_items = g->n_items, .dim = t->cfg->dim,
                  .ego = (float *)ego, .final = (float *)E, /* only read */
                  .user_ids = (gr_idmap *)t->data->ds.user_ids, .item_ids = (gr_idmap *)t->data->ds.item_ids,
                  .shared_ids = t->data->ds.shared_ids};
    gr_status s = gr_checkpoint_save(t->checkpoint, &m, st, g, msg);
    if (s == GR_OK && !t->quiet) {
        if (t->show_progress) fprintf(stderr, "\r%*s\r", 100, "");
        if (st->batch > 0)
            fprintf(stderr, "checkpoint of epoch %u batch %u written to %s\n", st->epoch + 1, st->batch, t->checkpoint);
        else
            fprintf(stderr, "checkpoint of epoch %u written to %s\n", st->epoch, t->checkpoint);
    }
    return s;
}

static int on_stop_requested(void *vctx)
{
    (void)vctx;
    return gr_interrupt_signal() != 0;
}

gr_status gr_train_set_threads(uint32_t threads, char *msg)
{
    if (threads > 0) {
        omp_set_num_threads((int)threads);
        openblas_set_num_threads((int)threads); /* the pthreads build ignores OpenMP's setting */
    }
    return gr_grb_init(omp_get_max_threads(), msg);
}

static void print_banner(const gr_config *c, const gr_run_data *d, const gr_train_run_opts *o)
{
    const gr_graph *g = &d->train;
    char a[GR_FMT_LEN], b[GR_FMT_LEN], n[GR_FMT_LEN];
    fprintf(stderr, "training %s: %s users x %s items, %s interactions, d = %u, K = %u, %d threads; %s %s\n",
            gr_model_kind_name(c->model), gr_fmt_count(a, g->n_users), gr_fmt_count(b, g->n_items),
            gr_fmt_count(n, g->R.nnz), c->dim, c->layers, omp_get_max_threads(),
            c->keep == GR_KEEP_LAST ? "keeping the last epoch, evaluating on" : "selecting on",
            d->has_valid ? (d->valid_carved ? "a validation share of train" : "the validation file")
                         : (d->has_test ? "the test file (as the reference code does)" : "nothing (last epoch kept)"));
    if (c->layers > 0 && gr_config_uses_social(c) && d->has_social)
        fprintf(stderr, "propagating over %s social edges too (social_weight = %g, social_norm = %s)\n",
                gr_fmt_count(n, d->social.nnz / 2), c->social_weight,
                c->social_norm == GR_SOCIAL_NORM_SEPARATE ? "separate" : "joint");
    else if (c->layers == 0 && gr_config_uses_social(c) && (c->model == GR_MODEL_LIGHTGCN || c->model == GR_MODEL_MF))
        fprintf(stderr, "note: %s propagates nothing (K = 0), so the social edges go unused\n",
                gr_model_kind_name(c->model));
    if (o->resume && o->resume->state.batch > 0)
        fprintf(stderr, "resuming %s from epoch %u batch %u to epoch %u%s\n", o->resume_path,
                o->resume->state.epoch + 1, o->resume->state.batch, c->epochs,
                o->resume->state.best_epoch ? "" : " (nothing evaluated yet)");
    else if (o->resume)
        fprintf(stderr, "resuming %s from epoch %u to %u%s\n", o->resume_path, o->resume->state.epoch, c->epochs,
                o->resume->state.best_epoch ? "" : " (nothing evaluated yet)");
}

static void print_outcome(const gr_config *c, const gr_train_report *rep)
{
    if (rep->epochs_run == 0)
        fprintf(stderr, "fitted %s in %.1f s\n", gr_model_kind_name(c->model), rep->seconds);
    else /* without any evaluation (best epoch 0) the last epoch is kept too */
        fprintf(stderr, "trained %u epochs in %.1f s (%.2f s/epoch)%s; %s epoch %u\n", rep->epochs_run, rep->seconds,
                rep->seconds / rep->epochs_run, rep->stopped_early ? ", stopped early" : "",
                c->keep == GR_KEEP_LAST || rep->best_epoch == 0 ? "kept the last" : "best",
                c->keep == GR_KEEP_LAST || rep->best_epoch == 0 ? rep->epochs_run : rep->best_epoch);
}

gr_status gr_train_run(const gr_config *c, const gr_run_data *d, const gr_train_run_opts *o, gr_train_run_result *r,
                       char *msg)
{
    gr_status status = GR_OK;
    const gr_graph *g = &d->train;
    const size_t n = (size_t)g->n_users + g->n_items;
    const int by_gradient = c->model == GR_MODEL_LIGHTGCN || c->model == GR_MODEL_MF;
    gr_norm_adj *adj = NULL;
    gr_train_log log = {0};
    gr_model *m = &r->model;
    memset(r, 0, sizeof *r);
    if (o->log_test && o->log_path == NULL)
        GR_FAIL(GR_ERR_ARG, "--log-test writes to the training log: give --log FILE too");
    if (o->log_test && !(d->has_valid && d->has_test))
        GR_FAIL(GR_ERR_ARG, "--log-test needs both a validation split (valid or valid_share) and a test file");
    if (o->resume) GR_TRY(gr_checkpoint_check_data(o->resume, g, o->resume_path, msg));
    if (c->layers > 0 && c->view == GR_VIEW_UNIPARTITE && gr_config_uses_social(c))
        GR_FAIL(GR_ERR_ARG, "social edges join users to users in the bipartite view; view = unipartite already "
                "propagates over the follow graph: drop social or set view = bipartite");
    m->cfg = *c;
    m->n_users = g->n_users;
    m->n_items = g->n_items;
    m->dim = c->dim;
    if (o->resume) {
        /* The checkpoint's ego embeddings are where training goes on from. */
        m->ego = o->resume->model.ego;
        o->resume->model.ego = NULL;
    } else {
        /* huge pages: layer 1 and Adam read and write ego rows at random */
        m->ego = gr_alloc_huge(n * c->dim, sizeof *m->ego);
    }
    m->final = gr_alloc_huge(n * c->dim, sizeof *m->final);
    if (m->ego == NULL || m->final == NULL) GR_FAIL(GR_ERR_NOMEM, "out of memory for %zu x %u embeddings", n, c->dim);
    if (!o->resume) gr_init_ego(m->ego, (uint32_t)n, c->dim, c->init_std, c->seed);
    /* view = unipartite: one node per account over the symmetrized follows (gnn/train.h) */
    if (c->layers > 0 && c->view == GR_VIEW_UNIPARTITE) GR_TRY(gr_norm_adj_build_follow(&adj, g, c->reciprocal_weight, msg));
    else if (c->layers > 0) GR_TRY(gr_social_adj_build(&adj, c, g, d->has_social ? &d->social : NULL, msg));
    if (o->log_path) GR_TRY(gr_train_log_open(&log, o->log_path, o->resume ? o->resume->state.epoch : 0, msg));

    train_ctx t = {.cfg = c, .data = d, .stop = stop_metric(c), .log = o->log_path ? &log : NULL,
                   .log_test = o->log_test, .checkpoint = o->checkpoint ? o->checkpoint : o->interrupt_checkpoint,
                   .eval_budget = o->eval_budget,
                   .quiet = o->quiet,
                   .show_progress = !o->quiet && o->show_progress};
    t.target = d->has_valid ? &d->valid : (d->has_test ? &d->test : NULL);
    gr_train_hooks hooks = {.ctx = &t, .evaluate = t.target ? on_evaluate : NULL, .on_batch = on_batch,
                            .on_epoch = on_epoch, .on_checkpoint = t.checkpoint ? on_checkpoint : NULL,
                            .stop_requested = on_stop_requested,
                            /* without a checkpoint path checkpoint_every writes nothing */
                            .checkpoint_on_stop_only = o->checkpoint == NULL};
    if (!o->quiet) print_banner(c, d, o);
    if (by_gradient)
        GR_TRY(gr_train_from(c, g, adj, m->ego, m->final, &hooks, o->resume ? &o->resume->state : NULL, &r->report,
                             msg));
    else
        GR_TRY(fit_without_gradient(c, g, &hooks, m->ego, m->final, &r->report, msg));
    m->epoch = r->report.epochs_run;
    m->best_metric = r->report.best_metric;
    /* A resumed run's log holds the earlier epochs, but this process timed only its own. */
    r->train_seconds = t.epochs_seen > 0 ? t.train_seconds : r->report.seconds;
    r->valid_seconds = t.valid_seconds;
    /* An interrupted run has only its checkpoint to show (cli/interrupt.h). */
    if (!o->quiet && !r->report.interrupted) print_outcome(c, &r->report);
    if (d->has_test && !r->report.interrupted) {
        GR_TRY(evaluate_embeddings(c, d, m->final, &d->test, d->has_valid ? &d->valid.R : NULL, o->eval_budget, &r->test,
                                   msg));
        r->has_test = 1;
    }
    GR_TRY(gr_train_log_close(&log, msg));
fail:
    gr_train_log_close(&log, NULL);
    gr_norm_adj_free(adj);
    if (status != GR_OK) gr_model_free(m);
    return status;
}

void gr_train_run_result_free(gr_train_run_result *r)
{
    gr_model_free(&r->model);
    memset(r, 0, sizeof *r);
}
