#include "cli/compare_results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t gr_compare_ok(const gr_compare_result *r)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < r->run->seeds; s++) n += r->seeds[s].ok != 0;
    return n;
}

/* Mean and sample standard deviation of the finite values among v[0..n). */
static gr_mean_std mean_std(const double *v, uint32_t n)
{
    gr_mean_std m = {NAN, NAN, 0};
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            m.n++;
        }
    if (m.n == 0) return m;
    m.mean = sum / m.n;
    double ss = 0;
    for (uint32_t i = 0; i < n; i++)
        if (isfinite(v[i])) ss += (v[i] - m.mean) * (v[i] - m.mean);
    m.std = m.n > 1 ? sqrt(ss / (m.n - 1)) : 0.0;
    return m;
}

/* The value a seed contributes; NaN when it has none. */
static double stat_of(const gr_compare_outcome *o, gr_compare_stat_kind s)
{
    switch (s) {
    case GR_STAT_TRAIN_SECONDS: return o->train_seconds;
    case GR_STAT_VALID_SECONDS: return o->valid_seconds;
    case GR_STAT_EVAL_SECONDS: return o->has_test ? o->eval_seconds : NAN;
    case GR_STAT_WALL_SECONDS: return o->wall_seconds;
    case GR_STAT_PEAK_RSS: return (double)o->peak_rss;
    case GR_STAT_EPOCHS: return o->epochs;
    case GR_STAT_BEST_EPOCH: return o->best_epoch ? o->best_epoch : NAN;
    }
    return NAN;
}

gr_mean_std gr_compare_stat(const gr_compare_result *r, gr_compare_stat_kind s)
{
    double v[GR_COMPARE_MAX_SEEDS];
    for (uint32_t i = 0; i < r->run->seeds; i++) v[i] = r->seeds[i].ok ? stat_of(&r->seeds[i], s) : NAN;
    return mean_std(v, r->run->seeds);
}

gr_mean_std gr_compare_metric(const gr_compare_result *r, gr_metric m, uint32_t k)
{
    double v[GR_COMPARE_MAX_SEEDS];
    for (uint32_t i = 0; i < r->run->seeds; i++) {
        const gr_compare_outcome *o = &r->seeds[i];
        v[i] = o->ok && o->has_test ? gr_eval_get(&o->test, m, k) : NAN;
    }
    return mean_std(v, r->run->seeds);
}

int gr_compare_ks(const gr_compare_result *rs, size_t n, uint32_t ks[GR_COMPARE_MAX_KS])
{
    int n_ks = 0;
    for (size_t r = 0; r < n; r++) {
        const gr_config *c = &rs[r].run->cfg;
        for (uint32_t j = 0; j < c->n_topk; j++) {
            int at = 0;
            while (at < n_ks && ks[at] < c->topk[j]) at++;
            if ((at < n_ks && ks[at] == c->topk[j]) || n_ks == GR_COMPARE_MAX_KS) continue;
            memmove(ks + at + 1, ks + at, (size_t)(n_ks - at) * sizeof *ks);
            ks[at] = c->topk[j];
            n_ks++;
        }
    }
    return n_ks;
}

void gr_compare_fmt(char *buf, size_t len, gr_mean_std v, int decimals)
{
    if (v.n == 0) snprintf(buf, len, "-");
    else if (v.n == 1) snprintf(buf, len, "%.*f", decimals, v.mean);
    else snprintf(buf, len, "%.*f ± %.*f", decimals, v.mean, decimals, v.std);
}

void gr_compare_run_file(char *buf, size_t len, const char *dir, const char *sub, const char *name, uint64_t seed,
                         const char *ext)
{
    snprintf(buf, len, "%s%s%s/%s-seed%llu.%s", dir ? dir : "", dir ? "/" : "", sub, name, (unsigned long long)seed,
             ext);
}

/* ---- results.json ------------------------------------------------------ */

