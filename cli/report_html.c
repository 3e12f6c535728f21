#include "cli/report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/curve_chart.h"
#include "cli/train_log.h"
#include "core/format.h"
#include "core/svg.h"

#define CHART_W 560
#define CHART_H 380

static const char style[] =
    "body{font-family:sans-serif;color:#222;margin:2em auto;max-width:1500px;padding:0 1em}\n"
    "h1{font-size:24px}h2{font-size:19px;margin-top:1.8em}\n"
    "table{border-collapse:collapse;margin:.6em 0;font-size:14px}\n"
    "th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}\n"
    "th{background:#f4f4f4}th.l,td.l{text-align:left}\n"
    "td.best{font-weight:bold}.sd{display:block;color:#777;font-size:11px;font-weight:normal}\n"
    ".wide{overflow-x:auto}\n"
    ".sw{display:inline-block;width:11px;height:11px;margin-right:6px;vertical-align:baseline}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:16px}.charts svg{border:1px solid #eee}\n"
    ".failed{color:#b00000}.note{color:#555;font-size:13px;max-width:80em}\n";

static gr_status put(gr_output *o, const char *s, char *msg) { return gr_output_puts(o, s, msg); }
static gr_status esc(gr_output *o, const char *s, char *msg) { return gr_svg_escape(o, s, msg); }

/* <td class="l"><span class="sw" style="background:COLOR"></span>NAME</td> */
static gr_status put_run_cell(gr_output *o, const gr_compare_result *r, size_t index, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_output_printf(o, msg, "<td class=\"l\"><span class=\"sw\" style=\"background:%s\"></span>",
                            gr_svg_color(index)));
    GR_TRY(esc(o, r->run->name, msg));
    GR_TRY(put(o, "</td>", msg));
fail:
    return status;
}

/* mean, and the std below it in small grey type: the eye compares the
 * means, and the columns stay narrow enough for ten of them */
static gr_status put_value_cell(gr_output *o, gr_mean_std v, int decimals, int best, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(put(o, best ? "<td class=\"best\">" : "<td>", msg));
    if (v.n == 0) GR_TRY(put(o, "-", msg));
    else GR_TRY(gr_output_printf(o, msg, "%.*f", decimals, v.mean));
    if (v.n > 1) GR_TRY(gr_output_printf(o, msg, "<span class=\"sd\">± %.*f</span>", decimals, v.std));
    GR_TRY(put(o, "</td>", msg));
fail:
    return status;
}

/* The largest mean of metric m at k over the runs (NaN without one). */
static double best_mean(const gr_compare_result *rs, size_t n, gr_metric m, uint32_t k)
{
    double best = NAN;
    for (size_t r = 0; r < n; r++) {
        gr_mean_std v = gr_compare_metric(&rs[r], m, k);
        if (v.n > 0 && !(v.mean <= best)) best = v.mean;
    }
    return best;
}

static gr_status put_metric_cells(gr_output *o, const gr_compare_result *rs, size_t n, size_t r, gr_metric m,
                                  const uint32_t *ks, int n_ks, char *msg)
{
    gr_status status = GR_OK;
    for (int j = 0; j < n_ks; j++) {
        gr_mean_std v = gr_compare_metric(&rs[r], m, ks[j]);
        GR_TRY(put_value_cell(o, v, 4, n > 1 && v.n > 0 && v.mean == best_mean(rs, n, m, ks[j]), msg));
    }
fail:
    return status;
}

