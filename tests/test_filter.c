/* Degree filters and the bipartite k-core: hand-made graphs with known
 * answers, then random graphs against igraph_coreness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "graph/filter.h"
#include "graph/graph.h"
#include "graph/igraph_bridge.h"
#include "tests/support.h"

/* ---- helpers ----------------------------------------------------------- */

static void make_graph(gr_graph *g, uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i, size_t n)
{
    char msg[GR_MSG_LEN] = "";
    if (gr_graph_from_pairs(g, nu, ni, u, i, n, msg) != GR_OK) fail_msg("gr_graph_from_pairs: %s", msg);
}

/* Weight and time that name their edge, to check they stay aligned with R. */
static float tag_weight(uint32_t u, uint32_t i) { return (float)(1000 * u + i); }
static int64_t tag_time(uint32_t u, uint32_t i) { return -(int64_t)(1000 * u + i); }

static void add_payload(gr_graph *g)
{
    g->weight = malloc((g->R.nnz + 1) * sizeof *g->weight);
    g->time = malloc((g->R.nnz + 1) * sizeof *g->time);
    assert_true(g->weight && g->time);
    for (uint32_t u = 0; u < g->n_users; u++)
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) {
            g->weight[k] = tag_weight(u, g->R.idx[k]);
            g->time[k] = tag_time(u, g->R.idx[k]);
        }
}

/* R well formed, Rt its exact transpose (rebuilt after the filter), and the
 * payload, when present, still names each edge. */
static void check_consistent(const gr_graph *g)
{
    assert_int_equal(g->R.ptr[0], 0);
    assert_int_equal(g->R.ptr[g->n_users], g->R.nnz);
    assert_int_equal(g->Rt.ptr[g->n_items], g->Rt.nnz);
    assert_int_equal(g->R.nnz, g->Rt.nnz);
    uint64_t *fill = calloc((size_t)g->n_items + 1, sizeof *fill);
    assert_non_null(fill);
    for (uint32_t u = 0; u < g->n_users; u++) {
        assert_true(g->R.ptr[u] <= g->R.ptr[u + 1]);
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) {
            uint32_t i = g->R.idx[k];
            if (k > g->R.ptr[u]) assert_true(g->R.idx[k - 1] < i);
            /* users are visited in order, so item i's column lists them in order */
            uint64_t pos = g->Rt.ptr[i] + fill[i]++;
            assert_true(pos < g->Rt.ptr[i + 1]);
            assert_int_equal(g->Rt.idx[pos], u);
            if (g->weight) assert_true(g->weight[k] == tag_weight(u, i));
            if (g->time) assert_int_equal(g->time[k], tag_time(u, i));
        }
    }
    for (uint32_t i = 0; i < g->n_items; i++) assert_int_equal(fill[i], g->Rt.ptr[i + 1] - g->Rt.ptr[i]);
    free(fill);
}

/* The edges of g as "u,i" keys, in row order (ascending). */
static size_t edges_of(const gr_graph *g, uint64_t *out)
{
    size_t n = 0;
    for (uint32_t u = 0; u < g->n_users; u++)
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) out[n++] = (uint64_t)u << 32 | g->R.idx[k];
    return n;
}

#define E(u, i) ((uint64_t)(u) << 32 | (i))

/* g holds exactly the edges want[0..n) (ascending). */
static void check_edges(const gr_graph *g, const uint64_t *want, size_t n)
{
    uint64_t got[64];
    assert_true(g->R.nnz <= 64);
    size_t m = edges_of(g, got);
    assert_int_equal(m, n);
    for (size_t k = 0; k < n; k++)
        if (got[k] != want[k])
            fail_msg("edge %zu: got (%u, %u), want (%u, %u)", k, (unsigned)(got[k] >> 32), (unsigned)got[k],
                     (unsigned)(want[k] >> 32), (unsigned)want[k]);
    check_consistent(g);
}

/* ---- min degree -------------------------------------------------------- */

/* u0:{0,1,2} u1:{0,3} u2:{0} u3:{1}; u4 and i4 never occur. */
static const uint32_t md_u[] = {0, 0, 0, 1, 1, 2, 3};
static const uint32_t md_i[] = {0, 1, 2, 0, 3, 0, 1};

