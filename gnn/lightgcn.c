#include "gnn/lightgcn.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sparse/half.h"

gr_status gr_lightgcn_init(gr_lightgcn *w, uint32_t n, uint32_t d, uint32_t K, const float *alpha,
                           gr_spmm_kernel kernel, char *msg)
{
    gr_status status = GR_OK;
    memset(w, 0, sizeof *w);
    if (d == 0) GR_FAIL(GR_ERR_ARG, "lightgcn: embedding dimension must be positive");
    if (K > GR_LIGHTGCN_MAX_LAYERS)
        GR_FAIL(GR_ERR_ARG, "lightgcn: %u layers requested, at most %d supported", K, GR_LIGHTGCN_MAX_LAYERS);
    w->n = n;
    w->d = d;
    w->K = K;
    w->kernel = kernel;
    for (uint32_t k = 0; k <= K; k++) w->alpha[k] = alpha ? alpha[k] : 1.0f / (float)(K + 1);

    size_t cells = (size_t)n * d;
    if (cells / d != n) GR_FAIL(GR_ERR_NOMEM, "lightgcn: %u x %u embeddings overflow", n, d);
    /* Huge pages: the SpMMs gather rows of these at random, and with 4 KiB
     * pages a gather is as likely to miss the TLB as the cache. */
    w->out = gr_alloc_huge(cells, sizeof(float));
    GR_CHECK_ALLOC(w->out, "the propagated embeddings");
    /* K = 0 never touches the scratch buffers. */
    if (K > 0) {
        w->buf[0] = gr_alloc_huge(cells, sizeof(float));
        GR_CHECK_ALLOC(w->buf[0], "a propagation layer");
        w->buf[1] = gr_alloc_huge(cells, sizeof(float));
        GR_CHECK_ALLOC(w->buf[1], "a propagation layer");
        w->seed = gr_zalloc_huge(cells, sizeof(float));
        GR_CHECK_ALLOC(w->seed, "the backward pass's first layer");
    }
    return GR_OK;
fail:
    gr_lightgcn_free(w);
    return status;
}

size_t gr_lightgcn_bytes(uint32_t n, uint32_t d, uint32_t K)
{
    return (size_t)n * d * sizeof(float) * (K > 0 ? 4 : 1); /* out, and buf[0], buf[1], seed when propagating */
}

void gr_lightgcn_free(gr_lightgcn *w)
{
    free(w->out);
    free(w->buf[0]);
    free(w->buf[1]);
    free(w->seed);
    w->out = w->buf[0] = w->buf[1] = w->seed = NULL;
}

/* y = a·x (element-wise, n cells). */
static void scale_into(float *y, const float *x, float a, size_t cells)
{
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < cells; c++) y[c] = a * x[c];
}

/* One row of scale_into, serially: for the few rows of a batch. */
static void scale_row(float *restrict y, const float *restrict x, float a, size_t d)
{
    for (size_t j = 0; j < d; j++) y[j] = a * x[j];
}

/* y += a·x. */
static void axpy(float *y, const float *x, float a, size_t cells)
{
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < cells; c++) y[c] += a * x[c];
}

static gr_status check_adj(const gr_lightgcn *w, const gr_norm_adj *adj, char *msg)
{
    if (w->K == 0) return GR_OK;
    if (adj == NULL) return gr_fail(msg, GR_ERR_ARG, "%u layers need an adjacency", w->K);
    if (gr_norm_adj_nodes(adj) != w->n)
        return gr_fail(msg, GR_ERR_ARG, "adjacency has %u nodes, embeddings have %u rows",
                       gr_norm_adj_nodes(adj), w->n);
    return GR_OK;
}

/* Layer k's product of a forward pass: E^k = Â E^(k-1), and out += αₖ E^k in
 * the same pass; layer 1 also starts out as α₀·ego there (α₀·ego + α₁·E¹ is
 * the arithmetic of a separate α₀·ego pass followed by the += , so the bits
 * are the same, and an n x d pass is saved). */
static gr_spmm_opts layer_opts(const gr_lightgcn *w, uint32_t k, const float *ego)
{
    gr_spmm_opts o = {.OUT = w->out, .alpha = w->alpha[k]};
    if (k == 1) {
        o.OUT_INIT = ego;
        o.alpha0 = w->alpha[0];
    }
    return o;
}

