/* Splits: the library's assignment on hand-built graphs, then `gnnrec split`
 * end to end (files, partition of the input, ids, gzip, atomic failure). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph/graph.h"
#include "graph/split.h"
#include "tests/support.h"

/* ---- library ----------------------------------------------------------- */

#define N_ITEMS 101

static uint32_t test_degree(uint32_t u) { return (u * 7) % 23; }

/* User u gets test_degree(u) distinct items (0..22, so small and empty users
 * are covered).  With times, every edge gets a distinct, scrambled time. */
static void build_graph(gr_graph *g, uint32_t n_users, int with_time)
{
    uint32_t *us = malloc((size_t)n_users * 23 * sizeof *us);
    uint32_t *is = malloc((size_t)n_users * 23 * sizeof *is);
    assert_non_null(us);
    assert_non_null(is);
    size_t n = 0;
    for (uint32_t u = 0; u < n_users; u++)
        for (uint32_t k = 0; k < test_degree(u); k++) {
            us[n] = u;
            is[n] = (u * 13 + k * 5) % N_ITEMS;
            n++;
        }
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(g, n_users, N_ITEMS, us, is, n, msg), GR_OK);
    assert_int_equal(g->R.nnz, n);
    free(us);
    free(is);
    if (with_time) {
        g->time = malloc(g->R.nnz * sizeof *g->time);
        assert_non_null(g->time);
        for (uint64_t e = 0; e < g->R.nnz; e++) g->time[e] = (int64_t)((e * 2654435761u) % 1000003u);
    }
}

static uint8_t *run_split(const gr_graph *g, const gr_split_opts *o, gr_split_report *rep)
{
    uint8_t *part = malloc(g->R.nnz + 1);
    assert_non_null(part);
    memset(part, 0xff, g->R.nnz + 1); /* any edge left unassigned shows */
    char msg[GR_MSG_LEN] = "";
    gr_status s = gr_split_assign(g, o, part, rep, msg);
    if (s != GR_OK) fail_msg("gr_split_assign: %s", msg);
    assert_int_equal(part[g->R.nnz], 0xff); /* nothing written past the end */
    return part;
}

static void count_user(const gr_graph *g, const uint8_t *part, uint32_t u, uint64_t c[GR_PART_COUNT])
{
    c[0] = c[1] = c[2] = 0;
    for (uint64_t e = g->R.ptr[u]; e < g->R.ptr[u + 1]; e++) {
        assert_true(part[e] < GR_PART_COUNT);
        c[part[e]]++;
    }
}

static void check_ratio(double test, double valid)
{
    gr_graph g;
    build_graph(&g, 200, 0);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.test = test;
    o.valid = valid;
    gr_split_report rep;
    uint8_t *part = run_split(&g, &o, &rep);
    uint64_t total[GR_PART_COUNT] = {0, 0, 0};
    for (uint32_t u = 0; u < g.n_users; u++) {
        uint64_t c[GR_PART_COUNT], d = gr_csr_degree(&g.R, u);
        count_user(&g, part, u, c);
        for (int p = 0; p < GR_PART_COUNT; p++) total[p] += c[p];
        if (d == 0) continue;
        assert_true(c[GR_PART_TRAIN] >= 1); /* no user loses all train items */
        if (d < 2) {
            assert_int_equal(c[GR_PART_TRAIN], d);
            continue;
        }
        double want_t = floor(test * (double)d + 0.5), want_v = floor(valid * (double)d + 0.5);
        assert_true(fabs((double)c[GR_PART_TEST] - want_t) <= 1.0);
        assert_true(fabs((double)c[GR_PART_VALID] - want_v) <= 1.0);
        if (valid == 0) assert_int_equal(c[GR_PART_VALID], 0);
    }
    assert_int_equal(total[0] + total[1] + total[2], g.R.nnz);
    for (int p = 0; p < GR_PART_COUNT; p++) assert_int_equal(rep.edges[p], total[p]);
    assert_true(rep.users[GR_PART_TEST] > 0);
    free(part);
    gr_graph_free(&g);
}

static void test_ratio_shares(void **state)
{
    (void)state;
    check_ratio(0.2, 0.0);
    check_ratio(0.2, 0.1);
    check_ratio(0.45, 0.45); /* forces the "keep one train item" rule */
}