static void test_min_degree(void **state)
{
    (void)state;
    gr_graph g;
    gr_filter_report rep;
    char msg[GR_MSG_LEN];
    make_graph(&g, 5, 5, md_u, md_i, 7);
    add_payload(&g);
    memset(&rep, 0xab, sizeof rep);
    assert_int_equal(gr_filter_min_degree(&g, 2, 2, &rep, msg), GR_OK);
    /* u2, u3 (1 item) and i2, i3 (1 user) go.  Degrees are measured once:
     * u1 keeps (1,0) although it is left with one item, i1 keeps u0. */
    const uint64_t want[] = {E(0, 0), E(0, 1), E(1, 0)};
    check_edges(&g, want, 3);
    assert_int_equal(rep.edges_removed, 4);
    assert_int_equal(rep.users_removed, 2);
    assert_int_equal(rep.items_removed, 2);
    assert_int_equal(rep.rounds, 1);
    assert_int_equal(g.n_users, 5); /* the id space is kept */
    assert_int_equal(g.n_items, 5);
    gr_graph_free(&g);

    /* one side only */
    make_graph(&g, 5, 5, md_u, md_i, 7);
    assert_int_equal(gr_filter_min_degree(&g, 3, 0, &rep, msg), GR_OK);
    const uint64_t want_u[] = {E(0, 0), E(0, 1), E(0, 2)};
    check_edges(&g, want_u, 3);
    assert_int_equal(rep.users_removed, 3);
    assert_int_equal(rep.items_removed, 1); /* i3 lost its only user */
    gr_graph_free(&g);

    make_graph(&g, 5, 5, md_u, md_i, 7);
    assert_int_equal(gr_filter_min_degree(&g, 0, 3, &rep, msg), GR_OK);
    const uint64_t want_i[] = {E(0, 0), E(1, 0), E(2, 0)};
    check_edges(&g, want_i, 3);
    assert_int_equal(rep.edges_removed, 4);
    assert_int_equal(rep.users_removed, 1); /* u3 */
    gr_graph_free(&g);

    /* thresholds of 0 or 1 keep everything (rep may be NULL) */
    make_graph(&g, 5, 5, md_u, md_i, 7);
    assert_int_equal(gr_filter_min_degree(&g, 1, 1, NULL, msg), GR_OK);
    assert_int_equal(g.R.nnz, 7);
    check_consistent(&g);
    gr_graph_free(&g);
}

/* ---- k-core, hand-made ------------------------------------------------- */

static void test_kcore_chain(void **state)
{
    (void)state;
    /* u0 - i0 - u1 - i1 - u2 - i2: every node has degree <= 2 and both ends
     * have 1, so the 2-core is empty, peeled from both ends in 3 rounds. */
    const uint32_t u[] = {0, 1, 1, 2, 2}, i[] = {0, 0, 1, 1, 2};
    gr_graph g;
    gr_filter_report rep;
    char msg[GR_MSG_LEN];
    make_graph(&g, 4, 4, u, i, 5);
    assert_int_equal(gr_filter_kcore(&g, 2, 2, &rep, msg), GR_OK);
    assert_int_equal(g.R.nnz, 0);
    check_consistent(&g);
    assert_int_equal(rep.edges_removed, 5);
    assert_int_equal(rep.users_removed, 3);
    assert_int_equal(rep.items_removed, 3); /* u3 and i3 never had edges: not counted */
    assert_int_equal(rep.rounds, 3);
    gr_graph_free(&g);

    /* the 1-core of anything is itself */
    make_graph(&g, 4, 4, u, i, 5);
    assert_int_equal(gr_filter_kcore(&g, 1, 1, &rep, msg), GR_OK);
    assert_int_equal(g.R.nnz, 5);
    assert_int_equal(rep.edges_removed, 0);
    assert_int_equal(rep.users_removed + rep.items_removed, 0);
    gr_graph_free(&g);
}

