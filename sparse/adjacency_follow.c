/* Â of a follower graph's unipartite view (see adjacency_follow.h): the
 * symmetrized follow graph, built straight into gr_norm_adj's CSR arrays.
 *
 * Account v's row is the union of its followees (R's row v) and followers
 * (Rt's row v), both sorted, so one merge per row gives the row sorted and
 * tells a mutual follow (present in both) from a one-way one.  Two passes:
 * row lengths and degrees, then entries; no n x n intermediate. */
#include "sparse/adjacency_follow.h"

#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "sparse/adjacency_impl.h"
#include "sparse/grb.h"

/* Rows ascending without duplicates and inside [0, n): the merge relies on
 * it, and GraphBLAS's unchecked pack of the result does too. */
static gr_status check_rows(const gr_csr *c, uint32_t n, const char *what, char *msg)
{
    if (c->n_rows != n || c->n_cols != n || c->ptr == NULL || c->ptr[0] != 0 || c->ptr[n] != c->nnz ||
        (c->nnz > 0 && c->idx == NULL))
        return gr_fail(msg, GR_ERR_ARG, "%s is not a consistent %u x %u CSR", what, n, n);
    for (uint32_t r = 0; r < n; r++) {
        if (c->ptr[r] > c->ptr[r + 1]) return gr_fail(msg, GR_ERR_ARG, "%s: row pointers decrease at row %u", what, r);
        for (uint64_t k = c->ptr[r]; k < c->ptr[r + 1]; k++)
            if (c->idx[k] >= n || (k > c->ptr[r] && c->idx[k - 1] >= c->idx[k]))
                return gr_fail(msg, GR_ERR_ARG, "%s: row %u unsorted, duplicated or out of range", what, r);
    }
    return GR_OK;
}

/* A symmetric A needs Rt to be exactly R's transpose: equal entry counts
 * and every (u, v) of R found in Rt (no duplicates, so that suffices). */
static gr_status check_graph(const gr_graph *g, double reciprocal_weight, char *msg)
{
    gr_status status = GR_OK;
    if (g->kind == GR_GRAPH_BIPARTITE)
        GR_FAIL(GR_ERR_ARG, "the unipartite view needs a follower graph (graph = directed or undirected)");
    if (g->n_users != g->n_items)
        GR_FAIL(GR_ERR_ARG, "a follower graph has one id space, got %u users and %u items", g->n_users, g->n_items);
    if (!(isfinite(reciprocal_weight) && reciprocal_weight > 0))
        GR_FAIL(GR_ERR_ARG, "reciprocal_weight must be finite and > 0, got %g", reciprocal_weight);
    const uint32_t n = g->n_users;
    GR_TRY(check_rows(&g->R, n, "R", msg));
    GR_TRY(check_rows(&g->Rt, n, "Rt", msg));
    if (g->R.nnz != g->Rt.nnz)
        GR_FAIL(GR_ERR_ARG, "Rt has %llu entries, R %llu", (unsigned long long)g->Rt.nnz, (unsigned long long)g->R.nnz);
    int64_t bad = -1;
#pragma omp parallel for schedule(dynamic, 256) reduction(max : bad)
    for (int64_t u = 0; u < (int64_t)n; u++)
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++)
            if (!gr_csr_has(&g->Rt, g->R.idx[k], (uint32_t)u)) bad = u;
    if (bad >= 0) GR_FAIL(GR_ERR_ARG, "Rt is not the transpose of R (account %lld)", (long long)bad);
fail:
    return status;
}

/* Merges account v's followees and followers into its row of A, ascending,
 * v itself left out (follower graphs drop self-follows; this keeps Â free of
 * self-loops whatever the input).  Returns the row's length and sets *deg to
 * its sum.  With idx set, also writes the columns and, from dinv, Â's values
 * w·dinv[v]·dinv[c] (the product in double, then rounded: the same bits for
 * (v, c) and (c, v), so Â is exactly symmetric). */
