/* The loaders' building blocks: number parsing and field splitting (parse.h)
 * and the string-id map (idmap.h), at their edges. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/idmap.h"
#include "loaders/parse.h"
#include "tests/support.h"

/* ---- numbers ----------------------------------------------------------------- */

static gr_num_result id_of(const char *s, uint32_t *v)
{
    *v = 12345; /* untouched unless OK */
    return gr_parse_id(s, strlen(s), v);
}

static void test_parse_id(void **state)
{
    (void)state;
    uint32_t v;
    assert_int_equal(id_of("0", &v), GR_NUM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(id_of("4294967294", &v), GR_NUM_OK); /* GR_MAX_ID */
    assert_int_equal(v, 4294967294u);
    assert_int_equal(id_of("00042", &v), GR_NUM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(id_of("+5", &v), GR_NUM_OK);
    assert_int_equal(v, 5);
    static const struct {
        const char *s;
        gr_num_result r;
    } bad[] = {
        {"4294967295", GR_NUM_OVERFLOW}, /* the id space size would not fit */
        {"4294967296", GR_NUM_OVERFLOW},
        {"99999999999999999999999", GR_NUM_OVERFLOW},
        {"-0", GR_NUM_NEGATIVE},
        {"-7", GR_NUM_NEGATIVE},
        {"12a", GR_NUM_NOT_A_NUMBER},
        {"4294967299x", GR_NUM_NOT_A_NUMBER}, /* a non-number first, not an overflow */
        {"-7x", GR_NUM_NOT_A_NUMBER},
        {"", GR_NUM_EMPTY},
        {"-", GR_NUM_NOT_A_NUMBER},
        {"+", GR_NUM_NOT_A_NUMBER},
        {" 1", GR_NUM_NOT_A_NUMBER},
        {"1.0", GR_NUM_NOT_A_NUMBER},
        {"\xd9\xa3", GR_NUM_NOT_A_NUMBER}, /* Arabic-Indic digit three */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        gr_num_result r = id_of(bad[k].s, &v);
        if (r != bad[k].r) fail_msg("'%s': %d, expected %d", bad[k].s, r, bad[k].r);
        assert_int_equal(v, 12345);
    }
    /* Only the given length is read. */
    assert_int_equal(gr_parse_id("123x", 2, &v), GR_NUM_OK);
    assert_int_equal(v, 12);
}

static void test_parse_double(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } good[] = {
        {"3.2466e+05", 324660.0}, {"4", 4.0},         {"-1.5", -1.5},   {"+2", 2.0},        {".5", 0.5},
        {"5.", 5.0},              {"1E-3", 0.001},   {"0.1", 0.1},     {"2.5e0", 2.5},     {"0", 0.0},
        {"1e22", 1e22},           {"12345678901234567890", 12345678901234567890.0},
        {"0.12345678901234567890", 0.12345678901234567890},
    };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        double v = -999;
        gr_num_result r = gr_parse_double(good[k].s, strlen(good[k].s), &v);
        if (r != GR_NUM_OK) fail_msg("'%s': %d", good[k].s, r);
        if (fabs(v - good[k].v) > 1e-15 * fabs(good[k].v))
            fail_msg("'%s': %.17g, expected %.17g", good[k].s, v, good[k].v);
    }
    static const char *const bad[] = {"1e", ".", "-", "e5", "1.5.2", "abc", "1e+", "nan", "inf", "1,5", "4 ", "--1"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        double v;
        if (gr_parse_double(bad[k], strlen(bad[k]), &v) != GR_NUM_NOT_A_NUMBER) fail_msg("'%s' parsed", bad[k]);
    }
    double v;
    assert_int_equal(gr_parse_double("", 0, &v), GR_NUM_EMPTY);
    assert_int_equal(gr_parse_double("1e400", 5, &v), GR_NUM_OVERFLOW); /* not an infinite weight */
    assert_int_equal(gr_parse_double("-1e999", 6, &v), GR_NUM_OVERFLOW);
    assert_int_equal(gr_parse_double("1e-400", 6, &v), GR_NUM_OK);
    assert_true(v == 0.0);
    assert_int_equal(gr_parse_double("4.5", 1, &v), GR_NUM_OK);
    assert_true(v == 4.0);
}

