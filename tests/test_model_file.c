/* Model files: bit-exact round trips (string, shared and integer ids), and a
 * reader that refuses every damaged file -- flipped bytes, every truncation,
 * hostile sizes, foreign files -- with a message and without crashing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gnn/model_file.h"
#include "loaders/idmap_io.h"
#include "tests/support.h"

enum { IDS_INT, IDS_STRING, IDS_SHARED };

static gr_idmap *make_map(const char *prefix, uint32_t n)
{
    char msg[GR_MSG_LEN], name[32];
    uint32_t id;
    gr_idmap *m = gr_idmap_new();
    assert_non_null(m);
    assert_int_equal(gr_idmap_intern(m, "", 0, &id, msg), GR_OK); /* an empty id survives too */
    assert_int_equal(gr_idmap_intern(m, "tab\there", 8, &id, msg), GR_OK);
    for (uint32_t i = 2; i < n; i++) {
        int l = snprintf(name, sizeof name, "%s-%u-é", prefix, i);
        assert_int_equal(gr_idmap_intern(m, name, (size_t)l, &id, msg), GR_OK);
        assert_int_equal(id, i);
    }
    return m;
}

static void make_model(gr_model *m, int ids, uint32_t n_users, uint32_t n_items, uint32_t dim)
{
    char msg[GR_MSG_LEN];
    memset(m, 0, sizeof *m);
    gr_config_default(&m->cfg);
    char v[16];
    snprintf(v, sizeof v, "%u", dim);
    assert_int_equal(gr_config_set(&m->cfg, "dim", v, msg), GR_OK);
    assert_int_equal(gr_config_set(&m->cfg, "train", "data/train.txt", msg), GR_OK);
    m->n_users = n_users;
    m->n_items = n_items;
    m->dim = dim;
    size_t n = (size_t)(n_users + n_items) * dim;
    m->ego = malloc(n * sizeof(float) + 1);
    m->final = malloc(n * sizeof(float) + 1);
    assert_true(m->ego && m->final);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        m->ego[i] = (float)((double)x / 4294967296.0 - 0.5);
        m->final[i] = m->ego[i] * 0.3f - 1e-30f;
    }
    if (n > 2) m->ego[1] = -0.0f, m->ego[2] = 1e-42f; /* sign of zero and a denormal */
    if (ids == IDS_STRING) {
        m->user_ids = make_map("user", n_users);
        m->item_ids = make_map("item", n_items);
    } else if (ids == IDS_SHARED) {
        uint32_t n_ids = n_users > n_items ? n_users : n_items;
        m->user_ids = m->item_ids = make_map("acct", n_ids);
        m->shared_ids = 1;
    }
    m->epoch = 417;
    m->best_metric = 0.18301234567;
}

static void assert_same_model(const gr_model *a, const gr_model *b)
{
    assert_true(gr_config_equal(&a->cfg, &b->cfg));
    assert_memory_equal(&a->cfg, &b->cfg, sizeof a->cfg);
    assert_int_equal(a->n_users, b->n_users);
    assert_int_equal(a->n_items, b->n_items);
    assert_int_equal(a->dim, b->dim);
    size_t bytes = (size_t)(a->n_users + a->n_items) * a->dim * sizeof(float);
    if (bytes > 0) {
        assert_memory_equal(a->ego, b->ego, bytes);
        assert_memory_equal(a->final, b->final, bytes);
    }
    assert_true(gr_idmap_equal(a->user_ids, b->user_ids));
    assert_true(gr_idmap_equal(a->item_ids, b->item_ids));
    assert_int_equal(a->shared_ids, b->shared_ids);
    if (b->shared_ids) assert_ptr_equal(b->user_ids, b->item_ids);
    assert_int_equal(a->epoch, b->epoch);
    assert_memory_equal(&a->best_metric, &b->best_metric, sizeof(double));
}

