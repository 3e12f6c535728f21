/* Randomized truncated SVD; see rsvd.h for the algorithm.
 *
 * Precision: the blocks and the products are float (they are big: 40k x 320
 * for Gowalla); the small l x l eigenproblem is solved in double, because its
 * eigenvalues are the squared singular values and the smallest kept ones
 * (sigma ~0.1 for a normalized interaction matrix) would otherwise lose
 * digits. */
#include "sparse/rsvd.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/sysinfo.h"
#include "sparse/lapack.h"

#define TILE 32               /* transposition tiles: 32 x 32 floats = 4 KiB */
#define RANK_CUTOFF 1e-6      /* sigma_j < sigma_1 * this counts as zero */

/* Omega (rows x l) ~ N(0, 1), one RNG stream per row: the block is the same
 * for any thread count. */
static void fill_gaussian(float *X, uint32_t rows, uint32_t l, uint64_t seed)
{
#pragma omp parallel for schedule(static)
    for (uint32_t r = 0; r < rows; r++) {
        gr_rng rng;
        gr_rng_seed(&rng, seed, r);
        for (uint32_t j = 0; j < l; j++) X[(size_t)r * l + j] = (float)gr_rng_normal(&rng);
    }
}

/* out (cols x rows, row-major) = in (rows x cols, row-major)ᵀ, in tiles so
 * both sides stream through the cache. */
static void transpose(const float *in, float *out, uint32_t rows, uint32_t cols)
{
    const uint32_t tr = (rows + TILE - 1) / TILE, tc = (cols + TILE - 1) / TILE;
#pragma omp parallel for schedule(static)
    for (uint64_t t = 0; t < (uint64_t)tr * tc; t++) {
        const uint32_t r0 = (uint32_t)(t / tc) * TILE, c0 = (uint32_t)(t % tc) * TILE;
        const uint32_t r1 = r0 + TILE < rows ? r0 + TILE : rows, c1 = c0 + TILE < cols ? c0 + TILE : cols;
        for (uint32_t r = r0; r < r1; r++)
            for (uint32_t c = c0; c < c1; c++) out[(size_t)c * rows + r] = in[(size_t)r * cols + c];
    }
}

/* Scratch of the orthonormalization, sized once. */
typedef struct {
    float *colmajor; /* m x l, column-major: LAPACK's layout */
    float *tau, *work;
    int lwork;
} orth_ws;

static gr_status orth_init(orth_ws *w, uint32_t m, uint32_t l, char *msg)
{
    gr_status status = GR_OK;
    const int M = (int)m, L = (int)l, lquery = -1;
    int info = 0;
    float q1 = 0, q2 = 0;
    memset(w, 0, sizeof *w);
    sgeqrf_(&M, &L, NULL, &M, NULL, &q1, &lquery, &info);
    if (info == 0) sorgqr_(&M, &L, &L, NULL, &M, NULL, &q2, &lquery, &info);
    if (info != 0) GR_FAIL(GR_ERR_LIB, "LAPACK: workspace query of sgeqrf/sorgqr failed (info %d)", info);
    w->lwork = (int)(q1 > q2 ? q1 : q2) + 1;
    w->colmajor = gr_alloc_huge((size_t)m * l, sizeof *w->colmajor);
    w->tau = gr_alloc(l, sizeof *w->tau);
    w->work = gr_alloc((size_t)w->lwork, sizeof *w->work);
    if (!w->colmajor || !w->tau || !w->work) GR_FAIL(GR_ERR_NOMEM, "out of memory for a %u x %u QR", m, l);
fail:
    return status;
}

static void orth_free(orth_ws *w)
{
    free(w->colmajor);
    free(w->tau);
    free(w->work);
}

/* Z (m x l, row-major) <- an orthonormal basis of its columns' span
 * (Householder QR; a rank-deficient Z still gets orthonormal columns). */
static gr_status orthonormalize(float *Z, uint32_t m, uint32_t l, orth_ws *w, char *msg)
{
    gr_status status = GR_OK;
    const int M = (int)m, L = (int)l;
    int info = 0;
    transpose(Z, w->colmajor, m, l); /* row-major m x l = column-major l x m; we need m x l */
    sgeqrf_(&M, &L, w->colmajor, &M, w->tau, w->work, &w->lwork, &info);
    if (info != 0) GR_FAIL(GR_ERR_LIB, "LAPACK: sgeqrf failed (info %d)", info);
    sorgqr_(&M, &L, &L, w->colmajor, &M, w->tau, w->work, &w->lwork, &info);
    if (info != 0) GR_FAIL(GR_ERR_LIB, "LAPACK: sorgqr failed (info %d)", info);
    transpose(w->colmajor, Z, l, m);
fail:
    return status;
}

/* Eigen-decomposition of the l x l Gram matrix C = QᵀQ (row-major, upper
 * triangle filled by ssyrk), in double: C's eigenvalues are sigma^2, and
 * float would keep only ~7 digits of the smallest kept ones relative to
 * sigma_1^2.  Writes U (l x rank, row-major) = the top eigenvectors divided
 * by their sigma, so that V = Q U; and sigma. */
