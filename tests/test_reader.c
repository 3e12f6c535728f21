/* Streaming input through the loader: gzip gives the same rows as plain text,
 * files larger than the reader's 4 MiB blocks lose no row at a block
 * boundary, and max_line bounds a line (a huge one is cut and skipped, not
 * read into memory whole).  Formats and ids are in test_load.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/load.h"
#include "loaders/parse.h"
#include "loaders/reader.h"
#include "tests/support.h"


static void test_gzip_equals_plain(void **state)
{
    (void)state;
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (unsigned i = 0; i < 20000; i++)
        len += (size_t)snprintf(text + len, cap - len, "user%u,item-%u,%u\n", (i * 7919u) % 1013, (i * 104729u) % 4099,
                                i % 5 + 1);
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.keep_weights = 1;
    gr_dataset a, b;
    gr_load_report ra, rb;
    char msg[GR_MSG_LEN];
    gr_dataset_init(&a);
    gr_dataset_init(&b);
    assert_int_equal(gr_test_load_bytes(&a, "plain.csv", text, len, &o, &ra, msg), GR_OK);
    assert_int_equal(gr_test_load_bytes(&b, "packed.csv.gz", text, len, &o, &rb, msg), GR_OK);
    assert_int_equal(ra.bytes, len);
    assert_int_equal(rb.bytes, len);
    assert_int_equal(ra.rows, 20000);
    assert_int_equal(rb.rows, 20000);
    assert_int_equal(a.rows.n, b.rows.n);
    assert_memory_equal(a.rows.user, b.rows.user, a.rows.n * sizeof *a.rows.user);
    assert_memory_equal(a.rows.item, b.rows.item, a.rows.n * sizeof *a.rows.item);
    assert_memory_equal(a.rows.weight, b.rows.weight, a.rows.n * sizeof *a.rows.weight);
    assert_int_equal(gr_idmap_size(a.user_ids), gr_idmap_size(b.user_ids));
    for (uint32_t i = 0; i < gr_idmap_size(a.user_ids); i++) {
        size_t la, lb;
        const char *sa = gr_idmap_name(a.user_ids, i, &la), *sb = gr_idmap_name(b.user_ids, i, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(sa, sb, la);
    }
    gr_dataset_free(&a);
    gr_dataset_free(&b);
    free(text);
}

/* The i-th generated row; line lengths vary (1..10 digit ids, padding), so
 * lines cross the reader's 4 MiB block boundaries at every offset class. */
static uint32_t big_user(uint64_t i) { return (uint32_t)((i * 2654435761u) % 4000000000u) >> (i % 29); }
static uint32_t big_item(uint64_t i) { return (uint32_t)((i * 40503u + 17) % 1000003u) >> (i % 17); }

static char *make_big(size_t *len_out, int strings, uint64_t *n_rows, uint64_t *checksum)
{
    size_t cap = 11u << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    uint64_t i = 0, sum = 0;
    int comment_done = 0;
    while (len < cap - (300u << 10)) {
        /* One ~200 KB comment line spans the end of the first block. */
        if (!comment_done && len > (4u << 20) - (100u << 10)) {
            text[len++] = '#';
            memset(text + len, 'c', 200u << 10);
            len += 200u << 10;
            text[len++] = '\n';
            comment_done = 1;
        }
        uint32_t u = big_user(i), it = big_item(i);
        len += (size_t)snprintf(text + len, cap - len, strings ? "u%u\ti%u\n" : "%u\t%u\n", u, it);
        sum = sum * 1000003 + ((uint64_t)u << 32 | it);
        i++;
    }
    *len_out = len;
    *n_rows = i;
    *checksum = sum;
    return text;
}

static void test_large_file(void **state)
{
    (void)state;
    for (int strings = 0; strings < 2; strings++) {
        size_t len;
        uint64_t n, want_sum;
        char *text = make_big(&len, strings, &n, &want_sum);
        gr_load_opts o;
        gr_load_opts_default(&o);
        gr_load_report rep;
        gr_dataset ds;
        char msg[GR_MSG_LEN];
        gr_dataset_init(&ds);
        gr_status s = gr_test_load_bytes(&ds, strings ? "big.tsv.gz" : "big.tsv", text, len, &o, &rep, msg);
        if (s != GR_OK) fail_msg("%s", msg);
        assert_true(len > (8u << 20));
        assert_int_equal(rep.bytes, len);
        assert_int_equal(rep.rows, n);
        assert_int_equal(rep.comments, 1);
        assert_int_equal(ds.rows.n, n);
        uint64_t sum = 0;
        for (size_t r = 0; r < ds.rows.n; r++) {
            uint32_t u = ds.rows.user[r], it = ds.rows.item[r];
            if (strings) { /* back to the numbers through the original strings */
                size_t l;
                const char *name = gr_idmap_name(ds.user_ids, u, &l);
                assert_int_equal(gr_parse_id(name + 1, l - 1, &u), GR_NUM_OK); /* names are not NUL-terminated */
                name = gr_idmap_name(ds.item_ids, it, &l);
                assert_int_equal(gr_parse_id(name + 1, l - 1, &it), GR_NUM_OK);
            }
            sum = sum * 1000003 + ((uint64_t)u << 32 | it);
        }
        assert_true(sum == want_sum);
        gr_dataset_free(&ds);
        free(text);
    }
}

