/* gnnrec split: one interaction file (or several) -> DIR/train.txt, test.txt
 * and, with --valid, valid.txt, as adjacency lists with the original ids.
 *
 * The files of a split only make sense together, so they are written as one
 * unit: every output is opened (as a temporary) before anything is written,
 * and renamed into place only after all were written.  On any error all
 * temporaries are removed, and a DIR this run created is removed again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "core/alloc.h"
#include "core/format.h"
#include "core/output.h"
#include "graph/split.h"
#include "graph/write.h"

static const char split_usage[] =
    "usage: gnnrec split FILE [FILE...] -o DIR [options]\n"
    "\n"
    "Splits the interactions into DIR/train.txt, DIR/test.txt and, with --valid,\n"
    "DIR/valid.txt: adjacency lists (\"user item item ...\") with the original ids.\n"
    "The same seed always gives the same split, whatever the number of threads.\n"
    "\n"
    "split options:\n"
    "  -o, --output DIR       output directory (created when missing)\n"
    "  --method M             ratio (default): a random share of each user's items;\n"
    "                         loo: one item per user (the latest when timestamps exist);\n"
    "                         temporal: each user's latest share (needs timestamps);\n"
    "                         temporal-global: one cut time for all (needs timestamps)\n"
    "  --test SHARE           share held out for test (default 0.2; unused by loo)\n"
    "  --valid SHARE          share held out for validation (default 0: no valid.txt);\n"
    "                         with loo any value > 0 holds out one more item\n"
    "  --seed N               random seed (default 42)\n"
    "  --min-items N          users with fewer interactions stay wholly in train\n"
    "                         (default 2; per-user methods only)\n"
    "  --gzip                 write .txt.gz files\n"
    "  -h, --help             this help\n"
    "\n"
    "Timestamps are the 4th column of an edge list (src dst weight time) or of\n"
    "MovieLens files.\n"
    "\n";

static const char *const split_part_name[GR_PART_COUNT] = {"train", "test", "valid"};

typedef struct {
    const char *dir;
    int gzip;
    gr_split_opts split;
} split_args;

/* Parses argv into a, in, and the list of input files (pointers into argv).
 * Returns -1 to go on, or an exit code. */
static int split_parse(int argc, char **argv, split_args *a, gr_cli_input *in, char **files,
                       int *n_files)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        int r = gr_cli_input_option(in, argc, argv, &i);
        if (r < 0) return GR_EXIT_USAGE;
        if (r > 0) continue;
        if (strcmp(arg, "-h") == 0 || gr_cli_is(arg, "--help")) {
            fputs(split_usage, stdout);
            fputs(gr_cli_input_help, stdout);
            return GR_EXIT_OK;
        } else if (strcmp(arg, "-o") == 0) {
            if (i + 1 >= argc) return gr_cli_usage_error("split", "-o needs a directory");
            a->dir = argv[++i];
        } else if (gr_cli_is(arg, "--output")) {
            if ((a->dir = gr_cli_value(argc, argv, &i, "--output")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(arg, "--method")) {
            if ((v = gr_cli_value(argc, argv, &i, "--method")) == NULL) return GR_EXIT_USAGE;
            if (gr_split_kind_parse(v, &a->split.kind) < 0)
                return gr_cli_usage_error("split", "unknown --method '%s' (ratio, loo, temporal, temporal-global)", v);
        } else if (gr_cli_is(arg, "--test")) {
            if ((v = gr_cli_value(argc, argv, &i, "--test")) == NULL) return GR_EXIT_USAGE;
            if (gr_cli_double("--test", v, &a->split.test) < 0) return GR_EXIT_USAGE;
        } else if (gr_cli_is(arg, "--valid")) {
            if ((v = gr_cli_value(argc, argv, &i, "--valid")) == NULL) return GR_EXIT_USAGE;
            if (gr_cli_double("--valid", v, &a->split.valid) < 0) return GR_EXIT_USAGE;
        } else if (gr_cli_is(arg, "--seed")) {
            if ((v = gr_cli_value(argc, argv, &i, "--seed")) == NULL) return GR_EXIT_USAGE;
            if (gr_cli_u64("--seed", v, &a->split.seed) < 0) return GR_EXIT_USAGE;
        } else if (gr_cli_is(arg, "--min-items")) {
            if ((v = gr_cli_value(argc, argv, &i, "--min-items")) == NULL) return GR_EXIT_USAGE;
            if (gr_cli_u32("--min-items", v, &a->split.min_items) < 0) return GR_EXIT_USAGE;
        } else if (strcmp(arg, "--gzip") == 0) {
            a->gzip = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return gr_cli_usage_error("split", "unknown option '%s' (see gnnrec split --help)", arg);
        } else {
            files[(*n_files)++] = argv[i];
        }
    }
    if (*n_files == 0) return gr_cli_usage_error("split", "no input file (see gnnrec split --help)");
    if (a->dir == NULL) return gr_cli_usage_error("split", "no output directory: give -o DIR");
    /* Refuse bad shares before loading what may be a large file. */
    char msg[GR_MSG_LEN];
    gr_status s = gr_split_check_opts(&a->split, msg);
    if (s != GR_OK) return gr_cli_error(s, msg);
    return -1;
}

