/* The loader library (gr_load_file) on small files written into a scratch
 * directory: every format and separator, headers, comments, CRLF, MovieLens
 * with min_rating, string ids both ways, several files into one dataset,
 * optional columns, what detection reports, bad rows counted.  Streaming
 * (gzip, large files, max_line) is in test_reader.c; fields and the id map in
 * test_parse.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/load.h"
#include "tests/support.h"


/* Loads text that must load; returns the report through rep. */
static void load_ok(gr_dataset *ds, const char *name, const char *text, const gr_load_opts *o, gr_load_report *rep)
{
    char msg[GR_MSG_LEN] = "";
    gr_status s = gr_test_load_text(ds, name, text, o, rep, msg);
    if (s != GR_OK) fail_msg("%s: %s", name, msg);
}

/* The rows of ds are exactly the given (user, item) pairs, in order. */
static void expect_rows(const gr_dataset *ds, const uint32_t *pairs, size_t n)
{
    assert_int_equal(ds->rows.n, n);
    for (size_t i = 0; i < n; i++) {
        if (ds->rows.user[i] != pairs[2 * i] || ds->rows.item[i] != pairs[2 * i + 1])
            fail_msg("row %zu: (%u, %u), expected (%u, %u)", i, ds->rows.user[i], ds->rows.item[i], pairs[2 * i],
                     pairs[2 * i + 1]);
    }
}

static void expect_name(const gr_idmap *m, uint32_t id, const char *want)
{
    size_t len;
    const char *s = gr_idmap_name(m, id, &len);
    if (len != strlen(want) || memcmp(s, want, len) != 0)
        fail_msg("id %u is '%.*s', expected '%s'", id, (int)len, s, want);
}

static void test_adjacency(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    /* Gowalla style; user 4 has no items; blanks are tabs and spaces mixed. */
    gr_dataset_init(&ds);
    load_ok(&ds, "train.txt", "0 1 2 3 4 5\n1\t7 8\n3 9\t10  11 \n4\n", &o, &rep);
    const uint32_t want[] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 1, 7, 1, 8, 3, 9, 3, 10, 3, 11};
    expect_rows(&ds, want, 10);
    assert_int_equal(rep.format, GR_FORMAT_ADJ);
    assert_int_equal(rep.rows, 10);
    assert_int_equal(rep.kept, 10);
    assert_int_equal(rep.lines, 4);
    assert_int_equal(ds.ids, GR_IDS_INT);
    assert_int_equal(ds.rows.n_users, 5); /* the user without items is known */
    assert_int_equal(ds.rows.n_items, 12);
    gr_dataset_free(&ds);

    /* Short rows of varying length are an adjacency list when space separated. */
    gr_dataset_init(&ds);
    load_ok(&ds, "short.txt", "0 1 2\n1 3\n2\n", &o, &rep);
    assert_int_equal(rep.format, GR_FORMAT_ADJ);
    assert_int_equal(ds.rows.n, 3);
    assert_int_equal(ds.rows.n_users, 3);
    gr_dataset_free(&ds);

    /* Forced: uniform "u i i" rows would otherwise be a weighted edge list. */
    o.format = GR_FORMAT_ADJ;
    gr_dataset_init(&ds);
    load_ok(&ds, "forced.txt", "0 5 6\n1 5 7\n", &o, &rep);
    const uint32_t want2[] = {0, 5, 0, 6, 1, 5, 1, 7};
    expect_rows(&ds, want2, 4);
    gr_dataset_free(&ds);
}

static void test_separators(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        char sep;
    } cases[] = {
        {"tab.tsv", "1\t2\n3\t4\n5\t6\n", '\t'},
        {"comma.csv", "1,2\n3, 4\n5 ,6\n", ','},
        {"space.txt", "1 2\n3  4\n5 \t6\n", ' '},
        {"colons.dat", "1::2\n3::4\n5::6\n", ':'},
    };
    const uint32_t want[] = {1, 2, 3, 4, 5, 6};
    for (int forced = 0; forced < 2; forced++)
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            gr_load_opts o;
            gr_load_opts_default(&o);
            if (forced) o.sep = cases[k].sep;
            gr_load_report rep;
            gr_dataset ds;
            gr_dataset_init(&ds);
            load_ok(&ds, cases[k].name, cases[k].text, &o, &rep);
            expect_rows(&ds, want, 3);
            assert_int_equal(rep.format, GR_FORMAT_EDGES);
            assert_int_equal(rep.sep, cases[k].sep);
            assert_int_equal(rep.header, 0);
            gr_dataset_free(&ds);
        }
}

