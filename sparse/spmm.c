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
 * is bitwise the same for any thread count, any clone, and either loop.
 *
 * The batch options (gr_spmm_opts), on Gowalla batches of 2048
 * (~5,800 rows, 12-16% of the entries), CPU time of one thread, medians of
 * interleaved runs in one process; the plain product ~5.1-5.8 ms, unchanged:
 *   a row list (the last forward layer)          1.6-1.9 ms; 3.5 ms before
 *     the listed rows' CSR arrays were prefetched (prefetch_list_rows)
 *   a live mask, test-and-skip per entry         no faster than gathering
 *     zeros: the branch mispredicts as often as a column is live
 *   a live mask reading zeros from L1 instead     4.7 ms (live_row)
 *   scattering the live rows of X (Â symmetric)  2.6-2.9 ms as one chunk,
 *     but each chunk re-reads every live row; in chunks for two threads
 *     2.7-2.9 ms (wall) against 2.8 for live_row: not kept
 *   OUT on masked rows only                      slower than a full OUT pass
 *     until its rows were prefetched a few rows ahead (prefetch_epilogue)
 *
 * Halves (X16 in, Y16 out: issue 4's narrower activations), the same loops
 * gathering 128-byte half rows at d = 64 (two cache lines, not four),
 * converted by vcvtph2ps as they are summed; Gowalla, d = 64, on a machine
 * at load 6-8 on 2 cores (a training job and other tests), so CPU time of one
 * thread, medians of 30 interleaved runs in one process, 3 rounds:
 *   csr, floats                                  7.3-7.6 ms
 *   X16 in, Y out (floats)                       5.3-5.6 ms, 0.73x
 *   X16 in, Y16 out                              5.0-5.3 ms, 0.68-0.69x
 *   X to halves, one pass over n x d floats      1.0 ms (LightGCN's ego)
 *   halves prefetched 16 / 32 / 48 / 64 entries ahead: 64 is best (the
 *     same 128 cache lines ahead as the float loop's 32 entries); 16 gains
 *     nothing over floats
 * The float loop is unchanged by them (bench_spmm, 2 threads, wall time,
 * 5 alternating runs each of the old and new binary on that machine:
 * 9.3-11.5 ms before, 8.9-10.6 ms after, medians 10.0 ms both). */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sparse/adjacency.h"
#include "sparse/adjacency_impl.h"
#include "sparse/grb.h"
#include "sparse/half.h"

#define PREFETCH_AHEAD 32  /* entries; see the table above */
#define PREFETCH_AHEAD16 64 /* entries, for halves: the same 128 cache lines ahead */
#define CHUNKS_PER_THREAD 64
#define EPILOGUE_AHEAD 2   /* rows; see prefetch_epilogue */
#define LIST_AHEAD 4       /* rows; see prefetch_list_rows */
#define REG_MAX_FLOATS 128 /* the widest register-blocked row, d = 16·8 */

/* What happens to a finished output row y (see gr_spmm_opts): y += beta·z,
 * then out += alpha·y (or out = alpha0·init + alpha·y), then y goes to
 * row_fn or into Y.  Each is multiply-then-add per element, the same
 * arithmetic as a separate pass, so fusing changes no bit of the result. */
typedef struct {
    const float *Z;
    float beta;
    const uint8_t *z_live;
    float *OUT;
    float alpha;
    const float *init;
    float alpha0;
    const uint8_t *out_mask;
    float *Y;
    gr_spmm_row_fn row_fn;
    void *row_ctx;
    uint16_t *Y16; /* y rounded to half, besides or instead of Y */
} epilogue;

/* One call's arguments: which rows, which entries, and the epilogue. */
typedef struct {
    const uint64_t *ptr;
    const uint32_t *idx;
    const float *val;
    const float *X;
    const uint16_t *X16;    /* X as halves (then X is NULL) */
    const uint32_t *list;   /* the rows to compute, or NULL: all rows */
    const uint8_t *x_live;  /* NULL: every column of X is live */
    epilogue ep;
} job;

static inline int ep_z(const epilogue *ep, uint32_t r) { return ep->Z != NULL && (ep->z_live == NULL || ep->z_live[r]); }

static inline int ep_out(const epilogue *ep, uint32_t r)
{
    return ep->OUT != NULL && (ep->out_mask == NULL || ep->out_mask[r]);
}

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

/* ---- prefetching ----------------------------------------------------------
 * The hardware prefetcher cannot guess a gather, so each entry prefetches
 * the X row of the entry PREFETCH_AHEAD entries later in visiting order:
 * simply k + PREFETCH_AHEAD over a range of rows; over a list of rows, a
 * cursor that hops from one listed row's entries to the next one's. */
typedef struct {
    uint64_t k, ke; /* the cursor's entry and the end of its row (range: the end of all) */
    uint32_t i, i1; /* list: the cursor's position in the list, and the list's end */
} ahead;

/* d zeros, for the dead columns of a live mask (see live_row). */
static const float zero_row[REG_MAX_FLOATS] __attribute__((aligned(64)));

/* X's row c, or zero_row when c is dead (d <= REG_MAX_FLOATS).  Adding
 * v·(+-0) leaves a sum that started at +0 unchanged, bit for bit, so this is
 * the same as skipping the entry; but a test-and-skip per entry mispredicts
 * as often as a column is live, and cost as much as the gathers it saved.
 * Selecting the address is branch-free, and the zeros stay in L1. */
static inline __attribute__((always_inline)) const float *live_row(const float *X, uint32_t c, size_t d,
                                                                   const uint8_t *live)
{
    /* a mask, not ?: -- gcc turns ?: back into a branch here */
    const uintptr_t m = (uintptr_t)0 - (uintptr_t)(live[c] != 0);
    return (const float *)(((uintptr_t)(X + (size_t)c * d) & m) | ((uintptr_t)zero_row & ~m));
}

static inline __attribute__((always_inline)) void prefetch_row(const float *X, uint32_t c, size_t d)
{
    const char *p = (const char *)(X + (size_t)c * d);
    /* unrolled when d is a compile-time 16·NV: a loop here costs 1.35x */
#pragma GCC unroll 8
    for (size_t b = 0; b < d * sizeof(float); b += 64) __builtin_prefetch(p + b);
}

/* The same for a row of halves: half the cache lines. */
static inline __attribute__((always_inline)) void prefetch_row16(const uint16_t *X16, uint32_t c, size_t d)
{
    const char *p = (const char *)(X16 + (size_t)c * d);
#pragma GCC unroll 8
    for (size_t b = 0; b < d * sizeof(uint16_t); b += 64) __builtin_prefetch(p + b);
}

/* Prefetches the X row (X16's when H) of the entry PREFETCH_AHEAD ahead of
 * entry k (dead columns are not fetched), and moves the list cursor on by
 * one entry. */
static inline __attribute__((always_inline)) void ahead_step(ahead *p, const uint64_t *ptr, const uint32_t *idx,
                                                             const uint32_t *list, const uint8_t *live,
                                                             const float *X, const uint16_t *X16, size_t d,
                                                             const int LIST, const int LIVE, const int H, uint64_t k)
{
    uint64_t q;
    if (LIST) {
        while (p->k == p->ke) {
            if (p->i + 1 >= p->i1) return; /* the list is exhausted */
            p->i++;
            p->k = ptr[list[p->i]];
            p->ke = ptr[list[p->i] + 1];
        }
        q = p->k++;
    } else {
        q = k + (H ? PREFETCH_AHEAD16 : PREFETCH_AHEAD);
        if (q >= p->ke) return;
    }
    const uint32_t c = idx[q];
    if (H) prefetch_row16(X16, c, d);
    else if (!LIVE) prefetch_row(X, c, d);
    else if (d <= REG_MAX_FLOATS) prefetch_row(live_row(X, c, d, live), 0, d); /* no branch, see live_row */
    else if (live[c]) prefetch_row(X, c, d);
}

/* For a list: the CSR arrays of listed rows lie anywhere, and the X-row
 * cursor above would stall on their first cache lines.  So ptr of the row
 * 2·LIST_AHEAD further on, and idx and val of the row LIST_AHEAD further on
 * (whose ptr came in by then), are prefetched from row i. */
static inline __attribute__((always_inline)) void prefetch_list_rows(const uint64_t *ptr, const uint32_t *idx,
                                                                     const float *val, const uint32_t *list,
                                                                     uint32_t i, uint32_t i1)
{
    if (i + 2 * LIST_AHEAD < i1) __builtin_prefetch(ptr + list[i + 2 * LIST_AHEAD]);
    if (i + LIST_AHEAD < i1) {
        const uint32_t r = list[i + LIST_AHEAD];
        const uint64_t k0 = ptr[r], k1 = ptr[r + 1];
        if (k0 < k1) {
            __builtin_prefetch(idx + k0);
            __builtin_prefetch(idx + k1 - 1);
            __builtin_prefetch(val + k0);
            __builtin_prefetch(val + k1 - 1);
        }
    }
}

/* Positions the cursor for rows i0..i1 (of the list, or the rows themselves)
 * and, for a list, prefetches the first PREFETCH_AHEAD entries on the way. */
static inline __attribute__((always_inline)) void ahead_init(ahead *p, const uint64_t *ptr, const uint32_t *idx,
                                                             const uint32_t *list, const uint8_t *live,
                                                             const float *X, const uint16_t *X16, size_t d,
                                                             const int LIST, const int LIVE, const int H, uint32_t i0,
                                                             uint32_t i1)
{
    if (!LIST) {
        p->ke = ptr[i1];
        return;
    }
    p->i = i0;
    p->i1 = i1;
    p->k = ptr[list[i0]];
    p->ke = ptr[list[i0] + 1];
    for (int s = 0; s < (H ? PREFETCH_AHEAD16 : PREFETCH_AHEAD); s++)
        ahead_step(p, ptr, idx, list, live, X, X16, d, LIST, LIVE, H, 0);
}

/* The rows of Z, OUT and OUT_INIT that row r's epilogue will read, when they
 * are scattered (a mask or a row list picks them): the hardware prefetcher
 * streams them in a full pass, but a scattered row costs a memory latency
 * per cache line, which made a masked OUT slower than a full one.  Issued a
 * few rows ahead (EPILOGUE_AHEAD), while those rows' entries are summed. */
static inline __attribute__((always_inline)) void prefetch_epilogue(const epilogue *ep, uint32_t r, size_t d,
                                                                    const int LIST)
{
    if (ep->z_live != NULL && ep_z(ep, r)) prefetch_row(ep->Z, r, d);
    if ((LIST || ep->out_mask != NULL) && ep_out(ep, r)) {
        prefetch_row(ep->OUT, r, d);
        if (ep->init != NULL) prefetch_row(ep->init, r, d);
    }
}

/* ---- the generic loop (any d) --------------------------------------------- */

/* The epilogue of row r, y being the row's sum (in Y's row, or in scratch
 * memory when it is not to be stored there). */
static inline __attribute__((always_inline)) void finish_row(const epilogue *ep, uint32_t r, float *restrict y,
                                                             size_t d)
{
    if (ep_z(ep, r)) {
        const float *restrict z = ep->Z + (size_t)r * d;
        const float beta = ep->beta;
#pragma omp simd
        for (size_t j = 0; j < d; j++) y[j] += beta * z[j];
    }
    if (ep_out(ep, r)) {
        /* no restrict: OUT_INIT may be OUT itself */
        float *o = ep->OUT + (size_t)r * d;
        const float alpha = ep->alpha, alpha0 = ep->alpha0;
        if (ep->init != NULL) {
            const float *oi = ep->init + (size_t)r * d;
            for (size_t j = 0; j < d; j++) o[j] = alpha0 * oi[j] + alpha * y[j];
        } else {
#pragma omp simd
            for (size_t j = 0; j < d; j++) o[j] += alpha * y[j];
        }
    }
    if (ep->Y16 != NULL) {
        uint16_t *h = ep->Y16 + (size_t)r * d;
        for (size_t j = 0; j < d; j++) h[j] = gr_half_from_float(y[j]);
    }
    if (ep->row_fn != NULL) ep->row_fn(ep->row_ctx, r, y);
    else if (ep->Y != NULL && y != ep->Y + (size_t)r * d) memcpy(ep->Y + (size_t)r * d, y, d * sizeof(float));
}

/* How a copy of the loops reads X: floats (CVT_NONE), or halves (X16)
 * converted by portable integer code, by F16C (8 per instruction) or by
 * AVX-512F (16); a compile-time argument like LIST and LIVE.  The conversion
 * is exact, so the sums are those of the float loop on X16's values. */
enum { CVT_NONE, CVT_SCALAR, CVT_F16C, CVT_AVX512 };

/* Any d: the row is summed in memory (Y's row, or scratch), one entry at a
 * time.  Halves are converted by the portable code, which vectorizes. */
static inline __attribute__((always_inline)) void rows_any(const job *jb, size_t d, const int LIST, const int LIVE,
                                                           const int CVT, uint32_t i0, uint32_t i1, float *scratch)
{
    const uint64_t *restrict ptr = jb->ptr;
    const uint32_t *restrict idx = jb->idx;
    const float *restrict val = jb->val;
    const float *restrict X = jb->X;
    const uint16_t *restrict X16 = jb->X16;
    const uint32_t *restrict list = jb->list;
    const uint8_t *restrict live = jb->x_live;
    const epilogue *ep = &jb->ep;
    const int in_y = ep->row_fn == NULL && ep->Y != NULL;
    ahead pf;
    ahead_init(&pf, ptr, idx, list, live, X, X16, d, LIST, LIVE, CVT != CVT_NONE, i0, i1);
    for (uint32_t i = i0; i < i1; i++) {
        const uint32_t r = LIST ? list[i] : i;
        if (LIST) prefetch_list_rows(ptr, idx, val, list, i, i1);
        if (i + EPILOGUE_AHEAD < i1) prefetch_epilogue(ep, LIST ? list[i + EPILOGUE_AHEAD] : i + EPILOGUE_AHEAD, d, LIST);
        float *restrict y = in_y ? ep->Y + (size_t)r * d : scratch;
#pragma omp simd
        for (size_t j = 0; j < d; j++) y[j] = 0.0f;
        for (uint64_t k = ptr[r]; k < ptr[r + 1]; k++) {
            ahead_step(&pf, ptr, idx, list, live, X, X16, d, LIST, LIVE, CVT != CVT_NONE, k);
            const uint32_t c = idx[k];
            if (LIVE && !live[c]) continue;
            const float v = val[k];
            if (CVT != CVT_NONE) {
                const uint16_t *restrict xh = X16 + (size_t)c * d;
#pragma omp simd
                for (size_t j = 0; j < d; j++) y[j] += v * gr_half_to_float(xh[j]);
            } else {
                const float *restrict x = X + (size_t)c * d;
#pragma omp simd
                for (size_t j = 0; j < d; j++) y[j] += v * x[j];
            }
        }
        finish_row(ep, r, y, d);
    }
}

/* ---- the register-blocked loop (d = 16·NV) ---------------------------------
 * The output row lives in NV vector registers of 16 floats while its entries
 * stream by, and is stored once.  GCC's vector extension lowers a 16-float
 * vector to one zmm (x86-64-v4), two ymm (v3) or four xmm (baseline).  Same
 * arithmetic as rows_any: each y[j] starts at 0 and adds v * x[j] in entry
 * order, multiply then add (no FMA contraction under -std=c11), so the
 * results are bit-identical to it. */
typedef float gr_v16 __attribute__((vector_size(64)));
/* the same, at any float's address and aliasing floats: an unaligned load */
typedef float gr_v16u __attribute__((vector_size(64), aligned(4), may_alias));

/* 16 halves to 16 floats (exact) and back (rounded to nearest even, as
 * sparse/half.h).  Not always_inline: GCC and clang refuse to inline a
 * target("avx512f") function into the generic helpers around it, even where
 * the branch is dead, but inline it into the target functions those end up
 * in (spmm_chunk16_v4 and _v3: objdump shows no calls to these). */
static inline __attribute__((target("avx512f"))) void cvt_load_avx512(gr_v16 *y, const uint16_t *p)
{
    *y = (gr_v16)_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)p));
}

