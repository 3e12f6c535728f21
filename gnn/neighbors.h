/* Neighbourhood link prediction as recommenders: common neighbours,
 * Adamic-Adar and Jaccard, scored from the training graph at scoring time
 * (nothing is learned).
 *
 * Follower graph (graph = directed | undirected: one id space).  Account v
 * is scored for user u directly, over undirected neighbourhoods: N(x) = the
 * accounts x follows or is followed by (the follow graph symmetrized into a
 * simple graph, so a mutual follow is one edge), and
 *   common_neighbors  |N(u) ∩ N(v)|
 *   adamic_adar       sum over w in N(u) ∩ N(v) of 1 / ln deg(w)
 *   jaccard           |N(u) ∩ N(v)| / |N(u) ∪ N(v)|  (0 when N(u) ∪ N(v) is empty)
 * with deg(w) = |N(w)|.  These are igraph's igraph_similarity_* with mode
 * IGRAPH_ALL on that simple graph (igraph_to_undirected(COLLAPSE) of the
 * follows).  On the directed graph itself IGRAPH_ALL differs: a mutual
 * follow is two edges there, so it counts twice in degrees and in
 * intersections.  igraph weighs a common neighbour of degree <= 1 by its
 * degree rather than 1/ln; in a simple graph one of degree 1 cannot be a
 * common neighbour, so this only matters for a folded-in user (below), and
 * we follow igraph.
 *
 * User-item graph (bipartite).  A user and an item have no common
 * neighbour, so the scores are item-based: with U(i) the training users of
 * item i and I(u) the row user u is scored from,
 *   score(u, i) = sum over j in I(u), j != i, of sim(j, i)
 * where sim is the item-item common-neighbour count |U(j) ∩ U(i)|, the
 * Adamic-Adar sum of 1 / ln |I_train(v)| over v in U(j) ∩ U(i), or the
 * Jaccard |U(j) ∩ U(i)| / |U(j) ∪ U(i)|, i.e. igraph's functions on the
 * bipartite graph between item vertices.
 *
 * A user is scored from a row of user_rows (the training row, or a --history
 * row of a folded-in user): on a follower graph N(u) is that row together
 * with u's training followers; everyone else's neighbourhoods are the
 * training graph's.
 *
 * Kernels: our own OpenMP sparse scatters, one user per thread, into a dense
 * accumulator that becomes the user's score row: common_neighbors and
 * adamic_adar push u's row through two hops (items -> co-users -> items),
 * or one hop on the symmetrized follower graph; jaccard, which does not sum
 * over co-users, is built once as the item-item matrix (bipartite: init
 * costs O(sum over users of deg^2) time and nnz(R'R) entries of memory) or
 * taken from the common-neighbour counts (follower graph, dividing only
 * where an account was reached).  Per user the cost is the number of
 * two-hop paths from it.  Measured against GraphBLAS doing the same per
 * block of 512 users (GrB_extract of the block's rows, GrB_mxm into a full
 * block of scores; bench/bench_graph_baselines.c), CPU seconds for every
 * user, 2 threads, busy machine: LastFM (1,878 users x 4,490 items)
 * common_neighbors 0.025 vs 0.177, adamic_adar 0.024 vs 0.156, jaccard
 * 0.020 (+ 0.022 to build the item-item matrix) vs 0.145 (+ 0.027); a
 * generated follower graph (20,000 accounts, 393k follows) 0.30 vs 1.44,
 * 0.31 vs 1.37, 0.44 vs 1.94.  GraphBLAS builds a sparse product per
 * block (symbolic and numeric phases, and for an item-based score a
 * block x users intermediate) before adding it into the dense block; the
 * scatters write the dense row that ranking needs anyway. */
#ifndef GR_NEIGHBORS_H
#define GR_NEIGHBORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "gnn/config.h"
#include "graph/graph.h"

typedef struct gr_neighbors gr_neighbors;

/* kind: GR_MODEL_COMMON_NEIGHBORS, GR_MODEL_ADAMIC_ADAR or GR_MODEL_JACCARD.
 * g is borrowed and must outlive nb. */
gr_status gr_neighbors_init(gr_neighbors **nb, gr_model_kind kind, const gr_graph *g, char *msg);
void gr_neighbors_free(gr_neighbors *nb);

/* scores[k * n_items + v] = the score of item (account) v for users[k],
 * scored from row users[k] of user_rows (which may have more rows than the
 * graph has users: users the graph does not know); 0 past the graph's
 * items.  n_items >= the graph's items.  On a follower graph the score of
 * the user itself is not meaningful (ranking skips it). */
gr_status gr_neighbors_score(gr_neighbors *nb, const gr_csr *user_rows, const uint32_t *users, size_t n,
                             uint32_t n_items, float *scores, char *msg);

/* The number of entries of the item-item Jaccard matrix (bipartite jaccard
 * only; 0 otherwise): its memory is 8 bytes an entry. */
uint64_t gr_neighbors_matrix_nnz(const gr_neighbors *nb);

#endif