/* The main table: recall and ndcg at every K, then the costs. */
static gr_status put_summary(gr_output *o, const gr_compare_result *rs, size_t n, const uint32_t *ks, int n_ks,
                             char *msg)
{
    gr_status status = GR_OK;
    static const gr_metric shown[] = {GR_METRIC_RECALL, GR_METRIC_NDCG};
    GR_TRY(put(o, "<div class=\"wide\"><table>\n<tr><th class=\"l\">run</th><th class=\"l\">model</th>"
                  "<th>seeds ok</th>", msg));
    for (size_t m = 0; m < 2; m++)
        for (int j = 0; j < n_ks; j++)
            GR_TRY(gr_output_printf(o, msg, "<th>%s@%u</th>", gr_metric_name(shown[m]), ks[j]));
    GR_TRY(put(o, "<th>epochs</th><th>train s</th><th>eval s</th><th>peak MiB</th></tr>\n", msg));
    for (size_t r = 0; r < n; r++) {
        const gr_compare_result *x = &rs[r];
        GR_TRY(put(o, "<tr>", msg));
        GR_TRY(put_run_cell(o, x, r, msg));
        GR_TRY(gr_output_printf(o, msg, "<td class=\"l\">%s</td><td%s>%u/%u</td>",
                                gr_model_kind_name(x->run->cfg.model),
                                gr_compare_ok(x) < x->run->seeds ? " class=\"failed\"" : "", gr_compare_ok(x),
                                x->run->seeds));
        for (size_t m = 0; m < 2; m++) GR_TRY(put_metric_cells(o, rs, n, r, shown[m], ks, n_ks, msg));
        gr_mean_std epochs = gr_compare_stat(x, GR_STAT_EPOCHS);
        GR_TRY(put_value_cell(o, epochs, epochs.std > 0 ? 1 : 0, 0, msg));
        GR_TRY(put_value_cell(o, gr_compare_stat(x, GR_STAT_TRAIN_SECONDS), 2, 0, msg));
        GR_TRY(put_value_cell(o, gr_compare_stat(x, GR_STAT_EVAL_SECONDS), 2, 0, msg));
        gr_mean_std rss = gr_compare_stat(x, GR_STAT_PEAK_RSS);
        rss.mean /= 1048576.0;
        rss.std /= 1048576.0;
        GR_TRY(put_value_cell(o, rss, 0, 0, msg));
        GR_TRY(put(o, "</tr>\n", msg));
    }
    GR_TRY(put(o, "</table></div>\n<p class=\"note\">Mean ± sample standard deviation over the seeds that succeeded; "
                  "the best mean of each column in bold.  <em>train s</em>: training alone (the evaluations during "
                  "training excluded), or the fit of a model without gradient training; <em>eval s</em>: the final "
                  "ranking of the test split; <em>peak MiB</em>: the peak resident memory of the run's process, "
                  "the data shared by all runs included.</p>\n", msg));
fail:
    return status;
}

/* Every metric at every K. */
static gr_status put_all_metrics(gr_output *o, const gr_compare_result *rs, size_t n, const uint32_t *ks, int n_ks,
                                 char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(put(o, "<table>\n<tr><th class=\"l\">metric</th><th class=\"l\">run</th>", msg));
    for (int j = 0; j < n_ks; j++) GR_TRY(gr_output_printf(o, msg, "<th>@%u</th>", ks[j]));
    GR_TRY(put(o, "</tr>\n", msg));
    for (int m = 0; m < GR_METRIC_COUNT; m++)
        for (size_t r = 0; r < n; r++) {
            GR_TRY(gr_output_printf(o, msg, "<tr><td class=\"l\">%s</td>", r == 0 ? gr_metric_name((gr_metric)m) : ""));
            GR_TRY(put_run_cell(o, &rs[r], r, msg));
            GR_TRY(put_metric_cells(o, rs, n, r, (gr_metric)m, ks, n_ks, msg));
            GR_TRY(put(o, "</tr>\n", msg));
        }
    GR_TRY(put(o, "</table>\n", msg));
fail:
    return status;
}

/* metric@K against K, one line per run with a result. */
static gr_status put_k_chart(gr_output *o, const gr_compare_result *rs, size_t n, gr_metric m, char *msg)
{
    gr_status status = GR_OK;
    gr_svg_series *series = calloc(n ? n : 1, sizeof *series);
    double *xy = calloc(2 * n * GR_MAX_TOPK + 1, sizeof *xy);
    GR_CHECK_ALLOC(series, "a chart");
    GR_CHECK_ALLOC(xy, "a chart");
    size_t n_series = 0;
    double k_lo = INFINITY, k_hi = 0;
    for (size_t r = 0; r < n; r++) {
        const gr_config *c = &rs[r].run->cfg;
        double *x = xy + 2 * r * GR_MAX_TOPK, *y = x + GR_MAX_TOPK;
        size_t points = 0;
        for (uint32_t j = 0; j < c->n_topk; j++) {
            gr_mean_std v = gr_compare_metric(&rs[r], m, c->topk[j]);
            if (v.n == 0) continue;
            x[points] = c->topk[j];
            y[points++] = v.mean;
            k_lo = fmin(k_lo, c->topk[j]);
            k_hi = fmax(k_hi, c->topk[j]);
        }
        if (points > 0)
            series[n_series++] = (gr_svg_series){.name = rs[r].run->name, .x = x, .y = y, .n = points,
                                                 .color = gr_svg_color(r)};
    }
    char title[64], y_label[64];
    snprintf(title, sizeof title, "test %s@K", gr_metric_name(m));
    snprintf(y_label, sizeof y_label, "%s@K (mean over seeds)", gr_metric_name(m));
    const gr_svg_chart chart = {.title = title, .x_label = "K (length of the ranked list)", .y_label = y_label,
                                .x_scale = k_hi >= 10 * k_lo ? GR_SVG_LOG10 : GR_SVG_LINEAR, .width = CHART_W,
                                .height = CHART_H, .legend_bottom = 1};
    GR_TRY(gr_svg_render(o, &chart, series, n_series, msg));
fail:
    free(series);
    free(xy);
    return status;
}

