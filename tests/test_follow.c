/* Who-to-follow on a directed follower graph, in both views (gnn/train.h):
 * the unipartite Â against hand-computed values and both SpMM kernels; the
 * tied loss's gradient where one row is a user in one triple and an item in
 * others; negatives that skip the user itself; unipartite fold-in against
 * its formula; and end to end, `gnnrec train` then `gnnrec recommend` on a
 * tiny graph with string ids never listing the user itself, an account it
 * follows, or an --exclude pair, while listing every other account (also
 * for a new account folded in from --history); a
 * unipartite run's loss falls and its eval metrics are those of
 * recommend's lists; and `gnnrec split --graph directed` holds out a seeded
 * share of each user's followees. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/fold_in.h"
#include "gnn/loss.h"
#include "gnn/sampler.h"
#include "sparse/adjacency_follow.h"
#include "tests/support.h"

/* ---- the unipartite adjacency ------------------------------------------- */

/* a <-> b (mutual), a -> c, d -> c over accounts a b c d = 0 1 2 3.  With
 * r = reciprocal_weight the symmetrized A has a-b = r, a-c = c-d = 1, so the
 * degrees are a r + 1, b r, c 2, d 1 and
 *   Â_ab = r / sqrt((r + 1) r),  Â_ac = 1 / sqrt(2 (r + 1)),  Â_cd = 1 / sqrt(2). */
static void tiny_follow_graph(gr_graph *g)
{
    static const uint32_t src[] = {0, 1, 0, 3}, dst[] = {1, 0, 2, 2};
    gr_test_graph_from_pairs(g, 4, 4, src, dst, 4);
    g->kind = GR_GRAPH_DIRECTED;
}

static void hand_adjacency(double r, double A[4][4])
{
    memset(A, 0, 16 * sizeof(double));
    A[0][1] = A[1][0] = r / sqrt((r + 1) * r);
    A[0][2] = A[2][0] = 1 / sqrt(2 * (r + 1));
    A[2][3] = A[3][2] = 1 / sqrt(2.0);
}

static void check_adjacency(const gr_graph *g, double r)
{
    char msg[GR_MSG_LEN];
    gr_norm_adj *a = NULL;
    assert_int_equal(gr_norm_adj_build_follow(&a, g, r, msg), GR_OK);
    const gr_norm_adj_csr v = gr_norm_adj_view(a);
    assert_int_equal(v.n, 4);
    assert_int_equal(v.nnz, 6);
    static const uint64_t ptr[] = {0, 2, 3, 5, 6};
    static const uint32_t idx[] = {1, 2, 0, 0, 3, 2};
    double A[4][4];
    hand_adjacency(r, A);
    for (uint32_t row = 0; row < 4; row++) {
        assert_int_equal(v.ptr[row], ptr[row]);
        for (uint64_t k = v.ptr[row]; k < v.ptr[row + 1]; k++) {
            assert_int_equal(v.idx[k], idx[k]);
            if (fabs(v.val[k] - A[row][v.idx[k]]) > 1e-6)
                fail_msg("r = %g: Â[%u][%u] = %.7f, expected %.7f", r, row, v.idx[k], (double)v.val[k],
                         A[row][v.idx[k]]);
        }
    }
    /* Y = Â X by both kernels against the dense product (d = 19: a width
     * no register path is specialised for) */
    enum { D = 19 };
    float X[4 * D], Y[4 * D], Z[4 * D];
    gr_rng rng;
    gr_rng_seed(&rng, 7, 0);
    for (int c = 0; c < 4 * D; c++) X[c] = (float)gr_rng_normal(&rng);
    assert_int_equal(gr_spmm(a, X, Y, D, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_spmm(a, X, Z, D, GR_SPMM_GRAPHBLAS, msg), GR_OK);
    for (int row = 0; row < 4; row++)
        for (int c = 0; c < D; c++) {
            double want = 0;
            for (int j = 0; j < 4; j++) want += A[row][j] * X[j * D + c];
            assert_true(fabs(Y[row * D + c] - want) < 1e-5);
            assert_true(fabs(Z[row * D + c] - want) < 1e-5);
        }
    gr_norm_adj_free(a);
}

static void test_follow_adjacency(void **state)
{
    (void)state;
    gr_graph g;
    tiny_follow_graph(&g);
    check_adjacency(&g, 2.0);
    check_adjacency(&g, 1.0);
    double deg[4];
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_follow_degrees(&g, 2.0, deg, msg), GR_OK);
    assert_true(deg[0] == 3 && deg[1] == 2 && deg[2] == 2 && deg[3] == 1);
    gr_norm_adj *a = NULL;
    assert_int_equal(gr_norm_adj_build_follow(&a, &g, 0.0, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "reciprocal_weight"));
    g.kind = GR_GRAPH_BIPARTITE; /* a user-item graph has no unipartite view */
    assert_int_equal(gr_norm_adj_build_follow(&a, &g, 1.0, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "follower graph"));
    assert_null(a);
    gr_graph_free(&g);
}

