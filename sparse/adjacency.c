/* Â = D^-1/2 A D^-1/2 (with an optional social block, normalized jointly or
 * on its own) as plain CSR arrays plus a GraphBLAS copy, and Y = Â·X through
 * either.  See sparse/adjacency.h; the kernels are in spmm.c. */
#include "sparse/adjacency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sparse/adjacency_impl.h"
#include "sparse/grb.h"

uint32_t gr_norm_adj_nodes(const gr_norm_adj *a) { return a->n; }
uint64_t gr_norm_adj_nnz(const gr_norm_adj *a) { return a->nnz; }

gr_norm_adj_csr gr_norm_adj_view(const gr_norm_adj *a)
{
    gr_norm_adj_csr v = {a->n, a->nnz, a->ptr, a->idx, a->val};
    return v;
}

size_t gr_norm_adj_bytes(uint32_t n, uint64_t nnz)
{
    return ((size_t)n + 1) * sizeof(uint64_t) + (size_t)nnz * (sizeof(uint32_t) + sizeof(float)) +
           (size_t)n * sizeof(double);
}

void gr_norm_adj_free(gr_norm_adj *a)
{
    if (a == NULL) return;
    if (a->G != NULL) GrB_Matrix_free(&a->G);
    free(a->ptr);
    free(a->idx);
    free(a->val);
    free(a);
}

/* ---- input checks ------------------------------------------------------ */

/* Rows ascending without duplicates and inside [0, n_cols): GraphBLAS's
 * unchecked pack (jumbled = false) relies on it, and so does symmetry. */
static gr_status check_csr(const gr_csr *c, uint32_t n_rows, uint32_t n_cols, const char *what, char *msg)
{
    gr_status status = GR_OK;
    if (c->n_rows != n_rows || c->n_cols != n_cols)
        GR_FAIL(GR_ERR_ARG, "%s is %u x %u, expected %u x %u", what, c->n_rows, c->n_cols, n_rows, n_cols);
    if (c->ptr == NULL || c->ptr[0] != 0 || c->ptr[n_rows] != c->nnz || (c->nnz > 0 && c->idx == NULL))
        GR_FAIL(GR_ERR_ARG, "%s: row pointers inconsistent with its %llu entries", what, (unsigned long long)c->nnz);
    for (uint32_t r = 0; r < n_rows; r++) {
        if (c->ptr[r] > c->ptr[r + 1]) GR_FAIL(GR_ERR_ARG, "%s: row pointers decrease at row %u", what, r);
        for (uint64_t k = c->ptr[r]; k < c->ptr[r + 1]; k++) {
            if (c->idx[k] >= n_cols) GR_FAIL(GR_ERR_ARG, "%s: row %u has column %u >= %u", what, r, c->idx[k], n_cols);
            if (k > c->ptr[r] && c->idx[k - 1] >= c->idx[k])
                GR_FAIL(GR_ERR_ARG, "%s: row %u not sorted or has a duplicate column %u", what, r, c->idx[k]);
        }
    }
fail:
    return status;
}

/* With equal entry counts and no duplicates, every (u, i) of R found in Rt
 * proves Rt = Rᵀ, which Â's symmetry depends on. */
static gr_status check_transpose(const gr_csr *R, const gr_csr *Rt, char *msg)
{
    int64_t bad = -1;
    const int64_t nu = R->n_rows;
#pragma omp parallel for schedule(dynamic, 256) reduction(max : bad)
    for (int64_t u = 0; u < nu; u++)
        for (uint64_t k = R->ptr[u]; k < R->ptr[u + 1]; k++)
            if (!gr_csr_has(Rt, R->idx[k], (uint32_t)u)) bad = u;
    if (bad >= 0) return gr_fail(msg, GR_ERR_ARG, "Rt is not the transpose of R (user %lld)", (long long)bad);
    return GR_OK;
}

static gr_status check_symmetric(const gr_csr *s, char *msg)
{
    for (uint32_t r = 0; r < s->n_rows; r++)
        for (uint64_t k = s->ptr[r]; k < s->ptr[r + 1]; k++)
            if (!gr_csr_has(s, s->idx[k], r))
                return gr_fail(msg, GR_ERR_ARG,
                               "social block is not symmetric: (%u, %u) has no (%u, %u); build it undirected", r,
                               s->idx[k], s->idx[k], r);
    return GR_OK;
}

