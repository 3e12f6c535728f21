/* Social edges (--social FILE): reading them in the interactions' id space
 * (integer and string ids, CRLF, gzip, headers, extra columns, unknown ids as
 * file:line errors or skipped rows), their symmetric block, LightGCN's
 * fold-in over training's Â with them, and end to end through the CLI: a
 * social model trains, evaluates to train's numbers, differs from the model
 * without friends, social_weight = 0 gives that model bit for bit, compare
 * keeps runs with and without social edges apart, and bad ids stop the run.
 * (The normalizations themselves are hand-checked in test_sparse.c.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/config.h"
#include "gnn/fold_in.h"
#include "gnn/lightgcn.h"
#include "gnn/model.h"
#include "gnn/social_adj.h"
#include "graph/social.h"
#include "loaders/social.h"
#include "tests/support.h"

/* ---- loading ------------------------------------------------------------ */

/* Loads text (written as scratch/name) over n_users users and builds S. */
static gr_status load_social(const char *name, const char *text, const gr_idmap *ids, uint32_t n_users, int skip,
                             gr_csr *S, gr_load_report *rep, gr_build_report *brep, char *msg)
{
    char *path = gr_test_path(gr_test_scratch(), name);
    gr_test_write_text(path, text);
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.skip_bad_rows = skip;
    gr_rows rows;
    gr_status s = gr_social_load(&rows, path, ids, n_users, &o, rep, msg);
    if (s == GR_OK) s = gr_social_build(S, &rows, brep, msg);
    free(path);
    return s;
}

/* S's row r is exactly cols[0..n). */
static void check_srow(const gr_csr *S, uint32_t r, uint32_t n, const uint32_t *cols)
{
    assert_int_equal(S->ptr[r + 1] - S->ptr[r], n);
    for (uint32_t k = 0; k < n; k++) assert_int_equal(S->idx[S->ptr[r] + k], cols[k]);
}

/* LastFM's trustnetwork.txt style: tab-separated, CRLF, 1-based integer ids
 * (user 0 never occurs), one direction or both, plus a comment, a blank
 * line, a self-loop and a trust value in a third column. */
static void test_load_int_crlf(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_csr S;
    gr_load_report rep;
    gr_build_report b;
    const char *text = "# trust network\r\n1\t2\r\n2\t1\r\n3\t3\r\n1\t4\t0.5\r\n\r\n4\t2\r\n";
    if (load_social("trust.txt", text, NULL, 5, 0, &S, &rep, &b, msg) != GR_OK) fail_msg("%s", msg);
    assert_int_equal(S.n_rows, 5);
    assert_int_equal(S.n_cols, 5);
    assert_int_equal(S.nnz, 6);
    check_srow(&S, 0, 0, NULL);
    check_srow(&S, 1, 2, (const uint32_t[]){2, 4});
    check_srow(&S, 2, 2, (const uint32_t[]){1, 4});
    check_srow(&S, 3, 0, NULL); /* its only edge was a self-loop */
    check_srow(&S, 4, 2, (const uint32_t[]){1, 2});
    assert_int_equal(rep.kept, 5);
    assert_int_equal(rep.comments, 2);
    assert_int_equal(rep.bad, 0);
    assert_int_equal(b.self_loops, 1);
    assert_int_equal(b.duplicates, 1); /* 2 -> 1 repeats 1 -> 2 */
    gr_csr_free(&S);

    /* HetRec's user_friends.dat has a header line; so may anyone's */
    if (load_social("friends.dat", "userID\tfriendID\n2\t3\n", NULL, 5, 0, &S, &rep, &b, msg) != GR_OK)
        fail_msg("%s", msg);
    assert_int_equal(rep.header, 1);
    check_srow(&S, 2, 1, (const uint32_t[]){3});
    check_srow(&S, 3, 1, (const uint32_t[]){2});
    gr_csr_free(&S);
}

/* String ids map through the interactions' user map, never extending it: the
 * same index for the same user in both files. */
