/* Y = Â·X: our OpenMP CSR loop, or GrB_mxm over the GraphBLAS copy.
 *
 * The CSR loop is bound by gathering one X row per entry.  Measured on Gowalla
 * (d = 64, 2 threads, medians in one interleaved run on a busy machine):
 *   plain SSE2 loop, static halves              ~18 ms (and 2x worse when a
 *                                               core is shared: dynamic chunks)
 *   + AVX2 / AVX-512 clones (target_clones)      ~9 ms
 *   + prefetching X rows 32 entries ahead        ~5 ms   (8: 8 ms, 64: same)
 *   GrB_mxm (saxpy5, in place)                  ~18 ms
 * Issue 4 (busy machine, so CPU time of one thread, medians of interleaved
 * runs in one process; old loop ~9.0-12.5 ms):
 *   output row in registers (d = 16·NV)          ~5.5-7.2 ms, 1.5-1.75x
 *     (the old loop loaded and stored y for every entry, and the x86-64-v4
 *     clone used ymm: gcc prefers 256-bit vectors; explicit AVX2 registers
 *     are only ~5% behind AVX-512 here, an array of accumulators spills)
 *   prefetch 16 / 64 instead of 32               +10% / same; _MM_HINT_T1 or
 *     T1 far + T0 near: +15%; streaming stores for Y: same
 *   two output rows interleaved                  +15%
 *   node reordering (RCM, BFS from hubs, degree) 0.9-1.1x: not kept
 * Column blocking (16 floats per pass) was slower.  Each row is summed by one
 * thread in entry order, and -std=c11 keeps gcc from contracting to FMA, so Y
 * is bitwise the same for any thread count, any clone, and either loop. */
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "sparse/adjacency.h"
#include "sparse/adjacency_impl.h"
#include "sparse/grb.h"

#define PREFETCH_AHEAD 32  /* entries; see the table above */
#define CHUNKS_PER_THREAD 64

/* What happens to a finished output row y (see gr_spmm_fused): y += beta·z,
 * then out += alpha·y.  Each is multiply-then-add per element, the same
 * arithmetic as a separate pass, so fusing changes no bit of the result. */
typedef struct {
    const float *Z;
    float beta;
    float *OUT;
    float alpha;
} epilogue;

/* Smallest row r with ptr[r] + r >= target (ptr[r] + r strictly increases):
 * a row costs its entries plus writing its output row. */
