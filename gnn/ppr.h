/* Personalized PageRank from each user, as a recommender: the score of item
 * (or account) j for user u is the PageRank mass at j's node of a random walk
 * that, at every step, follows an edge with probability `damping` and
 * restarts at u otherwise.
 *
 * The walk is on the training graph:
 *   bipartite  users and items are nodes (user u = node u, item i = node
 *              n_users + i); every interaction is an edge both ways (weight
 *              1), and social user-user edges, when given, edges of weight
 *              social_weight.  A node leaves along an edge with probability
 *              proportional to its weight.
 *   directed   one node per account; the walk follows follow out-edges
 *   undirected (the graph's R, which for an undirected graph holds both
 *              directions).
 * A node without out-edges (dangling) sends its mass back to u: this is
 * igraph 0.10's convention (PRPACK is given the reset vector both as the
 * teleport and as the dangling-node distribution), so the scores equal
 * igraph_personalized_pagerank_vs(reset = {u}) up to the tolerance.
 *
 * The walk leaves u along the row the user is scored from (the training row,
 * or the --history row of a folded-in user: training + new items), and its
 * social row; every other node leaves along its training edges.  The graph
 * itself is kept as trained, like every fold-in: a new user's items do not
 * link back to it (the walk returns to it only by restarting).
 *
 * Solver: a power iteration for a block of B users at once,
 *     X <- damping * P' X  +  (1 - damping + damping * dangling mass) E_B
 * over an n_nodes x B dense block (node-major, so every edge reads B
 * contiguous floats), with sparse/'s SpMM kernel at d = B; it stops when
 * every column's L1 change is below tol, when the change stops shrinking
 * (float32 rounding: ~2e-7 on LastFM, so tol much below 1e-6 only runs into
 * that floor), or after max_iters.  Cost: O(iterations x (edges + nodes) x
 * B) time per block of B users and 2 x nodes x B floats of memory, so
 * O(users / B x iterations x edges) for a full evaluation; iterations are
 * about log(tol) / log(damping) (90 at 0.85 and 1e-6).  Each user's mass
 * stays 1 (up to rounding).  Measured on LastFM (bench/bench_graph_baselines.c),
 * B = 64 beat 16, 32 and 128, and one igraph_personalized_pagerank_vs call
 * per user took 10x the CPU time: PRPACK copies and preprocesses the whole
 * graph at every call and solves one user at a time in one thread. */
#ifndef GR_PPR_H
#define GR_PPR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"

#define GR_PPR_DEFAULT_BLOCK 64

typedef struct {
    double damping;        /* [0, 1): probability of following an edge */
    uint32_t max_iters;    /* >= 1 */
    double tol;            /* L1 change per user below which a block stops */
    uint32_t block;        /* users per power iteration (B); 0 = GR_PPR_DEFAULT_BLOCK */
    const gr_csr *social;  /* NULL, or users x users, symmetric, sorted rows (bipartite graphs only) */
    float social_weight;   /* >= 0; 0 ignores social */
} gr_ppr_opts;

typedef struct gr_ppr gr_ppr;

/* g (and social) are borrowed: they must outlive p. */
gr_status gr_ppr_init(gr_ppr **p, const gr_graph *g, const gr_ppr_opts *o, char *msg);
void gr_ppr_free(gr_ppr *p);

/* Nodes of the walk: n_users + n_items for a bipartite graph, else n_items. */
uint32_t gr_ppr_nodes(const gr_ppr *p);

/* scores[k * n_items + j] = the PPR mass at item j's node for users[k]
 * (j < the graph's items; 0 past them), the walk leaving users[k] along row
 * users[k] of user_rows (which may have more rows than the graph has users:
 * those are users the graph does not know).  n_items >= the graph's items. */
gr_status gr_ppr_score(gr_ppr *p, const gr_csr *user_rows, const uint32_t *users, size_t n, uint32_t n_items,
                       float *scores, char *msg);

/* The whole PPR vector of each user: out[k * gr_ppr_nodes(p) + v] = mass at
 * node v (tests; a user the graph does not know holds the rest of its mass
 * at its own node, which is not in the graph).  *iters, when not NULL, gets
 * the most iterations any block ran. */
gr_status gr_ppr_vectors(gr_ppr *p, const gr_csr *user_rows, const uint32_t *users, size_t n, float *out,
                         uint32_t *iters, char *msg);

#endif