static void test_load_string_ids(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_dataset ds;
    gr_dataset_init(&ds);
    gr_load_opts o;
    gr_load_opts_default(&o);
    assert_int_equal(gr_test_load_text(&ds, "inter.csv", "alice,i1\nbob,i2\ncarol,i1\ndave,i3\n", &o, NULL, msg),
                     GR_OK);
    assert_non_null(ds.user_ids);
    const uint32_t nu = gr_idmap_size(ds.user_ids);
    assert_int_equal(nu, 4);
    uint32_t alice, bob, carol, dave;
    assert_true(gr_idmap_find(ds.user_ids, "alice", 5, &alice));
    assert_true(gr_idmap_find(ds.user_ids, "bob", 3, &bob));
    assert_true(gr_idmap_find(ds.user_ids, "carol", 5, &carol));
    assert_true(gr_idmap_find(ds.user_ids, "dave", 4, &dave));
    gr_csr S;
    gr_load_report rep;
    gr_build_report b;
    /* gzip, commas, a header of names that are no users above a row of users */
    char *gz = gr_test_path(gr_test_scratch(), "friends.csv.gz");
    const char *text = "truster,trustee\ncarol,alice\nalice , bob\n";
    gr_test_write_file(gz, text, strlen(text));
    gr_rows rows;
    assert_int_equal(gr_social_load(&rows, gz, ds.user_ids, nu, &o, &rep, msg), GR_OK);
    assert_int_equal(gr_social_build(&S, &rows, &b, msg), GR_OK);
    assert_int_equal(rep.header, 1);
    assert_int_equal(S.nnz, 4);
    assert_true(gr_csr_has(&S, carol, alice) && gr_csr_has(&S, alice, carol));
    assert_true(gr_csr_has(&S, alice, bob) && gr_csr_has(&S, bob, alice));
    assert_int_equal(gr_csr_degree(&S, dave), 0);
    assert_int_equal(gr_idmap_size(ds.user_ids), 4); /* nothing added */
    gr_csr_free(&S);
    free(gz);

    /* an unknown name is an error naming file and line, or a skipped row */
    assert_int_equal(load_social("f.txt", "alice\tbob\nalice\tzoe\n", ds.user_ids, nu, 0, &S, &rep, &b, msg),
                     GR_ERR_INPUT);
    assert_non_null(strstr(msg, "f.txt:2: unknown user 'zoe' in column 2"));
    /* items are not users, even when the map knows the name elsewhere */
    assert_int_equal(load_social("f.txt", "alice\tbob\ni1\tbob\n", ds.user_ids, nu, 0, &S, &rep, &b, msg),
                     GR_ERR_INPUT);
    assert_non_null(strstr(msg, "f.txt:2: unknown user 'i1' in column 1"));
    if (load_social("f.txt", "alice\tbob\nalice\tzoe\nyann\tbob\ndave\tcarol\n", ds.user_ids, nu, 1, &S, &rep, &b,
                    msg) != GR_OK)
        fail_msg("%s", msg);
    assert_int_equal(rep.bad, 2);
    assert_int_equal(rep.bad_by_class[GR_BAD_UNKNOWN_ID], 2);
    assert_int_equal(rep.kept, 2);
    assert_non_null(strstr(rep.first_bad, "f.txt:2: unknown user 'zoe'"));
    assert_int_equal(S.nnz, 4);
    gr_csr_free(&S);
    gr_dataset_free(&ds);
}

/* Every class of bad row names file and line; --skip-bad-rows counts them;
 * a file without a good row is an error either way. */
static void test_load_bad_rows(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_csr S;
    gr_load_report rep;
    gr_build_report b;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"1 2\n1 9\n", "s.txt:2: unknown user '9' in column 2 (the interactions' user ids end at 4)"},
        {"1 2\n5 1\n", "s.txt:2: unknown user '5' in column 1"},
        {"1 2\n2 x\n", "s.txt:2: non-numeric id 'x' in column 2"},
        {"1 2\n-3 1\n", "s.txt:2: negative id '-3'"},
        {"1 2\n99999999999 1\n", "s.txt:2: id '99999999999' in column 1 does not fit"},
        {"1 2\n3\n", "s.txt:2: missing column 2"},
        {"1,2\n,3\n", "s.txt:2: missing column 1"},
        {"", "s.txt:1: empty file"},
        {"# nothing\n\n", "no social edges"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        msg[0] = '\0';
        assert_int_equal(load_social("s.txt", cases[k].text, NULL, 5, 0, &S, &rep, &b, msg), GR_ERR_INPUT);
        if (strstr(msg, cases[k].want) == NULL) fail_msg("case %zu: got '%s', want '%s'", k, msg, cases[k].want);
    }
    /* a NUL byte, written as bytes */
    char *path = gr_test_path(gr_test_scratch(), "nul.txt");
    gr_test_write_file(path, "1 2\n3\0 4\n", 9);
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_rows rows;
    assert_int_equal(gr_social_load(&rows, path, NULL, 5, &o, &rep, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "nul.txt:2: NUL byte"));
    free(path);

    if (load_social("s.txt", "1 2\n1 9\n2 x\n3\n3 4\n", NULL, 5, 1, &S, &rep, &b, msg) != GR_OK) fail_msg("%s", msg);
    assert_int_equal(rep.bad, 3);
    assert_int_equal(rep.bad_by_class[GR_BAD_UNKNOWN_ID], 1);
    assert_int_equal(rep.bad_by_class[GR_BAD_NON_NUMERIC], 1);
    assert_int_equal(rep.bad_by_class[GR_BAD_MISSING_COLUMN], 1);
    assert_int_equal(S.nnz, 4);
    gr_csr_free(&S);
    assert_int_equal(load_social("s.txt", "1 9\n7 1\n", NULL, 5, 1, &S, &rep, &b, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "every data row was bad (2 skipped; first: "));
}

