/* Top-K by a min-heap of the K best so far (root = the worst of them).
 *
 * Items are visited in ascending index order, so an item whose score equals
 * the root's can never beat it (the kept one has the lower index): the hot
 * loop is a single strict compare against the root's score, and only the
 * rare winner touches the heap.  Masked items are skipped by scanning the
 * gaps between them, so there is no per-item mask test and no sentinel
 * score that a model could produce by accident. */
#include "eval/topk.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "core/alloc.h"

#define TOPK_CHUNK 16

/* a ranks after b: lower score, or equal score and higher index. */
static inline int topk_worse(gr_topk_entry a, gr_topk_entry b)
{
    return a.score < b.score || (a.score == b.score && a.item > b.item);
}

static void heap_sift_down(gr_topk_entry *h, uint32_t n, uint32_t i)
{
    gr_topk_entry x = h[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && topk_worse(h[c + 1], h[c])) c++;
        if (!topk_worse(h[c], x)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void heap_make(gr_topk_entry *h, uint32_t n)
{
    for (uint32_t i = n / 2; i-- > 0;) heap_sift_down(h, n, i);
}

gr_mask_row gr_mask_row_of(const gr_csr *c, uint32_t user)
{
    gr_mask_row m = {NULL, 0};
    if (c && user < c->n_rows) {
        m.idx = c->idx + c->ptr[user];
        m.n = (size_t)(c->ptr[user + 1] - c->ptr[user]);
    }
    return m;
}

/* Selection state carried across the unmasked gaps of one row. */
typedef struct {
    gr_topk_entry *heap;
    uint32_t k, cnt;
} topk_state;

static void topk_scan(topk_state *st, const float *scores, uint64_t lo, uint64_t hi)
{
    gr_topk_entry *h = st->heap;
    uint64_t j = lo;
    /* Fill phase: the first k unmasked items enter unconditionally.  NaN is
     * stored as -inf so the heap order stays total; in the steady phase a NaN
     * fails the compare and is skipped, which ranks it last as well. */
    for (; j < hi && st->cnt < st->k; j++) {
        float s = scores[j];
        h[st->cnt++] = (gr_topk_entry){isnan(s) ? -INFINITY : s, (uint32_t)j};
        if (st->cnt == st->k) heap_make(h, st->k);
    }
    if (j >= hi) return;
    float thr = h[0].score;
    for (;;) {
        /* Skip 16 scores at a time while none beats the threshold: the
         * compare-and-or vectorizes (no fast-math needed, NaN compares
         * false), and after the first few thousand items almost every chunk
         * is skipped whole. */
        while (j + TOPK_CHUNK <= hi) {
            int any = 0;
            for (int t = 0; t < TOPK_CHUNK; t++) any |= scores[j + t] > thr;
            if (any) break;
            j += TOPK_CHUNK;
        }
        if (j >= hi) break;
        uint64_t end = j + TOPK_CHUNK < hi ? j + TOPK_CHUNK : hi;
        for (; j < end; j++) {
            float s = scores[j];
            if (s > thr) {
                h[0] = (gr_topk_entry){s, (uint32_t)j};
                heap_sift_down(h, st->k, 0);
                thr = h[0].score;
            }
        }
    }
}

uint32_t gr_topk_row(const float *scores, uint32_t n_items, gr_mask_row m1, gr_mask_row m2, uint32_t skip,
                     uint32_t k, gr_topk_entry *heap, gr_topk_entry *out)
{
    if (k == 0) return 0;
    topk_state st = {heap, k, 0};
    size_t a = 0, b = 0;
    uint64_t i = 0;
    while (i < n_items) {
        /* next masked item at or after i (or the end of the row) */
        while (a < m1.n && m1.idx[a] < i) a++;
        while (b < m2.n && m2.idx[b] < i) b++;
        uint64_t next = n_items;
        if (a < m1.n && m1.idx[a] < next) next = m1.idx[a];
        if (b < m2.n && m2.idx[b] < next) next = m2.idx[b];
        if (skip >= i && skip < next) next = skip;
        if (next > i) topk_scan(&st, scores, i, next);
        i = next + 1;
    }
    /* A list shorter than k was never heapified.  Popping the worst into the
     * back of out leaves it best first in O(k log k). */
    uint32_t n = st.cnt;
    if (n < k) heap_make(heap, n);
    for (uint32_t m = n; m > 0; m--) {
        out[m - 1] = heap[0];
        heap[0] = heap[m - 1];
        heap_sift_down(heap, m - 1, 0);
    }
    return n;
}

gr_status gr_topk_block(const float *scores, size_t n, uint32_t n_items, const uint32_t *users,
                        const gr_csr *mask1, const gr_csr *mask2, int mask_self, uint32_t k, int n_threads,
                        gr_topk_entry *out,
                        uint32_t *out_n, char *msg)
{
    gr_status status = GR_OK;
    int nt = n_threads > 0 ? n_threads : omp_get_max_threads();
    gr_topk_entry *scratch = gr_alloc((size_t)nt, (size_t)(k ? k : 1) * sizeof *scratch);
    GR_CHECK_ALLOC(scratch, "top-k scratch");
#pragma omp parallel num_threads(nt)
    {
        gr_topk_entry *heap = scratch + (size_t)omp_get_thread_num() * k;
        /* dynamic: users differ in mask length, and a chunk of 8 rows of
         * 40k floats amortizes the scheduling */
#pragma omp for schedule(dynamic, 8)
        for (size_t r = 0; r < n; r++) {
            uint32_t u = users[r];
            out_n[r] = gr_topk_row(scores + r * (size_t)n_items, n_items, gr_mask_row_of(mask1, u),
                                   gr_mask_row_of(mask2, u), mask_self ? u : GR_TOPK_NO_SKIP, k, heap,
                                   out + r * (size_t)k);
        }
    }
fail:
    free(scratch);
    return status;
}
