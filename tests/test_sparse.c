/* Normalized adjacency and SpMM: Â on tiny graphs checked value by value
 * (with and without a social block), symmetry, both kernels against a dense
 * double-precision reference built independently from the pairs, and errors
 * (bad arguments, GraphBLAS failures) returned rather than aborting. */
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

/* ---- random graphs against a dense reference ---------------------------- */

/* Dense Â in double from the pairs alone (duplicates collapse to 1). */
static double *dense_norm_adj(uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i, size_t ne,
                              const uint32_t *su, const uint32_t *sv, size_t ns, double w)
{
    size_t n = (size_t)nu + ni;
    double *A = calloc(n * n, sizeof *A), *deg = calloc(n, sizeof *deg);
    assert_non_null(A);
    assert_non_null(deg);
    for (size_t e = 0; e < ne; e++) A[u[e] * n + nu + i[e]] = A[(nu + i[e]) * n + u[e]] = 1.0;
    for (size_t e = 0; e < ns; e++) A[su[e] * n + sv[e]] = A[sv[e] * n + su[e]] = w;
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) deg[r] += A[r * n + c];
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++)
            if (A[r * n + c] != 0) A[r * n + c] /= sqrt(deg[r] * deg[c]);
    free(deg);
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

static void check_random(uint64_t seed, uint32_t nu, uint32_t ni, size_t ne, size_t ns, float w)
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
    gr_status s = gr_norm_adj_build(&a, &g, ns ? &sg.R : NULL, w, msg);
    if (s != GR_OK) fail_msg("%s", msg);
    uint32_t n = nu + ni;
    double *A = dense_norm_adj(nu, ni, u, i, ne, su, sv, ns ? m : 0, w);
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
    check_random(1, 40, 60, 300, 0, 0.0f);
    check_random(2, 200, 150, 3000, 0, 0.0f);
    check_random(3, 120, 90, 1500, 200, 0.3f);
    check_random(4, 3, 400, 900, 2, 2.0f); /* few long user rows */
    check_random(5, 50, 50, 0, 0, 0.0f);   /* no edges: Â = 0, Y = 0 */
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
        cmocka_unit_test(test_random_vs_dense),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