static void test_header(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    const uint32_t want[] = {1, 2, 3, 4};
    static const char *const auto_headers[] = {"user\titem\n1\t2\n3\t4\n", "src,dst,weight\n1,2,1\n3,4,1\n",
                                               "from to\n1 2\n3 4\n", "anything\tgoes\n1\t2\n3\t4\n"};
    for (int k = 0; k < 4; k++) {
        gr_dataset_init(&ds);
        load_ok(&ds, "header.txt", auto_headers[k], &o, &rep);
        assert_int_equal(rep.header, 1);
        expect_rows(&ds, want, 2);
        assert_int_equal(ds.ids, GR_IDS_INT);
        gr_dataset_free(&ds);
    }

    o.header = GR_HEADER_YES; /* a numeric first line is skipped when told */
    gr_dataset_init(&ds);
    load_ok(&ds, "yes.tsv", "9\t9\n1\t2\n3\t4\n", &o, &rep);
    assert_int_equal(rep.header, 1);
    expect_rows(&ds, want, 2);
    gr_dataset_free(&ds);

    o.header = GR_HEADER_NO; /* ... and column names become ids when told */
    gr_dataset_init(&ds);
    load_ok(&ds, "no.tsv", "user\titem\n1\t2\n", &o, &rep);
    assert_int_equal(rep.header, 0);
    assert_int_equal(ds.ids, GR_IDS_STRING);
    assert_int_equal(ds.rows.n, 2);
    expect_name(ds.user_ids, ds.rows.user[0], "user");
    expect_name(ds.item_ids, ds.rows.item[1], "2");
    gr_dataset_free(&ds);
}

static void test_comments_and_crlf(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    const uint32_t want[] = {1, 2, 3, 4, 5, 6};
    gr_dataset_init(&ds);
    load_ok(&ds, "comments.tsv", "# made by hand\n1\t2\n% matrix-market style\n\n3\t4\n   # indented\n5\t6", &o, &rep);
    expect_rows(&ds, want, 3);
    assert_int_equal(rep.comments, 4);
    assert_int_equal(rep.lines, 7);
    gr_dataset_free(&ds);

    /* CRLF, including a last line without its newline and a header. */
    gr_dataset_init(&ds);
    load_ok(&ds, "crlf.tsv", "user\titem\r\n1\t2\r\n# note\r\n3\t4\r\n5\t6\r", &o, &rep);
    expect_rows(&ds, want, 3);
    assert_int_equal(rep.header, 1);
    gr_dataset_free(&ds);

    /* The CR is not part of a string id or of a number. */
    o.keep_weights = o.keep_times = 1;
    gr_dataset_init(&ds);
    load_ok(&ds, "crlf.csv", "alice,book,4.5,100\r\nbob,film,3,200\r\n", &o, &rep);
    expect_name(ds.item_ids, 0, "book");
    expect_name(ds.item_ids, 1, "film");
    assert_true(ds.rows.weight[0] == 4.5f);
    assert_int_equal(ds.rows.time[1], 200);
    gr_dataset_free(&ds);
}