static void test_min_items(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 100, 0);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.test = 0.5;
    o.min_items = 10;
    gr_split_report rep;
    uint8_t *part = run_split(&g, &o, &rep);
    uint32_t small = 0;
    for (uint32_t u = 0; u < g.n_users; u++) {
        uint64_t c[GR_PART_COUNT], d = gr_csr_degree(&g.R, u);
        count_user(&g, part, u, c);
        if (d > 0 && d < 10) {
            assert_int_equal(c[GR_PART_TRAIN], d);
            small++;
        } else if (d >= 10) {
            assert_true(c[GR_PART_TEST] > 0);
        }
    }
    assert_int_equal(rep.users_train_only, small);
    free(part);
    gr_graph_free(&g);
}

static void test_reproducible(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 500, 1);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.valid = 0.1;
    for (int kind = GR_SPLIT_RATIO; kind <= GR_SPLIT_LEAVE_ONE_OUT; kind++) {
        o.kind = (gr_split_kind)kind;
        o.seed = 42;
        int threads = omp_get_max_threads();
        omp_set_num_threads(1);
        uint8_t *a = run_split(&g, &o, NULL);
        omp_set_num_threads(4);
        uint8_t *b = run_split(&g, &o, NULL);
        omp_set_num_threads(threads);
        assert_memory_equal(a, b, g.R.nnz); /* same seed: same split, any thread count */
        o.seed = 43;
        uint8_t *c = run_split(&g, &o, NULL);
        if (kind == GR_SPLIT_RATIO) assert_true(memcmp(a, c, g.R.nnz) != 0);
        else assert_memory_equal(a, c, g.R.nnz); /* distinct times: no randomness left */
        free(a);
        free(b);
        free(c);
    }
    gr_graph_free(&g);
}

/* Latest first: test holds the latest, valid the next, train the rest. */
static void check_time_order(const gr_graph *g, const uint8_t *part)
{
    for (uint32_t u = 0; u < g->n_users; u++) {
        int64_t min_test = INT64_MAX, max_valid = INT64_MIN, min_valid = INT64_MAX, max_train = INT64_MIN;
        for (uint64_t e = g->R.ptr[u]; e < g->R.ptr[u + 1]; e++) {
            int64_t t = g->time[e];
            if (part[e] == GR_PART_TEST && t < min_test) min_test = t;
            if (part[e] == GR_PART_VALID && t > max_valid) max_valid = t;
            if (part[e] == GR_PART_VALID && t < min_valid) min_valid = t;
            if (part[e] == GR_PART_TRAIN && t > max_train) max_train = t;
        }
        if (min_test != INT64_MAX) assert_true(min_test > max_valid && min_test > max_train);
        if (min_valid != INT64_MAX) assert_true(min_valid > max_train);
    }
}

static void test_loo_latest(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 200, 1);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.kind = GR_SPLIT_LEAVE_ONE_OUT;
    o.valid = 0.1;
    uint8_t *part = run_split(&g, &o, NULL);
    for (uint32_t u = 0; u < g.n_users; u++) {
        uint64_t c[GR_PART_COUNT], d = gr_csr_degree(&g.R, u);
        count_user(&g, part, u, c);
        assert_int_equal(c[GR_PART_TEST], d >= 2 ? 1 : 0);
        assert_int_equal(c[GR_PART_VALID], d >= 3 ? 1 : 0);
    }
    check_time_order(&g, part);
    free(part);
    gr_graph_free(&g);
}

/* Equal times: the seed picks among the latest, never an earlier one. */
static void test_loo_ties(void **state)
{
    (void)state;
    uint32_t us[6] = {0, 0, 0, 0, 0, 0}, is[6] = {0, 1, 2, 3, 4, 5};
    gr_graph g;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(&g, 1, 6, us, is, 6, msg), GR_OK);
    g.time = malloc(6 * sizeof *g.time);
    assert_non_null(g.time);
    for (int e = 0; e < 6; e++) g.time[e] = g.R.idx[e] < 2 ? 10 : 50; /* items 2..5 tie */
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.kind = GR_SPLIT_LEAVE_ONE_OUT;
    int seen[6] = {0};
    for (uint64_t seed = 0; seed < 40; seed++) {
        o.seed = seed;
        uint8_t *part = run_split(&g, &o, NULL);
        for (int e = 0; e < 6; e++)
            if (part[e] == GR_PART_TEST) seen[g.R.idx[e]]++;
        free(part);
    }
    assert_int_equal(seen[0] + seen[1], 0);
    int distinct = 0;
    for (int i = 2; i < 6; i++) distinct += seen[i] > 0;
    assert_true(distinct >= 2);
    gr_graph_free(&g);
}

