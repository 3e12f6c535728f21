/* gnnrec train: config + overrides -> data -> LightGCN/MF training with
 * validation and early stopping -> test metrics -> model file. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/data.h"
#include "cli/train_log.h"
#include "core/alloc.h"
#include "core/format.h"
#include "core/sysinfo.h"
#include "eval/dot_scorer.h"
#include "eval/evaluate.h"
#include "gnn/checkpoint.h"
#include "gnn/model.h"
#include "gnn/model_file.h"
#include "gnn/train.h"
#include "sparse/adjacency.h"
#include "sparse/grb.h"

static const char help[] =
    "usage: gnnrec train [--config FILE] [key=value ...] [-o model.gnr] [options]\n"
    "       gnnrec train --resume CHECKPOINT [key=value ...] [-o model.gnr] [options]\n\n"
    "Trains LightGCN (or MF: model=mf) on the config's [data] train file with the\n"
    "sigmoid head, evaluates every eval_every epochs on the validation data (a valid\n"
    "file, or valid_share of train; without either, on the test file as the\n"
    "LightGCN reference code does), keeps the best epoch, stops after `patience`\n"
    "evaluations without improvement, prints the test metrics and saves the model.\n"
    "With keep=last it trains all epochs and keeps the last (evaluations are only\n"
    "reported): the refit of an epoch count chosen on validation, on all of train.\n"
    "Any config key can be overridden as key=value or section.key=value, e.g.\n"
    "  gnnrec train --config configs/gowalla-lightgcn.ini epochs=1\n\n"
    "With checkpoint_every=N, a checkpoint of the whole run (model, Adam state,\n"
    "best epoch so far) is written every N epochs and after the last one;\n"
    "--resume continues such a run exactly where it stopped, with the data files\n"
    "its config names (which must be unchanged), to the same model an\n"
    "uninterrupted run would have made.  Only epochs, patience, eval_every,\n"
    "checkpoint_every and threads may be overridden then.\n\n"
    "Options:\n"
    "  --config FILE       INI file (configs/*.ini); defaults are LightGCN's Gowalla settings\n"
    "  -o, --output FILE   model file to write (atomically)\n"
    "  --checkpoint FILE   where checkpoint_every writes checkpoints (default: OUTPUT.ckpt\n"
    "                      with -o, else none); each replaces the last atomically\n"
    "  --resume FILE       continue the run of this checkpoint (its config; no --config)\n"
    "  --log FILE          training log, one JSON object per epoch (epoch, loss, seconds of\n"
    "                      training, elapsed, and at evaluations eval_seconds and the metric),\n"
    "                      written as training goes; --resume continues it (gnnrec curve plots it)\n"
    "  --log-test          with a validation split, also evaluate the test split at every\n"
    "                      evaluation and log its recall/ndcg (for curves; never selects)\n"
    "  --json FILE         final test metrics as JSON\n"
    "  --quiet             no progress, no report\n"
    "  --progress / --no-progress  force the progress line on or off (default: on a terminal)\n";

typedef struct {
    const gr_config *cfg;
    const gr_run_data *data;
    const gr_graph *target; /* what the early-stopping metric is measured on */
    gr_metric stop;
    gr_train_log *log;      /* NULL without --log */
    int log_test;           /* also rank the test split at each evaluation */
    gr_eval_result test;    /* of the latest evaluation, with log_test */
    double eval_seconds;    /* the latest evaluation's, test ranking included */
    const char *checkpoint; /* path, NULL when off */
    int show_progress, quiet;
    double batch_t0;
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
                                     const gr_csr *mask2, gr_eval_result *r, char *msg)
{
    gr_dot_scorer ds;
    const gr_graph *g = &d->train;
    gr_status s = gr_dot_scorer_init(&ds, E, g->n_users, E + (size_t)g->n_users * c->dim, g->n_items, c->dim, msg);
    if (s != GR_OK) return s;
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.mask_self = c->graph != GR_GRAPH_BIPARTITE;
    o.n_ks = (int)c->n_topk;
    for (uint32_t k = 0; k < c->n_topk; k++) o.ks[k] = c->topk[k];
    s = gr_evaluate(&ds.scorer, &g->R, mask2, &target->R, &o, r, msg);
    gr_dot_scorer_free(&ds);
    return s;
}

