/* gnnrec stats: sizes, degree distributions, connectivity and popularity
 * concentration of an interaction graph, as a table or one JSON object, and
 * optionally a log-log degree-distribution chart.
 *
 * Several files are loaded into one dataset and one graph, so
 * "stats train.txt test.txt" describes the whole data set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "core/output.h"
#include "graph/degree_plot.h"
#include "graph/stats.h"

static const char stats_usage[] =
    "usage: gnnrec stats FILE [FILE...] [options]\n"
    "\n"
    "Prints the size of the interaction graph (ids, active users and items,\n"
    "interactions, density), the degree distribution of each side (min, median,\n"
    "p90, p99, max, mean over nodes with at least one interaction; nearest-rank\n"
    "percentiles), the connected components and the item-popularity Gini\n"
    "coefficient.  Several files are counted together (train + test = total).\n"
    "\n"
    "stats options:\n"
    "  --json                 print one JSON object instead of the table\n"
    "  --plot FILE.svg        also write the log-log degree distribution chart\n"
    "  --no-components        skip the connected-components pass (saves memory\n"
    "                         and time on very large graphs)\n"
    "  -h, --help             this help\n"
    "\n";

typedef struct {
    int json;
    int components;
    const char *plot;
} stats_args;

/* Parses argv into a, in and files (pointers into argv).  Returns -1 to go
 * on, or an exit code. */
static int stats_parse(int argc, char **argv, stats_args *a, gr_cli_input *in, char **files, int *n_files)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int r = gr_cli_input_option(in, argc, argv, &i);
        if (r < 0) return GR_EXIT_USAGE;
        if (r > 0) continue;
        if (strcmp(arg, "-h") == 0 || gr_cli_is(arg, "--help")) {
            fputs(stats_usage, stdout);
            fputs(gr_cli_input_help, stdout);
            return GR_EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            a->json = 1;
        } else if (strcmp(arg, "--no-components") == 0) {
            a->components = 0;
        } else if (gr_cli_is(arg, "--plot")) {
            if ((a->plot = gr_cli_value(argc, argv, &i, "--plot")) == NULL) return GR_EXIT_USAGE;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return gr_cli_usage_error("stats", "unknown option '%s' (see gnnrec stats --help)", arg);
        } else {
            files[(*n_files)++] = argv[i];
        }
    }
    if (*n_files == 0) return gr_cli_usage_error("stats", "no input file (see gnnrec stats --help)");
    return -1;
}

/* Writes the statistics to stdout, through gr_output like every other output
 * so a write error (a closed pipe, a full disk) is reported, not lost. */
static gr_status stats_print(const stats_args *a, const gr_stats *st, char *msg)
{
    gr_status status = GR_OK;
    gr_output *o = NULL;
    GR_TRY(gr_output_open(&o, "-", msg));
    if (a->json)
        GR_TRY(gr_stats_write_json(o, st, msg));
    else
        GR_TRY(gr_stats_write_text(o, st, msg));
    status = gr_output_commit(o, msg);
    o = NULL; /* commit frees it, success or not */
fail:
    gr_output_abort(o);
    return status;
}

int gr_cmd_stats(int argc, char **argv)
{
    stats_args a = {.json = 0, .components = 1, .plot = NULL};
    gr_cli_input in;
    gr_dataset ds;
    gr_graph g;
    gr_stats st;
    char msg[GR_MSG_LEN] = "";
    int n_files = 0, rc;
    char **files = calloc(argc > 0 ? (size_t)argc : 1, sizeof *files);
    if (files == NULL) return gr_cli_error(GR_ERR_NOMEM, "out of memory");

    gr_cli_input_init(&in);
    gr_dataset_init(&ds);
    memset(&g, 0, sizeof g);
    rc = stats_parse(argc, argv, &a, &in, files, &n_files);
    if (rc >= 0) goto done;

    rc = gr_cli_load_graph(&in, files, n_files, &ds, &g);
    if (rc != GR_EXIT_OK) goto done;

    gr_status s = gr_graph_stats(&g, a.components, &st, msg);
    if (s == GR_OK) s = stats_print(&a, &st, msg);
    /* The chart comes after the numbers, so a bad --plot path still leaves
     * the statistics on screen, and the exit code says the run failed. */
    if (s == GR_OK && a.plot != NULL) {
        s = gr_degree_plot_svg(&g, a.plot, msg);
        if (s == GR_OK && !in.quiet) fprintf(stderr, "stats: degree distribution written to %s\n", a.plot);
    }
    rc = s == GR_OK ? GR_EXIT_OK : gr_cli_error(s, msg);
done:
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    free(files);
    return rc;
}
