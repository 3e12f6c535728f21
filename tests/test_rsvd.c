/* The randomized SVD: on matrices with a planted spectrum it recovers the
 * singular values and the subspace; on a sparse 0/1 matrix it agrees with
 * LAPACK's dense SVD; rank-deficient inputs give zero columns, not NaN; the
 * result repeats for a seed; bad ranks are refused. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "sparse/lapack.h"
#include "sparse/rsvd.h"
#include "tests/support.h"

/* ---- a dense operator ------------------------------------------------------ */

typedef struct {
    uint32_t m, n;
    float *A; /* m x n, row-major */
    int calls;
} dense_op;

static gr_status dense_apply(void *ctx, const float *X, float *Y, uint32_t l, char *msg)
{
    (void)msg;
    dense_op *d = ctx;
    d->calls++;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d->m, (int)l, (int)d->n, 1.0f, d->A, (int)d->n, X,
                (int)l, 0.0f, Y, (int)l);
    return GR_OK;
}

static gr_status dense_apply_t(void *ctx, const float *X, float *Y, uint32_t l, char *msg)
{
    (void)msg;
    dense_op *d = ctx;
    d->calls++;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d->n, (int)l, (int)d->m, 1.0f, d->A, (int)d->n, X,
                (int)l, 0.0f, Y, (int)l);
    return GR_OK;
}

static gr_linop linop_of(dense_op *d)
{
    return (gr_linop){.n_rows = d->m, .n_cols = d->n, .ctx = d, .apply = dense_apply, .apply_t = dense_apply_t};
}

/* An orthonormal rows x cols basis (column-major, double) from a Gaussian
 * block: LAPACK's QR. */
static double *random_basis(int rows, int cols, uint64_t seed)
{
    double *B = malloc((size_t)rows * cols * sizeof *B), *tau = malloc((size_t)cols * sizeof *tau), wq;
    gr_rng r;
    gr_rng_seed(&r, seed, 0);
    for (int k = 0; k < rows * cols; k++) B[k] = gr_rng_normal(&r);
    int info = 0, lwork = -1;
    dgeqrf_(&rows, &cols, B, &rows, tau, &wq, &lwork, &info);
    lwork = (int)wq + cols * 64;
    double *work = malloc((size_t)lwork * sizeof *work);
    dgeqrf_(&rows, &cols, B, &rows, tau, work, &lwork, &info);
    assert_int_equal(info, 0);
    dorgqr_(&rows, &cols, &cols, B, &rows, tau, work, &lwork, &info);
    assert_int_equal(info, 0);
    free(work);
    free(tau);
    return B;
}

/* A = U diag(s) V' (m x n, row-major float); Vt_out (if not NULL) gets V
 * (n x r, column-major double). */
static void planted(dense_op *d, uint32_t m, uint32_t n, const double *s, int r, uint64_t seed, double **V_out)
{
    double *U = random_basis((int)m, r, seed), *V = random_basis((int)n, r, seed + 1);
    d->m = m;
    d->n = n;
    d->calls = 0;
    d->A = malloc((size_t)m * n * sizeof *d->A);
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < n; j++) {
            double a = 0;
            for (int k = 0; k < r; k++) a += U[(size_t)k * m + i] * s[k] * V[(size_t)k * n + j];
            d->A[(size_t)i * n + j] = (float)a;
        }
    free(U);
    if (V_out) *V_out = V;
    else free(V);
}

/* max |P_got - P_want| over the entries of the two projectors V V' (V_got
 * n x k row-major float; V_want column-major double with leading dim ld). */
static double projector_gap(const float *V_got, const double *V_want, uint32_t n, uint32_t k, uint32_t ld)
{
    double worst = 0;
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++) {
            double pg = 0, pw = 0;
            for (uint32_t c = 0; c < k; c++) {
                pg += (double)V_got[(size_t)a * k + c] * V_got[(size_t)b * k + c];
                pw += V_want[(size_t)c * ld + a] * V_want[(size_t)c * ld + b];
            }
            worst = fmax(worst, fabs(pg - pw));
        }
    return worst;
}

/* max |V'V - I| */
static double orthonormality_gap(const float *V, uint32_t n, uint32_t k)
{
    double worst = 0;
    for (uint32_t a = 0; a < k; a++)
        for (uint32_t b = 0; b < k; b++) {
            double dot = 0;
            for (uint32_t i = 0; i < n; i++) dot += (double)V[(size_t)i * k + a] * V[(size_t)i * k + b];
            worst = fmax(worst, fabs(dot - (a == b)));
        }
    return worst;
}