/* A JSON string, quotes included. */
static gr_status put_json_string(gr_output *o, const char *s, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_output_char(o, '"', msg));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') GR_TRY(gr_output_printf(o, msg, "\\%c", *p));
        else if (*p < 0x20) GR_TRY(gr_output_printf(o, msg, "\\u%04x", *p));
        else GR_TRY(gr_output_char(o, (char)*p, msg));
    }
    GR_TRY(gr_output_char(o, '"', msg));
fail:
    return status;
}

/* "key": value, with null for a missing value (JSON has no NaN). */
static gr_status put_number(gr_output *o, const char *key, double v, int last, char *msg)
{
    if (!isfinite(v)) return gr_output_printf(o, msg, "\"%s\": null%s", key, last ? "" : ", ");
    return gr_output_printf(o, msg, "\"%s\": %.6g%s", key, v, last ? "" : ", ");
}

static const char *const stat_names[] = {"train_seconds", "valid_seconds",  "eval_seconds", "wall_seconds",
                                         "peak_rss_bytes", "epochs", "best_epoch"};
#define N_STATS (sizeof stat_names / sizeof stat_names[0])

/* {"recall@10": .., ..., "train_seconds": .., ...} of the means (want_std 0)
 * or the standard deviations. */
static gr_status put_summary(gr_output *o, const gr_compare_result *r, int want_std, char *msg)
{
    gr_status status = GR_OK;
    char key[48];
    const gr_config *c = &r->run->cfg;
    GR_TRY(gr_output_puts(o, "{", msg));
    for (int m = 0; m < GR_METRIC_COUNT; m++)
        for (uint32_t j = 0; j < c->n_topk; j++) {
            gr_mean_std v = gr_compare_metric(r, (gr_metric)m, c->topk[j]);
            snprintf(key, sizeof key, "%s@%u", gr_metric_name((gr_metric)m), c->topk[j]);
            GR_TRY(put_number(o, key, want_std ? v.std : v.mean, 0, msg));
        }
    for (size_t s = 0; s < N_STATS; s++) {
        gr_mean_std v = gr_compare_stat(r, (gr_compare_stat_kind)s);
        GR_TRY(put_number(o, stat_names[s], want_std ? v.std : v.mean, s + 1 == N_STATS, msg));
    }
    GR_TRY(gr_output_puts(o, "}", msg));
fail:
    return status;
}

static gr_status put_outcome(gr_output *o, const gr_compare_result *r, const gr_compare_outcome *s, int last,
                             char *msg)
{
    gr_status status = GR_OK;
    char path[GR_PATH_MAX];
    GR_TRY(gr_output_printf(o, msg, "        {\"seed\": %llu, \"status\": \"%s\", ", (unsigned long long)s->seed,
                            s->ok ? "ok" : "failed"));
    if (!s->ok) {
        GR_TRY(gr_output_puts(o, "\"error\": ", msg));
        GR_TRY(put_json_string(o, s->error, msg));
        GR_TRY(gr_output_puts(o, ", ", msg));
    }
    gr_compare_run_file(path, sizeof path, NULL, "configs", r->run->name, s->seed, "ini");
    GR_TRY(gr_output_puts(o, "\"config\": ", msg));
    GR_TRY(put_json_string(o, path, msg));
    gr_compare_run_file(path, sizeof path, NULL, "logs", r->run->name, s->seed, "jsonl");
    GR_TRY(gr_output_puts(o, ", \"log\": ", msg));
    GR_TRY(put_json_string(o, path, msg));
    GR_TRY(gr_output_printf(o, msg, ",\n         \"epochs\": %u, \"best_epoch\": %u, \"stopped_early\": %s, ",
                            s->epochs, s->best_epoch, s->stopped_early ? "true" : "false"));
    for (size_t k = 0; k < N_STATS - 2; k++) /* the seconds and the memory */
        GR_TRY(put_number(o, stat_names[k], s->ok ? stat_of(s, (gr_compare_stat_kind)k) : NAN, k + 3 == N_STATS, msg));
    if (s->ok && s->has_test) {
        GR_TRY(gr_output_puts(o, ",\n         \"test\": ", msg));
        GR_TRY(gr_eval_write_json(o, &s->test, 9, msg));
    }
    GR_TRY(gr_output_printf(o, msg, "}%s\n", last ? "" : ","));
fail:
    return status;
}

