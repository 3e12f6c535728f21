/* gnnrec generate: writes a synthetic dataset with planted communities, so the
 * demo, the tests and the benchmarks need no download (model in graph/generate.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "core/format.h"
#include "core/sysinfo.h"
#include "graph/generate.h"

static const char generate_help[] =
    "usage: gnnrec generate -o OUT [options]\n"
    "\n"
    "Writes synthetic interactions: users and items split into communities, Zipf-like\n"
    "activity and popularity, each row inside the user's community with probability\n"
    "P.  The same options and seed always give the same file.\n"
    "\n"
    "  -o, --output OUT      file to write (\".gz\" compresses; \"-\" is stdout); required\n"
    "  --users N             users, or accounts for follows (default 2000)\n"
    "  --items N             items (default 1000; unused for follows)\n"
    "  --edges N             rows to write (default 60000); pairs may repeat (about 1 in 5\n"
    "                        at the defaults, fewer in sparser data); loading drops repeats\n"
    "  --communities C       planted communities (default 10)\n"
    "  --exponent A          Zipf exponent of activity and popularity, 0..4 (default 0.5);\n"
    "                        degrees then follow a power law k^-(1+1/A)\n"
    "  --p-in P              probability a row stays in the user's community (default 0.8)\n"
    "  --seed S              random seed (default 42)\n"
    "  --kind K              interactions (users x items, default) or follows\n"
    "                        (account follows account, no self-follows)\n"
    "  --format F            edges (default): \"u<id>\\ti<id>\", string ids (\"a<id>\\ta<id>\" for\n"
    "                        follows); edges-int: integer ids; adj: \"user item item ...\"\n"
    "                        per active user, integer ids (the rows of the edge list, grouped)\n"
    "  --weights             add a rating column 1..5 (3..5 inside the community)\n"
    "  --time                add a timestamp column (after the rating, which it implies)\n"
    "  --quiet               no progress, no summary\n"
    "  --progress            show progress even when stderr is not a terminal\n"
    "  -h, --help            this help\n";

static int parse_args(int argc, char **argv, gr_gen_opts *o, gr_gen_format *fmt, const char **path,
                      int *quiet, int *progress)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(generate_help, stdout);
            return -2;
        } else if (strcmp(a, "-o") == 0 || gr_cli_is(a, "--output")) {
            if ((v = gr_cli_value(argc, argv, &i, strcmp(a, "-o") == 0 ? "-o" : "--output")) == NULL) return -1;
            *path = v;
        } else if (gr_cli_is(a, "--users")) {
            if ((v = gr_cli_value(argc, argv, &i, "--users")) == NULL || gr_cli_u32("--users", v, &o->n_users) != 0)
                return -1;
        } else if (gr_cli_is(a, "--items")) {
            if ((v = gr_cli_value(argc, argv, &i, "--items")) == NULL || gr_cli_u32("--items", v, &o->n_items) != 0)
                return -1;
        } else if (gr_cli_is(a, "--edges")) {
            if ((v = gr_cli_value(argc, argv, &i, "--edges")) == NULL || gr_cli_u64("--edges", v, &o->n_edges) != 0)
                return -1;
        } else if (gr_cli_is(a, "--communities")) {
            if ((v = gr_cli_value(argc, argv, &i, "--communities")) == NULL ||
                gr_cli_u32("--communities", v, &o->n_communities) != 0)
                return -1;
        } else if (gr_cli_is(a, "--exponent")) {
            if ((v = gr_cli_value(argc, argv, &i, "--exponent")) == NULL ||
                gr_cli_double("--exponent", v, &o->exponent) != 0)
                return -1;
        } else if (gr_cli_is(a, "--p-in")) {
            if ((v = gr_cli_value(argc, argv, &i, "--p-in")) == NULL || gr_cli_double("--p-in", v, &o->p_in) != 0)
                return -1;
        } else if (gr_cli_is(a, "--seed")) {
            if ((v = gr_cli_value(argc, argv, &i, "--seed")) == NULL || gr_cli_u64("--seed", v, &o->seed) != 0)
                return -1;
        } else if (gr_cli_is(a, "--kind")) {
            if ((v = gr_cli_value(argc, argv, &i, "--kind")) == NULL) return -1;
            if (gr_gen_kind_parse(v, &o->kind) != 0) {
                gr_cli_usage_error("generate", "bad value for --kind: '%s' (interactions or follows)", v);
                return -1;
            }
        } else if (gr_cli_is(a, "--format")) {
            if ((v = gr_cli_value(argc, argv, &i, "--format")) == NULL) return -1;
            if (gr_gen_format_parse(v, fmt) != 0) {
                gr_cli_usage_error("generate", "bad value for --format: '%s' (edges, edges-int or adj)", v);
                return -1;
            }
        } else if (strcmp(a, "--weights") == 0) {
            o->with_weight = 1;
        } else if (strcmp(a, "--time") == 0) {
            o->with_time = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            *quiet = 1;
        } else if (strcmp(a, "--progress") == 0) {
            *progress = 1;
        } else {
            gr_cli_usage_error("generate", "unknown option '%s' (see gnnrec generate --help)", a);
            return -1;
        }
    }
    return 0;
}

/* The library names the field ("p-in: ..."); the user typed an option. */
static int option_error(gr_status s, const char *msg)
{
    if (s != GR_ERR_ARG) return gr_cli_error(s, msg);
    static const char *const fields[] = {"users", "items", "communities", "exponent", "p-in"};
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
        size_t n = strlen(fields[f]);
        if (strncmp(msg, fields[f], n) == 0 && msg[n] == ':')
            return gr_cli_usage_error("generate", "bad value for --%s%s", fields[f], msg + n);
    }
    return gr_cli_usage_error("generate", "%s", msg);
}