/* ---- the tied loss ------------------------------------------------------ */

enum { TN = 4, TD = 3 };

static double tied_loss(const float *E, gr_emb_shape s, const gr_batch *b, int l2)
{
    char msg[GR_MSG_LEN];
    float scratch[TN * TD] = {0};
    double v = 0;
    gr_status st = l2 ? gr_loss_l2(E, s, b, 0.3f, scratch, &v, msg) : gr_loss_bpr(E, s, b, scratch, &v, msg);
    assert_int_equal(st, GR_OK);
    return v;
}

/* Row 0 is triple 0's user and triples 1 and 2's positive; row 1 is a
 * positive, a user and a negative: the gradient must add every role. */
static void test_tied_loss_gradient(void **state)
{
    (void)state;
    static const uint32_t user[] = {0, 1, 2}, pos[] = {1, 0, 0}, negs[] = {2, 3, 3, 2, 1, 3};
    const gr_batch b = {3, 2, user, pos, negs};
    const gr_emb_shape s = {TN, TN, TD, 1};
    float E[TN * TD];
    gr_rng rng;
    gr_rng_seed(&rng, 11, 0);
    for (int c = 0; c < TN * TD; c++) E[c] = (float)(0.7 * gr_rng_normal(&rng));
    char msg[GR_MSG_LEN];
    for (int l2 = 0; l2 < 2; l2++) {
        float dE[TN * TD] = {0};
        double v;
        if (l2) assert_int_equal(gr_loss_l2(E, s, &b, 0.3f, dE, &v, msg), GR_OK);
        else assert_int_equal(gr_loss_bpr(E, s, &b, dE, &v, msg), GR_OK);
        for (int c = 0; c < TN * TD; c++) {
            const float x = E[c];
            E[c] = x + 1e-3f;
            const float up = E[c];
            const double lu = tied_loss(E, s, &b, l2);
            E[c] = x - 1e-3f;
            const float down = E[c];
            const double ld = tied_loss(E, s, &b, l2);
            E[c] = x;
            const double num = (lu - ld) / ((double)up - (double)down);
            if (fabs(num - dE[c]) > 1e-4)
                fail_msg("%s: dE[%d] = %.6f, numerically %.6f", l2 ? "L2" : "BPR", c, (double)dE[c], num);
        }
    }
    /* A triple may not pair an account with itself. */
    float dE[TN * TD] = {0};
    double v;
    static const uint32_t self_pos[] = {1, 1, 0};
    const gr_batch bad_pos = {3, 2, user, self_pos, negs};
    assert_int_equal(gr_loss_bpr(E, s, &bad_pos, dE, &v, msg), GR_ERR_ARG);
    static const uint32_t self_neg[] = {2, 3, 3, 1, 1, 3};
    const gr_batch bad_neg = {3, 2, user, pos, self_neg};
    assert_int_equal(gr_loss_bpr(E, s, &bad_neg, dE, &v, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "own negative"));
}

/* Account 3 follows 0 and 1: with skip_self its only negative is 2, while
 * the bipartite sampler also draws 3 itself. */