/* Creates dir when missing; *created tells the caller to remove it on failure. */
static gr_status split_make_dir(const char *dir, int *created, char *msg)
{
    struct stat st;
    *created = 0;
    if (mkdir(dir, 0777) == 0) {
        *created = 1;
        return GR_OK;
    }
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return GR_OK;
    if (errno == EEXIST) return gr_fail(msg, GR_ERR_IO, "%s: exists and is not a directory", dir);
    return gr_fail(msg, GR_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
}

/* Opens all outputs, writes all, then commits all.  If a commit fails after
 * others succeeded, the committed files of this run are removed too, so DIR
 * never holds a train.txt without its test.txt from the same split. */
static gr_status split_write(const split_args *a, const gr_graph *g, const uint8_t *part, int n_parts,
                             char *msg)
{
    gr_status status = GR_OK;
    gr_output *out[GR_PART_COUNT] = {NULL, NULL, NULL};
    char *path[GR_PART_COUNT] = {NULL, NULL, NULL};
    int committed = 0;
    for (int p = 0; p < n_parts; p++) {
        if (asprintf(&path[p], "%s/%s.txt%s", a->dir, split_part_name[p], a->gzip ? ".gz" : "") < 0) {
            path[p] = NULL;
            GR_FAIL(GR_ERR_NOMEM, "out of memory");
        }
        GR_TRY(gr_output_open(&out[p], path[p], msg));
    }
    for (int p = 0; p < n_parts; p++) {
        gr_edge_select sel = {part, (uint8_t)p};
        GR_TRY(gr_write_adjacency(out[p], g, &sel, msg));
    }
    for (; committed < n_parts; committed++) {
        gr_output *o = out[committed];
        out[committed] = NULL; /* commit frees it, success or not */
        GR_TRY(gr_output_commit(o, msg));
    }
fail:
    if (status != GR_OK)
        for (int p = 0; p < committed; p++) unlink(path[p]);
    for (int p = 0; p < GR_PART_COUNT; p++) {
        gr_output_abort(out[p]);
        free(path[p]);
    }
    return status;
}

/* The loader fills the time column with 0 for inputs that have none (an
 * adjacency list, a 2- or 3-column edge list).  All-zero times carry no order,
 * so drop them: a temporal split then fails with the library's clear message
 * instead of splitting on ties alone. */
static void split_print_summary(const split_args *a, const gr_split_report *rep, int n_parts)
{
    char b1[GR_FMT_LEN], b2[GR_FMT_LEN];
    printf("split: method %s, seed %llu", gr_split_kind_name(a->split.kind),
           (unsigned long long)a->split.seed);
    if (a->split.kind != GR_SPLIT_LEAVE_ONE_OUT) printf(", test %g", a->split.test);
    if (a->split.valid > 0) printf(", valid %g", a->split.valid);
    printf("\n");
    for (int p = 0; p < n_parts; p++)
        printf("  %-5s  %14s edges  %12s users  -> %s/%s.txt%s\n", split_part_name[p],
               gr_fmt_count(b1, rep->edges[p]), gr_fmt_count(b2, rep->users[p]), a->dir,
               split_part_name[p], a->gzip ? ".gz" : "");
    if (rep->users_train_only > 0)
        printf("  %s users wholly in train (%s)\n", gr_fmt_count(b1, rep->users_train_only),
               a->split.kind == GR_SPLIT_TEMPORAL_GLOBAL ? "no interaction after the cut"
                                                         : "too few interactions to hold any out");
}

int gr_cmd_split(int argc, char **argv)
{
    split_args a;
    gr_cli_input in;
    gr_dataset ds;
    gr_graph g;
    gr_split_report rep;
    char msg[GR_MSG_LEN] = "";
    uint8_t *part = NULL;
    int created = 0, n_files = 0, rc;
    char **files = calloc(argc > 0 ? (size_t)argc : 1, sizeof *files);
    if (files == NULL) return gr_cli_error(GR_ERR_NOMEM, "out of memory");

    memset(&a, 0, sizeof a);
    gr_split_opts_default(&a.split);
    gr_cli_input_init(&in);
    gr_dataset_init(&ds);
    memset(&g, 0, sizeof g);
    rc = split_parse(argc, argv, &a, &in, files, &n_files);
    if (rc >= 0) goto done;

    /* Only the methods that look at time pay for carrying it. */
    in.load.keep_times = a.split.kind != GR_SPLIT_RATIO;
    rc = gr_cli_load_graph(&in, files, n_files, &ds, &g);
    if (rc != GR_EXIT_OK) goto done;

    gr_status s;
    part = gr_alloc(g.R.nnz, 1);
    if (part == NULL) {
        rc = gr_cli_error(GR_ERR_NOMEM, "out of memory allocating the split");
        goto done;
    }
    s = gr_split_assign(&g, &a.split, part, &rep, msg);
    if (s == GR_OK) s = split_make_dir(a.dir, &created, msg);
    if (s == GR_OK) s = split_write(&a, &g, part, a.split.valid > 0 ? 3 : 2, msg);
    if (s != GR_OK) {
        if (created) rmdir(a.dir);
        rc = gr_cli_error(s, msg);
        goto done;
    }
    if (!in.quiet) split_print_summary(&a, &rep, a.split.valid > 0 ? 3 : 2);
    rc = GR_EXIT_OK;
done:
    free(part);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    free(files);
    return rc;
}
