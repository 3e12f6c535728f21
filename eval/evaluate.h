/* Full-ranking evaluation (the LightGCN/NGCF protocol): every user with at
 * least one test item is scored against all items, the training items (and
 * optionally the validation items) are masked, the top max(K) unmasked items
 * are selected once, and eval/metrics.h's metrics are averaged over users.
 *
 * Users are scored in blocks whose score matrix fits o->mem_budget, so no
 * |U| x |I| matrix ever exists: the loop is eval/rank.h's, shared with
 * recommendation, and the metrics are its consumer. */
#ifndef GR_EVALUATE_H
#define GR_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "eval/metrics.h"
#include "eval/rank.h"
#include "eval/scorer.h"
#include "graph/graph.h"
#include "loaders/idmap.h"

#define GR_EVAL_DEFAULT_BUDGET GR_RANK_DEFAULT_BUDGET

typedef struct {
    uint32_t ks[GR_EVAL_MAX_K];  /* cut-offs, each >= 1; any order */
    int n_ks;                    /* 1..GR_EVAL_MAX_K; default 3: 10, 20, 50 */
    size_t mem_budget;           /* bytes for one block of scores; 0 = default (256 MiB) */
    int n_threads;               /* ranking threads; <= 0 = OpenMP default */
    int mask_self;               /* skip item u for user u: follower graphs, where both are one account */
    const char *per_user_path;   /* NULL, or a TSV of per-user metrics (".gz" compresses) */
    const gr_idmap *user_ids;    /* original user ids for that TSV (graph->user_ids); NULL = integers */
} gr_eval_opts;

void gr_eval_opts_default(gr_eval_opts *o);

/* Evaluates scorer s.  train: the training interactions (masked); mask2:
 * NULL or more items to mask (validation items when testing); test: the
 * held-out items.  All three are users x items CSRs over the scorer's item
 * space (n_cols <= s->n_items); their row counts may differ (a missing row
 * is empty).  o may be NULL for the defaults.  Fails when no user has a test
 * item.  The per-user TSV, when asked for, has columns
 *     user  n_test  recall@K...  ndcg@K...
 * one row per evaluated user in user order, and is written atomically. */
gr_status gr_evaluate(const gr_scorer *s, const gr_csr *train, const gr_csr *mask2, const gr_csr *test,
                      const gr_eval_opts *o, gr_eval_result *r, char *msg);

#endif
