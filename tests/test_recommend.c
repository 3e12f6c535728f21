/* Recommendation: the shared ranking loop with candidates (against brute
 * force, any block size), the TSV writer on a hand-computed case, and
 * `gnnrec recommend` end to end on generated data: masks, --exclude,
 * --candidates, --explain, --users errors, atomic output, and fold-in of
 * users held out of training (recall close to training them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "eval/rank.h"
#include "eval/recommend.h"
#include "tests/support.h"

/* ---- the ranking loop ---------------------------------------------------- */

typedef struct {
    uint32_t users[64];
    gr_topk_entry top[64][8];
    uint32_t n[64];
    size_t seen;
} collected;

static gr_status collect(void *ctx, const gr_rank_block *b, char *msg)
{
    (void)msg;
    collected *c = ctx;
    for (size_t r = 0; r < b->n; r++, c->seen++) {
        c->users[c->seen] = b->users[r];
        c->n[c->seen] = b->top_n[r];
        memcpy(c->top[c->seen], b->top + r * b->stride, b->top_n[r] * sizeof(gr_topk_entry));
    }
    return GR_OK;
}

/* Random scores with ties, random masks and a random candidate list: every
 * list is the brute-force best of the unmasked candidates, for one block and
 * for blocks of 3 users, users in any order. */
static void test_rank_candidates(void **state)
{
    (void)state;
    enum { NU = 40, NI = 90, K = 8 };
    gr_rng rng;
    gr_rng_seed(&rng, 5, 0);
    float full[NU * NI];
    uint32_t mu[NU * NI], mi[NU * NI], cand[NI], users[NU], nm = 0, nc = 0;
    for (uint32_t u = 0; u < NU; u++)
        for (uint32_t i = 0; i < NI; i++) {
            full[u * NI + i] = (float)gr_rng_below(&rng, 12);
            if (gr_rng_below(&rng, 4) == 0) mu[nm] = u, mi[nm++] = i;
        }
    for (uint32_t i = 0; i < NI; i++)
        if (gr_rng_below(&rng, 3) == 0) cand[nc++] = i;
    for (uint32_t r = 0; r < NU; r++) users[r] = (r * 7) % NU; /* not in order */
    gr_graph mask;
    gr_test_graph_from_pairs(&mask, NU, NI, mu, mi, nm);
    gr_test_fixed_scorer f = {full, NU, NI, 0, 0, 0};
    gr_scorer s = gr_test_fixed_scorer_of(&f);
    gr_rank_opts o;
    gr_rank_opts_default(&o);
    o.k = K;
    o.mask1 = &mask.R;
    o.mask_self = 1; /* as on a follower graph: item u is user u */
    o.candidates = cand;
    o.n_candidates = nc;
    char msg[GR_MSG_LEN];
    for (int pass = 0; pass < 2; pass++) {
        collected *c = calloc(1, sizeof *c);
        assert_non_null(c);
        o.mem_budget = pass ? 3 * NI * sizeof(float) : 0;
        o.n_threads = pass ? 3 : 0;
        gr_rank_stats st;
        assert_int_equal(gr_rank_users(&s, users, NU, &o, collect, c, &st, msg), GR_OK);
        assert_int_equal(c->seen, NU);
        assert_int_equal(st.block_users, pass ? 3 : NU);
        for (uint32_t r = 0; r < NU; r++) {
            const uint32_t u = users[r];
            assert_int_equal(c->users[r], u);
            /* brute force: candidates in index order, best K by a stable scan */
            uint32_t want[K], nw = 0;
            for (uint32_t slot = 0; slot < K; slot++) {
                int best = -1;
                for (uint32_t j = 0; j < nc; j++) {
                    uint32_t i = cand[j];
                    int taken = i == u || gr_csr_has(&mask.R, u, i);
                    for (uint32_t q = 0; q < nw; q++) taken |= want[q] == i;
                    if (!taken && (best < 0 || full[u * NI + i] > full[u * NI + (uint32_t)best])) best = (int)i;
                }
                if (best >= 0) want[nw++] = (uint32_t)best;
            }
            assert_int_equal(c->n[r], nw);
            for (uint32_t q = 0; q < nw; q++) {
                assert_int_equal(c->top[r][q].item, want[q]);
                assert_true(c->top[r][q].score == full[u * NI + want[q]]);
            }
        }
        free(c);
    }
    /* bad candidate lists */
    uint32_t bad[2] = {5, 5};
    o.candidates = bad;
    o.n_candidates = 2;
    assert_int_equal(gr_rank_users(&s, users, NU, &o, collect, NULL, NULL, msg), GR_ERR_ARG);
    o.n_candidates = 0;
    assert_int_equal(gr_rank_users(&s, users, NU, &o, collect, NULL, NULL, msg), GR_ERR_ARG);
    gr_graph_free(&mask);
}