static void test_movielens(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.has_min_rating = 1;
    o.min_rating = 3;
    o.keep_weights = o.keep_times = 1;
    gr_load_report rep;
    gr_dataset ds;
    gr_dataset_init(&ds);
    load_ok(&ds, "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"
                           "244\t51\t2\t880606923\n166\t346\t1\t886397596\n298\t474\t4\t884182806\n", &o, &rep);
    assert_int_equal(rep.format, GR_FORMAT_EDGES);
    assert_int_equal(rep.sep, '\t');
    assert_int_equal(rep.rows, 6);
    assert_int_equal(rep.kept, 3);
    assert_int_equal(rep.below_rating, 3);
    const uint32_t want[] = {196, 242, 186, 302, 298, 474};
    expect_rows(&ds, want, 3);
    assert_non_null(ds.rows.weight);
    assert_non_null(ds.rows.time);
    assert_true(ds.rows.weight[2] == 4.0f);
    assert_int_equal(ds.rows.time[0], 881250949);
    assert_int_equal(ds.rows.time[2], 884182806);
    gr_dataset_free(&ds);

    gr_dataset_init(&ds);
    load_ok(&ds, "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::914::2.5::978301968\n", &o, &rep);
    assert_int_equal(rep.format, GR_FORMAT_MOVIELENS);
    assert_int_equal(rep.sep, ':');
    assert_int_equal(rep.kept, 2);
    gr_dataset_free(&ds);

    /* min_rating needs a rating column. */
    char msg[GR_MSG_LEN] = "";
    gr_dataset_init(&ds);
    assert_int_equal(gr_test_load_text(&ds, "pairs.tsv", "1\t2\n", &o, &rep, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "pairs.tsv"));
    assert_non_null(strstr(msg, "rating"));
    gr_dataset_free(&ds);
}

static void test_string_ids(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    gr_dataset_init(&ds);
    load_ok(&ds, "s.tsv", "alice\tbook-1\nbob\tbook-1\nalice\tfilm/2\ncarol\tbook-1\n", &o, &rep);
    assert_int_equal(ds.ids, GR_IDS_STRING);
    assert_ptr_not_equal(ds.user_ids, ds.item_ids);
    assert_int_equal(gr_idmap_size(ds.user_ids), 3);
    assert_int_equal(gr_idmap_size(ds.item_ids), 2);
    const uint32_t want[] = {0, 0, 1, 0, 0, 1, 2, 0};
    expect_rows(&ds, want, 4);
    static const char *const users[] = {"alice", "bob", "carol"}, *const items[] = {"book-1", "film/2"};
    for (uint32_t i = 0; i < 3; i++) expect_name(ds.user_ids, i, users[i]);
    for (uint32_t i = 0; i < 2; i++) expect_name(ds.item_ids, i, items[i]);
    assert_int_equal(ds.rows.n_users, 3);
    assert_int_equal(ds.rows.n_items, 2);
    gr_dataset_free(&ds);

    /* shared_ids: one map, so "bob" is the same node as follower and followee. */
    o.shared_ids = 1;
    gr_dataset_init(&ds);
    load_ok(&ds, "follows.tsv", "ann\tbob\nbob\tcid\ncid\tann\n", &o, &rep);
    assert_ptr_equal(ds.user_ids, ds.item_ids);
    assert_int_equal(gr_idmap_size(ds.user_ids), 3);
    const uint32_t want2[] = {0, 1, 1, 2, 2, 0};
    expect_rows(&ds, want2, 3);
    gr_dataset_free(&ds);
}

/* Train then test into one dataset: the same string is the same index, and
 * lookup_only refuses ids the train file did not have. */
static void test_two_files(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    gr_dataset_init(&ds);
    load_ok(&ds, "train.tsv", "alice\tx\nbob\ty\n", &o, &rep);
    load_ok(&ds, "test.tsv", "bob\tx\ncarol\tz\n7\t8\n", &o, &rep); /* "7" stays a string id */
    const uint32_t want[] = {0, 0, 1, 1, 1, 0, 2, 2, 3, 3};
    expect_rows(&ds, want, 5);
    expect_name(ds.user_ids, 3, "7");
    expect_name(ds.item_ids, 2, "z");

    o.lookup_only = 1;
    char msg[GR_MSG_LEN] = "";
    assert_int_equal(gr_test_load_text(&ds, "unknown.tsv", "alice\ty\ndave\tx\nbob\tw\n", &o, &rep, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "unknown.tsv:2: unknown id 'dave' in column 1"));
    assert_int_equal(ds.rows.n, 5); /* a failed file adds no rows */
    o.skip_bad_rows = 1;
    load_ok(&ds, "unknown.tsv", "alice\ty\ndave\tx\nbob\tw\n", &o, &rep);
    assert_int_equal(rep.bad, 2);
    assert_int_equal(rep.bad_by_class[GR_BAD_UNKNOWN_ID], 2);
    assert_non_null(strstr(rep.first_bad, "unknown.tsv:2: unknown id 'dave'"));
    const uint32_t want2[] = {0, 0, 1, 1, 1, 0, 2, 2, 3, 3, 0, 1}; /* + alice-y */
    expect_rows(&ds, want2, 6);
    assert_int_equal(gr_idmap_size(ds.user_ids), 4); /* nothing was added */
    assert_int_equal(gr_idmap_size(ds.item_ids), 4);
    gr_dataset_free(&ds);
}

