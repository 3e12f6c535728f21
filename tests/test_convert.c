/* `gnnrec convert` end to end: round trips with string ids, gzip, filters,
 * ratings, stdout, follower graphs, and failures that leave nothing behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support.h"

/* ---- pair sets --------------------------------------------------------- */

typedef gr_test_pairs pair_set;

static pair_set pairs_parse(const char *text, int adj)
{
    pair_set s = {0};
    gr_test_pairs_parse(&s, text, adj);
    return s;
}

static pair_set pairs_of_file(const char *path, int adj)
{
    pair_set s = {0};
    gr_test_pairs_read(&s, path, adj);
    return s;
}

/* want: pairs separated by ';', e.g. "1 10;2 11". */
static void check_pairs(const pair_set *got, const char *want)
{
    char *copy = strdup(want);
    assert_non_null(copy);
    for (char *p = copy; *p; p++)
        if (*p == ';') *p = '\n';
    pair_set w = pairs_parse(copy, 0);
    free(copy);
    if (got->n != w.n) fail_msg("%zu pairs, want %zu (%s)", got->n, w.n, want);
    for (size_t i = 0; i < w.n; i++) assert_string_equal(got->v[i], w.v[i]);
    gr_test_pairs_free(&w);
}

static void check_same_pairs(const pair_set *a, const pair_set *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) assert_string_equal(a->v[i], b->v[i]);
}

/* ---- round trips ------------------------------------------------------- */

static const char string_edges[] = "# who read what\n"
                                   "alice\tbook-a\n"
                                   "alice\tbook-b\n"
                                   "bob\tbook-a\n"
                                   "alice\tbook-a\n" /* duplicate */
                                   "carol\tfilm/x\n"
                                   "dave\t42\n"     /* a numeric-looking string id */
                                   "bob\tfilm/x\n"
                                   "carol\tbook-b\n";

static void test_roundtrip_string_ids(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "in.tsv"), *adj = gr_test_path(dir, "train.txt");
    char *back = gr_test_path(dir, "back.tsv");
    gr_test_write_text(in, string_edges);
    gr_test_run r = gr_test_cli("convert %s -o %s", in, adj);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_string_equal(r.out, ""); /* the report goes to stderr */
    assert_non_null(strstr(r.err, "duplicate"));
    gr_test_run_free(&r);
    const char *want = "alice book-a;alice book-b;bob book-a;carol film/x;dave 42;bob film/x;carol book-b";
    pair_set got = pairs_of_file(adj, 1);
    check_pairs(&got, want);
    /* one line per user; users and items in first-seen order */
    char *text = gr_test_read_file(adj, NULL);
    assert_string_equal(text, "alice book-a book-b\nbob book-a film/x\ncarol book-b film/x\ndave 42\n");
    free(text);

    r = gr_test_cli("convert %s -o %s --to edges --quiet", adj, back);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_string_equal(r.err, "");
    gr_test_run_free(&r);
    pair_set again = pairs_of_file(back, 0);
    check_same_pairs(&again, &got);
    text = gr_test_read_file(back, NULL);
    assert_null(strchr(text, ' ')); /* tab-separated, two columns */
    free(text);
    assert_int_equal(gr_test_count_entries(dir), 3); /* no temporaries */
    gr_test_pairs_free(&got);
    gr_test_pairs_free(&again);
    gr_test_rmdir(dir);
    free(in);
    free(adj);
    free(back);
    free(dir);
}

