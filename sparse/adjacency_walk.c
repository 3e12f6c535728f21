/* P' of a random walk (see adjacency_walk.h), built straight into
 * gr_norm_adj's CSR arrays: row t lists t's in-edges, which the graph
 * already holds sorted (Rt's rows; a user's social row, whose users come
 * before every item node, then its items), so no sort and no n x n
 * intermediate. */
#include "sparse/adjacency_walk.h"

#include <stdlib.h>

#include "core/alloc.h"
#include "sparse/adjacency_impl.h"
#include "sparse/grb.h"

/* The in-edges of node t: up to two sorted runs (first + base, then
 * second + base2), weighted w1 and w2 per edge. */
typedef struct {
    const uint32_t *first, *second;
    uint64_t n1, n2;
    uint32_t base1, base2;
    float w1, w2;
} in_edges;

static in_edges edges_into(const gr_graph *g, const gr_csr *social, float sw, uint32_t t)
{
    in_edges e = {0};
    if (g->kind != GR_GRAPH_BIPARTITE || t >= g->n_users) {
        /* an account's followers, or an item's users */
        const uint32_t r = g->kind != GR_GRAPH_BIPARTITE ? t : t - g->n_users;
        e.first = g->Rt.idx + g->Rt.ptr[r];
        e.n1 = gr_csr_degree(&g->Rt, r);
        e.w1 = 1.0f;
        return e;
    }
    if (social && t < social->n_rows) {
        e.first = social->idx + social->ptr[t];
        e.n1 = gr_csr_degree(social, t);
        e.w1 = sw;
    }
    e.second = g->R.idx + g->R.ptr[t];
    e.n2 = gr_csr_degree(&g->R, t);
    e.base2 = g->n_users;
    e.w2 = 1.0f;
    return e;
}

gr_status gr_walk_adj_build(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                            double *out_weight, char *msg)
{
    gr_status status = GR_OK;
    gr_norm_adj *a = NULL;
    double *ow = NULL;
    *out = NULL;
    const int bip = g->kind == GR_GRAPH_BIPARTITE;
    if (!bip && g->n_users != g->n_items)
        GR_FAIL(GR_ERR_ARG, "a follower graph has one id space, not %u x %u", g->n_users, g->n_items);
    if (bip && (uint64_t)g->n_users + g->n_items > UINT32_MAX - 1)
        GR_FAIL(GR_ERR_ARG, "%u users + %u items exceed 4G nodes", g->n_users, g->n_items);
    if (social_weight <= 0) social = NULL;
    if (social && (!bip || social->n_rows > g->n_users || social->n_cols > g->n_users))
        GR_FAIL(GR_ERR_ARG, "social edges join the users of a user-item graph");
    GR_TRY(gr_grb_init(0, msg));
    const uint32_t n = bip ? g->n_users + g->n_items : g->n_items;
    a = gr_zalloc(1, sizeof *a);
    GR_CHECK_ALLOC(a, "the walk's transition matrix");
    a->n = n;
    a->n_users = bip ? g->n_users : n;
    a->ptr = gr_alloc(n + (size_t)1, sizeof *a->ptr);
    ow = out_weight ? out_weight : gr_alloc(n + (size_t)1, sizeof *ow);
    if (a->ptr == NULL || ow == NULL) GR_FAIL(GR_ERR_NOMEM, "out of memory for the walk's %u nodes", n);
    /* out-weights: a user's items and friends, an item's users, an
     * account's follows */
    for (uint32_t s = 0; s < n; s++) {
        if (!bip) ow[s] = (double)gr_csr_degree(&g->R, s);
        else if (s >= g->n_users) ow[s] = (double)gr_csr_degree(&g->Rt, s - g->n_users);
        else
            ow[s] = (double)gr_csr_degree(&g->R, s) +
                    (social && s < social->n_rows ? social_weight * (double)gr_csr_degree(social, s) : 0.0);
    }
    a->ptr[0] = 0;
    for (uint32_t t = 0; t < n; t++) {
        const in_edges e = edges_into(g, social, social_weight, t);
        a->ptr[t + 1] = a->ptr[t] + e.n1 + e.n2;
    }
    a->nnz = a->ptr[n];
    a->idx = gr_alloc_huge(a->nnz ? a->nnz : 1, sizeof *a->idx);
    a->val = gr_alloc_huge(a->nnz ? a->nnz : 1, sizeof *a->val);
    if (a->idx == NULL || a->val == NULL)
        GR_FAIL(GR_ERR_NOMEM, "out of memory for the walk's %llu edges", (unsigned long long)a->nnz);
#pragma omp parallel for schedule(dynamic, 1024)
    for (int64_t t = 0; t < (int64_t)n; t++) {
        const in_edges e = edges_into(g, social, social_weight, (uint32_t)t);
        uint64_t k = a->ptr[t];
        for (uint64_t q = 0; q < e.n1; q++, k++) {
            const uint32_t s = e.base1 + e.first[q];
            a->idx[k] = s;
            a->val[k] = (float)(e.w1 / ow[s]);
        }
        for (uint64_t q = 0; q < e.n2; q++, k++) {
            const uint32_t s = e.base2 + e.second[q];
            a->idx[k] = s;
            a->val[k] = (float)(e.w2 / ow[s]);
        }
    }
    *out = a;
    a = NULL;
fail:
    if (ow != out_weight) free(ow);
    gr_norm_adj_free(a);
    return status;
}
