/* gnnrec recommend: a model file -> top-K unseen items per user, as TSV with
 * the original ids; users the model never saw are folded in from --history. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/common.h"
#include "cli/mem_estimate.h"
#include "cli/model_scorer.h"
#include "cli/recommend_data.h"
#include "cli/social_data.h"
#include "core/alloc.h"
#include "core/format.h"
#include "core/sysinfo.h"
#include "eval/recommend.h"
#include "gnn/model.h"
#include "gnn/model_file.h"
#include "sparse/grb.h"

static const char help[] =
    "usage: gnnrec recommend MODEL (--all | --users FILE | --history FILE) [options]\n\n"
    "Writes, for each user, the top K items the user has not interacted with,\n"
    "ranked by the model, as TSV with a header line:\n"
    "    user  rank  item  score\n"
    "with the original ids and ranks 1..K.  score is the head's probability\n"
    "sigma(e_u . e_i) for lightgcn and mf; the other kinds have no\n"
    "probabilistic head, so for them it is the raw score (higher is better, not\n"
    "a probability; for ppr the walk's probability of being at the item).\n"
    "Items the user interacted with in the training file (the\n"
    "model's config, or --train), in --history and in --exclude are never\n"
    "recommended, nor, on a follower graph, the user itself.  A user with fewer\n"
    "than K items left gets a shorter list.\n\n"
    "Users are scored a block at a time with one GEMM per block; the block's\n"
    "scores take at most --memory MiB (default 256) and no users x items matrix\n"
    "is ever held, so memory does not grow with the number of users.  The graph\n"
    "baselines walk the training graph instead, for the users asked for only:\n"
    "ppr costs O(iterations x edges) per block of 64 users; common_neighbors,\n"
    "adamic_adar and jaccard the two-hop paths from each user (gnnrec train --help).\n\n"
    "Which users:\n"
    "  --all              every user with at least one interaction (training or --history),\n"
    "                     in id order; users without any have nothing to rank from\n"
    "  --users FILE       these users, one original id per line, in file order (repeats\n"
    "                     once); an id the model does not know is an error (file:line)\n"
    "                     unless --history folds it in\n"
    "  (neither)          with --history: the users of the history file\n\n"
    "Options:\n"
    "  -k N               recommendations per user (default 20)\n"
    "  -o FILE            output (default '-': standard output); written atomically,\n"
    "                     gzip-compressed when the name ends in .gz\n"
    "  --history FILE     interactions (any input format) of users to fold in: users the\n"
    "                     model does not know, or new interactions of known users.  Their\n"
    "                     embeddings are computed from the trained item embeddings and all\n"
    "                     their interactions, without retraining (lightgcn: the\n"
    "                     propagation's aggregation over their items; mf: BPR steps with\n"
    "                     the items fixed; ials: its closed-form user solve; gfcf: its\n"
    "                     filter; ppr and the neighbourhood models walk the graph from\n"
    "                     their rows).  Items the model does not know are skipped (counted)\n"
    "  --exclude FILE     more user-item pairs never to recommend (e.g. already shown);\n"
    "                     pairs naming an unknown user or item are skipped (counted)\n"
    "  --candidates FILE  rank only these items (one original id per line)\n"
    "  --score prob|raw   the score column: prob = sigma(e_u . e_i) (the default for\n"
    "                     lightgcn and mf; it prints as 1 once the dot product passes\n"
    "                     ~14, as BPR-trained scores often do), raw = the score itself\n"
    "                     (the only choice for the other kinds)\n"
    "  --explain N        N more columns because1..becauseN: for each recommended item,\n"
    "                     the N items of the user's history (training + --history) whose\n"
    "                     embeddings are most similar to it (cosine), most similar first;\n"
    "                     empty cells when the history is shorter (N <= 100); not for\n"
    "                     ppr and the neighbourhood models, which have no embeddings\n"
    "  --train FILE       training interactions (default: the model's config)\n"
    "  --memory MIB       memory for one block of scores (default 256)\n"
    "  --dry-run          load the model and data, print the memory the run needs (by part)\n"
    "                     and stop: nothing is written\n"
    "  --mem-limit SIZE   stay under SIZE (512M, 2G): the block of scores shrinks to fit\n"
    "                     (same recommendations, more blocks); refused when not even one\n"
    "                     user's scores fit\n"
    "  --threads N        threads (default: every core)\n"
    "  --format, --sep, --header  how --history and --exclude are read (default: detected)\n"
    "  --skip-bad-rows    skip malformed rows of --history/--exclude and unknown\n"
    "                     --candidates instead of stopping\n"
    "  --max-line BYTES   longest accepted line\n"
    "  --quiet            no load report or summary\n";

typedef struct {
    const char *model, *out, *users, *history, *exclude, *candidates, *train, *score;
    int all, dry_run;
    uint32_t k, explain, threads;
    uint64_t memory_mib;
    size_t mem_limit; /* bytes; 0 = none */
} rec_args;

