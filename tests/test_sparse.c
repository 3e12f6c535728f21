/* Normalized adjacency and SpMM: Â on tiny graphs checked value by value
 * (with and without a social block, normalized jointly or separately), the
 * spectral radius each normalization gives, symmetry, both kernels against a dense
 * double-precision reference built independently from the pairs, the fused
 * epilogues and gr_spmm_ex's options against the separate passes (bit for
 * bit), and errors (bad arguments, GraphBLAS failures) returned rather than
 * aborting. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"
#include "sparse/grb.h"
#include "tests/support.h"

static void check_row(const gr_norm_adj_csr *v, uint32_t r, uint32_t n, const uint32_t *cols, const double *vals)
{
    assert_int_equal(v->ptr[r + 1] - v->ptr[r], n);
    for (uint32_t e = 0; e < n; e++) {
        assert_int_equal(v->idx[v->ptr[r] + e], cols[e]);
        assert_float_equal(v->val[v->ptr[r] + e], vals[e], 1e-6);
    }
}

/* Every entry has its mirror with the bit-identical value. */
static void check_symmetric(const gr_norm_adj_csr *v)
{
    for (uint32_t r = 0; r < v->n; r++)
        for (uint64_t k = v->ptr[r]; k < v->ptr[r + 1]; k++) {
            uint32_t c = v->idx[k];
            int found = 0;
            for (uint64_t q = v->ptr[c]; q < v->ptr[c + 1]; q++)
                if (v->idx[q] == r) {
                    assert_true(v->val[q] == v->val[k]);
                    found = 1;
                }
            assert_true(found);
        }
}

/* ---- hand-computed ------------------------------------------------------ */

/* Users u0, u1; items i0, i1, i2 (nodes 2, 3, 4).  Edges u0-i0, u0-i1, u1-i1;
 * i2 has degree 0.  Degrees: u0 2, u1 1, i0 1, i1 2, i2 0. */
static const uint32_t tiny_u[] = {0, 0, 1}, tiny_i[] = {0, 1, 1};

static void test_tiny(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = NULL;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(&g, 2, 3, tiny_u, tiny_i, 3, msg), GR_OK);
    assert_int_equal(gr_norm_adj_build(&a, &g, NULL, 0.0f, msg), GR_OK);
    assert_int_equal(gr_norm_adj_nodes(a), 5);
    assert_int_equal(gr_norm_adj_nnz(a), 6);
    gr_norm_adj_csr v = gr_norm_adj_view(a);
    const double h = 0.5, s = 1.0 / sqrt(2.0);
    check_row(&v, 0, 2, (const uint32_t[]){2, 3}, (const double[]){s, h});
    check_row(&v, 1, 1, (const uint32_t[]){3}, (const double[]){s});
    check_row(&v, 2, 1, (const uint32_t[]){0}, (const double[]){s});
    check_row(&v, 3, 2, (const uint32_t[]){0, 1}, (const double[]){h, s});
    check_row(&v, 4, 0, NULL, NULL); /* degree 0: D^-1/2 = 0, an empty row */
    check_symmetric(&v);

    /* Both kernels on X = I give Â itself, densely (and zeros for i2). */
    float X[25] = {0}, Y[25];
    for (int i = 0; i < 5; i++) X[i * 5 + i] = 1.0f;
    for (int k = 0; k < 2; k++) {
        memset(Y, 0x7f, sizeof Y); /* garbage: the kernel must overwrite */
        assert_int_equal(gr_spmm(a, X, Y, 5, k == 0 ? GR_SPMM_CSR : GR_SPMM_GRAPHBLAS, msg), GR_OK);
        assert_float_equal(Y[0 * 5 + 2], s, 1e-6);
        assert_float_equal(Y[0 * 5 + 3], h, 1e-6);
        assert_float_equal(Y[0 * 5 + 0], 0.0, 0.0);
        assert_float_equal(Y[3 * 5 + 1], s, 1e-6);
        for (int j = 0; j < 5; j++) assert_float_equal(Y[4 * 5 + j], 0.0, 0.0);
    }
    gr_norm_adj_free(a);
    gr_graph_free(&g);
}

/* The same graph plus a social edge u0-u1 with weight 0.5: degrees u0 2.5,
 * u1 1.5; the S entries come first in the user rows. */
static void test_tiny_social(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = NULL;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(&g, 2, 3, tiny_u, tiny_i, 3, msg), GR_OK);
    uint64_t sp[] = {0, 1, 2};
    uint32_t si[] = {1, 0};
    gr_csr S = {2, 2, 2, sp, si};
    assert_int_equal(gr_norm_adj_build(&a, &g, &S, 0.5f, msg), GR_OK);
    assert_int_equal(gr_norm_adj_nnz(a), 8);
    gr_norm_adj_csr v = gr_norm_adj_view(a);
    check_row(&v, 0, 3, (const uint32_t[]){1, 2, 3},
              (const double[]){0.5 / sqrt(2.5 * 1.5), 1 / sqrt(2.5), 1 / sqrt(2.5 * 2)});
    check_row(&v, 1, 2, (const uint32_t[]){0, 3}, (const double[]){0.5 / sqrt(1.5 * 2.5), 1 / sqrt(1.5 * 2)});
    check_row(&v, 2, 1, (const uint32_t[]){0}, (const double[]){1 / sqrt(2.5)});
    check_row(&v, 3, 2, (const uint32_t[]){0, 1}, (const double[]){1 / sqrt(2 * 2.5), 1 / sqrt(2 * 1.5)});
    check_row(&v, 4, 0, NULL, NULL);
    check_symmetric(&v);
    gr_norm_adj_free(a);

    /* Weight 0 ignores S entirely. */
    assert_int_equal(gr_norm_adj_build(&a, &g, &S, 0.0f, msg), GR_OK);
    assert_int_equal(gr_norm_adj_nnz(a), 6);
    gr_norm_adj_free(a);

    /* Rejected: directed S, bad weights, wrong shape, unsorted rows. */
    uint32_t si_dir[] = {1, 1};
    gr_csr Sd = {2, 2, 2, sp, si_dir};
    a = (gr_norm_adj *)&g; /* must come back NULL */
    assert_int_equal(gr_norm_adj_build(&a, &g, &Sd, 0.5f, msg), GR_ERR_ARG);
    assert_null(a);
    assert_non_null(strstr(msg, "not symmetric"));
    assert_int_equal(gr_norm_adj_build(&a, &g, &S, -1.0f, msg), GR_ERR_ARG);
    assert_int_equal(gr_norm_adj_build(&a, &g, &S, NAN, msg), GR_ERR_ARG);
    uint64_t sp3[] = {0, 1, 2, 2};
    gr_csr S3 = {3, 3, 2, sp3, si};
    assert_int_equal(gr_norm_adj_build(&a, &g, &S3, 1.0f, msg), GR_ERR_ARG);
    uint64_t sp1[] = {0, 2, 2};
    uint32_t si_uns[] = {1, 0};
    gr_csr Su = {2, 2, 2, sp1, si_uns};
    assert_int_equal(gr_norm_adj_build(&a, &g, &Su, 1.0f, msg), GR_ERR_ARG);
    gr_graph_free(&g);
}