/* ---- GraphBLAS copy ---------------------------------------------------- */

/* GraphBLAS wants 64-bit column indices, so the copy is its own: pack hands it
 * malloc'd arrays in O(1).  On Gowalla (1.6M entries, 2 threads) all of
 * gr_norm_adj_build, checks and this copy included, takes ~50 ms, while
 * GrB_Matrix_build from (i, j, x) tuples alone takes ~180 ms (it sorts and
 * checks duplicates we know are absent). */
gr_status gr_norm_adj_ensure_grb(gr_norm_adj *a, char *msg)
{
    gr_status status = GR_OK;
    if (a->G != NULL) return GR_OK;
    GrB_Index *Ap = gr_alloc(a->n + (size_t)1, sizeof *Ap);
    GrB_Index *Aj = gr_alloc_huge(a->nnz, sizeof *Aj);
    float *Ax = gr_alloc_huge(a->nnz, sizeof *Ax);
    if (Ap == NULL || Aj == NULL || Ax == NULL)
        GR_FAIL(GR_ERR_NOMEM, "out of memory copying Â (%llu entries) for GraphBLAS", (unsigned long long)a->nnz);
    memcpy(Ap, a->ptr, (a->n + (size_t)1) * sizeof *Ap);
    const int64_t nnz = (int64_t)a->nnz;
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < nnz; k++) {
        Aj[k] = a->idx[k];
        Ax[k] = a->val[k];
    }
    GR_GRB_TRY(GrB_Matrix_new(&a->G, GrB_FP32, a->n, a->n));
    /* By row and never hypersparse: the CSR we hand over is what mxm sees. */
    GR_GRB_TRY(GxB_Matrix_Option_set(a->G, GxB_FORMAT, GxB_BY_ROW));
    GR_GRB_TRY(GxB_Matrix_Option_set(a->G, GxB_SPARSITY_CONTROL, GxB_SPARSE));
    GR_GRB_TRY_ON(a->G, GxB_Matrix_pack_CSR(a->G, &Ap, &Aj, (void **)&Ax, (a->n + (GrB_Index)1) * sizeof *Ap,
                                            a->nnz * sizeof *Aj, a->nnz * sizeof *Ax, false, false, NULL));
    /* Nothing pending from here on, so concurrent GrB_mxm calls only read G. */
    GR_GRB_TRY_ON(a->G, GrB_Matrix_wait(a->G, GrB_MATERIALIZE));
fail:
    free(Ap); /* NULL after a successful pack: GraphBLAS owns them */
    free(Aj);
    free(Ax);
    return status;
}

/* ---- build ------------------------------------------------------------- */

gr_status gr_norm_adj_build(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                            char *msg)
{
    return gr_norm_adj_build_social(out, g, social, social_weight, GR_ADJ_SOCIAL_JOINT, msg);
}