static gr_status small_eig(const float *C, uint32_t l, uint32_t rank, float *U, float *sigma, char *msg)
{
    gr_status status = GR_OK;
    double *A = NULL, *w = NULL, *work = NULL;
    int *iwork = NULL;
    const int L = (int)l, lquery = -1;
    int info = 0, liwork = 0, lwork = 0;
    double wq = 0;
    A = gr_alloc((size_t)l * l, sizeof *A);
    w = gr_alloc(l, sizeof *w);
    GR_CHECK_ALLOC(A, "the small eigenproblem");
    GR_CHECK_ALLOC(w, "the small eigenproblem");
    for (uint32_t a = 0; a < l; a++)
        for (uint32_t b = a; b < l; b++) A[(size_t)a * l + b] = A[(size_t)b * l + a] = C[(size_t)a * l + b];
    dsyevd_("V", "U", &L, A, &L, w, &wq, &lquery, &liwork, &lquery, &info, 1, 1);
    if (info != 0) GR_FAIL(GR_ERR_LIB, "LAPACK: workspace query of dsyevd failed (info %d)", info);
    lwork = (int)wq + 1;
    work = gr_alloc((size_t)lwork, sizeof *work);
    iwork = gr_alloc((size_t)liwork, sizeof *iwork);
    GR_CHECK_ALLOC(work, "dsyevd's workspace");
    GR_CHECK_ALLOC(iwork, "dsyevd's workspace");
    dsyevd_("V", "U", &L, A, &L, w, work, &lwork, iwork, &liwork, &info, 1, 1);
    if (info != 0) GR_FAIL(GR_ERR_LIB, "LAPACK: dsyevd failed (info %d)", info);
    /* ascending eigenvalues; eigenvector j is column j, i.e. A[j*l .. j*l+l) */
    const double top = sqrt(fmax(w[l - 1], 0.0));
    for (uint32_t c = 0; c < rank; c++) {
        const uint32_t j = l - 1 - c;
        const double s = sqrt(fmax(w[j], 0.0));
        const double inv = s > top * RANK_CUTOFF && s > 0 ? 1.0 / s : 0.0;
        if (sigma) sigma[c] = (float)s;
        for (uint32_t a = 0; a < l; a++) U[(size_t)a * rank + c] = (float)(A[(size_t)j * l + a] * inv);
    }
fail:
    free(A);
    free(w);
    free(work);
    free(iwork);
    return status;
}

/* One product, timed. */
static gr_status product(const gr_linop *A, int transposed, const float *X, float *Y, uint32_t l,
                         gr_rsvd_report *r, char *msg)
{
    const double t0 = gr_now();
    gr_status s = transposed ? A->apply_t(A->ctx, X, Y, l, msg) : A->apply(A->ctx, X, Y, l, msg);
    r->product_seconds += gr_now() - t0;
    r->products++;
    return s;
}

gr_status gr_rsvd(const gr_linop *A, const gr_rsvd_opts *o, float *V, float *sigma, gr_rsvd_report *report,
                  char *msg)
{
    gr_status status = GR_OK;
    gr_rsvd_report rep = {0};
    orth_ws ws = {0};
    float *Q = NULL, *Z = NULL, *C = NULL, *U = NULL;
    const double t0 = gr_now();
    const uint32_t m = A->n_rows, n = A->n_cols, small = m < n ? m : n;
    if (o->rank == 0 || o->rank > small)
        GR_FAIL(GR_ERR_ARG, "randomized SVD: rank %u must be 1..%u for a %u x %u matrix", o->rank, small, m, n);
    if (m > INT_MAX || n > INT_MAX)
        GR_FAIL(GR_ERR_ARG, "randomized SVD: %u x %u exceeds LAPACK's 32-bit dimensions", m, n);
    const uint32_t l = o->oversample < small - o->rank ? o->rank + o->oversample : small;
    rep.columns = l;

    Q = gr_alloc_huge((size_t)n * l, sizeof *Q);
    Z = gr_alloc_huge((size_t)m * l, sizeof *Z);
    C = gr_alloc((size_t)l * l, sizeof *C);
    U = gr_alloc((size_t)l * o->rank, sizeof *U);
    if (!Q || !Z || !C || !U) GR_FAIL(GR_ERR_NOMEM, "out of memory for the randomized SVD's %u-column blocks", l);
    GR_TRY(orth_init(&ws, m, l, msg));

    /* the range finder: Z spans (A Aᵀ)^q A Omega */
    fill_gaussian(Q, n, l, o->seed);
    GR_TRY(product(A, 0, Q, Z, l, &rep, msg));
    double t = gr_now();
    GR_TRY(orthonormalize(Z, m, l, &ws, msg));
    rep.orth_seconds += gr_now() - t;
    for (uint32_t it = 0; it < o->power_iters; it++) {
        GR_TRY(product(A, 1, Z, Q, l, &rep, msg));
        GR_TRY(product(A, 0, Q, Z, l, &rep, msg));
        t = gr_now();
        GR_TRY(orthonormalize(Z, m, l, &ws, msg));
        rep.orth_seconds += gr_now() - t;
    }
    /* Q = Aᵀ Z = Bᵀ with B = Zᵀ A, the projection of A on Z: B's right
     * singular vectors are A's, approximately.  B Bᵀ = QᵀQ = W Λ Wᵀ gives
     * them as Q W Λ^-1/2 (B = W Λ^1/2 Vᵀ). */
    GR_TRY(product(A, 1, Z, Q, l, &rep, msg));
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)l, (int)n, 1.0f, Q, (int)l, 0.0f, C, (int)l);
    GR_TRY(small_eig(C, l, o->rank, U, sigma, msg));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)o->rank, (int)l, 1.0f, Q, (int)l, U,
                (int)o->rank, 0.0f, V, (int)o->rank);
    rep.seconds = gr_now() - t0;
    if (report) *report = rep;
fail:
    orth_free(&ws);
    free(Q);
    free(Z);
    free(C);
    free(U);
    return status;
}
