/* Common neighbours, Adamic-Adar and Jaccard scores (see neighbors.h), one
 * user per OpenMP thread, each with a dense accumulator over the items that
 * it leaves zero again after writing the user's score row. */
#include "gnn/neighbors.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

struct gr_neighbors {
    gr_model_kind kind;
    const gr_graph *g;
    int follower;     /* one id space: score accounts directly */
    uint32_t n_cols;  /* items (accounts) of the graph */
    gr_csr A;         /* follower graph: the follows symmetrized, a simple graph */
    float *deg;       /* follower jaccard: |N(v)| */
    float *w;         /* weight of a common neighbour: 1, or igraph's 1 / ln deg */
    float *self;      /* bipartite cn / aa: sim(i, i), taken back out for items of the row */
    gr_csr J;         /* bipartite jaccard: item-item, no diagonal */
    float *jval;
    int threads;
    float *acc;       /* threads x n_cols, zero between users */
    float *co;        /* bipartite cn / aa: threads x n_users co-user counts, zero between users */
    uint32_t *list;   /* threads x list_len: co-users, or N(u) (and for jaccard the accounts reached) */
    size_t list_len;
};

void gr_neighbors_free(gr_neighbors *nb)
{
    if (nb == NULL) return;
    gr_csr_free(&nb->A);
    free(nb->deg);
    gr_csr_free(&nb->J);
    free(nb->jval);
    free(nb->w);
    free(nb->self);
    free(nb->acc);
    free(nb->co);
    free(nb->list);
    free(nb);
}

uint64_t gr_neighbors_matrix_nnz(const gr_neighbors *nb) { return nb->jval ? nb->J.nnz : 0; }

/* igraph's weight of a common neighbour of degree d (cocitation.c): 1/ln d,
 * and d itself for d <= 1, where 1/ln d has no finite value. */
static float aa_weight(uint64_t d) { return d > 1 ? (float)(1.0 / log((double)d)) : (float)d; }

/* Merges two ascending lists into out (ascending, each value once), leaving
 * out `skip`; returns the length. */
static uint32_t merge_union(const uint32_t *a, uint64_t na, const uint32_t *b, uint64_t nb, uint32_t limit,
                            uint32_t skip, uint32_t *out)
{
    uint64_t i = 0, j = 0;
    uint32_t n = 0;
    while (i < na || j < nb) {
        uint32_t v;
        if (j == nb || (i < na && a[i] < b[j])) v = a[i++];
        else if (i == na || b[j] < a[i]) v = b[j++];
        else v = a[i++], j++;
        if (v < limit && v != skip) out[n++] = v;
    }
    return n;
}

/* A = R ∪ R' (rows sorted, no duplicates; self-loops were dropped at load). */
static gr_status symmetrize(const gr_graph *g, gr_csr *A, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t n = g->n_items;
    A->n_rows = A->n_cols = n;
    A->ptr = gr_alloc((size_t)n + 1, sizeof *A->ptr);
    GR_CHECK_ALLOC(A->ptr, "the symmetrized follower graph");
    A->ptr[0] = 0;
    /* the union's size per row, then the rows themselves: merging twice is
     * cheaper than a scratch copy of every row */
    for (uint32_t v = 0; v < n; v++) {
        const uint64_t na = gr_csr_degree(&g->R, v), nt = gr_csr_degree(&g->Rt, v);
        const uint32_t *a = g->R.idx + g->R.ptr[v], *b = g->Rt.idx + g->Rt.ptr[v];
        uint64_t i = 0, j = 0, len = 0;
        while (i < na || j < nt) {
            if (j == nt || (i < na && a[i] < b[j])) i++;
            else if (i == na || b[j] < a[i]) j++;
            else i++, j++;
            len++;
        }
        A->ptr[v + 1] = A->ptr[v] + len;
    }
    A->nnz = A->ptr[n];
    A->idx = gr_alloc(A->nnz ? A->nnz : 1, sizeof *A->idx);
    GR_CHECK_ALLOC(A->idx, "the symmetrized follower graph");
#pragma omp parallel for schedule(dynamic, 256)
    for (uint32_t v = 0; v < n; v++)
        merge_union(g->R.idx + g->R.ptr[v], gr_csr_degree(&g->R, v), g->Rt.idx + g->Rt.ptr[v],
                    gr_csr_degree(&g->Rt, v), n, UINT32_MAX, A->idx + A->ptr[v]);
fail:
    return status;
}

