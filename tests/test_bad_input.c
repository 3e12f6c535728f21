/* The bad-input corpus, end to end: every file in tests/data/bad/ is run
 * through `gnnrec stats` and must fail with one line naming file and line (or,
 * for the accepted quirks, succeed with the right counts).  A bad *row* must
 * also be counted and skipped under --skip-bad-rows; a file-level error
 * (empty, no data, damaged gzip) must not be.  Then: a failing convert or
 * split leaves no output and no temporary file behind.
 *
 * Each input NAME has NAME.expect beside it:
 *   line 1   exit code
 *   line 2   a substring of stderr, e.g. "missing_column.tsv:3: missing column"
 *   then any of, one per line:
 *   args: OPTIONS        extra options for the run
 *   command: WORDS       run `gnnrec WORDS NAME OPTIONS` instead of `stats`
 *                        (config files, model files: the fuzz targets'
 *                        findings); no --skip-bad-rows rerun then
 *   stdout: TEXT         a substring of stdout
 *   skipped: TEXT        a bad row: rerun with --skip-bad-rows, expect exit 0
 *                        and TEXT on stderr (the load report)
 * The binary fixtures are made by tests/data/bad/make_binary_fixtures.sh. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tests/support.h"

#define MAX_LINES 16

typedef struct {
    char *name;  /* input file name, e.g. "nul_byte.tsv" */
    char *path;  /* tests/data/bad/NAME */
    int exit_code;
    char *message;
    char *args;
    char *command; /* "stats" unless the .expect says otherwise */
    char *stdout_has[MAX_LINES];
    char *skipped_has[MAX_LINES];
    int n_stdout, n_skipped;
} fixture;

static char *bad_dir(void) { return gr_test_path(gr_test_data_dir(), "bad"); }

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Fills f from DIR/NAME.expect; aborts the program on a malformed file, which
 * is a mistake in the corpus, not in gnnrec. */
static void fixture_read(fixture *f, const char *dir, const char *expect_name)
{
    memset(f, 0, sizeof *f);
    f->name = strndup(expect_name, strlen(expect_name) - strlen(".expect"));
    f->path = gr_test_path(dir, f->name);
    char *expect_path = gr_test_path(dir, expect_name);
    char *text = gr_test_read_file(expect_path, NULL);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", expect_path);
        abort();
    }
    int line_no = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (line_no == 1) {
            f->exit_code = atoi(line);
        } else if (line_no == 2) {
            f->message = strdup(line);
        } else if (strncmp(line, "args: ", 6) == 0) {
            f->args = strdup(line + 6);
        } else if (strncmp(line, "command: ", 9) == 0) {
            f->command = strdup(line + 9);
        } else if (strncmp(line, "stdout: ", 8) == 0 && f->n_stdout < MAX_LINES) {
            f->stdout_has[f->n_stdout++] = strdup(line + 8);
        } else if (strncmp(line, "skipped: ", 9) == 0 && f->n_skipped < MAX_LINES) {
            f->skipped_has[f->n_skipped++] = strdup(line + 9);
        } else {
            fprintf(stderr, "%s:%d: unknown line '%s'\n", expect_path, line_no, line);
            abort();
        }
    }
    if (line_no < 2) {
        fprintf(stderr, "%s: needs an exit code and a message\n", expect_path);
        abort();
    }
    if (f->args == NULL) f->args = strdup("");
    if (f->command == NULL) f->command = strdup("stats");
    free(text);
    free(expect_path);
}

static void fixture_free(fixture *f)
{
    free(f->name);
    free(f->path);
    free(f->message);
    free(f->args);
    free(f->command);
    for (int i = 0; i < f->n_stdout; i++) free(f->stdout_has[i]);
    for (int i = 0; i < f->n_skipped; i++) free(f->skipped_has[i]);
}

static void expect_in(const char *what, const char *text, const char *needle, const fixture *f)
{
    if (strstr(text, needle) == NULL) fail_msg("%s: %s lacks '%s':\n%s", f->name, what, needle, text);
}

