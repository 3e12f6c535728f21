/* gnnrec compare: a plan of runs (cli/compare_plan.h) -> each run and seed
 * trained and tested exactly as `gnnrec train` does (cli/train_run.h), each
 * in a child process of its own -> results.json, the table on stdout and an
 * HTML report.
 *
 * Why a process per run: its peak memory is then the run's own (wait4's
 * ru_maxrss), a run that crashes or runs out of memory loses only itself, and
 * everything it allocated is gone when the next starts.  The data is loaded
 * once by the parent and shared: a child sees the parent's memory
 * copy-on-write and only reads it.  GNU OpenMP does not survive fork once it
 * has started its threads (a child's first parallel region waits forever for
 * threads that were not copied), so the parent never runs a parallel region
 * with more than one thread; the children set their own thread counts. */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/compare_plan.h"
#include "cli/compare_results.h"
#include "cli/data.h"
#include "cli/model_scorer.h"
#include "cli/report_html.h"
#include "cli/train_run.h"
#include "core/sysinfo.h"

static const char help[] =
    "usage: gnnrec compare --config PLAN.ini -o DIR [key=value ...] [options]\n\n"
    "Trains and tests every run of the plan, with each of its seeds, on the\n"
    "same data, the way `gnnrec train` does, each run in a process of its own,\n"
    "and writes DIR/results.json, DIR/index.html (a self-contained page: tables,\n"
    "recall@K and ndcg@K charts, training curves), DIR/logs/RUN-seedN.jsonl\n"
    "(training logs) and DIR/configs/RUN-seedN.ini (each run's complete config:\n"
    "`gnnrec train --config` on it repeats the run).  Prints the table of every\n"
    "metric at every K with training and evaluation seconds and peak memory,\n"
    "mean ± std over the seeds.  Data files are loaded once for all runs that\n"
    "name the same ones.\n\n"
    "The plan names shared settings in [compare] and one section per run:\n"
    "  [compare]\n"
    "  title = ...          the report's heading\n"
    "  seeds = 3            runs per model, with seed, seed+1, ... (default 1)\n"
    "  config = FILE        a base config for every run (optional)\n"
    "  train = ... test = ... topk = ...   any config key, for every run\n"
    "  [run lightgcn]\n"
    "  model = lightgcn     any config key, for this run; seeds and config too\n"
    "Each run's config: defaults < base config < [compare] < [run] < key=value\n"
    "given here (for every run; seeds=N too).\n\n"
    "Options:\n"
    "  --config FILE      the plan (configs/compare-*.ini)\n"
    "  -o, --output DIR   the report directory (created if missing)\n"
    "  --only A,B         only these runs of the plan\n"
    "  --dry-run          check the plan and list its runs; train nothing (no -o needed)\n"
    "  --verbose          each run's training report, epoch by epoch, on stderr\n"
    "  --quiet            nothing on stderr but errors\n"
    "  --skip-bad-rows, --max-line BYTES   as for train\n"
    "Exit status 1 when any run failed (the others are still reported).\n";

/* Runs that name the same data files with the same settings share one load.
 * A validation share carved out of train depends on the seed.  The social
 * file counts too: a run has social edges exactly when its config names them. */
static int same_data(const gr_config *a, const gr_config *b)
{
    const int carved = a->valid[0] == '\0' && a->valid_share > 0;
    return strcmp(a->train, b->train) == 0 && strcmp(a->valid, b->valid) == 0 && strcmp(a->test, b->test) == 0 &&
           strcmp(a->social, b->social) == 0 &&
           a->format == b->format && a->ids == b->ids && a->has_min_rating == b->has_min_rating &&
           (!a->has_min_rating || a->min_rating == b->min_rating) && a->graph == b->graph &&
           (a->valid[0] != '\0' || a->valid_share == b->valid_share) && (!carved || a->seed == b->seed);
}

