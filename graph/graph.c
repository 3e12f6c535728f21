/* CSR construction in O(E): counting sort by item (giving the transpose with
 * duplicates), then counting sort of that by user, which leaves every user's
 * items in ascending order, so duplicates sit side by side and one pass drops
 * them.  Peak memory is the input pairs plus two index arrays (16 bytes per
 * edge for 4-byte ids), and the pairs can be freed by the caller afterwards. */
#include "graph/graph.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/sysinfo.h"

int gr_graph_kind_parse(const char *s, gr_graph_kind *k)
{
    if (strcmp(s, "bipartite") == 0) *k = GR_GRAPH_BIPARTITE;
    else if (strcmp(s, "directed") == 0) *k = GR_GRAPH_DIRECTED;
    else if (strcmp(s, "undirected") == 0) *k = GR_GRAPH_UNDIRECTED;
    else return -1;
    return 0;
}

void gr_csr_free(gr_csr *c)
{
    free(c->ptr);
    free(c->idx);
    memset(c, 0, sizeof *c);
}

void gr_graph_free(gr_graph *g)
{
    gr_csr_free(&g->R);
    gr_csr_free(&g->Rt);
    free(g->weight);
    free(g->time);
    memset(g, 0, sizeof *g);
}

uint32_t gr_csr_nonempty_rows(const gr_csr *c)
{
    uint32_t n = 0;
    for (uint32_t r = 0; r < c->n_rows; r++) n += c->ptr[r + 1] > c->ptr[r];
    return n;
}

size_t gr_graph_bytes(const gr_graph *g)
{
    size_t b = ((size_t)g->R.n_rows + 1 + (size_t)g->Rt.n_rows + 1) * sizeof(uint64_t);
    b += (size_t)(g->R.nnz + g->Rt.nnz) * sizeof(uint32_t);
    if (g->weight) b += (size_t)g->R.nnz * sizeof(float);
    if (g->time) b += (size_t)g->R.nnz * sizeof(int64_t);
    return b;
}

/* The input of a build: pairs plus optional payload columns. */
typedef struct {
    const uint32_t *user, *item;
    const float *weight;
    const int64_t *time;
    size_t begin, end;
    gr_graph_kind kind;
    gr_rows *consume; /* freed as soon as it has been read, to lower the peak */
} pair_source;

/* Calls BODY(u, i, e) for every directed pair the source stands for. */
#define FOR_EACH_PAIR(src, BODY)                                            \
    for (size_t e_ = (src)->begin; e_ < (src)->end; e_++) {                 \
        uint32_t a_ = (src)->user[e_], b_ = (src)->item[e_];                \
        if ((src)->kind != GR_GRAPH_BIPARTITE && a_ == b_) continue;        \
        { uint32_t u = a_, i = b_; size_t e = e_; BODY }                    \
        if ((src)->kind == GR_GRAPH_UNDIRECTED) {                           \
            uint32_t u = b_, i = a_; size_t e = e_; BODY                    \
        }                                                                   \
    }

/* The counting sorts run in parallel by ownership: thread t of T owns the
 * destination rows [lo, hi), reads all of the input and writes only its own
 * rows.  Reads are sequential and cheap; the random writes, the real cost
 * (each one a TLB miss on large graphs), are split between the threads, and
 * the result is identical to a serial build for any thread count. */
static inline void owned_range(uint32_t n, uint32_t *lo, uint32_t *hi)
{
    uint64_t t = (uint64_t)omp_get_thread_num(), nt = (uint64_t)omp_get_num_threads();
    *lo = (uint32_t)(n * t / nt);
    *hi = (uint32_t)(n * (t + 1) / nt);
}

/* Rescanning the input costs each thread a full read, so past a few threads
 * more of them stop paying. */
static int build_threads(void)
{
    int n = omp_get_max_threads();
    return n > 8 ? 8 : n;
}

/* Exclusive prefix sum of counts[0..n) into ptr[0..n]. */
static void prefix_sum(uint64_t *ptr, uint32_t n)
{
    uint64_t acc = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint64_t c = ptr[r];
        ptr[r] = acc;
        acc += c;
    }
    ptr[n] = acc;
}