/* A failure is one line on stderr: "gnnrec: FILE:LINE: what is wrong". */
static void expect_one_line_error(const gr_test_run *r, const fixture *f)
{
    if (strncmp(r->err, "gnnrec: ", 8) != 0 || strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
        fail_msg("%s: stderr is not one 'gnnrec: ...' line:\n%s", f->name, r->err);
}

static void test_fixture(void **state)
{
    const fixture *f = *state;
    gr_test_run r = gr_test_cli("%s %s %s", f->command, f->path, f->args);
    if (r.exit_code != f->exit_code)
        fail_msg("%s: exit %d, expected %d; stderr:\n%s", f->name, r.exit_code, f->exit_code, r.err);
    expect_in("stderr", r.err, f->message, f);
    if (f->exit_code != 0) expect_one_line_error(&r, f);
    for (int i = 0; i < f->n_stdout; i++) expect_in("stdout", r.out, f->stdout_has[i], f);
    gr_test_run_free(&r);
    if (strcmp(f->command, "stats") != 0) return;

    r = gr_test_cli("stats %s %s --skip-bad-rows", f->path, f->args);
    if (f->n_skipped > 0) {
        /* A bad row: counted, reported with its location, and skipped. */
        if (r.exit_code != 0) fail_msg("%s --skip-bad-rows: exit %d; stderr:\n%s", f->name, r.exit_code, r.err);
        expect_in("stderr", r.err, " skipped:", f);
        for (int i = 0; i < f->n_skipped; i++) expect_in("stderr", r.err, f->skipped_has[i], f);
        char *first = NULL;
        assert_true(asprintf(&first, "first: %s", f->message) > 0);
        char *at = strstr(r.err, "first: ");
        if (at == NULL || strstr(at, f->message) == NULL) fail_msg("%s: report lacks '%s':\n%s", f->name, first, r.err);
        free(first);
    } else {
        /* Not a row: skipping bad rows changes nothing. */
        if (r.exit_code != f->exit_code)
            fail_msg("%s --skip-bad-rows: exit %d, expected %d; stderr:\n%s", f->name, r.exit_code, f->exit_code,
                     r.err);
        expect_in("stderr", r.err, f->message, f);
        if (f->exit_code == 0) assert_null(strstr(r.err, " skipped:"));
    }
    gr_test_run_free(&r);
}

/* Every input in the corpus has its .expect, and the corpus holds every class
 * the product promises to handle. */
static void test_corpus_complete(void **state)
{
    (void)state;
    char *dir = bad_dir();
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || ends_with(e->d_name, ".expect") || ends_with(e->d_name, ".sh")) continue;
        char *expect = NULL;
        assert_true(asprintf(&expect, "%s/%s.expect", dir, e->d_name) > 0);
        if (!gr_test_file_exists(expect)) fail_msg("%s has no .expect", e->d_name);
        free(expect);
    }
    closedir(d);
    static const char *const required[] = {
        "missing_column.tsv", "non_numeric_id.tsv", "negative_id.tsv", "id_overflow_32bit.tsv",
        "nul_byte.tsv", "over_long_line.tsv", "over_long_line_16MiB.tsv.gz", "truncated_gzip.tsv.gz",
        "corrupt_gzip.tsv.gz", "empty_file.tsv", "only_comments.tsv", "only_header.csv",
        "non_numeric_rating.tsv", "non_numeric_timestamp.dat", "extra_column.tsv", "crlf_line_ends.tsv", NULL};
    for (int i = 0; required[i]; i++) {
        char *p = gr_test_path(dir, required[i]);
        if (!gr_test_file_exists(p)) fail_msg("corpus lacks %s", required[i]);
        free(p);
    }
    free(dir);
}

/* ---- no output and no temporary file after a failure ------------------------ */

