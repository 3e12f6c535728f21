#include "cli/common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/format.h"
#include "core/sysinfo.h"

const char gr_cli_input_help[] =
    "Input options:\n"
    "  --format auto|adj|edges|movielens  input format (default: detected from the first lines)\n"
    "  --ids auto|int|string   integer ids keep their numbers as indices; string ids are mapped\n"
    "                          (default: string as soon as an id is not a number)\n"
    "  --sep tab|comma|space|::  edge-list separator (default: detected)\n"
    "  --header auto|yes|no    first data line is a header (default: detected)\n"
    "  --min-rating R          keep rows whose rating (3rd column) is >= R\n"
    "  --skip-bad-rows         count and skip malformed rows instead of stopping\n"
    "  --graph bipartite|directed|undirected  directed: 'src follows dst' follower graph;\n"
    "                          undirected: each edge both ways (default: bipartite)\n"
    "  --max-line BYTES        longest accepted line (default 16 MiB)\n"
    "  --quiet                 no progress and no load report\n"
    "  --progress / --no-progress  force the progress line on or off (default: on a terminal)\n";

void gr_cli_input_init(gr_cli_input *in)
{
    memset(in, 0, sizeof *in);
    gr_load_opts_default(&in->load);
    in->kind = GR_GRAPH_BIPARTITE;
    in->progress = -1;
}

int gr_cli_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

const char *gr_cli_value(int argc, char **argv, int *i, const char *name)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (arg[n] == '=') return arg + n + 1;
    if (*i + 1 >= argc) {
        fprintf(stderr, "gnnrec: option %s needs a value\n", name);
        return NULL;
    }
    return argv[++*i];
}

int gr_cli_u64(const char *name, const char *value, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*value == '-' || *value == '\0') goto bad;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0') goto bad;
    *out = v;
    return 0;
bad:
    fprintf(stderr, "gnnrec: bad value for %s: '%s' (expected a non-negative integer)\n", name, value);
    return -1;
}

int gr_cli_u32(const char *name, const char *value, uint32_t *out)
{
    uint64_t v;
    if (gr_cli_u64(name, value, &v) != 0) return -1;
    if (v > UINT32_MAX) {
        fprintf(stderr, "gnnrec: bad value for %s: '%s' (at most %u)\n", name, value, UINT32_MAX);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int gr_cli_double(const char *name, const char *value, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (errno != 0 || *end != '\0' || *value == '\0' || !isfinite(v)) {
        fprintf(stderr, "gnnrec: bad value for %s: '%s' (expected a number)\n", name, value);
        return -1;
    }
    *out = v;
    return 0;
}

static int bad_choice(const char *name, const char *value, const char *choices)
{
    fprintf(stderr, "gnnrec: bad value for %s: '%s' (expected %s)\n", name, value, choices);
    return -1;
}

int gr_cli_input_option(gr_cli_input *in, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    gr_load_opts *o = &in->load;
    if (strcmp(a, "--skip-bad-rows") == 0) o->skip_bad_rows = 1;
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) in->quiet = 1;
    else if (strcmp(a, "--progress") == 0) in->progress = 1;
    else if (strcmp(a, "--no-progress") == 0) in->progress = 0;
    else if (gr_cli_is(a, "--format")) {
        if ((v = gr_cli_value(argc, argv, i, "--format")) == NULL) return -1;
        if (gr_format_parse(v, &o->format) != 0) return bad_choice("--format", v, "auto, adj, edges or movielens");
    } else if (gr_cli_is(a, "--ids")) {
        if ((v = gr_cli_value(argc, argv, i, "--ids")) == NULL) return -1;
        if (strcmp(v, "int") == 0) o->ids = GR_IDS_INT;
        else if (strcmp(v, "string") == 0) o->ids = GR_IDS_STRING;
        else if (strcmp(v, "auto") == 0) o->ids = GR_IDS_AUTO;
        else return bad_choice("--ids", v, "auto, int or string");
    } else if (gr_cli_is(a, "--sep")) {
        if ((v = gr_cli_value(argc, argv, i, "--sep")) == NULL) return -1;
        if (strcmp(v, "tab") == 0 || strcmp(v, "\t") == 0) o->sep = '\t';
        else if (strcmp(v, "comma") == 0 || strcmp(v, ",") == 0) o->sep = ',';
        else if (strcmp(v, "space") == 0 || strcmp(v, " ") == 0) o->sep = ' ';
        else if (strcmp(v, "::") == 0) o->sep = ':';
        else return bad_choice("--sep", v, "tab, comma, space or ::");
    } else if (gr_cli_is(a, "--header")) {
        if ((v = gr_cli_value(argc, argv, i, "--header")) == NULL) return -1;
        if (strcmp(v, "yes") == 0) o->header = GR_HEADER_YES;
        else if (strcmp(v, "no") == 0) o->header = GR_HEADER_NO;
        else if (strcmp(v, "auto") == 0) o->header = GR_HEADER_AUTO;
        else return bad_choice("--header", v, "auto, yes or no");
    } else if (gr_cli_is(a, "--min-rating")) {
        if ((v = gr_cli_value(argc, argv, i, "--min-rating")) == NULL) return -1;
        if (gr_cli_double("--min-rating", v, &o->min_rating) != 0) return -1;
        o->has_min_rating = 1;
    } else if (gr_cli_is(a, "--graph")) {
        if ((v = gr_cli_value(argc, argv, i, "--graph")) == NULL) return -1;
        if (gr_graph_kind_parse(v, &in->kind) != 0) return bad_choice("--graph", v, "bipartite, directed or undirected");
        o->shared_ids = in->kind != GR_GRAPH_BIPARTITE;
    } else if (gr_cli_is(a, "--max-line")) {
        uint64_t n;
        if ((v = gr_cli_value(argc, argv, i, "--max-line")) == NULL) return -1;
        if (gr_cli_u64("--max-line", v, &n) != 0) return -1;
        if (n < 16) return bad_choice("--max-line", v, "at least 16 bytes");
        o->max_line = (size_t)n;
    } else {
        return 0;
    }
    return 1;
}

int gr_cli_error(gr_status s, const char *msg)
{
    fprintf(stderr, "gnnrec: %s\n", msg && *msg ? msg : gr_status_name(s));
    return s == GR_ERR_ARG ? GR_EXIT_USAGE : GR_EXIT_FAIL;
}

int gr_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gnnrec %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'gnnrec %s --help')\n", cmd);
    return GR_EXIT_USAGE;
}