static void test_loo_without_time(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 100, 0);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.kind = GR_SPLIT_LEAVE_ONE_OUT;
    gr_split_report rep;
    uint8_t *part = run_split(&g, &o, &rep);
    uint32_t held = 0;
    for (uint32_t u = 0; u < g.n_users; u++) {
        uint64_t c[GR_PART_COUNT];
        count_user(&g, part, u, c);
        assert_int_equal(c[GR_PART_TEST], gr_csr_degree(&g.R, u) >= 2);
        held += c[GR_PART_TEST] > 0;
    }
    assert_int_equal(rep.users[GR_PART_TEST], held);
    assert_int_equal(rep.edges[GR_PART_TEST], held);
    free(part);
    gr_graph_free(&g);
}

static void test_temporal_user(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 200, 1);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.kind = GR_SPLIT_TEMPORAL_USER;
    o.test = 0.3;
    o.valid = 0.2;
    uint8_t *part = run_split(&g, &o, NULL);
    for (uint32_t u = 0; u < g.n_users; u++) {
        uint64_t c[GR_PART_COUNT], d = gr_csr_degree(&g.R, u);
        count_user(&g, part, u, c);
        if (d > 0) assert_true(c[GR_PART_TRAIN] >= 1);
        if (d >= 2) assert_true(fabs((double)c[GR_PART_TEST] - floor(0.3 * (double)d + 0.5)) <= 1.0);
    }
    check_time_order(&g, part);
    free(part);
    gr_graph_free(&g);
}

static void test_temporal_global(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 300, 1);
    gr_split_opts o;
    gr_split_opts_default(&o);
    o.kind = GR_SPLIT_TEMPORAL_GLOBAL;
    o.test = 0.2;
    o.valid = 0.1;
    gr_split_report rep;
    uint8_t *part = run_split(&g, &o, &rep);
    assert_true(rep.cut_valid < rep.cut_test && rep.cut_test != INT64_MAX);
    for (uint64_t e = 0; e < g.R.nnz; e++) {
        int64_t t = g.time[e];
        if (part[e] == GR_PART_TEST) assert_true(t >= rep.cut_test);
        else if (part[e] == GR_PART_VALID) assert_true(t >= rep.cut_valid && t < rep.cut_test);
        else assert_true(t < rep.cut_valid);
    }
    /* distinct times: the shares are exact */
    assert_int_equal(rep.edges[GR_PART_TEST], (uint64_t)floor(0.2 * (double)g.R.nnz + 0.5));
    assert_int_equal(rep.edges[GR_PART_VALID], (uint64_t)floor(0.1 * (double)g.R.nnz + 0.5));
    free(part);
    gr_graph_free(&g);
}

static void test_temporal_needs_time(void **state)
{
    (void)state;
    gr_graph g;
    build_graph(&g, 20, 0);
    uint8_t *part = malloc(g.R.nnz);
    assert_non_null(part);
    gr_split_opts o;
    gr_split_opts_default(&o);
    char msg[GR_MSG_LEN];
    for (int kind = GR_SPLIT_TEMPORAL_USER; kind <= GR_SPLIT_TEMPORAL_GLOBAL; kind++) {
        o.kind = (gr_split_kind)kind;
        msg[0] = '\0';
        assert_int_equal(gr_split_assign(&g, &o, part, NULL, msg), GR_ERR_ARG);
        assert_non_null(strstr(msg, "timestamp"));
    }
    free(part);
    gr_graph_free(&g);
}