static void test_sampler_skips_self(void **state)
{
    (void)state;
    static const uint32_t src[] = {0, 0, 1, 2, 3, 3}, dst[] = {1, 2, 0, 3, 0, 1};
    gr_graph g;
    gr_test_graph_from_pairs(&g, 4, 4, src, dst, 6);
    g.kind = GR_GRAPH_DIRECTED;
    char msg[GR_MSG_LEN];
    for (int skip = 0; skip < 2; skip++) {
        gr_sampler s;
        assert_int_equal(gr_sampler_init(&s, &g, 8, skip, msg), GR_OK);
        size_t self = 0;
        for (uint64_t e = 1; e <= 20; e++) {
            gr_sampler_epoch(&s, 5, e);
            for (size_t k = 0; k < s.n * s.neg; k++) {
                const uint32_t u = s.user[k / s.neg], j = s.negs[k];
                assert_false(gr_csr_has(&g.R, u, j));
                self += j == u;
            }
        }
        if (skip) assert_int_equal(self, 0);
        else assert_true(self > 0);
        gr_sampler_free(&s);
    }
    gr_graph_free(&g);
    /* Following everyone else leaves no negative but oneself. */
    static const uint32_t all_src[] = {0, 0, 0, 1}, all_dst[] = {1, 2, 3, 0};
    gr_test_graph_from_pairs(&g, 4, 4, all_src, all_dst, 4);
    g.kind = GR_GRAPH_DIRECTED;
    gr_sampler s;
    assert_int_equal(gr_sampler_init(&s, &g, 1, 1, msg), GR_ERR_INPUT);
    assert_int_equal(gr_sampler_init(&s, &g, 1, 0, msg), GR_OK);
    gr_sampler_free(&s);
    gr_graph_free(&g);
}

/* ---- unipartite fold-in ------------------------------------------------- */

/* A new account following a and c, K = 2, α = 1/3, r = 2: with d_u = 2,
 * d_a = 3, d_c = 2 and E¹ = Â E⁰,
 *   e = Σ_{v in {a, c}} (α E⁰_v + α E¹_v) / sqrt(d_u d_v). */
static void test_fold_in_unipartite(void **state)
{
    (void)state;
    gr_graph g;
    tiny_follow_graph(&g);
    gr_model m;
    memset(&m, 0, sizeof m);
    gr_config_default(&m.cfg);
    m.cfg.graph = GR_GRAPH_DIRECTED;
    m.cfg.view = GR_VIEW_UNIPARTITE;
    m.cfg.reciprocal_weight = 2.0;
    m.cfg.layers = 2;
    m.cfg.dim = TD;
    m.n_users = m.n_items = 4;
    m.dim = TD;
    float ego[8 * TD], out[TD];
    gr_rng rng;
    gr_rng_seed(&rng, 3, 0);
    for (int c = 0; c < 4 * TD; c++) ego[c] = ego[4 * TD + c] = (float)gr_rng_normal(&rng);
    m.ego = m.final = ego;
    uint64_t hp[] = {0, 2};
    uint32_t hi[] = {0, 2};
    const gr_csr h = {1, 4, 2, hp, hi};
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_fold_in(&m, &g, &h, NULL, out, msg), GR_OK);
    double A[4][4];
    hand_adjacency(2.0, A);
    const double deg[] = {3, 2, 2, 1}, a = 1.0 / 3;
    for (int c = 0; c < TD; c++) {
        double want = 0;
        for (int t = 0; t < 2; t++) {
            const int v = (int)hi[t];
            double e1 = 0;
            for (int j = 0; j < 4; j++) e1 += A[v][j] * ego[j * TD + c];
            want += (a * ego[v * TD + c] + a * e1) / sqrt(2 * deg[v]);
        }
        if (fabs(out[c] - want) > 1e-5) fail_msg("column %d: %.6f, expected %.6f", c, (double)out[c], want);
    }
    gr_graph_free(&g);
}

/* ---- end to end on a tiny graph with string ids -------------------------- */

/* Two rings of six accounts, @a0..@a5 and @b0..@b5: each follows the next
 * three of its ring (so i -> i+3 and i+3 -> i are mutual), plus @a0 -> @b0
 * and @b3 -> @a3.  Every account follows 3 or 4 of the 11 others. */
