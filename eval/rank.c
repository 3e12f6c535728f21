/* gr_rank_users: blocks of users -> scorer -> masked top-k -> consumer. */
#include "eval/rank.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/sysinfo.h"

#define NOT_CANDIDATE UINT32_MAX

void gr_rank_opts_default(gr_rank_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 20;
    o->mem_budget = GR_RANK_DEFAULT_BUDGET;
}

static gr_status check_inputs(const gr_scorer *s, const gr_rank_opts *o, char *msg)
{
    gr_status status = GR_OK;
    if (!s || !s->score) GR_FAIL(GR_ERR_ARG, "ranking: no scorer");
    if (s->n_items == 0) GR_FAIL(GR_ERR_ARG, "ranking: the model scores no items");
    if (o->k == 0) GR_FAIL(GR_ERR_ARG, "ranking: K = 0 (lists need at least one item)");
    const gr_csr *m[2] = {o->mask1, o->mask2};
    for (int j = 0; j < 2; j++)
        if (m[j] && m[j]->n_cols > s->n_items)
            GR_FAIL(GR_ERR_ARG, "ranking: a mask matrix has %u items but the model scores %u", m[j]->n_cols,
                    s->n_items);
    if (o->candidates && o->n_candidates == 0) GR_FAIL(GR_ERR_ARG, "ranking: the candidate list is empty");
    for (uint32_t c = 0; o->candidates && c < o->n_candidates; c++)
        if (o->candidates[c] >= s->n_items || (c > 0 && o->candidates[c] <= o->candidates[c - 1]))
            GR_FAIL(GR_ERR_ARG, "ranking: candidates must be ascending distinct items below %u", s->n_items);
fail:
    return status;
}

/* A mask row in item space -> the same row in candidate space (ascending,
 * since candidates are): pos[i] is item i's candidate index or NOT_CANDIDATE. */
static gr_mask_row remap_mask(gr_mask_row m, const uint32_t *pos, uint32_t n_items, uint32_t *buf)
{
    size_t n = 0;
    for (size_t j = 0; j < m.n; j++)
        if (m.idx[j] < n_items && pos[m.idx[j]] != NOT_CANDIDATE) buf[n++] = pos[m.idx[j]];
    return (gr_mask_row){buf, n};
}

/* gr_topk_block for a candidate list: each user's candidate scores are
 * gathered into a dense row, the masks moved into candidate space, and the
 * selected entries mapped back to items.  Per-thread scratch only. */
static gr_status select_candidates(const float *scores, size_t n, uint32_t n_items, const uint32_t *users,
                                   const gr_rank_opts *o, const uint32_t *pos, uint32_t k, gr_topk_entry *out,
                                   uint32_t *out_n, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t nc = o->n_candidates;
    int nt = o->n_threads > 0 ? o->n_threads : omp_get_max_threads();
    /* per thread: nc gathered scores, two remapped mask rows, a k-entry heap */
    const size_t per = (size_t)nc * (sizeof(float) + 2 * sizeof(uint32_t)) + (size_t)k * sizeof(gr_topk_entry);
    unsigned char *scratch = gr_alloc((size_t)nt, per);
    GR_CHECK_ALLOC(scratch, "candidate scratch");
#pragma omp parallel num_threads(nt)
    {
        unsigned char *mine = scratch + (size_t)omp_get_thread_num() * per;
        gr_topk_entry *heap = (gr_topk_entry *)mine;
        float *row = (float *)(heap + k);
        uint32_t *b1 = (uint32_t *)(row + nc), *b2 = b1 + nc;
#pragma omp for schedule(dynamic, 8)
        for (size_t r = 0; r < n; r++) {
            const uint32_t u = users[r];
            const float *src = scores + r * (size_t)n_items;
            for (uint32_t c = 0; c < nc; c++) row[c] = src[o->candidates[c]];
            gr_mask_row m1 = remap_mask(gr_mask_row_of(o->mask1, u), pos, n_items, b1);
            gr_mask_row m2 = remap_mask(gr_mask_row_of(o->mask2, u), pos, n_items, b2);
            uint32_t skip = o->mask_self && u < n_items && pos[u] != NOT_CANDIDATE ? pos[u] : GR_TOPK_NO_SKIP;
            gr_topk_entry *list = out + r * (size_t)k;
            out_n[r] = gr_topk_row(row, nc, m1, m2, skip, k, heap, list);
            for (uint32_t p = 0; p < out_n[r]; p++) list[p].item = o->candidates[list[p].item];
        }
    }
fail:
    free(scratch);
    return status;
}