/* Three users, the third without interactions; social edges u0-u1, u0-u2
 * with weight 0.5.  Users u0 u1 u2 are nodes 0 1 2, items i0 i1 i2 nodes
 * 3 4 5; R: u0-i0, u0-i1, u1-i1 (i2 has degree 0).  Social degrees u0 2,
 * u1 1, u2 1; item degrees of the users u0 2, u1 1, u2 0; user degrees of
 * the items i0 1, i1 2, i2 0. */
static const uint32_t tri_u[] = {0, 0, 1}, tri_i[] = {0, 1, 1};
static uint64_t tri_sp[] = {0, 2, 3, 4};
static uint32_t tri_si[] = {1, 2, 0, 0};

/* joint: one degree per node over [[w S, R], [Rᵀ, 0]]: u0 0.5·2 + 2 = 3,
 * u1 0.5·1 + 1 = 1.5, u2 0.5·1 + 0 = 0.5, i0 1, i1 2; every entry a_rc /
 * sqrt(deg_r deg_c). */
static void test_tiny_social_joint(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = NULL;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(&g, 3, 3, tri_u, tri_i, 3, msg), GR_OK);
    gr_csr S = {3, 3, 4, tri_sp, tri_si};
    assert_int_equal(gr_norm_adj_build_social(&a, &g, &S, 0.5f, GR_ADJ_SOCIAL_JOINT, msg), GR_OK);
    assert_int_equal(gr_norm_adj_nnz(a), 10);
    gr_norm_adj_csr v = gr_norm_adj_view(a);
    check_row(&v, 0, 4, (const uint32_t[]){1, 2, 3, 4},
              (const double[]){0.5 / sqrt(3 * 1.5), 0.5 / sqrt(3 * 0.5), 1 / sqrt(3.0), 1 / sqrt(6.0)});
    check_row(&v, 1, 2, (const uint32_t[]){0, 4}, (const double[]){0.5 / sqrt(1.5 * 3), 1 / sqrt(1.5 * 2)});
    check_row(&v, 2, 1, (const uint32_t[]){0}, (const double[]){0.5 / sqrt(0.5 * 3)});
    check_row(&v, 3, 1, (const uint32_t[]){0}, (const double[]){1 / sqrt(3.0)});
    check_row(&v, 4, 2, (const uint32_t[]){0, 1}, (const double[]){1 / sqrt(6.0), 1 / sqrt(3.0)});
    check_row(&v, 5, 0, NULL, NULL);
    check_symmetric(&v);
    /* gr_norm_adj_build is the joint one */
    gr_norm_adj *b = NULL;
    assert_int_equal(gr_norm_adj_build(&b, &g, &S, 0.5f, msg), GR_OK);
    gr_norm_adj_csr v2 = gr_norm_adj_view(b);
    assert_int_equal(v2.nnz, v.nnz);
    assert_memory_equal(v2.val, v.val, v.nnz * sizeof *v.val);
    gr_norm_adj_free(b);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
}

/* separate: [[w D_S^-1/2 S D_S^-1/2, D_R^-1/2 R D_I^-1/2], [transpose, 0]].
 * The item block is LightGCN's without friends (u0's items 1/sqrt(2·1) and
 * 1/sqrt(2·2)), the social block 0.5 / sqrt(ds_r ds_c), and u2, with friends
 * but no items, has a social entry only. */
