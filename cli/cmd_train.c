/* gnnrec train: config + overrides -> data -> training with validation and
 * early stopping (cli/train_run.h, shared with gnnrec compare) -> test
 * metrics -> model file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/data.h"
#include "cli/mem_estimate.h"
#include "cli/interrupt.h"
#include "cli/train_run.h"
#include "core/output.h"
#include "eval/evaluate.h"
#include "gnn/checkpoint.h"
#include "gnn/model.h"
#include "gnn/model_file.h"

static const char help[] =
    "usage: gnnrec train [--config FILE] [key=value ...] [-o model.gnr] [options]\n"
    "       gnnrec train --resume CHECKPOINT [key=value ...] [-o model.gnr] [options]\n\n"
    "Trains LightGCN (or model=mf | ials | gfcf | itempop | ppr | common_neighbors |\n"
    "adamic_adar | jaccard) on the config's [data] train file with the sigmoid\n"
    "head, evaluates every eval_every epochs on the validation data (a valid\n"
    "file, or valid_share of train; without either, on the test file as the\n"
    "LightGCN reference code does), keeps the best epoch, stops after `patience`\n"
    "evaluations without improvement, prints the test metrics and saves the\n"
    "model.  ials, gfcf and itempop are fitted in closed form (no checkpoints);\n"
    "all kinds share one model file format.\n"
    "The graph baselines learn nothing and score from the training graph when\n"
    "asked (eval, recommend, compare), for the users asked for only:\n"
    "  ppr               personalized PageRank from the user ([ppr] damping,\n"
    "                    ppr_iters, ppr_tol; social edges join the walk): a power\n"
    "                    iteration for 64 users at once, O(iterations x edges) per\n"
    "                    block, so O(users / 64 x iterations x edges) in all\n"
    "  common_neighbors, adamic_adar, jaccard\n"
    "                    link prediction on a follower graph (undirected\n"
    "                    neighbourhoods); item-based on a user-item graph (the sum\n"
    "                    of the user's items' similarity to the item); cost: the\n"
    "                    two-hop paths from each user (jaccard on a user-item graph\n"
    "                    first builds the item-item matrix: sum of user degree^2)\n"
    "With keep=last it trains all epochs and keeps the last (evaluations are only\n"
    "reported): the refit of an epoch count chosen on validation, on all of train.\n"
    "Any config key can be overridden as key=value or section.key=value, e.g.\n"
    "  gnnrec train --config configs/gowalla-lightgcn.ini epochs=1\n\n"
    "With checkpoint_every=N, a checkpoint of the whole run (model, optimizer state,\n"
    "best epoch so far) is written every N epochs and after the last one;\n"
    "--resume continues such a run exactly where it stopped, with the data files\n"
    "its config names (which must be unchanged), to the same model an\n"
    "uninterrupted run would have made.  Only epochs, patience, eval_every,\n"
    "checkpoint_every and threads may be overridden then.\n"
    "SIGINT or SIGTERM (Ctrl-C) stops lightgcn and mf after the current batch: a\n"
    "checkpoint is written (--checkpoint, else OUTPUT.ckpt, else gnnrec-train.ckpt\n"
    "in the working directory) that --resume continues exactly from that batch,\n"
    "the command says how to resume and exits with 128 + the signal (130, 143);\n"
    "a second signal stops at once.\n\n"
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
    "  --social FILE       user-user edges (trust, friendship; 'user<sep>user' lines over the\n"
    "                      interactions' user ids, either direction) that lightgcn propagates\n"
    "                      over with the items: shorthand for social=FILE (social_weight,\n"
    "                      social_norm = joint | separate set how)\n"
    "  --graph KIND        bipartite | directed ('src follows dst': who to follow) |\n"
    "                      undirected: shorthand for graph=KIND\n"
    "  --skip-bad-rows     count and skip bad rows (in the social file too: unknown users)\n"
    "  --dry-run           load the data, print the memory the run needs (by part) and stop:\n"
    "                      nothing is trained or written\n"
    "  --mem-limit SIZE    refuse, before the big allocations, a run that needs more than SIZE\n"
    "                      (512M, 2G; the --dry-run estimate)\n"
    "  --quiet             no progress, no report\n"
    "  --progress / --no-progress  force the progress line on or off (default: on a terminal)\n";

/* Options that are shorthand for a config key: --social FILE is social=FILE,
 * --graph KIND graph=KIND (as the input options of other commands say it). */
typedef struct {
    const char *option, *key;
} shorthand;
static const shorthand shorthands[] = {{"--social", "social"}, {"--graph", "graph"}};