static gr_status build(gr_graph *g, uint32_t nu, uint32_t ni, const pair_source *src, gr_build_report *rep,
                       char *msg)
{
    gr_status status = GR_OK;
    double t0 = gr_now();
    uint64_t *cptr = NULL, *fill = NULL;
    uint32_t *crow = NULL;
    float *cw = NULL;
    int64_t *ct = NULL;
    memset(g, 0, sizeof *g);
    g->kind = src->kind;
    g->n_users = nu;
    g->n_items = ni;

    /* Pass 1: bucket by item. */
    cptr = gr_zalloc_huge((size_t)ni + 1, sizeof *cptr);
    GR_CHECK_ALLOC(cptr, "item counts");
    uint64_t loops = 0;
    const int nt = build_threads();
#pragma omp parallel num_threads(nt)
    {
        uint32_t lo, hi;
        owned_range(ni, &lo, &hi);
        FOR_EACH_PAIR(src, { (void)u; (void)e; if (i >= lo && i < hi) cptr[i]++; })
    }
    if (src->kind != GR_GRAPH_BIPARTITE)
        for (size_t e = src->begin; e < src->end; e++) loops += src->user[e] == src->item[e];
    prefix_sum(cptr, ni);
    uint64_t m = cptr[ni];
    crow = gr_alloc_huge(m, sizeof *crow);
    fill = gr_alloc_huge((size_t)(nu > ni ? nu : ni) + 1, sizeof *fill);
    GR_CHECK_ALLOC(crow, "transpose index");
    GR_CHECK_ALLOC(fill, "fill pointers");
    if (src->weight) GR_CHECK_ALLOC(cw = gr_alloc(m, sizeof *cw), "weights");
    if (src->time) GR_CHECK_ALLOC(ct = gr_alloc(m, sizeof *ct), "timestamps");
    memcpy(fill, cptr, ((size_t)ni + 1) * sizeof *fill);
#pragma omp parallel num_threads(nt)
    {
        uint32_t lo, hi;
        owned_range(ni, &lo, &hi);
        FOR_EACH_PAIR(src, {
            if (i >= lo && i < hi) {
                uint64_t pos = fill[i]++;
                crow[pos] = u;
                if (cw) cw[pos] = src->weight[e];
                if (ct) ct[pos] = src->time[e];
            }
        })
    }

    if (src->consume != NULL) gr_rows_free(src->consume);

    /* Pass 2: bucket by user, visiting items in ascending order. */
    g->R.n_rows = nu;
    g->R.n_cols = ni;
    g->R.ptr = gr_zalloc_huge((size_t)nu + 1, sizeof *g->R.ptr);
    g->R.idx = gr_alloc_huge(m, sizeof *g->R.idx);
    GR_CHECK_ALLOC(g->R.ptr, "row pointers");
    GR_CHECK_ALLOC(g->R.idx, "row index");
    if (cw) GR_CHECK_ALLOC(g->weight = gr_alloc(m, sizeof *g->weight), "weights");
    if (ct) GR_CHECK_ALLOC(g->time = gr_alloc(m, sizeof *g->time), "timestamps");
    uint64_t *rptr = g->R.ptr;
    uint32_t *ridx = g->R.idx;
#pragma omp parallel num_threads(nt)
    {
        uint32_t lo, hi;
        owned_range(nu, &lo, &hi);
        for (uint64_t k = 0; k < m; k++)
            if (crow[k] >= lo && crow[k] < hi) rptr[crow[k]]++;
    }
    prefix_sum(rptr, nu);
    memcpy(fill, rptr, ((size_t)nu + 1) * sizeof *fill);
    float *rw = g->weight;
    int64_t *rt = g->time;
#pragma omp parallel num_threads(nt)
    {
        uint32_t lo, hi;
        owned_range(nu, &lo, &hi);
        for (uint32_t i = 0; i < ni; i++)
            for (uint64_t k = cptr[i]; k < cptr[i + 1]; k++) {
                uint32_t u = crow[k];
                if (u < lo || u >= hi) continue;
                uint64_t pos = fill[u]++;
                ridx[pos] = i;
                if (cw) rw[pos] = cw[k];
                if (ct) rt[pos] = ct[k];
            }
    }
    free(crow);
    free(cw);
    free(ct);
    crow = NULL;
    cw = NULL;
    ct = NULL;

    /* Drop duplicates: keep the largest weight and the earliest time. */
    uint64_t w = 0;
    for (uint32_t u = 0; u < nu; u++) {
        uint64_t start = g->R.ptr[u], stop = g->R.ptr[u + 1];
        g->R.ptr[u] = w;
        for (uint64_t k = start; k < stop; k++) {
            if (k > start && g->R.idx[k] == g->R.idx[k - 1]) {
                if (g->weight && g->weight[k] > g->weight[w - 1]) g->weight[w - 1] = g->weight[k];
                if (g->time && g->time[k] < g->time[w - 1]) g->time[w - 1] = g->time[k];
                continue;
            }
            g->R.idx[w] = g->R.idx[k];
            if (g->weight) g->weight[w] = g->weight[k];
            if (g->time) g->time[w] = g->time[k];
            w++;
        }
    }
    g->R.ptr[nu] = w;
    g->R.nnz = w;
    if (w < m) {
        size_t cap = m;
        gr_shrink((void **)&g->R.idx, &cap, w, sizeof *g->R.idx);
        if (g->weight) { cap = m; gr_shrink((void **)&g->weight, &cap, w, sizeof *g->weight); }
        if (g->time) { cap = m; gr_shrink((void **)&g->time, &cap, w, sizeof *g->time); }
    }
    free(cptr);
    free(fill);
    cptr = NULL;
    fill = NULL;
    GR_TRY(gr_graph_rebuild_transpose(g, msg));
    if (rep) {
        rep->rows_in = src->end - src->begin;
        rep->self_loops = loops;
        /* Counted in input rows: an undirected edge is stored in both
         * directions, and so is each repeat of it. */
        rep->duplicates = src->kind == GR_GRAPH_UNDIRECTED ? (m - w) / 2 : m - w;
        rep->seconds = gr_now() - t0;
    }
    return GR_OK;
fail:
    free(cptr);
    free(fill);
    free(crow);
    free(cw);
    free(ct);
    gr_graph_free(g);
    return status;
}