static gr_status on_evaluate(void *vctx, const float *E, double *metric, char *msg)
{
    train_ctx *t = vctx;
    gr_eval_result r;
    const double t0 = gr_now();
    gr_status s = evaluate_embeddings(t->cfg, t->data, E, t->target, NULL, &r, msg);
    if (s == GR_OK) *metric = gr_eval_get(&r, t->stop, t->cfg->stop_k);
    if (s == GR_OK && t->log_test) s = evaluate_embeddings(t->cfg, t->data, E, &t->data->test, &t->data->valid.R, &t->test, msg);
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
        fprintf(stderr, "checkpoint of epoch %u written to %s\n", st->epoch, t->checkpoint);
    }
    return s;
}

/* Threads for OpenMP, OpenBLAS and GraphBLAS alike. */
static gr_status set_threads(uint32_t threads, char *msg)
{
    if (threads > 0) {
        omp_set_num_threads((int)threads);
        openblas_set_num_threads((int)threads); /* the pthreads build ignores OpenMP's setting */
    }
    return gr_grb_init(omp_get_max_threads(), msg);
}

/* Opens and drops a temporary beside each output, so that a typo in a path
 * fails now rather than after hours of training. */
static gr_status probe_output(const char *path, char *msg)
{
    gr_output *o = NULL;
    if (path == NULL) return GR_OK;
    gr_status s = gr_output_open(&o, path, msg);
    gr_output_abort(o);
    return s;
}

