/* GF-CF's linear filter r R~' R~, one row at a time, by two sparse scatters:
 *
 *   hop 1 (items -> users):  w_v = sum_{i in r, v in R'_i} d_i^-1/2
 *   hop 2 (users -> items):  a_j = sum_v (w_v / d_v) [j in R_v]
 *   out:                     scores_j += d_j^-1/2 a_j
 *
 * (R~'R~ = D_i^-1/2 R' D_u^-1 R D_i^-1/2.)  Hop 2 dominates: on Gowalla a
 * training row reaches 1,264 distinct co-users and 61,264 of their entries
 * on average (1.83G scatters for all users).  Summing rows of a precomputed
 * item-item matrix R~'R~ instead (42.4M entries on Gowalla) takes as many
 * scatters (2.0G) and is about as fast, but needs a build and 339 MB (see
 * below), so it is not done.  Hop 2 walks the co-users in ascending order (a
 * bitmap of the ones set, turned into a list), which reads R's rows front to
 * back instead of at random, and prefetches the row PREFETCH_AHEAD co-users
 * ahead: rows are short (48 entries on average) and ~24 rows apart, too far
 * for the hardware prefetcher.  Measured on Gowalla, one thread, CPU seconds
 * for all 29,858 users (busy machine, so ranges of a few runs):
 *   co-users in the order hop 1 found them              ~4.3-5.1
 *   ascending (bitmap)                                  ~3.4-4.2
 *   ascending + prefetch 4-8 rows ahead                 ~2.5-3.1 (2 or 16: ~4)
 *   two interleaved accumulators (store forwarding)     no better
 *   items renumbered by popularity (hot a_j in L1)      no better
 *   summing rows of a precomputed R~'R~ (32-bit CSR)    ~2.3, after a build of
 *     5.7 s (GraphBLAS GrB_mxm, 1 thread) and with 339 MB more memory */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "gnn/gfcf.h"

#define PREFETCH_AHEAD 6 /* co-users; see the table above */

struct gr_gfcf_linear {
    const gr_graph *g;
    float *item_scale;  /* n_items: d_i^-1/2, 0 for degree 0 */
    float *user_weight; /* n_users: 1 / d_u, 0 for degree 0 */
    int threads;
    size_t words;       /* 64-bit words of one co-user bitmap */
    float *co;          /* threads x n_users: w_v of the current row, 0 between rows */
    uint64_t *seen;     /* threads x words: the co-users set, 0 between rows */
    uint32_t *list;     /* threads x n_users: the current row's co-users, ascending */
    float *acc;         /* threads x n_items: a_j of the current row, 0 between rows */
};

void gr_gfcf_linear_free(gr_gfcf_linear *f)
{
    if (f == NULL) return;
    free(f->item_scale);
    free(f->user_weight);
    free(f->co);
    free(f->seen);
    free(f->list);
    free(f->acc);
    free(f);
}

gr_status gr_gfcf_linear_init(gr_gfcf_linear **out, const gr_graph *g, char *msg)
{
    gr_status status = GR_OK;
    gr_gfcf_linear *f = gr_zalloc(1, sizeof *f);
    *out = NULL;
    GR_CHECK_ALLOC(f, "the linear filter");
    f->g = g;
    f->threads = omp_get_max_threads();
    f->words = ((size_t)g->n_users + 63) / 64;
    f->item_scale = gr_alloc(g->n_items, sizeof *f->item_scale);
    f->user_weight = gr_alloc(g->n_users, sizeof *f->user_weight);
    /* zeroed once; every row leaves them zero again */
    f->co = gr_zalloc((size_t)f->threads * g->n_users, sizeof *f->co);
    f->seen = gr_zalloc((size_t)f->threads * f->words, sizeof *f->seen);
    f->acc = gr_zalloc((size_t)f->threads * g->n_items, sizeof *f->acc);
    f->list = gr_alloc((size_t)f->threads * g->n_users, sizeof *f->list);
    if (!f->item_scale || !f->user_weight || !f->co || !f->seen || !f->acc || !f->list)
        GR_FAIL(GR_ERR_NOMEM, "out of memory for the linear filter's scratch (%d threads)", f->threads);
    for (uint32_t i = 0; i < g->n_items; i++) {
        const uint64_t d = gr_csr_degree(&g->Rt, i);
        f->item_scale[i] = d > 0 ? 1.0f / sqrtf((float)d) : 0.0f;
    }
    for (uint32_t u = 0; u < g->n_users; u++) {
        const uint64_t d = gr_csr_degree(&g->R, u);
        f->user_weight[u] = d > 0 ? 1.0f / (float)d : 0.0f;
    }
    *out = f;
    f = NULL;
fail:
    gr_gfcf_linear_free(f);
    return status;
}