static void test_bad_options(void **state)
{
    (void)state;
    const double bad[][2] = {{0, 0}, {1, 0}, {-0.1, 0}, {0.2, -0.1}, {0.6, 0.4}, {NAN, 0}, {0.2, NAN}};
    gr_split_opts o;
    char msg[GR_MSG_LEN];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gr_split_opts_default(&o);
        o.test = bad[i][0];
        o.valid = bad[i][1];
        assert_int_equal(gr_split_check_opts(&o, msg), GR_ERR_ARG);
    }
    gr_split_kind k;
    assert_int_equal(gr_split_kind_parse("loo", &k), 0);
    assert_int_equal(k, GR_SPLIT_LEAVE_ONE_OUT);
    assert_int_equal(gr_split_kind_parse("temporal-global", &k), 0);
    assert_int_equal(k, GR_SPLIT_TEMPORAL_GLOBAL);
    assert_int_equal(gr_split_kind_parse("nope", &k), -1);
}

/* ---- gnnrec split, end to end ----------------------------------------- */

/* A set of "user item" pairs as sorted strings, so files are compared
 * independently of line and token order. */
typedef struct {
    char **v;
    size_t n, cap;
} pair_set;

static void pairs_push(pair_set *s, char *owned)
{
    assert_non_null(owned);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = owned;
}

static void pairs_add(pair_set *s, const char *user, size_t ulen, const char *item, size_t ilen)
{
    char *p = malloc(ulen + ilen + 2);
    assert_non_null(p);
    memcpy(p, user, ulen);
    p[ulen] = ' ';
    memcpy(p + ulen + 1, item, ilen);
    p[ulen + 1 + ilen] = '\0';
    pairs_push(s, p);
}

static int pairs_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void pairs_free(pair_set *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Parses text into pairs: adjacency lines "user item item ..." (adj = 1) or
 * edge lines "user<TAB>item[<TAB>...]" (adj = 0), then sorts them. */
static void pairs_parse(pair_set *s, const char *text, int adj)
{
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        if (end == NULL) end = line + strlen(line);
        const char *tok[64];
        size_t len[64], n = 0;
        for (const char *p = line; p < end && n < 64;) {
            while (p < end && (*p == ' ' || *p == '\t')) p++;
            if (p == end) break;
            tok[n] = p;
            while (p < end && *p != ' ' && *p != '\t') p++;
            len[n] = (size_t)(p - tok[n]);
            n++;
        }
        for (size_t i = 1; i < n && (adj || i == 1); i++) pairs_add(s, tok[0], len[0], tok[i], len[i]);
        line = *end ? end + 1 : end;
    }
    qsort(s->v, s->n, sizeof *s->v, pairs_cmp);
}

static void pairs_read(pair_set *s, const char *dir, const char *name)
{
    char *path = gr_test_path(dir, name);
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    pairs_parse(s, text, 1);
    free(text);
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
    pairs_parse(&in, text, 0);
    free(text);
    for (int p = 0; p < n_parts; p++) {
        char name[64];
        snprintf(name, sizeof name, "%s.txt%s", names[p], suffix);
        pair_set part = {0};
        pairs_read(&part, dir, name);
        assert_true(part.n > 0);
        for (size_t i = 0; i < part.n; i++) pairs_push(&all, part.v[i]); /* moves the strings */
        free(part.v);
    }
    qsort(all.v, all.n, sizeof *all.v, pairs_cmp);
    assert_int_equal(all.n, in.n); /* union == input, and no pair twice (disjoint) */
    for (size_t i = 0; i < in.n; i++) assert_string_equal(all.v[i], in.v[i]);
    pairs_free(&in);
    pairs_free(&all);
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
                pairs_add(&want, user, strlen(user), item, strlen(item));
            }
        }
        qsort(want.v, want.n, sizeof *want.v, pairs_cmp);
        assert_int_equal(test.n, want.n);
        for (size_t i = 0; i < want.n; i++) assert_string_equal(test.v[i], want.v[i]);
        pairs_free(&test);
        pairs_free(&want);
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
        cmocka_unit_test(test_ratio_shares),
        cmocka_unit_test(test_min_items),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_loo_latest),
        cmocka_unit_test(test_loo_ties),
        cmocka_unit_test(test_loo_without_time),
        cmocka_unit_test(test_temporal_user),
        cmocka_unit_test(test_temporal_global),
        cmocka_unit_test(test_temporal_needs_time),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_cli_basic),
        cmocka_unit_test(test_cli_valid_gzip),
        cmocka_unit_test(test_cli_string_ids),
        cmocka_unit_test(test_cli_reproducible),
        cmocka_unit_test(test_cli_time_methods),
        cmocka_unit_test(test_cli_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