static int parse_args(int argc, char **argv, rec_args *a, gr_cli_input *in)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            printf("%s", help);
            return -1;
        } else if (gr_cli_is(s, "--users")) {
            if ((a->users = gr_cli_value(argc, argv, &i, "--users")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--history")) {
            if ((a->history = gr_cli_value(argc, argv, &i, "--history")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--exclude")) {
            if ((a->exclude = gr_cli_value(argc, argv, &i, "--exclude")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--candidates")) {
            if ((a->candidates = gr_cli_value(argc, argv, &i, "--candidates")) == NULL) return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--score")) {
            if ((a->score = gr_cli_value(argc, argv, &i, "--score")) == NULL) return GR_EXIT_USAGE;
            if (strcmp(a->score, "prob") != 0 && strcmp(a->score, "raw") != 0)
                return gr_cli_usage_error("recommend", "--score is prob or raw, not '%s'", a->score);
        } else if (gr_cli_is(s, "--train")) {
            if ((a->train = gr_cli_value(argc, argv, &i, "--train")) == NULL) return GR_EXIT_USAGE;
        } else if (strcmp(s, "-o") == 0 || gr_cli_is(s, "--output")) {
            if ((a->out = gr_cli_value(argc, argv, &i, s[1] == 'o' ? "-o" : "--output")) == NULL) return GR_EXIT_USAGE;
        } else if (strcmp(s, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (gr_cli_is(s, "--mem-limit")) {
            if ((v = gr_cli_value(argc, argv, &i, "--mem-limit")) == NULL) return GR_EXIT_USAGE;
            if (gr_mem_parse_size(v, &a->mem_limit) != 0)
                return gr_cli_usage_error("recommend", "bad value for --mem-limit: '%s' (a size like 512M or 2G)", v);
        } else if (strcmp(s, "--all") == 0) {
            a->all = 1;
        } else if (strcmp(s, "-k") == 0 || gr_cli_is(s, "--explain") || gr_cli_is(s, "--threads")) {
            const char *name = s[1] == 'k' ? "-k" : gr_cli_is(s, "--explain") ? "--explain" : "--threads";
            uint32_t *dst = s[1] == 'k' ? &a->k : gr_cli_is(s, "--explain") ? &a->explain : &a->threads;
            if ((v = gr_cli_value(argc, argv, &i, name)) == NULL || gr_cli_u32(name, v, dst) != 0) return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--memory")) {
            if ((v = gr_cli_value(argc, argv, &i, "--memory")) == NULL || gr_cli_u64("--memory", v, &a->memory_mib))
                return GR_EXIT_USAGE;
        } else if (gr_cli_is(s, "--ids") || gr_cli_is(s, "--graph") || gr_cli_is(s, "--min-rating")) {
            return gr_cli_usage_error("recommend", "%s is fixed by the model's config", s);
        } else if (s[0] == '-' && s[1] != '\0') {
            int r = gr_cli_input_option(in, argc, argv, &i);
            if (r < 0) return GR_EXIT_USAGE;
            if (r == 0) return gr_cli_usage_error("recommend", "unknown option '%s'", s);
        } else if (a->model == NULL) {
            a->model = s;
        } else {
            return gr_cli_usage_error("recommend", "unexpected argument '%s'", s);
        }
    }
    if (a->model == NULL) return gr_cli_usage_error("recommend", "no model file");
    if (a->all && a->users) return gr_cli_usage_error("recommend", "give --all or --users, not both");
    if (!a->all && !a->users && !a->history)
        return gr_cli_usage_error("recommend", "which users? give --all, --users FILE or --history FILE");
    if (a->k == 0 || a->k > 100000) return gr_cli_usage_error("recommend", "-k must be 1..100000, not %u", a->k);
    if (a->explain > GR_REC_MAX_EXPLAIN)
        return gr_cli_usage_error("recommend", "--explain must be 0..%d, not %u", GR_REC_MAX_EXPLAIN, a->explain);
    if (a->memory_mib == 0 || a->memory_mib > ((uint64_t)1 << 30))
        return gr_cli_usage_error("recommend", "--memory must be 1..%llu MiB", (unsigned long long)1 << 30);
    return 0;
}

/* Every user of the data with something to rank from, in id order; or the
 * folded-in users alone. */
static gr_status pick_users(const gr_rec_data *d, int all, uint32_t **users, size_t *n, char *msg)
{
    gr_status status = GR_OK;
    *users = gr_alloc(d->n_users ? d->n_users : 1, sizeof **users);
    GR_CHECK_ALLOC(*users, "the list of users");
    *n = 0;
    for (uint32_t u = 0; u < d->n_users; u++)
        if (all ? gr_csr_degree(&d->seen.R, u) > 0 : d->folded[u]) (*users)[(*n)++] = u;
fail:
    return status;
}

static void report(const gr_rec_data *d, const gr_rec_report *r, double fold_seconds,
                   uint64_t cand_skipped)
{
    char x[GR_FMT_LEN], y[GR_FMT_LEN], z[GR_FMT_LEN];
    if (d->history_unknown)
        fprintf(stderr, "--history: %s interactions with items the model does not know were skipped\n",
                gr_fmt_count(x, d->history_unknown));
    if (d->exclude_unknown)
        fprintf(stderr, "--exclude: %s pairs with a user or item the model does not know were skipped\n",
                gr_fmt_count(x, d->exclude_unknown));
    if (cand_skipped)
        fprintf(stderr, "--candidates: %s unknown items skipped\n", gr_fmt_count(x, cand_skipped));
    if (d->n_folded) fprintf(stderr, "folded in %s users in %.2f s\n", gr_fmt_count(x, d->n_folded), fold_seconds);
    fprintf(stderr, "%s recommendations for %s users in %.2f s (scoring %.2f s, ranking %.2f s, writing %.2f s; "
            "%u blocks of up to %u users)%s%s%s\n", gr_fmt_count(x, r->lines), gr_fmt_count(y, r->users), r->seconds,
            r->rank.score_seconds, r->rank.select_seconds, r->rank.consume_seconds, r->rank.n_blocks,
            r->rank.block_users, r->short_lists ? "; " : "", r->short_lists ? gr_fmt_count(z, r->short_lists) : "",
            r->short_lists ? " users had fewer than K items left" : "");
}

int gr_cmd_recommend(int argc, char **argv)
{
    rec_args a = {.out = "-", .k = 20, .memory_mib = 256};
    gr_cli_input in;
    gr_cli_input_init(&in);
    int rc = parse_args(argc, argv, &a, &in);
    if (rc != 0) return rc < 0 ? GR_EXIT_OK : rc;

    char msg[GR_MSG_LEN] = "";
    gr_status s = GR_OK;
    gr_model m;
    gr_rec_data d;
    gr_model_scorer ms;
    memset(&ms, 0, sizeof ms);
    memset(&d, 0, sizeof d);
    gr_dataset_init(&d.ds);
    float *user_emb = NULL;
    uint32_t *users = NULL, *cand = NULL, n_cand = 0;
    size_t n_users = 0;
    uint64_t cand_skipped = 0;
    gr_output *probe = NULL;
    gr_csr social = {0};
    int has_social = 0;
    if ((s = gr_model_load(&m, a.model, msg)) != GR_OK) return gr_cli_error(s, msg);
    /* only these kinds are trained through the sigmoid head */
    const int sigmoid_head = m.cfg.model == GR_MODEL_LIGHTGCN || m.cfg.model == GR_MODEL_MF;
    if (!sigmoid_head && a.score && strcmp(a.score, "prob") == 0) {
        rc = gr_cli_usage_error("recommend", "model = %s has no probabilistic head: --score raw only",
                                gr_model_kind_name(m.cfg.model));
        gr_model_free(&m);
        return rc;
    }
    if (gr_model_is_graph_baseline(m.cfg.model) && a.explain > 0) {
        rc = gr_cli_usage_error("recommend", "model = %s has no embeddings to explain with: drop --explain",
                                gr_model_kind_name(m.cfg.model));
        gr_model_free(&m);
        return rc;
    }
    /* This machine's cores unless asked (the model's setting describes the
     * machine it was trained on); OpenBLAS's pthreads build needs its own call. */
    if (a.threads > 0) {
        omp_set_num_threads((int)a.threads);
        openblas_set_num_threads((int)a.threads);
    }
    if ((s = gr_grb_init(omp_get_max_threads(), msg)) != GR_OK) goto failed;
    /* A typo in the output path fails now, not after the ranking; stdout,
     * pipes and devices are not probed (opening a FIFO twice would hand its
     * reader an early end of file). */
    struct stat st;
    if (strcmp(a.out, "-") != 0 && (stat(a.out, &st) != 0 || S_ISREG(st.st_mode))) {
        if ((s = gr_output_open(&probe, a.out, msg)) != GR_OK) goto failed;
        gr_output_abort(probe);
    }
    rc = gr_rec_data_load(&in, &m, a.train ? a.train : m.cfg.train, a.history, a.exclude, &d);
    if (rc != GR_EXIT_OK) goto done;
    /* Before the fold-in, the scorer and the ranking allocate: --mem-limit
     * shrinks the block of scores to what the rest leaves.  The users to
     * rank: --all's, the folded-in ones, or at most every user (--users). */
    size_t budget = (size_t)a.memory_mib << 20;
    if (a.dry_run || a.mem_limit > 0) {
        gr_mem_estimate est;
        gr_mem_estimate_init(&est);
        const size_t n_rank = a.all ? gr_csr_nonempty_rows(&d.seen.R) : a.users ? d.n_users : d.n_folded;
        s = gr_mem_estimate_recommend(&est, &m.cfg, &d.train, &d.seen, m.n_items, m.dim, a.k, n_rank, d.n_folded > 0,
                                      a.candidates != NULL, a.mem_limit, &budget, msg);
        if (a.dry_run) gr_mem_print(stdout, "gnnrec recommend", &est);
        if (s != GR_OK) goto failed;
        if (a.dry_run) goto done;
    }
    double t0 = gr_now();
    if ((s = gr_rec_user_embeddings(&d, &m, &user_emb, msg)) != GR_OK) goto failed;
    const double fold_seconds = gr_now() - t0;
    if (a.users) s = gr_rec_read_users(&d, a.users, in.load.max_line, &users, &n_users, msg);
    else s = pick_users(&d, a.all, &users, &n_users, msg);
    if (s != GR_OK) goto failed;
    if (a.candidates &&
        (s = gr_rec_read_items(&d, a.candidates, in.load.max_line, in.load.skip_bad_rows, &cand, &n_cand,
                               &cand_skipped, msg)) != GR_OK)
        goto failed;

    /* ppr walks the social edges of its config, over the model's users */
    if (m.cfg.model == GR_MODEL_PPR && m.cfg.social[0] != '\0') {
        rc = gr_cli_load_social(&in, m.cfg.social, d.ds.user_ids, m.n_users, &social);
        if (rc != GR_EXIT_OK) goto done;
        has_social = 1;
    }
    const float *items = m.final + (size_t)m.n_users * m.dim;
    s = gr_model_scorer_init_social(&ms, &m.cfg, user_emb ? user_emb : m.final, user_emb ? d.n_users : m.n_users,
                                    items, m.n_items, &d.train, &d.seen.R, has_social ? &social : NULL, msg);
    if (s != GR_OK) goto failed;
    gr_rec_opts o = {.score = sigmoid_head && !(a.score && strcmp(a.score, "raw") == 0) ? GR_REC_SIGMOID : GR_REC_RAW,
                     .explain = a.explain, .history = &d.seen.R, .item_emb = items, .dim = m.dim,
                     .user_ids = d.ds.user_ids, .item_ids = d.ds.item_ids};
    gr_rank_opts_default(&o.rank);
    o.rank.k = a.k;
    o.rank.mem_budget = budget;
    o.rank.mask1 = &d.seen.R;
    o.rank.mask2 = d.has_exclude ? &d.exclude.R : NULL;
    o.rank.mask_self = m.cfg.graph != GR_GRAPH_BIPARTITE;
    o.rank.candidates = cand;
    o.rank.n_candidates = n_cand;
    gr_rec_report r;
    if ((s = gr_recommend(&ms.scorer, users, n_users, &o, a.out, &r, msg)) != GR_OK) goto failed;
    if (!in.quiet) report(&d, &r, fold_seconds, cand_skipped);
    rc = GR_EXIT_OK;
    goto done;
failed:
    rc = gr_cli_error(s, msg);
done:
    gr_model_scorer_free(&ms);
    gr_csr_free(&social);
    free(user_emb);
    free(users);
    free(cand);
    gr_rec_data_free(&d);
    gr_model_free(&m);
    return rc;
}