static void test_max_line(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.max_line = 16;
    gr_load_report rep;
    gr_dataset ds;
    char msg[GR_MSG_LEN] = "";
    /* 16 bytes (plus CRLF) is fine, 17 is not. */
    gr_dataset_init(&ds);
    assert_int_equal(gr_test_load_text(&ds, "limit.tsv", "1234567\t12345678\r\n1\t2\n", &o, &rep, msg), GR_OK);
    assert_int_equal(ds.rows.n, 2);
    assert_int_equal(gr_test_load_text(&ds, "over.tsv", "1\t2\n1234567\t123456789\n3\t4\n", &o, &rep, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "over.tsv:2: line longer than the limit of 16 bytes"));
    gr_dataset_free(&ds);

    /* A line far longer than a reader block is cut and skipped, and the
     * lines after it still load with the right numbers. */
    size_t long_len = 5u << 20;
    char *text = malloc(long_len + 64);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "1\t2\n3\t");
    memset(text + len, '4', long_len);
    len += long_len;
    len += (size_t)sprintf(text + len, "\n5\t6\n7\tx\n");
    o.skip_bad_rows = 1;
    gr_dataset_init(&ds);
    assert_int_equal(gr_test_load_bytes(&ds, "huge.tsv", text, len, &o, &rep, msg), GR_OK);
    assert_int_equal(ds.rows.n, 2);
    assert_int_equal(rep.bad, 2);
    assert_int_equal(rep.bad_by_class[GR_BAD_LONG_LINE], 1);
    assert_int_equal(rep.bad_by_class[GR_BAD_NON_NUMERIC], 1);
    assert_non_null(strstr(rep.first_bad, "huge.tsv:2: line longer"));
    assert_int_equal(rep.lines, 4);
    assert_int_equal(rep.bytes, len); /* the dropped part is counted as read */
    gr_dataset_free(&ds);
    free(text);
}

/* Reads path block by block into one buffer; returns the status that ended
 * the reading (GR_EOF at a clean end) and checks every block is whole lines. */
static gr_status read_all(const char *path, size_t max_line, char **out, size_t *out_len, int *is_gz, char *msg)
{
    gr_reader *r = NULL;
    gr_status s = gr_reader_open(&r, path, max_line, msg);
    if (s != GR_OK) return s;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    const char *data;
    size_t n;
    int last_unterminated = 0;
    while ((s = gr_reader_next(r, &data, &n, msg)) == GR_OK) {
        assert_false(last_unterminated); /* only the very last line may lack '\n' */
        assert_true(n > 0);
        last_unterminated = data[n - 1] != '\n';
        while (len + n > cap) buf = realloc(buf, cap *= 2);
        memcpy(buf + len, data, n);
        len += n;
    }
    assert_int_equal(gr_reader_bytes(r), len);
    *is_gz = gr_reader_is_gz(r);
    gr_reader_close(r);
    *out = buf;
    *out_len = len;
    return s;
}

/* The reader alone: blocks of whole lines that add up to the input, plain or
 * gzip; a damaged gzip delivers the whole lines before the damage, then the
 * error. */
static void test_reader_blocks(void **state)
{
    (void)state;
    size_t cap = 9u << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (unsigned i = 0; len < cap - 64; i++)
        len += (size_t)snprintf(text + len, cap - len, "%u %u%s", i, i * 7u, i % 3 ? "\n" : "\r\n");
    len += (size_t)snprintf(text + len, cap - len, "9 9"); /* no final newline */
    char *plain = gr_test_path(gr_test_scratch(), "blocks.txt"), *packed = gr_test_path(gr_test_scratch(), "blocks.txt.gz");
    gr_test_write_file(plain, text, len);
    gr_test_write_file(packed, text, len);
    char msg[GR_MSG_LEN] = "";
    for (int gz = 0; gz < 2; gz++) {
        char *got;
        size_t got_len;
        int is_gz;
        assert_int_equal(read_all(gz ? packed : plain, 0, &got, &got_len, &is_gz, msg), GR_EOF);
        assert_int_equal(is_gz, gz);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, text, len);
        free(got);
    }

    /* Cut the gzip file in half. */
    size_t gz_len;
    char *gz_bytes = NULL;
    FILE *f = fopen(packed, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    gz_len = (size_t)ftell(f);
    rewind(f);
    gz_bytes = malloc(gz_len);
    assert_int_equal(fread(gz_bytes, 1, gz_len, f), gz_len);
    fclose(f);
    char *cut = gr_test_path(gr_test_scratch(), "cut.txt.gz");
    FILE *c = fopen(cut, "wb");
    assert_non_null(c);
    assert_int_equal(fwrite(gz_bytes, 1, gz_len / 2, c), gz_len / 2);
    fclose(c);
    char *got;
    size_t got_len;
    int is_gz;
    assert_int_equal(read_all(cut, 0, &got, &got_len, &is_gz, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "truncated gzip input"));
    assert_true(got_len > len / 4);       /* what came before the cut arrived ... */
    assert_memory_equal(got, text, got_len); /* ... unchanged ... */
    assert_true(got[got_len - 1] == '\n'); /* ... as whole lines */
    free(got);

    /* Through the loader, the error names the line where the data stops. */
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    gr_dataset_init(&ds);
    assert_int_equal(gr_load_file(&ds, cut, &o, &rep, msg), GR_ERR_INPUT);
    char *colon = strstr(msg, ".gz:");
    assert_non_null(colon);
    unsigned long line = strtoul(colon + 4, NULL, 10);
    assert_true(line > 100000);
    assert_int_equal(ds.rows.n, 0); /* and the failed file left no rows */
    gr_dataset_free(&ds);

    free(gz_bytes);
    free(cut);
    free(plain);
    free(packed);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_equals_plain),
        cmocka_unit_test(test_large_file),
        cmocka_unit_test(test_max_line),
        cmocka_unit_test(test_reader_blocks),
    };
    return cmocka_run_group_tests(tests, gr_test_scratch_setup, gr_test_scratch_teardown);
}
