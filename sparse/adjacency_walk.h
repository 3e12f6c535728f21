/* The transition matrix of a random walk, transposed, as a gr_norm_adj, so
 * that gr_spmm (our register-blocked, prefetching CSR kernel, or GrB_mxm)
 * applies it: Y = P' X, that is
 *     Y[t] = sum over the edges s -> t of w(s, t) / out(s) X[s]
 * with out(s) the sum of s's edge weights.  A node without out-edges
 * (dangling) has an all-zero column: what happens to its mass is the
 * caller's business (gnn/ppr.h sends it back to the restart node).
 *
 * Nodes and edges as gnn/ppr.h walks them:
 *   bipartite   users 0..n_users-1, then items; each interaction both ways
 *               with weight 1, each social edge (S symmetric, sorted rows)
 *               with weight social_weight (0: S ignored);
 *   follower    one node per account, the follows R as they are (directed;
 *               an undirected graph's R holds both directions).
 * Rows are sorted, so the GraphBLAS copy is a valid CSR too. */
#ifndef GR_ADJACENCY_WALK_H
#define GR_ADJACENCY_WALK_H

#include "core/error.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"

/* social: NULL or users x users (bipartite graphs only; the caller checks
 * symmetry).  out_weight, when not NULL, receives each node's out(s) (the
 * walk's node count of doubles: n_users + n_items, or n_items). */
gr_status gr_walk_adj_build(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                            double *out_weight, char *msg);

#endif