/* ---- tests ---------------------------------------------------------------- */

/* A decaying planted spectrum, tall and wide: values and subspace. */
static void test_planted_spectrum(void **state)
{
    (void)state;
    enum { R = 40, K = 10 };
    double s[R];
    for (int k = 0; k < R; k++) s[k] = pow(0.85, k);
    const uint32_t shapes[2][2] = {{150, 90}, {70, 120}};
    for (int sh = 0; sh < 2; sh++) {
        dense_op d;
        double *Vw;
        planted(&d, shapes[sh][0], shapes[sh][1], s, R, 10 + sh, &Vw);
        gr_linop A = linop_of(&d);
        float V[120 * K], sigma[K];
        gr_rsvd_report rep;
        char msg[GR_MSG_LEN];
        const gr_rsvd_opts o = {.rank = K, .oversample = 10, .power_iters = 4, .seed = 7};
        assert_int_equal(gr_rsvd(&A, &o, V, sigma, &rep, msg), GR_OK);
        assert_int_equal(rep.columns, K + 10);
        assert_int_equal(rep.products, 2 + 2 * 4);
        assert_int_equal(d.calls, 10);
        for (int k = 0; k < K; k++) assert_float_equal(sigma[k], s[k], 2e-5);
        const uint32_t n = d.n;
        double pg = projector_gap(V, Vw, n, K, n), og = orthonormality_gap(V, n, K);
        print_message("%u x %u: projector gap %.2e, orthonormality gap %.2e\n", d.m, d.n, pg, og);
        assert_true(pg < 1e-4);
        assert_true(og < 1e-5);
        free(Vw);
        free(d.A);
    }
}

/* More power iterations shrink the error on a slowly decaying spectrum,
 * which is why GF-CF's config has power_iters. */
static void test_power_iterations_help(void **state)
{
    (void)state;
    enum { R = 60, K = 12 };
    double s[R];
    for (int k = 0; k < R; k++) s[k] = 1.0 / (1.0 + 0.1 * k); /* flat: sigma_20 / sigma_12 = 0.9 */
    dense_op d;
    double *Vw;
    planted(&d, 100, 80, s, R, 21, &Vw);
    gr_linop A = linop_of(&d);
    char msg[GR_MSG_LEN];
    float V[80 * K];
    double gap[3];
    const uint32_t q[3] = {0, 2, 12};
    for (int t = 0; t < 3; t++) {
        const gr_rsvd_opts o = {.rank = K, .oversample = 8, .power_iters = q[t], .seed = 3};
        assert_int_equal(gr_rsvd(&A, &o, V, NULL, NULL, msg), GR_OK);
        gap[t] = projector_gap(V, Vw, 80, K, 80);
    }
    print_message("projector gap with 0, 2, 12 power iterations: %.2e %.2e %.2e\n", gap[0], gap[1], gap[2]);
    assert_true(gap[1] < gap[0] / 4);
    assert_true(gap[2] < gap[1] / 4);
    assert_true(gap[2] < 1e-3);
    free(Vw);
    free(d.A);
}

/* A sparse 0/1 matrix (no planted structure): LAPACK's dgesdd on the same
 * matrix is the reference. */