static void test_gzip(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "in.tsv.gz"), *plain = gr_test_path(dir, "plain.txt");
    char *gz = gr_test_path(dir, "out.txt.gz"), *again = gr_test_path(dir, "again.txt");
    gr_test_write_text(in, string_edges); /* gzip input too */
    gr_test_run r = gr_test_cli("convert %s -o %s --quiet", in, plain);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    r = gr_test_cli("convert %s -o %s --quiet", in, gz);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);

    FILE *f = fopen(gz, "rb");
    assert_non_null(f);
    unsigned char magic[2] = {0, 0};
    assert_int_equal(fread(magic, 1, 2, f), 2);
    fclose(f);
    assert_true(magic[0] == 0x1f && magic[1] == 0x8b);
    char *a = gr_test_read_file(plain, NULL), *b = gr_test_read_file(gz, NULL);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "alice book-a book-b\n"));

    r = gr_test_cli("convert %s -o %s --quiet", gz, again);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    char *c = gr_test_read_file(again, NULL);
    assert_string_equal(a, c);
    assert_int_equal(gr_test_count_entries(dir), 4);
    free(a);
    free(b);
    free(c);
    gr_test_rmdir(dir);
    free(in);
    free(plain);
    free(gz);
    free(again);
    free(dir);
}

/* ---- filters ----------------------------------------------------------- */

/* u1:{10,11,12} u2:{10,11} u3:{12,13} u4:{10} */
static const char small_edges[] = "1\t10\n1\t11\n1\t12\n2\t10\n2\t11\n3\t12\n3\t13\n4\t10\n";

static void check_filter(const char *dir, const char *in, const char *opts, const char *want)
{
    char *out = gr_test_path(dir, "filtered.txt");
    gr_test_run r = gr_test_cli("convert %s -o %s %s", in, out, opts);
    if (r.exit_code != 0) fail_msg("%s: exit %d: %s", opts, r.exit_code, r.err);
    gr_test_run_free(&r);
    char *text = gr_test_read_file(out, NULL);
    assert_non_null(text);
    if (strcmp(text, want) != 0) fail_msg("%s:\ngot\n%swant\n%s", opts, text, want);
    free(text);
    free(out);
}

static void test_filters(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "in.tsv");
    gr_test_write_text(in, small_edges);
    check_filter(dir, in, "", "1 10 11 12\n2 10 11\n3 12 13\n4 10\n");
    check_filter(dir, in, "--min-user-degree 2", "1 10 11 12\n2 10 11\n3 12 13\n");
    check_filter(dir, in, "--min-item-degree=2", "1 10 11 12\n2 10 11\n3 12\n4 10\n");
    check_filter(dir, in, "--min-user-degree 3 --min-item-degree 2", "1 10 11 12\n");
    /* u4 and i13 go, then u3 (one item left), then i12 (one user left) */
    check_filter(dir, in, "--kcore 2", "1 10 11\n2 10 11\n");
    check_filter(dir, in, "--kcore-users 3 --kcore-items 1", "1 10 11 12\n");
    check_filter(dir, in, "--kcore-users 1 --kcore-items 3", "1 10\n2 10\n4 10\n");
    check_filter(dir, in, "--kcore 3", "");
    /* edge-list output of a filtered graph */
    check_filter(dir, in, "--kcore 2 --to edges --out-sep comma", "1,10\n1,11\n2,10\n2,11\n");

    gr_test_run r = gr_test_cli("convert %s -o %s/x.txt --kcore 2", in, dir);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "k-core"));
    gr_test_run_free(&r);
    r = gr_test_cli("convert %s -o %s/x.txt --kcore -1", in, dir);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(in);
    free(dir);
}

/* MovieLens u.data: user item rating timestamp. */
static const char ratings[] = "1\t10\t5\t881250949\n"
                              "1\t11\t3\t881250950\n"
                              "2\t10\t4\t881250951\n"
                              "3\t11\t2\t881250952\n"
                              "3\t12\t4\t881250953\n"
                              "1\t12\t1\t881250954\n";