/* ---- fold-in over training's Â ------------------------------------------ */

/* A trained user without friends, folded in from its own training items,
 * gets its trained final embedding less the a_0 ego term: the fold-in replays
 * training's propagation, social edges included (they reach the user's items
 * through its neighbours' layers).  Without the social block it would not. */
static void check_fold_in(gr_social_norm norm)
{
    char msg[GR_MSG_LEN];
    enum { NU = 4, NI = 4, D = 3 };
    /* u0-{i0,i1}, u1-{i1,i2}, u2-{i2,i3}, u3-{i0,i3}; friends u0-u1, u1-u2 */
    const uint32_t u[] = {0, 0, 1, 1, 2, 2, 3, 3}, i[] = {0, 1, 1, 2, 2, 3, 0, 3};
    gr_graph g;
    assert_int_equal(gr_graph_from_pairs(&g, NU, NI, u, i, 8, msg), GR_OK);
    uint64_t sp[] = {0, 1, 3, 4, 4};
    uint32_t si[] = {1, 0, 2, 1};
    gr_csr S = {NU, NU, 4, sp, si};
    gr_model m;
    memset(&m, 0, sizeof m);
    gr_config_default(&m.cfg);
    assert_int_equal(gr_config_set(&m.cfg, "layers", "3", msg), GR_OK);
    assert_int_equal(gr_config_set(&m.cfg, "social", "friends.txt", msg), GR_OK);
    m.cfg.social_norm = norm;
    m.n_users = NU;
    m.n_items = NI;
    m.dim = D;
    float ego[(NU + NI) * D], alpha[4];
    gr_rng rng;
    gr_rng_seed(&rng, 7, 0);
    for (int k = 0; k < (NU + NI) * D; k++) ego[k] = (float)(2 * gr_rng_uniform(&rng) - 1);
    for (uint32_t k = 0; k <= 3; k++) alpha[k] = gr_config_layer_weight(&m.cfg, k);
    gr_norm_adj *adj = NULL;
    assert_int_equal(gr_social_adj_build(&adj, &m.cfg, &g, &S, msg), GR_OK);
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, NU + NI, D, 3, alpha, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_lightgcn_forward(&w, adj, ego, msg), GR_OK);
    m.ego = ego;
    m.final = w.out;
    float out[NU * D];
    assert_int_equal(gr_fold_in_social(&m, &g, &S, &g.R, NULL, out, msg), GR_OK);
    for (int c = 0; c < D; c++) assert_float_equal(out[3 * D + c], w.out[3 * D + c] - alpha[0] * ego[3 * D + c], 1e-5);
    /* u0 has a friend, whose layers the fold-in cannot give it */
    double diff = 0;
    for (int c = 0; c < D; c++) diff += fabs(out[c] - (w.out[c] - alpha[0] * ego[c]));
    assert_true(diff > 1e-4);

    /* The social model folded in without its social block: refused. */
    assert_int_equal(gr_fold_in(&m, &g, &g.R, NULL, out, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "friends.txt"));
    /* ... and the fold-in over Â without S would be another embedding
     * (with K = 3: under separate, S changes the items' layers from the
     * second on) */
    m.cfg.social_weight = 0;
    assert_int_equal(gr_fold_in(&m, &g, &g.R, NULL, out, msg), GR_OK);
    diff = 0;
    for (int c = 0; c < D; c++) diff += fabs(out[3 * D + c] - (w.out[3 * D + c] - alpha[0] * ego[3 * D + c]));
    assert_true(diff > 1e-4);
    gr_lightgcn_free(&w);
    gr_norm_adj_free(adj);
    gr_graph_free(&g);
}