gr_status gr_graph_rebuild_transpose(gr_graph *g, char *msg)
{
    gr_status status = GR_OK;
    gr_csr t = {.n_rows = g->R.n_cols, .n_cols = g->R.n_rows, .nnz = g->R.nnz};
    uint64_t *fill = NULL;
    t.ptr = gr_zalloc_huge((size_t)t.n_rows + 1, sizeof *t.ptr);
    t.idx = gr_alloc_huge(t.nnz, sizeof *t.idx);
    fill = gr_alloc_huge((size_t)t.n_rows + 1, sizeof *fill);
    GR_CHECK_ALLOC(t.ptr, "transpose pointers");
    GR_CHECK_ALLOC(t.idx, "transpose index");
    GR_CHECK_ALLOC(fill, "fill pointers");
    const gr_csr *R = &g->R;
    const int nt = build_threads();
#pragma omp parallel num_threads(nt)
    {
        uint32_t lo, hi;
        owned_range(t.n_rows, &lo, &hi);
        for (uint64_t k = 0; k < R->nnz; k++)
            if (R->idx[k] >= lo && R->idx[k] < hi) t.ptr[R->idx[k]]++;
    }
    prefix_sum(t.ptr, t.n_rows);
    memcpy(fill, t.ptr, ((size_t)t.n_rows + 1) * sizeof *fill);
    /* Users visited in order, so each item's users come out ascending. */
#pragma omp parallel num_threads(nt)
    {
        uint32_t lo, hi;
        owned_range(t.n_rows, &lo, &hi);
        for (uint32_t u = 0; u < R->n_rows; u++)
            for (uint64_t k = R->ptr[u]; k < R->ptr[u + 1]; k++) {
                uint32_t i = R->idx[k];
                if (i >= lo && i < hi) t.idx[fill[i]++] = u;
            }
    }
    free(fill);
    gr_csr_free(&g->Rt);
    g->Rt = t;
    return GR_OK;
fail:
    free(fill);
    gr_csr_free(&t);
    return status;
}