gr_status gr_norm_adj_build_social(gr_norm_adj **out, const gr_graph *g, const gr_csr *social, float social_weight,
                                   gr_adj_social_norm norm, char *msg)
{
    gr_status status = GR_OK;
    gr_norm_adj *a = NULL;
    double *dinv = NULL, *sinv = NULL;
    *out = NULL;
    GR_TRY(gr_grb_init(0, msg));
    if (norm != GR_ADJ_SOCIAL_JOINT && norm != GR_ADJ_SOCIAL_SEPARATE)
        GR_FAIL(GR_ERR_ARG, "unknown social normalization %d", (int)norm);
    if (social != NULL && !(isfinite(social_weight) && social_weight >= 0.0f))
        GR_FAIL(GR_ERR_ARG, "social weight must be finite and >= 0, got %g", (double)social_weight);
    if (social_weight == 0.0f) social = NULL; /* explicit zeros would only cost time */
    const uint32_t nu = g->n_users, ni = g->n_items;
    if ((uint64_t)nu + ni > UINT32_MAX) GR_FAIL(GR_ERR_ARG, "%u users + %u items exceed 32-bit node ids", nu, ni);
    GR_TRY(check_csr(&g->R, nu, ni, "R", msg));
    GR_TRY(check_csr(&g->Rt, ni, nu, "Rt", msg));
    if (g->Rt.nnz != g->R.nnz) GR_FAIL(GR_ERR_ARG, "Rt has %llu entries, R %llu", (unsigned long long)g->Rt.nnz,
                                       (unsigned long long)g->R.nnz);
    GR_TRY(check_transpose(&g->R, &g->Rt, msg));
    if (social != NULL) {
        GR_TRY(check_csr(social, nu, nu, "social block", msg));
        GR_TRY(check_symmetric(social, msg));
    }

    a = calloc(1, sizeof *a);
    GR_CHECK_ALLOC(a, "the normalized adjacency");
    a->n = nu + ni;
    a->n_users = nu;
    a->nnz = 2 * g->R.nnz + (social ? social->nnz : 0);
    const uint32_t n = a->n;
    a->ptr = gr_alloc(n + (size_t)1, sizeof *a->ptr);
    a->idx = gr_alloc_huge(a->nnz, sizeof *a->idx);
    a->val = gr_alloc_huge(a->nnz, sizeof *a->val);
    dinv = gr_alloc(n, sizeof *dinv);
    /* separate: the social block's own D_S^-1/2; joint: S shares dinv */
    const int separate = social != NULL && norm == GR_ADJ_SOCIAL_SEPARATE;
    if (separate) sinv = gr_alloc(nu ? nu : 1, sizeof *sinv);
    if (a->ptr == NULL || a->idx == NULL || a->val == NULL || dinv == NULL || (separate && sinv == NULL))
        GR_FAIL(GR_ERR_NOMEM, "out of memory for Â (%u nodes, %llu entries)", n, (unsigned long long)a->nnz);

    /* Row lengths and degrees (row sums of A, or of each block when
     * separate; symmetric, so also column sums).  Users first: [w·S_u, R_u];
     * then items: [Rᵀ_i]. */
    a->ptr[0] = 0;
    for (uint32_t u = 0; u < nu; u++) {
        uint64_t ns = social ? gr_csr_degree(social, u) : 0, nr = gr_csr_degree(&g->R, u);
        double deg = separate ? (double)nr : (double)social_weight * (double)ns + (double)nr;
        dinv[u] = deg > 0 ? 1.0 / sqrt(deg) : 0.0;
        if (separate) sinv[u] = ns > 0 ? 1.0 / sqrt((double)ns) : 0.0;
        a->ptr[u + 1] = a->ptr[u] + ns + nr;
    }
    for (uint32_t i = 0; i < ni; i++) {
        uint64_t nr = gr_csr_degree(&g->Rt, i);
        dinv[nu + i] = nr > 0 ? 1.0 / sqrt((double)nr) : 0.0;
        a->ptr[nu + i + 1] = a->ptr[nu + i] + nr;
    }

    /* Entries: columns of S (< nu) come before the shifted item columns
     * (>= nu), so each row is sorted because S's and R's rows are. */
    const double *sdinv = separate ? sinv : dinv;
#pragma omp parallel for schedule(dynamic, 1024)
    for (uint32_t r = 0; r < n; r++) {
        uint64_t o = a->ptr[r];
        if (r < nu) {
            if (social != NULL)
                for (uint64_t k = social->ptr[r]; k < social->ptr[r + 1]; k++, o++) {
                    uint32_t c = social->idx[k];
                    a->idx[o] = c;
                    a->val[o] = (float)((double)social_weight * (sdinv[r] * sdinv[c])); /* symmetric bit for bit */
                }
            for (uint64_t k = g->R.ptr[r]; k < g->R.ptr[r + 1]; k++, o++) {
                uint32_t c = nu + g->R.idx[k];
                a->idx[o] = c;
                a->val[o] = (float)(dinv[r] * dinv[c]);
            }
        } else {
            const uint32_t i = r - nu;
            for (uint64_t k = g->Rt.ptr[i]; k < g->Rt.ptr[i + 1]; k++, o++) {
                uint32_t c = g->Rt.idx[k];
                a->idx[o] = c;
                a->val[o] = (float)(dinv[r] * dinv[c]);
            }
        }
    }
    /* The GraphBLAS copy is made on first use by the GraphBLAS kernel: training
     * runs the CSR kernel and would carry 12 bytes per entry for nothing. */
    *out = a;
    a = NULL;
fail:
    free(dinv);
    free(sinv);
    gr_norm_adj_free(a);
    return status;
}
