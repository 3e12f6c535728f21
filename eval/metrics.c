/* Per-user ranking metrics and the writers of an evaluation result. */
#include "eval/metrics.h"

#include <math.h>
#include <stdio.h>

static const char *const metric_names[GR_METRIC_COUNT] = {"recall", "precision", "ndcg",    "hit_rate",
                                                          "map",    "mrr",       "coverage"};

const char *gr_metric_name(gr_metric m) { return (unsigned)m < GR_METRIC_COUNT ? metric_names[m] : "?"; }

double gr_eval_get(const gr_eval_result *r, gr_metric m, uint32_t k)
{
    if ((unsigned)m >= GR_METRIC_COUNT) return NAN;
    for (int j = 0; j < r->n_ks; j++)
        if (r->ks[j] == k) return r->value[m][j];
    return NAN;
}

static int sorted_has(const uint32_t *a, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && a[lo] == x;
}

/* Running sums over the first `seen` ranks of the list. */
typedef struct {
    double hits, dcg, ap, rr;
} rank_sums;

static void record(double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K], int j, uint32_t k, size_t n_test, rank_sums s)
{
    size_t ideal = n_test < k ? n_test : k;
    /* IDCG recomputed per cut-off: O(K), which is noise next to scoring. */
    double idcg = 0;
    for (size_t r = 0; r < ideal; r++) idcg += 1.0 / log2((double)r + 2.0);
    v[GR_METRIC_RECALL][j] = s.hits / (double)n_test;
    v[GR_METRIC_PRECISION][j] = s.hits / (double)k;
    v[GR_METRIC_NDCG][j] = idcg > 0 ? s.dcg / idcg : 0.0;
    v[GR_METRIC_HIT][j] = s.hits > 0 ? 1.0 : 0.0;
    v[GR_METRIC_MAP][j] = ideal > 0 ? s.ap / (double)ideal : 0.0;
    v[GR_METRIC_MRR][j] = s.rr;
}

void gr_user_metrics(const uint32_t *ranked, uint32_t n_ranked, const uint32_t *test, size_t n_test,
                     const uint32_t *ks, int n_ks, double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K])
{
    uint32_t max_k = 0;
    for (int j = 0; j < n_ks; j++)
        if (ks[j] > max_k) max_k = ks[j];
    uint32_t n = n_ranked < max_k ? n_ranked : max_k;
    /* One pass down the list; each cut-off takes a snapshot of the sums when
     * the pass reaches it, and cut-offs past the list's end take the final
     * sums (the missing ranks cannot hit). */
    rank_sums s = {0, 0, 0, 0};
    for (uint32_t r = 0; r < n; r++) {
        if (sorted_has(test, n_test, ranked[r])) {
            s.hits += 1;
            s.dcg += 1.0 / log2((double)r + 2.0);
            s.ap += s.hits / (double)(r + 1);
            if (s.rr == 0) s.rr = 1.0 / (double)(r + 1);
        }
        for (int j = 0; j < n_ks; j++)
            if (ks[j] == r + 1) record(v, j, ks[j], n_test, s);
    }
    for (int j = 0; j < n_ks; j++)
        if (ks[j] > n) record(v, j, ks[j], n_test, s);
}

gr_status gr_eval_write_json(gr_output *o, const gr_eval_result *r, int indent, char *msg)
{
    gr_status status = GR_OK;
    int in = indent + 2;
    GR_TRY(gr_output_printf(o, msg, "{\n%*s\"users\": %llu,\n%*s\"items\": %u,\n%*s\"ks\": [", in, "",
                            (unsigned long long)r->n_users, in, "", r->n_items, in, ""));
    for (int j = 0; j < r->n_ks; j++) GR_TRY(gr_output_printf(o, msg, "%s%u", j ? ", " : "", r->ks[j]));
    GR_TRY(gr_output_puts(o, "],\n", msg));
    for (int m = 0; m < GR_METRIC_COUNT; m++)
        for (int j = 0; j < r->n_ks; j++)
            GR_TRY(gr_output_printf(o, msg, "%*s\"%s@%u\": %.6f,\n", in, "", gr_metric_name((gr_metric)m), r->ks[j],
                                    r->value[m][j]));
    GR_TRY(gr_output_printf(o, msg,
                            "%*s\"block_users\": %u,\n%*s\"blocks\": %llu,\n%*s\"score_seconds\": %.3f,\n"
                            "%*s\"rank_seconds\": %.3f,\n%*s\"seconds\": %.3f\n%*s}",
                            in, "", r->block_users, in, "", (unsigned long long)r->n_blocks, in, "", r->score_seconds,
                            in, "", r->rank_seconds, in, "", r->seconds, indent, ""));
fail:
    return status;
}

gr_status gr_eval_write_table(gr_output *o, const gr_eval_result *r, char *msg)
{
    gr_status status = GR_OK;
    char head[16];
    GR_TRY(gr_output_printf(o, msg, "%-10s", "metric"));
    for (int j = 0; j < r->n_ks; j++) {
        snprintf(head, sizeof head, "@%u", r->ks[j]);
        GR_TRY(gr_output_printf(o, msg, "%10s", head));
    }
    GR_TRY(gr_output_char(o, '\n', msg));
    for (int m = 0; m < GR_METRIC_COUNT; m++) {
        GR_TRY(gr_output_printf(o, msg, "%-10s", gr_metric_name((gr_metric)m)));
        for (int j = 0; j < r->n_ks; j++) GR_TRY(gr_output_printf(o, msg, "%10.4f", r->value[m][j]));
        GR_TRY(gr_output_char(o, '\n', msg));
    }
    GR_TRY(gr_output_printf(o, msg, "%llu users, %u items, %.2f s (scoring %.2f s, ranking %.2f s)\n",
                            (unsigned long long)r->n_users, r->n_items, r->seconds, r->score_seconds,
                            r->rank_seconds));
fail:
    return status;
}