static void print_report(const char *path, const gr_load_report *r)
{
    char a[GR_FMT_LEN], b[GR_FMT_LEN], c[GR_FMT_LEN];
    double mb = (double)r->bytes / 1e6;
    fprintf(stderr, "loaded %s: %s rows kept of %s (%s), %.1f MB in %.2f s (%.0f MB/s)\n", path,
            gr_fmt_count(a, r->kept), gr_fmt_count(b, r->rows), gr_format_name(r->format), mb, r->seconds,
            r->seconds > 0 ? mb / r->seconds : 0.0);
    if (r->below_rating) fprintf(stderr, "  %s rows below --min-rating dropped\n", gr_fmt_count(c, r->below_rating));
    if (r->bad) {
        fprintf(stderr, "  %s bad row%s skipped:", gr_fmt_count(c, r->bad), r->bad == 1 ? "" : "s");
        for (int k = 0; k < GR_BAD_NCLASSES; k++)
            if (r->bad_by_class[k]) fprintf(stderr, " %s %llu;", gr_bad_class_name((gr_bad_class)k), (unsigned long long)r->bad_by_class[k]);
        fprintf(stderr, "\n  first: %s\n", r->first_bad);
    }
}

int gr_cli_load_graph(gr_cli_input *in, char **files, int n_files, gr_dataset *ds, gr_graph *g)
{
    char msg[GR_MSG_LEN] = "";
    int show = in->quiet ? 0 : (in->progress >= 0 ? in->progress : isatty(STDERR_FILENO));
    gr_progress_start(&in->bar, "loading", show);
    in->load.progress = &in->bar;
    for (int f = 0; f < n_files; f++) {
        gr_load_report rep;
        gr_status s = gr_load_file(ds, files[f], &in->load, &rep, msg);
        gr_progress_finish(&in->bar);
        if (s != GR_OK) return gr_cli_error(s, msg);
        if (!in->quiet) print_report(files[f], &rep);
    }
    gr_build_report brep;
    gr_status s = gr_graph_build_consume(g, ds, in->kind, &brep, msg);
    if (s != GR_OK) return gr_cli_error(s, msg);
    if (!in->quiet) {
        char a[GR_FMT_LEN], b[GR_FMT_LEN], c[GR_FMT_LEN], d[GR_FMT_LEN];
        fprintf(stderr, "graph: %s x %s, %s interactions, %s in CSR + transpose, built in %.2f s", gr_fmt_count(a, g->n_users),
                gr_fmt_count(b, g->n_items), gr_fmt_count(c, g->R.nnz), gr_fmt_bytes(d, (double)gr_graph_bytes(g)),
                brep.seconds);
        if (brep.duplicates || brep.self_loops)
            fprintf(stderr, "; %s duplicate pairs and %s self-loops removed", gr_fmt_count(b, brep.duplicates),
                    gr_fmt_count(c, brep.self_loops));
        fprintf(stderr, "\n");
    }
    return GR_EXIT_OK;
}
