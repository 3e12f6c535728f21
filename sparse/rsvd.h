/* Randomized truncated SVD (Halko, Martinsson & Tropp 2011, "Finding
 * structure with randomness", Algorithms 4.4 and 5.1): the top right singular
 * vectors and values of a matrix that is only available through products
 * with dense blocks (a sparse matrix, a normalized adjacency's block, ...).
 *
 * With l = rank + oversample columns, a Gaussian test block Omega (n x l):
 *     Z = A Omega, orthonormalized                        (m x l)
 *     power_iters times: Z = A (Aᵀ Z), orthonormalized
 *     Q = Aᵀ Z, i.e. Bᵀ for B = Zᵀ A (A projected on Z)     (n x l)
 *     QᵀQ = B Bᵀ = W Λ Wᵀ                                 (l x l, in double)
 *     V = Q W Λ^-1/2 (the top `rank` columns), sigma = Λ^1/2
 * Each power iteration multiplies the gap between kept and dropped singular
 * values by (sigma_{l+1} / sigma_j)^2, so a few of them make the leading
 * `rank` vectors accurate to float precision on a decaying spectrum.
 * Orthonormalization is a Householder QR (LAPACK sgeqrf + sorgqr): stable
 * even when Z is rank-deficient, unlike Cholesky QR.  Only the m-side block is
 * orthonormalized (once per iteration, after the pair of products): that is
 * enough in float as long as sigma_1 / sigma_l stays below ~1e3. */
#ifndef GR_RSVD_H
#define GR_RSVD_H

#include <stdint.h>

#include "core/error.h"

/* A (n_rows x n_cols) as two products with row-major dense blocks of l
 * columns; Y is overwritten.  They may use OpenMP, BLAS or GraphBLAS inside
 * (gr_rsvd calls them from the main thread). */
typedef struct {
    uint32_t n_rows, n_cols;
    void *ctx;
    gr_status (*apply)(void *ctx, const float *X, float *Y, uint32_t l, char *msg);   /* Y = A X (X: n_cols x l) */
    gr_status (*apply_t)(void *ctx, const float *X, float *Y, uint32_t l, char *msg); /* Y = Aᵀ X (X: n_rows x l) */
} gr_linop;

typedef struct {
    uint32_t rank;        /* singular vectors wanted, 1..min(n_rows, n_cols) */
    uint32_t oversample;  /* extra columns (l = rank + oversample, capped at min(n_rows, n_cols)) */
    uint32_t power_iters; /* subspace iterations */
    uint64_t seed;        /* of the Gaussian test block: one stream per row */
} gr_rsvd_opts;

/* Where the time went, for reports and benchmarks. */
typedef struct {
    uint32_t columns;      /* l */
    uint32_t products;     /* calls of apply and apply_t */
    double product_seconds, orth_seconds, seconds;
} gr_rsvd_report;

/* V: n_cols x rank, row-major: the top right singular vectors (orthonormal
 * columns, any sign); sigma (may be NULL): rank values, descending.  A value
 * below sigma_1 * 1e-6 (A has lower rank than asked) gets a zero column in
 * V.  report may be NULL.  The result repeats exactly for a seed and thread
 * count (BLAS may round differently with another thread count). */
gr_status gr_rsvd(const gr_linop *A, const gr_rsvd_opts *o, float *V, float *sigma, gr_rsvd_report *report,
                  char *msg);

#endif