static char *tiny_edges(void)
{
    char *text = malloc(4096), *p = text;
    for (int ring = 0; ring < 2; ring++)
        for (int i = 0; i < 6; i++)
            for (int s = 1; s <= 3; s++)
                p += sprintf(p, "@%c%d\t@%c%d\n", "ab"[ring], i, "ab"[ring], (i + s) % 6);
    strcpy(p, "@a0\t@b0\n@b3\t@a3\n");
    return text;
}

typedef struct {
    char user[32], item[32];
    int rank;
} rec;

/* The lines of a recommendations TSV (header checked). */
static rec *read_recs(const char *path, size_t *n)
{
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    const char *header = "user\trank\titem\tscore\n";
    if (strncmp(text, header, strlen(header)) != 0) fail_msg("%s: unexpected header", path);
    size_t cap = 64, k = 0;
    rec *v = malloc(cap * sizeof *v);
    for (char *line = strtok(text + strlen(header), "\n"); line; line = strtok(NULL, "\n")) {
        if (k == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        if (sscanf(line, "%31[^\t]\t%d\t%31[^\t]", v[k].user, &v[k].rank, v[k].item) != 3)
            fail_msg("%s: bad line '%s'", path, line);
        k++;
    }
    free(text);
    *n = k;
    return v;
}

static int has_pair(const gr_test_pairs *p, const char *user, const char *item)
{
    char key[80];
    snprintf(key, sizeof key, "%s %s", user, item);
    for (size_t k = 0; k < p->n; k++)
        if (strcmp(p->v[k], key) == 0) return 1;
    return 0;
}

static int listed(const rec *v, size_t n, const char *user, const char *item)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k].user, user) == 0 && strcmp(v[k].item, item) == 0) return 1;
    return 0;
}

/* -k 20 asks for more than the 11 other accounts, so a user's list is every
 * account it may be recommended: a mask that let one through would show, and
 * so would one that held back too much.  On an undirected graph (sym) a pair
 * joins both accounts, whichever way the file lists it. */
static void check_recs(const char *dir, const char *model, const char *excl, const gr_test_pairs *follows, int sym)
{
    char out[1024];
    snprintf(out, sizeof out, "%s/recs.tsv", dir);
    gr_test_run r = gr_test_cli("recommend %s --all -k 20 -o %s --quiet%s%s", model, out, excl ? " --exclude " : "",
                                excl ? excl : "");
    if (r.exit_code != 0) fail_msg("recommend %s: %s", model, r.err);
    gr_test_run_free(&r);
    size_t n;
    rec *v = read_recs(out, &n);
    for (int u = 0; u < 12; u++)
        for (int o = 0; o < 12; o++) {
            char user[8], item[8];
            snprintf(user, sizeof user, "@%c%d", "ab"[u / 6], u % 6);
            snprintf(item, sizeof item, "@%c%d", "ab"[o / 6], o % 6);
            const int joined = has_pair(follows, user, item) || (sym && has_pair(follows, item, user));
            const int excluded = excl && ((u == 0 && o == 4) || (u == 7 && o == 0)); /* the file below */
            const int want = u != o && !joined && !excluded;
            if (listed(v, n, user, item) != want)
                fail_msg("%s: %s %s recommended to %s", model, item, want ? "not" : "wrongly", user);
        }
    free(v);
}

/* A new account following @a1 and @a2, folded in: it gets every account
 * but those two (it is no account of the model's, so never its own item). */
static void check_fold_in(const char *dir, const char *model, const char *hist)
{
    char out[1024];
    snprintf(out, sizeof out, "%s/folded.tsv", dir);
    gr_test_run r = gr_test_cli("recommend %s --history %s -k 20 -o %s --quiet", model, hist, out);
    if (r.exit_code != 0) fail_msg("recommend --history with %s: %s", model, r.err);
    gr_test_run_free(&r);
    size_t n;
    rec *v = read_recs(out, &n);
    assert_int_equal(n, 10);
    for (size_t k = 0; k < n; k++) {
        assert_string_equal(v[k].user, "@new");
        assert_true(strcmp(v[k].item, "@a1") != 0 && strcmp(v[k].item, "@a2") != 0);
    }
    free(v);
}

