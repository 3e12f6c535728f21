/* gnnrec eval: a model file + train/test files -> full-ranking metrics. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/data.h"
#include "cli/mem_estimate.h"
#include "cli/model_scorer.h"
#include "core/alloc.h"
#include "eval/evaluate.h"
#include "gnn/itempop.h"
#include "gnn/model.h"
#include "gnn/model_file.h"

static const char help[] =
    "usage: gnnrec eval MODEL [--train FILE] [--test FILE] [options]\n"
    "       gnnrec eval --baseline itempop --train FILE --test FILE [options]\n\n"
    "Ranks all items for every user with a test item, masking the user's training\n"
    "(and validation) items, and prints recall, precision, ndcg, hit rate, MAP, MRR\n"
    "and coverage at each K.  Files default to the ones in the model's config.\n\n"
    "Options:\n"
    "  --train FILE       training interactions (masked)\n"
    "  --valid FILE       validation interactions (masked too)\n"
    "  --test FILE        held-out interactions to evaluate on\n"
    "  --social FILE      the model's social edges, if they moved (its config names them)\n"
    "  -k LIST            cut-offs, e.g. 10,20,50 (default: the model's topk)\n"
    "  --baseline itempop evaluate the popularity baseline instead of a model\n"
    "  --graph KIND       with --baseline: bipartite (default), directed or undirected\n"
    "                     (follower graphs: ids shared, a user never its own item)\n"
    "  --json FILE        metrics as JSON\n"
    "  --per-user FILE    per-user metrics TSV (original user ids)\n"
    "  --threads N        threads (default: every core)\n"
    "  --skip-bad-rows    skip (and count) bad rows, e.g. ids the model never saw\n"
    "  --max-line BYTES   longest accepted line\n"
    "  --dry-run          load the model and data, print the memory the evaluation needs\n"
    "                     (by part) and stop\n"
    "  --mem-limit SIZE   stay under SIZE (512M, 2G): the block of scores shrinks to fit;\n"
    "                     refused when not even one user's scores fit\n"
    "  --quiet            no load report\n";

static int parse_ks(const char *v, gr_eval_opts *o)
{
    o->n_ks = 0;
    for (const char *p = v; *p;) {
        char *end;
        unsigned long k = strtoul(p, &end, 10);
        if (end == p || k == 0 || k > 100000 || o->n_ks == GR_EVAL_MAX_K || (*end && *end != ','))
            return gr_cli_usage_error("eval", "bad value for -k: '%s' (up to %d numbers like 10,20,50)", v, GR_EVAL_MAX_K);
        o->ks[o->n_ks++] = (uint32_t)k;
        p = *end ? end + 1 : end;
    }
    return o->n_ks > 0 ? 0 : gr_cli_usage_error("eval", "bad value for -k: '%s'", v);
}

static int set_path(char *dst, const char *src)
{
    if (strlen(src) >= GR_PATH_MAX) return gr_cli_usage_error("eval", "path too long: %s", src);
    strcpy(dst, src);
    return 0;
}

int gr_cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *json_path = NULL, *train = NULL, *test = NULL, *valid = NULL, *social = NULL;
    int itempop = 0, graph_given = 0;
    gr_graph_kind graph = GR_GRAPH_BIPARTITE;
    gr_eval_opts eo;
    gr_eval_opts_default(&eo);
    int ks_given = 0;
    uint32_t threads = 0;
    int dry_run = 0;
    size_t mem_limit = 0; /* bytes; 0 = none */
    gr_cli_input in;
    gr_cli_input_init(&in);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s", help);
            return GR_EXIT_OK;
        } else if (gr_cli_is(a, "--train")) {
            if ((train = gr_cli_value(argc, argv, &i, "--train")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--test")) {
            if ((test = gr_cli_value(argc, argv, &i, "--test")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--valid")) {
            if ((valid = gr_cli_value(argc, argv, &i, "--valid")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--social")) {
            if ((social = gr_cli_value(argc, argv, &i, "--social")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--baseline")) {
            if ((v = gr_cli_value(argc, argv, &i, "--baseline")) == NULL) return GR_EXIT_USAGE;
            if (strcmp(v, "itempop") != 0) return gr_cli_usage_error("eval", "unknown baseline '%s' (itempop)", v);
            itempop = 1;
        } else if (gr_cli_is(a, "--graph")) {
            if ((v = gr_cli_value(argc, argv, &i, "--graph")) == NULL) return GR_EXIT_USAGE;
            if (gr_graph_kind_parse(v, &graph) != 0)
                return gr_cli_usage_error("eval", "bad value for --graph: '%s' (bipartite, directed or undirected)", v);
            graph_given = 1;
        } else if (gr_cli_is(a, "--json")) {
            if ((json_path = gr_cli_value(argc, argv, &i, "--json")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(a, "--per-user")) {
            if ((eo.per_user_path = gr_cli_value(argc, argv, &i, "--per-user")) == NULL) return GR_EXIT_USAGE;
        } else if (strcmp(a, "-k") == 0) {
            if ((v = gr_cli_value(argc, argv, &i, "-k")) == NULL || parse_ks(v, &eo) != 0) return GR_EXIT_USAGE;
            ks_given = 1;
        } else if (gr_cli_is(a, "--threads")) {
            if ((v = gr_cli_value(argc, argv, &i, "--threads")) == NULL || gr_cli_u32("--threads", v, &threads))
                return GR_EXIT_USAGE;
        } else if (strcmp(a, "--dry-run") == 0) {
            dry_run = 1;
        } else if (gr_cli_is(a, "--mem-limit")) {
            if ((v = gr_cli_value(argc, argv, &i, "--mem-limit")) == NULL) return GR_EXIT_USAGE;
            if (gr_mem_parse_size(v, &mem_limit) != 0)
                return gr_cli_usage_error("eval", "bad value for --mem-limit: '%s' (a size like 512M or 2G)", v);
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "--skip-bad-rows") == 0 || gr_cli_is(a, "--max-line")) {
            if (gr_cli_input_option(&in, argc, argv, &i) < 0) return GR_EXIT_USAGE;
        } else if (a[0] == '-' && a[1] != '\0') {
            return gr_cli_usage_error("eval", "unknown option '%s'", a);
        } else if (model_path == NULL) {
            model_path = a;
        } else {
            return gr_cli_usage_error("eval", "unexpected argument '%s'", a);
        }
    }
    if (model_path == NULL && !itempop) return gr_cli_usage_error("eval", "no model file");
    if (model_path != NULL && itempop) return gr_cli_usage_error("eval", "give a model file or --baseline, not both");
    /* a model's graph is the one it was trained on, kept in its config */
    if (graph_given && !itempop) return gr_cli_usage_error("eval", "--graph goes with --baseline (a model knows its graph)");

    char msg[GR_MSG_LEN] = "";
    gr_model m;
    memset(&m, 0, sizeof m);
    gr_run_data d;
    memset(&d, 0, sizeof d);
    gr_dataset_init(&d.ds);
    gr_status s = GR_OK;
    if (itempop) {
        gr_config_default(&m.cfg);
        m.cfg.graph = graph;
    }
    else if ((s = gr_model_load(&m, model_path, msg)) != GR_OK) return gr_cli_error(s, msg);
    int rc = GR_EXIT_OK;
    gr_config c = m.cfg;
    c.valid_share = 0; /* evaluate on the given files as they are */
    if ((train && set_path(c.train, train)) || (test && set_path(c.test, test)) || (valid && set_path(c.valid, valid)) ||
        (social && set_path(c.social, social))) {
        rc = GR_EXIT_USAGE;
        goto done;
    }
    if (c.test[0] == '\0') {
        rc = gr_cli_usage_error("eval", "no test file (--test FILE)");
        goto done;
    }
    if (!ks_given) {
        eo.n_ks = (int)c.n_topk;
        for (uint32_t k = 0; k < c.n_topk; k++) eo.ks[k] = c.topk[k];
    }
    /* This machine's cores unless asked: the model's setting describes the
     * machine it was trained on.  OpenBLAS (pthreads build) needs its own call. */
    if (threads > 0) {
        omp_set_num_threads((int)threads);
        openblas_set_num_threads((int)threads);
    }
    eo.mask_self = c.graph != GR_GRAPH_BIPARTITE;
    /* The files must speak the model's ids: its maps move into the dataset,
     * and a string id the model never saw is a bad row. */
    gr_cli_input_from_config(&in, &c);
    if (m.user_ids) {
        d.ds.ids = GR_IDS_STRING;
        d.ds.shared_ids = m.shared_ids;
        d.ds.user_ids = m.user_ids;
        d.ds.item_ids = m.item_ids;
        m.user_ids = m.item_ids = NULL;
        in.load.lookup_only = 1;
    } else if (!itempop) {
        d.ds.ids = GR_IDS_INT;
    }
    rc = gr_cli_load_run_data(&in, &c, &d);
    if (rc != GR_EXIT_OK) goto done;
    if (itempop) {
        /* the model `train model=itempop` would have written */
        if ((s = gr_config_set(&m.cfg, "model", "itempop", msg)) != GR_OK) {
            rc = gr_cli_error(s, msg);
            goto done;
        }
        m.n_users = d.train.n_users;
        m.n_items = d.train.n_items;
        m.dim = 1;
        m.final = m.ego = gr_alloc((size_t)m.n_users + m.n_items, sizeof *m.ego);
        if (m.ego == NULL) {
            rc = gr_cli_error(GR_ERR_NOMEM, "out of memory for item popularity");
            goto done;
        }
        gr_itempop_fit(&d.train, m.ego);
    }
    if (d.train.n_users > m.n_users || d.train.n_items > m.n_items) {
        gr_fail(msg, GR_ERR_INPUT, "%s: the data has ids beyond the model's id space (%u users, %u items)", model_path,
                m.n_users, m.n_items);
        rc = gr_cli_error(GR_ERR_INPUT, msg);
        goto done;
    }
    /* Before the scorer and the ranking allocate: --mem-limit shrinks the
     * block of scores to what the rest leaves. */
    if (dry_run || mem_limit > 0) {
        gr_mem_estimate est;
        gr_mem_estimate_init(&est);
        uint32_t k = 0;
        for (int j = 0; j < eo.n_ks; j++) k = eo.ks[j] > k ? eo.ks[j] : k;
        s = gr_mem_estimate_eval(&est, &m.cfg, &d.train, m.n_items, k, gr_csr_nonempty_rows(&d.test.R), mem_limit,
                                 &eo.mem_budget, msg);
        if (dry_run) gr_mem_print(stdout, "gnnrec eval", &est);
        if (s != GR_OK || dry_run) {
            rc = s != GR_OK ? gr_cli_error(s, msg) : GR_EXIT_OK;
            goto done;
        }
    }
    gr_model_scorer ms;
    if ((s = gr_model_scorer_init_social(&ms, &m.cfg, m.final, m.n_users, m.final + (size_t)m.n_users * m.dim,
                                         m.n_items, &d.train, NULL, d.has_social ? &d.social : NULL, msg)) != GR_OK) {
        rc = gr_cli_error(s, msg);
        goto done;
    }
    eo.user_ids = d.ds.user_ids;
    gr_eval_result r;
    s = gr_evaluate(&ms.scorer, &d.train.R, d.has_valid ? &d.valid.R : NULL, &d.test.R, &eo, &r, msg);
    gr_model_scorer_free(&ms);
    if (s == GR_OK) s = gr_cli_write_eval(&r, NULL, json_path, msg);
    if (s != GR_OK) rc = gr_cli_error(s, msg);
done:
    gr_model_free(&m);
    gr_run_data_free(&d);
    return rc;
}