static void test_round_trip(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "model.gnr"), msg[GR_MSG_LEN] = "";
    for (int ids = IDS_INT; ids <= IDS_SHARED; ids++) {
        gr_model a, b;
        make_model(&a, ids, 5, 7, 4);
        if (ids == IDS_SHARED) assert_int_equal(gr_config_set(&a.cfg, "graph", "directed", msg), GR_OK);
        if (gr_model_save(&a, path, msg) != GR_OK) fail_msg("%s", msg);
        if (gr_model_load(&b, path, msg) != GR_OK) fail_msg("%s", msg);
        assert_same_model(&a, &b);
        if (ids == IDS_INT) assert_null(b.user_ids);
        gr_model_free(&a);
        gr_model_free(&b);
        assert_null(b.ego);
        assert_int_equal(gr_test_count_entries(dir), 1); /* no temporary left behind */
    }
    /* an mf model and a model with no rows */
    gr_model a, b;
    make_model(&a, IDS_STRING, 3, 2, 8);
    assert_int_equal(gr_config_set(&a.cfg, "model", "mf", msg), GR_OK);
    assert_int_equal(gr_model_save(&a, path, msg), GR_OK);
    assert_int_equal(gr_model_load(&b, path, msg), GR_OK);
    assert_same_model(&a, &b);
    gr_model_free(&a);
    gr_model_free(&b);
    make_model(&a, IDS_INT, 0, 0, 4);
    assert_int_equal(gr_model_save(&a, path, msg), GR_OK);
    assert_int_equal(gr_model_load(&b, path, msg), GR_OK);
    assert_same_model(&a, &b);
    gr_model_free(&a);
    gr_model_free(&b);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

/* ---- damaged files ------------------------------------------------------ */

typedef struct {
    char tag[5];
    size_t head, payload, len; /* offsets of the section header and payload, payload length */
} section;

/* Walks a well-formed file's sections. */
static int list_sections(const unsigned char *f, size_t size, section *s, int max)
{
    int n = 0;
    size_t at = 12;
    while (at < size && n < max) {
        uint64_t len = 0;
        for (int i = 0; i < 8; i++) len |= (uint64_t)f[at + 4 + i] << (8 * i);
        memcpy(s[n].tag, f + at, 4);
        s[n].tag[4] = '\0';
        s[n].head = at;
        s[n].payload = at + 12;
        s[n].len = (size_t)len;
        at += 12 + (size_t)len + 4;
        n++;
    }
    assert_int_equal(at, size);
    return n;
}

static gr_status load_bytes(const char *path, const void *data, size_t len, char *msg)
{
    gr_model m;
    gr_test_write_file(path, data, len);
    gr_status s = gr_model_load(&m, path, msg);
    if (s == GR_OK) gr_model_free(&m);
    else assert_null(m.ego); /* zeroed on failure */
    return s;
}

static void expect_refused(const char *path, const void *data, size_t len, const char *want)
{
    char msg[GR_MSG_LEN] = "";
    assert_int_not_equal(load_bytes(path, data, len, msg), GR_OK);
    if (strstr(msg, path) == NULL || strstr(msg, want) == NULL) fail_msg("message '%s' lacks '%s' or the path", msg, want);
}

static unsigned char *saved_model(const char *path, int ids, size_t *size)
{
    gr_model m;
    char msg[GR_MSG_LEN];
    make_model(&m, ids, 3, 4, 2);
    assert_int_equal(gr_model_save(&m, path, msg), GR_OK);
    gr_model_free(&m);
    unsigned char *f = (unsigned char *)gr_test_read_file(path, size);
    assert_non_null(f);
    return f;
}