static void test_recommend_skips_followed(void **state)
{
    (void)state;
    const char *dir = gr_test_scratch();
    char *edges = gr_test_path(dir, "follows.tsv"), *excl = gr_test_path(dir, "exclude.tsv");
    char *hist = gr_test_path(dir, "history.tsv");
    char *text = tiny_edges();
    gr_test_write_text(edges, text);
    gr_test_write_text(excl, "@a0\t@a4\n@b1\t@a0\n");
    gr_test_write_text(hist, "@new\t@a1\n@new\t@a2\n");
    gr_test_pairs follows = {0};
    gr_test_pairs_parse(&follows, text, 0);
    static const char *const runs[][2] = {
        {"bipartite", "model=lightgcn"}, {"unipartite", "model=lightgcn"},
        {"unipartite", "model=lightgcn reciprocal_weight=2"}, {"unipartite", "model=mf"},
        {"bipartite", "model=lightgcn graph=undirected"}, {"unipartite", "model=lightgcn graph=undirected"},
        /* hard negatives on tied rows: never the account itself nor a followee */
        {"unipartite", "model=lightgcn neg_sampler=dns dns_candidates=4"},
    };
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        char model[1024];
        snprintf(model, sizeof model, "%s/follow-%zu.gnr", dir, k);
        gr_test_run r = gr_test_cli("train train=%s graph=directed view=%s %s dim=8 batch=16 epochs=5 lr=0.01 "
                                    "eval_every=0 threads=2 --quiet -o %s", edges, runs[k][0], runs[k][1], model);
        if (r.exit_code != 0) fail_msg("train view=%s %s: %s", runs[k][0], runs[k][1], r.err);
        gr_test_run_free(&r);
        const int sym = strstr(runs[k][1], "undirected") != NULL;
        check_recs(dir, model, NULL, &follows, sym);
        check_recs(dir, model, excl, &follows, sym);
        check_fold_in(dir, model, hist);
    }
    /* The unipartite view is for follower graphs, and for gradient-trained models. */
    gr_test_run r = gr_test_cli("train train=%s view=unipartite epochs=1 --quiet", edges);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "follower graph"));
    gr_test_run_free(&r);
    r = gr_test_cli("train train=%s graph=directed view=unipartite model=ials epochs=1 --quiet", edges);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "view = bipartite"));
    gr_test_run_free(&r);
    gr_test_pairs_free(&follows);
    free(text);
    free(edges);
    free(excl);
    free(hist);
}

/* ---- a unipartite run on generated data ---------------------------------- */

static char *gen_dir;

static int gen_setup(void **state)
{
    (void)state;
    gen_dir = gr_test_mkdtemp();
    gr_test_run r = gr_test_cli("generate --kind follows --users 400 --edges 8000 --communities 4 --p-in 0.9 "
                                "--seed 3 --quiet -o %s/all.tsv", gen_dir);
    if (r.exit_code != 0) fail_msg("generate: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("split %s/all.tsv --graph directed --test 0.2 --seed 1 --quiet -o %s/split", gen_dir, gen_dir);
    if (r.exit_code != 0) fail_msg("split: %s", r.err);
    gr_test_run_free(&r);
    return 0;
}

static int gen_teardown(void **state)
{
    (void)state;
    gr_test_rmdir(gen_dir);
    free(gen_dir);
    return 0;
}

/* rank of "user item" among the recommendations, 0 when absent */
static int rank_of(const rec *v, size_t n, const char *user, const char *item)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k].user, user) == 0 && strcmp(v[k].item, item) == 0) return v[k].rank;
    return 0;
}