static uint32_t row_for_work(const uint64_t *ptr, uint32_t n, uint64_t target)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ptr[mid] + mid < target) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Any d: Y's row is summed in place, one entry at a time. */
static inline __attribute__((always_inline)) void spmm_rows(const uint64_t *restrict ptr,
                                                            const uint32_t *restrict idx,
                                                            const float *restrict val, const float *restrict X,
                                                            float *restrict Y, size_t d, uint32_t r0, uint32_t r1,
                                                            const epilogue *ep)
{
    const uint64_t end = ptr[r1];
    const size_t row_bytes = d * sizeof(float);
    for (uint32_t r = r0; r < r1; r++) {
        float *restrict y = Y + (size_t)r * d;
#pragma omp simd
        for (size_t j = 0; j < d; j++) y[j] = 0.0f;
        for (uint64_t k = ptr[r]; k < ptr[r + 1]; k++) {
            if (k + PREFETCH_AHEAD < end) {
                /* the hardware prefetcher cannot guess a gather */
                const char *p = (const char *)(X + (size_t)idx[k + PREFETCH_AHEAD] * d);
                for (size_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(p + b);
            }
            const float v = val[k];
            const float *restrict x = X + (size_t)idx[k] * d;
#pragma omp simd
            for (size_t j = 0; j < d; j++) y[j] += v * x[j];
        }
        if (ep->Z != NULL) {
            const float *restrict z = ep->Z + (size_t)r * d;
#pragma omp simd
            for (size_t j = 0; j < d; j++) y[j] += ep->beta * z[j];
        }
        if (ep->OUT != NULL) {
            float *restrict o = ep->OUT + (size_t)r * d;
#pragma omp simd
            for (size_t j = 0; j < d; j++) o[j] += ep->alpha * y[j];
        }
    }
}

/* d = 16·NV (NV = 1..8): the output row lives in NV vector registers of 16
 * floats while its entries stream by, and is stored once.  GCC's vector
 * extension lowers a 16-float vector to one zmm (x86-64-v4), two ymm (v3) or
 * four xmm (baseline).  Same arithmetic as spmm_rows: each y[j] starts at 0
 * and adds v * x[j] in entry order, multiply then add (no FMA contraction
 * under -std=c11), so the results are bit-identical to it. */
typedef float gr_v16 __attribute__((vector_size(64)));
/* the same, at any float's address and aliasing floats: an unaligned load */
typedef float gr_v16u __attribute__((vector_size(64), aligned(4), may_alias));

#define ACC(q) (NV > (q) ? (y##q += v * *(const gr_v16u *)(x + 16 * (q))) : y##q)
#define STORE(q) \
    do { \
        if (NV > (q)) memcpy(y + 16 * (q), &y##q, sizeof y##q); \
    } while (0)
#define ADDZ(q) (NV > (q) ? (y##q += beta * *(const gr_v16u *)(z + 16 * (q))) : y##q)
#define ADDOUT(q) \
    do { \
        if (NV > (q)) *(gr_v16u *)(o + 16 * (q)) += alpha * y##q; \
    } while (0)

static inline __attribute__((always_inline)) void spmm_rows_reg(const uint64_t *restrict ptr,
                                                                const uint32_t *restrict idx,
                                                                const float *restrict val,
                                                                const float *restrict X, float *restrict Y,
                                                                const int NV, uint32_t r0, uint32_t r1,
                                                                const epilogue *ep)
{
    const float beta = ep->beta, alpha = ep->alpha;
    const size_t d = 16 * (size_t)NV;
    const uint64_t end = ptr[r1];
    for (uint32_t r = r0; r < r1; r++) {
        /* named registers, not an array: an array of accumulators gets spilled */
        gr_v16 y0 = {0}, y1 = {0}, y2 = {0}, y3 = {0}, y4 = {0}, y5 = {0}, y6 = {0}, y7 = {0};
        const uint64_t ke = ptr[r + 1];
        for (uint64_t k = ptr[r]; k < ke; k++) {
            if (k + PREFETCH_AHEAD < end) {
                const char *p = (const char *)(X + (size_t)idx[k + PREFETCH_AHEAD] * d);
                for (int b = 0; b < NV; b++) __builtin_prefetch(p + 64 * b);
            }
            const float v = val[k];
            const float *restrict x = X + (size_t)idx[k] * d;
            ACC(0), ACC(1), ACC(2), ACC(3), ACC(4), ACC(5), ACC(6), ACC(7);
        }
        if (ep->Z != NULL) {
            const float *restrict z = ep->Z + (size_t)r * d;
            ADDZ(0), ADDZ(1), ADDZ(2), ADDZ(3), ADDZ(4), ADDZ(5), ADDZ(6), ADDZ(7);
        }
        if (ep->OUT != NULL) {
            float *restrict o = ep->OUT + (size_t)r * d;
            ADDOUT(0);
            ADDOUT(1);
            ADDOUT(2);
            ADDOUT(3);
            ADDOUT(4);
            ADDOUT(5);
            ADDOUT(6);
            ADDOUT(7);
        }
        float *restrict y = Y + (size_t)r * d;
        STORE(0);
        STORE(1);
        STORE(2);
        STORE(3);
        STORE(4);
        STORE(5);
        STORE(6);
        STORE(7);
    }
}
#undef ACC
#undef STORE
#undef ADDZ
#undef ADDOUT

/* One chunk of rows, compiled for AVX-512, AVX2 and baseline x86-64 and
 * picked at load time (the Makefile builds for baseline x86-64). */
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), noinline)) static void
spmm_chunk(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, uint32_t r0, uint32_t r1, const epilogue *ep)
{
    /* each d = 16·NV gets its own copy: the accumulators fit in registers */
    switch (d) {
    case 16: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 1, r0, r1, ep); break;
    case 32: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 2, r0, r1, ep); break;
    case 48: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 3, r0, r1, ep); break;
    case 64: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 4, r0, r1, ep); break;
    case 80: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 5, r0, r1, ep); break;
    case 96: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 6, r0, r1, ep); break;
    case 112: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 7, r0, r1, ep); break;
    case 128: spmm_rows_reg(a->ptr, a->idx, a->val, X, Y, 8, r0, r1, ep); break;
    default: spmm_rows(a->ptr, a->idx, a->val, X, Y, d, r0, r1, ep);
    }
}

