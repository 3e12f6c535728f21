/* gnnrec export: a model's user or item embeddings as NumPy .npy or TSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/model_scorer.h"
#include "core/output.h"
#include "gnn/model.h"
#include "gnn/model_file.h"
#include "loaders/idmap.h"

static const char help[] =
    "usage: gnnrec export MODEL --what users|items [--format npy|tsv] -o FILE [--ids FILE]\n\n"
    "Writes the scoring embeddings of the model's users or items (the propagated\n"
    "ones for lightgcn; what the model's dot products use), one row per user or\n"
    "item in index order, every index of the model's id space included:\n"
    "  npy  NumPy's format 1.0: a float32 little-endian array of shape (rows, dim),\n"
    "       read with numpy.load(FILE) in one call; --ids FILE writes the original\n"
    "       id of each row, one per line, to match the rows to users or items\n"
    "  tsv  one line per row: the original id, then dim values (%.9g, enough to\n"
    "       read back the exact float32), tab-separated, no header\n"
    "Outputs are written atomically; a name ending in .gz is gzip-compressed\n"
    "(numpy.load(gzip.open(FILE)) reads a .npy.gz); -o - writes to stdout.\n\n"
    "Options:\n"
    "  --what users|items  which embeddings\n"
    "  --format npy|tsv    default: npy when the name ends in .npy or .npy.gz, else tsv\n"
    "  -o FILE             output file\n"
    "  --ids FILE          also the original ids of the rows, one per line\n";

/* NumPy format 1.0: magic, version, a little-endian uint16 header length, and
 * a Python dict literal padded with spaces to end in '\n' at a multiple of 64
 * bytes (NumPy itself aligns to 64 so the data can be memory-mapped). */
static gr_status write_npy_header(gr_output *o, uint64_t rows, uint32_t cols, char *msg)
{
    gr_status status = GR_OK;
    char dict[128];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu, %u), }",
                     (unsigned long long)rows, cols);
    size_t total = 10 + (size_t)n + 1; /* preamble + dict + '\n' */
    size_t padded = (total + 63) / 64 * 64;
    size_t header_len = padded - 10;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(header_len & 0xff),
                             (unsigned char)(header_len >> 8)};
    GR_TRY(gr_output_write(o, pre, sizeof pre, msg));
    GR_TRY(gr_output_write(o, dict, (size_t)n, msg));
    for (size_t k = 10 + (size_t)n; k < padded - 1; k++) GR_TRY(gr_output_char(o, ' ', msg));
    GR_TRY(gr_output_char(o, '\n', msg));
fail:
    return status;
}

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static gr_status write_npy(gr_output *o, const float *rows, uint32_t n, uint32_t dim, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(write_npy_header(o, n, dim, msg));
    if (little_endian()) {
        GR_TRY(gr_output_write(o, rows, (size_t)n * dim * sizeof *rows, msg));
    } else {
        for (size_t c = 0; c < (size_t)n * dim; c++) {
            unsigned char b[4];
            memcpy(b, rows + c, 4);
            const unsigned char le[4] = {b[3], b[2], b[1], b[0]};
            GR_TRY(gr_output_write(o, le, 4, msg));
        }
    }
fail:
    return status;
}

static gr_status write_tsv(gr_output *o, const float *rows, uint32_t n, uint32_t dim, const gr_idmap *ids, char *msg)
{
    gr_status status = GR_OK;
    char num[32];
    for (uint32_t r = 0; r < n; r++) {
        GR_TRY(gr_idmap_write(o, ids, r, msg));
        for (uint32_t c = 0; c < dim; c++) {
            int len = snprintf(num, sizeof num, "\t%.9g", (double)rows[(size_t)r * dim + c]);
            GR_TRY(gr_output_write(o, num, (size_t)len, msg));
        }
        GR_TRY(gr_output_char(o, '\n', msg));
    }
fail:
    return status;
}