size_t gr_rank_block_users(size_t budget, uint32_t n_items, size_t n)
{
    size_t block = (budget ? budget : GR_RANK_DEFAULT_BUDGET) / ((size_t)(n_items ? n_items : 1) * sizeof(float));
    if (block < 1) block = 1;
    if (block > n) block = n;
    return block;
}

size_t gr_rank_bytes(size_t budget, uint32_t n_items, uint32_t k, size_t n, int candidates)
{
    const size_t block = gr_rank_block_users(budget, n_items, n);
    if (k > n_items) k = n_items;
    return block * ((size_t)n_items * sizeof(float) + (size_t)k * sizeof(gr_topk_entry) + sizeof(uint32_t)) +
           (candidates ? (size_t)n_items * sizeof(uint32_t) : 0);
}

gr_status gr_rank_users(const gr_scorer *s, const uint32_t *users, size_t n, const gr_rank_opts *o,
                        gr_rank_consumer consume, void *ctx, gr_rank_stats *stats, char *msg)
{
    gr_status status = GR_OK;
    float *scores = NULL;
    gr_topk_entry *top = NULL;
    uint32_t *top_n = NULL, *pos = NULL;
    gr_rank_stats st;
    memset(&st, 0, sizeof st);

    GR_TRY(check_inputs(s, o, msg));
    const uint32_t n_items = s->n_items;
    const uint32_t n_ranked = o->candidates ? o->n_candidates : n_items;
    const uint32_t k = o->k < n_ranked ? o->k : n_ranked; /* longest list that can exist */
    const size_t block = gr_rank_block_users(o->mem_budget, n_items, n);
    if (n == 0) goto done;

    scores = gr_alloc_huge(block * (size_t)n_items, sizeof *scores);
    GR_CHECK_ALLOC(scores, "a block of scores (lower the memory budget)");
    top = gr_alloc(block * (size_t)k, sizeof *top);
    top_n = gr_alloc(block, sizeof *top_n);
    if (!top || !top_n) GR_FAIL(GR_ERR_NOMEM, "out of memory allocating top-k lists");
    if (o->candidates) {
        pos = gr_alloc(n_items, sizeof *pos);
        GR_CHECK_ALLOC(pos, "the candidate index");
        for (uint32_t i = 0; i < n_items; i++) pos[i] = NOT_CANDIDATE;
        for (uint32_t c = 0; c < o->n_candidates; c++) pos[o->candidates[c]] = c;
    }

    for (size_t b = 0; b < n; b += block) {
        const size_t nb = n - b < block ? n - b : block;
        double t0 = gr_now();
        GR_TRY(s->score(s->ctx, users + b, nb, scores, msg));
        double t1 = gr_now();
        if (o->candidates)
            GR_TRY(select_candidates(scores, nb, n_items, users + b, o, pos, k, top, top_n, msg));
        else
            GR_TRY(gr_topk_block(scores, nb, n_items, users + b, o->mask1, o->mask2, o->mask_self, k, o->n_threads,
                                 top, top_n, msg));
        double t2 = gr_now();
        gr_rank_block blk = {users + b, nb, top, top_n, k};
        GR_TRY(consume(ctx, &blk, msg));
        st.score_seconds += t1 - t0;
        st.select_seconds += t2 - t1;
        st.consume_seconds += gr_now() - t2;
        st.n_blocks++;
    }
done:
    st.block_users = (uint32_t)block;
fail:
    if (stats) *stats = st;
    free(scores);
    free(top);
    free(top_n);
    free(pos);
    return status;
}
