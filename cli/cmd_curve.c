/* gnnrec curve: training logs (gnnrec train --log) -> one SVG chart of a
 * metric against epochs or seconds, and a line per run on stdout: its best
 * value and when a target was first reached. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/curve_chart.h"
#include "cli/train_log.h"

static const char help[] =
    "usage: gnnrec curve [options] -o CHART.svg LABEL=LOG [LABEL=LOG ...]\n\n"
    "Plots a metric of training logs (gnnrec train --log FILE) against training\n"
    "time, one line per log, and prints for each its best value and when it\n"
    "first reached --target.  A log continued by --resume is one run.\n\n"
    "Options:\n"
    "  --y KEY        metric to plot: the selection metric as logged (e.g. recall@20),\n"
    "                 or test.recall@20 / test.ndcg@20 from --log-test (default recall@20)\n"
    "  --x AXIS       epoch, seconds (training only: sampling, forward, backward,\n"
    "                 optimizer), wall (training plus evaluations) or hours (wall / 3600);\n"
    "                 default seconds\n"
    "  --target V     a horizontal line at V, and the first point at or above it\n"
    "  --title TEXT   chart title\n"
    "  -o FILE        the chart (written atomically)\n";

typedef struct {
    const char *label;
    gr_log_series s;
} run;

static void report(const run *r, const char *key, double target)
{
    const gr_log_series *s = &r->s;
    size_t best = 0, first = s->n;
    for (size_t i = 0; i < s->n; i++) {
        if (s->value[i] > s->value[best]) best = i;
        if (first == s->n && s->value[i] >= target) first = i;
    }
    printf("%s: %zu evaluations to epoch %.0f; best %s %.4f at epoch %.0f (%.0f s training, %.0f s wall)", r->label,
           s->n, s->epoch[s->n - 1], key, s->value[best], s->epoch[best], s->train_seconds[best],
           s->wall_seconds[best]);
    if (!isnan(target)) {
        if (first < s->n)
            printf("; >= %.4f first at epoch %.0f (%.0f s training, %.0f s wall)", target, s->epoch[first],
                   s->train_seconds[first], s->wall_seconds[first]);
        else
            printf("; never >= %.4f", target);
    }
    printf("\n");
}

int gr_cmd_curve(int argc, char **argv)
{
    const char *key = "recall@20", *title = NULL, *out = NULL;
    gr_curve_axis axis = GR_CURVE_SECONDS;
    double target = NAN;
    char msg[GR_MSG_LEN] = "";
    gr_status s = GR_OK;
    int rc = GR_EXIT_FAIL, n_runs = 0;
    gr_output *o = NULL;
    run *runs = calloc((size_t)argc, sizeof *runs);
    gr_curve_line *lines = calloc((size_t)argc, sizeof *lines);
    if (runs == NULL || lines == NULL) {
        free(runs);
        free(lines);
        return gr_cli_error(GR_ERR_NOMEM, "out of memory");
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s", help);
            rc = GR_EXIT_OK;
            goto done;
        } else if (gr_cli_is(a, "--y")) {
            if ((key = gr_cli_value(argc, argv, &i, "--y")) == NULL) goto usage;
        } else if (gr_cli_is(a, "--x")) {
            const char *v = gr_cli_value(argc, argv, &i, "--x");
            if (v == NULL) goto usage;
            if (gr_curve_axis_parse(v) < 0) {
                rc = gr_cli_usage_error("curve", "--x is epoch, seconds, wall or hours, not '%s'", v);
                goto done;
            }
            axis = (gr_curve_axis)gr_curve_axis_parse(v);
        } else if (gr_cli_is(a, "--target")) {
            const char *v = gr_cli_value(argc, argv, &i, "--target");
            if (v == NULL || gr_cli_double("--target", v, &target) != 0) goto usage;
        } else if (gr_cli_is(a, "--title")) {
            if ((title = gr_cli_value(argc, argv, &i, "--title")) == NULL) goto usage;
        } else if (strcmp(a, "-o") == 0) {
            if ((out = gr_cli_value(argc, argv, &i, "-o")) == NULL) goto usage;
        } else if (a[0] != '-' && strchr(a, '=') != NULL && strchr(a, '=') != a) {
            runs[n_runs++].label = a;
        } else {
            rc = gr_cli_usage_error("curve", "unexpected argument '%s' (logs are given as LABEL=FILE)", a);
            goto done;
        }
    }
    if (out == NULL || n_runs == 0) {
        rc = gr_cli_usage_error("curve", "needs -o CHART.svg and at least one LABEL=LOG");
        goto done;
    }
    for (int r = 0; r < n_runs; r++) {
        char *eq = strchr(runs[r].label, '=');
        *eq = '\0'; /* argv is ours to cut: LABEL and FILE */
        if ((s = gr_log_series_read(&runs[r].s, eq + 1, key, msg)) != GR_OK) goto failed;
        report(&runs[r], key, target);
        lines[r] = (gr_curve_line){.label = runs[r].label, .s = &runs[r].s};
    }
    const gr_curve_opts opts = {.axis = axis, .y_key = key, .target = target, .title = title};
    if ((s = gr_output_open(&o, out, msg)) != GR_OK) goto failed;
    if ((s = gr_curve_render(o, lines, (size_t)n_runs, &opts, msg)) != GR_OK) goto failed;
    s = gr_output_commit(o, msg);
    o = NULL; /* commit frees it in every case */
    if (s != GR_OK) goto failed;
    rc = GR_EXIT_OK;
    goto done;
usage:
    rc = GR_EXIT_USAGE;
    goto done;
failed:
    rc = gr_cli_error(s, msg);
done:
    gr_output_abort(o);
    for (int r = 0; r < n_runs; r++) gr_log_series_free(&runs[r].s);
    free(runs);
    free(lines);
    return rc;
}