int gr_cmd_generate(int argc, char **argv)
{
    gr_gen_opts o;
    gr_gen_opts_default(&o);
    gr_gen_format fmt = GR_GEN_EDGES;
    const char *path = NULL;
    int quiet = 0, force_progress = 0;
    int rc = parse_args(argc, argv, &o, &fmt, &path, &quiet, &force_progress);
    if (rc == -2) return GR_EXIT_OK;
    if (rc != 0) return GR_EXIT_USAGE;
    if (path == NULL) return gr_cli_usage_error("generate", "missing -o OUT (see gnnrec generate --help)");

    char msg[GR_MSG_LEN] = "";
    gr_status s = gr_gen_opts_check(&o, msg);
    if (s != GR_OK) return option_error(s, msg);
    if (fmt == GR_GEN_ADJ && (o.with_weight || o.with_time))
        return gr_cli_usage_error("generate", "--format adj has no rating or time column; drop --weights/--time");

    gr_progress bar;
    gr_progress_start(&bar, "generate", !quiet && (force_progress || isatty(STDERR_FILENO)));
    o.progress = &bar;
    double t0 = gr_now();
    s = gr_generate_write(&o, path, fmt, msg);
    gr_progress_finish(&bar);
    if (s != GR_OK) return gr_cli_error(s, msg);

    if (!quiet) {
        char rows[GR_FMT_LEN], users[GR_FMT_LEN], items[GR_FMT_LEN];
        const int follows = o.kind == GR_GEN_FOLLOWS;
        if (follows)
            fprintf(stderr, "gnnrec generate: wrote %s follows among %s accounts (%u communities) to %s in %.2f s\n",
                    gr_fmt_count(rows, o.n_edges), gr_fmt_count(users, o.n_users), o.n_communities, path,
                    gr_now() - t0);
        else
            fprintf(stderr, "gnnrec generate: wrote %s rows, %s users x %s items (%u communities) to %s in %.2f s\n",
                    gr_fmt_count(rows, o.n_edges), gr_fmt_count(users, o.n_users), gr_fmt_count(items, o.n_items),
                    o.n_communities, path, gr_now() - t0);
    }
    return GR_EXIT_OK;
}
