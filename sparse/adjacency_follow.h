/* The normalized adjacency of a follower graph's unipartite view.
 *
 * A follower graph (graph = directed) holds R = "u follows v" over one id
 * space of n accounts (n_users == n_items).  The bipartite view propagates
 * over [[0, R], [Rᵀ, 0]] like any user-item graph (sparse/adjacency.h); the
 * unipartite view gives each account one node and propagates over the
 * symmetrized follow graph instead:
 *
 *   A_uv = A_vu = 1                   when exactly one of u, v follows the other
 *                 reciprocal_weight   when both follow each other
 *                 0                   otherwise, and on the diagonal
 *   Â = D^-1/2 A D^-1/2,  D = diag(row sums of A)  (D^-1/2 = 0 at degree 0)
 *
 * so a mutual follow can count for more than a one-way one.  An undirected
 * graph (every edge stored both ways) is all mutual: there the weight scales
 * every entry alike and cancels in the normalization.  The result is the
 * usual gr_norm_adj over n nodes, so both SpMM kernels, LightGCN's passes and
 * everything else that takes one work on it unchanged. */
#ifndef GR_ADJACENCY_FOLLOW_H
#define GR_ADJACENCY_FOLLOW_H

#include "core/error.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"

/* deg[v] (n doubles, written) = row sum of A above for every account v.
 * GR_ERR_ARG for a bipartite graph, a non-square one, a non-positive or
 * non-finite weight, or an Rt that is not R's transpose. */
gr_status gr_follow_degrees(const gr_graph *g, double reciprocal_weight, double *deg, char *msg);

/* *out = Â over the n accounts of g; same errors as gr_follow_degrees. */
gr_status gr_norm_adj_build_follow(gr_norm_adj **out, const gr_graph *g, double reciprocal_weight, char *msg);

#endif