static void test_min_rating(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "u.data");
    gr_test_write_text(in, ratings);
    check_filter(dir, in, "--min-rating 4 --to edges",
                 "1\t10\t5\t881250949\n2\t10\t4\t881250951\n3\t12\t4\t881250953\n");
    check_filter(dir, in, "--min-rating 4", "1 10\n2 10\n3 12\n");
    check_filter(dir, in, "--min-rating 3 --to edges --out-sep space",
                 "1 10 5 881250949\n1 11 3 881250950\n2 10 4 881250951\n3 12 4 881250953\n");
    gr_test_run r = gr_test_cli("convert %s -o %s/x.txt --min-rating 4", in, dir);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "3 rows below --min-rating"));
    gr_test_run_free(&r);
    /* weights are written so that they read back as the same float */
    gr_test_write_text(in, "u1\ti1\t1234567\nu1\ti2\t0.1\nu2\ti1\t16777216\nu3\ti3\t2.5\nu3\ti4\t-3e-07\n");
    r = gr_test_cli("convert %s -o - --to edges --quiet", in);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "u1\ti1\t1234567\nu1\ti2\t0.1\nu2\ti1\t16777216\nu3\ti3\t2.5\nu3\ti4\t-3e-07\n");
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(in);
    free(dir);
}

static void test_stdout(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "in.tsv");
    gr_test_write_text(in, small_edges);
    gr_test_run r = gr_test_cli("convert %s -o - --kcore 2", in);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "1 10 11\n2 10 11\n");
    assert_non_null(strstr(r.err, "wrote")); /* reports stay off stdout */
    gr_test_run_free(&r);
    r = gr_test_cli("convert %s --output=- --to edges --quiet", in);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, small_edges);
    assert_string_equal(r.err, "");
    gr_test_run_free(&r);
    assert_false(gr_test_file_exists("-")); /* not a file named "-" */
    gr_test_rmdir(dir);
    free(in);
    free(dir);
}

/* ---- follower graphs --------------------------------------------------- */

static void test_graph_kinds(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "follows.tsv"), *out = gr_test_path(dir, "out.tsv");
    gr_test_write_text(in, "alice\tbob\nbob\talice\ncarol\tcarol\nalice\tcarol\ndave\tdave\n");
    gr_test_run r = gr_test_cli("convert %s -o %s --graph directed --to edges", in, out);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.err, "2 self-loops"));
    gr_test_run_free(&r);
    pair_set got = pairs_of_file(out, 0);
    check_pairs(&got, "alice bob;bob alice;alice carol");
    gr_test_pairs_free(&got);

    r = gr_test_cli("convert %s -o %s --graph undirected --to edges", in, out);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, " 1 duplicate")); /* "bob alice" repeats "alice bob" */
    gr_test_run_free(&r);
    got = pairs_of_file(out, 0);
    check_pairs(&got, "alice bob;bob alice;alice carol;carol alice");
    gr_test_pairs_free(&got);

    /* integer ids: one id space for followers and followees */
    gr_test_write_text(in, "1\t2\n2\t3\n3\t3\n5\t1\n");
    r = gr_test_cli("convert %s -o %s --graph undirected --quiet", in, out);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    char *text = gr_test_read_file(out, NULL);
    assert_string_equal(text, "1 2 5\n2 1 3\n3 2\n5 1\n");
    free(text);
    r = gr_test_cli("convert %s -o %s --graph sideways", in, out);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(in);
    free(out);
    free(dir);
}

/* ---- failures ---------------------------------------------------------- */

/* Runs a convert that must fail with `code` and `expect` on stderr, once to a
 * fresh name and once over an existing file: the fresh name is not created,
 * the existing file is untouched, and out/ holds nothing else (no temporary). */
static void check_fails_clean(const char *dir, const char *args, int code, const char *expect)
{
    char *outdir = gr_test_path(dir, "out"), *fresh = gr_test_path(outdir, "fresh.txt.gz");
    char *existing = gr_test_path(outdir, "existing.txt");
    mkdir(outdir, 0755);
    gr_test_write_text(existing, "previous\n");
    const char *outs[] = {fresh, existing};
    for (int k = 0; k < 2; k++) {
        gr_test_run r = gr_test_cli("convert %s -o %s", args, outs[k]);
        if (r.exit_code != code) fail_msg("%s: exit %d, want %d: %s", args, r.exit_code, code, r.err);
        if (strstr(r.err, expect) == NULL) fail_msg("%s: stderr lacks '%s': %s", args, expect, r.err);
        assert_string_equal(r.out, "");
        gr_test_run_free(&r);
    }
    assert_false(gr_test_file_exists(fresh));
    char *text = gr_test_read_file(existing, NULL);
    assert_string_equal(text, "previous\n");
    free(text);
    assert_int_equal(gr_test_count_entries(outdir), 1);
    free(outdir);
    free(fresh);
    free(existing);
}

