/* What every command shares: input options, loading files into a graph with
 * progress and a report, and the one place that turns errors into output. */
#ifndef GR_CLI_COMMON_H
#define GR_CLI_COMMON_H

#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "graph/graph.h"
#include "loaders/load.h"

/* Exit codes: 0 success, 1 failure at run time (bad input, i/o), 2 bad usage. */
enum { GR_EXIT_OK = 0, GR_EXIT_FAIL = 1, GR_EXIT_USAGE = 2 };

typedef struct {
    gr_load_opts load;
    gr_graph_kind kind;
    int quiet;         /* --quiet: no progress, no report */
    int progress;      /* 1: forced on (--progress), 0: off, -1: when stderr is a terminal */
    gr_progress bar;
} gr_cli_input;

void gr_cli_input_init(gr_cli_input *in);

/* Help text for the input options, shared by every command's --help. */
extern const char gr_cli_input_help[];

/* If argv[*i] is one of the input options (--format, --ids, --sep, --header,
 * --min-rating, --skip-bad-rows, --graph, --max-line, --quiet, --progress,
 * --no-progress), consumes it and its value (advancing *i) and returns 1.
 * Returns 0 when the option is not an input option, -1 on a bad value (the
 * message is printed). */
int gr_cli_input_option(gr_cli_input *in, int argc, char **argv, int *i);

/* Fetches the value of "--name VALUE" or "--name=VALUE" at argv[*i].  Returns
 * NULL (after printing a message) when the value is missing.  `name` is the
 * option as written, e.g. "--seed". */
const char *gr_cli_value(int argc, char **argv, int *i, const char *name);
/* True when argv[i] is "--name" or "--name=...". */
int gr_cli_is(const char *arg, const char *name);

/* Number parsing for option values; print "gnnrec: bad value for NAME: ..." and
 * return -1 on error. */
int gr_cli_u64(const char *name, const char *value, uint64_t *out);
int gr_cli_u32(const char *name, const char *value, uint32_t *out);
int gr_cli_double(const char *name, const char *value, double *out);

/* Loads every file into ds (sharing ids) and builds one graph over all rows.
 * Prints the load report unless quiet.  Returns an exit code. */
int gr_cli_load_graph(gr_cli_input *in, char **files, int n_files, gr_dataset *ds, gr_graph *g);

/* Prints "gnnrec: MESSAGE" on stderr and returns GR_EXIT_FAIL (or GR_EXIT_USAGE
 * for GR_ERR_ARG). */
int gr_cli_error(gr_status s, const char *msg);
/* Prints "gnnrec CMD: ..." usage complaint and returns GR_EXIT_USAGE. */
int gr_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One subcommand: its entry point and one-line summary. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} gr_cli_command;

int gr_cmd_stats(int argc, char **argv);
int gr_cmd_split(int argc, char **argv);
int gr_cmd_convert(int argc, char **argv);
int gr_cmd_generate(int argc, char **argv);
int gr_cmd_train(int argc, char **argv);
int gr_cmd_eval(int argc, char **argv);
int gr_cmd_curve(int argc, char **argv);
int gr_cmd_recommend(int argc, char **argv);
int gr_cmd_export(int argc, char **argv);
int gr_cmd_compare(int argc, char **argv);

#endif