/* The training curves of each run's first successful seed: its selection
 * metric against epochs and against training seconds.  Runs whose log has
 * no evaluation (closed-form fits) are listed below the charts. */
static gr_status put_training_curves(gr_output *o, const char *dir, const gr_compare_result *rs, size_t n, char *msg)
{
    gr_status status = GR_OK;
    gr_log_series *series = calloc(n ? n : 1, sizeof *series);
    gr_curve_line *lines = calloc(n ? n : 1, sizeof *lines);
    GR_CHECK_ALLOC(series, "the training curves");
    GR_CHECK_ALLOC(lines, "the training curves");
    size_t n_lines = 0;
    char key[48] = "", first_key[48] = "", path[GR_PATH_MAX + 64], scratch[GR_MSG_LEN];
    int mixed = 0, on_valid = 0, on_test = 0;
    for (size_t r = 0; r < n; r++) {
        const gr_compare_run *run = rs[r].run;
        const gr_compare_outcome *seed = NULL;
        for (uint32_t s = 0; s < run->seeds && seed == NULL; s++)
            if (rs[r].seeds[s].ok && rs[r].seeds[s].epochs > 0) seed = &rs[r].seeds[s];
        if (seed == NULL) continue;
        snprintf(key, sizeof key, "%s@%u", gr_metric_name((gr_metric)run->cfg.stop_metric), run->cfg.stop_k);
        gr_compare_run_file(path, sizeof path, dir, "logs", run->name, seed->seed, "jsonl");
        if (gr_log_series_read(&series[r], path, key, scratch) != GR_OK) continue; /* no evaluation logged */
        if (first_key[0] == '\0') snprintf(first_key, sizeof first_key, "%s", key);
        mixed |= strcmp(first_key, key) != 0;
        const int has_valid = run->cfg.valid[0] != '\0' || run->cfg.valid_share > 0;
        on_valid |= has_valid;
        on_test |= !has_valid;
        lines[n_lines] = (gr_curve_line){.label = run->name, .s = &series[r], .color = gr_svg_color(r)};
        n_lines++;
    }
    if (n_lines == 0) {
        GR_TRY(put(o, "<p class=\"note\">No run logged an evaluation during training.</p>\n", msg));
        goto fail;
    }
    char y_key[80], title[128];
    snprintf(y_key, sizeof y_key, "%s", mixed ? "selection metric" : first_key);
    snprintf(title, sizeof title, "%s on the %s during training", y_key,
             on_valid && on_test ? "validation (or test) split" : on_valid ? "validation split" : "test split");
    GR_TRY(put(o, "<div class=\"charts\">\n", msg));
    for (int axis = 0; axis < 2; axis++) {
        const gr_curve_opts opts = {.axis = axis == 0 ? GR_CURVE_EPOCH : GR_CURVE_SECONDS, .y_key = y_key,
                                    .target = NAN, .title = title, .width = CHART_W, .height = CHART_H,
                                    .legend_bottom = 1};
        GR_TRY(gr_curve_render(o, lines, n_lines, &opts, msg));
    }
    GR_TRY(put(o, "</div>\n<p class=\"note\">From each run's training log (the first seed), one point per "
                  "evaluation; training seconds exclude the evaluations.", msg));
    int listed = 0;
    for (size_t r = 0; r < n; r++) {
        if (series[r].n > 0) continue;
        GR_TRY(put(o, listed++ ? ", " : "  Without a curve (fitted in closed form, or nothing evaluated): ", msg));
        GR_TRY(esc(o, rs[r].run->name, msg));
    }
    GR_TRY(put(o, listed ? ".</p>\n" : "</p>\n", msg));
fail:
    for (size_t r = 0; series != NULL && r < n; r++) gr_log_series_free(&series[r]);
    free(series);
    free(lines);
    return status;
}