static void test_tiny_social_separate(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = NULL, *plain = NULL;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(&g, 3, 3, tri_u, tri_i, 3, msg), GR_OK);
    gr_csr S = {3, 3, 4, tri_sp, tri_si};
    assert_int_equal(gr_norm_adj_build_social(&a, &g, &S, 0.5f, GR_ADJ_SOCIAL_SEPARATE, msg), GR_OK);
    assert_int_equal(gr_norm_adj_nnz(a), 10);
    gr_norm_adj_csr v = gr_norm_adj_view(a);
    const double r2 = 1 / sqrt(2.0);
    check_row(&v, 0, 4, (const uint32_t[]){1, 2, 3, 4}, (const double[]){0.5 * r2, 0.5 * r2, r2, 0.5});
    check_row(&v, 1, 2, (const uint32_t[]){0, 4}, (const double[]){0.5 * r2, r2});
    check_row(&v, 2, 1, (const uint32_t[]){0}, (const double[]){0.5 * r2});
    check_row(&v, 3, 1, (const uint32_t[]){0}, (const double[]){r2});
    check_row(&v, 4, 2, (const uint32_t[]){0, 1}, (const double[]){0.5, r2});
    check_row(&v, 5, 0, NULL, NULL);
    check_symmetric(&v);

    /* The item entries are bit for bit those of Â without S. */
    assert_int_equal(gr_norm_adj_build(&plain, &g, NULL, 0.0f, msg), GR_OK);
    gr_norm_adj_csr p = gr_norm_adj_view(plain);
    for (uint32_t r = 3; r < 6; r++) {
        assert_int_equal(v.ptr[r + 1] - v.ptr[r], p.ptr[r + 1] - p.ptr[r]);
        assert_memory_equal(v.val + v.ptr[r], p.val + p.ptr[r], (p.ptr[r + 1] - p.ptr[r]) * sizeof *v.val);
    }
    gr_norm_adj_free(a);

    /* Weight 0: Â without S, entry for entry, for either norm. */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(gr_norm_adj_build_social(&a, &g, &S, 0.0f, k ? GR_ADJ_SOCIAL_SEPARATE : GR_ADJ_SOCIAL_JOINT,
                                                  msg), GR_OK);
        gr_norm_adj_csr z = gr_norm_adj_view(a);
        assert_int_equal(z.nnz, p.nnz);
        assert_memory_equal(z.ptr, p.ptr, (p.n + 1) * sizeof *p.ptr);
        assert_memory_equal(z.idx, p.idx, p.nnz * sizeof *p.idx);
        assert_memory_equal(z.val, p.val, p.nnz * sizeof *p.val);
        gr_norm_adj_free(a);
    }
    a = (gr_norm_adj *)&g; /* must come back NULL */
    assert_int_equal(gr_norm_adj_build_social(&a, &g, &S, 1.0f, (gr_adj_social_norm)9, msg), GR_ERR_ARG);
    assert_null(a);
    gr_norm_adj_free(plain);
    gr_graph_free(&g);
}

/* Largest eigenvalue by power iteration on X = 1 (positive matrices: it
 * converges to the Perron vector). */
static double top_eigenvalue(const gr_norm_adj *a, uint32_t n)
{
    char msg[GR_MSG_LEN];
    float X[8], Y[8];
    assert_true(n <= 8);
    for (uint32_t r = 0; r < n; r++) X[r] = 1.0f;
    double lambda = 0;
    for (int it = 0; it < 200; it++) {
        assert_int_equal(gr_spmm(a, X, Y, 1, GR_SPMM_CSR, msg), GR_OK);
        double xy = 0, xx = 0, yy = 0;
        for (uint32_t r = 0; r < n; r++) xy += (double)X[r] * Y[r], xx += (double)X[r] * X[r], yy += (double)Y[r] * Y[r];
        lambda = xy / xx;
        for (uint32_t r = 0; r < n; r++) X[r] = (float)(Y[r] / sqrt(yy));
    }
    return lambda;
}

/* What adjacency.h says of the spectra: on two friends who both have both
 * items, joint keeps the top eigenvalue at 1, separate with w = 1 reaches
 * the bound (w + sqrt(w² + 4)) / 2, the golden ratio. */
static void test_social_spectral_radius(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = NULL;
    char msg[GR_MSG_LEN];
    const uint32_t u[] = {0, 0, 1, 1}, i[] = {0, 1, 0, 1};
    assert_int_equal(gr_graph_from_pairs(&g, 2, 2, u, i, 4, msg), GR_OK);
    uint64_t sp[] = {0, 1, 2};
    uint32_t si[] = {1, 0};
    gr_csr S = {2, 2, 2, sp, si};
    assert_int_equal(gr_norm_adj_build_social(&a, &g, &S, 1.0f, GR_ADJ_SOCIAL_JOINT, msg), GR_OK);
    assert_float_equal(top_eigenvalue(a, 4), 1.0, 1e-5);
    gr_norm_adj_free(a);
    assert_int_equal(gr_norm_adj_build_social(&a, &g, &S, 1.0f, GR_ADJ_SOCIAL_SEPARATE, msg), GR_OK);
    assert_float_equal(top_eigenvalue(a, 4), (1 + sqrt(5.0)) / 2, 1e-5);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
}

/* ---- random graphs against a dense reference ---------------------------- */

/* Dense Â in double from the pairs alone (duplicates collapse to 1).
 * separate: the social block (users x users, weight w) gets degrees of its
 * own, counted in S's entries, and the rest the degrees of [[0, R], [Rᵀ, 0]]. */
static double *dense_norm_adj(uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i, size_t ne,
                              const uint32_t *su, const uint32_t *sv, size_t ns, double w, int separate)
{
    size_t n = (size_t)nu + ni;
    double *A = calloc(n * n, sizeof *A), *deg = calloc(n, sizeof *deg), *sdeg = calloc(n, sizeof *sdeg);
    assert_non_null(A);
    assert_non_null(deg);
    assert_non_null(sdeg);
    for (size_t e = 0; e < ne; e++) A[u[e] * n + nu + i[e]] = A[(nu + i[e]) * n + u[e]] = 1.0;
    for (size_t e = 0; e < ns; e++) A[su[e] * n + sv[e]] = A[sv[e] * n + su[e]] = w;
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) {
            const int social = r < nu && c < nu;
            if (separate && social) sdeg[r] += A[r * n + c] != 0;
            else deg[r] += A[r * n + c];
        }
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) {
            const double *d = separate && r < nu && c < nu ? sdeg : deg;
            if (A[r * n + c] != 0) A[r * n + c] /= sqrt(d[r] * d[c]);
        }
    free(deg);
    free(sdeg);
    return A;
}