/* scores += r R~'R~ for one row r (items[0..n_row)), with one thread's
 * scratch, which it leaves zero. */
static void linear_row(const gr_gfcf_linear *f, const uint32_t *items, uint64_t n_row, float *restrict scores,
                       float *restrict co, uint64_t *restrict seen, uint32_t *restrict list, float *restrict acc)
{
    const gr_graph *g = f->g;
    const uint64_t *restrict rptr = g->R.ptr, *restrict tptr = g->Rt.ptr;
    const uint32_t *restrict ridx = g->R.idx, *restrict tidx = g->Rt.idx;
    for (uint64_t k = 0; k < n_row; k++) {
        const uint32_t i = items[k];
        if (i >= g->n_items) continue;
        const float c = f->item_scale[i];
        for (uint64_t p = tptr[i]; p < tptr[i + 1]; p++) {
            const uint32_t v = tidx[p];
            co[v] += c;
            seen[v >> 6] |= 1ull << (v & 63);
        }
    }
    uint32_t n_co = 0;
    for (size_t w = 0; w < f->words; w++) {
        uint64_t bits = seen[w];
        if (bits == 0) continue;
        seen[w] = 0;
        for (; bits; bits &= bits - 1) list[n_co++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    }
    for (uint32_t a = 0; a < n_co; a++) {
        if (a + PREFETCH_AHEAD < n_co) {
            const uint32_t *ahead = ridx + rptr[list[a + PREFETCH_AHEAD]];
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + 16); /* the next cache line */
        }
        const uint32_t v = list[a];
        const float s = co[v] * f->user_weight[v];
        co[v] = 0.0f;
        for (uint64_t q = rptr[v]; q < rptr[v + 1]; q++) acc[ridx[q]] += s;
    }
    const float *restrict scale = f->item_scale;
    for (uint32_t j = 0; j < g->n_items; j++) {
        scores[j] += scale[j] * acc[j];
        acc[j] = 0.0f;
    }
}

gr_status gr_gfcf_linear_add(gr_gfcf_linear *f, const gr_csr *user_rows, const uint32_t *users, size_t n,
                             uint32_t n_items, float *scores, char *msg)
{
    gr_status status = GR_OK;
    if (n_items < f->g->n_items)
        GR_FAIL(GR_ERR_ARG, "gfcf: score rows of %u items are shorter than the graph's %u", n_items, f->g->n_items);
    for (size_t k = 0; k < n; k++)
        if (users[k] >= user_rows->n_rows)
            GR_FAIL(GR_ERR_ARG, "gfcf: user %u out of range (%u rows)", users[k], user_rows->n_rows);
    const int threads = f->threads < omp_get_max_threads() ? f->threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
        const size_t t = (size_t)omp_get_thread_num();
        float *co = f->co + t * f->g->n_users, *acc = f->acc + t * f->g->n_items;
        uint64_t *seen = f->seen + t * f->words;
        uint32_t *list = f->list + t * f->g->n_users;
        /* rows differ ~100x in cost (a popular item reaches most users) */
#pragma omp for schedule(dynamic, 1)
        for (size_t k = 0; k < n; k++) {
            const uint32_t u = users[k];
            linear_row(f, user_rows->idx + user_rows->ptr[u], gr_csr_degree(user_rows, u),
                       scores + k * (size_t)n_items, co, seen, list, acc);
        }
    }
fail:
    return status;
}