static void test_unipartite_run(void **state)
{
    (void)state;
    const char *d = gen_dir;
    /* --graph directed is train's shorthand for graph=directed */
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt --graph directed view=unipartite "
                                "reciprocal_weight=2 dim=16 batch=512 lr=0.01 epochs=8 eval_every=0 threads=2 --quiet "
                                "--log %s/uni.log -o %s/uni.gnr", d, d, d, d);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    gr_test_run_free(&r);
    /* the loss falls */
    char *log_path = gr_test_path(d, "uni.log"), *log = gr_test_read_file(log_path, NULL);
    assert_non_null(log);
    free(log_path);
    double first = -1, last = -1;
    for (const char *p = strstr(log, "\"loss\": "); p; p = strstr(p + 1, "\"loss\": ")) {
        last = strtod(p + 8, NULL);
        if (first < 0) first = last;
    }
    free(log);
    if (!(first > 0 && last < 0.8 * first)) fail_msg("loss %.4f -> %.4f: not falling", first, last);

    /* eval's metrics are those of recommend's lists */
    r = gr_test_cli("eval %s/uni.gnr -k 20 --json %s/uni.json --quiet", d, d);
    if (r.exit_code != 0) fail_msg("eval: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/uni.gnr --all -k 20 -o %s/uni.tsv --quiet", d, d);
    if (r.exit_code != 0) fail_msg("recommend: %s", r.err);
    gr_test_run_free(&r);
    char *recs = gr_test_path(d, "uni.tsv"), *test_path = gr_test_path(d, "split/test.txt");
    size_t n;
    rec *v = read_recs(recs, &n);
    char *test = gr_test_read_file(test_path, NULL);
    assert_non_null(test);
    double recall = 0, ndcg = 0, hit = 0;
    size_t users = 0;
    for (char *line = strtok(test, "\n"); line; line = strtok(NULL, "\n")) {
        char *save = NULL, *user = strtok_r(line, " ", &save), *item;
        size_t n_test = 0, hits = 0;
        double dcg = 0, idcg = 0;
        while ((item = strtok_r(NULL, " ", &save)) != NULL) {
            const int rank = rank_of(v, n, user, item);
            if (rank > 0) hits++, dcg += 1 / log2(rank + 1.0);
            if (++n_test <= 20) idcg += 1 / log2(n_test + 1.0);
        }
        if (n_test == 0) continue;
        users++;
        recall += (double)hits / (double)n_test;
        ndcg += dcg / idcg;
        hit += hits > 0;
    }
    assert_true(users > 300);
    const double want_recall = gr_test_json_number(d, "uni.json", "recall@20");
    const double want_ndcg = gr_test_json_number(d, "uni.json", "ndcg@20");
    const double want_hit = gr_test_json_number(d, "uni.json", "hit_rate@20");
    if (fabs(recall / users - want_recall) > 2e-6 || fabs(ndcg / users - want_ndcg) > 2e-6 ||
        fabs(hit / users - want_hit) > 2e-6)
        fail_msg("from the lists: recall %.6f ndcg %.6f hit %.6f; eval: %.6f %.6f %.6f", recall / users,
                 ndcg / users, hit / users, want_recall, want_ndcg, want_hit);
    /* the planted communities make the graph learnable */
    assert_true(want_recall > 0.1);
    free(test);
    free(v);
    free(recs);
    free(test_path);
}

/* ---- the split of a follower graph --------------------------------------- */

/* Items on user's line of an adjacency text ("user item item ..."), 0 when
 * it has none. */
static size_t line_items(const char *text, const char *user)
{
    const size_t ul = strlen(user);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        if (end == NULL) end = line + strlen(line);
        if ((size_t)(end - line) > ul && strncmp(line, user, ul) == 0 && line[ul] == ' ') {
            size_t n = 0;
            for (const char *p = line + ul; p < end; p++) n += *p == ' ';
            return n;
        }
        line = *end ? end + 1 : end;
    }
    return 0;
}

/* Pairs in an adjacency text: its words minus its lines. */
static size_t adj_pairs(const char *text)
{
    size_t words = 0, lines = 0;
    for (const char *p = text; *p; p++) {
        words += *p != ' ' && *p != '\n' && (p == text || p[-1] == ' ' || p[-1] == '\n');
        lines += *p == '\n';
    }
    return words - lines;
}

/* `--graph directed` holds out a share of each user's followees with its
 * seed (the same seed, the same files; another seed, others), keeps at least
 * one in train, and keeps users with fewer than --min-items wholly in train. */
/* eval --baseline itempop --graph directed scores as a trained itempop model
 * of the follower graph does (shared ids, no account recommended to itself);
 * a model refuses --graph (its config names its graph). */