static gr_status check_rows(const gr_lightgcn *w, const gr_row_set *rows, char *msg)
{
    if (rows == NULL || rows->mask == NULL || (rows->list == NULL && rows->n_list > 0))
        return gr_fail(msg, GR_ERR_ARG, "a batch pass needs its rows as a list and a mask");
    if (rows->n_list > w->n) return gr_fail(msg, GR_ERR_ARG, "%u rows listed, the embeddings have %u", rows->n_list, w->n);
    return GR_OK;
}

/* Layer k's product with rows: the sum only on them (out_mask), and the
 * last layer computed only there. */
static void restrict_layer(gr_spmm_opts *o, const gr_lightgcn *w, uint32_t k, const gr_row_set *rows)
{
    if (rows && k == w->K) o->rows = rows;
    else if (rows) o->out_mask = rows->mask;
}

/* Layers 1..K in floats: each read from the one before, in w->buf. */
static gr_status layers_fp32(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                             char *msg)
{
    gr_status status = GR_OK;
    const float *prev = ego;
    for (uint32_t k = 1; k <= w->K; k++) {
        float *next = k == w->K ? NULL : w->buf[k & 1];
        gr_spmm_opts o = layer_opts(w, k, ego);
        restrict_layer(&o, w, k, rows);
        GR_TRY(gr_spmm_ex(adj, prev, next, w->d, &o, w->kernel, msg));
        prev = next;
    }
fail:
    return status;
}

/* Layers 1..K with halves in between: ego rounded to half, and each layer
 * stored as halves only (Y16) for the next to gather, in two n x d slots of
 * half width inside w->buf[0] (which holds n x d floats: room for both,
 * and the backward pass overwrites it anyway).  out = Σ αₖ Eᵏ stays in
 * floats: α₀·ego from the float ego, αₖ Eᵏ from each product's float sums. */
static gr_status layers_fp16(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                             char *msg)
{
    gr_status status = GR_OK;
    const size_t cells = (size_t)w->n * w->d;
    uint16_t *slot[2] = {(uint16_t *)(void *)w->buf[0], (uint16_t *)(void *)w->buf[0] + cells};
    gr_half_from_float_array(slot[0], ego, cells);
    const uint16_t *prev = slot[0];
    for (uint32_t k = 1; k <= w->K; k++) {
        uint16_t *next = k == w->K ? NULL : slot[k & 1];
        gr_spmm_opts o = layer_opts(w, k, ego);
        restrict_layer(&o, w, k, rows);
        o.X16 = prev;
        o.Y16 = next;
        GR_TRY(gr_spmm_ex(adj, NULL, NULL, w->d, &o, w->kernel, msg));
        prev = next;
    }
fail:
    return status;
}

/* The forward pass on every row (rows == NULL) or on the listed rows only.
 * Only the previous layer is needed to build the next one, so two buffers
 * serve any K; the sum is accumulated as each layer appears, and the last
 * layer is not stored at all.  With rows, the sum is only wanted on them, and
 * the last layer is only computed there. */
static gr_status propagate(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                           gr_lightgcn_act act, char *msg)
{
    gr_status status = GR_OK;
    const size_t d = w->d;
    GR_TRY(check_adj(w, adj, msg));
    if (act != GR_LIGHTGCN_FP32 && act != GR_LIGHTGCN_FP16) GR_FAIL(GR_ERR_ARG, "unknown activation type %d", (int)act);
    if (w->K == 0 && rows == NULL) scale_into(w->out, ego, w->alpha[0], (size_t)w->n * d);
    if (w->K == 0 && rows != NULL)
        for (uint32_t i = 0; i < rows->n_list; i++)
            scale_row(w->out + rows->list[i] * d, ego + rows->list[i] * d, w->alpha[0], d);
    if (w->K > 0 && act == GR_LIGHTGCN_FP16) GR_TRY(layers_fp16(w, adj, ego, rows, msg));
    else if (w->K > 0) GR_TRY(layers_fp32(w, adj, ego, rows, msg));
    return GR_OK;
fail:
    gr_msg_prefix(msg, "lightgcn forward");
    return status;
}

gr_status gr_lightgcn_forward(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, char *msg)
{
    return propagate(w, adj, ego, NULL, GR_LIGHTGCN_FP32, msg);
}

gr_status gr_lightgcn_forward_rows(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                                   char *msg)
{
    return gr_lightgcn_forward_ex(w, adj, ego, rows, GR_LIGHTGCN_FP32, msg);
}

gr_status gr_lightgcn_forward_ex(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_row_set *rows,
                                 gr_lightgcn_act act, char *msg)
{
    gr_status s = rows != NULL ? check_rows(w, rows, msg) : GR_OK;
    return s != GR_OK ? s : propagate(w, adj, ego, rows, act, msg);
}