static void check_spmm(const gr_norm_adj *a, const double *A, uint32_t n, uint32_t d, gr_rng *rng)
{
    char msg[GR_MSG_LEN];
    /* X and Y inside one larger buffer, as gnn/ holds its layers: GraphBLAS
     * must borrow them in place and never free or move them. */
    size_t len = (size_t)n * d;
    float *buf = malloc((2 * len + 3) * sizeof *buf);
    assert_non_null(buf);
    float *X = buf + 1, *Y = buf + len + 2, *X0 = malloc(len * sizeof *X0);
    double *ref = calloc(len, sizeof *ref);
    assert_non_null(X0);
    assert_non_null(ref);
    for (size_t k = 0; k < len; k++) X[k] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
    memcpy(X0, X, len * sizeof *X);
    for (uint32_t r = 0; r < n; r++)
        for (uint32_t c = 0; c < n; c++)
            if (A[(size_t)r * n + c] != 0)
                for (uint32_t j = 0; j < d; j++) ref[(size_t)r * d + j] += A[(size_t)r * n + c] * X[(size_t)c * d + j];
    for (int k = 0; k < 2; k++) {
        for (size_t q = 0; q < len; q++) Y[q] = NAN;
        gr_status s = gr_spmm(a, X, Y, d, k == 0 ? GR_SPMM_CSR : GR_SPMM_GRAPHBLAS, msg);
        if (s != GR_OK) fail_msg("%s", msg);
        for (size_t q = 0; q < len; q++)
            if (!(fabs(Y[q] - ref[q]) <= 1e-5 * (1.0 + fabs(ref[q]))))
                fail_msg("kernel %d, d %u, Y[%zu] = %g, want %g", k, d, q, Y[q], ref[q]);
        assert_memory_equal(X, X0, len * sizeof *X);
    }
    /* The CSR kernel sums each row in entry order on one thread: Y is bitwise
     * the same for any thread count (and register-blocked or not). */
    float *Y1 = malloc(len * sizeof *Y1);
    assert_non_null(Y1);
    const int threads0 = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(gr_spmm(a, X, Y1, d, GR_SPMM_CSR, msg), GR_OK);
    for (int t = 2; t <= 3; t++) {
        omp_set_num_threads(t);
        for (size_t q = 0; q < len; q++) Y[q] = NAN;
        assert_int_equal(gr_spmm(a, X, Y, d, GR_SPMM_CSR, msg), GR_OK);
        assert_memory_equal(Y, Y1, len * sizeof *Y);
    }
    omp_set_num_threads(threads0);
    free(Y1);
    free(buf);
    free(X0);
    free(ref);
}

/* Column j of Y depends on column j of X only, so Y for d (a multiple of 16,
 * register-blocked) must equal the first d columns of Y for d + 1 (the
 * generic loop) with X padded by a column: bit for bit, same order of sums. */
static void check_paths_agree(const gr_norm_adj *a, uint32_t n, uint32_t d, gr_rng *rng)
{
    char msg[GR_MSG_LEN];
    const uint32_t d1 = d + 1;
    float *X = malloc((size_t)n * d * sizeof *X), *Y = malloc((size_t)n * d * sizeof *Y);
    float *X1 = malloc((size_t)n * d1 * sizeof *X1), *Y1 = malloc((size_t)n * d1 * sizeof *Y1);
    assert_true(X && Y && X1 && Y1);
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t j = 0; j < d; j++)
            X[(size_t)r * d + j] = X1[(size_t)r * d1 + j] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
        X1[(size_t)r * d1 + d] = 1.0f;
    }
    assert_int_equal(gr_spmm(a, X, Y, d, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_spmm(a, X1, Y1, d1, GR_SPMM_CSR, msg), GR_OK);
    for (uint32_t r = 0; r < n; r++) assert_memory_equal(Y + (size_t)r * d, Y1 + (size_t)r * d1, d * sizeof *Y);
    free(X);
    free(Y);
    free(X1);
    free(Y1);
}

/* gr_spmm_fused equals gr_spmm followed by the two separate passes, bit for
 * bit, with both kernels. */
static void check_fused(const gr_norm_adj *a, uint32_t n, uint32_t d, gr_rng *rng)
{
    char msg[GR_MSG_LEN];
    const size_t len = (size_t)n * d;
    float *X = malloc(len * sizeof *X), *Z = malloc(len * sizeof *Z), *Y = malloc(len * sizeof *Y);
    float *O1 = malloc(len * sizeof *O1), *O2 = malloc(len * sizeof *O2), *Yf = malloc(len * sizeof *Yf);
    assert_true(X && Z && Y && O1 && O2 && Yf);
    for (size_t c = 0; c < len; c++) {
        X[c] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
        Z[c] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
        O1[c] = O2[c] = (float)gr_rng_uniform(rng);
    }
    const float beta = 0.25f, alpha = 0.3f;
    const gr_spmm_kernel kernels[] = {GR_SPMM_CSR, GR_SPMM_GRAPHBLAS};
    for (int kk = 0; kk < 2; kk++) {
        memcpy(O2, O1, len * sizeof *O1);
        float *O = malloc(len * sizeof *O);
        assert_non_null(O);
        memcpy(O, O1, len * sizeof *O1);
        assert_int_equal(gr_spmm(a, X, Y, d, kernels[kk], msg), GR_OK);
        for (size_t c = 0; c < len; c++) Y[c] += beta * Z[c];
        for (size_t c = 0; c < len; c++) O[c] += alpha * Y[c];
        assert_int_equal(gr_spmm_fused(a, X, Yf, d, Z, beta, O2, alpha, kernels[kk], msg), GR_OK);
        assert_memory_equal(Y, Yf, len * sizeof *Y);
        assert_memory_equal(O, O2, len * sizeof *O);
        /* no Z, no OUT: plain Y = ÂX */
        assert_int_equal(gr_spmm_fused(a, X, Yf, d, NULL, 0.0f, NULL, 0.0f, kernels[kk], msg), GR_OK);
        assert_int_equal(gr_spmm(a, X, Y, d, kernels[kk], msg), GR_OK);
        assert_memory_equal(Y, Yf, len * sizeof *Y);
        free(O);
    }
    /* OUT may not alias Y */
    assert_int_equal(gr_spmm_fused(a, X, Y, d, Z, beta, Y, alpha, GR_SPMM_CSR, msg), GR_ERR_ARG);
    free(X);
    free(Z);
    free(Y);
    free(O1);
    free(O2);
    free(Yf);
}