gr_status gr_compare_write_json(gr_output *o, const gr_compare_plan *p, const gr_compare_result *rs, size_t n,
                                char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_output_puts(o, "{\n  \"plan\": ", msg));
    GR_TRY(put_json_string(o, p->path, msg));
    GR_TRY(gr_output_puts(o, ",\n  \"title\": ", msg));
    GR_TRY(put_json_string(o, p->title, msg));
    GR_TRY(gr_output_puts(o, ",\n  \"protocol\": \"full ranking of every item for each user with a test item; the "
                             "user's training (and validation) items masked; mean and sample standard deviation "
                             "over the seeds that succeeded\",\n  \"runs\": [\n", msg));
    for (size_t r = 0; r < n; r++) {
        const gr_compare_result *x = &rs[r];
        const gr_config *c = &x->run->cfg;
        GR_TRY(gr_output_puts(o, "    {\n      \"name\": ", msg));
        GR_TRY(put_json_string(o, x->run->name, msg));
        GR_TRY(gr_output_printf(o, msg, ", \"model\": \"%s\", \"seeds\": %u, \"succeeded\": %u,\n"
                                        "      \"data\": {\"train\": ",
                                gr_model_kind_name(c->model), x->run->seeds, gr_compare_ok(x)));
        GR_TRY(put_json_string(o, c->train, msg));
        GR_TRY(gr_output_puts(o, ", \"valid\": ", msg));
        GR_TRY(put_json_string(o, c->valid, msg));
        GR_TRY(gr_output_puts(o, ", \"test\": ", msg));
        GR_TRY(put_json_string(o, c->test, msg));
        GR_TRY(gr_output_printf(o, msg, ", \"valid_share\": %g, \"users\": %u, \"items\": %u, \"train_interactions\": "
                                        "%llu, \"valid_interactions\": %llu, \"test_interactions\": %llu},\n"
                                        "      \"runs\": [\n",
                                c->valid[0] ? 0.0 : c->valid_share, x->n_users, x->n_items,
                                (unsigned long long)x->train_interactions, (unsigned long long)x->valid_interactions,
                                (unsigned long long)x->test_interactions));
        for (uint32_t s = 0; s < x->run->seeds; s++)
            GR_TRY(put_outcome(o, x, &x->seeds[s], s + 1 == x->run->seeds, msg));
        GR_TRY(gr_output_puts(o, "      ],\n      \"mean\": ", msg));
        GR_TRY(put_summary(o, x, 0, msg));
        GR_TRY(gr_output_puts(o, ",\n      \"std\": ", msg));
        GR_TRY(put_summary(o, x, 1, msg));
        GR_TRY(gr_output_printf(o, msg, "\n    }%s\n", r + 1 == n ? "" : ","));
    }
    GR_TRY(gr_output_puts(o, "  ]\n}\n", msg));
fail:
    return status;
}

/* ---- the table --------------------------------------------------------- */

/* Display width: "±" is two bytes and one column. */
static int width_of(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) w += (*p & 0xC0) != 0x80;
    return w;
}

/* s right-aligned (left-aligned when left) in a field of w columns. */
static gr_status put_cell(gr_output *o, const char *s, int w, int left, char *msg)
{
    int pad = w - width_of(s);
    if (pad < 0) pad = 0;
    return left ? gr_output_printf(o, msg, "%s%*s", s, pad, "") : gr_output_printf(o, msg, "%*s%s", pad, "", s);
}

