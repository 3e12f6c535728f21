/* The normalized adjacency Â of the user-item graph, and Y = Â·X for dense
 * row-major X (n x d, float32).
 *
 * Nodes: n = n_users + n_items, users first.  R is users x items (0/1), S an
 * optional symmetric users x users block (social edges) with weight w >= 0.
 * Two normalizations of the social block (gr_adj_social_norm):
 *
 *   joint     A = [[w·S, R], [Rᵀ, 0]],  Â = D^-1/2 A D^-1/2, D = rowsums(A):
 *             a user's degree is w·|S_u| + |R_u|, an item's |Rᵀ_i|.  Friends
 *             take a share of a user's normalization, so its item entries
 *             shrink as it gains friends.  Without S this is LightGCN's Â.
 *   separate  Â = [[w·D_S^-1/2 S D_S^-1/2,  D_R^-1/2 R D_I^-1/2],
 *                  [its transpose,          0                ]]
 *             with D_S the users' social degrees, D_R their item degrees and
 *             D_I the items' user degrees: each block normalized on its own,
 *             the social block then scaled by w; the item block is LightGCN's
 *             whatever the friends.
 *
 * D^-1/2 is 0 for a degree of 0 (ids that never occur; a user without friends
 * in S's block under separate).  Both are symmetric, bit for bit, since S is
 * and each entry is w·d_r·d_c or d_r·d_c computed in that order from the same
 * two factors: the backward pass relies on it.  Joint keeps Â's eigenvalues in
 * [-1, 1]; separate does not: ρ(Â) <= (w + sqrt(w² + 4)) / 2 (1.62 at w = 1),
 * reached when a user's friends and items agree (say, a regular graph), so
 * deeper layers may grow rather than stay bounded.
 *
 * Built once per graph, both as a GraphBLAS matrix and as plain CSR arrays
 * for our own OpenMP kernel; the two kernels are tested to agree, and the
 * faster one is the default. */
#ifndef GR_ADJACENCY_H
#define GR_ADJACENCY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"

typedef enum {
    GR_SPMM_CSR,       /* our OpenMP loop over the CSR arrays */
    GR_SPMM_GRAPHBLAS  /* GrB_mxm, plus-times, accumulated into a zeroed full Y */
} gr_spmm_kernel;

typedef struct gr_norm_adj gr_norm_adj;

/* How the social block S is normalized; see the top of this file. */
typedef enum { GR_ADJ_SOCIAL_JOINT, GR_ADJ_SOCIAL_SEPARATE } gr_adj_social_norm;

/* social: NULL, or a users x users CSR (e.g. trust edges) with weight
 * social_weight, normalized as `norm` says.  S must be symmetric with sorted
 * rows (build it as a GR_GRAPH_UNDIRECTED graph, e.g. graph/social.h), else
 * GR_ERR_ARG: Â's symmetry is what lets the backward pass reuse the forward
 * SpMM.  social_weight 0 ignores S (Â is then exactly the one without it, for
 * either norm); a negative or non-finite weight is GR_ERR_ARG.  R and S are
 * used as 0/1 patterns (interaction weights are not applied). */
gr_status gr_norm_adj_build_social(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                                   gr_adj_social_norm norm, char *msg);
/* The same with the joint normalization. */
gr_status gr_norm_adj_build(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                            char *msg);
void gr_norm_adj_free(gr_norm_adj *a);
/* The bytes a build holds at its peak for n nodes and nnz entries: the CSR
 * copy (ptr, idx, val) and the degrees it normalizes with.  The GraphBLAS
 * copy (gr_norm_adj_ensure_grb) is not counted: training uses the CSR kernel. */
size_t gr_norm_adj_bytes(uint32_t n, uint64_t nnz);
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
 * Z and OUT must not overlap X or Y.  gr_spmm_opts below does more. */
gr_status gr_spmm_fused(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const float *Z, float beta,
                        float *OUT, float alpha, gr_spmm_kernel k, char *msg);

/* A set of rows of an n-row array, held both ways a kernel needs it: a list
 * to walk (ascending, no repeats) and a byte per row to test membership. */
typedef struct {
    const uint32_t *list; /* n_list row ids, ascending, distinct, < n */
    uint32_t n_list;
    const uint8_t *mask;  /* n bytes: mask[r] != 0 exactly for the listed rows */
} gr_row_set;

