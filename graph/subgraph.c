/* A graph of the edges one part of a split selects, over the same id space, so
 * a validation set can be carved out of the training file in memory. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "graph/graph.h"

gr_status gr_graph_select(const gr_graph *g, const uint8_t *part, uint8_t which, gr_graph *out, char *msg)
{
    gr_status status = GR_OK;
    memset(out, 0, sizeof *out);
    out->kind = g->kind;
    out->n_users = g->n_users;
    out->n_items = g->n_items;
    out->user_ids = g->user_ids;
    out->item_ids = g->item_ids;
    uint64_t m = 0;
    for (uint64_t k = 0; k < g->R.nnz; k++) m += part[k] == which;
    out->R.n_rows = g->R.n_rows;
    out->R.n_cols = g->R.n_cols;
    out->R.nnz = m;
    out->R.ptr = gr_alloc((size_t)g->R.n_rows + 1, sizeof *out->R.ptr);
    out->R.idx = gr_alloc(m, sizeof *out->R.idx);
    GR_CHECK_ALLOC(out->R.ptr, "row pointers");
    GR_CHECK_ALLOC(out->R.idx, "row index");
    if (g->weight) GR_CHECK_ALLOC(out->weight = gr_alloc(m, sizeof *out->weight), "weights");
    if (g->time) GR_CHECK_ALLOC(out->time = gr_alloc(m, sizeof *out->time), "timestamps");
    uint64_t w = 0;
    for (uint32_t u = 0; u < g->R.n_rows; u++) {
        out->R.ptr[u] = w;
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) {
            if (part[k] != which) continue;
            out->R.idx[w] = g->R.idx[k];
            if (g->weight) out->weight[w] = g->weight[k];
            if (g->time) out->time[w] = g->time[k];
            w++;
        }
    }
    out->R.ptr[g->R.n_rows] = w;
    GR_TRY(gr_graph_rebuild_transpose(out, msg));
    return GR_OK;
fail:
    gr_graph_free(out);
    return status;
}
