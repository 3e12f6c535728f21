/* Top-K recommendation lists as a TSV file, streamed a block of users at a
 * time through the ranking loop that evaluation uses (eval/rank.h), so the
 * memory is one block of scores whatever the number of users.
 *
 * The file has a header line and one line per recommendation, users in the
 * order given, ranks 1..K:
 *     user  rank  item  score  [because1 ... becauseN]
 * with the original ids.  score is σ(s) for a model whose head is the
 * sigmoid (LightGCN, MF: P(u, i) = σ(e_u · e_i)) and the raw score s
 * otherwise.  With explain = N, becauseJ is the J-th of the N items of the
 * user's history whose embeddings are most similar (cosine) to the
 * recommended item's, most similar first; cells past the end of a short
 * history are empty. */
#ifndef GR_RECOMMEND_H
#define GR_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "eval/rank.h"
#include "eval/scorer.h"
#include "graph/graph.h"
#include "loaders/idmap.h"

#define GR_REC_MAX_EXPLAIN 100

typedef enum {
    GR_REC_SIGMOID, /* σ(score): a probability under the sigmoid head */
    GR_REC_RAW      /* the score itself */
} gr_rec_score_kind;

typedef struct {
    gr_rank_opts rank;            /* k, memory budget, threads, masks, candidates */
    gr_rec_score_kind score;
    uint32_t explain;             /* history items per recommendation, 0..GR_REC_MAX_EXPLAIN */
    const gr_csr *history;        /* with explain: the users' interaction rows (users x items) */
    const float *item_emb;        /* with explain: n_items x dim, the scoring embeddings */
    uint32_t dim;
    const gr_idmap *user_ids;     /* original ids; NULL = the integers themselves */
    const gr_idmap *item_ids;
} gr_rec_opts;

typedef struct {
    uint64_t users, lines;        /* users ranked, recommendations written */
    uint64_t short_lists;         /* users with fewer than K items left to recommend */
    gr_rank_stats rank;
    double seconds;
} gr_rec_report;

/* Ranks users[0..n) with scorer s and writes their lists to path (atomically;
 * ".gz" compresses; "-" is standard output).  rep may be NULL. */
gr_status gr_recommend(const gr_scorer *s, const uint32_t *users, size_t n, const gr_rec_opts *o, const char *path,
                       gr_rec_report *rep, char *msg);

#endif