static void test_parse_time(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(gr_parse_time("978300760", 9, &t), GR_NUM_OK);
    assert_int_equal(t, 978300760);
    assert_int_equal(gr_parse_time("1700000000123", 13, &t), GR_NUM_OK); /* milliseconds */
    assert_int_equal(t, 1700000000123LL);
    assert_int_equal(gr_parse_time("-86400", 6, &t), GR_NUM_OK);
    assert_int_equal(t, -86400);
    assert_int_equal(gr_parse_time("+7", 2, &t), GR_NUM_OK);
    assert_int_equal(t, 7);
    assert_int_equal(gr_parse_time("12.75", 5, &t), GR_NUM_OK); /* fraction dropped */
    assert_int_equal(t, 12);
    assert_int_equal(gr_parse_time("0", 1, &t), GR_NUM_OK);
    assert_int_equal(t, 0);
    assert_int_equal(gr_parse_time("", 0, &t), GR_NUM_EMPTY);
    assert_int_equal(gr_parse_time("99999999999999999999", 20, &t), GR_NUM_OVERFLOW);
    static const char *const bad[] = {"yesterday", "-", "+", ".5", "1e9", "12:30", "1.2.3", "2024-01-01"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (gr_parse_time(bad[k], strlen(bad[k]), &t) != GR_NUM_NOT_A_NUMBER) fail_msg("'%s' parsed", bad[k]);
}

/* ---- fields ------------------------------------------------------------------ */

/* Splits s with sep into "f1|f2|...", the fields as gr_next_field returns them. */
static void split_into(const char *s, char sep, char *out, size_t cap)
{
    const char *p = s, *end = s + strlen(s), *tok;
    size_t len, o = 0;
    int n = 0;
    out[0] = '\0';
    while (gr_next_field(&p, end, sep, &tok, &len)) {
        assert_true(n < 16);
        o += (size_t)snprintf(out + o, cap - o, "%s%.*s", n++ ? "|" : "", (int)len, tok);
    }
    assert_true(o < cap);
}

static void test_next_field(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        char sep;
        const char *fields;
    } cases[] = {
        {"a\tb", '\t', "a|b"},
        {"a\tb\t", '\t', "a|b|"},    /* a trailing separator makes an empty field */
        {"a\t\tb", '\t', "a||b"},
        {"a", '\t', "a"},
        {"", '\t', ""},              /* one empty field (blank lines never get here) */
        {"a b\tc", '\t', "a b|c"},  /* blanks inside a tab field stay */
        {" a , b ,c ", ',', "a|b|c"}, /* blanks around a field go */
        {"1,2,", ',', "1|2|"},
        {"  1 \t 2  ", ' ', "1|2"},  /* runs of blanks; no empty fields */
        {"1 2 ", ' ', "1|2"},
        {"", ' ', ""},
        {"1::2::3", ':', "1|2|3"},
        {"1::2::", ':', "1|2|"},
        {"a:b::c", ':', "a:b|c"},    /* one colon is part of a field */
        {"a:::b", ':', "a|:b"},
        {"::", ':', "|"},
        {"http://x::y", ':', "http://x|y"},
    };
    char got[256];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        split_into(cases[k].line, cases[k].sep, got, sizeof got);
        if (strcmp(got, cases[k].fields) != 0)
            fail_msg("'%s' by '%c': '%s', expected '%s'", cases[k].line, cases[k].sep, got, cases[k].fields);
    }
    /* "" by tab gives one empty field; "" by space gives none. */
    const char *p = "", *tok;
    size_t len;
    assert_int_equal(gr_next_field(&p, p, ' ', &tok, &len), 0);
}

/* ---- id map ------------------------------------------------------------------ */

static void intern(gr_idmap *m, const char *s, size_t len, uint32_t want)
{
    char msg[GR_MSG_LEN];
    uint32_t id = 0xdeadbeef;
    assert_int_equal(gr_idmap_intern(m, s, len, &id, msg), GR_OK);
    if (id != want) fail_msg("'%.*s' got id %u, expected %u", (int)len, s, id, want);
}

static void expect_found(const gr_idmap *m, const char *s, size_t len, uint32_t want)
{
    uint32_t id = 0xdeadbeef;
    if (!gr_idmap_find(m, s, len, &id)) fail_msg("'%.*s' (%zu bytes) not found", (int)len, s, len);
    assert_int_equal(id, want);
    size_t nl;
    const char *name = gr_idmap_name(m, id, &nl);
    assert_int_equal(nl, len);
    assert_memory_equal(name, s, len);
}