static void test_kcore_dense_block(void **state)
{
    (void)state;
    /* K(3,3) on u0..2 x i0..2, plus pendants u3-i0 and u0-i3, plus a
     * separate edge u4-i4.  The 3-core is exactly the block. */
    uint32_t u[16], i[16];
    size_t n = 0;
    for (uint32_t a = 0; a < 3; a++)
        for (uint32_t b = 0; b < 3; b++) u[n] = a, i[n++] = b;
    u[n] = 3, i[n++] = 0;
    u[n] = 0, i[n++] = 3;
    u[n] = 4, i[n++] = 4;
    gr_graph g;
    gr_filter_report rep;
    char msg[GR_MSG_LEN];
    make_graph(&g, 6, 6, u, i, n);
    add_payload(&g);
    assert_int_equal(gr_filter_kcore(&g, 3, 3, &rep, msg), GR_OK);
    const uint64_t want[] = {E(0, 0), E(0, 1), E(0, 2), E(1, 0), E(1, 1), E(1, 2), E(2, 0), E(2, 1), E(2, 2)};
    check_edges(&g, want, 9);
    assert_int_equal(rep.edges_removed, 3);
    assert_int_equal(rep.users_removed, 2);
    assert_int_equal(rep.items_removed, 2);
    assert_int_equal(rep.rounds, 1);

    /* a core is a fixed point */
    assert_int_equal(gr_filter_kcore(&g, 3, 3, &rep, msg), GR_OK);
    check_edges(&g, want, 9);
    assert_int_equal(rep.edges_removed, 0);
    assert_int_equal(rep.rounds, 0);

    /* and the 4-core of K(3,3) is empty */
    assert_int_equal(gr_filter_kcore(&g, 4, 4, &rep, msg), GR_OK);
    assert_int_equal(g.R.nnz, 0);
    check_consistent(&g);
    assert_int_equal(rep.users_removed, 3);
    assert_int_equal(rep.items_removed, 3);
    gr_graph_free(&g);
}

static void test_kcore_asymmetric(void **state)
{
    (void)state;
    /* u0:{0,1,2} u1:{0,1} u2:{2,3,4} */
    const uint32_t u[] = {0, 0, 0, 1, 1, 2, 2, 2}, i[] = {0, 1, 2, 0, 1, 2, 3, 4};
    gr_graph g;
    gr_filter_report rep;
    char msg[GR_MSG_LEN];

    /* users need 3 items: u1 goes, nothing else falls */
    make_graph(&g, 3, 5, u, i, 8);
    assert_int_equal(gr_filter_kcore(&g, 3, 1, &rep, msg), GR_OK);
    const uint64_t want_u[] = {E(0, 0), E(0, 1), E(0, 2), E(2, 2), E(2, 3), E(2, 4)};
    check_edges(&g, want_u, 6);
    assert_int_equal(rep.users_removed, 1);
    assert_int_equal(rep.items_removed, 0);
    gr_graph_free(&g);

    /* items need 2 users: i3, i4 go; u2 keeps i2 */
    make_graph(&g, 3, 5, u, i, 8);
    assert_int_equal(gr_filter_kcore(&g, 1, 2, &rep, msg), GR_OK);
    const uint64_t want_i[] = {E(0, 0), E(0, 1), E(0, 2), E(1, 0), E(1, 1), E(2, 2)};
    check_edges(&g, want_i, 6);
    assert_int_equal(rep.users_removed, 0);
    assert_int_equal(rep.items_removed, 2);
    gr_graph_free(&g);

    /* both: u1 and i3, i4 go, then i0, i1 (one user left), then u0 and u2
     * (one item left), then i2: a cascade that empties the graph */
    make_graph(&g, 3, 5, u, i, 8);
    add_payload(&g);
    assert_int_equal(gr_filter_kcore(&g, 3, 2, &rep, msg), GR_OK);
    assert_int_equal(g.R.nnz, 0);
    check_consistent(&g);
    assert_int_equal(rep.edges_removed, 8);
    assert_int_equal(rep.users_removed, 3);
    assert_int_equal(rep.items_removed, 5);
    assert_true(rep.rounds >= 3);
    gr_graph_free(&g);
}

/* ---- k-core against igraph -------------------------------------------- */

/* A random bipartite graph with skewed degrees on both sides, so the cores
 * for small k are non-trivial. */
static void random_graph(gr_graph *g, uint64_t seed, uint32_t nu, uint32_t ni, size_t n)
{
    gr_rng rng;
    gr_rng_seed(&rng, seed, 0);
    uint32_t *u = malloc(n * sizeof *u), *i = malloc(n * sizeof *i);
    assert_true(u && i);
    for (size_t e = 0; e < n; e++) {
        double a = gr_rng_uniform(&rng), b = gr_rng_uniform(&rng);
        u[e] = (uint32_t)(a * a * nu);
        i[e] = (uint32_t)(b * b * b * ni);
    }
    make_graph(g, nu, ni, u, i, n);
    free(u);
    free(i);
}

