#include "gnn/lightgcn.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

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
    w->out = gr_alloc(cells, sizeof(float));
    GR_CHECK_ALLOC(w->out, "the propagated embeddings");
    /* K = 0 never touches the scratch buffers. */
    if (K > 0) {
        w->buf[0] = gr_alloc(cells, sizeof(float));
        GR_CHECK_ALLOC(w->buf[0], "a propagation layer");
        w->buf[1] = gr_alloc(cells, sizeof(float));
        GR_CHECK_ALLOC(w->buf[1], "a propagation layer");
    }
    return GR_OK;
fail:
    gr_lightgcn_free(w);
    return status;
}

void gr_lightgcn_free(gr_lightgcn *w)
{
    free(w->out);
    free(w->buf[0]);
    free(w->buf[1]);
    w->out = w->buf[0] = w->buf[1] = NULL;
}

/* y = a·x (element-wise, n cells). */
static void scale_into(float *y, const float *x, float a, size_t cells)
{
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < cells; c++) y[c] = a * x[c];
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

gr_status gr_lightgcn_forward(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, char *msg)
{
    gr_status status = GR_OK;
    const size_t cells = (size_t)w->n * w->d;
    GR_TRY(check_adj(w, adj, msg));
    scale_into(w->out, ego, w->alpha[0], cells);
    /* Only the previous layer is needed to build the next one, so two buffers
     * serve any K; the sum is accumulated as each layer appears. */
    const float *prev = ego;
    for (uint32_t k = 1; k <= w->K; k++) {
        float *next = w->buf[k & 1];
        /* next = Â prev, and out += αₖ next in the same pass */
        GR_TRY(gr_spmm_fused(adj, prev, next, w->d, NULL, 0.0f, w->out, w->alpha[k], w->kernel, msg));
        prev = next;
    }
    return GR_OK;
fail:
    gr_msg_prefix(msg, "lightgcn forward");
    return status;
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
