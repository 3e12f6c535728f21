/* One training run, the same for `gnnrec train` and `gnnrec compare`: the
 * embeddings initialized from the seed, trained by gradient (lightgcn, mf) or
 * fitted (ials, gfcf, itempop) on loaded data with validation and early
 * stopping through gnn/'s hooks, then ranked on the test split.  The commands
 * around it parse arguments, load the data and write their outputs, so there
 * is one training loop and one evaluation, whichever command runs them. */
#ifndef GR_CLI_TRAIN_RUN_H
#define GR_CLI_TRAIN_RUN_H

#include "cli/data.h"
#include "core/error.h"
#include "eval/metrics.h"
#include "gnn/checkpoint.h"
#include "gnn/config.h"
#include "gnn/model.h"
#include "gnn/train.h"

typedef struct {
    const char *log_path;     /* training log, one JSON object per epoch; NULL: none */
    int log_test;             /* also rank the test split at each evaluation (needs log_path) */
    const char *checkpoint;   /* where checkpoint_every writes; NULL: no checkpoints */
    const char *interrupt_checkpoint; /* where SIGINT/SIGTERM's checkpoint goes (cli/interrupt.h)
                                       * when checkpoint is NULL; NULL: there too */
    gr_checkpoint *resume;    /* continue this run (its ego embeddings are taken over); NULL: fresh */
    const char *resume_path;  /* the checkpoint's path, for messages */
    int quiet;                /* nothing on stderr */
    int show_progress;        /* the per-batch progress line on stderr */
    size_t eval_budget;       /* bytes of one block of scores in evaluations; 0 = the default
                               * (--mem-limit shrinks it: cli/mem_estimate.h) */
} gr_train_run_opts;

typedef struct {
    gr_model model;           /* cfg, sizes and embeddings (owned); id maps stay the data's */
    gr_train_report report;
    double train_seconds;     /* training alone: the epochs (evaluations excluded), or the fit */
    double valid_seconds;     /* the evaluations during training */
    int has_test;
    gr_eval_result test;      /* the kept embeddings on the test split, train (and valid) masked */
} gr_train_run_result;

/* Threads for OpenMP, OpenBLAS and GraphBLAS alike (0: keep every core). */
gr_status gr_train_set_threads(uint32_t threads, char *msg);

/* Trains the run of config c on d (loaded by gr_cli_load_run_data with c's
 * [data]) and evaluates it on d's test split when there is one.  On failure
 * r holds nothing to free. */
gr_status gr_train_run(const gr_config *c, const gr_run_data *d, const gr_train_run_opts *o, gr_train_run_result *r,
                       char *msg);
void gr_train_run_result_free(gr_train_run_result *r);

#endif
