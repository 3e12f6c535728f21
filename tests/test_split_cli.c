/* `gnnrec split` end to end: the files, a partition of the input, original
 * ids, gzip, reproducibility, and failures that leave nothing behind. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support.h"

/* ---- gnnrec split, end to end ----------------------------------------- */

typedef gr_test_pairs pair_set;

static void pairs_read(pair_set *s, const char *dir, const char *name)
{
    char *path = gr_test_path(dir, name);
    gr_test_pairs_read(s, path, 1);
    free(path);
}

/* 30 users with 1..9 items each; time falls as k grows, so the latest item
 * is the first one listed, not the last. */
static char *make_input(const char *dir, const char *name, int with_time)
{
    char *path = gr_test_path(dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int u = 0; u < 30; u++) {
        int d = 1 + u % 9;
        for (int k = 0; k < d; k++) {
            if (with_time) fprintf(f, "%d\t%d\t1\t%d\n", u, (u * 7 + k * 11) % 97, 1000 + (d - 1 - k) * 10);
            else fprintf(f, "%d\t%d\n", u, (u * 7 + k * 11) % 97);
        }
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

/* The parts in dir partition the pairs of the input file. */
static void check_partition(const char *input, const char *dir, const char *suffix, int n_parts)
{
    static const char *const names[] = {"train", "test", "valid"};
    char *text = gr_test_read_file(input, NULL);
    assert_non_null(text);
    pair_set in = {0}, all = {0};
    gr_test_pairs_parse(&in, text, 0);
    free(text);
    for (int p = 0; p < n_parts; p++) {
        char name[64];
        snprintf(name, sizeof name, "%s.txt%s", names[p], suffix);
        pair_set part = {0};
        pairs_read(&part, dir, name);
        assert_true(part.n > 0);
        for (size_t i = 0; i < part.n; i++) gr_test_pairs_push(&all, part.v[i]); /* moves the strings */
        free(part.v);
    }
    gr_test_pairs_sort(&all);
    assert_int_equal(all.n, in.n); /* union == input, and no pair twice (disjoint) */
    for (size_t i = 0; i < in.n; i++) assert_string_equal(all.v[i], in.v[i]);
    gr_test_pairs_free(&in);
    gr_test_pairs_free(&all);
}

static void test_cli_basic(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = make_input(dir, "in.tsv", 0), *out = gr_test_path(dir, "out");
    gr_test_run r = gr_test_cli("split %s -o %s --seed 7", in, out);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "train"));
    check_partition(in, out, "", 2);
    assert_int_equal(gr_test_count_entries(out), 2); /* no valid.txt, no temporaries */
    gr_test_run_free(&r);

    r = gr_test_cli("split %s -o %s --quiet", in, out);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(in);
    free(out);
    free(dir);
}

static void test_cli_valid_gzip(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = make_input(dir, "in.tsv", 0), *out = gr_test_path(dir, "out");
    gr_test_run r = gr_test_cli("split %s -o %s --valid 0.2 --test 0.2 --gzip", in, out);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    check_partition(in, out, ".gz", 3);
    assert_int_equal(gr_test_count_entries(out), 3);
    char *gz = gr_test_path(out, "valid.txt.gz");
    FILE *f = fopen(gz, "rb");
    assert_non_null(f);
    unsigned char magic[2] = {0, 0};
    assert_int_equal(fread(magic, 1, 2, f), 2);
    fclose(f);
    assert_true(magic[0] == 0x1f && magic[1] == 0x8b);
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(gz);
    free(in);
    free(out);
    free(dir);
}

static void test_cli_string_ids(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = gr_test_path(dir, "in.tsv"), *out = gr_test_path(dir, "out");
    gr_test_write_text(in, "alice\tbook-a\nalice\tbook-b\nalice\tbook-c\nalice\tbook-d\n"
                           "bob\tbook-a\nbob\tbook-e\nbob\tfilm/x\n"
                           "carol\tfilm/x\ncarol\tbook-b\n");
    gr_test_run r = gr_test_cli("split %s -o %s --test 0.34", in, out);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    check_partition(in, out, "", 2); /* pairs compare as strings: ids are the originals */
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(in);
    free(out);
    free(dir);
}