static uint64_t merge_row(const gr_graph *g, uint32_t v, double rw, const double *dinv, uint32_t *idx, float *val,
                          double *deg)
{
    const uint32_t *out = g->R.idx, *in = g->Rt.idx;
    uint64_t a = g->R.ptr[v], ae = g->R.ptr[v + 1], b = g->Rt.ptr[v], be = g->Rt.ptr[v + 1], len = 0;
    double sum = 0;
    while (a < ae || b < be) {
        uint32_t c;
        double w = 1.0;
        if (b == be || (a < ae && out[a] < in[b])) c = out[a++];      /* v follows c only */
        else if (a == ae || in[b] < out[a]) c = in[b++];             /* c follows v only */
        else c = out[a++], b++, w = rw;                              /* mutual */
        if (c == v) continue;
        if (idx != NULL) {
            idx[len] = c;
            val[len] = (float)(w * (dinv[v] * dinv[c]));
        }
        len++;
        sum += w;
    }
    *deg = sum;
    return len;
}

gr_status gr_follow_degrees(const gr_graph *g, double reciprocal_weight, double *deg, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(check_graph(g, reciprocal_weight, msg));
    const int64_t n = g->n_users;
#pragma omp parallel for schedule(dynamic, 1024)
    for (int64_t v = 0; v < n; v++) merge_row(g, (uint32_t)v, reciprocal_weight, NULL, NULL, NULL, &deg[v]);
fail:
    return status;
}

gr_status gr_norm_adj_build_follow(gr_norm_adj **out, const gr_graph *g, double reciprocal_weight, char *msg)
{
    gr_status status = GR_OK;
    gr_norm_adj *a = NULL;
    double *dinv = NULL;
    *out = NULL;
    GR_TRY(gr_grb_init(0, msg));
    GR_TRY(check_graph(g, reciprocal_weight, msg));
    const uint32_t n = g->n_users;
    a = calloc(1, sizeof *a);
    GR_CHECK_ALLOC(a, "the normalized adjacency");
    a->n = n;
    a->n_users = n; /* one node per account: no item block */
    a->ptr = gr_alloc(n + (size_t)1, sizeof *a->ptr);
    dinv = gr_alloc(n + (size_t)1, sizeof *dinv);
    if (a->ptr == NULL || dinv == NULL) GR_FAIL(GR_ERR_NOMEM, "out of memory for Â's %u rows", n);

    /* Pass 1: row lengths (into ptr[v + 1]) and degrees. */
    a->ptr[0] = 0;
#pragma omp parallel for schedule(dynamic, 1024)
    for (int64_t v = 0; v < (int64_t)n; v++) {
        double deg;
        a->ptr[v + 1] = merge_row(g, (uint32_t)v, reciprocal_weight, NULL, NULL, NULL, &deg);
        dinv[v] = deg > 0 ? 1.0 / sqrt(deg) : 0.0;
    }
    for (uint32_t v = 0; v < n; v++) a->ptr[v + 1] += a->ptr[v];
    a->nnz = a->ptr[n];
    a->idx = gr_alloc_huge(a->nnz, sizeof *a->idx);
    a->val = gr_alloc_huge(a->nnz, sizeof *a->val);
    if ((a->idx == NULL || a->val == NULL) && a->nnz > 0)
        GR_FAIL(GR_ERR_NOMEM, "out of memory for Â (%u nodes, %llu entries)", n, (unsigned long long)a->nnz);

    /* Pass 2: entries. */
#pragma omp parallel for schedule(dynamic, 1024)
    for (int64_t v = 0; v < (int64_t)n; v++) {
        double deg;
        const uint64_t o = a->ptr[v];
        merge_row(g, (uint32_t)v, reciprocal_weight, dinv, a->idx + o, a->val + o, &deg);
    }
    /* As gr_norm_adj_build: the GraphBLAS copy is made on first use. */
    *out = a;
    a = NULL;
fail:
    free(dinv);
    gr_norm_adj_free(a);
    return status;
}
