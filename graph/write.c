#include "graph/write.h"

#include <stdio.h>
#include <stdlib.h>

static inline int selected(const gr_edge_select *sel, uint64_t e) { return sel == NULL || sel->part == NULL || sel->part[e] == sel->which; }

gr_status gr_write_adjacency(gr_output *o, const gr_graph *g, const gr_edge_select *sel, char *msg)
{
    gr_status status = GR_OK;
    for (uint32_t u = 0; u < g->n_users; u++) {
        int started = 0;
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) {
            if (!selected(sel, k)) continue;
            if (!started) {
                GR_TRY(gr_idmap_write(o, g->user_ids, u, msg));
                started = 1;
            }
            GR_TRY(gr_output_char(o, ' ', msg));
            GR_TRY(gr_idmap_write(o, g->item_ids, g->R.idx[k], msg));
        }
        if (started) GR_TRY(gr_output_char(o, '\n', msg));
    }
fail:
    return status;
}

/* "<sep><w>" with the fewest significant digits that read back as the same
 * float: "%g" alone keeps 6, so a count of 1234567 would come back as
 * 1234570; 9 digits always round-trip a float. */
static int format_weight(char *buf, size_t size, char sep, float w)
{
    int n = 0;
    for (int digits = 6; digits <= 9; digits++) {
        n = snprintf(buf, size, "%c%.*g", sep, digits, (double)w);
        if (strtof(buf + 1, NULL) == w) break;
    }
    return n;
}

gr_status gr_write_edges(gr_output *o, const gr_graph *g, const gr_edge_select *sel, char sep, char *msg)
{
    gr_status status = GR_OK;
    char num[64];
    for (uint32_t u = 0; u < g->n_users; u++)
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) {
            if (!selected(sel, k)) continue;
            GR_TRY(gr_idmap_write(o, g->user_ids, u, msg));
            GR_TRY(gr_output_char(o, sep, msg));
            GR_TRY(gr_idmap_write(o, g->item_ids, g->R.idx[k], msg));
            if (g->weight) {
                int n = format_weight(num, sizeof num, sep, g->weight[k]);
                GR_TRY(gr_output_write(o, num, (size_t)n, msg));
            }
            if (g->time) {
                if (!g->weight) GR_TRY(gr_output_write(o, sep == '\t' ? "\t1" : (sep == ',' ? ",1" : " 1"), 2, msg));
                int n = snprintf(num, sizeof num, "%c%lld", sep, (long long)g->time[k]);
                GR_TRY(gr_output_write(o, num, (size_t)n, msg));
            }
            GR_TRY(gr_output_char(o, '\n', msg));
        }
fail:
    return status;
}

gr_status gr_write_adjacency_file(const char *path, const gr_graph *g, const gr_edge_select *sel, char *msg)
{
    gr_output *o = NULL;
    gr_status s = gr_output_open(&o, path, msg);
    if (s != GR_OK) return s;
    s = gr_write_adjacency(o, g, sel, msg);
    if (s != GR_OK) {
        gr_output_abort(o);
        return s;
    }
    return gr_output_commit(o, msg);
}

gr_status gr_write_edges_file(const char *path, const gr_graph *g, const gr_edge_select *sel, char sep, char *msg)
{
    gr_output *o = NULL;
    gr_status s = gr_output_open(&o, path, msg);
    if (s != GR_OK) return s;
    s = gr_write_edges(o, g, sel, sep, msg);
    if (s != GR_OK) {
        gr_output_abort(o);
        return s;
    }
    return gr_output_commit(o, msg);
}