static gr_status build_from_dataset(gr_graph *g, gr_dataset *ds, size_t begin, size_t end, gr_graph_kind kind,
                                    int consume, gr_build_report *report, char *msg)
{
    const gr_rows *r = &ds->rows;
    if (begin > end || end > r->n) return gr_fail(msg, GR_ERR_ARG, "row range %zu..%zu outside 0..%zu", begin, end, r->n);
    uint32_t nu = r->n_users, ni = r->n_items;
    if (kind != GR_GRAPH_BIPARTITE || ds->shared_ids) {
        /* One id space: followers and accounts are the same nodes. */
        uint32_t n = nu > ni ? nu : ni;
        if (ds->shared_ids && ds->user_ids) n = gr_idmap_size(ds->user_ids);
        nu = ni = n;
    } else if (ds->ids == GR_IDS_STRING) {
        nu = gr_idmap_size(ds->user_ids);
        ni = gr_idmap_size(ds->item_ids);
    }
    pair_source src = {r->user, r->item, r->weight, r->time, begin, end, kind, consume ? &ds->rows : NULL};
    gr_status s = build(g, nu, ni, &src, report, msg);
    if (s != GR_OK) return s;
    g->user_ids = ds->user_ids;
    g->item_ids = ds->item_ids;
    return GR_OK;
}

gr_status gr_graph_build(gr_graph *g, const gr_dataset *ds, size_t begin, size_t end, gr_graph_kind kind,
                         gr_build_report *report, char *msg)
{
    /* Not consuming, so the dataset is only read. */
    return build_from_dataset(g, (gr_dataset *)ds, begin, end, kind, 0, report, msg);
}

gr_status gr_graph_build_consume(gr_graph *g, gr_dataset *ds, gr_graph_kind kind, gr_build_report *report,
                                 char *msg)
{
    return build_from_dataset(g, ds, 0, ds->rows.n, kind, 1, report, msg);
}

/* GR_ERR_ARG for the first pair outside n_users x n_items. */
static gr_status check_pairs(uint32_t n_users, uint32_t n_items, const uint32_t *user, const uint32_t *item, size_t n,
                             char *msg)
{
    for (size_t e = 0; e < n; e++)
        if (user[e] >= n_users || item[e] >= n_items)
            return gr_fail(msg, GR_ERR_ARG, "pair %zu (%u, %u) outside %u x %u", e, user[e], item[e], n_users, n_items);
    return GR_OK;
}

gr_status gr_graph_from_pairs(gr_graph *g, uint32_t n_users, uint32_t n_items, const uint32_t *user,
                              const uint32_t *item, size_t n, char *msg)
{
    gr_status s = check_pairs(n_users, n_items, user, item, n, msg);
    if (s != GR_OK) return s;
    pair_source src = {user, item, NULL, NULL, 0, n, GR_GRAPH_BIPARTITE, NULL};
    return build(g, n_users, n_items, &src, NULL, msg);
}

gr_status gr_graph_from_pairs_kind(gr_graph *g, uint32_t n_users, uint32_t n_items, const uint32_t *user,
                                   const uint32_t *item, size_t n, gr_graph_kind kind, char *msg)
{
    gr_status status = GR_OK;
    uint32_t *u2 = NULL, *i2 = NULL;
    memset(g, 0, sizeof *g);
    if (kind == GR_GRAPH_BIPARTITE) return gr_graph_from_pairs(g, n_users, n_items, user, item, n, msg);
    GR_TRY(check_pairs(n_users, n_items, user, item, n, msg));
    size_t m = n;
    if (kind == GR_GRAPH_UNDIRECTED) {
        /* FOR_EACH_PAIR would mirror every pair; a user beyond the columns
         * (an account folded in, never a candidate) is kept one way only */
        u2 = gr_alloc(2 * n + 1, sizeof *u2);
        i2 = gr_alloc(2 * n + 1, sizeof *i2);
        GR_CHECK_ALLOC(u2, "the mirrored pairs");
        GR_CHECK_ALLOC(i2, "the mirrored pairs");
        memcpy(u2, user, n * sizeof *u2);
        memcpy(i2, item, n * sizeof *i2);
        for (size_t e = 0; e < n; e++)
            if (user[e] < n_items) {
                u2[m] = item[e];
                i2[m++] = user[e];
            }
        user = u2;
        item = i2;
    }
    pair_source src = {user, item, NULL, NULL, 0, m, GR_GRAPH_DIRECTED, NULL}; /* self-loops dropped */
    GR_TRY(build(g, n_users, n_items, &src, NULL, msg));
    g->kind = kind;
fail:
    free(u2);
    free(i2);
    return status;
}