static void test_flipped_bytes(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "m.gnr"), *bad = gr_test_path(dir, "bad.gnr");
    size_t size;
    unsigned char *f = saved_model(path, IDS_STRING, &size);
    section s[16];
    int n = list_sections(f, size, s, 16);
    assert_int_equal(n, 7);
    const char *order[] = {"CONF", "DIMS", "UIDS", "IIDS", "EGO ", "FINL", "END "};
    char want[64];
    for (int i = 0; i < n; i++) {
        assert_string_equal(s[i].tag, order[i]);
        snprintf(want, sizeof want, "section %s CRC mismatch", s[i].tag);
        /* every payload byte, then every CRC byte */
        for (size_t b = s[i].payload; b < s[i].payload + s[i].len + 4; b++) {
            f[b] ^= 0x40;
            expect_refused(bad, f, size, want);
            f[b] ^= 0x40;
        }
    }
    /* a damaged header or tag is refused too, with some message */
    char msg[GR_MSG_LEN];
    for (size_t b = 0; b < size; b++) {
        f[b] ^= 0x01;
        assert_int_not_equal(load_bytes(bad, f, size, msg), GR_OK);
        f[b] ^= 0x01;
    }
    assert_int_equal(load_bytes(bad, f, size, msg), GR_OK);
    free(f);
    gr_test_rmdir(dir);
    free(path);
    free(bad);
    free(dir);
}

static void test_truncation(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "m.gnr"), *bad = gr_test_path(dir, "bad.gnr");
    char msg[GR_MSG_LEN];
    for (int ids = IDS_INT; ids <= IDS_SHARED; ids++) {
        size_t size;
        unsigned char *f = saved_model(path, ids, &size);
        section s[16];
        int n = list_sections(f, size, s, 16);
        for (size_t len = 0; len < size; len++) {
            msg[0] = '\0';
            assert_int_not_equal(load_bytes(bad, f, len, msg), GR_OK);
            assert_non_null(strstr(msg, bad));
        }
        /* inside a section's payload, the message names that section; after
         * DIMS, the arrays no longer fit and DIMS already says "truncated" */
        char want[64];
        for (int i = 0; i < n; i++) {
            snprintf(want, sizeof want, "truncated in section %s", s[i].tag);
            if (i > 1) snprintf(want, sizeof want, "truncated");
            expect_refused(bad, f, s[i].payload + s[i].len / 2, want);
        }
        expect_refused(bad, f, 5, "not a gnnrec model file");
        /* trailing bytes after END */
        unsigned char *g = malloc(size + 3);
        memcpy(g, f, size);
        memset(g + size, 0, 3);
        expect_refused(bad, g, size + 3, "stray bytes after section END");
        free(g);
        free(f);
    }
    gr_test_rmdir(dir);
    free(path);
    free(bad);
    free(dir);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* magic, version, then one DIMS section with a valid CRC: 60 bytes that claim
 * 2^31 users x 64 floats. */
static void test_hostile_dims(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *bad = gr_test_path(dir, "huge.gnr");
    unsigned char f[60] = {'G', 'N', 'N', 'R', 'E', 'C', 0, 1};
    put32(f + 8, 1);
    memcpy(f + 12, "DIMS", 4);
    put32(f + 16, 32); /* uint64 length 32 */
    put32(f + 24, 1u << 31); /* n_users */
    put32(f + 28, 1u << 31); /* n_items */
    put32(f + 32, 64);       /* dim */
    put32(f + 56, (uint32_t)crc32(0L, f + 24, 32));
    expect_refused(bad, f, sizeof f, "truncated or corrupt: section DIMS claims 2147483648 + 2147483648 rows x 64 floats");
    /* a section claiming 2^63 bytes */
    put32(f + 16, 0);
    put32(f + 20, 1u << 31);
    expect_refused(bad, f, sizeof f, "truncated in section DIMS");
    gr_test_rmdir(dir);
    free(bad);
    free(dir);
}

static void test_foreign_files(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *bad = gr_test_path(dir, "x.gnr"), msg[GR_MSG_LEN];
    expect_refused(bad, "", 0, "not a gnnrec model file");
    expect_refused(bad, "user item\n1 2 3\n", 16, "not a gnnrec model file");
    unsigned char v2[16] = {'G', 'N', 'N', 'R', 'E', 'C', 0, 1, 2, 0, 0, 0};
    expect_refused(bad, v2, sizeof v2, "version 2");
    gr_model m;
    assert_int_equal(gr_model_load(&m, dir, msg), GR_ERR_IO); /* a directory */
    assert_int_equal(gr_model_load(&m, "/nonexistent/m.gnr", msg), GR_ERR_IO);
    assert_non_null(strstr(msg, "/nonexistent/m.gnr"));
    gr_test_rmdir(dir);
    free(bad);
    free(dir);
}