/* Receives finished row r of Y (d floats of scratch memory, valid during the
 * call only) in place of storing it.  Called once per computed row, from the
 * SpMM's threads, concurrently for different rows; it may write row r of Z
 * and of OUT (both are done with row r by then), nothing else the SpMM reads. */
typedef void (*gr_spmm_row_fn)(void *ctx, uint32_t r, const float *y);

/* What gr_spmm_ex does around Y = Â·X, per output row r (y is Y's row):
 *   y += beta·Z[r]                               when Z is set
 *   OUT[r] += alpha·y                            when OUT is set, or with
 *   OUT[r] = alpha0·OUT_INIT[r] + alpha·y        OUT_INIT set (which may be
 *                                                X or OUT itself)
 *   row_fn(ctx, r, y), or store y into Y[r]      (Y NULL and no row_fn: y
 *                                                is only used by OUT)
 * Each line is multiply-then-add per element, the arithmetic of separate
 * passes, so the results are bit-identical to them.  The rest only skips
 * work that cannot change a bit:
 *   rows:     only these rows are computed; Y's, OUT's other rows are
 *             untouched.  NULL: every row.
 *   x_live:   X's row c is +-0 unless x_live[c]: dead rows are not gathered
 *             (their entries read zeros from L1 instead, or are skipped; y
 *             starts at +0 and a sum that starts at +0 is never -0, so
 *             adding v·(+-0) to it changes nothing).
 *   z_live:   Z's row r is +-0 unless z_live[r]: the Z term is skipped there
 *             (same reason).
 *   out_mask: the OUT line only on rows with out_mask[r] (other OUT rows are
 *             left as they are).
 * Halves (IEEE binary16 in uint16_t, sparse/half.h), to halve the bytes the
 * product gathers (one X row per entry of Â):
 *   X16:      X as n x d halves; the X argument must then be NULL.  Each
 *             half is converted to float exactly and the sums are the float
 *             kernel's, so Y is bit-identical to gr_spmm_ex on the floats
 *             X16 holds.
 *   Y16:      y rounded to half (nearest even) is stored into Y16's row r,
 *             besides Y (and row_fn) or instead of it (Y NULL): the next
 *             layer's X16.  Z and OUT are applied in floats before, OUT from
 *             the float y.  Needs X16.
 * Both need GR_SPMM_CSR (GraphBLAS has no half type: GR_ERR_ARG), and X16
 * does not combine with x_live (GR_ERR_ARG); rows and out_mask work as
 * above. */
typedef struct {
    const float *Z;
    float beta;
    float *OUT;
    float alpha;
    const float *OUT_INIT;
    float alpha0;
    const gr_row_set *rows;
    const uint8_t *x_live, *z_live, *out_mask;
    gr_spmm_row_fn row_fn;
    void *row_ctx;
    const uint16_t *X16;
    uint16_t *Y16;
} gr_spmm_opts;

/* Y = Â·X with the options above (opts NULL: none, i.e. gr_spmm).  Y may be
 * NULL when nothing is to be stored.  GR_SPMM_GRAPHBLAS computes the whole
 * product with GrB_mxm (into a temporary when Y is not to be written in
 * full) and applies the rest row by row afterwards: correct, not faster. */
gr_status gr_spmm_ex(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const gr_spmm_opts *opts,
                     gr_spmm_kernel k, char *msg);

/* dst[i] = src[i] rounded to half (nearest even, as sparse/half.h's
 * gr_half_from_float, bit for bit), on omp_get_max_threads() threads: an
 * X16 from floats. */
void gr_half_from_float_array(uint16_t *dst, const float *src, size_t n);

/* Which instructions convert halves in the CSR kernel and the array
 * conversion: the best the CPU has (AVX-512F, else F16C, else portable
 * code), or at most the one given; every choice gives the same bits.  For
 * tests and benchmarks: sets a process-wide cap (not thread-safe) and
 * returns the choice now in effect. */
typedef enum { GR_HALF_ISA_BEST, GR_HALF_ISA_SCALAR, GR_HALF_ISA_F16C, GR_HALF_ISA_AVX512 } gr_half_isa;
gr_half_isa gr_spmm_half_isa(gr_half_isa cap);

#endif
