/* What `gnnrec compare` measured: for each run and seed the test metrics,
 * the times and the peak memory; their mean and standard deviation over the
 * seeds; and two ways of writing them, results.json and the table on stdout
 * (the HTML report is cli/report_html.h). */
#ifndef GR_CLI_COMPARE_RESULTS_H
#define GR_CLI_COMPARE_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/compare_plan.h"
#include "core/error.h"
#include "core/output.h"
#include "eval/metrics.h"

/* One run with one seed, as its process reported it (a fixed-size record:
 * it travels from the run's child process over a pipe). */
typedef struct {
    uint64_t seed;
    int ok;                     /* trained and evaluated */
    char error[GR_MSG_LEN];     /* why not, when !ok */
    uint32_t epochs, best_epoch;
    int stopped_early;
    double train_seconds;       /* training alone (evaluations excluded), or the fit */
    double valid_seconds;       /* the evaluations during training */
    double eval_seconds;        /* the final test evaluation */
    double wall_seconds;        /* the run's process, start to end */
    uint64_t peak_rss;          /* bytes: the process at its peak, the shared data included */
    int has_test;
    gr_eval_result test;
} gr_compare_outcome;

typedef struct {
    const gr_compare_run *run;
    gr_compare_outcome *seeds;  /* run->seeds of them */
    /* the data it ran on */
    uint32_t n_users, n_items;
    uint64_t train_interactions, valid_interactions, test_interactions;
} gr_compare_result;

typedef struct {
    double mean, std;           /* std: sample standard deviation, 0 for one value */
    uint32_t n;                 /* seeds that count (ok, and the value exists); 0: mean is NaN */
} gr_mean_std;

typedef enum {
    GR_STAT_TRAIN_SECONDS,
    GR_STAT_VALID_SECONDS,
    GR_STAT_EVAL_SECONDS,
    GR_STAT_WALL_SECONDS,
    GR_STAT_PEAK_RSS,
    GR_STAT_EPOCHS,
    GR_STAT_BEST_EPOCH
} gr_compare_stat_kind;

/* Over the run's successful seeds: metric m at cut-off k, or a statistic. */
gr_mean_std gr_compare_metric(const gr_compare_result *r, gr_metric m, uint32_t k);
gr_mean_std gr_compare_stat(const gr_compare_result *r, gr_compare_stat_kind s);
/* Successful seeds of the run. */
uint32_t gr_compare_ok(const gr_compare_result *r);

#define GR_COMPARE_MAX_KS 16
/* Every cut-off any run evaluated, ascending; returns how many. */
int gr_compare_ks(const gr_compare_result *rs, size_t n, uint32_t ks[GR_COMPARE_MAX_KS]);

/* "0.1234 ± 0.0012" (or "0.1234" for one seed; "-" without a value). */
void gr_compare_fmt(char *buf, size_t len, gr_mean_std v, int decimals);

/* sub/NAME-seedSEED.ext, under dir when dir is not NULL: where a run's
 * training log and config go in the report directory. */
void gr_compare_run_file(char *buf, size_t len, const char *dir, const char *sub, const char *name, uint64_t seed,
                         const char *ext);

/* results.json: the plan, then per run its data, each seed's outcome, and the
 * mean and std of every metric and statistic. */
gr_status gr_compare_write_json(gr_output *o, const gr_compare_plan *p, const gr_compare_result *rs, size_t n,
                                char *msg);
/* The table: every metric at every K per run (mean ± std over seeds), then
 * epochs, training and evaluation seconds and peak memory. */
gr_status gr_compare_write_table(gr_output *o, const gr_compare_result *rs, size_t n, char *msg);

#endif