static void test_matches_dense_svd(void **state)
{
    (void)state;
    enum { M = 90, N = 70, K = 8 };
    dense_op d = {.m = M, .n = N, .A = calloc(M * N, sizeof(float))};
    gr_rng r;
    gr_rng_seed(&r, 5, 0);
    for (int k = 0; k < M * N; k++) d.A[k] = gr_rng_uniform(&r) < 0.12 ? 1.0f : 0.0f;
    /* dgesdd on a column-major double copy */
    double *a = malloc(sizeof(double) * M * N), s[N], *u = malloc(sizeof(double) * M * M),
           *vt = malloc(sizeof(double) * N * N), wq;
    int iwork[8 * N], info = 0, lwork = -1, m = M, n = N;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) a[(size_t)j * M + i] = d.A[(size_t)i * N + j];
    dgesdd_("A", &m, &n, a, &m, s, u, &m, vt, &n, &wq, &lwork, iwork, &info, 1);
    lwork = (int)wq + 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    dgesdd_("A", &m, &n, a, &m, s, u, &m, vt, &n, work, &lwork, iwork, &info, 1);
    assert_int_equal(info, 0);
    /* V = rows of vt: V[:, c] = vt[c, :], i.e. column-major V has V(j, c) = vt[c + j * N] */
    double *V_want = malloc(sizeof(double) * N * K);
    for (int c = 0; c < K; c++)
        for (int j = 0; j < N; j++) V_want[(size_t)c * N + j] = vt[c + (size_t)j * N];
    gr_linop A = linop_of(&d);
    float V[N * K], sigma[K];
    char msg[GR_MSG_LEN];
    const gr_rsvd_opts o = {.rank = K, .oversample = 16, .power_iters = 10, .seed = 11};
    assert_int_equal(gr_rsvd(&A, &o, V, sigma, NULL, msg), GR_OK);
    for (int k = 0; k < K; k++) assert_float_equal(sigma[k], s[k], 1e-4 * s[0]);
    double pg = projector_gap(V, V_want, N, K, N);
    print_message("sigma 1..%d: %.4f .. %.4f (dgesdd %.4f .. %.4f); projector gap %.2e\n", K, sigma[0],
                  sigma[K - 1], s[0], s[K - 1], pg);
    assert_true(pg < 1e-3);
    free(a), free(u), free(vt), free(work), free(V_want), free(d.A);
}

/* Rank 3 asked for 6: three zero columns and zero values, no NaN; the same
 * seed gives the same bits. */
static void test_rank_deficient_and_repeatable(void **state)
{
    (void)state;
    enum { K = 6 };
    const double s[3] = {2.0, 1.0, 0.5};
    dense_op d;
    double *Vw;
    planted(&d, 40, 30, s, 3, 31, &Vw);
    gr_linop A = linop_of(&d);
    float V[30 * K], V2[30 * K], sigma[K];
    char msg[GR_MSG_LEN];
    const gr_rsvd_opts o = {.rank = K, .oversample = 4, .power_iters = 2, .seed = 9};
    assert_int_equal(gr_rsvd(&A, &o, V, sigma, NULL, msg), GR_OK);
    for (int k = 0; k < 30 * K; k++) assert_false(isnan(V[k]) || isinf(V[k]));
    for (int k = 0; k < 3; k++) assert_float_equal(sigma[k], s[k], 1e-5);
    for (int k = 3; k < K; k++) assert_true(sigma[k] < 1e-5);
    float V3[30 * 3];
    for (int i = 0; i < 30; i++)
        for (int c = 0; c < 3; c++) V3[i * 3 + c] = V[i * K + c];
    assert_true(projector_gap(V3, Vw, 30, 3, 30) < 1e-5);
    for (int i = 0; i < 30; i++)
        for (int c = 3; c < K; c++) assert_float_equal(V[i * K + c], 0.0f, 0.0);
    assert_int_equal(gr_rsvd(&A, &o, V2, NULL, NULL, msg), GR_OK);
    assert_memory_equal(V, V2, sizeof V);
    free(Vw);
    free(d.A);
}

static void test_bad_rank(void **state)
{
    (void)state;
    const double s[2] = {1.0, 0.5};
    dense_op d;
    planted(&d, 5, 4, s, 2, 1, NULL);
    gr_linop A = linop_of(&d);
    float V[4 * 5];
    char msg[GR_MSG_LEN];
    gr_rsvd_opts o = {.rank = 0, .oversample = 2, .power_iters = 1, .seed = 1};
    assert_int_equal(gr_rsvd(&A, &o, V, NULL, NULL, msg), GR_ERR_ARG);
    o.rank = 5;
    assert_int_equal(gr_rsvd(&A, &o, V, NULL, NULL, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "rank 5"));
    o.rank = 4; /* the whole matrix: l is capped at 4, the result exact */
    float sigma[4];
    assert_int_equal(gr_rsvd(&A, &o, V, sigma, NULL, msg), GR_OK);
    assert_float_equal(sigma[0], 1.0f, 1e-5);
    assert_float_equal(sigma[1], 0.5f, 1e-5);
    free(d.A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_spectrum),
        cmocka_unit_test(test_power_iterations_help),
        cmocka_unit_test(test_matches_dense_svd),
        cmocka_unit_test(test_rank_deficient_and_repeatable),
        cmocka_unit_test(test_bad_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
