/* The normalized adjacency Â = D^-1/2 A D^-1/2 of the user-item graph, and
 * Y = Â·X for dense row-major X (n x d, float32).
 *
 * A = [[w·S, R], [Rᵀ, 0]] over n = n_users + n_items nodes (users first), S an
 * optional user-user block (social edges) with weight w.  D^-1/2 is 0 for a
 * node of degree 0.  Built once per graph, both as a GraphBLAS matrix and as
 * plain CSR arrays for our own OpenMP kernel; the two kernels are tested to
 * agree, and the faster one is the default. */
#ifndef GR_ADJACENCY_H
#define GR_ADJACENCY_H

#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"

typedef enum {
    GR_SPMM_CSR,       /* our OpenMP loop over the CSR arrays */
    GR_SPMM_GRAPHBLAS  /* GrB_mxm, plus-times, accumulated into a zeroed full Y */
} gr_spmm_kernel;

typedef struct gr_norm_adj gr_norm_adj;

/* social: NULL, or a users x users CSR (e.g. trust edges), added with weight
 * social_weight before normalizing.  S must be symmetric with sorted rows
 * (build it as a GR_GRAPH_UNDIRECTED graph), else GR_ERR_ARG: Â's symmetry is
 * what lets the backward pass reuse the forward SpMM.  social_weight 0 ignores
 * S; a negative or non-finite weight is GR_ERR_ARG.  R is used as a 0/1
 * pattern (interaction weights are not applied). */
gr_status gr_norm_adj_build(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                            char *msg);
void gr_norm_adj_free(gr_norm_adj *a);
uint32_t gr_norm_adj_nodes(const gr_norm_adj *a);
uint64_t gr_norm_adj_nnz(const gr_norm_adj *a);

/* Read-only view of Â's CSR arrays (rows sorted, no duplicates), valid until
 * gr_norm_adj_free: for tests and for modules that walk Â themselves. */
typedef struct {
    uint32_t n;           /* rows = columns = n_users + n_items */
    uint64_t nnz;
    const uint64_t *ptr;  /* n + 1 offsets */
    const uint32_t *idx;  /* column of each entry */
    const float *val;     /* Â's value of each entry */
} gr_norm_adj_csr;

gr_norm_adj_csr gr_norm_adj_view(const gr_norm_adj *a);

/* Y = Â·X; X and Y are distinct n x d row-major arrays owned by the caller
 * (gnn/).  No copy of X or Y is made: GR_SPMM_GRAPHBLAS lends X and Y to
 * GraphBLAS for the call and takes them back unchanged in place (X's values
 * untouched).  GR_SPMM_CSR runs on omp_get_max_threads() threads,
 * GR_SPMM_GRAPHBLAS on GxB_NTHREADS (sparse/grb.h) and refuses to run inside
 * an OpenMP parallel region (GR_ERR_ARG). */
gr_status gr_spmm(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, gr_spmm_kernel k, char *msg);

/* Y = Â·X + beta·Z (Z may be NULL), then OUT += alpha·Y when OUT is not
 * NULL, in one pass over the rows: LightGCN's layer sum (OUT += αₖ Eᵏ) and
 * Horner step (G ← Â G + αₖ dE) would otherwise each re-read n x d arrays.
 * Same arithmetic as the separate passes, so the result is bit-identical.
 * Z and OUT must not overlap X or Y. */
gr_status gr_spmm_fused(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const float *Z, float beta,
                        float *OUT, float alpha, gr_spmm_kernel k, char *msg);

#endif