static void test_fold_in_joint(void **state)
{
    (void)state;
    check_fold_in(GR_SOCIAL_NORM_JOINT);
}

static void test_fold_in_separate(void **state)
{
    (void)state;
    check_fold_in(GR_SOCIAL_NORM_SEPARATE);
}

/* ---- end to end --------------------------------------------------------- */

static const char *dir; /* gr_test_split_dir() */

static int split_setup(void **state)
{
    int rc = gr_test_split_setup(state);
    dir = gr_test_split_dir();
    return rc;
}

/* split/social.txt: friendships among the split's training users (string
 * ids), one direction each plus a few listed both ways, CRLF. */
static void write_social_file(void)
{
    char *train = gr_test_path(dir, "split/train.txt");
    char *text = gr_test_read_file(train, NULL);
    char **users = NULL;
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        users = realloc(users, (n + 1) * sizeof *users);
        assert_non_null(users);
        users[n++] = line;
        char *sp = strpbrk(line, " \t");
        if (sp) *sp = '\0';
    }
    assert_true(n > 100);
    size_t cap = n * 64 * 3, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (size_t k = 0; k < n; k++) {
        size_t a = k, b = (k * 37 + 11) % n, c = (k + 1) % n;
        len += (size_t)snprintf(out + len, cap - len, "%s\t%s\r\n%s\t%s\r\n", users[a], users[b], users[a], users[c]);
        if (k % 10 == 0) len += (size_t)snprintf(out + len, cap - len, "%s\t%s\r\n", users[c], users[a]);
    }
    char *path = gr_test_path(dir, "split/social.txt");
    gr_test_write_file(path, out, len);
    free(path);
    free(out);
    free(users);
    free(text);
    free(train);
}

static const char common[] = "train=%s/split/train.txt test=%s/split/test.txt dim=16 layers=2 epochs=6 batch=512 "
                             "lr=0.01 eval_every=2 patience=0 threads=2 seed=11";

static void train(const char *extra, const char *name)
{
    char args[1024];
    snprintf(args, sizeof args, common, dir, dir);
    gr_test_run r = gr_test_cli("train %s %s --quiet -o %s/%s.gnr --json %s/%s.json", args, extra, dir, name, dir, name);
    if (r.exit_code != 0) fail_msg("train %s: exit %d\n%s", extra, r.exit_code, r.err);
    gr_test_run_free(&r);
}

/* The users' and items' scoring embeddings of a model, concatenated. */
static char *exported(const char *name, size_t *len)
{
    char *both = NULL;
    *len = 0;
    for (int k = 0; k < 2; k++) {
        const char *what = k ? "items" : "users";
        gr_test_run r = gr_test_cli("export %s/%s.gnr --what %s -o %s/%s-%s.npy", dir, name, what, dir, name, what);
        if (r.exit_code != 0) fail_msg("export: %s", r.err);
        gr_test_run_free(&r);
        char file[256];
        snprintf(file, sizeof file, "%s/%s-%s.npy", dir, name, what);
        size_t n;
        char *part = gr_test_read_file(file, &n);
        both = realloc(both, *len + n);
        assert_non_null(both);
        memcpy(both + *len, part, n);
        *len += n;
        free(part);
    }
    return both;
}