static gr_status write_ids(gr_output *o, uint32_t n, const gr_idmap *ids, char *msg)
{
    gr_status status = GR_OK;
    for (uint32_t r = 0; r < n; r++) {
        GR_TRY(gr_idmap_write(o, ids, r, msg));
        GR_TRY(gr_output_char(o, '\n', msg));
    }
fail:
    return status;
}

/* Opens path, fills it with one of the writers above, commits. */
static gr_status export_file(const char *path, int npy, const float *rows, uint32_t n, uint32_t dim,
                             const gr_idmap *ids, int ids_only, char *msg)
{
    gr_output *o = NULL;
    gr_status s = gr_output_open(&o, path, msg);
    if (s != GR_OK) return s;
    if (ids_only) s = write_ids(o, n, ids, msg);
    else if (npy) s = write_npy(o, rows, n, dim, msg);
    else s = write_tsv(o, rows, n, dim, ids, msg);
    if (s != GR_OK) {
        gr_output_abort(o);
        return s;
    }
    return gr_output_commit(o, msg);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int gr_cmd_export(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *what = NULL, *format = NULL, *ids_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s", help);
            return GR_EXIT_OK;
        } else if (gr_cli_is(a, "--what")) {
            if ((what = gr_cli_value(argc, argv, &i, "--what")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--format")) {
            if ((format = gr_cli_value(argc, argv, &i, "--format")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--ids")) {
            if ((ids_path = gr_cli_value(argc, argv, &i, "--ids")) == NULL) return GR_EXIT_USAGE;
        } else if (strcmp(a, "-o") == 0 || gr_cli_is(a, "--output")) {
            if ((out = gr_cli_value(argc, argv, &i, a[1] == 'o' ? "-o" : "--output")) == NULL) return GR_EXIT_USAGE;
        } else if (a[0] == '-' && a[1] != '\0') {
            return gr_cli_usage_error("export", "unknown option '%s'", a);
        } else if (model == NULL) {
            model = a;
        } else {
            return gr_cli_usage_error("export", "unexpected argument '%s'", a);
        }
    }
    if (model == NULL) return gr_cli_usage_error("export", "no model file");
    if (out == NULL) return gr_cli_usage_error("export", "no output file (-o FILE, or -o - for stdout)");
    if (what == NULL || (strcmp(what, "users") != 0 && strcmp(what, "items") != 0))
        return gr_cli_usage_error("export", "--what users or --what items");
    if (format && strcmp(format, "npy") != 0 && strcmp(format, "tsv") != 0)
        return gr_cli_usage_error("export", "unknown format '%s' (npy or tsv)", format);
    const int npy = format ? strcmp(format, "npy") == 0 : ends_with(out, ".npy") || ends_with(out, ".npy.gz");

    char msg[GR_MSG_LEN] = "";
    gr_model m;
    gr_status s = gr_model_load(&m, model, msg);
    if (s != GR_OK) return gr_cli_error(s, msg);
    if (gr_model_is_graph_baseline(m.cfg.model)) {
        fprintf(stderr, "gnnrec export: %s: model = %s scores from the training graph and has no embeddings to export\n",
                model, gr_model_kind_name(m.cfg.model));
        gr_model_free(&m);
        return GR_EXIT_USAGE;
    }
    const int users = strcmp(what, "users") == 0;
    const uint32_t n = users ? m.n_users : m.n_items;
    const float *rows = m.final + (users ? 0 : (size_t)m.n_users * m.dim);
    const gr_idmap *ids = users ? m.user_ids : m.item_ids;
    s = export_file(out, npy, rows, n, m.dim, ids, 0, msg);
    if (s == GR_OK && ids_path) s = export_file(ids_path, 0, NULL, n, 0, ids, 1, msg);
    gr_model_free(&m);
    return s == GR_OK ? GR_EXIT_OK : gr_cli_error(s, msg);
}