static gr_status put_link(gr_output *o, const char *href, const char *text, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(put(o, "<a href=\"", msg));
    GR_TRY(esc(o, href, msg));
    GR_TRY(put(o, "\">", msg));
    GR_TRY(esc(o, text, msg));
    GR_TRY(put(o, "</a>", msg));
fail:
    return status;
}

/* One row per run and seed. */
static gr_status put_seeds(gr_output *o, const gr_compare_result *rs, size_t n, char *msg)
{
    gr_status status = GR_OK;
    char path[GR_PATH_MAX + 64];
    GR_TRY(put(o, "<table>\n<tr><th class=\"l\">run</th><th>seed</th><th class=\"l\">status</th><th>epochs</th>"
                  "<th>best epoch</th><th>train s</th><th>valid s</th><th>eval s</th><th>wall s</th><th>peak MiB</th>"
                  "<th class=\"l\">files</th></tr>\n", msg));
    for (size_t r = 0; r < n; r++)
        for (uint32_t k = 0; k < rs[r].run->seeds; k++) {
            const gr_compare_outcome *s = &rs[r].seeds[k];
            GR_TRY(put(o, "<tr>", msg));
            GR_TRY(put_run_cell(o, &rs[r], r, msg));
            GR_TRY(gr_output_printf(o, msg, "<td>%llu</td>", (unsigned long long)s->seed));
            if (s->ok) {
                char best[16] = "-";
                if (s->best_epoch) snprintf(best, sizeof best, "%u", s->best_epoch);
                GR_TRY(gr_output_printf(o, msg, "<td class=\"l\">ok%s</td><td>%u</td><td>%s</td><td>%.2f</td>"
                                                "<td>%.2f</td><td>%.2f</td><td>%.1f</td><td>%.0f</td>",
                                        s->stopped_early ? ", stopped early" : "", s->epochs, best, s->train_seconds,
                                        s->valid_seconds, s->eval_seconds, s->wall_seconds,
                                        (double)s->peak_rss / 1048576.0));
            } else {
                GR_TRY(put(o, "<td class=\"l failed\" colspan=\"8\">failed: ", msg));
                GR_TRY(esc(o, s->error, msg));
                GR_TRY(put(o, "</td>", msg));
            }
            GR_TRY(put(o, "<td class=\"l\">", msg));
            gr_compare_run_file(path, sizeof path, NULL, "configs", rs[r].run->name, s->seed, "ini");
            GR_TRY(put_link(o, path, "config", msg));
            GR_TRY(put(o, " · ", msg));
            gr_compare_run_file(path, sizeof path, NULL, "logs", rs[r].run->name, s->seed, "jsonl");
            GR_TRY(put_link(o, path, "log", msg));
            GR_TRY(put(o, "</td></tr>\n", msg));
        }
    GR_TRY(put(o, "</table>\n", msg));
fail:
    return status;
}