/* Item j's common-neighbour counts with every other item, by scattering
 * over its users' items: cnt[i] (left set) for the n returned items list[]. */
static uint32_t item_cn_row(const gr_graph *g, uint32_t j, uint32_t *cnt, uint32_t *list)
{
    uint32_t n = 0;
    for (uint64_t e = g->Rt.ptr[j]; e < g->Rt.ptr[j + 1]; e++) {
        const uint32_t v = g->Rt.idx[e];
        for (uint64_t f = g->R.ptr[v]; f < g->R.ptr[v + 1]; f++) {
            const uint32_t i = g->R.idx[f];
            if (i != j && cnt[i]++ == 0) list[n++] = i;
        }
    }
    return n;
}

/* The item-item Jaccard matrix J(j, i) = cn / (d_j + d_i - cn), cn > 0 and
 * i != j.  Two passes (sizes, then entries): each as costly as the other,
 * and no per-thread buffers to stitch together. */
static gr_status build_jaccard(gr_neighbors *nb, char *msg)
{
    gr_status status = GR_OK;
    const gr_graph *g = nb->g;
    const uint32_t ni = g->n_items;
    const int threads = nb->threads;
    uint32_t *cnt = gr_zalloc((size_t)threads * ni, sizeof *cnt), *list = gr_alloc((size_t)threads * ni, sizeof *list);
    gr_csr *J = &nb->J;
    J->n_rows = J->n_cols = ni;
    J->ptr = gr_zalloc((size_t)ni + 1, sizeof *J->ptr);
    if (!cnt || !list || !J->ptr) GR_FAIL(GR_ERR_NOMEM, "jaccard: out of memory for the item-item matrix's scratch");
#pragma omp parallel num_threads(threads)
    {
        uint32_t *c = cnt + (size_t)omp_get_thread_num() * ni, *l = list + (size_t)omp_get_thread_num() * ni;
#pragma omp for schedule(dynamic, 16)
        for (uint32_t j = 0; j < ni; j++) {
            const uint32_t n = item_cn_row(g, j, c, l);
            for (uint32_t a = 0; a < n; a++) c[l[a]] = 0;
            J->ptr[j + 1] = n;
        }
    }
    for (uint32_t j = 0; j < ni; j++) J->ptr[j + 1] += J->ptr[j];
    J->nnz = J->ptr[ni];
    J->idx = gr_alloc(J->nnz ? J->nnz : 1, sizeof *J->idx);
    nb->jval = gr_alloc(J->nnz ? J->nnz : 1, sizeof *nb->jval);
    if (!J->idx || !nb->jval)
        GR_FAIL(GR_ERR_NOMEM, "jaccard: out of memory for the item-item matrix (%llu entries, %.0f MiB)",
                (unsigned long long)J->nnz, (double)J->nnz * 8 / 1048576.0);
#pragma omp parallel num_threads(threads)
    {
        uint32_t *c = cnt + (size_t)omp_get_thread_num() * ni, *l = list + (size_t)omp_get_thread_num() * ni;
#pragma omp for schedule(dynamic, 16)
        for (uint32_t j = 0; j < ni; j++) {
            const uint32_t n = item_cn_row(g, j, c, l);
            const double dj = (double)gr_csr_degree(&g->Rt, j);
            uint32_t *idx = J->idx + J->ptr[j];
            float *val = nb->jval + J->ptr[j];
            for (uint32_t a = 0; a < n; a++) {
                const uint32_t i = l[a];
                const double cn = c[i];
                idx[a] = i;
                val[a] = (float)(cn / (dj + (double)gr_csr_degree(&g->Rt, i) - cn));
                c[i] = 0;
            }
        }
    }
fail:
    free(cnt);
    free(list);
    return status;
}

