#include "cli/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/social_data.h"
#include "core/format.h"
#include "graph/split.h"

void gr_cli_input_from_config(gr_cli_input *in, const gr_config *c)
{
    in->load.format = c->format;
    in->load.ids = c->ids;
    in->load.has_min_rating = c->has_min_rating;
    in->load.min_rating = c->min_rating;
    in->kind = c->graph;
    in->load.shared_ids = c->graph != GR_GRAPH_BIPARTITE;
}

int gr_cli_load_into(gr_cli_input *in, gr_dataset *ds, const char *path, const gr_load_opts *o, size_t *end)
{
    char msg[GR_MSG_LEN] = "";
    gr_load_report rep;
    gr_status s = gr_load_file(ds, path, o, &rep, msg);
    gr_progress_finish(&in->bar);
    if (s != GR_OK) return gr_cli_error(s, msg);
    if (!in->quiet) {
        char a[GR_FMT_LEN];
        fprintf(stderr, "loaded %s: %s interactions (%s) in %.2f s\n", path, gr_fmt_count(a, rep.kept),
                gr_format_name(rep.format), rep.seconds);
        if (rep.bad) fprintf(stderr, "  %llu bad rows skipped; first: %s\n", (unsigned long long)rep.bad, rep.first_bad);
    }
    *end = ds->rows.n;
    return GR_EXIT_OK;
}

static int load_one(gr_cli_input *in, gr_dataset *ds, const char *path, size_t *end)
{
    return gr_cli_load_into(in, ds, path, &in->load, end);
}

/* Carves a validation share out of the training graph, per user, seeded. */
static gr_status carve_valid(const gr_config *c, gr_run_data *d, char *msg)
{
    gr_status status = GR_OK;
    uint8_t *part = NULL;
    gr_graph rest = {0};
    gr_split_opts so;
    gr_split_report rep;
    gr_split_opts_default(&so);
    so.kind = GR_SPLIT_RATIO;
    so.test = c->valid_share;
    so.valid = 0;
    so.seed = c->seed;
    part = malloc(d->train.R.nnz ? d->train.R.nnz : 1);
    GR_CHECK_ALLOC(part, "the validation split");
    GR_TRY(gr_split_assign(&d->train, &so, part, &rep, msg));
    GR_TRY(gr_graph_select(&d->train, part, GR_PART_TEST, &d->valid, msg));
    if (d->valid.R.nnz == 0)
        GR_FAIL(GR_ERR_ARG, "valid_share = %g holds out no interaction (users need at least %u items to give one); "
                "raise valid_share or give a valid= file", c->valid_share, so.min_items);
    GR_TRY(gr_graph_select(&d->train, part, GR_PART_TRAIN, &rest, msg));
    gr_graph_free(&d->train);
    d->train = rest;
    d->has_valid = 1;
    d->valid_carved = 1;
    free(part);
    return GR_OK;
fail:
    gr_graph_free(&rest);
    free(part);
    return status;
}

int gr_cli_load_run_data(gr_cli_input *in, const gr_config *c, gr_run_data *d)
{
    char msg[GR_MSG_LEN] = "";
    int show = in->quiet ? 0 : (in->progress >= 0 ? in->progress : isatty(STDERR_FILENO));
    gr_progress_start(&in->bar, "loading", show);
    in->load.progress = &in->bar;
    if (c->train[0] == '\0') {
        fprintf(stderr, "gnnrec: no training file: set train= in the config's [data] section, or --train FILE for eval\n");
        return GR_EXIT_USAGE;
    }
    size_t end_train = 0, end_valid = 0, end_test = 0;
    int rc = load_one(in, &d->ds, c->train, &end_train);
    if (rc == GR_EXIT_OK && c->valid[0]) rc = load_one(in, &d->ds, c->valid, &end_valid);
    end_valid = c->valid[0] ? end_valid : end_train;
    if (rc == GR_EXIT_OK && c->test[0]) rc = load_one(in, &d->ds, c->test, &end_test);
    end_test = c->test[0] ? end_test : end_valid;
    if (rc != GR_EXIT_OK) return rc;
    if ((uint64_t)d->ds.rows.n_users + d->ds.rows.n_items > UINT32_MAX) {
        fprintf(stderr, "gnnrec: %u users + %u items exceed 4,294,967,295 nodes\n", d->ds.rows.n_users,
                d->ds.rows.n_items);
        return GR_EXIT_FAIL;
    }
    gr_status s = gr_graph_build(&d->train, &d->ds, 0, end_train, in->kind, NULL, msg);
    if (s == GR_OK && c->valid[0]) {
        s = gr_graph_build(&d->valid, &d->ds, end_train, end_valid, in->kind, NULL, msg);
        d->has_valid = s == GR_OK;
    }
    if (s == GR_OK && c->test[0]) {
        s = gr_graph_build(&d->test, &d->ds, end_valid, end_test, in->kind, NULL, msg);
        d->has_test = s == GR_OK;
    }
    /* The graphs share the dataset's id space; rows are no longer needed. */
    gr_rows_free(&d->ds.rows);
    if (s == GR_OK && !c->valid[0] && c->valid_share > 0) s = carve_valid(c, d, msg);
    if (s != GR_OK) return gr_cli_error(s, msg);
    if (c->social[0]) {
        int rc_social = gr_cli_load_social(in, c->social, d->ds.user_ids, d->train.n_users, &d->social);
        if (rc_social != GR_EXIT_OK) return rc_social;
        d->has_social = 1;
    }
    return GR_EXIT_OK;
}

void gr_run_data_free(gr_run_data *d)
{
    gr_graph_free(&d->train);
    gr_graph_free(&d->valid);
    gr_graph_free(&d->test);
    gr_csr_free(&d->social);
    d->has_social = 0;
    gr_dataset_free(&d->ds);
}

gr_status gr_cli_write_eval(const gr_eval_result *r, const char *title, const char *json_path, char *msg)
{
    gr_output *o = NULL;
    gr_status s = gr_output_open(&o, "-", msg);
    if (s == GR_OK) {
        if (title) s = gr_output_puts(o, title, msg);
        if (s == GR_OK) s = gr_eval_write_table(o, r, msg);
        s = s == GR_OK ? gr_output_commit(o, msg) : (gr_output_abort(o), s);
    }
    if (s == GR_OK && json_path && (s = gr_output_open(&o, json_path, msg)) == GR_OK) {
        s = gr_eval_write_json(o, r, 0, msg);
        if (s == GR_OK) s = gr_output_puts(o, "\n", msg);
        s = s == GR_OK ? gr_output_commit(o, msg) : (gr_output_abort(o), s);
    }
    return s;
}