/* ---- gr_spmm_ex options against the separate passes, bit for bit ---------- */

static float *rand_array(size_t len, gr_rng *rng)
{
    float *x = malloc(len * sizeof *x);
    assert_non_null(x);
    for (size_t c = 0; c < len; c++) x[c] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
    return x;
}

static float *copy_array(const float *x, size_t len)
{
    float *y = malloc(len * sizeof *y);
    assert_non_null(y);
    memcpy(y, x, len * sizeof *y);
    return y;
}

/* Every third row or so, at random, as a row set. */
typedef struct {
    uint8_t *mask;
    uint32_t *list;
    gr_row_set set;
} rows_t;

static rows_t random_rows(uint32_t n, gr_rng *rng)
{
    rows_t r = {calloc(n + 1, 1), malloc((n + 1) * sizeof(uint32_t)), {0}};
    assert_true(r.mask && r.list);
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (gr_rng_below(rng, 3) == 0) {
            r.mask[i] = 1;
            r.list[m++] = i;
        }
    r.set = (gr_row_set){r.list, m, r.mask};
    return r;
}

/* Rows r of a and b agree bit for bit where mask[r] == want (mask NULL: all). */
static void assert_rows_equal(const float *a, const float *b, uint32_t n, uint32_t d, const uint8_t *mask, int want,
                              const char *what)
{
    for (uint32_t r = 0; r < n; r++)
        if (mask == NULL || (mask[r] != 0) == want)
            if (memcmp(a + (size_t)r * d, b + (size_t)r * d, d * sizeof *a) != 0)
                fail_msg("%s: row %u differs (d %u)", what, r, d);
}

/* A row_fn that keeps each row it gets and counts the calls per row. */
typedef struct {
    float *rows;
    int *calls;
    uint32_t d;
    float *Z; /* non-NULL: also overwrites Z's row r, as the documentation allows */
} sink;

static void sink_fn(void *ctx, uint32_t r, const float *y)
{
    sink *s = ctx;
    memcpy(s->rows + (size_t)r * s->d, y, s->d * sizeof *y);
    s->calls[r]++;
    if (s->Z != NULL)
        for (uint32_t j = 0; j < s->d; j++) s->Z[(size_t)r * s->d + j] = -y[j];
}

/* One kernel, one thread count: each option against gr_spmm_fused plus the
 * separate pass it replaces. */