gr_status gr_neighbors_init(gr_neighbors **out, gr_model_kind kind, const gr_graph *g, char *msg)
{
    gr_status status = GR_OK;
    gr_neighbors *nb = NULL;
    *out = NULL;
    if (kind != GR_MODEL_COMMON_NEIGHBORS && kind != GR_MODEL_ADAMIC_ADAR && kind != GR_MODEL_JACCARD)
        GR_FAIL(GR_ERR_ARG, "neighbors: model = %s is not a neighbourhood model", gr_model_kind_name(kind));
    const int follower = g->kind != GR_GRAPH_BIPARTITE;
    if (follower && g->n_users != g->n_items)
        GR_FAIL(GR_ERR_ARG, "neighbors: a follower graph has one id space, not %u x %u", g->n_users, g->n_items);
    nb = gr_zalloc(1, sizeof *nb);
    GR_CHECK_ALLOC(nb, "the neighbourhood scorer");
    nb->kind = kind;
    nb->g = g;
    nb->follower = follower;
    nb->n_cols = g->n_items;
    nb->threads = omp_get_max_threads();
    const size_t t = (size_t)nb->threads;
    /* a common neighbour is an account (follower graph) or a user (bipartite) */
    const uint32_t n_mid = follower ? g->n_items : g->n_users;
    if (follower) GR_TRY(symmetrize(g, &nb->A, msg));
    nb->w = gr_alloc(n_mid ? n_mid : 1, sizeof *nb->w);
    GR_CHECK_ALLOC(nb->w, "the neighbour weights");
    for (uint32_t x = 0; x < n_mid; x++)
        nb->w[x] = kind == GR_MODEL_ADAMIC_ADAR ? aa_weight(gr_csr_degree(follower ? &nb->A : &g->R, x)) : 1.0f;
    if (follower && kind == GR_MODEL_JACCARD) {
        nb->deg = gr_alloc(n_mid ? n_mid : 1, sizeof *nb->deg);
        GR_CHECK_ALLOC(nb->deg, "the neighbourhood sizes");
        for (uint32_t x = 0; x < n_mid; x++) nb->deg[x] = (float)gr_csr_degree(&nb->A, x);
    } else if (!follower && kind == GR_MODEL_JACCARD) {
        GR_TRY(build_jaccard(nb, msg));
    } else if (!follower) {
        nb->self = gr_alloc(g->n_items ? g->n_items : 1, sizeof *nb->self);
        nb->co = gr_zalloc(t * (n_mid ? n_mid : 1), sizeof *nb->co);
        if (!nb->self || !nb->co) GR_FAIL(GR_ERR_NOMEM, "out of memory for the co-user scratch (%d threads)", nb->threads);
        for (uint32_t i = 0; i < g->n_items; i++) {
            double s = 0;
            for (uint64_t e = g->Rt.ptr[i]; e < g->Rt.ptr[i + 1]; e++) s += nb->w[g->Rt.idx[e]];
            nb->self[i] = (float)s;
        }
    }
    nb->acc = gr_zalloc(t * (nb->n_cols ? nb->n_cols : 1), sizeof *nb->acc);
    nb->list_len = (size_t)(n_mid ? n_mid : 1) * (nb->deg ? 2 : 1);
    nb->list = gr_alloc(t * nb->list_len, sizeof *nb->list);
    if (!nb->acc || !nb->list) GR_FAIL(GR_ERR_NOMEM, "out of memory for the neighbourhood scratch (%d threads)", nb->threads);
    *out = nb;
    nb = NULL;
fail:
    gr_neighbors_free(nb);
    return status;
}

/* Follower graph: acc[v] += w(x) for x in N(u), v in N(x); returns
 * |N(u)|, from which the caller makes Jaccard's |∩| / |∪|, and for
 * Jaccard (reached not NULL) lists the accounts reached in reached[0..*nr). */
static uint32_t score_follower(const gr_neighbors *nb, const gr_csr *rows, uint32_t u, float *restrict acc,
                               uint32_t *restrict nbr, uint32_t *restrict reached, uint32_t *nr)
{
    const gr_graph *g = nb->g;
    const uint32_t n = nb->n_cols;
    const gr_csr *A = &nb->A;
    /* N(u): the row u is scored from, and its training followers */
    const uint64_t nf = u < n ? gr_csr_degree(&g->Rt, u) : 0;
    const uint32_t m = merge_union(rows->idx + rows->ptr[u], gr_csr_degree(rows, u),
                                   u < n ? g->Rt.idx + g->Rt.ptr[u] : NULL, nf, n, u, nbr);
    uint32_t r = 0;
    for (uint32_t a = 0; a < m; a++) {
        const uint32_t x = nbr[a];
        const float s = nb->w[x];
        if (reached)
            for (uint64_t e = A->ptr[x]; e < A->ptr[x + 1]; e++) {
                const uint32_t v = A->idx[e];
                if (acc[v] == 0) reached[r++] = v;
                acc[v] += s;
            }
        else
            for (uint64_t e = A->ptr[x]; e < A->ptr[x + 1]; e++) acc[A->idx[e]] += s;
    }
    if (nr) *nr = r;
    return m;
}

/* Bipartite common neighbours / Adamic-Adar: the row through two hops,
 * items -> co-users (counted) -> items, each co-user v adding
 * count(v) w(v); then each item of the row loses its similarity to itself
 * (the j = i term of the sum). */