/* Rows with scattered ids, so that even gzip output is several KB. */
static char *write_input(const char *dir)
{
    char *path = gr_test_path(dir, "in.tsv");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (unsigned i = 0; i < 3000; i++) fprintf(f, "%u\t%u\n", (i * 2654435761u) % 100003, (i * 40503u) % 65521);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Runs the CLI with regular files limited to `limit` bytes, so that writing
 * the output fails half-way (EFBIG; SIGXFSZ ignored, as children inherit). */
static gr_test_run run_with_file_limit(rlim_t limit, const char *fmt, const char *a, const char *b)
{
    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    low = old;
    low.rlim_cur = limit;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
    gr_test_run r = gr_test_cli(fmt, a, b);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    return r;
}

static void test_convert_failure_leaves_nothing(void **state)
{
    (void)state;
    char *in_dir = gr_test_mkdtemp(), *out_dir = gr_test_mkdtemp();
    char *in = write_input(in_dir), *bad = gr_test_path(in_dir, "bad.tsv");
    char *out = gr_test_path(out_dir, "out.txt"), *out_gz = gr_test_path(out_dir, "out.txt.gz");
    gr_test_write_text(bad, "1\t2\n3\t4\n5\tx\n");

    /* A bad row: nothing is written. */
    gr_test_run r = gr_test_cli("convert %s -o %s --ids int", bad, out);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "bad.tsv:3: non-numeric id 'x'"));
    assert_int_equal(gr_test_count_entries(out_dir), 0);
    gr_test_run_free(&r);

    /* The disk "fills up" while writing: the temporary is removed and an
     * earlier file of that name survives intact. */
    gr_test_write_text(out, "old\n");
    const char *targets[] = {out, out_gz};
    for (int i = 0; i < 2; i++) {
        r = run_with_file_limit(2048, "convert %s -o %s --quiet", in, targets[i]);
        if (r.exit_code != 1) fail_msg("convert -o %s: exit %d: %s", targets[i], r.exit_code, r.err);
        assert_non_null(strstr(r.err, "gnnrec: "));
        assert_non_null(strstr(r.err, "write"));
        gr_test_run_free(&r);
        assert_int_equal(gr_test_count_entries(out_dir), 1);
        char *text = gr_test_read_file(out, NULL);
        assert_string_equal(text, "old\n");
        free(text);
    }
    /* Without the limit the same command works (so the limit was the cause). */
    r = gr_test_cli("convert %s -o %s --quiet", in, out_gz);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    assert_int_equal(gr_test_count_entries(out_dir), 2);

    gr_test_rmdir(in_dir);
    gr_test_rmdir(out_dir);
    free(in);
    free(bad);
    free(out);
    free(out_gz);
    free(in_dir);
    free(out_dir);
}

static void test_split_failure_leaves_nothing(void **state)
{
    (void)state;
    char *in_dir = gr_test_mkdtemp(), *out_dir = gr_test_mkdtemp();
    char *in = write_input(in_dir), *bad = gr_test_path(in_dir, "bad.tsv");
    char *fresh = gr_test_path(out_dir, "fresh"), *existing = gr_test_path(out_dir, "existing");
    gr_test_write_text(bad, "1\t2\n3\t4\n5\t-6\n");
    assert_int_equal(mkdir(existing, 0755), 0);
    const char *targets[] = {fresh, existing};
    for (int i = 0; i < 2; i++) {
        gr_test_run r = gr_test_cli("split %s -o %s", bad, targets[i]);
        assert_int_equal(r.exit_code, 1);
        assert_non_null(strstr(r.err, "bad.tsv:3: negative id '-6'"));
        gr_test_run_free(&r);
        r = run_with_file_limit(2048, "split %s -o %s --quiet", in, targets[i]);
        if (r.exit_code != 1) fail_msg("split -o %s: exit %d: %s", targets[i], r.exit_code, r.err);
        assert_non_null(strstr(r.err, "write"));
        gr_test_run_free(&r);
    }
    assert_false(gr_test_file_exists(fresh)); /* a directory the run created is removed again */
    assert_int_equal(gr_test_count_entries(existing), 0);
    assert_int_equal(gr_test_count_entries(out_dir), 1);

    gr_test_rmdir(in_dir);
    gr_test_rmdir(out_dir);
    free(in);
    free(bad);
    free(fresh);
    free(existing);
    free(in_dir);
    free(out_dir);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    char *dir = bad_dir();
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "test_bad_input: cannot open %s (run from the repository root or set GNNREC_TEST_DATA)\n", dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (ends_with(e->d_name, ".expect")) {
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);

    fixture *fx = calloc(n + 1, sizeof *fx);
    struct CMUnitTest *tests = calloc(n + 3, sizeof *tests);
    for (size_t i = 0; i < n; i++) {
        fixture_read(&fx[i], dir, names[i]);
        tests[i] = (struct CMUnitTest){fx[i].name, test_fixture, NULL, NULL, &fx[i]};
    }
    tests[n] = (struct CMUnitTest)cmocka_unit_test(test_corpus_complete);
    tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(test_convert_failure_leaves_nothing);
    tests[n + 2] = (struct CMUnitTest)cmocka_unit_test(test_split_failure_leaves_nothing);
    int rc = _cmocka_run_group_tests("bad_input", tests, n + 3, NULL, NULL);

    for (size_t i = 0; i < n; i++) {
        fixture_free(&fx[i]);
        free(names[i]);
    }
    free(fx);
    free(tests);
    free(names);
    free(dir);
    return rc;
}