/* ---- the writer ---------------------------------------------------------- */

/* 2 users x 4 items.  Item embeddings (2-d) at angles 0, 90, 10 and 80
 * degrees: item 2 is closest to item 0, item 3 to item 1.
 *   user 0: history {0, 1}, scores 0 . 2 -1  -> ranked 2, 3 (0, 1 masked)
 *   user 1: history {3},    scores 1 0 0.5 . -> ranked 0, 2, 1 (k = 3) */
static void test_recommend_file(void **state)
{
    (void)state;
    const float scores[2 * 4] = {0, 0, 2, -1, 1, 0, 0.5f, 0};
    const float c10 = cosf(10 * (float)M_PI / 180), s10 = sinf(10 * (float)M_PI / 180);
    const float emb[4 * 2] = {1, 0, 0, 1, c10, s10, s10, c10};
    const uint32_t hu[] = {0, 0, 1}, hi[] = {0, 1, 3}, users[] = {1, 0};
    gr_graph h;
    gr_test_graph_from_pairs(&h, 2, 4, hu, hi, 3);
    gr_test_fixed_scorer f = {scores, 2, 4, 0, 0, 0};
    gr_scorer s = gr_test_fixed_scorer_of(&f);
    gr_rec_opts o = {.score = GR_REC_RAW, .explain = 2, .history = &h.R, .item_emb = emb, .dim = 2};
    gr_rank_opts_default(&o.rank);
    o.rank.k = 3;
    o.rank.mask1 = &h.R;
    char *dir = gr_test_mkdtemp(), *p = gr_test_path(dir, "recs.tsv"), msg[GR_MSG_LEN];
    gr_rec_report rep;
    assert_int_equal(gr_recommend(&s, users, 2, &o, p, &rep, msg), GR_OK);
    assert_int_equal(rep.users, 2);
    assert_int_equal(rep.lines, 5);
    assert_int_equal(rep.short_lists, 1);
    char *text = gr_test_read_file(p, NULL);
    assert_string_equal(text, "user\trank\titem\tscore\tbecause1\tbecause2\n"
                              "1\t1\t0\t1\t3\t\n"
                              "1\t2\t2\t0.5\t3\t\n"
                              "1\t3\t1\t0\t3\t\n"
                              "0\t1\t2\t2\t0\t1\n"
                              "0\t2\t3\t-1\t1\t0\n");
    free(text);
    /* the sigmoid head: σ(2) = 0.880797, σ(-1) = 0.268941; no explanations */
    o.score = GR_REC_SIGMOID;
    o.explain = 0;
    o.rank.k = 2;
    assert_int_equal(gr_recommend(&s, users + 1, 1, &o, p, NULL, msg), GR_OK);
    text = gr_test_read_file(p, NULL);
    assert_string_equal(text, "user\trank\titem\tscore\n0\t1\t2\t0.880797\n0\t2\t3\t0.268941\n");
    free(text);
    /* a failing scorer leaves the previous file as it was, and no temporary */
    f.calls = 0;
    f.fail_at = 1;
    assert_int_equal(gr_recommend(&s, users, 2, &o, p, NULL, msg), GR_ERR_LIB);
    text = gr_test_read_file(p, NULL);
    assert_non_null(strstr(text, "0.880797"));
    free(text);
    assert_int_equal(gr_test_count_entries(dir), 1);
    gr_test_rmdir(dir);
    free(dir);
    free(p);
    gr_graph_free(&h);
}

