/* Loading a run's data files (train, optional validation, optional test) into
 * one dataset, so they share one id space, and building a graph of each. */
#ifndef GR_CLI_DATA_H
#define GR_CLI_DATA_H

#include "cli/common.h"
#include "eval/metrics.h"
#include "gnn/config.h"
#include "graph/graph.h"

typedef struct {
    gr_dataset ds;   /* owns the id maps the graphs borrow */
    gr_graph train, valid, test;
    int has_valid, has_test;
    int valid_carved; /* valid was split off the training file (valid_share) */
    gr_csr social;    /* [data] social: users x users, symmetric, sorted (graph/social.h) */
    int has_social;
} gr_run_data;

/* Sets the input options from the config's [data] section. */
void gr_cli_input_from_config(gr_cli_input *in, const gr_config *c);

/* Appends one file to ds with options o (progress on in->bar), prints its
 * load report unless in->quiet, and sets *end to ds->rows.n.  Prints errors;
 * returns an exit code. */
int gr_cli_load_into(gr_cli_input *in, gr_dataset *ds, const char *path, const gr_load_opts *o, size_t *end);

/* Loads c->train, c->valid and c->test (empty paths are skipped) and builds
 * their graphs; without a validation file and with c->valid_share > 0, a
 * per-user share of train (seeded by c->seed) becomes the validation graph.
 * With c->social set, its edges over the users of those files (unknown ids
 * are bad rows) become d->social (cli/social_data.h).
 * d->ds may come in with id maps already set (a model's), in which case
 * string ids must be known to them.  Prints errors; returns an exit code. */
int gr_cli_load_run_data(gr_cli_input *in, const gr_config *c, gr_run_data *d);
void gr_run_data_free(gr_run_data *d);

/* Prints the metrics table on stdout (after `title` when non-NULL) and, when
 * json_path is set, writes them as JSON there (atomically). */
gr_status gr_cli_write_eval(const gr_eval_result *r, const char *title, const char *json_path, char *msg);

#endif
