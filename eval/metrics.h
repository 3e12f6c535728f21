/* Ranking metrics at several cut-offs K, exactly as the LightGCN/NGCF code
 * computes them (binary relevance, full ranking):
 *
 *   recall@K     hits / |test_u|
 *   precision@K  hits / K                       (K even when the list is shorter)
 *   ndcg@K       DCG / IDCG, DCG = sum over hit ranks r (0-based) of 1/log2(r+2),
 *                IDCG = the same over min(K, |test_u|) perfect ranks
 *   hit_rate@K   1 when any of the top K is a test item
 *   map@K        sum over hit ranks r of precision@(r+1), / min(K, |test_u|)
 *   mrr@K        1/(r+1) for the first hit rank r < K, else 0
 *   coverage@K   share of all items that appear in at least one user's top K
 *
 * Each per-user metric is averaged over the evaluated users (those with at
 * least one test item); coverage is a property of the whole set of lists. */
#ifndef GR_METRICS_H
#define GR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/output.h"

#define GR_EVAL_MAX_K 8

typedef enum {
    GR_METRIC_RECALL,
    GR_METRIC_PRECISION,
    GR_METRIC_NDCG,
    GR_METRIC_HIT,
    GR_METRIC_MAP,
    GR_METRIC_MRR,
    GR_METRIC_COVERAGE, /* the only one not averaged over users: keep it last */
    GR_METRIC_COUNT
} gr_metric;

#define GR_METRIC_PER_USER GR_METRIC_COVERAGE /* metrics [0, this) are per user */

/* "recall", "precision", "ndcg", "hit_rate", "map", "mrr", "coverage". */
const char *gr_metric_name(gr_metric m);

typedef struct {
    int n_ks;
    uint32_t ks[GR_EVAL_MAX_K];                       /* in the order asked for */
    double value[GR_METRIC_COUNT][GR_EVAL_MAX_K];     /* value[m][j]: metric m at ks[j] */
    uint64_t n_users;      /* users evaluated (>= 1 test item) */
    uint32_t n_items;
    uint32_t block_users;  /* users scored per block */
    uint64_t n_blocks;
    double seconds;        /* whole evaluation */
    double score_seconds;  /* inside the scorer */
    double rank_seconds;   /* top-K selection and metrics */
} gr_eval_result;

/* Metric m at cut-off k, or NaN when k was not evaluated. */
double gr_eval_get(const gr_eval_result *r, gr_metric m, uint32_t k);

/* Per-user metrics [0, GR_METRIC_PER_USER) of one ranked list (best first,
 * item indices) against the user's test items (ascending, n_test >= 1), at
 * each of ks[0..n_ks) (any order; the list holds at least min(max K, items
 * rankable) entries).  Writes v[m][j]. */
void gr_user_metrics(const uint32_t *ranked, uint32_t n_ranked, const uint32_t *test, size_t n_test,
                     const uint32_t *ks, int n_ks, double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K]);

/* The result as one JSON object: {"users": .., "items": .., "ks": [..],
 * "recall@20": .., ..., "seconds": ..}.  Nested lines are indented by
 * indent + 2 spaces and the closing brace by indent, so the object can be a
 * value inside a larger document; no trailing newline. */
gr_status gr_eval_write_json(gr_output *o, const gr_eval_result *r, int indent, char *msg);

/* A small aligned table, one row per metric and one column per K:
 *     metric         @10       @20       @50
 *     recall      0.1234    0.1830    0.2950
 *     ...
 * followed by a line with the user count and seconds. */
gr_status gr_eval_write_table(gr_output *o, const gr_eval_result *r, char *msg);

#endif