/* ---- the command, on generated data with string ids ------------------------ */

static char *gen; /* generated split with string ids and a LightGCN model */

static int setup(void **state)
{
    (void)state;
    gen = gr_test_generated_split("--users 400 --items 300 --edges 12000 --communities 6 --exponent 0.5 --p-in 0.9 "
                                  "--seed 5");
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=16 epochs=10 batch=512 "
                                "lr=0.01 eval_every=0 threads=2 --quiet -o %s/lgcn.gnr",
                                gen, gen, gen);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    gr_test_run_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(gen);
    free(gen);
    return 0;
}

/* One parsed line of a recommendations file. */
typedef struct {
    char user[32], item[32], because[3][32];
    unsigned rank;
    double score;
} rec_line;

/* Parses a recommendations file (after its header); *n lines. */
static rec_line *read_recs(const char *path, size_t *n, const char *header)
{
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    size_t hl = strlen(header);
    if (strncmp(text, header, hl) != 0 || text[hl] != '\n') fail_msg("%s: header is not '%s'", path, header);
    size_t cap = 1024, k = 0;
    rec_line *v = malloc(cap * sizeof *v);
    for (char *line = strtok(text + hl + 1, "\n"); line; line = strtok(NULL, "\n")) {
        if (k == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        memset(&v[k], 0, sizeof v[k]);
        char *f[7] = {0};
        int nf = 0;
        for (char *p = line; nf < 7; nf++) {
            f[nf] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nf++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        if (nf < 4) fail_msg("%s: short line", path);
        snprintf(v[k].user, sizeof v[k].user, "%s", f[0]);
        v[k].rank = (unsigned)atoi(f[1]);
        snprintf(v[k].item, sizeof v[k].item, "%s", f[2]);
        v[k].score = strtod(f[3], NULL);
        for (int j = 4; j < nf && j < 7; j++) snprintf(v[k].because[j - 4], 32, "%s", f[j]);
        k++;
    }
    free(text);
    *n = k;
    return v;
}

/* Is "user item" a pair of the adjacency file at path? */
static int has_pair(const gr_test_pairs *p, const char *user, const char *item)
{
    char key[80];
    snprintf(key, sizeof key, "%s %s", user, item);
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(p->v[mid], key);
        if (c == 0) return 1;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

static void test_cli_all(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("recommend %s/lgcn.gnr --all -k 10 -o %s/all.tsv.gz --explain 2", gen, gen);
    if (r.exit_code != 0) fail_msg("recommend: %s", r.err);
    assert_non_null(strstr(r.err, "recommendations for 400 users"));
    gr_test_run_free(&r);
    char *path = gr_test_path(gen, "all.tsv.gz"), *train = gr_test_path(gen, "split/train.txt");
    size_t n;
    rec_line *v = read_recs(path, &n, "user\trank\titem\tscore\tbecause1\tbecause2");
    gr_test_pairs seen = {0};
    gr_test_pairs_read(&seen, train, 1);
    assert_int_equal(n, 400 * 10);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(v[k].rank, k % 10 + 1);
        assert_true(v[k].user[0] == 'u' && v[k].item[0] == 'i'); /* original string ids */
        assert_true(v[k].score > 0 && v[k].score <= 1);           /* σ: a probability */
        if (k % 10) {
            assert_string_equal(v[k].user, v[k - 1].user);
            assert_true(v[k].score <= v[k - 1].score);
        }
        assert_false(has_pair(&seen, v[k].user, v[k].item));
        for (int j = 0; j < 2; j++) assert_true(has_pair(&seen, v[k].user, v[k].because[j]));
    }
    /* the same to stdout, byte for byte */
    r = gr_test_cli("recommend %s/lgcn.gnr --all -k 10 -o - --explain 2 --quiet", gen);
    assert_int_equal(r.exit_code, 0);
    char *file = gr_test_read_file(path, NULL);
    assert_string_equal(r.out, file);
    free(file);
    gr_test_run_free(&r);
    gr_test_pairs_free(&seen);
    free(v);
    free(path);
    free(train);
}

static void test_cli_exclude_candidates(void **state)
{
    (void)state;
    char *users = gr_test_path(gen, "users.txt"), *excl = gr_test_path(gen, "excl.tsv"),
         *cand = gr_test_path(gen, "cand.txt"), *out = gr_test_path(gen, "sel.tsv");
    gr_test_write_text(users, "# two users\nu7\n\nu3\r\nu7\n");
    gr_test_run r = gr_test_cli("recommend %s/lgcn.gnr --users %s -k 5 -o %s --quiet", gen, users, out);
    if (r.exit_code != 0) fail_msg("recommend: %s", r.err);
    gr_test_run_free(&r);
    size_t n;
    rec_line *v = read_recs(out, &n, "user\trank\titem\tscore");
    assert_int_equal(n, 10); /* u7 once, then u3 */
    assert_string_equal(v[0].user, "u7");
    assert_string_equal(v[5].user, "u3");
    /* --score raw: the dot products whose σ the default prints */
    r = gr_test_cli("recommend %s/lgcn.gnr --users %s -k 5 -o %s --quiet --score raw", gen, users, out);
    if (r.exit_code != 0) fail_msg("recommend --score raw: %s", r.err);
    gr_test_run_free(&r);
    size_t nr;
    rec_line *raw = read_recs(out, &nr, "user\trank\titem\tscore");
    assert_int_equal(nr, 10);
    for (size_t k = 0; k < nr; k++) {
        assert_string_equal(raw[k].item, v[k].item);
        assert_true(fabs(1 / (1 + exp(-raw[k].score)) - v[k].score) < 1e-5);
    }
    free(raw);
    /* exclude u7's first two and an unknown pair; u3 keeps its list */
    char text[256];
    snprintf(text, sizeof text, "u7\t%s\nu7\t%s\nnobody\t%s\n", v[0].item, v[1].item, v[0].item);
    gr_test_write_text(excl, text);
    r = gr_test_cli("recommend %s/lgcn.gnr --users %s -k 5 -o %s --exclude %s", gen, users, out, excl);
    if (r.exit_code != 0) fail_msg("recommend --exclude: %s", r.err);
    assert_non_null(strstr(r.err, "1 pairs with a user or item the model does not know"));
    gr_test_run_free(&r);
    size_t n2;
    rec_line *w = read_recs(out, &n2, "user\trank\titem\tscore");
    assert_int_equal(n2, 10);
    assert_string_equal(w[0].item, v[2].item);
    assert_string_equal(w[5].item, v[5].item);
    free(w);
    /* candidates: two of u7's items and an unknown one */
    snprintf(text, sizeof text, "%s\n%s\ni-unknown\n", v[4].item, v[3].item);
    gr_test_write_text(cand, text);
    r = gr_test_cli("recommend %s/lgcn.gnr --users %s -k 5 -o %s --candidates %s --quiet", gen, users, out, cand);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "cand.txt:3: unknown item 'i-unknown'"));
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/lgcn.gnr --users %s -k 5 -o %s --candidates %s --skip-bad-rows --quiet", gen, users,
                    out, cand);
    if (r.exit_code != 0) fail_msg("recommend --candidates: %s", r.err);
    gr_test_run_free(&r);
    w = read_recs(out, &n2, "user\trank\titem\tscore");
    assert_true(n2 >= 2 && n2 <= 4);
    assert_string_equal(w[0].item, v[3].item); /* their order kept */
    assert_string_equal(w[1].item, v[4].item);
    free(w);
    free(v);
    free(users);
    free(excl);
    free(cand);
    free(out);
}