gr_status gr_compare_write_table(gr_output *o, const gr_compare_result *rs, size_t n, char *msg)
{
    gr_status status = GR_OK;
    uint32_t ks[GR_COMPARE_MAX_KS];
    const int n_ks = gr_compare_ks(rs, n, ks);
    int name_w = 4, several = 0;
    for (size_t r = 0; r < n; r++) {
        if ((int)strlen(rs[r].run->name) + 2 > name_w) name_w = (int)strlen(rs[r].run->name) + 2;
        several |= gr_compare_ok(&rs[r]) > 1;
    }
    const int cell_w = several ? 18 : 9;
    char cell[64];
    GR_TRY(gr_output_printf(o, msg, "test metrics (full ranking, training items masked)%s:\n",
                            several ? ", mean ± std over seeds" : ""));
    GR_TRY(put_cell(o, "metric", 11, 1, msg));
    GR_TRY(put_cell(o, "run", name_w, 1, msg));
    for (int j = 0; j < n_ks; j++) {
        snprintf(cell, sizeof cell, "@%u", ks[j]);
        GR_TRY(put_cell(o, cell, cell_w, 0, msg));
    }
    GR_TRY(gr_output_char(o, '\n', msg));
    for (int m = 0; m < GR_METRIC_COUNT; m++)
        for (size_t r = 0; r < n; r++) {
            GR_TRY(put_cell(o, r == 0 ? gr_metric_name((gr_metric)m) : "", 11, 1, msg));
            GR_TRY(put_cell(o, rs[r].run->name, name_w, 1, msg));
            for (int j = 0; j < n_ks; j++) {
                gr_compare_fmt(cell, sizeof cell, gr_compare_metric(&rs[r], (gr_metric)m, ks[j]), 4);
                GR_TRY(put_cell(o, cell, cell_w, 0, msg));
            }
            GR_TRY(gr_output_char(o, '\n', msg));
        }
    static const char *const heads[] = {"seeds ok", "epochs", "train s", "eval s", "peak MiB"};
    GR_TRY(gr_output_char(o, '\n', msg));
    GR_TRY(put_cell(o, "run", name_w + 11, 1, msg));
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) GR_TRY(put_cell(o, heads[h], h ? cell_w : 9, 0, msg));
    GR_TRY(gr_output_char(o, '\n', msg));
    for (size_t r = 0; r < n; r++) {
        const gr_compare_result *x = &rs[r];
        GR_TRY(put_cell(o, x->run->name, name_w + 11, 1, msg));
        snprintf(cell, sizeof cell, "%u/%u", gr_compare_ok(x), x->run->seeds);
        GR_TRY(put_cell(o, cell, 9, 0, msg));
        gr_mean_std epochs = gr_compare_stat(x, GR_STAT_EPOCHS);
        gr_compare_fmt(cell, sizeof cell, epochs, epochs.std > 0 ? 1 : 0);
        GR_TRY(put_cell(o, cell, cell_w, 0, msg));
        gr_compare_fmt(cell, sizeof cell, gr_compare_stat(x, GR_STAT_TRAIN_SECONDS), 2);
        GR_TRY(put_cell(o, cell, cell_w, 0, msg));
        gr_compare_fmt(cell, sizeof cell, gr_compare_stat(x, GR_STAT_EVAL_SECONDS), 2);
        GR_TRY(put_cell(o, cell, cell_w, 0, msg));
        gr_mean_std rss = gr_compare_stat(x, GR_STAT_PEAK_RSS);
        rss.mean /= 1048576.0;
        rss.std /= 1048576.0;
        gr_compare_fmt(cell, sizeof cell, rss, 0);
        GR_TRY(put_cell(o, cell, cell_w, 0, msg));
        GR_TRY(gr_output_char(o, '\n', msg));
    }
    GR_TRY(gr_output_puts(o, "train s: training alone (evaluations during training excluded), or the fit; eval s: "
                             "the final test ranking; peak: the run's process, the shared data included\n", msg));
    for (size_t r = 0; r < n; r++)
        for (uint32_t s = 0; s < rs[r].run->seeds; s++)
            if (!rs[r].seeds[s].ok)
                GR_TRY(gr_output_printf(o, msg, "%s seed %llu FAILED: %s\n", rs[r].run->name,
                                        (unsigned long long)rs[r].seeds[s].seed, rs[r].seeds[s].error));
fail:
    return status;
}