static int same_model(const char *a, const char *b)
{
    size_t la, lb;
    char *x = exported(a, &la), *y = exported(b, &lb);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void test_cli_train_social(void **state)
{
    (void)state;
    write_social_file();
    char extra[512];
    snprintf(extra, sizeof extra, "--social %s/split/social.txt", dir);
    train(extra, "social");
    train("", "plain");
    snprintf(extra, sizeof extra, "--social %s/split/social.txt social_weight=0", dir);
    train(extra, "weight0");
    snprintf(extra, sizeof extra, "social=%s/split/social.txt social_norm=separate social_weight=0.5", dir);
    train(extra, "separate");
    print_message("recall@20: plain %.4f, social joint %.4f, social separate %.4f\n",
                  gr_test_json_number(dir, "plain.json", "recall@20"), gr_test_json_number(dir, "social.json", "recall@20"),
                  gr_test_json_number(dir, "separate.json", "recall@20"));
    /* weight 0 is the model without friends, bit for bit; weight > 0 is not */
    assert_true(same_model("plain", "weight0"));
    assert_false(same_model("plain", "social"));
    assert_false(same_model("social", "separate"));
    assert_false(same_model("plain", "separate"));

    /* the model file keeps the social file in its config: eval finds it and
     * reproduces train's final test metrics */
    gr_test_run r = gr_test_cli("eval %s/social.gnr --json %s/social-eval.json", dir, dir);
    if (r.exit_code != 0) fail_msg("eval: %s", r.err);
    assert_non_null(strstr(r.err, "social.txt"));
    gr_test_run_free(&r);
    const char *keys[] = {"recall@20", "ndcg@20", "precision@10"};
    for (int k = 0; k < 3; k++)
        assert_true(fabs(gr_test_json_number(dir, "social.json", keys[k]) -
                         gr_test_json_number(dir, "social-eval.json", keys[k])) < 1e-9);
}

/* An id the interactions do not have stops train with file:line and exit 1
 * and writes no model; --skip-bad-rows skips, counts and reports it. */
static void test_cli_unknown_user(void **state)
{
    (void)state;
    char *path = gr_test_path(dir, "bad_social.txt");
    char *train_path = gr_test_path(dir, "split/train.txt");
    char *text = gr_test_read_file(train_path, NULL);
    char first[64];
    assert_int_equal(sscanf(text, "%63s", first), 1);
    char rows[256];
    snprintf(rows, sizeof rows, "# friends\n%s\tnobody\n", first);
    gr_test_write_text(path, rows);
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt dim=8 epochs=1 --social %s -o %s/never.gnr", dir, path,
                                dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "bad_social.txt:2: unknown user 'nobody' in column 2"));
    char *never = gr_test_path(dir, "never.gnr");
    assert_false(gr_test_file_exists(never));
    gr_test_run_free(&r);
    /* every row bad is still an error */
    snprintf(rows, sizeof rows, "%s\tnobody\nnobody\t%s\n", first, first);
    gr_test_write_text(path, rows);
    r = gr_test_cli("train train=%s/split/train.txt dim=8 epochs=1 --social %s --skip-bad-rows -o %s/never.gnr", dir,
                    path, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "every data row was bad"));
    gr_test_run_free(&r);
    /* one good row and a bad one: the bad one is skipped and reported */
    char *nl = strchr(text, '\n');
    char second[64];
    assert_int_equal(sscanf(nl + 1, "%63s", second), 1);
    snprintf(rows, sizeof rows, "%s\tnobody\n%s\t%s\n", first, first, second);
    gr_test_write_text(path, rows);
    r = gr_test_cli("train train=%s/split/train.txt dim=8 epochs=1 --social %s --skip-bad-rows -o %s/skip.gnr", dir,
                    path, dir);
    if (r.exit_code != 0) fail_msg("train --skip-bad-rows: %s", r.err);
    assert_non_null(strstr(r.err, "1 bad row skipped: unknown id 1;"));
    assert_non_null(strstr(r.err, "first: "));
    assert_non_null(strstr(r.err, "bad_social.txt:1: unknown user 'nobody'"));
    assert_non_null(strstr(r.err, "1 edges (symmetric)"));
    gr_test_run_free(&r);
    free(never);
    free(text);
    free(train_path);
    free(path);
}

/* Integer ids keep their numbers: 1-based ids, user 0 absent, CRLF (as
 * LastFM's files); an id past the interactions' users is unknown. */