static void test_failures(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *good = gr_test_path(dir, "good.tsv"), *bad = gr_test_path(dir, "bad.tsv");
    char *missing = gr_test_path(dir, "missing.tsv"), *args = NULL;
    gr_test_write_text(good, small_edges);
    gr_test_write_text(bad, "1\t2\t1.0\n3\t4\t2.0\n5\t6\tabc\n6\t7\t1\n");

    check_fails_clean(dir, missing, 1, "missing.tsv");
    check_fails_clean(dir, bad, 1, "bad.tsv:3:");
    assert_true(asprintf(&args, "%s --bogus", good) > 0);
    check_fails_clean(dir, args, 2, "--bogus");
    free(args);
    assert_true(asprintf(&args, "%s --to json", good) > 0);
    check_fails_clean(dir, args, 2, "json");
    free(args);
    /* a bad second file: nothing is written even though the first was fine */
    assert_true(asprintf(&args, "%s %s", good, bad) > 0);
    check_fails_clean(dir, args, 1, "bad.tsv:3:");
    free(args);
    /* with --skip-bad-rows the same file converts */
    char *out = gr_test_path(dir, "skipped.txt");
    gr_test_run r = gr_test_cli("convert %s -o %s --skip-bad-rows", bad, out);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, " skipped:"));
    gr_test_run_free(&r);
    char *text = gr_test_read_file(out, NULL);
    assert_string_equal(text, "1 2\n3 4\n6 7\n");
    free(text);

    r = gr_test_cli("convert %s", good); /* no -o */
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("convert -o %s", out); /* no input */
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("convert %s -o %s/no/such/dir/x.txt", good, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "no/such/dir/x.txt"));
    gr_test_run_free(&r);
    r = gr_test_cli("convert --help");
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "--kcore"));
    assert_non_null(strstr(r.out, "--min-rating")); /* the shared input options */
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(good);
    free(bad);
    free(missing);
    free(out);
    free(dir);
}

/* ---- MovieLens 100k ---------------------------------------------------- */

static void test_ml100k(void **state)
{
    (void)state;
    const char *shared = gr_test_shared_data();
    char *path = NULL;
    if (shared) assert_true(asprintf(&path, "%s/ml-100k/u.data.gz", shared) > 0);
    if (path == NULL || !gr_test_file_exists(path)) {
        fprintf(stderr, "test_ml100k: skipped: ../shared/data/ml-100k/u.data.gz not found\n");
        free(path);
        skip();
    }
    char *dir = gr_test_mkdtemp(), *out = gr_test_path(dir, "ml4.tsv.gz");
    gr_test_run r = gr_test_cli("convert %s -o %s --min-rating 4 --to edges --quiet", path, out);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    gr_test_run_free(&r);
    char *text = gr_test_read_file(out, NULL);
    assert_non_null(text);
    size_t rows = 0, fours = 0, fives = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        unsigned user, item;
        double rating;
        long long ts;
        if (sscanf(line, "%u\t%u\t%lf\t%lld", &user, &item, &rating, &ts) != 4) fail_msg("bad row: %s", line);
        rows++;
        fours += rating == 4;
        fives += rating == 5;
        line = end + 1;
    }
    assert_int_equal(rows, 55375);
    assert_int_equal(fours, 34174);
    assert_int_equal(fives, 21201);
    free(text);
    gr_test_rmdir(dir);
    free(out);
    free(dir);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_string_ids),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_min_rating),
        cmocka_unit_test(test_stdout),
        cmocka_unit_test(test_graph_kinds),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_ml100k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