/* Weights and times are kept only when every loaded file has them. */
static void test_keep_columns(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.keep_weights = o.keep_times = 1;
    gr_load_report rep;
    gr_dataset ds;
    gr_dataset_init(&ds);
    load_ok(&ds, "four.tsv", "1\t2\t0.5\t10\n3\t4\t2\t20\n", &o, &rep);
    assert_non_null(ds.rows.weight);
    assert_non_null(ds.rows.time);
    assert_true(ds.rows.weight[0] == 0.5f && ds.rows.weight[1] == 2.0f);
    assert_int_equal(ds.rows.time[1], 20);
    load_ok(&ds, "three.tsv", "5\t6\t1.5\n", &o, &rep);
    assert_non_null(ds.rows.weight);
    assert_null(ds.rows.time);
    assert_true(ds.rows.weight[2] == 1.5f);
    load_ok(&ds, "two.tsv", "7\t8\n", &o, &rep);
    assert_null(ds.rows.weight);
    load_ok(&ds, "four-again.tsv", "1\t2\t0.5\t10\n", &o, &rep); /* a dropped column stays dropped */
    assert_null(ds.rows.weight);
    assert_null(ds.rows.time);
    assert_int_equal(ds.rows.n, 5);
    gr_dataset_free(&ds);

    gr_dataset_init(&ds);
    load_ok(&ds, "adj.txt", "0 1 2 3 4 5\n", &o, &rep);
    assert_null(ds.rows.weight);
    assert_null(ds.rows.time);
    gr_dataset_free(&ds);

    o.keep_weights = o.keep_times = 0; /* not asked: not kept */
    gr_dataset_init(&ds);
    load_ok(&ds, "four.tsv", "1\t2\t0.5\t10\n", &o, &rep);
    assert_null(ds.rows.weight);
    assert_null(ds.rows.time);
    gr_dataset_free(&ds);
}

/* What detection decided shows in the report. */
static void test_detection_report(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        gr_format format;
        char sep;
        gr_id_mode ids;
    } cases[] = {
        {"0 1 2 3 4 5\n1 2\n", GR_FORMAT_ADJ, ' ', GR_IDS_INT},
        {"0\t1 2 3 4 5\n1\t2 3\n", GR_FORMAT_ADJ, ' ', GR_IDS_INT},
        {"1,2\n", GR_FORMAT_EDGES, ',', GR_IDS_INT},
        {"1 2 3\n4 5 6\n", GR_FORMAT_EDGES, ' ', GR_IDS_INT},
        {"x1\ty1\t1\n", GR_FORMAT_EDGES, '\t', GR_IDS_STRING},
        {"1\t2\t5\t881250949\n", GR_FORMAT_EDGES, '\t', GR_IDS_INT},
        {"1::2::5::978300760\n", GR_FORMAT_MOVIELENS, ':', GR_IDS_INT},
        {"1::2\n", GR_FORMAT_EDGES, ':', GR_IDS_INT},
        {"-1\t2\n", GR_FORMAT_EDGES, '\t', GR_IDS_INT}, /* a bad number is not a string id */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gr_load_opts o;
        gr_load_opts_default(&o);
        o.skip_bad_rows = 1;
        gr_load_report rep;
        gr_dataset ds;
        char msg[GR_MSG_LEN] = "";
        gr_dataset_init(&ds);
        if (gr_test_load_text(&ds, "detect.txt", cases[k].text, &o, &rep, msg) != GR_OK && rep.bad == 0)
            fail_msg("case %zu: %s", k, msg);
        if (rep.format != cases[k].format || rep.sep != cases[k].sep || ds.ids != cases[k].ids)
            fail_msg("case %zu: format %s sep '%c' ids %d", k, gr_format_name(rep.format), rep.sep, ds.ids);
        gr_dataset_free(&ds);
    }

    /* A tab-separated edge list with a short row is reported, not read as
     * an adjacency list (which would make ratings and timestamps items). */
    gr_load_opts o;
    gr_load_opts_default(&o);
    gr_load_report rep;
    gr_dataset ds;
    char msg[GR_MSG_LEN] = "";
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"1\t2\t5\t881250949\n3\t4\t3\n", "bad.txt:2: missing column"},
        {"1\t2\n3\n5\t6\n", "bad.txt:2: missing column"}, /* the 2nd line does not set the separator */
        {"1\n2\n3\n", "bad.txt:1: missing column"},       /* one column: nothing read past it */
        {"1,2,3,4,5\n6,7,8,9,10\n", "bad.txt:1: extra column"},
        {"1\t2\n3\t\t4\n", "bad.txt:2: extra column"},    /* two tabs make an empty field */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        gr_dataset_init(&ds);
        assert_int_equal(gr_test_load_text(&ds, "bad.txt", bad[k].text, &o, &rep, msg), GR_ERR_INPUT);
        if (strstr(msg, bad[k].error) == NULL) fail_msg("case %zu: '%s', expected '%s'", k, msg, bad[k].error);
        gr_dataset_free(&ds);
    }

    assert_string_equal(gr_format_name(GR_FORMAT_MOVIELENS), "movielens");
    gr_format f;
    assert_int_equal(gr_format_parse("adj", &f), 0);
    assert_int_equal(f, GR_FORMAT_ADJ);
    assert_int_equal(gr_format_parse("csv", &f), -1);
    for (int c = 0; c < GR_BAD_NCLASSES; c++) assert_true(strlen(gr_bad_class_name((gr_bad_class)c)) > 0);
}