static void check_options_once(const gr_norm_adj *a, uint32_t n, uint32_t d, gr_spmm_kernel k, gr_rng *rng)
{
    char msg[GR_MSG_LEN];
    const size_t len = (size_t)n * d;
    const float alpha0 = 0.3f, alpha = -0.7f, beta = 0.45f;
    float *X = rand_array(len, rng), *Z = rand_array(len, rng), *O0 = rand_array(len, rng);
    float *Y = malloc(len * sizeof *Y), *Yr = malloc(len * sizeof *Yr), *O = malloc(len * sizeof *O),
          *Or = malloc(len * sizeof *Or);
    assert_true(Y && Yr && O && Or);
    rows_t rows = random_rows(n, rng);

    /* OUT = α₀·OUT_INIT + α·y, against a scale pass then OUT += α·y */
    for (size_t c = 0; c < len; c++) Or[c] = alpha0 * X[c];
    assert_int_equal(gr_spmm_fused(a, X, Yr, d, Z, beta, Or, alpha, k, msg), GR_OK);
    memcpy(O, O0, len * sizeof *O);
    gr_spmm_opts o = {.Z = Z, .beta = beta, .OUT = O, .alpha = alpha, .OUT_INIT = X, .alpha0 = alpha0};
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, k, msg), GR_OK);
    assert_memory_equal(Y, Yr, len * sizeof *Y);
    assert_memory_equal(O, Or, len * sizeof *O);
    /* in place: OUT_INIT = OUT */
    for (size_t c = 0; c < len; c++) Or[c] = alpha0 * O0[c];
    assert_int_equal(gr_spmm_fused(a, X, Yr, d, NULL, 0.0f, Or, alpha, k, msg), GR_OK);
    memcpy(O, O0, len * sizeof *O);
    o = (gr_spmm_opts){.OUT = O, .alpha = alpha, .OUT_INIT = O, .alpha0 = alpha0};
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, k, msg), GR_OK);
    assert_memory_equal(O, Or, len * sizeof *O);

    /* out_mask: the OUT pass on the masked rows only, the others untouched */
    memcpy(Or, O0, len * sizeof *O);
    assert_int_equal(gr_spmm_fused(a, X, Yr, d, NULL, 0.0f, Or, alpha, k, msg), GR_OK);
    memcpy(O, O0, len * sizeof *O);
    o = (gr_spmm_opts){.OUT = O, .alpha = alpha, .OUT_INIT = X, .alpha0 = alpha0, .out_mask = rows.mask};
    for (size_t c = 0; c < len; c++) Or[c] = rows.mask[c / d] ? alpha0 * X[c] : O0[c];
    assert_int_equal(gr_spmm_fused(a, X, Yr, d, NULL, 0.0f, NULL, 0.0f, k, msg), GR_OK);
    for (size_t c = 0; c < len; c++)
        if (rows.mask[c / d]) Or[c] += alpha * Yr[c];
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, k, msg), GR_OK);
    assert_memory_equal(Y, Yr, len * sizeof *Y);
    assert_memory_equal(O, Or, len * sizeof *O);

    /* rows: only the listed rows of Y and OUT are computed; Y NULL stores
     * nothing; the other rows keep their old bits */
    memcpy(Or, O0, len * sizeof *O);
    assert_int_equal(gr_spmm_fused(a, X, Yr, d, Z, beta, Or, alpha, k, msg), GR_OK);
    memcpy(O, O0, len * sizeof *O);
    o = (gr_spmm_opts){.Z = Z, .beta = beta, .OUT = O, .alpha = alpha, .rows = &rows.set};
    assert_int_equal(gr_spmm_ex(a, X, NULL, d, &o, k, msg), GR_OK);
    assert_rows_equal(O, Or, n, d, rows.mask, 1, "rows: OUT on the list");
    assert_rows_equal(O, O0, n, d, rows.mask, 0, "rows: OUT elsewhere");
    for (size_t c = 0; c < len; c++) Y[c] = NAN;
    memcpy(O, O0, len * sizeof *O);
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, k, msg), GR_OK);
    assert_rows_equal(Y, Yr, n, d, rows.mask, 1, "rows: Y on the list");
    for (size_t c = 0; c < len; c++)
        if (!rows.mask[c / d] && !isnan(Y[c])) fail_msg("rows: Y[%zu] written off the list", c);

    /* x_live, z_live: X and Z zero off the rows (-0 on some, +0 on others),
     * also with OUT and with a row_fn */
    float *Xs = copy_array(X, len), *Zs = copy_array(Z, len);
    for (size_t c = 0; c < len; c++)
        if (!rows.mask[c / d]) Xs[c] = Zs[c] = (c / d) % 2 ? -0.0f : 0.0f;
    assert_int_equal(gr_spmm_fused(a, Xs, Yr, d, Zs, beta, NULL, 0.0f, k, msg), GR_OK);
    o = (gr_spmm_opts){.Z = Zs, .beta = beta, .x_live = rows.mask, .z_live = rows.mask};
    assert_int_equal(gr_spmm_ex(a, Xs, Y, d, &o, k, msg), GR_OK);
    assert_memory_equal(Y, Yr, len * sizeof *Y);
    memcpy(Or, O0, len * sizeof *O);
    assert_int_equal(gr_spmm_fused(a, Xs, Yr, d, Zs, beta, Or, alpha, k, msg), GR_OK);
    memcpy(O, O0, len * sizeof *O);
    o = (gr_spmm_opts){.Z = Zs, .beta = beta, .x_live = rows.mask, .z_live = rows.mask, .OUT = O, .alpha = alpha};
    assert_int_equal(gr_spmm_ex(a, Xs, Y, d, &o, k, msg), GR_OK);
    assert_memory_equal(Y, Yr, len * sizeof *Y);
    assert_memory_equal(O, Or, len * sizeof *O);
    sink gs = {malloc(len * sizeof(float)), calloc(n + 1, sizeof(int)), d, NULL};
    assert_true(gs.rows && gs.calls);
    o = (gr_spmm_opts){.Z = Zs, .beta = beta, .x_live = rows.mask, .z_live = rows.mask, .row_fn = sink_fn, .row_ctx = &gs};
    assert_int_equal(gr_spmm_ex(a, Xs, NULL, d, &o, k, msg), GR_OK);
    assert_memory_equal(gs.rows, Yr, len * sizeof *Y);
    free(gs.rows);
    free(gs.calls);

    /* x_live with a row list (the list loop ignores the mask) */
    for (size_t c = 0; c < len; c++) Y[c] = NAN;
    o = (gr_spmm_opts){.Z = Zs, .beta = beta, .x_live = rows.mask, .z_live = rows.mask, .rows = &rows.set};
    assert_int_equal(gr_spmm_ex(a, Xs, Y, d, &o, k, msg), GR_OK);
    assert_rows_equal(Y, Yr, n, d, rows.mask, 1, "x_live + rows");

    /* row_fn: every row handed over once, Y not written; here it also
     * overwrites Z's row, which must not change the result */
    sink sk = {malloc(len * sizeof(float)), calloc(n + 1, sizeof(int)), d, NULL};
    assert_true(sk.rows && sk.calls);
    memcpy(Or, O0, len * sizeof *O);
    assert_int_equal(gr_spmm_fused(a, X, Yr, d, Z, beta, Or, alpha, k, msg), GR_OK);
    memcpy(O, O0, len * sizeof *O);
    float *Zw = copy_array(Z, len);
    sk.Z = Zw;
    for (size_t c = 0; c < len; c++) Y[c] = NAN;
    o = (gr_spmm_opts){.Z = Zw, .beta = beta, .OUT = O, .alpha = alpha, .row_fn = sink_fn, .row_ctx = &sk};
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, k, msg), GR_OK);
    assert_memory_equal(sk.rows, Yr, len * sizeof *Yr);
    assert_memory_equal(O, Or, len * sizeof *O);
    for (uint32_t r = 0; r < n; r++) assert_int_equal(sk.calls[r], 1);
    for (size_t c = 0; c < len; c++) assert_true(isnan(Y[c]));
    /* with a row list, as the training loop never does but may */
    memset(sk.calls, 0, n * sizeof(int));
    sk.Z = NULL;
    o = (gr_spmm_opts){.Z = Z, .beta = beta, .rows = &rows.set, .row_fn = sink_fn, .row_ctx = &sk};
    assert_int_equal(gr_spmm_ex(a, X, NULL, d, &o, k, msg), GR_OK);
    assert_rows_equal(sk.rows, Yr, n, d, rows.mask, 1, "rows + row_fn");
    for (uint32_t r = 0; r < n; r++) assert_int_equal(sk.calls[r], rows.mask[r] ? 1 : 0);

    free(sk.rows);
    free(sk.calls);
    free(Zw);
    free(Xs);
    free(Zs);
    free(rows.mask);
    free(rows.list);
    free(X);
    free(Z);
    free(O0);
    free(Y);
    free(Yr);
    free(O);
    free(Or);
}