static void test_cli_reproducible(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = make_input(dir, "in.tsv", 0);
    char *text[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "out%d", i);
        char *out = gr_test_path(dir, name);
        gr_test_run r = gr_test_cli("split %s -o %s --seed %d", in, out, i < 2 ? 11 : 12);
        assert_int_equal(r.exit_code, 0);
        gr_test_run_free(&r);
        char *path = gr_test_path(out, "test.txt");
        text[i] = gr_test_read_file(path, NULL);
        assert_non_null(text[i]);
        free(path);
        free(out);
    }
    assert_string_equal(text[0], text[1]);
    assert_true(strcmp(text[0], text[2]) != 0);
    for (int i = 0; i < 3; i++) free(text[i]);
    gr_test_rmdir(dir);
    free(in);
    free(dir);
}

/* loo and temporal on a file with timestamps: held-out items are each user's
 * latest, i.e. the first items listed in make_input. */
static void test_cli_time_methods(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *in = make_input(dir, "in.tsv", 1), *out = gr_test_path(dir, "out");
    const char *methods[] = {"loo", "temporal"};
    for (int m = 0; m < 2; m++) {
        gr_test_run r = gr_test_cli("split %s -o %s --method %s --test 0.5", in, out, methods[m]);
        if (r.exit_code != 0) fail_msg("%s: exit %d: %s", methods[m], r.exit_code, r.err);
        gr_test_run_free(&r);
        check_partition(in, out, "", 2);
        pair_set test = {0}, want = {0};
        pairs_read(&test, out, "test.txt");
        for (int u = 0; u < 30; u++) {
            int d = 1 + u % 9, held = d < 2 ? 0 : m == 0 ? 1 : (int)floor(0.5 * d + 0.5);
            if (held >= d) held = d - 1;
            for (int k = 0; k < held; k++) {
                char user[16], item[16];
                snprintf(user, sizeof user, "%d", u);
                snprintf(item, sizeof item, "%d", (u * 7 + k * 11) % 97);
                gr_test_pairs_add(&want, user, strlen(user), item, strlen(item));
            }
        }
        gr_test_pairs_sort(&want);
        assert_int_equal(test.n, want.n);
        for (size_t i = 0; i < want.n; i++) assert_string_equal(test.v[i], want.v[i]);
        gr_test_pairs_free(&test);
        gr_test_pairs_free(&want);
    }
    gr_test_rmdir(dir);
    free(in);
    free(out);
    free(dir);
}

/* A failing run leaves an existing DIR empty and does not create a new one. */
static void check_fails_clean(const char *args, const char *dir, const char *expect_in_err)
{
    char *fresh = gr_test_path(dir, "fresh"), *existing = gr_test_path(dir, "existing");
    mkdir(existing, 0755);
    const char *outs[] = {fresh, existing};
    for (int i = 0; i < 2; i++) {
        gr_test_run r = gr_test_cli("split %s -o %s", args, outs[i]);
        assert_true(r.exit_code != 0);
        if (strstr(r.err, expect_in_err) == NULL) fail_msg("stderr lacks '%s': %s", expect_in_err, r.err);
        gr_test_run_free(&r);
    }
    assert_false(gr_test_file_exists(fresh));
    assert_int_equal(gr_test_count_entries(existing), 0);
    free(fresh);
    free(existing);
}

static void test_cli_failures(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *plain = make_input(dir, "plain.tsv", 0);
    char *bad = gr_test_path(dir, "bad.tsv"), *missing = gr_test_path(dir, "missing.tsv"), *args = NULL;
    gr_test_write_text(bad, "1\t2\t1.0\n3\t4\t2.0\n5\t6\tabc\n6\t7\t1\n");
    assert_true(asprintf(&args, "%s --method temporal", plain) > 0);
    check_fails_clean(args, dir, "timestamp");
    free(args);
    assert_true(asprintf(&args, "%s --method temporal-global --gzip", plain) > 0);
    check_fails_clean(args, dir, "timestamp");
    free(args);
    check_fails_clean(bad, dir, "bad.tsv:3");
    check_fails_clean(missing, dir, "missing.tsv");
    assert_true(asprintf(&args, "%s --test 1.5", plain) > 0);
    check_fails_clean(args, dir, "test");
    free(args);

    gr_test_run r = gr_test_cli("split %s", plain); /* no -o */
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("split %s -o %s --method sideways", plain, dir);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("split --help");
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "--method"));
    assert_non_null(strstr(r.out, "--format")); /* the shared input options */
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(plain);
    free(bad);
    free(missing);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_basic),
        cmocka_unit_test(test_cli_valid_gzip),
        cmocka_unit_test(test_cli_string_ids),
        cmocka_unit_test(test_cli_reproducible),
        cmocka_unit_test(test_cli_time_methods),
        cmocka_unit_test(test_cli_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