/* One bad row of each kind, skipped and counted by class; an adjacency line
 * with a bad id is skipped whole. */
static void test_bad_rows_counted(void **state)
{
    (void)state;
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.skip_bad_rows = 1;
    o.ids = GR_IDS_INT;
    gr_load_report rep;
    gr_dataset ds;
    char msg[GR_MSG_LEN] = "";
    static const char text[] = "1\t2\n3\n-4\t5\n4294967295\t6\nx\t7\n8\t9\t1\t1\n10\t\0\n11\t12\n";
    gr_dataset_init(&ds);
    assert_int_equal(gr_test_load_bytes(&ds, "mixed.tsv", text, sizeof text - 1, &o, &rep, msg), GR_OK);
    const uint32_t want[] = {1, 2, 11, 12};
    expect_rows(&ds, want, 2);
    assert_int_equal(rep.bad, 6);
    const gr_bad_class classes[] = {GR_BAD_MISSING_COLUMN, GR_BAD_NEGATIVE, GR_BAD_OVERFLOW,
                                    GR_BAD_NON_NUMERIC,    GR_BAD_EXTRA_COLUMN, GR_BAD_NUL_BYTE};
    for (int k = 0; k < 6; k++) assert_int_equal(rep.bad_by_class[classes[k]], 1);
    assert_non_null(strstr(rep.first_bad, "mixed.tsv:2: missing column"));
    gr_dataset_free(&ds);

    gr_dataset_init(&ds);
    load_ok(&ds, "adj.txt", "0 1 2 3 4 5\n1 3 -4 5\n2 6\n", &o, &rep);
    const uint32_t want2[] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 2, 6};
    expect_rows(&ds, want2, 6);
    assert_int_equal(rep.rows, 6);
    assert_int_equal(rep.kept, 6);
    assert_int_equal(rep.bad_by_class[GR_BAD_NEGATIVE], 1);
    gr_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adjacency),        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_header),           cmocka_unit_test(test_comments_and_crlf),
        cmocka_unit_test(test_movielens),        cmocka_unit_test(test_string_ids),
        cmocka_unit_test(test_two_files),        cmocka_unit_test(test_keep_columns),
        cmocka_unit_test(test_detection_report), cmocka_unit_test(test_bad_rows_counted),
    };
    return cmocka_run_group_tests(tests, gr_test_scratch_setup, gr_test_scratch_teardown);
}