/* Both kernels, 1 and 2 threads (the reference passes run on the same). */
static void check_options(const gr_norm_adj *a, uint32_t n, uint32_t d, gr_rng *rng)
{
    const int threads0 = omp_get_max_threads();
    for (int t = 1; t <= 2; t++) {
        omp_set_num_threads(t);
        check_options_once(a, n, d, GR_SPMM_CSR, rng);
        check_options_once(a, n, d, GR_SPMM_GRAPHBLAS, rng);
    }
    omp_set_num_threads(threads0);
}

/* The options compute the same rows with any thread count, and the CSR
 * kernel's live mask / row list match its plain product bit for bit across
 * thread counts too (the GraphBLAS products above are only compared with
 * themselves). */
static void check_options_threads(const gr_norm_adj *a, uint32_t n, uint32_t d, gr_rng *rng)
{
    char msg[GR_MSG_LEN];
    const size_t len = (size_t)n * d;
    float *X = rand_array(len, rng), *Y1 = malloc(len * sizeof *Y1), *Y2 = malloc(len * sizeof *Y2);
    float *O1 = calloc(len, sizeof *O1), *O2 = calloc(len, sizeof *O2);
    assert_true(Y1 && Y2 && O1 && O2);
    rows_t rows = random_rows(n, rng);
    for (size_t c = 0; c < len; c++)
        if (!rows.mask[c / d]) X[c] = 0.0f;
    const int threads0 = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(gr_spmm(a, X, Y1, d, GR_SPMM_CSR, msg), GR_OK);
    gr_spmm_opts o = {.OUT = O1, .alpha = 1.0f, .rows = &rows.set};
    assert_int_equal(gr_spmm_ex(a, X, NULL, d, &o, GR_SPMM_CSR, msg), GR_OK);
    omp_set_num_threads(2);
    o = (gr_spmm_opts){.x_live = rows.mask};
    assert_int_equal(gr_spmm_ex(a, X, Y2, d, &o, GR_SPMM_CSR, msg), GR_OK);
    assert_memory_equal(Y1, Y2, len * sizeof *Y1);
    o = (gr_spmm_opts){.OUT = O2, .alpha = 1.0f, .rows = &rows.set};
    assert_int_equal(gr_spmm_ex(a, X, NULL, d, &o, GR_SPMM_CSR, msg), GR_OK);
    assert_memory_equal(O1, O2, len * sizeof *O1);
    omp_set_num_threads(threads0);
    free(rows.mask);
    free(rows.list);
    free(X);
    free(Y1);
    free(Y2);
    free(O1);
    free(O2);
}

static void check_random(uint64_t seed, uint32_t nu, uint32_t ni, size_t ne, size_t ns, float w,
                         gr_adj_social_norm norm)
{
    gr_rng rng;
    gr_rng_seed(&rng, seed, 0);
    char msg[GR_MSG_LEN];
    uint32_t *u = malloc((ne + 1) * sizeof *u), *i = malloc((ne + 1) * sizeof *i);
    uint32_t *su = malloc((2 * ns + 1) * sizeof *su), *sv = malloc((2 * ns + 1) * sizeof *sv);
    assert_true(u && i && su && sv);
    /* Only even users and the first 3/4 of the items occur: empty rows. */
    for (size_t e = 0; e < ne; e++) {
        u[e] = 2 * gr_rng_below(&rng, (nu + 1) / 2);
        i[e] = gr_rng_below(&rng, ni * 3 / 4 + 1);
    }
    size_t m = 0;
    for (size_t e = 0; e < ns; e++) {
        uint32_t p = gr_rng_below(&rng, nu), q = gr_rng_below(&rng, nu);
        if (p == q) continue;
        su[m] = p, sv[m++] = q;
        su[m] = q, sv[m++] = p; /* both directions: S symmetric */
    }
    gr_graph g, sg;
    gr_norm_adj *a = NULL;
    assert_int_equal(gr_graph_from_pairs(&g, nu, ni, u, i, ne, msg), GR_OK);
    assert_int_equal(gr_graph_from_pairs(&sg, nu, nu, su, sv, m, msg), GR_OK);
    gr_status s = gr_norm_adj_build_social(&a, &g, ns ? &sg.R : NULL, w, norm, msg);
    if (s != GR_OK) fail_msg("%s", msg);
    uint32_t n = nu + ni;
    double *A = dense_norm_adj(nu, ni, u, i, ne, su, sv, ns ? m : 0, w, norm == GR_ADJ_SOCIAL_SEPARATE);
    gr_norm_adj_csr v = gr_norm_adj_view(a);
    check_symmetric(&v);
    for (uint32_t r = 0; r < n; r++)
        for (uint64_t k = v.ptr[r]; k < v.ptr[r + 1]; k++)
            assert_float_equal(v.val[k], A[(size_t)r * n + v.idx[k]], 1e-6);
    /* multiples of 16 up to 128 take the register-blocked loop, others not */
    const uint32_t ds[] = {1, 7, 64, 16, 33, 32, 48, 128, 144};
    for (size_t k = 0; k < sizeof ds / sizeof *ds; k++) check_spmm(a, A, n, ds[k], &rng);
    for (uint32_t d = 16; d <= 128; d += 16) check_paths_agree(a, n, d, &rng);
    check_fused(a, n, 64, &rng);
    check_fused(a, n, 7, &rng);
    /* d = 16·NV takes the register-blocked loop, 7 and 33 the generic one */
    const uint32_t dopt[] = {64, 16, 7, 33};
    for (size_t k = 0; k < sizeof dopt / sizeof *dopt; k++) {
        check_options(a, n, dopt[k], &rng);
        check_options_threads(a, n, dopt[k], &rng);
    }
    free(A);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
    gr_graph_free(&sg);
    free(u);
    free(i);
    free(su);
    free(sv);
}