int gr_cmd_train(int argc, char **argv)
{
    gr_config cfg;
    gr_config_default(&cfg);
    gr_cli_input in;
    gr_cli_input_init(&in);
    int log_test = 0;
    const char *out = NULL, *log_path = NULL, *json_path = NULL, *ckpt_arg = NULL, *resume = NULL, *config = NULL;
    char msg[GR_MSG_LEN] = "";
    gr_status s = GR_OK;
    gr_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    /* The config (or the checkpoint's) first, so overrides apply on top of it
     * in any order. */
    for (int i = 1; i < argc; i++)
        if (gr_cli_is(argv[i], "--config") || gr_cli_is(argv[i], "--resume")) {
            int is_config = gr_cli_is(argv[i], "--config");
            const char *v = gr_cli_value(argc, argv, &i, is_config ? "--config" : "--resume");
            if (v == NULL) return GR_EXIT_USAGE;
            if (is_config) config = v;
            else resume = v;
        }
    if (config && resume)
        return gr_cli_usage_error("train", "--resume continues with the checkpoint's config; drop --config");
    if (config && (s = gr_config_load(&cfg, config, msg)) != GR_OK) return gr_cli_error(s, msg);
    if (resume) {
        if ((s = gr_checkpoint_load(&ck, resume, msg)) != GR_OK) return gr_cli_error(s, msg);
        cfg = ck.model.cfg;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s", help);
            return GR_EXIT_OK;
        } else if (gr_cli_is(a, "--config") || gr_cli_is(a, "--resume")) {
            gr_cli_value(argc, argv, &i, gr_cli_is(a, "--config") ? "--config" : "--resume");
        } else if (strcmp(a, "-o") == 0 || gr_cli_is(a, "--output")) {
            if ((out = gr_cli_value(argc, argv, &i, a[1] == 'o' ? "-o" : "--output")) == NULL) goto usage;
        } else if (gr_cli_is(a, "--checkpoint")) {
            if ((ckpt_arg = gr_cli_value(argc, argv, &i, "--checkpoint")) == NULL) goto usage;
        } else if (gr_cli_is(a, "--log")) {
            if ((log_path = gr_cli_value(argc, argv, &i, "--log")) == NULL) goto usage;
        } else if (strcmp(a, "--log-test") == 0) {
            log_test = 1;
        } else if (gr_cli_is(a, "--json")) {
            if ((json_path = gr_cli_value(argc, argv, &i, "--json")) == NULL) goto usage;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "--progress") == 0 || strcmp(a, "--no-progress") == 0 ||
                   strcmp(a, "--skip-bad-rows") == 0 || gr_cli_is(a, "--max-line")) {
            gr_cli_input_option(&in, argc, argv, &i);
        } else if (a[0] != '-' && strchr(a, '=') != NULL) {
            s = resume ? gr_checkpoint_override(&cfg, a, msg) : gr_config_set_arg(&cfg, a, msg);
            if (s != GR_OK) goto early_error;
        } else {
            gr_checkpoint_free(&ck);
            return gr_cli_usage_error("train", "unexpected argument '%s'", a);
        }
    }
    if ((s = gr_config_check(&cfg, msg)) != GR_OK) goto early_error;
    if (ckpt_arg && cfg.checkpoint_every == 0) {
        gr_checkpoint_free(&ck);
        return gr_cli_usage_error("train", "--checkpoint needs checkpoint_every=N (epochs between checkpoints)");
    }
    if (resume && cfg.epochs <= ck.state.epoch) {
        uint32_t at = ck.state.epoch;
        gr_checkpoint_free(&ck);
        return gr_cli_usage_error("train", "%s is at epoch %u: set epochs= above that to continue", resume, at);
    }
    if ((s = set_threads(cfg.threads, msg)) != GR_OK) goto early_error;
    if (out && (strcmp(out, "-") == 0 || gr_path_is_gz(out))) {
        gr_checkpoint_free(&ck);
        return gr_cli_usage_error("train", "a model file cannot go to stdout or be gzip-compressed: %s", out);
    }
    if ((s = probe_output(out, msg)) != GR_OK || (s = probe_output(json_path, msg)) != GR_OK) goto early_error;
    gr_cli_input_from_config(&in, &cfg);
    /* OUTPUT.ckpt by default, beside the model it will become. */
    char ckpt_buf[GR_PATH_MAX + 8];
    const char *ckpt_path = NULL;
    if (cfg.checkpoint_every > 0) {
        if (ckpt_arg) ckpt_path = ckpt_arg;
        else if (out && strcmp(out, "-") != 0) {
            snprintf(ckpt_buf, sizeof ckpt_buf, "%s.ckpt", out);
            ckpt_path = ckpt_buf;
        } else if (!in.quiet) {
            fprintf(stderr, "gnnrec train: checkpoint_every is set but there is no -o or --checkpoint: no checkpoints\n");
        }
    }

    gr_run_data d;
    memset(&d, 0, sizeof d);
    gr_dataset_init(&d.ds);
    gr_model m;
    memset(&m, 0, sizeof m);
    gr_norm_adj *adj = NULL;
    gr_train_log log = {0};
    int rc = gr_cli_load_run_data(&in, &cfg, &d);
    if (rc != GR_EXIT_OK) goto done;
    const gr_graph *g = &d.train;
    const uint32_t n = g->n_users + g->n_items;
    if (resume && (s = gr_checkpoint_check_data(&ck, g, resume, msg)) != GR_OK) goto failed;
    m.cfg = cfg;
    m.n_users = g->n_users;
    m.n_items = g->n_items;
    m.dim = cfg.dim;
    if (resume) {
        /* The checkpoint's ego embeddings are where training goes on from. */
        m.ego = ck.model.ego;
        ck.model.ego = NULL;
    } else {
        /* huge pages: layer 1 and Adam read and write ego rows at random */
        m.ego = gr_alloc_huge((size_t)n * cfg.dim, sizeof *m.ego);
    }
    m.final = gr_alloc_huge((size_t)n * cfg.dim, sizeof *m.final);
    if (m.ego == NULL || m.final == NULL) {
        s = gr_fail(msg, GR_ERR_NOMEM, "out of memory for %u x %u embeddings", n, cfg.dim);
        goto failed;
    }
    if (!resume) gr_init_ego(m.ego, n, cfg.dim, cfg.init_std, cfg.seed);
    if (cfg.layers > 0 && (s = gr_norm_adj_build(&adj, g, NULL, 0, msg)) != GR_OK) goto failed;
    if (log_test && log_path == NULL) {
        s = gr_fail(msg, GR_ERR_ARG, "--log-test writes to the training log: give --log FILE too");
        goto failed;
    }
    if (log_test && !(d.has_valid && d.has_test)) {
        s = gr_fail(msg, GR_ERR_ARG, "--log-test needs both a validation split (valid or valid_share) and a test file");
        goto failed;
    }
    if (log_path && (s = gr_train_log_open(&log, log_path, resume ? ck.state.epoch : 0, msg)) != GR_OK) goto failed;

    train_ctx t = {.cfg = &cfg, .data = &d, .stop = stop_metric(&cfg), .log = log_path ? &log : NULL,
                   .log_test = log_test, .checkpoint = ckpt_path, .quiet = in.quiet};
    t.show_progress = in.quiet ? 0 : (in.progress >= 0 ? in.progress : isatty(STDERR_FILENO));
    t.target = d.has_valid ? &d.valid : (d.has_test ? &d.test : NULL);
    gr_train_hooks hooks = {.ctx = &t, .evaluate = t.target ? on_evaluate : NULL, .on_batch = on_batch, .on_epoch = on_epoch,
                            .on_checkpoint = ckpt_path ? on_checkpoint : NULL};
    if (!in.quiet) {
        char a[GR_FMT_LEN], b[GR_FMT_LEN], c[GR_FMT_LEN];
        fprintf(stderr, "training %s: %s users x %s items, %s interactions, d = %u, K = %u, %d threads; %s %s\n",
                gr_model_kind_name(cfg.model), gr_fmt_count(a, g->n_users), gr_fmt_count(b, g->n_items),
                gr_fmt_count(c, g->R.nnz), cfg.dim, cfg.layers, omp_get_max_threads(),
                cfg.keep == GR_KEEP_LAST ? "keeping the last epoch, evaluating on" : "selecting on",
                d.has_valid ? (d.valid_carved ? "a validation share of train" : "the validation file")
                            : (d.has_test ? "the test file (as the reference code does)" : "nothing (last epoch kept)"));
    }
    if (resume && !in.quiet)
        fprintf(stderr, "resuming %s from epoch %u to %u%s\n", resume, ck.state.epoch, cfg.epochs,
                ck.state.best_epoch ? "" : " (nothing evaluated yet)");
    gr_train_report rep;
    if ((s = gr_train_from(&cfg, g, adj, m.ego, m.final, &hooks, resume ? &ck.state : NULL, &rep, msg)) != GR_OK)
        goto failed;
    m.epoch = rep.epochs_run;
    m.best_metric = rep.best_metric;
    if (!in.quiet)
        fprintf(stderr, "trained %u epochs in %.1f s (%.2f s/epoch)%s; %s epoch %u\n", rep.epochs_run, rep.seconds,
                rep.seconds / (rep.epochs_run ? rep.epochs_run : 1), rep.stopped_early ? ", stopped early" : "",
                cfg.keep == GR_KEEP_LAST ? "kept the last" : "best",
                cfg.keep == GR_KEEP_LAST ? rep.epochs_run : rep.best_epoch);
    if (out) {
        m.user_ids = (gr_idmap *)d.ds.user_ids;
        m.item_ids = (gr_idmap *)d.ds.item_ids;
        m.shared_ids = d.ds.shared_ids;
        s = gr_model_save(&m, out, msg);
        m.user_ids = m.item_ids = NULL; /* still owned by the dataset */
        if (s != GR_OK) goto failed;
        if (!in.quiet) fprintf(stderr, "model written to %s\n", out);
    }
    if (d.has_test) {
        gr_eval_result r;
        const gr_csr *mask2 = d.has_valid ? &d.valid.R : NULL;
        if ((s = evaluate_embeddings(&cfg, &d, m.final, &d.test, mask2, &r, msg)) != GR_OK) goto failed;
        s = gr_cli_write_eval(&r, "test metrics (full ranking, training items masked):\n", json_path, msg);
        if (s != GR_OK) goto failed;
    }
    if ((s = gr_train_log_close(&log, msg)) != GR_OK) goto failed;
    rc = GR_EXIT_OK;
    goto done;
failed:
    rc = gr_cli_error(s, msg);
done:
    gr_train_log_close(&log, msg);
    gr_norm_adj_free(adj);
    gr_model_free(&m);
    gr_run_data_free(&d);
    gr_checkpoint_free(&ck);
    return rc;
usage:
    gr_checkpoint_free(&ck);
    return GR_EXIT_USAGE;
early_error:
    gr_checkpoint_free(&ck);
    return gr_cli_error(s, msg);
}
