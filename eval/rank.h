/* The blocked ranking loop that evaluation and recommendation share: the
 * users are scored a block at a time into one buffer sized to a memory
 * budget, each user's masked items are skipped, the top k are selected
 * (eval/topk.h's rule), and the block's lists go to a consumer before the
 * next block is scored.  No |U| x |I| matrix ever exists: the peak is one
 * block of scores plus k entries per user of the block.
 *
 * Scoring (the model's GEMM, with BLAS threads) and selection (OpenMP over
 * the block's users) alternate on the calling thread; the consumer runs on
 * it too, in user order, so whatever it sums or writes is the same for any
 * block size and thread count. */
#ifndef GR_RANK_H
#define GR_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "eval/scorer.h"
#include "eval/topk.h"
#include "graph/graph.h"

#define GR_RANK_DEFAULT_BUDGET ((size_t)256 << 20)

typedef struct {
    uint32_t k;                  /* list length (>= 1); lists are shorter when fewer items are left */
    size_t mem_budget;           /* bytes for one block of scores; 0 = GR_RANK_DEFAULT_BUDGET */
    int n_threads;               /* selection threads; <= 0 = OpenMP default */
    const gr_csr *mask1, *mask2; /* users x items rows never ranked (training items, ...); NULL = none */
    int mask_self;               /* skip item u for user u: follower graphs, where both are one account */
    const uint32_t *candidates;  /* ascending distinct items, the only ones ranked; NULL = every item */
    uint32_t n_candidates;
} gr_rank_opts;

void gr_rank_opts_default(gr_rank_opts *o);

/* One block of ranked users, handed to the consumer.  Item indices in top
 * are the scorer's (candidates already mapped back). */
typedef struct {
    const uint32_t *users;     /* the block's users, in the caller's order */
    size_t n;
    const gr_topk_entry *top;  /* user r's list at top + r * stride, best first */
    const uint32_t *top_n;     /* its length */
    uint32_t stride;
} gr_rank_block;

typedef gr_status (*gr_rank_consumer)(void *ctx, const gr_rank_block *b, char *msg);

typedef struct {
    double score_seconds;   /* in the scorer */
    double select_seconds;  /* masking and top-k */
    double consume_seconds; /* in the consumer */
    uint32_t n_blocks;
    uint32_t block_users;   /* users per full block */
} gr_rank_stats;

/* Users per block for a budget of `budget` bytes of scores (0 = the
 * default) over n_items items and n users to rank: at least 1, at most n. */
size_t gr_rank_block_users(size_t budget, uint32_t n_items, size_t n);

/* The bytes gr_rank_users allocates for these sizes: the block of scores,
 * its top-k lists and, with candidates, the candidate index.  The memory
 * estimate (cli/mem_estimate.h) reads it, so it follows the allocations
 * below. */
size_t gr_rank_bytes(size_t budget, uint32_t n_items, uint32_t k, size_t n, int candidates);

/* Ranks users[0..n) (any order, repeats allowed; each must be a row the
 * scorer accepts) with scorer s and hands every block to consume(ctx, ...).
 * Mask matrices may have fewer rows than there are users (a missing row is
 * empty) but no more columns than s->n_items; candidates must be below
 * s->n_items.  stats may be NULL.  The consumer's error stops the loop. */
gr_status gr_rank_users(const gr_scorer *s, const uint32_t *users, size_t n, const gr_rank_opts *o,
                        gr_rank_consumer consume, void *ctx, gr_rank_stats *stats, char *msg);

#endif