static void test_random_vs_dense(void **state)
{
    (void)state;
    const gr_adj_social_norm J = GR_ADJ_SOCIAL_JOINT, S = GR_ADJ_SOCIAL_SEPARATE;
    check_random(1, 40, 60, 300, 0, 0.0f, J);
    check_random(2, 200, 150, 3000, 0, 0.0f, J);
    check_random(3, 120, 90, 1500, 200, 0.3f, J);
    check_random(4, 3, 400, 900, 2, 2.0f, J); /* few long user rows */
    check_random(5, 50, 50, 0, 0, 0.0f, J);   /* no edges: Â = 0, Y = 0 */
    check_random(6, 120, 90, 1500, 200, 0.3f, S);
    check_random(7, 200, 150, 800, 3000, 1.0f, S); /* users with friends but no items */
    check_random(8, 3, 400, 900, 2, 2.0f, S);
}

/* ---- errors ------------------------------------------------------------- */

static gr_status mismatched_mxm(char *msg)
{
    gr_status status = GR_OK;
    GrB_Matrix A = NULL, B = NULL, C = NULL;
    GR_GRB_TRY(GrB_Matrix_new(&A, GrB_FP32, 3, 4));
    GR_GRB_TRY(GrB_Matrix_new(&B, GrB_FP32, 5, 2)); /* inner dimensions 4 != 5 */
    GR_GRB_TRY(GrB_Matrix_new(&C, GrB_FP32, 3, 2));
    GR_GRB_TRY_ON(C, GrB_mxm(C, NULL, NULL, GrB_PLUS_TIMES_SEMIRING_FP32, A, B, NULL));
fail:
    GrB_Matrix_free(&A);
    GrB_Matrix_free(&B);
    GrB_Matrix_free(&C);
    return status;
}

static void test_errors(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_grb_init(2, msg), GR_OK);
    assert_int_equal(gr_grb_init(0, msg), GR_OK); /* idempotent */
    assert_int_equal(gr_grb_set_threads(0, msg), GR_ERR_ARG);
    assert_int_equal(mismatched_mxm(msg), GR_ERR_LIB);
    assert_non_null(strstr(msg, "GraphBLAS: GrB_mxm(C, NULL"));
    assert_non_null(strstr(msg, "GrB_DIMENSION_MISMATCH"));
    assert_string_equal(gr_grb_info_name(GrB_INVALID_INDEX), "GrB_INVALID_INDEX");
    assert_int_equal(gr_grb_fail(msg, GrB_OUT_OF_MEMORY, "x", NULL), GR_ERR_NOMEM);

    gr_graph g;
    gr_norm_adj *a = NULL;
    assert_int_equal(gr_graph_from_pairs(&g, 2, 3, tiny_u, tiny_i, 3, msg), GR_OK);
    assert_int_equal(gr_norm_adj_build(&a, &g, NULL, 0.0f, msg), GR_OK);
    float X[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Y[10];
    assert_int_equal(gr_spmm(a, X, Y, 0, GR_SPMM_CSR, msg), GR_ERR_ARG);
    assert_int_equal(gr_spmm(a, NULL, Y, 2, GR_SPMM_CSR, msg), GR_ERR_ARG);
    assert_int_equal(gr_spmm(a, X, X + 1, 2, GR_SPMM_GRAPHBLAS, msg), GR_ERR_ARG); /* overlap */
    assert_int_equal(gr_spmm(a, X, Y, 2, (gr_spmm_kernel)7, msg), GR_ERR_ARG);
    gr_status in_region = GR_OK;
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        in_region = gr_spmm(a, X, Y, 2, GR_SPMM_GRAPHBLAS, msg);
    }
    assert_int_equal(in_region, GR_ERR_ARG);
    assert_int_equal(gr_spmm(a, X, Y, 2, GR_SPMM_GRAPHBLAS, msg), GR_OK); /* still usable */
    /* options: a row list must ascend below n; OUT_INIT needs OUT and may
     * be OUT itself but not overlap it otherwise */
    float O[10] = {0};
    uint32_t bad_list[] = {3, 1}, far_list[] = {5};
    gr_row_set bad = {bad_list, 2, NULL}, far = {far_list, 1, NULL};
    gr_spmm_opts o = {.rows = &bad};
    assert_int_equal(gr_spmm_ex(a, X, Y, 2, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o.rows = &far;
    assert_int_equal(gr_spmm_ex(a, X, Y, 2, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o = (gr_spmm_opts){.OUT_INIT = X};
    assert_int_equal(gr_spmm_ex(a, X, Y, 2, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    float big[11] = {0};
    o = (gr_spmm_opts){.OUT = big + 1, .OUT_INIT = big};
    assert_int_equal(gr_spmm_ex(a, X, Y, 2, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o = (gr_spmm_opts){.OUT = O, .OUT_INIT = O, .alpha0 = 1.0f};
    assert_int_equal(gr_spmm_ex(a, X, NULL, 2, &o, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_spmm_fused(a, X, NULL, 2, NULL, 0.0f, O, 1.0f, GR_SPMM_CSR, msg), GR_ERR_ARG);
    gr_norm_adj_free(a);

    /* A graph whose transpose disagrees with R is refused, not trusted. */
    g.Rt.idx[0] = 1;
    a = NULL;
    assert_int_equal(gr_norm_adj_build(&a, &g, NULL, 0.0f, msg), GR_ERR_ARG);
    gr_graph_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_tiny_social),
        cmocka_unit_test(test_tiny_social_joint),
        cmocka_unit_test(test_tiny_social_separate),
        cmocka_unit_test(test_social_spectral_radius),
        cmocka_unit_test(test_random_vs_dense),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