/* Coreness of every vertex (users, then items) of g's undirected graph. */
static igraph_integer_t *coreness_of(const gr_graph *g)
{
    char msg[GR_MSG_LEN] = "";
    igraph_t ig;
    if (gr_igraph_from_graph(g, &ig, msg) != GR_OK) fail_msg("gr_igraph_from_graph: %s", msg);
    assert_int_equal(igraph_vcount(&ig), (igraph_integer_t)g->n_users + g->n_items);
    assert_int_equal(igraph_ecount(&ig), (igraph_integer_t)g->R.nnz);
    igraph_vector_int_t cores;
    assert_int_equal(igraph_vector_int_init(&cores, 0), IGRAPH_SUCCESS);
    assert_int_equal(igraph_coreness(&ig, &cores, IGRAPH_ALL), IGRAPH_SUCCESS);
    size_t nv = (size_t)igraph_vector_int_size(&cores);
    igraph_integer_t *c = malloc(nv * sizeof *c);
    assert_non_null(c);
    for (size_t v = 0; v < nv; v++) c[v] = VECTOR(cores)[v];
    igraph_vector_int_destroy(&cores);
    igraph_destroy(&ig);
    return c;
}

static void check_against_igraph(uint64_t seed, uint32_t nu, uint32_t ni, size_t n)
{
    gr_graph orig;
    random_graph(&orig, seed, nu, ni, n);
    igraph_integer_t *core = coreness_of(&orig);
    uint64_t *all = malloc(orig.R.nnz * sizeof *all), *want = malloc(orig.R.nnz * sizeof *want);
    assert_true(all && want);
    size_t m = edges_of(&orig, all);
    igraph_integer_t kmax = 0;
    for (size_t v = 0; v < (size_t)nu + ni; v++)
        if (core[v] > kmax) kmax = core[v];
    assert_true(kmax >= 4); /* the test means something */
    char msg[GR_MSG_LEN];
    for (igraph_integer_t k = 1; k <= kmax + 1; k++) {
        /* expected: edges with both ends in the k-core */
        size_t nw = 0;
        for (size_t e = 0; e < m; e++) {
            uint32_t u = (uint32_t)(all[e] >> 32), i = (uint32_t)all[e];
            if (core[u] >= k && core[nu + i] >= k) want[nw++] = all[e];
        }
        uint32_t users_out = 0, items_out = 0;
        for (uint32_t u = 0; u < nu; u++) users_out += gr_csr_degree(&orig.R, u) > 0 && core[u] < k;
        for (uint32_t i = 0; i < ni; i++) items_out += gr_csr_degree(&orig.Rt, i) > 0 && core[nu + i] < k;

        gr_graph g;
        random_graph(&g, seed, nu, ni, n);
        add_payload(&g);
        gr_filter_report rep;
        assert_int_equal(gr_filter_kcore(&g, (uint32_t)k, (uint32_t)k, &rep, msg), GR_OK);
        check_consistent(&g);
        assert_int_equal(g.R.nnz, nw);
        size_t p = 0;
        for (uint32_t u = 0; u < nu; u++)
            for (uint64_t q = g.R.ptr[u]; q < g.R.ptr[u + 1]; q++, p++)
                if (want[p] != ((uint64_t)u << 32 | g.R.idx[q]))
                    fail_msg("seed %llu k %lld: edge %zu differs from igraph's core", (unsigned long long)seed,
                             (long long)k, p);
        assert_int_equal(rep.edges_removed, m - nw);
        assert_int_equal(rep.users_removed, users_out);
        assert_int_equal(rep.items_removed, items_out);
        /* every survivor has >= k neighbours among the survivors */
        for (uint32_t u = 0; u < nu; u++) assert_true(gr_csr_degree(&g.R, u) == 0 || gr_csr_degree(&g.R, u) >= (uint64_t)k);
        for (uint32_t i = 0; i < ni; i++) assert_true(gr_csr_degree(&g.Rt, i) == 0 || gr_csr_degree(&g.Rt, i) >= (uint64_t)k);
        if (k == kmax + 1) assert_int_equal(g.R.nnz, 0);
        gr_graph_free(&g);
    }
    free(all);
    free(want);
    free(core);
    gr_graph_free(&orig);
}

static void test_kcore_vs_igraph(void **state)
{
    (void)state;
    check_against_igraph(11, 400, 300, 4000);
    check_against_igraph(12, 2000, 1500, 20000);
    check_against_igraph(13, 50, 3000, 6000); /* few users, many items */
}

int main(void)
{
    gr_igraph_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_degree),
        cmocka_unit_test(test_kcore_chain),
        cmocka_unit_test(test_kcore_dense_block),
        cmocka_unit_test(test_kcore_asymmetric),
        cmocka_unit_test(test_kcore_vs_igraph),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
