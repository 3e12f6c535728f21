/* The social block: the pairs read as an undirected graph over one id space
 * (graph.c's build does the symmetrizing, the sorting and the dropping), of
 * which only R is kept: for an undirected graph Rt is the same matrix. */
#include "graph/social.h"

#include <string.h>

gr_status gr_social_build(gr_csr *S, gr_rows *rows, gr_build_report *report, char *msg)
{
    gr_status status = GR_OK;
    gr_dataset ds;
    gr_graph g;
    memset(&g, 0, sizeof g);
    memset(S, 0, sizeof *S);
    gr_dataset_init(&ds);
    /* Integer ids over users x users: the rows already hold user indices. */
    ds.rows = *rows;
    ds.started = 1;
    ds.ids = GR_IDS_INT;
    gr_rows_init(rows, 0, 0);
    if (ds.rows.n_users != ds.rows.n_items)
        GR_FAIL(GR_ERR_ARG, "social edges over %u x %u ids: expected one user id space", ds.rows.n_users,
                ds.rows.n_items);
    GR_TRY(gr_graph_build_consume(&g, &ds, GR_GRAPH_UNDIRECTED, report, msg));
    *S = g.R;
    memset(&g.R, 0, sizeof g.R);
fail:
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    return status;
}