static inline __attribute__((target("avx512f"))) void cvt_store_avx512(uint16_t *p, const gr_v16 *y)
{
    const __m256i h = _mm512_cvtps_ph((__m512)*y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256((__m256i *)(void *)p, h);
}

static inline __attribute__((target("avx,f16c"))) void cvt_load_f16c(gr_v16 *y, const uint16_t *p)
{
    const __m256 lo = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)p));
    const __m256 hi = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p + 8)));
    memcpy(y, &lo, sizeof lo);
    memcpy((char *)y + sizeof lo, &hi, sizeof hi);
}

static inline __attribute__((target("avx,f16c"))) void cvt_store_f16c(uint16_t *p, const gr_v16 *y)
{
    __m256 lo, hi;
    memcpy(&lo, y, sizeof lo);
    memcpy(&hi, (const char *)y + sizeof lo, sizeof hi);
    _mm_storeu_si128((__m128i *)(void *)p, _mm256_cvtps_ph(lo, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    _mm_storeu_si128((__m128i *)(void *)(p + 8), _mm256_cvtps_ph(hi, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

static inline __attribute__((always_inline)) void half_load(gr_v16 *y, const uint16_t *p, const int CVT)
{
    if (CVT == CVT_AVX512) {
        cvt_load_avx512(y, p);
    } else if (CVT == CVT_F16C) {
        cvt_load_f16c(y, p);
    } else {
        float t[16];
        for (int j = 0; j < 16; j++) t[j] = gr_half_to_float(p[j]);
        memcpy(y, t, sizeof t);
    }
}

static inline __attribute__((always_inline)) void half_store(uint16_t *p, const gr_v16 *y, const int CVT)
{
    if (CVT == CVT_AVX512) {
        cvt_store_avx512(p, y);
    } else if (CVT == CVT_F16C) {
        cvt_store_f16c(p, y);
    } else {
        float t[16];
        memcpy(t, y, sizeof t);
        for (int j = 0; j < 16; j++) p[j] = gr_half_from_float(t[j]);
    }
}

#define V(p, q) (*(const gr_v16u *)((p) + 16 * (q)))
#define ACC(q) (NV > (q) ? (y##q += v * V(x, q)) : y##q)
#define ACCH(q) \
    do { \
        if (NV > (q)) { \
            gr_v16 x_; \
            half_load(&x_, xh + 16 * (q), CVT); \
            y##q += v * x_; \
        } \
    } while (0)
#define STORE16(dst, q) \
    do { \
        if (NV > (q)) half_store((dst) + 16 * (q), &y##q, CVT); \
    } while (0)
#define ADDZ(q) (NV > (q) ? (y##q += beta * V(z, q)) : y##q)
#define STORE(dst, q) \
    do { \
        if (NV > (q)) memcpy((dst) + 16 * (q), &y##q, sizeof y##q); \
    } while (0)
#define ADDOUT(q) \
    do { \
        if (NV > (q)) *(gr_v16u *)(o + 16 * (q)) += alpha * y##q; \
    } while (0)
#define INITOUT(q) \
    do { \
        if (NV > (q)) *(gr_v16u *)(o + 16 * (q)) = alpha0 * V(oi, q) + alpha * y##q; \
    } while (0)
#define EACH(M, ...) \
    do { \
        M(__VA_ARGS__ 0); \
        M(__VA_ARGS__ 1); \
        M(__VA_ARGS__ 2); \
        M(__VA_ARGS__ 3); \
        M(__VA_ARGS__ 4); \
        M(__VA_ARGS__ 5); \
        M(__VA_ARGS__ 6); \
        M(__VA_ARGS__ 7); \
    } while (0)

static inline __attribute__((always_inline)) void rows_reg(const job *jb, const int NV, const int LIST,
                                                           const int LIVE, const int CVT, uint32_t i0, uint32_t i1)
{
    const uint64_t *restrict ptr = jb->ptr;
    const uint32_t *restrict idx = jb->idx;
    const float *restrict val = jb->val;
    const float *restrict X = jb->X;
    const uint16_t *restrict X16 = jb->X16;
    const uint32_t *restrict list = jb->list;
    const uint8_t *restrict live = jb->x_live;
    const epilogue *ep = &jb->ep;
    const size_t d = 16 * (size_t)NV;
    ahead pf;
    ahead_init(&pf, ptr, idx, list, live, X, X16, d, LIST, LIVE, CVT != CVT_NONE, i0, i1);
    for (uint32_t i = i0; i < i1; i++) {
        const uint32_t r = LIST ? list[i] : i;
        if (LIST) prefetch_list_rows(ptr, idx, val, list, i, i1);
        if (i + EPILOGUE_AHEAD < i1) prefetch_epilogue(ep, LIST ? list[i + EPILOGUE_AHEAD] : i + EPILOGUE_AHEAD, d, LIST);
        /* named registers, not an array: an array of accumulators gets spilled */
        gr_v16 y0 = {0}, y1 = {0}, y2 = {0}, y3 = {0}, y4 = {0}, y5 = {0}, y6 = {0}, y7 = {0};
        const uint64_t ke = ptr[r + 1];
        for (uint64_t k = ptr[r]; k < ke; k++) {
            ahead_step(&pf, ptr, idx, list, live, X, X16, d, LIST, LIVE, CVT != CVT_NONE, k);
            const uint32_t c = idx[k];
            const float v = val[k];
            if (CVT != CVT_NONE) {
                const uint16_t *restrict xh = X16 + (size_t)c * d;
                EACH(ACCH, );
            } else {
                const float *restrict x = LIVE ? live_row(X, c, d, live) : X + (size_t)c * d;
                ACC(0), ACC(1), ACC(2), ACC(3), ACC(4), ACC(5), ACC(6), ACC(7);
            }
        }
        if (ep_z(ep, r)) {
            const float beta = ep->beta;
            const float *restrict z = ep->Z + (size_t)r * d;
            ADDZ(0), ADDZ(1), ADDZ(2), ADDZ(3), ADDZ(4), ADDZ(5), ADDZ(6), ADDZ(7);
        }
        if (ep_out(ep, r)) {
            const float alpha = ep->alpha, alpha0 = ep->alpha0;
            float *o = ep->OUT + (size_t)r * d;
            if (ep->init != NULL) {
                const float *oi = ep->init + (size_t)r * d; /* no restrict: may be OUT itself */
                EACH(INITOUT, );
            } else {
                EACH(ADDOUT, );
            }
        }
        if (CVT != CVT_NONE && ep->Y16 != NULL) {
            uint16_t *restrict h = ep->Y16 + (size_t)r * d;
            EACH(STORE16, h, );
        }
        if (ep->row_fn != NULL) {
            float tmp[REG_MAX_FLOATS] __attribute__((aligned(64)));
            EACH(STORE, tmp, );
            ep->row_fn(ep->row_ctx, r, tmp);
        } else if (ep->Y != NULL) {
            float *restrict y = ep->Y + (size_t)r * d;
            EACH(STORE, y, );
        }
    }
}
#undef V
#undef ACC
#undef ACCH
#undef STORE16
#undef ADDZ
#undef STORE
#undef ADDOUT
#undef INITOUT
#undef EACH

/* Rows i0..i1 for one mode: each d = 16·NV gets its own copy, so the
 * accumulators fit in registers; other d take the generic loop. */
static inline __attribute__((always_inline)) void chunk_mode(const job *jb, uint32_t d, const int LIST,
                                                             const int LIVE, const int CVT, uint32_t i0,
                                                             uint32_t i1, float *scratch)
{
    switch (d) {
    case 16: rows_reg(jb, 1, LIST, LIVE, CVT, i0, i1); break;
    case 32: rows_reg(jb, 2, LIST, LIVE, CVT, i0, i1); break;
    case 48: rows_reg(jb, 3, LIST, LIVE, CVT, i0, i1); break;
    case 64: rows_reg(jb, 4, LIST, LIVE, CVT, i0, i1); break;
    case 80: rows_reg(jb, 5, LIST, LIVE, CVT, i0, i1); break;
    case 96: rows_reg(jb, 6, LIST, LIVE, CVT, i0, i1); break;
    case 112: rows_reg(jb, 7, LIST, LIVE, CVT, i0, i1); break;
    case 128: rows_reg(jb, 8, LIST, LIVE, CVT, i0, i1); break;
    default: rows_any(jb, d, LIST, LIVE, CVT, i0, i1, scratch);
    }
}

static int reg_blocked(uint32_t d) { return d % 16 == 0 && d <= REG_MAX_FLOATS; }

/* One chunk of rows, compiled for AVX-512, AVX2 and baseline x86-64 and
 * picked at load time (the Makefile builds for baseline x86-64).  The row
 * list and the live mask are compile-time flags of the copies, so the plain
 * product's inner loop carries no test for them.  A list with a live mask
 * ignores the mask (it only skips zeros): nothing needs that pair, and each
 * mode costs 3 x 9 copies of the loop. */
#ifdef __clang__ /* clang refuses noinline beside target_clones (make fuzz builds with clang) */
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) static void
#else
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), noinline)) static void
#endif
spmm_chunk(const job *jb, uint32_t d, uint32_t i0, uint32_t i1, float *scratch)
{
    if (jb->list != NULL) chunk_mode(jb, d, 1, 0, CVT_NONE, i0, i1, scratch);
    else if (jb->x_live != NULL) chunk_mode(jb, d, 0, 1, CVT_NONE, i0, i1, scratch);
    else chunk_mode(jb, d, 0, 0, CVT_NONE, i0, i1, scratch);
}

/* ---- halves in (X16) ------------------------------------------------------
 * The same loops reading X16, one copy per instruction set, chosen at run
 * time (half_level): target_clones cannot pick the conversion, since a clone
 * does not know at compile time which target it is.  Plain and row-list
 * modes only (x_live with X16 is refused: its user, the backward pass, stays
 * in floats).  The targets are the fp32 clones' ISA levels. */
static inline __attribute__((always_inline)) void chunk16(const job *jb, uint32_t d, const int CVT, uint32_t i0,
                                                          uint32_t i1, float *scratch)
{
    if (jb->list != NULL) chunk_mode(jb, d, 1, 0, CVT, i0, i1, scratch);
    else chunk_mode(jb, d, 0, 0, CVT, i0, i1, scratch);
}

__attribute__((target("arch=x86-64-v4"), noinline)) static void spmm_chunk16_v4(const job *jb, uint32_t d, uint32_t i0,
                                                                                uint32_t i1, float *scratch)
{
    chunk16(jb, d, CVT_AVX512, i0, i1, scratch);
}

__attribute__((target("arch=x86-64-v3"), noinline)) static void spmm_chunk16_v3(const job *jb, uint32_t d, uint32_t i0,
                                                                                uint32_t i1, float *scratch)
{
    chunk16(jb, d, CVT_F16C, i0, i1, scratch);
}

__attribute__((noinline)) static void spmm_chunk16_base(const job *jb, uint32_t d, uint32_t i0, uint32_t i1,
                                                        float *scratch)
{
    chunk16(jb, d, CVT_SCALAR, i0, i1, scratch);
}

static gr_half_isa half_cap = GR_HALF_ISA_BEST;

/* The best CVT_ level this CPU runs (the levels of the fp32 clones), capped
 * by gr_spmm_half_isa. */
static int half_level(void)
{
    __builtin_cpu_init();
#ifdef __clang__ /* clang 14 tests neither "x86-64-v4" nor "f16c"; every AVX2 CPU has F16C */
    const int v4 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
#else
    const int v4 = __builtin_cpu_supports("x86-64-v4"), v3 = __builtin_cpu_supports("x86-64-v3");
#endif
    const int best = v4 ? CVT_AVX512 : v3 ? CVT_F16C : CVT_SCALAR;
    const int cap = half_cap == GR_HALF_ISA_SCALAR ? CVT_SCALAR : half_cap == GR_HALF_ISA_F16C ? CVT_F16C : CVT_AVX512;
    return best < cap ? best : cap;
}

gr_half_isa gr_spmm_half_isa(gr_half_isa cap)
{
    half_cap = cap;
    const int level = half_level();
    return level == CVT_AVX512 ? GR_HALF_ISA_AVX512 : level == CVT_F16C ? GR_HALF_ISA_F16C : GR_HALF_ISA_SCALAR;
}

/* One chunk of rows with the copy for X's type and, for halves, the level. */
static void run_chunk(const job *jb, uint32_t d, uint32_t i0, uint32_t i1, float *scratch, int level)
{
    if (jb->X16 == NULL) spmm_chunk(jb, d, i0, i1, scratch);
    else if (level == CVT_AVX512) spmm_chunk16_v4(jb, d, i0, i1, scratch);
    else if (level == CVT_F16C) spmm_chunk16_v3(jb, d, i0, i1, scratch);
    else spmm_chunk16_base(jb, d, i0, i1, scratch);
}

/* Floats to halves, n of them from src to dst: 16 at a time with the
 * level's instructions, the tail (and CVT_SCALAR) with sparse/half.h. */
static inline __attribute__((always_inline)) void to_half(uint16_t *dst, const float *src, size_t n, const int CVT)
{
    size_t i = 0;
    if (CVT != CVT_SCALAR)
        for (; i + 16 <= n; i += 16) {
            gr_v16 v;
            memcpy(&v, src + i, sizeof v);
            half_store(dst + i, &v, CVT);
        }
    for (; i < n; i++) dst[i] = gr_half_from_float(src[i]);
}

__attribute__((target("arch=x86-64-v4"), noinline)) static void to_half_v4(uint16_t *dst, const float *src, size_t n)
{
    to_half(dst, src, n, CVT_AVX512);
}

__attribute__((target("arch=x86-64-v3"), noinline)) static void to_half_v3(uint16_t *dst, const float *src, size_t n)
{
    to_half(dst, src, n, CVT_F16C);
}

#define HALF_BLOCK 16384 /* floats per task of gr_half_from_float_array */

void gr_half_from_float_array(uint16_t *dst, const float *src, size_t n)
{
    const int level = half_level();
    const int64_t blocks = (int64_t)((n + HALF_BLOCK - 1) / HALF_BLOCK);
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        const size_t i0 = (size_t)b * HALF_BLOCK, len = n - i0 < HALF_BLOCK ? n - i0 : HALF_BLOCK;
        if (level == CVT_AVX512) to_half_v4(dst + i0, src + i0, len);
        else if (level == CVT_F16C) to_half_v3(dst + i0, src + i0, len);
        else to_half(dst + i0, src + i0, len, CVT_SCALAR);
    }
}

/* The listed rows in chunks of equal count, handed out dynamically. */
static void run_list(const job *jb, uint32_t n_list, uint32_t d, int threads, float *scratch, int level)
{
    const uint32_t most = (uint32_t)threads * CHUNKS_PER_THREAD, chunks = n_list < most ? n_list : most;
#pragma omp parallel for schedule(dynamic, 1)
    for (uint32_t c = 0; c < chunks; c++) {
        const uint32_t i0 = (uint32_t)((uint64_t)n_list * c / chunks), i1 = (uint32_t)((uint64_t)n_list * (c + 1) / chunks);
        if (i0 < i1) run_chunk(jb, d, i0, i1, scratch ? scratch + (size_t)omp_get_thread_num() * d : NULL, level);
    }
}

/* All rows, in chunks of equal work handed out dynamically: a thread that
 * shares its core with another process does not hold the others up. */
static void run_all(const job *jb, uint32_t n, uint32_t d, int threads, float *scratch, int level)
{
    const uint64_t total = jb->ptr[n] + n;
    const int chunks = threads * CHUNKS_PER_THREAD;
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < chunks; c++) {
        /* double: total * c could overflow 64 bits in principle; neighbours
         * compute their shared boundary with the same expression. */
        const uint32_t r0 = row_for_work(jb->ptr, n, (uint64_t)((double)total * c / chunks));
        const uint32_t r1 = c + 1 == chunks ? n : row_for_work(jb->ptr, n, (uint64_t)((double)total * (c + 1) / chunks));
        if (r0 < r1) run_chunk(jb, d, r0, r1, scratch ? scratch + (size_t)omp_get_thread_num() * d : NULL, level);
    }
}

static gr_status spmm_csr(const job *jb, uint32_t n, uint32_t n_list, uint32_t d, char *msg)
{
    gr_status status = GR_OK;
    const int threads = omp_get_max_threads();
    float *scratch = NULL;
    /* The generic loop sums a row that is not stored in Y in scratch memory,
     * d floats per thread. */
    if (!reg_blocked(d) && (jb->ep.row_fn != NULL || jb->ep.Y == NULL)) {
        scratch = gr_alloc((size_t)threads * d, sizeof *scratch);
        GR_CHECK_ALLOC(scratch, "SpMM row scratch");
    }
    const int level = jb->X16 != NULL ? half_level() : CVT_NONE;
    if (jb->list != NULL) run_list(jb, n_list, d, threads, scratch, level);
    else run_all(jb, n, d, threads, scratch, level);
fail:
    free(scratch);
    return status;
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

/* GrB_mxm computes every row, into Y when Y is to hold exactly that, else
 * into a temporary; the epilogue then runs row by row as in our loop. */
static gr_status spmm_grb_ex(const gr_norm_adj *a, const job *jb, uint32_t n_list, uint32_t d, char *msg)
{
    gr_status status = GR_OK;
    const epilogue *ep = &jb->ep;
    float *T = ep->Y, *tmp = NULL;
    if (jb->list != NULL || ep->row_fn != NULL || ep->Y == NULL) {
        T = tmp = gr_alloc_huge((size_t)a->n * d, sizeof *tmp);
        GR_CHECK_ALLOC(tmp, "the SpMM product");
    }
    GR_TRY(spmm_grb(a, jb->X, T, d, msg));
    const int64_t count = jb->list != NULL ? n_list : a->n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; i++) {
        const uint32_t r = jb->list != NULL ? jb->list[i] : (uint32_t)i;
        finish_row(ep, r, T + (size_t)r * d, d);
    }
fail:
    free(tmp);
    return status;
}

gr_status gr_spmm(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, gr_spmm_kernel k, char *msg)
{
    if (Y == NULL) return gr_fail(msg, GR_ERR_ARG, "gr_spmm: NULL matrix or array");
    return gr_spmm_ex(a, X, Y, d, NULL, k, msg);
}

gr_status gr_spmm_fused(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const float *Z, float beta,
                        float *OUT, float alpha, gr_spmm_kernel k, char *msg)
{
    const gr_spmm_opts o = {.Z = Z, .beta = beta, .OUT = OUT, .alpha = alpha};
    if (Y == NULL) return gr_fail(msg, GR_ERR_ARG, "gr_spmm: NULL matrix or array");
    return gr_spmm_ex(a, X, Y, d, &o, k, msg);
}

/* [p, p + len) and [q, q + len) share a float (either may be NULL). */
static int overlap(const float *p, const float *q, size_t len)
{
    return p != NULL && q != NULL && p < q + len && q < p + len;
}

/* The same for arrays of any type, p of pn bytes and q of qn. */
static int overlap_bytes(const void *p, size_t pn, const void *q, size_t qn)
{
    const char *a = p, *b = q;
    return a != NULL && b != NULL && a < b + qn && b < a + pn;
}

/* X16 and Y16: halves in for halves out, no live mask, and neither array
 * overlaps another one the product reads or writes. */
static gr_status check_half_args(const float *X, const float *Y, size_t len, const gr_spmm_opts *o, char *msg)
{
    const size_t fb = len * sizeof(float), hb = len * sizeof(uint16_t);
    if (o->Y16 != NULL && o->X16 == NULL)
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: Y16 (halves out) needs X16 (halves in)");
    if (o->X16 != NULL && o->x_live != NULL)
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: x_live is not supported with X16");
    if (overlap_bytes(o->X16, hb, Y, fb) || overlap_bytes(o->X16, hb, o->OUT, fb) ||
        overlap_bytes(o->X16, hb, o->Y16, hb))
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: X16 overlaps Y, OUT or Y16");
    if (overlap_bytes(o->Y16, hb, X, fb) || overlap_bytes(o->Y16, hb, Y, fb) || overlap_bytes(o->Y16, hb, o->Z, fb) ||
        overlap_bytes(o->Y16, hb, o->OUT, fb) || overlap_bytes(o->Y16, hb, o->OUT_INIT, fb))
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: Y16 overlaps X, Y, Z, OUT or OUT_INIT");
    return GR_OK;
}

static gr_status check_args(const gr_norm_adj *a, const float *X, const float *Y, uint32_t d, const gr_spmm_opts *o,
                            char *msg)
{
    if (a == NULL || (X == NULL) == (o->X16 == NULL))
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: NULL matrix, or not exactly one of X and X16");
    if (d == 0) return gr_fail(msg, GR_ERR_ARG, "gr_spmm: embedding size d must be positive");
    if ((uint64_t)a->n * d > (uint64_t)(SIZE_MAX / sizeof(float)) / 2)
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: %u x %u does not fit in memory", a->n, d);
    const size_t len = (size_t)a->n * d;
    if (overlap(X, Y, len)) return gr_fail(msg, GR_ERR_ARG, "gr_spmm: X and Y overlap; Y = Â·X needs distinct arrays");
    if (overlap(o->Z, Y, len) || overlap(o->OUT, X, len) || overlap(o->OUT, Y, len) || overlap(o->OUT_INIT, Y, len))
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: Z, OUT or OUT_INIT overlaps X or Y");
    /* OUT_INIT may be OUT itself (scaled in place), not a shifted copy of it */
    if (overlap(o->OUT_INIT, o->OUT, len) && o->OUT_INIT != o->OUT)
        return gr_fail(msg, GR_ERR_ARG, "gr_spmm: OUT_INIT overlaps OUT");
    if (o->OUT_INIT != NULL && o->OUT == NULL) return gr_fail(msg, GR_ERR_ARG, "gr_spmm: OUT_INIT without OUT");
    if (check_half_args(X, Y, len, o, msg) != GR_OK) return GR_ERR_ARG;
    if (o->rows != NULL) {
        if (o->rows->n_list > 0 && o->rows->list == NULL) return gr_fail(msg, GR_ERR_ARG, "gr_spmm: NULL row list");
        for (uint32_t i = 0; i < o->rows->n_list; i++)
            if (o->rows->list[i] >= a->n || (i > 0 && o->rows->list[i] <= o->rows->list[i - 1]))
                return gr_fail(msg, GR_ERR_ARG, "gr_spmm: row list not ascending below %u at position %u", a->n, i);
    }
    return GR_OK;
}

gr_status gr_spmm_ex(const gr_norm_adj *a, const float *X, float *Y, uint32_t d, const gr_spmm_opts *opts,
                     gr_spmm_kernel k, char *msg)
{
    gr_status status = GR_OK;
    const gr_spmm_opts none = {0}, *o = opts != NULL ? opts : &none;
    GR_TRY(check_args(a, X, Y, d, o, msg));
    const job jb = {
        .ptr = a->ptr,
        .idx = a->idx,
        .val = a->val,
        .X = X,
        .X16 = o->X16,
        .list = o->rows != NULL ? o->rows->list : NULL,
        .x_live = o->x_live,
        .ep = {o->Z, o->beta, o->z_live, o->OUT, o->alpha, o->OUT_INIT, o->alpha0, o->out_mask, Y, o->row_fn,
               o->row_ctx, o->Y16},
    };
    const uint32_t n_list = o->rows != NULL ? o->rows->n_list : a->n;
    if (a->n == 0 || n_list == 0) goto fail; /* nothing to compute */
    switch (k) {
    case GR_SPMM_CSR:
        GR_TRY(spmm_csr(&jb, a->n, n_list, d, msg));
        break;
    case GR_SPMM_GRAPHBLAS:
        if (omp_in_parallel())
            GR_FAIL(GR_ERR_ARG, "gr_spmm: the GraphBLAS kernel must not be called inside an OpenMP parallel region");
        /* GraphBLAS has no half type; converting X16 for it would only add a
         * pass to a kernel that is already the slower one */
        if (o->X16 != NULL) GR_FAIL(GR_ERR_ARG, "gr_spmm: halves (X16, Y16) need the CSR kernel");
        GR_TRY(spmm_grb_ex(a, &jb, n_list, d, msg));
        break;
    default:
        GR_FAIL(GR_ERR_ARG, "gr_spmm: unknown kernel %d", (int)k);
    }
fail:
    return status;
}