/* One line per distinct data set: its files and sizes. */
static gr_status put_data(gr_output *o, const gr_compare_result *rs, size_t n, char *msg)
{
    gr_status status = GR_OK;
    char a[GR_FMT_LEN], b[GR_FMT_LEN], c[GR_FMT_LEN];
    GR_TRY(put(o, "<ul class=\"note\">\n", msg));
    for (size_t r = 0; r < n; r++) {
        const gr_config *cfg = &rs[r].run->cfg;
        int seen = 0;
        for (size_t q = 0; q < r && !seen; q++) {
            const gr_config *p = &rs[q].run->cfg;
            seen = strcmp(p->train, cfg->train) == 0 && strcmp(p->valid, cfg->valid) == 0 &&
                   strcmp(p->test, cfg->test) == 0 && p->valid_share == cfg->valid_share;
        }
        if (seen || rs[r].n_users + rs[r].n_items == 0) continue;
        GR_TRY(put(o, "<li>train <code>", msg));
        GR_TRY(esc(o, cfg->train, msg));
        GR_TRY(gr_output_printf(o, msg, "</code>: %s users × %s items, %s interactions",
                                gr_fmt_count(a, rs[r].n_users), gr_fmt_count(b, rs[r].n_items),
                                gr_fmt_count(c, rs[r].train_interactions)));
        if (cfg->valid[0]) {
            GR_TRY(put(o, "; validation <code>", msg));
            GR_TRY(esc(o, cfg->valid, msg));
            GR_TRY(gr_output_printf(o, msg, "</code>: %s", gr_fmt_count(a, rs[r].valid_interactions)));
        } else if (cfg->valid_share > 0) {
            GR_TRY(gr_output_printf(o, msg, "; validation: %g of each user's training items (%s, by seed)",
                                    cfg->valid_share, gr_fmt_count(a, rs[r].valid_interactions)));
        }
        if (cfg->test[0]) {
            GR_TRY(put(o, "; test <code>", msg));
            GR_TRY(esc(o, cfg->test, msg));
            GR_TRY(gr_output_printf(o, msg, "</code>: %s", gr_fmt_count(a, rs[r].test_interactions)));
        }
        GR_TRY(put(o, "</li>\n", msg));
    }
    GR_TRY(put(o, "</ul>\n", msg));
fail:
    return status;
}

static gr_status put_page(gr_output *o, const char *dir, const gr_compare_plan *p, const gr_compare_result *rs,
                          size_t n, char *msg)
{
    gr_status status = GR_OK;
    uint32_t ks[GR_COMPARE_MAX_KS];
    const int n_ks = gr_compare_ks(rs, n, ks);
    const char *title = p->title[0] ? p->title : "gnnrec compare";
    GR_TRY(put(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", msg));
    GR_TRY(esc(o, title, msg));
    GR_TRY(gr_output_printf(o, msg, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style));
    GR_TRY(esc(o, title, msg));
    GR_TRY(put(o, "</h1>\n<p class=\"note\">Every run trained and tested by <code>gnnrec compare --config ", msg));
    GR_TRY(esc(o, p->path, msg));
    GR_TRY(put(o, "</code> exactly as <code>gnnrec train</code> would, each in a process of its own.  Test metrics "
                  "rank every item for each user with a test item, the user's training (and validation) items "
                  "masked (the LightGCN protocol).  Data:</p>\n", msg));
    GR_TRY(put_data(o, rs, n, msg));
    GR_TRY(put(o, "<h2>Results</h2>\n", msg));
    GR_TRY(put_summary(o, rs, n, ks, n_ks, msg));
    GR_TRY(put(o, "<h2>Recall and NDCG against K</h2>\n<div class=\"charts\">\n", msg));
    GR_TRY(put_k_chart(o, rs, n, GR_METRIC_RECALL, msg));
    GR_TRY(put_k_chart(o, rs, n, GR_METRIC_NDCG, msg));
    GR_TRY(put(o, "</div>\n<h2>Training curves</h2>\n", msg));
    GR_TRY(put_training_curves(o, dir, rs, n, msg));
    GR_TRY(put(o, "<h2>Every metric</h2>\n", msg));
    GR_TRY(put_all_metrics(o, rs, n, ks, n_ks, msg));
    GR_TRY(put(o, "<h2>Runs</h2>\n", msg));
    GR_TRY(put_seeds(o, rs, n, msg));
    GR_TRY(put(o, "<p class=\"note\">results.json beside this page holds every figure; configs/ holds each run's "
                  "complete config (<code>gnnrec train --config</code> repeats it) and logs/ its training log.</p>\n"
                  "</body>\n</html>\n", msg));
fail:
    return status;
}

gr_status gr_report_html_write(const char *dir, const gr_compare_plan *p, const gr_compare_result *rs, size_t n,
                               char *msg)
{
    gr_status status = GR_OK;
    gr_output *o = NULL;
    char path[GR_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/index.html", dir);
    GR_TRY(gr_output_open(&o, path, msg));
    GR_TRY(put_page(o, dir, p, rs, n, msg));
    status = gr_output_commit(o, msg);
    o = NULL; /* commit frees it in every case */
fail:
    gr_output_abort(o);
    return status;
}