/* Horner: Σₖ αₖ Âᵏ g = α₀g + Â(α₁g + Â(α₂g + … + Â(α_K g))).  G starts as
 * α_K g; each step G ← Â G + αₖ g (one fused pass), K products in all.  The
 * result is left in one of the workspace buffers, returned in *out. */
static gr_status horner(gr_lightgcn *w, const gr_norm_adj *adj, const float *dE, float **out, char *msg)
{
    gr_status status = GR_OK;
    float *G = w->buf[0], *tmp = w->buf[1];
    scale_into(G, dE, w->alpha[w->K], (size_t)w->n * w->d);
    for (uint32_t k = w->K; k-- > 0;) {
        GR_TRY(gr_spmm_fused(adj, G, tmp, w->d, dE, w->alpha[k], NULL, 0.0f, w->kernel, msg));
        float *t = G;
        G = tmp;
        tmp = t;
    }
    *out = G;
fail:
    return status;
}

gr_status gr_lightgcn_backward(gr_lightgcn *w, const gr_norm_adj *adj, const float *dE, float *dego, char *msg)
{
    gr_status status = GR_OK;
    const size_t cells = (size_t)w->n * w->d;
    float *G = NULL;
    GR_TRY(check_adj(w, adj, msg));
    if (w->K == 0) {
        axpy(dego, dE, w->alpha[0], cells);
        return GR_OK;
    }
    GR_TRY(horner(w, adj, dE, &G, msg));
    axpy(dego, G, 1.0f, cells);
    return GR_OK;
fail:
    gr_msg_prefix(msg, "lightgcn backward");
    return status;
}

gr_status gr_lightgcn_backward_grad(gr_lightgcn *w, const gr_norm_adj *adj, float *dE, float **grad, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(check_adj(w, adj, msg));
    if (w->K == 0) {
        if (w->alpha[0] != 1.0f) scale_into(dE, dE, w->alpha[0], (size_t)w->n * w->d);
        *grad = dE;
        return GR_OK;
    }
    GR_TRY(horner(w, adj, dE, grad, msg));
    return GR_OK;
fail:
    gr_msg_prefix(msg, "lightgcn backward");
    return status;
}

/* Horner as above for a dE that is zero outside `rows`.  G starts as the
 * seed buffer, α_K dE on the rows and zeros elsewhere (the zeros are kept
 * between calls, so no n x d scale pass), and the first step gathers only
 * the rows' rows of it (x_live).  dE is read only on the rows (z_live): its
 * other rows are zero, and y + β·(+-0) is y. */
gr_status gr_lightgcn_backward_rows(gr_lightgcn *w, const gr_norm_adj *adj, const float *dE, const gr_row_set *rows,
                                    gr_spmm_row_fn row_fn, void *ctx, float **grad, char *msg)
{
    gr_status status = GR_OK;
    const size_t d = w->d;
    *grad = NULL;
    GR_TRY(check_adj(w, adj, msg));
    GR_TRY(check_rows(w, rows, msg));
    if (w->K == 0) GR_FAIL(GR_ERR_ARG, "no layers to propagate through (MF): use the full gradient");
    for (uint32_t i = 0; i < rows->n_list; i++)
        scale_row(w->seed + rows->list[i] * d, dE + rows->list[i] * d, w->alpha[w->K], d);
    const float *G = w->seed;
    float *Y = NULL;
    for (uint32_t s = 0; s < w->K && status == GR_OK; s++) {
        const uint32_t k = w->K - 1 - s;
        const int last = k == 0;
        const gr_spmm_opts o = {.Z = dE,
                                .beta = w->alpha[k],
                                .z_live = rows->mask,
                                .x_live = s == 0 ? rows->mask : NULL,
                                .row_fn = last ? row_fn : NULL,
                                .row_ctx = ctx};
        Y = last && row_fn != NULL ? NULL : w->buf[s & 1];
        status = gr_spmm_ex(adj, G, Y, w->d, &o, w->kernel, msg);
        G = Y;
    }
    /* back to all zeros, also after a failure */
    for (uint32_t i = 0; i < rows->n_list; i++) memset(w->seed + rows->list[i] * d, 0, d * sizeof(float));
    if (status != GR_OK) goto fail;
    *grad = Y;
    return GR_OK;
fail:
    gr_msg_prefix(msg, "lightgcn backward");
    return status;
}