static void test_idmap_million(void **state)
{
    (void)state;
    gr_idmap *m = gr_idmap_new();
    assert_non_null(m);
    const uint32_t n = 1000000;
    char key[32];
    for (uint32_t i = 0; i < n; i++) {
        int len = snprintf(key, sizeof key, "k%u", i * 2654435761u);
        intern(m, key, (size_t)len, i);
    }
    assert_int_equal(gr_idmap_size(m), n);
    for (uint32_t i = 0; i < n; i++) { /* interning again finds the same id */
        int len = snprintf(key, sizeof key, "k%u", i * 2654435761u);
        expect_found(m, key, (size_t)len, i);
        if (i % 97 == 0) intern(m, key, (size_t)len, i);
    }
    assert_int_equal(gr_idmap_size(m), n);
    uint32_t id;
    assert_false(gr_idmap_find(m, "k-1", 3, &id));
    assert_false(gr_idmap_find(m, "nope", 4, &id));
    assert_true(gr_idmap_bytes(m) > (size_t)n * 8);
    gr_idmap_free(m);
}

static void test_idmap_edge_keys(void **state)
{
    (void)state;
    gr_idmap *m = gr_idmap_new();
    assert_non_null(m);
    uint32_t next = 0;
    /* Longer than 8 bytes and sharing the first 8: only the rest tells them apart. */
    static const char *const shared[] = {"prefix00", "prefix00-a", "prefix00-b", "prefix00-ab", "prefix00-ba",
                                         "prefix00prefix00", "prefix00prefix01"};
    for (int k = 0; k < 7; k++) intern(m, shared[k], strlen(shared[k]), next++);
    /* Long keys equal in their first 255 bytes, where the length in the tag saturates. */
    char longk[4][400];
    const size_t long_len[4] = {255, 256, 300, 300};
    for (int k = 0; k < 4; k++) {
        memset(longk[k], 'x', sizeof longk[k]);
        longk[k][long_len[k] - 1] = (char)('a' + k);
        intern(m, longk[k], long_len[k], next++);
    }
    /* All 256 one-byte keys (NUL and bytes > 127 included), the empty key,
     * and keys that differ from others only by trailing NULs. */
    uint32_t first_byte_id = next;
    for (int c = 0; c < 256; c++) {
        char ch = (char)c;
        intern(m, &ch, 1, next++);
    }
    intern(m, "", 0, next++);
    intern(m, "ab", 2, next++);
    intern(m, "ab\0", 3, next++);
    intern(m, "ab\0\0\0\0\0\0", 8, next++);
    intern(m, "ab\0\0\0\0\0\0\0", 9, next++);
    /* UTF-8 and raw high bytes. */
    static const char *const high[] = {"\xc3\xbc" "ber", "\xff\xfe\xfd", "\xe7\x94\xa8\xe6\x88\xb7-42", "\x80\x81",
                                       "caf\xc3\xa9", "cafe\xcc\x81"};
    uint32_t high_id = next;
    for (int k = 0; k < 6; k++) intern(m, high[k], strlen(high[k]), next++);
    assert_int_equal(gr_idmap_size(m), next);

    /* Every key is found under its id and named back byte for byte. */
    for (int k = 0; k < 7; k++) expect_found(m, shared[k], strlen(shared[k]), (uint32_t)k);
    for (int k = 0; k < 4; k++) expect_found(m, longk[k], long_len[k], 7 + (uint32_t)k);
    for (int c = 0; c < 256; c++) {
        char ch = (char)c;
        expect_found(m, &ch, 1, first_byte_id + (uint32_t)c);
    }
    expect_found(m, "", 0, first_byte_id + 256);
    expect_found(m, "ab\0", 3, first_byte_id + 258);
    expect_found(m, "ab\0\0\0\0\0\0\0", 9, first_byte_id + 260);
    for (int k = 0; k < 6; k++) expect_found(m, high[k], strlen(high[k]), high_id + (uint32_t)k);
    uint32_t id;
    assert_false(gr_idmap_find(m, "prefix00-c", 10, &id));
    assert_false(gr_idmap_find(m, "prefix0", 7, &id));
    assert_false(gr_idmap_find(m, longk[2], 299, &id));

    /* The hash-first calls agree with the plain ones. */
    uint64_t h = gr_idmap_hash("prefix00-b", 10);
    gr_idmap_prefetch(m, h);
    assert_true(gr_idmap_find_hashed(m, "prefix00-b", 10, h, &id));
    assert_int_equal(id, 2);
    char msg[GR_MSG_LEN];
    h = gr_idmap_hash("new-key-123", 11);
    assert_int_equal(gr_idmap_intern_hashed(m, "new-key-123", 11, h, &id, msg), GR_OK);
    assert_int_equal(id, next);
    expect_found(m, "new-key-123", 11, next);
    gr_idmap_free(m);
    gr_idmap_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_id),      cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_parse_time),    cmocka_unit_test(test_next_field),
        cmocka_unit_test(test_idmap_million), cmocka_unit_test(test_idmap_edge_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