static void spmm_csr(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const epilogue *ep)
{
    const uint64_t total = a->ptr[a->n] + a->n;
    const int chunks = omp_get_max_threads() * CHUNKS_PER_THREAD;
    /* Chunks of equal work, handed out dynamically: a thread that shares its
     * core with another process does not hold the others up. */
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < chunks; c++) {
        /* double: total * c could overflow 64 bits in principle; neighbours
         * compute their shared boundary with the same expression. */
        const uint32_t r0 = row_for_work(a->ptr, a->n, (uint64_t)((double)total * c / chunks));
        const uint32_t r1 = c + 1 == chunks ? a->n : row_for_work(a->ptr, a->n, (uint64_t)((double)total * (c + 1) / chunks));
        if (r0 < r1) spmm_chunk(a, X, Y, d, r0, r1, ep);
    }
}

/* Hands an array back from a packed full matrix; *lent is cleared only when
 * the unpack succeeded, so the caller never frees a matrix that still owns
 * the caller's memory. */
static gr_status unpack_full(GrB_Matrix M, void **lent, const void *expect, GrB_Index bytes, const char *what,
                             char *msg)
{
    gr_status status = GR_OK;
    void *p = NULL;
    GrB_Index size = 0;
    bool iso = false;
    GR_GRB_TRY_ON(M, GxB_Matrix_unpack_FullR(M, &p, &size, &iso, NULL));
    *lent = NULL;
    /* GraphBLAS took X and Y by pointer; it must give the same arrays back,
     * unchanged in size and not iso-compressed, or the caller's data is gone. */
    if (p != expect || size < bytes || iso)
        GR_FAIL(GR_ERR_LIB, "GraphBLAS: %s came back as a different array (%p, %llu bytes, iso %d)", what, p,
                (unsigned long long)size, (int)iso);
fail:
    return status;
}

static gr_status spmm_grb(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, char *msg)
{
    gr_status status = GR_OK;
    GrB_Matrix Xm = NULL, Ym = NULL;
    const GrB_Index bytes = (GrB_Index)a->n * d * sizeof(float);
    /* GraphBLAS's pack takes non-const arrays but only reads B in mxm: X
     * comes back untouched. */
    void *xp = (void *)(uintptr_t)X, *yp = Y;
    void *x_lent = NULL, *y_lent = NULL; /* non-NULL while GraphBLAS holds them */

    /* Y must be zero for C += A*B (the saxpy4/5 path, in place in Y); our own
     * parallel region, with no GraphBLAS call inside. */
    const int64_t n = a->n;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n; r++) memset(Y + (size_t)r * d, 0, (size_t)d * sizeof(float));

    GR_TRY(gr_norm_adj_ensure_grb((gr_norm_adj *)(uintptr_t)a, msg)); /* fills a cache only */
    GR_GRB_TRY(GrB_Matrix_new(&Xm, GrB_FP32, a->n, d));
    GR_GRB_TRY(GrB_Matrix_new(&Ym, GrB_FP32, a->n, d));
    GR_GRB_TRY_ON(Xm, GxB_Matrix_pack_FullR(Xm, &xp, bytes, false, NULL));
    x_lent = (void *)(uintptr_t)X;
    GR_GRB_TRY_ON(Ym, GxB_Matrix_pack_FullR(Ym, &yp, bytes, false, NULL));
    y_lent = Y;
    GR_GRB_TRY_ON(Ym, GrB_mxm(Ym, NULL, GrB_PLUS_FP32, GrB_PLUS_TIMES_SEMIRING_FP32, a->G, Xm, NULL));
    GR_TRY(unpack_full(Ym, &y_lent, Y, bytes, "Y", msg));
    GR_TRY(unpack_full(Xm, &x_lent, X, bytes, "X", msg));