static void test_cli_errors(void **state)
{
    (void)state;
    char *users = gr_test_path(gen, "bad-users.txt"), *out = gr_test_path(gen, "never.tsv");
    gr_test_write_text(users, "u1\nu2\nstranger\n");
    gr_test_run r = gr_test_cli("recommend %s/lgcn.gnr --users %s -o %s", gen, users, out);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "bad-users.txt:3: unknown user 'stranger'"));
    assert_false(gr_test_file_exists(out));
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/lgcn.gnr -o %s", gen, out);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "which users?"));
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/lgcn.gnr --all --users %s", gen, users);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/lgcn.gnr --all -k 0", gen);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/lgcn.gnr --all --score odds", gen);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/lgcn.gnr --all -o /nonexistent-dir/recs.tsv", gen);
    assert_int_equal(r.exit_code, 1);
    gr_test_run_free(&r);
    r = gr_test_cli("recommend --help");
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "--explain N"));
    gr_test_run_free(&r);
    free(users);
    free(out);
}

/* A user the model never saw, folded in from a history with string ids
 * (one unknown item among them, skipped). */
static void test_cli_new_user(void **state)
{
    (void)state;
    char *hist = gr_test_path(gen, "hist.tsv"), *out = gr_test_path(gen, "new.tsv"),
         *train_path = gr_test_path(gen, "split/train.txt");
    /* newbie has u5's first training items */
    char *train = gr_test_read_file(train_path, NULL);
    char *line = strstr(train, "\nu5 ");
    assert_non_null(line);
    char text[512] = "", *p = line + 4;
    for (int k = 0; k < 6; k++) {
        char *sp = strpbrk(p, " \n");
        snprintf(text + strlen(text), sizeof text - strlen(text), "newbie,%.*s\n", (int)(sp - p), p);
        p = sp + 1;
    }
    strcat(text, "newbie,i-not-in-the-model\n");
    gr_test_write_text(hist, text);
    gr_test_run r = gr_test_cli("recommend %s/lgcn.gnr --history %s -k 7 -o %s", gen, hist, out);
    if (r.exit_code != 0) fail_msg("recommend --history: %s", r.err);
    assert_non_null(strstr(r.err, "1 interactions with items the model does not know"));
    assert_non_null(strstr(r.err, "folded in 1 users"));
    gr_test_run_free(&r);
    size_t n;
    rec_line *v = read_recs(out, &n, "user\trank\titem\tscore");
    assert_int_equal(n, 7);
    for (size_t k = 0; k < n; k++) {
        char own[40];
        snprintf(own, sizeof own, ",%s\n", v[k].item);
        assert_string_equal(v[k].user, "newbie");
        assert_null(strstr(text, own)); /* never its own items */
    }
    free(v);
    free(train);
    free(train_path);
    free(hist);
    free(out);
}

