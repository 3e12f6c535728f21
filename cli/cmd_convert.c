/* gnnrec convert: any supported input -> filtered adjacency list or edge list. */
#include <stdio.h>
#include <string.h>

#include "cli/common.h"
#include "core/format.h"
#include "graph/filter.h"
#include "graph/write.h"

static const char help[] =
    "usage: gnnrec convert FILE [FILE...] -o OUT [options]\n\n"
    "Reads interactions in any supported format (several files are merged), removes\n"
    "duplicates, applies the filters, and writes OUT atomically (gzip when OUT ends\n"
    "in .gz, '-' for stdout), with the original ids.\n\n"
    "Output options:\n"
    "  -o, --output OUT        file to write\n"
    "  --to adj|edges          adjacency list 'user item item ...' (default) or edge list;\n"
    "                          edge lists keep the rating and timestamp columns when present\n"
    "  --out-sep tab|comma|space  edge-list separator (default tab)\n"
    "Filters (applied in this order, after --min-rating):\n"
    "  --min-user-degree N     drop users with fewer than N interactions (one pass)\n"
    "  --min-item-degree N     drop items with fewer than N interactions (one pass)\n"
    "  --kcore K               keep the K-core: every user and item has >= K interactions\n"
    "  --kcore-users K --kcore-items K  different thresholds per side\n\n";

int gr_cmd_convert(int argc, char **argv)
{
    gr_cli_input in;
    gr_cli_input_init(&in);
    const char *out = NULL;
    int to_edges = 0;
    char out_sep = '\t';
    uint32_t min_user = 0, min_item = 0, k_user = 0, k_item = 0;
    char *files[argc];
    int n_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int r = gr_cli_input_option(&in, argc, argv, &i);
        if (r < 0) return GR_EXIT_USAGE;
        if (r > 0) continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s%s", help, gr_cli_input_help);
            return GR_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || gr_cli_is(a, "--output")) {
            if ((out = gr_cli_value(argc, argv, &i, strcmp(a, "-o") == 0 ? "-o" : "--output")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--to")) {
            if ((v = gr_cli_value(argc, argv, &i, "--to")) == NULL) return GR_EXIT_USAGE;
            if (strcmp(v, "edges") == 0) to_edges = 1;
            else if (strcmp(v, "adj") == 0) to_edges = 0;
            else return gr_cli_usage_error("convert", "bad value for --to: '%s' (expected adj or edges)", v);
        } else if (gr_cli_is(a, "--out-sep")) {
            if ((v = gr_cli_value(argc, argv, &i, "--out-sep")) == NULL) return GR_EXIT_USAGE;
            if (strcmp(v, "tab") == 0) out_sep = '\t';
            else if (strcmp(v, "comma") == 0) out_sep = ',';
            else if (strcmp(v, "space") == 0) out_sep = ' ';
            else return gr_cli_usage_error("convert", "bad value for --out-sep: '%s' (expected tab, comma or space)", v);
        } else if (gr_cli_is(a, "--min-user-degree")) {
            if ((v = gr_cli_value(argc, argv, &i, "--min-user-degree")) == NULL || gr_cli_u32("--min-user-degree", v, &min_user)) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--min-item-degree")) {
            if ((v = gr_cli_value(argc, argv, &i, "--min-item-degree")) == NULL || gr_cli_u32("--min-item-degree", v, &min_item)) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--kcore-users")) {
            if ((v = gr_cli_value(argc, argv, &i, "--kcore-users")) == NULL || gr_cli_u32("--kcore-users", v, &k_user)) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--kcore-items")) {
            if ((v = gr_cli_value(argc, argv, &i, "--kcore-items")) == NULL || gr_cli_u32("--kcore-items", v, &k_item)) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--kcore")) {
            if ((v = gr_cli_value(argc, argv, &i, "--kcore")) == NULL || gr_cli_u32("--kcore", v, &k_user)) return GR_EXIT_USAGE;
            k_item = k_user;
        } else if (a[0] == '-' && a[1] != '\0') {
            return gr_cli_usage_error("convert", "unknown option '%s'", a);
        } else {
            files[n_files++] = argv[i];
        }
    }
    if (n_files == 0) return gr_cli_usage_error("convert", "no input file");
    if (out == NULL) return gr_cli_usage_error("convert", "no output file (-o OUT)");
    in.load.keep_weights = in.load.keep_times = to_edges;

    gr_dataset ds;
    gr_graph g = {0};
    gr_dataset_init(&ds);
    char msg[GR_MSG_LEN] = "";
    gr_status s = GR_OK;
    int rc = gr_cli_load_graph(&in, files, n_files, &ds, &g);
    if (rc != GR_EXIT_OK) goto done;
    gr_rows_free(&ds.rows); /* the graph holds everything we still need */
    gr_filter_report fr;
    if (min_user > 0 || min_item > 0) {
        if ((s = gr_filter_min_degree(&g, min_user, min_item, &fr, msg)) != GR_OK) goto failed;
        if (!in.quiet)
            fprintf(stderr, "min degree: %llu interactions, %u users, %u items removed\n",
                    (unsigned long long)fr.edges_removed, fr.users_removed, fr.items_removed);
    }
    if (k_user > 0 || k_item > 0) {
        if ((s = gr_filter_kcore(&g, k_user, k_item, &fr, msg)) != GR_OK) goto failed;
        if (!in.quiet)
            fprintf(stderr, "k-core (%u, %u): %llu interactions, %u users, %u items removed in %u rounds\n", k_user,
                    k_item, (unsigned long long)fr.edges_removed, fr.users_removed, fr.items_removed, fr.rounds);
    }
    s = to_edges ? gr_write_edges_file(out, &g, NULL, out_sep, msg) : gr_write_adjacency_file(out, &g, NULL, msg);
    if (s != GR_OK) goto failed;
    if (!in.quiet) {
        char a[GR_FMT_LEN], b[GR_FMT_LEN], c[GR_FMT_LEN];
        fprintf(stderr, "wrote %s: %s interactions, %s users, %s items\n", out, gr_fmt_count(a, g.R.nnz),
                gr_fmt_count(b, gr_csr_nonempty_rows(&g.R)), gr_fmt_count(c, gr_csr_nonempty_rows(&g.Rt)));
    }
    goto done;
failed:
    rc = gr_cli_error(s, msg);
done:
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    return rc;
}