static void score_two_hop(const gr_neighbors *nb, const uint32_t *row, uint64_t len, float *restrict acc,
                          float *restrict co, uint32_t *restrict list)
{
    const gr_graph *g = nb->g;
    uint32_t n_co = 0;
    for (uint64_t k = 0; k < len; k++) {
        const uint32_t j = row[k];
        if (j >= g->n_items) continue;
        for (uint64_t e = g->Rt.ptr[j]; e < g->Rt.ptr[j + 1]; e++) {
            const uint32_t v = g->Rt.idx[e];
            if (co[v] == 0) list[n_co++] = v;
            co[v] += 1;
        }
    }
    for (uint32_t a = 0; a < n_co; a++) {
        const uint32_t v = list[a];
        const float s = co[v] * nb->w[v];
        co[v] = 0;
        for (uint64_t e = g->R.ptr[v]; e < g->R.ptr[v + 1]; e++) acc[g->R.idx[e]] += s;
    }
    for (uint64_t k = 0; k < len; k++)
        if (row[k] < g->n_items) acc[row[k]] -= nb->self[row[k]];
}

/* Bipartite Jaccard: the rows of J of the user's items, summed. */
static void score_jaccard_items(const gr_neighbors *nb, const uint32_t *row, uint64_t len, float *restrict acc)
{
    const gr_csr *J = &nb->J;
    for (uint64_t k = 0; k < len; k++) {
        const uint32_t j = row[k];
        if (j >= J->n_rows) continue;
        for (uint64_t e = J->ptr[j]; e < J->ptr[j + 1]; e++) acc[J->idx[e]] += nb->jval[e];
    }
}

gr_status gr_neighbors_score(gr_neighbors *nb, const gr_csr *user_rows, const uint32_t *users, size_t n,
                             uint32_t n_items, float *scores, char *msg)
{
    gr_status status = GR_OK;
    const uint32_t nc = nb->n_cols;
    if (n_items < nc)
        GR_FAIL(GR_ERR_ARG, "%s: score rows of %u items are shorter than the graph's %u", gr_model_kind_name(nb->kind),
                n_items, nc);
    for (size_t k = 0; k < n; k++)
        if (users[k] >= user_rows->n_rows)
            GR_FAIL(GR_ERR_ARG, "%s: user %u out of range (%u rows)", gr_model_kind_name(nb->kind), users[k],
                    user_rows->n_rows);
    const int threads = nb->threads < omp_get_max_threads() ? nb->threads : omp_get_max_threads();
    const size_t n_mid = nb->follower ? nb->n_cols : nb->g->n_users;
#pragma omp parallel num_threads(threads)
    {
        const size_t t = (size_t)omp_get_thread_num();
        float *acc = nb->acc + t * nc, *co = nb->co ? nb->co + t * n_mid : NULL;
        uint32_t *list = nb->list + t * nb->list_len, *reached = nb->deg ? list + n_mid : NULL;
        /* users differ a lot in cost: a popular item or account reaches most of the graph */
#pragma omp for schedule(dynamic, 1)
        for (size_t k = 0; k < n; k++) {
            const uint32_t u = users[k];
            const uint32_t *row = user_rows->idx + user_rows->ptr[u];
            const uint64_t len = gr_csr_degree(user_rows, u);
            uint32_t m = 0, nr = 0;
            if (nb->follower) m = score_follower(nb, user_rows, u, acc, list, reached, &nr);
            else if (nb->jval) score_jaccard_items(nb, row, len, acc);
            else score_two_hop(nb, row, len, acc, co, list);
            float *restrict out = scores + k * (size_t)n_items;
            if (nb->deg) {
                /* |∩| / |∪| with |∪| = |N(u)| + |N(v)| - |∩|, for the accounts
                 * reached only (a division per account costs 3x the counting) */
                memset(out, 0, (size_t)nc * sizeof *out);
                for (uint32_t a = 0; a < nr; a++) {
                    const uint32_t v = reached[a];
                    out[v] = acc[v] / ((float)m + nb->deg[v] - acc[v]);
                    acc[v] = 0.0f;
                }
            } else {
                for (uint32_t v = 0; v < nc; v++) {
                    out[v] = acc[v];
                    acc[v] = 0.0f;
                }
            }
            for (uint32_t v = nc; v < n_items; v++) out[v] = 0.0f;
        }
    }
fail:
    return status;
}