static void test_cli_integer_ids(void **state)
{
    (void)state;
    char *tr = gr_test_path(dir, "int_train.txt"), *te = gr_test_path(dir, "int_test.txt");
    char *so = gr_test_path(dir, "int_social.txt");
    char buf[8192];
    size_t len = 0;
    for (int u = 1; u <= 30; u++)
        for (int k = 0; k < 4; k++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%d\t%d\t1\r\n", u, 1 + (u * 3 + k * 5) % 20);
    gr_test_write_text(tr, buf);
    len = 0;
    for (int u = 1; u <= 30; u++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%d\t%d\t1\r\n", u, 1 + (u * 7) % 20);
    gr_test_write_text(te, buf);
    len = 0;
    for (int u = 1; u < 30; u++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%d\t%d\r\n", u, u + 1);
    gr_test_write_text(so, buf);
    gr_test_run r = gr_test_cli("train train=%s test=%s dim=8 layers=2 epochs=2 --social %s -o %s/int.gnr", tr, te, so,
                                dir);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    assert_non_null(strstr(r.err, "29 edges (symmetric) among 30 users"));
    assert_non_null(strstr(r.err, "propagating over 29 social edges"));
    gr_test_run_free(&r);
    strcat(buf, "30\t31\r\n");
    gr_test_write_text(so, buf);
    r = gr_test_cli("train train=%s test=%s dim=8 layers=2 epochs=2 --social %s", tr, te, so);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "int_social.txt:30: unknown user '31' in column 2 (the interactions' user ids end "
                                  "at 30)"));
    gr_test_run_free(&r);
    free(tr);
    free(te);
    free(so);
}

/* compare loads data once per distinct data settings: a run with social
 * edges after one without must get them, and the one without is the model
 * `train` makes without them. */
static void test_cli_compare(void **state)
{
    (void)state;
    char *plan = gr_test_path(dir, "plan.ini");
    char text[2048];
    snprintf(text, sizeof text,
             "[compare]\nseeds = 1\ntrain = %s/split/train.txt\ntest = %s/split/test.txt\ndim = 16\nlayers = 2\n"
             "epochs = 6\nbatch = 512\nlr = 0.01\neval_every = 2\npatience = 0\nthreads = 2\nseed = 11\n"
             "[run plain]\nmodel = lightgcn\n[run social]\nmodel = lightgcn\nsocial = %s/split/social.txt\n",
             dir, dir, dir);
    gr_test_write_text(plan, text);
    gr_test_run r = gr_test_cli("compare --config %s -o %s/cmp --quiet", plan, dir);
    if (r.exit_code != 0) fail_msg("compare: exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    gr_test_run_free(&r);
    char *json = gr_test_path(dir, "cmp/results.json");
    char *res = gr_test_read_file(json, NULL);
    /* both runs' recall@20, in plan order, against train's */
    const char *p = strstr(res, "\"plain\"");
    const char *q = strstr(res, "\"social\"");
    assert_non_null(p);
    assert_non_null(q);
    double got[2];
    const char *at[2] = {p, q};
    for (int k = 0; k < 2; k++) {
        const char *m = strstr(at[k], "\"recall@20\": ");
        assert_non_null(m);
        got[k] = strtod(m + strlen("\"recall@20\": "), NULL);
    }
    assert_true(fabs(got[0] - gr_test_json_number(dir, "plain.json", "recall@20")) < 1e-6);
    assert_true(fabs(got[1] - gr_test_json_number(dir, "social.json", "recall@20")) < 1e-6);
    free(res);
    free(json);
    free(plan);
}

/* The shipped LastFM plan parses, with the social run's edges and
 * normalization; --dry-run reads no data (tests need no download). */
static void test_lastfm_plan(void **state)
{
    (void)state;
    const char *plan = "configs/lastfm-social.ini";
    if (!gr_test_file_exists(plan)) {
        print_message("SKIPPED: %s not found (run from the repository root)\n", plan);
        skip();
    }
    gr_test_run r = gr_test_cli("compare --config %s --dry-run", plan);
    if (r.exit_code != 0) fail_msg("%s: exit %d\n%s", plan, r.exit_code, r.err);
    for (const char *const *run = (const char *const[]){"itempop", "mf-bpr", "lightgcn", "lightgcn-social", "ppr", NULL};
         *run; run++)
        if (strstr(r.out, *run) == NULL) fail_msg("no run %s in:\n%s", *run, r.out);
    assert_non_null(strstr(r.out, "social ../shared/data/lastfm/trustnetwork.txt.gz (weight 0.5, separate)"));
    gr_test_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_load_int_crlf),
        cmocka_unit_test(test_load_string_ids),
        cmocka_unit_test(test_load_bad_rows),
        cmocka_unit_test(test_fold_in_joint),
        cmocka_unit_test(test_fold_in_separate),
        cmocka_unit_test(test_lastfm_plan),
    };
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_cli_train_social),
        cmocka_unit_test(test_cli_unknown_user),
        cmocka_unit_test(test_cli_integer_ids),
        cmocka_unit_test(test_cli_compare),
    };
    int failed = cmocka_run_group_tests(unit, gr_test_scratch_setup, gr_test_scratch_teardown);
    return failed + cmocka_run_group_tests(cli, split_setup, gr_test_split_teardown);
}