static void test_eval_baseline_follow(void **state)
{
    (void)state;
    const char *d = gen_dir;
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt graph=directed model=itempop "
                                "--quiet -o %s/pop.gnr", d, d, d);
    if (r.exit_code != 0) fail_msg("train itempop: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("eval %s/pop.gnr --quiet --json %s/pop_model.json", d, d);
    if (r.exit_code != 0) fail_msg("eval: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("eval --baseline itempop --graph directed --train %s/split/train.txt --test %s/split/test.txt "
                    "--quiet --json %s/pop_baseline.json", d, d, d);
    if (r.exit_code != 0) fail_msg("eval --baseline --graph: %s", r.err);
    gr_test_run_free(&r);
    static const char *const keys[] = {"recall@20", "ndcg@20", "hit_rate@20", "mrr@20"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const double a = gr_test_json_number(d, "pop_model.json", keys[k]);
        assert_true(a > 0);
        assert_true(a == gr_test_json_number(d, "pop_baseline.json", keys[k]));
    }
    r = gr_test_cli("eval %s/pop.gnr --graph directed --quiet", d);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--graph goes with --baseline"));
    gr_test_run_free(&r);
}

static void test_split_directed(void **state)
{
    (void)state;
    const char *d = gen_dir;
    char *all_path = gr_test_path(d, "all.tsv");
    gr_test_pairs all = {0};
    gr_test_pairs_read(&all, all_path, 0);
    /* the generator repeats pairs; the split's files hold each once */
    size_t distinct = 0;
    for (size_t k = 0; k < all.n; k++) distinct += k == 0 || strcmp(all.v[k], all.v[k - 1]) != 0;
    gr_test_pairs_free(&all);
    char *text[3][2];
    for (int run = 0; run < 3; run++) {
        const int seed = run == 2 ? 2 : 1;
        gr_test_run r = gr_test_cli("split %s --graph directed --test 0.3 --seed %d --min-items 25 --quiet -o %s/s%d",
                                    all_path, seed, d, run);
        if (r.exit_code != 0) fail_msg("split: %s", r.err);
        gr_test_run_free(&r);
        for (int part = 0; part < 2; part++) {
            char name[32];
            snprintf(name, sizeof name, "s%d/%s.txt", run, part ? "test" : "train");
            char *path = gr_test_path(d, name);
            text[run][part] = gr_test_read_file(path, NULL);
            assert_non_null(text[run][part]);
            free(path);
        }
    }
    assert_string_equal(text[0][1], text[1][1]);
    assert_string_not_equal(text[0][1], text[2][1]);
    assert_int_equal(adj_pairs(text[0][0]) + adj_pairs(text[0][1]), distinct);
    /* per user: followees in train and in test */
    size_t held_users = 0, kept_users = 0;
    for (const char *line = text[0][0]; *line;) {
        char user[32];
        assert_int_equal(sscanf(line, "%31s", user), 1);
        const size_t n_train = line_items(text[0][0], user), n_test = line_items(text[0][1], user);
        const size_t total = n_train + n_test;
        assert_true(n_train >= 1);
        if (total < 25) {
            assert_int_equal(n_test, 0);
            kept_users++;
        } else {
            /* 30% of the followees, rounded */
            assert_int_equal(n_test, (size_t)floor(0.3 * (double)total + 0.5));
            held_users++;
        }
        line = strchr(line, '\n');
        assert_non_null(line);
        line++;
    }
    assert_true(held_users > 20 && kept_users > 20);
    for (int run = 0; run < 3; run++) free(text[run][0]), free(text[run][1]);
    free(all_path);
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_follow_adjacency),
        cmocka_unit_test(test_tied_loss_gradient),
        cmocka_unit_test(test_sampler_skips_self),
        cmocka_unit_test(test_fold_in_unipartite),
    };
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_recommend_skips_followed),
    };
    const struct CMUnitTest gen[] = {
        cmocka_unit_test(test_unipartite_run),
        cmocka_unit_test(test_split_directed),
        cmocka_unit_test(test_eval_baseline_follow),
    };
    int failed = cmocka_run_group_tests(unit, NULL, NULL);
    failed += cmocka_run_group_tests(cli, gr_test_scratch_setup, gr_test_scratch_teardown);
    failed += cmocka_run_group_tests(gen, gen_setup, gen_teardown);
    return failed;
}