fail:
    /* Take the caller's arrays back even after an error; if that fails too,
     * leak the matrix rather than let GrB_free release memory we do not own. */
    if (y_lent != NULL && unpack_full(Ym, &y_lent, Y, bytes, "Y", NULL) != GR_OK && y_lent != NULL) Ym = NULL;
    if (x_lent != NULL && unpack_full(Xm, &x_lent, X, bytes, "X", NULL) != GR_OK && x_lent != NULL) Xm = NULL;
    if (Ym != NULL) GrB_Matrix_free(&Ym);
    if (Xm != NULL) GrB_Matrix_free(&Xm);
    return status;
}

/* The epilogue as separate passes, for the GraphBLAS kernel. */
static void apply_epilogue(float *Y, size_t len, const epilogue *ep)
{
    if (ep->Z != NULL) {
#pragma omp parallel for schedule(static)
        for (size_t c = 0; c < len; c++) Y[c] += ep->beta * ep->Z[c];
    }
    if (ep->OUT != NULL) {
#pragma omp parallel for schedule(static)
        for (size_t c = 0; c < len; c++) ep->OUT[c] += ep->alpha * Y[c];
    }
}

gr_status gr_spmm(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, gr_spmm_kernel k, char *msg)
{
    return gr_spmm_fused(a, X, Y, d, NULL, 0.0f, NULL, 0.0f, k, msg);
}

gr_status gr_spmm_fused(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const float *Z, float beta,
                        float *OUT, float alpha, gr_spmm_kernel k, char *msg)
{
    gr_status status = GR_OK;
    const epilogue ep = {Z, beta, OUT, alpha};
    if (a == NULL || X == NULL || Y == NULL) GR_FAIL(GR_ERR_ARG, "gr_spmm: NULL matrix or array");
    if (d == 0) GR_FAIL(GR_ERR_ARG, "gr_spmm: embedding size d must be positive");
    if ((uint64_t)a->n * d > (uint64_t)(SIZE_MAX / sizeof(float)) / 2)
        GR_FAIL(GR_ERR_ARG, "gr_spmm: %u x %u does not fit in memory", a->n, d);
    const size_t len = (size_t)a->n * d;
    if (X < Y + len && Y < X + len) GR_FAIL(GR_ERR_ARG, "gr_spmm: X and Y overlap; Y = Â·X needs distinct arrays");
    if ((Z && Z < Y + len && Y < Z + len) || (OUT && ((OUT < Y + len && Y < OUT + len) || (OUT < X + len && X < OUT + len))))
        GR_FAIL(GR_ERR_ARG, "gr_spmm: Z or OUT overlaps X or Y");
    if (a->n == 0) goto fail; /* nothing to compute */
    switch (k) {
    case GR_SPMM_CSR:
        spmm_csr(a, X, Y, d, &ep);
        break;
    case GR_SPMM_GRAPHBLAS:
        if (omp_in_parallel())
            GR_FAIL(GR_ERR_ARG, "gr_spmm: the GraphBLAS kernel must not be called inside an OpenMP parallel region");
        GR_TRY(spmm_grb(a, X, Y, d, msg));
        apply_epilogue(Y, len, &ep);
        break;
    default:
        GR_FAIL(GR_ERR_ARG, "gr_spmm: unknown kernel %d", (int)k);
    }
fail:
    return status;
}
