/* Ingest benchmark: load one file into rows, build the CSR graph, and print one
 * line of figures (seconds, rows/s, MB/s, peak memory, bytes per stored edge).
 * bench/ingest.sh runs it next to `zcat FILE > /dev/null` and takes medians. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sysinfo.h"
#include "graph/graph.h"
#include "loaders/load.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ingest FILE [--ids int|string]\n");
        return 2;
    }
    gr_load_opts o;
    gr_load_opts_default(&o);
    if (argc > 3 && strcmp(argv[2], "--ids") == 0) o.ids = strcmp(argv[3], "string") == 0 ? GR_IDS_STRING : GR_IDS_INT;
    char msg[GR_MSG_LEN];
    gr_dataset ds;
    gr_graph g;
    gr_load_report rep;
    gr_build_report brep;
    gr_dataset_init(&ds);
    size_t rss0 = gr_current_rss();
    double t0 = gr_now();
    gr_status s = gr_load_file(&ds, argv[1], &o, &rep, msg);
    double t1 = gr_now();
    if (s == GR_OK) s = gr_graph_build_consume(&g, &ds, GR_GRAPH_BIPARTITE, &brep, msg);
    double t2 = gr_now();
    if (s != GR_OK) {
        fprintf(stderr, "bench_ingest: %s\n", msg);
        return 1;
    }
    size_t maps = 0;
    if (ds.user_ids) maps += gr_idmap_bytes(ds.user_ids);
    if (ds.item_ids && ds.item_ids != ds.user_ids) maps += gr_idmap_bytes(ds.item_ids);
    double peak = (double)gr_peak_rss() - (double)rss0;
    /* One line, key=value, for the script to pick apart. */
    printf("rows=%llu edges=%llu bytes=%llu load_s=%.4f build_s=%.4f peak_bytes=%.0f map_bytes=%zu "
           "bytes_per_edge=%.2f users=%u items=%u\n",
           (unsigned long long)rep.kept, (unsigned long long)g.R.nnz, (unsigned long long)rep.bytes, t1 - t0, t2 - t1,
           peak, maps, (peak - (double)maps) / (double)(g.R.nnz ? g.R.nnz : 1), g.n_users, g.n_items);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    return 0;
}