static const shorthand *shorthand_of(const char *arg)
{
    for (size_t k = 0; k < sizeof shorthands / sizeof shorthands[0]; k++)
        if (gr_cli_is(arg, shorthands[k].option)) return &shorthands[k];
    return NULL;
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
    int log_test = 0, dry_run = 0;
    size_t mem_limit = 0; /* bytes; 0 = none */
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
        const shorthand *sh;
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
        } else if (strcmp(a, "--dry-run") == 0) {
            dry_run = 1;
        } else if (gr_cli_is(a, "--mem-limit")) {
            const char *v = gr_cli_value(argc, argv, &i, "--mem-limit");
            if (v == NULL) goto usage;
            if (gr_mem_parse_size(v, &mem_limit) != 0) {
                gr_checkpoint_free(&ck);
                return gr_cli_usage_error("train", "bad value for --mem-limit: '%s' (a size like 512M or 2G)", v);
            }
        } else if (strcmp(a, "--log-test") == 0) {
            log_test = 1;
        } else if (gr_cli_is(a, "--json")) {
            if ((json_path = gr_cli_value(argc, argv, &i, "--json")) == NULL) goto usage;
        } else if ((sh = shorthand_of(a)) != NULL) {
            /* the override KEY=VALUE, so --resume refuses a different value */
            const char *v = gr_cli_value(argc, argv, &i, sh->option);
            if (v == NULL) goto usage;
            char assignment[GR_PATH_MAX + 16];
            if (snprintf(assignment, sizeof assignment, "%s=%s", sh->key, v) >= (int)sizeof assignment) {
                gr_checkpoint_free(&ck);
                return gr_cli_usage_error("train", "%s: value too long: %s", sh->option, v);
            }
            s = resume ? gr_checkpoint_override(&cfg, assignment, msg) : gr_config_set_arg(&cfg, assignment, msg);
            if (s != GR_OK) goto early_error;
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
    const int by_gradient = cfg.model == GR_MODEL_LIGHTGCN || cfg.model == GR_MODEL_MF;
    if (!by_gradient && cfg.checkpoint_every > 0) {
        gr_checkpoint_free(&ck);
        return gr_cli_usage_error("train", "checkpoint_every is for lightgcn and mf; model = %s needs none",
                                  gr_model_kind_name(cfg.model));
    }
    if (ckpt_arg && cfg.checkpoint_every == 0) {
        gr_checkpoint_free(&ck);
        return gr_cli_usage_error("train", "--checkpoint needs checkpoint_every=N (epochs between checkpoints)");
    }
    if (resume && cfg.epochs <= ck.state.epoch) {
        uint32_t at = ck.state.epoch;
        gr_checkpoint_free(&ck);
        return gr_cli_usage_error("train", "%s is at epoch %u: set epochs= above that to continue", resume, at);
    }
    if ((s = gr_train_set_threads(cfg.threads, msg)) != GR_OK) goto early_error;
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

    /* Where an interrupted run's checkpoint goes when there is no periodic one. */
    char stop_buf[GR_PATH_MAX + 8];
    const char *stop_path = ckpt_path;
    if (stop_path == NULL && out) {
        snprintf(stop_buf, sizeof stop_buf, "%s.ckpt", out);
        stop_path = stop_buf;
    } else if (stop_path == NULL) {
        stop_path = "gnnrec-train.ckpt";
    }
    if (by_gradient) gr_interrupt_install();

    gr_run_data d;
    memset(&d, 0, sizeof d);
    gr_dataset_init(&d.ds);
    gr_train_run_result res;
    memset(&res, 0, sizeof res);
    int rc = gr_cli_load_run_data(&in, &cfg, &d);
    if (rc != GR_EXIT_OK) goto done;
    /* The data's sizes are known only now; nothing big is allocated yet. */
    size_t eval_budget = GR_EVAL_DEFAULT_BUDGET; /* shrunk to fit --mem-limit */
    if (dry_run || mem_limit > 0) {
        gr_mem_estimate est;
        gr_mem_estimate_init(&est);
        s = gr_mem_estimate_train(&est, &cfg, &d, mem_limit, &eval_budget, msg);
        if (dry_run) gr_mem_print(stdout, "gnnrec train", &est);
        if (s != GR_OK) goto failed;
        if (dry_run) goto done;
    }
    const gr_train_run_opts opts = {.eval_budget = eval_budget,.log_path = log_path, .log_test = log_test, .checkpoint = ckpt_path,
                                    .interrupt_checkpoint = stop_path,
                                    .resume = resume ? &ck : NULL, .resume_path = resume, .quiet = in.quiet,
                                    .show_progress = in.progress >= 0 ? in.progress : isatty(STDERR_FILENO)};
    if ((s = gr_train_run(&cfg, &d, &opts, &res, msg)) != GR_OK) goto failed;
    if (res.report.interrupted) {
        /* said even with --quiet: the run did not finish */
        const gr_train_report *r = &res.report;
        if (r->batches_run > 0)
            fprintf(stderr, "gnnrec train: interrupted at epoch %u batch %u", r->epochs_run + 1, r->batches_run);
        else
            fprintf(stderr, "gnnrec train: interrupted after epoch %u", r->epochs_run);
        fprintf(stderr, ": checkpoint written to %s; resume with gnnrec train --resume %s%s%s\n", stop_path, stop_path,
                out ? " -o " : "", out ? out : "");
        rc = gr_interrupt_exit_code(gr_interrupt_signal());
        goto done;
    }
    if (out) {
        gr_model *m = &res.model;
        m->user_ids = (gr_idmap *)d.ds.user_ids;
        m->item_ids = (gr_idmap *)d.ds.item_ids;
        m->shared_ids = d.ds.shared_ids;
        s = gr_model_save(m, out, msg);
        m->user_ids = m->item_ids = NULL; /* still owned by the dataset */
        if (s != GR_OK) goto failed;
        if (!in.quiet) fprintf(stderr, "model written to %s\n", out);
    }
    if (res.has_test) {
        s = gr_cli_write_eval(&res.test, "test metrics (full ranking, training items masked):\n", json_path, msg);
        if (s != GR_OK) goto failed;
    }
    rc = GR_EXIT_OK;
    if (gr_interrupt_signal() != 0) {
        /* the signal came during the last epoch or after it: the run finished */
        fprintf(stderr, "gnnrec train: interrupted during the last epoch: the run finished and its outputs are written\n");
        rc = gr_interrupt_exit_code(gr_interrupt_signal());
    }
    goto done;
failed:
    rc = gr_cli_error(s, msg);
done:
    gr_train_run_result_free(&res);
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
