/* `gnnrec export`: the .npy header read back field by field (what
 * numpy.load checks), its data against the TSV export, the ids file, gzip,
 * stdout and usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = gr_test_generated_split("--users 120 --items 90 --edges 2000 --communities 3 --seed 9");
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=mf dim=8 epochs=2 "
                                "batch=256 eval_every=0 threads=2 --quiet -o %s/mf.gnr",
                                dir, dir, dir);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    gr_test_run_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(dir);
    free(dir);
    return 0;
}

/* Checks a .npy file's header and returns its rows (*cols set) and a
 * pointer to its data inside buf. */
static const unsigned char *npy_parse(const unsigned char *buf, size_t len, unsigned long *rows, unsigned *cols)
{
    assert_true(len > 10);
    assert_memory_equal(buf, "\x93NUMPY", 6);
    assert_int_equal(buf[6], 1); /* format 1.0: a 2-byte header length */
    assert_int_equal(buf[7], 0);
    const size_t hl = (size_t)buf[8] | (size_t)buf[9] << 8;
    assert_int_equal((10 + hl) % 64, 0); /* data aligned as NumPy aligns it */
    assert_true(10 + hl <= len);
    assert_int_equal(buf[10 + hl - 1], '\n');
    char header[256];
    assert_true(hl < sizeof header);
    memcpy(header, buf + 10, hl);
    header[hl] = '\0';
    assert_non_null(strstr(header, "'descr': '<f4'"));
    assert_non_null(strstr(header, "'fortran_order': False"));
    const char *shape = strstr(header, "'shape': (");
    assert_non_null(shape);
    assert_int_equal(sscanf(shape, "'shape': (%lu, %u)", rows, cols), 2);
    assert_int_equal(len, 10 + hl + (size_t)*rows * *cols * 4);
    return buf + 10 + hl;
}

static void test_npy_matches_tsv(void **state)
{
    (void)state;
    const char *what[] = {"users", "items"};
    for (int w = 0; w < 2; w++) {
        gr_test_run r = gr_test_cli("export %s/mf.gnr --what %s -o %s/e.npy --ids %s/e.ids", dir, what[w], dir, dir);
        if (r.exit_code != 0) fail_msg("export npy: %s", r.err);
        gr_test_run_free(&r);
        r = gr_test_cli("export %s/mf.gnr --what %s -o %s/e.tsv.gz", dir, what[w], dir);
        if (r.exit_code != 0) fail_msg("export tsv: %s", r.err);
        gr_test_run_free(&r);
        char *npy = gr_test_path(dir, "e.npy"), *tsv = gr_test_path(dir, "e.tsv.gz"), *ids = gr_test_path(dir, "e.ids");
        size_t len;
        unsigned char *buf = (unsigned char *)gr_test_read_file(npy, &len);
        unsigned long rows;
        unsigned cols;
        const unsigned char *data = npy_parse(buf, len, &rows, &cols);
        assert_int_equal(cols, 8);
        assert_true(rows > 50);
        /* TSV: the original id, then the same floats exactly (%.9g) */
        char *text = gr_test_read_file(tsv, NULL), *id_text = gr_test_read_file(ids, NULL);
        char *line = text, *id_line = id_text;
        for (unsigned long row = 0; row < rows; row++) {
            char *end = strchr(line, '\n'), *id_end = strchr(id_line, '\n');
            assert_non_null(end);
            assert_non_null(id_end);
            *end = *id_end = '\0';
            assert_true(line[0] == (w == 0 ? 'u' : 'i')); /* string ids */
            char *tab = strchr(line, '\t');
            assert_non_null(tab);
            assert_int_equal((size_t)(tab - line), strlen(id_line));
            assert_memory_equal(line, id_line, strlen(id_line));
            char *p = tab;
            for (unsigned c = 0; c < cols; c++) {
                float want, got = strtof(p + 1, &p);
                unsigned char le[4];
                memcpy(le, data + (row * cols + c) * 4, 4);
                uint32_t bits = (uint32_t)le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
                memcpy(&want, &bits, 4);
                assert_true(got == want);
            }
            assert_int_equal(*p, '\0');
            line = end + 1;
            id_line = id_end + 1;
        }
        assert_int_equal(*line, '\0');
        free(text);
        free(id_text);
        free(buf);
        free(npy);
        free(tsv);
        free(ids);
    }
}

/* A .npy.gz is the .npy compressed; the format follows the name unless
 * --format says otherwise; "-o -" writes to stdout. */
static void test_names_and_stdout(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("export %s/mf.gnr --what items -o %s/a.npy.gz", dir, dir);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    r = gr_test_cli("export %s/mf.gnr --what items -o %s/b.npy", dir, dir);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    char *a = gr_test_path(dir, "a.npy.gz"), *b = gr_test_path(dir, "b.npy");
    size_t la, lb;
    char *x = gr_test_read_file(a, &la), *y = gr_test_read_file(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(x, y, la);
    free(x);
    free(y);
    r = gr_test_cli("export %s/mf.gnr --what items --format npy -o %s/c.bin", dir, dir);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    char *c = gr_test_path(dir, "c.bin");
    x = gr_test_read_file(c, &la);
    assert_memory_equal(x, "\x93NUMPY", 6);
    free(x);
    r = gr_test_cli("export %s/mf.gnr --what items -o -", dir);
    assert_int_equal(r.exit_code, 0);
    assert_true(r.out[0] == 'i' && strchr(r.out, '\t') != NULL);
    gr_test_run_free(&r);
    free(a);
    free(b);
    free(c);
}

static void test_errors(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("export %s/mf.gnr -o %s/x.npy", dir, dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--what"));
    gr_test_run_free(&r);
    r = gr_test_cli("export %s/mf.gnr --what items --format csv -o %s/x.npy", dir, dir);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("export %s/mf.gnr --what items", dir);
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("export %s/no-such.gnr --what items -o %s/x.npy", dir, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "no-such.gnr"));
    gr_test_run_free(&r);
    char *x = gr_test_path(dir, "x.npy");
    assert_false(gr_test_file_exists(x));
    free(x);
    r = gr_test_cli("export --help");
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "numpy.load"));
    gr_test_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_matches_tsv),
        cmocka_unit_test(test_names_and_stdout),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