/* An unknown section with a good CRC is skipped: room for later additions. */
static void test_unknown_section(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "m.gnr"), msg[GR_MSG_LEN];
    size_t size;
    unsigned char *f = saved_model(path, IDS_INT, &size);
    section s[16];
    int n = list_sections(f, size, s, 16);
    size_t end = s[n - 1].head, extra = 12 + 5 + 4;
    unsigned char *g = malloc(size + extra);
    memcpy(g, f, end);
    memcpy(g + end, "OPTM", 4);
    memset(g + end + 4, 0, 8);
    g[end + 4] = 5;
    memcpy(g + end + 12, "hello", 5);
    put32(g + end + 17, (uint32_t)crc32(0L, (const unsigned char *)"hello", 5));
    memcpy(g + end + extra, f + end, size - end);
    assert_int_equal(load_bytes(path, g, size + extra, msg), GR_OK);
    g[end + 13] ^= 1;
    expect_refused(path, g, size + extra, "section OPTM CRC mismatch");
    free(g);
    free(f);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

static void test_save_failures(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *sub = gr_test_path(dir, "missing/model.gnr"), msg[GR_MSG_LEN];
    gr_model m, b;
    make_model(&m, IDS_STRING, 3, 3, 4);
    assert_int_not_equal(gr_model_save(&m, sub, msg), GR_OK);
    assert_int_equal(gr_test_count_entries(dir), 0);
    char *gz = gr_test_path(dir, "model.gnr.gz");
    assert_int_equal(gr_model_save(&m, gz, msg), GR_ERR_ARG);
    assert_int_equal(gr_test_count_entries(dir), 0);
    /* a model that fails its checks leaves the previous file intact */
    char *path = gr_test_path(dir, "model.gnr");
    assert_int_equal(gr_model_save(&m, path, msg), GR_OK);
    m.dim = 5;
    assert_int_equal(gr_model_save(&m, path, msg), GR_ERR_ARG);
    m.dim = 4;
    assert_int_equal(gr_test_count_entries(dir), 1);
    assert_int_equal(gr_model_load(&b, path, msg), GR_OK);
    assert_same_model(&m, &b);
    gr_model_free(&b);
    gr_model_free(&m);
    gr_test_rmdir(dir);
    free(sub);
    free(gz);
    free(path);
    free(dir);
}

static void test_idmap_bytes(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_idmap *m = make_map("x", 50), *back = NULL;
    unsigned char *buf;
    size_t len;
    assert_int_equal(gr_idmap_serialize(m, &buf, &len, msg), GR_OK);
    assert_int_equal(gr_idmap_deserialize(&back, buf, len, msg), GR_OK);
    assert_true(gr_idmap_equal(m, back));
    gr_idmap_free(back);
    for (size_t l = 0; l < len; l++) assert_int_not_equal(gr_idmap_deserialize(&back, buf, l, msg), GR_OK);
    put32(buf, 0xFFFFFFFFu); /* hostile count */
    assert_int_not_equal(gr_idmap_deserialize(&back, buf, len, msg), GR_OK);
    free(buf);
    unsigned char dup[] = {2, 0, 0, 0, 1, 0, 0, 0, 'a', 1, 0, 0, 0, 'a'};
    assert_int_not_equal(gr_idmap_deserialize(&back, dup, sizeof dup, msg), GR_OK);
    assert_non_null(strstr(msg, "repeats"));
    gr_idmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_flipped_bytes), cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_hostile_dims), cmocka_unit_test(test_foreign_files), cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_save_failures), cmocka_unit_test(test_idmap_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