/* On a follower graph users and items are one set of accounts: nobody is
 * recommended to follow themselves. */
static void test_cli_follows(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp();
    gr_test_run r = gr_test_cli("generate --kind follows --users 200 --edges 4000 --seed 2 --quiet -o %s/f.tsv", dir);
    if (r.exit_code != 0) fail_msg("generate: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("train train=%s/f.tsv graph=directed dim=8 epochs=3 eval_every=0 threads=2 --quiet -o %s/m.gnr",
                    dir, dir);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/m.gnr --all -k 50 --quiet -o %s/r.tsv", dir, dir);
    if (r.exit_code != 0) fail_msg("recommend: %s", r.err);
    gr_test_run_free(&r);
    char *out = gr_test_path(dir, "r.tsv");
    size_t n;
    rec_line *v = read_recs(out, &n, "user\trank\titem\tscore");
    assert_true(n > 1000);
    for (size_t k = 0; k < n; k++) assert_string_not_equal(v[k].user, v[k].item);
    free(v);
    free(out);
    gr_test_rmdir(dir);
    free(dir);
}

/* ---- fold-in against training ------------------------------------------- */

/* Mean recall@20 of the users in a recommendations file against an
 * adjacency test file (integer ids below 1024). */
static double recall_at_20(const char *recs, const char *test_path)
{
    gr_test_pairs test = {0};
    gr_test_pairs_read(&test, test_path, 1);
    static unsigned n_test[1024], hits[1024];
    memset(n_test, 0, sizeof n_test);
    memset(hits, 0, sizeof hits);
    for (size_t k = 0; k < test.n; k++) n_test[atoi(test.v[k])]++;
    size_t n;
    rec_line *v = read_recs(recs, &n, "user\trank\titem\tscore");
    int listed[1024] = {0};
    for (size_t k = 0; k < n; k++) {
        unsigned u = (unsigned)atoi(v[k].user);
        listed[u] = 1;
        hits[u] += v[k].rank <= 20 && has_pair(&test, v[k].user, v[k].item);
    }
    double sum = 0;
    int users = 0;
    for (unsigned u = 0; u < 1024; u++)
        if (listed[u] && n_test[u]) sum += (double)hits[u] / n_test[u], users++;
    free(v);
    gr_test_pairs_free(&test);
    return users ? sum / users : 0;
}