static int write_all(int fd, const void *p, size_t n)
{
    for (const char *c = p; n > 0;) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static size_t read_all(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    return got;
}

/* The child: one run, its outcome written to fd; never returns. */
static void run_child(int fd, const gr_config *c, const gr_run_data *d, const char *log_path, int verbose)
{
    gr_compare_outcome out;
    memset(&out, 0, sizeof out);
    out.seed = c->seed;
    char msg[GR_MSG_LEN] = "";
    gr_train_run_result res;
    memset(&res, 0, sizeof res);
    /* threads = 0 means every core, but the parent pinned OpenMP to one */
    gr_status s = gr_train_set_threads(c->threads ? c->threads : (uint32_t)omp_get_num_procs(), msg);
    const gr_train_run_opts opts = {.log_path = log_path, .quiet = !verbose};
    if (s == GR_OK) s = gr_train_run(c, d, &opts, &res, msg);
    if (s == GR_OK) {
        out.ok = 1;
        out.epochs = res.report.epochs_run;
        out.best_epoch = res.report.best_epoch;
        out.stopped_early = res.report.stopped_early;
        out.train_seconds = res.train_seconds;
        out.valid_seconds = res.valid_seconds;
        out.has_test = res.has_test;
        out.test = res.test;
        out.eval_seconds = res.has_test ? res.test.seconds : 0;
    } else {
        snprintf(out.error, sizeof out.error, "%s", msg);
    }
    int rc = write_all(fd, &out, sizeof out) == 0 && s == GR_OK ? 0 : 1;
    _exit(rc);
}

/* Runs one seed in a child and waits for it. */
static void run_one(const gr_config *c, const gr_run_data *d, const char *log_path, int verbose,
                    gr_compare_outcome *out)
{
    int fds[2];
    memset(out, 0, sizeof *out);
    out->seed = c->seed;
    if (pipe(fds) != 0) {
        snprintf(out->error, sizeof out->error, "cannot make a pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout); /* or the child would write the parent's buffered bytes again */
    fflush(stderr);
    const double t0 = gr_now();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], c, d, log_path, verbose);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        snprintf(out->error, sizeof out->error, "cannot start a process: %s", strerror(errno));
        return;
    }
    size_t got = read_all(fds[0], out, sizeof *out);
    close(fds[0]);
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
    }
    if (got != sizeof *out) {
        memset(out, 0, sizeof *out);
        if (WIFSIGNALED(st))
            snprintf(out->error, sizeof out->error, "the run's process was killed by signal %d (%s)%s", WTERMSIG(st),
                     strsignal(WTERMSIG(st)), WTERMSIG(st) == SIGKILL ? "; out of memory?" : "");
        else
            snprintf(out->error, sizeof out->error, "the run's process exited with status %d without a result",
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    out->seed = c->seed;
    out->wall_seconds = gr_now() - t0;
    out->peak_rss = (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

/* mkdir -p */
static gr_status make_dir(const char *path, char *msg)
{
    char buf[GR_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return gr_fail(msg, GR_ERR_ARG, "path too long: %s", path);
    for (char *p = buf + 1;; p++) {
        const char c = *p;
        if (c != '/' && c != '\0') continue;
        *p = '\0';
        struct stat sb;
        if (mkdir(buf, 0777) != 0 && !(errno == EEXIST && stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode)))
            return gr_fail(msg, GR_ERR_IO, "%s: cannot create the directory: %s", buf, strerror(errno));
        *p = c;
        if (c == '\0') break;
    }
    return GR_OK;
}

/* Opens and drops a temporary beside each output, so that an unwritable
 * directory fails now rather than after the runs. */
static gr_status probe_outputs(const char *dir, char *msg)
{
    static const char *const names[] = {"results.json", "index.html", "logs/probe", "configs/probe"};
    char path[GR_PATH_MAX + 32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        gr_output *o = NULL;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        gr_status s = gr_output_open(&o, path, msg);
        gr_output_abort(o);
        if (s != GR_OK) return s;
    }
    return GR_OK;
}

static gr_status write_config(const char *path, const gr_config *c, char *msg)
{
    gr_output *o = NULL;
    gr_status s = gr_output_open(&o, path, msg);
    if (s == GR_OK) s = gr_config_write(o, c, msg);
    return s == GR_OK ? gr_output_commit(o, msg) : (gr_output_abort(o), s);
}

static void report_outcome(const char *tag, const gr_compare_run *run, const gr_compare_outcome *o)
{
    if (!o->ok) {
        fprintf(stderr, "%s %s seed %llu FAILED: %s\n", tag, run->name, (unsigned long long)o->seed, o->error);
        return;
    }
    fprintf(stderr, "%s %s seed %llu: ", tag, run->name, (unsigned long long)o->seed);
    if (o->epochs && (run->cfg.keep == GR_KEEP_LAST || o->best_epoch == 0))
        fprintf(stderr, "%u epochs (the last kept), ", o->epochs);
    else if (o->epochs)
        fprintf(stderr, "%u epochs (best %u), ", o->epochs, o->best_epoch);
    fprintf(stderr, "%.2f s training", o->train_seconds);
    const gr_config *c = &run->cfg;
    if (o->has_test)
        fprintf(stderr, ", test %s@%u %.4f, %.2f s evaluation", gr_metric_name((gr_metric)c->stop_metric), c->stop_k,
                gr_eval_get(&o->test, (gr_metric)c->stop_metric, c->stop_k), o->eval_seconds);
    fprintf(stderr, ", peak %.0f MiB, %.1f s in all\n", (double)o->peak_rss / 1048576.0, o->wall_seconds);
}

typedef struct {
    const char *plan, *dir, *only;
    char **overrides;
    int n_overrides, verbose, dry_run;
    gr_cli_input in;
} compare_args;

static int parse_args(int argc, char **argv, compare_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            printf("%s", help);
            return -1;
        } else if (gr_cli_is(s, "--config")) {
            if ((a->plan = gr_cli_value(argc, argv, &i, "--config")) == NULL) return GR_EXIT_USAGE;
        } else if (strcmp(s, "-o") == 0 || gr_cli_is(s, "--output")) {
            if ((a->dir = gr_cli_value(argc, argv, &i, s[1] == 'o' ? "-o" : "--output")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--only")) {
            if ((a->only = gr_cli_value(argc, argv, &i, "--only")) == NULL) return GR_EXIT_USAGE;
        } else if (strcmp(s, "--verbose") == 0) {
            a->verbose = 1;
        } else if (strcmp(s, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "--skip-bad-rows") == 0 || gr_cli_is(s, "--max-line") ||
                   strcmp(s, "--progress") == 0 || strcmp(s, "--no-progress") == 0) {
            if (gr_cli_input_option(&a->in, argc, argv, &i) < 0) return GR_EXIT_USAGE;
        } else if (s[0] != '-' && strchr(s, '=') != NULL) {
            a->overrides[a->n_overrides++] = argv[i];
        } else {
            return gr_cli_usage_error("compare", "unexpected argument '%s'", s);
        }
    }
    if (a->plan == NULL || (a->dir == NULL && !a->dry_run))
        return gr_cli_usage_error("compare", "needs --config PLAN.ini and -o DIR");
    if (a->verbose && a->in.quiet) return gr_cli_usage_error("compare", "--verbose and --quiet contradict each other");
    return GR_EXIT_OK;
}

/* Loads the data of c into d unless d already holds it (loaded: the config
 * d was loaded for, when *have). */
static int ensure_data(const compare_args *a, const gr_config *c, gr_run_data *d, gr_config *loaded, int *have)
{
    if (*have && same_data(loaded, c)) return GR_EXIT_OK;
    gr_run_data_free(d);
    memset(d, 0, sizeof *d);
    gr_dataset_init(&d->ds);
    gr_cli_input in = a->in;
    gr_cli_input_from_config(&in, c);
    int rc = gr_cli_load_run_data(&in, c, d);
    *have = rc == GR_EXIT_OK;
    *loaded = *c;
    return rc;
}

/* --dry-run: what would run. */
static void list_runs(const gr_compare_plan *p)
{
    uint32_t total = 0;
    for (uint32_t r = 0; r < p->n_runs; r++) total += p->runs[r].seeds;
    printf("%s: %u runs, %u trainings%s%s\n", p->path, p->n_runs, total, p->title[0] ? "; " : "", p->title);
    for (uint32_t r = 0; r < p->n_runs; r++) {
        const gr_compare_run *x = &p->runs[r];
        const gr_config *c = &x->cfg;
        printf("  %-12s %-9s seed %llu", x->name, gr_model_kind_name(c->model), (unsigned long long)c->seed);
        if (x->seeds > 1) printf("..%llu", (unsigned long long)(c->seed + x->seeds - 1));
        printf(", d = %u, K = %u, ", c->dim, c->layers);
        if (c->model == GR_MODEL_ITEMPOP || c->model == GR_MODEL_GFCF) printf("fitted in closed form");
        else if (gr_model_is_graph_baseline(c->model)) printf("scored from the graph, nothing to fit");
        else printf("epochs %u, eval_every %u, patience %u", c->epochs, c->eval_every, c->patience);
        printf("; train %s, %s%s, test %s", c->train, c->valid[0] ? "valid " : "valid_share ",
               c->valid[0] ? c->valid : (c->valid_share > 0 ? "> 0" : "0"), c->test[0] ? c->test : "(none)");
        if (c->social[0]) printf(", social %s (weight %g, %s)", c->social, c->social_weight,
                                 c->social_norm == GR_SOCIAL_NORM_SEPARATE ? "separate" : "joint");
        printf("\n");
    }
}

static void note_data(gr_compare_result *r, const gr_run_data *d)
{
    r->n_users = d->train.n_users;
    r->n_items = d->train.n_items;
    r->train_interactions = d->train.R.nnz;
    r->valid_interactions = d->has_valid ? d->valid.R.nnz : 0;
    r->test_interactions = d->has_test ? d->test.R.nnz : 0;
}

static gr_status write_outputs(const char *dir, const gr_compare_plan *p, const gr_compare_result *rs, size_t n,
                               char *msg)
{
    gr_status status = GR_OK;
    gr_output *o = NULL;
    char path[GR_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.json", dir);
    GR_TRY(gr_output_open(&o, path, msg));
    GR_TRY(gr_compare_write_json(o, p, rs, n, msg));
    status = gr_output_commit(o, msg);
    o = NULL;
    if (status != GR_OK) goto fail;
    GR_TRY(gr_report_html_write(dir, p, rs, n, msg));
    GR_TRY(gr_output_open(&o, "-", msg));
    GR_TRY(gr_output_puts(o, "\n", msg));
    GR_TRY(gr_compare_write_table(o, rs, n, msg));
    status = gr_output_commit(o, msg);
    o = NULL;
fail:
    gr_output_abort(o);
    return status;
}

int gr_cmd_compare(int argc, char **argv)
{
    compare_args a = {0};
    gr_cli_input_init(&a.in);
    a.overrides = calloc((size_t)argc, sizeof *a.overrides);
    if (a.overrides == NULL) return gr_cli_error(GR_ERR_NOMEM, "out of memory");
    char msg[GR_MSG_LEN] = "";
    gr_status s = GR_OK;
    gr_compare_plan plan = {0};
    gr_compare_result *rs = NULL;
    gr_run_data d;
    memset(&d, 0, sizeof d);
    gr_dataset_init(&d.ds);
    int rc = parse_args(argc, argv, &a);
    if (rc != GR_EXIT_OK) {
        rc = rc < 0 ? GR_EXIT_OK : rc;
        goto done;
    }
    if ((s = gr_compare_plan_load(&plan, a.plan, a.overrides, a.n_overrides, a.only, msg)) != GR_OK) goto failed;
    if (a.dry_run) {
        list_runs(&plan);
        goto done; /* rc is GR_EXIT_OK */
    }
    char sub[GR_PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/logs", a.dir);
    if ((s = make_dir(sub, msg)) != GR_OK) goto failed;
    snprintf(sub, sizeof sub, "%s/configs", a.dir);
    if ((s = make_dir(sub, msg)) != GR_OK) goto failed;
    if ((s = probe_outputs(a.dir, msg)) != GR_OK) goto failed;
    rs = calloc(plan.n_runs, sizeof *rs);
    if (rs == NULL) {
        s = gr_fail(msg, GR_ERR_NOMEM, "out of memory");
        goto failed;
    }
    uint32_t total = 0, done_runs = 0, failures = 0;
    for (uint32_t r = 0; r < plan.n_runs; r++) {
        rs[r].run = &plan.runs[r];
        rs[r].seeds = calloc(plan.runs[r].seeds, sizeof *rs[r].seeds);
        total += plan.runs[r].seeds;
        if (rs[r].seeds == NULL) {
            s = gr_fail(msg, GR_ERR_NOMEM, "out of memory");
            goto failed;
        }
    }
    omp_set_num_threads(1); /* see the top of this file */
    gr_config loaded;
    int have_data = 0;
    for (uint32_t r = 0; r < plan.n_runs; r++)
        for (uint32_t k = 0; k < plan.runs[r].seeds; k++) {
            gr_config c = plan.runs[r].cfg;
            c.seed += k;
            char log_path[GR_PATH_MAX + 64], config_path[GR_PATH_MAX + 64], tag[32];
            gr_compare_run_file(log_path, sizeof log_path, a.dir, "logs", plan.runs[r].name, c.seed, "jsonl");
            gr_compare_run_file(config_path, sizeof config_path, a.dir, "configs", plan.runs[r].name, c.seed, "ini");
            snprintf(tag, sizeof tag, "[%u/%u]", ++done_runs, total);
            if ((s = write_config(config_path, &c, msg)) != GR_OK) goto failed;
            if ((rc = ensure_data(&a, &c, &d, &loaded, &have_data)) != GR_EXIT_OK) goto done;
            if (!a.in.quiet)
                fprintf(stderr, "%s %s seed %llu: %s (log: %s)\n", tag, plan.runs[r].name, (unsigned long long)c.seed,
                        gr_model_kind_name(c.model), log_path);
            run_one(&c, &d, log_path, a.verbose, &rs[r].seeds[k]);
            note_data(&rs[r], &d);
            failures += !rs[r].seeds[k].ok;
            if (!a.in.quiet || !rs[r].seeds[k].ok) report_outcome(tag, &plan.runs[r], &rs[r].seeds[k]);
        }
    if ((s = write_outputs(a.dir, &plan, rs, plan.n_runs, msg)) != GR_OK) goto failed;
    if (!a.in.quiet) fprintf(stderr, "report: %s/index.html (results.json beside it)\n", a.dir);
    rc = failures ? GR_EXIT_FAIL : GR_EXIT_OK;
    if (failures) fprintf(stderr, "gnnrec compare: %u of %u runs failed (see the table)\n", failures, total);
    goto done;
failed:
    rc = gr_cli_error(s, msg);
done:
    for (uint32_t r = 0; rs != NULL && r < plan.n_runs; r++) free(rs[r].seeds);
    free(rs);
    gr_run_data_free(&d);
    gr_compare_plan_free(&plan);
    free(a.overrides);
    return rc;
}
