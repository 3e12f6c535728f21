/* Splits: the library's assignment on hand-built graphs.  `gnnrec split` end
 * to end is in test_split_cli.c. */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