/* Every 5th user's training items are removed (their line keeps the user id,
 * so ids are unchanged) and a model is trained without them; folded in from
 * those items, they get recommendations whose test recall is compared with
 * the same users' under the model trained with them. */
static void test_fold_in_gap(void **state)
{
    (void)state;
    char *dir = gr_test_generated_split("--users 600 --items 400 --edges 24000 --communities 8 --exponent 0.5 "
                                        "--p-in 0.9 --seed 3 --format edges-int");
    char *train = gr_test_path(dir, "split/train.txt"), *minus = gr_test_path(dir, "minus.txt"),
         *hist = gr_test_path(dir, "hist.txt"), *users = gr_test_path(dir, "held.txt"),
         *test = gr_test_path(dir, "split/test.txt");
    char *text = gr_test_read_file(train, NULL);
    FILE *fm = fopen(minus, "w"), *fh = fopen(hist, "w"), *fu = fopen(users, "w");
    assert_true(fm && fh && fu);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int u = atoi(line);
        if (u % 5 == 0) {
            fprintf(fh, "%s\n", line);
            fprintf(fu, "%d\n", u);
            fprintf(fm, "%d\n", u);
        } else {
            fprintf(fm, "%s\n", line);
        }
    }
    fclose(fm);
    fclose(fh);
    fclose(fu);
    free(text);
    const char *models[] = {"lightgcn", "mf"};
    for (int k = 0; k < 2; k++) {
        double recall[2];
        for (int folded = 0; folded < 2; folded++) {
            gr_test_run r = gr_test_cli("train train=%s test=%s format=adj model=%s dim=32 epochs=15 batch=512 lr=0.01 "
                                        "eval_every=0 threads=2 --quiet -o %s/m.gnr",
                                        folded ? minus : train, test, models[k], dir);
            if (r.exit_code != 0) fail_msg("train: %s", r.err);
            gr_test_run_free(&r);
            r = gr_test_cli("recommend %s/m.gnr --users %s %s%s -k 20 --quiet -o %s/recs.tsv", dir, users,
                            folded ? "--history " : "", folded ? hist : "", dir);
            if (r.exit_code != 0) fail_msg("recommend: %s", r.err);
            gr_test_run_free(&r);
            char *recs = gr_test_path(dir, "recs.tsv");
            recall[folded] = recall_at_20(recs, test);
            free(recs);
        }
        print_message("%s, 120 users held out: recall@20 %.4f trained, %.4f folded in (%+.1f%%)\n", models[k],
                      recall[0], recall[1], 100 * (recall[1] / recall[0] - 1));
        assert_true(recall[0] > 0.1);
        assert_true(recall[1] > 0.85 * recall[0]);
    }
    gr_test_rmdir(dir);
    free(dir);
    free(train);
    free(minus);
    free(hist);
    free(users);
    free(test);
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_rank_candidates),
        cmocka_unit_test(test_recommend_file),
        cmocka_unit_test(test_fold_in_gap),
    };
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_cli_all),
        cmocka_unit_test(test_cli_exclude_candidates),
        cmocka_unit_test(test_cli_errors),
        cmocka_unit_test(test_cli_new_user),
        cmocka_unit_test(test_cli_follows),
    };
    int failed = cmocka_run_group_tests(unit, NULL, NULL);
    return failed + cmocka_run_group_tests(cli, setup, teardown);
}
