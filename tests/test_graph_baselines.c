/* The graph baselines against igraph and by hand: personalized PageRank
 * (gnn/ppr.h) equals igraph_personalized_pagerank_vs on a user-item graph
 * with social edges and on a follower graph, dangling nodes included, and
 * its fold-in walk equals igraph's on the graph that walk describes;
 * common neighbours, Adamic-Adar and Jaccard (gnn/neighbors.h) equal
 * igraph's neighbour-set intersections, igraph_similarity_inverse_log_weighted
 * and igraph_similarity_jaccard on a follower graph and, item-based, on a
 * user-item graph, and a hand-computed case; then `gnnrec train`, `eval` and
 * `recommend` end to end for each kind on generated data (fold-in, social
 * edges for ppr, a follower graph). */
#include <igraph/igraph.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/config.h"
#include "gnn/neighbors.h"
#include "gnn/ppr.h"
#include "graph/graph.h"
#include "graph/igraph_bridge.h"
#include "tests/support.h"

#define TOL 1e-5

/* ---- igraph references ----------------------------------------------------- */

/* An igraph graph from arcs (from[k], to[k]) with optional weights. */
static void ig_make(igraph_t *ig, igraph_integer_t n, const uint32_t *from, const uint32_t *to, size_t m, int directed)
{
    igraph_vector_int_t e;
    assert_int_equal(igraph_vector_int_init(&e, (igraph_integer_t)(2 * m)), IGRAPH_SUCCESS);
    for (size_t k = 0; k < m; k++) {
        VECTOR(e)[2 * k] = from[k];
        VECTOR(e)[2 * k + 1] = to[k];
    }
    assert_int_equal(igraph_create(ig, &e, n, directed ? IGRAPH_DIRECTED : IGRAPH_UNDIRECTED), IGRAPH_SUCCESS);
    igraph_vector_int_destroy(&e);
}

/* igraph's PPR vector from `origin` (PRPACK, igraph's recommended solver). */
static void ig_ppr(const igraph_t *ig, int directed, const double *w, size_t m, igraph_integer_t origin,
                   double damping, igraph_vector_t *res)
{
    igraph_vector_t weights;
    if (w) {
        assert_int_equal(igraph_vector_init(&weights, (igraph_integer_t)m), IGRAPH_SUCCESS);
        for (size_t k = 0; k < m; k++) VECTOR(weights)[k] = w[k];
    }
    assert_int_equal(igraph_personalized_pagerank_vs(ig, IGRAPH_PAGERANK_ALGO_PRPACK, res, NULL, igraph_vss_all(),
                                                     directed, damping, igraph_vss_1(origin), w ? &weights : NULL,
                                                     NULL),
                     IGRAPH_SUCCESS);
    if (w) igraph_vector_destroy(&weights);
}

static gr_ppr *ppr_make(const gr_graph *g, const gr_csr *social, float sw, uint32_t block)
{
    char msg[GR_MSG_LEN];
    gr_ppr *p = NULL;
    /* ppr_tol bounds the L1 error by tol * damping / (1 - damping) = 5.7e-7;
     * much less is below float's resolution (the change never gets there) */
    const gr_ppr_opts o = {.damping = 0.85, .max_iters = 1000, .tol = 1e-7, .block = block, .social = social,
                           .social_weight = sw};
    if (gr_ppr_init(&p, g, &o, msg) != GR_OK) fail_msg("gr_ppr_init: %s", msg);
    return p;
}

/* ---- PPR on a user-item graph ------------------------------------------------
 * 5 users x 6 items: user 4 and item 5 have no interactions (isolated:
 * dangling); social edges 0-2, 1-3, 2-3. */
enum { BU = 5, BI = 6, BN = BU + BI };
static const uint32_t bu[] = {0, 0, 1, 1, 1, 2, 2, 3};
static const uint32_t bi[] = {0, 1, 1, 2, 3, 0, 3, 4};
#define BE (sizeof bu / sizeof bu[0])
static const uint32_t su[] = {0, 2, 1, 3, 2, 3};
static const uint32_t sv[] = {2, 0, 3, 1, 3, 2};
#define SE (sizeof su / sizeof su[0])

/* The arcs of the bipartite graph (+ social edges of weight sw) as an
 * igraph edge list: undirected edges, or, with `arcs`, both directions of
 * each except the ones out of user `skip_from`, then extra arcs. */
typedef struct {
    uint32_t from[64], to[64];
    double w[64];
    size_t m;
} arcs;

static void arc(arcs *a, uint32_t f, uint32_t t, double w)
{
    a->from[a->m] = f;
    a->to[a->m] = t;
    a->w[a->m++] = w;
}

static void bipartite_arcs(arcs *a, double sw, int directed, uint32_t skip_from)
{
    a->m = 0;
    for (size_t e = 0; e < BE; e++) {
        if (!directed) {
            arc(a, bu[e], BU + bi[e], 1);
            continue;
        }
        if (bu[e] != skip_from) arc(a, bu[e], BU + bi[e], 1);
        arc(a, BU + bi[e], bu[e], 1);
    }
    for (size_t e = 0; sw > 0 && e < SE; e++) {
        if (!directed && su[e] > sv[e]) continue; /* one undirected edge per pair */
        if (directed && su[e] == skip_from) continue;
        arc(a, su[e], sv[e], sw);
    }
}

static void test_ppr_bipartite_vs_igraph(void **state)
{
    (void)state;
    gr_igraph_init();
    gr_graph g, s;
    gr_test_graph_from_pairs(&g, BU, BI, bu, bi, BE);
    gr_test_graph_from_pairs(&s, BU, BU, su, sv, SE);
    for (int with_social = 0; with_social < 2; with_social++) {
        const double sw = with_social ? 2.5 : 0;
        arcs a;
        bipartite_arcs(&a, sw, 0, UINT32_MAX);
        igraph_t ig;
        ig_make(&ig, BN, a.from, a.to, a.m, 0);
        gr_ppr *p = ppr_make(&g, with_social ? &s.R : NULL, (float)sw, 0);
        assert_int_equal(gr_ppr_nodes(p), BN);
        const uint32_t users[BU] = {0, 1, 2, 3, 4};
        float got[BU * BN];
        char msg[GR_MSG_LEN];
        uint32_t iters = 0;
        assert_int_equal(gr_ppr_vectors(p, &g.R, users, BU, got, &iters, msg), GR_OK);
        assert_true(iters > 10 && iters < 1000); /* converged */
        for (uint32_t u = 0; u < BU; u++) {
            igraph_vector_t want;
            igraph_vector_init(&want, 0);
            ig_ppr(&ig, 0, with_social ? a.w : NULL, a.m, u, 0.85, &want);
            double sum = 0;
            for (uint32_t v = 0; v < BN; v++) {
                if (fabs(got[u * BN + v] - VECTOR(want)[v]) > TOL)
                    fail_msg("social %d, user %u, node %u: ppr %.7f, igraph %.7f", with_social, u, v,
                             got[u * BN + v], VECTOR(want)[v]);
                sum += got[u * BN + v];
            }
            assert_float_equal(sum, 1.0, 1e-5);
            igraph_vector_destroy(&want);
        }
        /* the isolated user keeps all its mass; nothing reaches item 5 */
        assert_float_equal(got[4 * BN + 4], 1.0, 1e-6);
        for (uint32_t u = 0; u < BU; u++) assert_float_equal(got[u * BN + BU + 5], 0.0, 0);
        gr_ppr_free(p);
        igraph_destroy(&ig);
    }
    gr_graph_free(&s);
    gr_graph_free(&g);
}

/* A folded-in user walks out along its given row and back only by
 * restarting: igraph on the directed graph with exactly those arcs agrees.
 * Row 5 is a new user (items 1, 4 and the isolated item 5, which is
 * dangling); user 3 comes with one new item (0) besides its training 4. */
static void test_ppr_fold_in_vs_igraph(void **state)
{
    (void)state;
    gr_igraph_init();
    gr_graph g, s;
    gr_test_graph_from_pairs(&g, BU, BI, bu, bi, BE);
    gr_test_graph_from_pairs(&s, BU, BU, su, sv, SE);
    uint64_t hptr[BU + 2];
    uint32_t hidx[BE + 4];
    size_t k = 0;
    for (uint32_t u = 0; u <= BU; u++) {
        hptr[u] = k;
        if (u == 3) hidx[k++] = 0;
        for (size_t e = 0; u < BU && e < BE; e++)
            if (bu[e] == u) hidx[k++] = bi[e];
        if (u == BU) hidx[k++] = 1, hidx[k++] = 4, hidx[k++] = 5;
    }
    hptr[BU + 1] = k;
    const gr_csr rows = {.n_rows = BU + 1, .n_cols = BI, .nnz = k, .ptr = hptr, .idx = hidx};
    gr_ppr *p = ppr_make(&g, &s.R, 2.5f, 0);
    const uint32_t users[2] = {BU, 3};
    float got[2 * BN];
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_ppr_vectors(p, &rows, users, 2, got, NULL, msg), GR_OK);
    for (int c = 0; c < 2; c++) {
        const uint32_t u = users[c], node = u < BU ? u : BN; /* the new user is an extra vertex */
        arcs a;
        bipartite_arcs(&a, 2.5, 1, u); /* u's training arcs out are replaced by its row's */
        for (uint64_t e = hptr[u]; e < hptr[u + 1]; e++) arc(&a, node, BU + hidx[e], 1);
        for (size_t e = 0; u < BU && e < SE; e++)
            if (su[e] == u) arc(&a, u, sv[e], 2.5);
        igraph_t ig;
        ig_make(&ig, BN + 1, a.from, a.to, a.m, 1);
        igraph_vector_t want;
        igraph_vector_init(&want, 0);
        ig_ppr(&ig, 1, a.w, a.m, node, 0.85, &want);
        for (uint32_t v = 0; v < BN; v++)
            if (fabs(got[c * BN + v] - VECTOR(want)[v]) > TOL)
                fail_msg("fold-in user %u, node %u: ppr %.7f, igraph %.7f", u, v, got[c * BN + v], VECTOR(want)[v]);
        igraph_vector_destroy(&want);
        igraph_destroy(&ig);
    }
    gr_ppr_free(p);
    gr_graph_free(&s);
    gr_graph_free(&g);
}

/* ---- PPR on a follower graph -------------------------------------------------
 * 7 accounts: 3 and 4 follow each other, 6 follows nobody (dangling, but
 * followed by 1), nobody follows 5. */
enum { FN = 7 };
static const uint32_t ff[] = {0, 0, 1, 1, 2, 3, 3, 4, 5};
static const uint32_t ft[] = {1, 2, 2, 6, 0, 2, 4, 3, 0};
#define FE (sizeof ff / sizeof ff[0])

static void follower_graph(gr_graph *g)
{
    gr_test_graph_from_pairs(g, FN, FN, ff, ft, FE);
    g->kind = GR_GRAPH_DIRECTED;
}

static void test_ppr_directed_vs_igraph(void **state)
{
    (void)state;
    gr_igraph_init();
    gr_graph g;
    follower_graph(&g);
    igraph_t ig;
    ig_make(&ig, FN, ff, ft, FE, 1);
    /* blocks of 16 users over 20 requests (repeats, any order): the second
     * block is partial */
    gr_ppr *p = ppr_make(&g, NULL, 0, 16);
    uint32_t users[20];
    for (uint32_t k = 0; k < 20; k++) users[k] = (k * 3) % FN;
    float got[20 * FN];
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_ppr_vectors(p, &g.R, users, 20, got, NULL, msg), GR_OK);
    for (uint32_t k = 0; k < 20; k++) {
        igraph_vector_t want;
        igraph_vector_init(&want, 0);
        ig_ppr(&ig, 1, NULL, FE, users[k], 0.85, &want);
        for (uint32_t v = 0; v < FN; v++)
            if (fabs(got[k * FN + v] - VECTOR(want)[v]) > TOL)
                fail_msg("account %u, node %u: ppr %.7f, igraph %.7f", users[k], v, got[k * FN + v], VECTOR(want)[v]);
        igraph_vector_destroy(&want);
    }
    /* the scorer's rows are the same vectors, zero past the graph */
    float scores[3 * (FN + 2)];
    assert_int_equal(gr_ppr_score(p, &g.R, users, 3, FN + 2, scores, msg), GR_OK);
    for (uint32_t k = 0; k < 3; k++) {
        for (uint32_t v = 0; v < FN; v++) assert_float_equal(scores[k * (FN + 2) + v], got[k * FN + v], TOL);
        assert_float_equal(scores[k * (FN + 2) + FN], 0, 0);
    }
    /* bad calls */
    const uint32_t bad = FN;
    assert_int_equal(gr_ppr_score(p, &g.R, &bad, 1, FN, scores, msg), GR_ERR_ARG);
    assert_int_equal(gr_ppr_score(p, &g.R, users, 1, FN - 1, scores, msg), GR_ERR_ARG);
    gr_ppr_free(p);
    gr_ppr *q = NULL;
    gr_ppr_opts o = {.damping = 1.0, .max_iters = 10};
    assert_int_equal(gr_ppr_init(&q, &g, &o, msg), GR_ERR_ARG);
    o.damping = 0.85;
    o.social = &g.R; /* social edges on a follower graph */
    o.social_weight = 1;
    assert_int_equal(gr_ppr_init(&q, &g, &o, msg), GR_ERR_ARG);
    gr_graph b;
    gr_test_graph_from_pairs(&b, FN, FN, ff, ft, FE); /* a bipartite graph with an asymmetric "social" graph */
    assert_int_equal(gr_ppr_init(&q, &b, &o, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "not symmetric"));
    assert_null(q);
    gr_graph_free(&b);
    igraph_destroy(&ig);
    gr_graph_free(&g);
}

/* ---- neighbourhood scores ------------------------------------------------------ */

static gr_neighbors *nb_make(gr_model_kind kind, const gr_graph *g)
{
    char msg[GR_MSG_LEN];
    gr_neighbors *nb = NULL;
    if (gr_neighbors_init(&nb, kind, g, msg) != GR_OK) fail_msg("gr_neighbors_init: %s", msg);
    return nb;
}

static const gr_model_kind nb_kinds[3] = {GR_MODEL_COMMON_NEIGHBORS, GR_MODEL_ADAMIC_ADAR, GR_MODEL_JACCARD};

/* sim[k][a * n + b] of igraph's vertex pair (a, b), a != b, over the
 * vertices vids[0..n): k = 0 common neighbours (sorted neighbour lists
 * intersected), 1 inverse log-weighted (Adamic-Adar), 2 Jaccard. */
static void ig_similarities(const igraph_t *ig, const igraph_integer_t *vids, int n, double *sim[3])
{
    igraph_vector_int_t sel;
    igraph_vector_int_init(&sel, n);
    for (int a = 0; a < n; a++) VECTOR(sel)[a] = vids[a];
    igraph_vs_t vs;
    igraph_vs_vector(&vs, &sel);
    igraph_matrix_t aa, jac;
    igraph_matrix_init(&aa, 0, 0);
    igraph_matrix_init(&jac, 0, 0);
    assert_int_equal(igraph_similarity_inverse_log_weighted(ig, &aa, vs, IGRAPH_ALL), IGRAPH_SUCCESS);
    assert_int_equal(igraph_similarity_jaccard(ig, &jac, vs, IGRAPH_ALL, 0), IGRAPH_SUCCESS);
    igraph_vector_int_t na, nb, both;
    igraph_vector_int_init(&na, 0);
    igraph_vector_int_init(&nb, 0);
    igraph_vector_int_init(&both, 0);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            igraph_neighbors(ig, &na, vids[a], IGRAPH_ALL);
            igraph_neighbors(ig, &nb, vids[b], IGRAPH_ALL);
            igraph_vector_int_intersect_sorted(&na, &nb, &both);
            sim[0][a * n + b] = a == b ? 0 : (double)igraph_vector_int_size(&both);
            sim[1][a * n + b] = a == b ? 0 : MATRIX(aa, a, vids[b]); /* columns are all vertices */
            sim[2][a * n + b] = a == b ? 0 : MATRIX(jac, a, b);
        }
    igraph_vector_int_destroy(&na);
    igraph_vector_int_destroy(&nb);
    igraph_vector_int_destroy(&both);
    igraph_matrix_destroy(&aa);
    igraph_matrix_destroy(&jac);
    igraph_vs_destroy(&vs);
    igraph_vector_int_destroy(&sel);
}

/* Follower graph: scores of account v for user u are igraph's similarities
 * on the follows made a simple undirected graph. */
static void test_neighbors_follower_vs_igraph(void **state)
{
    (void)state;
    gr_igraph_init();
    gr_graph g;
    follower_graph(&g);
    igraph_t ig;
    ig_make(&ig, FN, ff, ft, FE, 1);
    assert_int_equal(igraph_to_undirected(&ig, IGRAPH_TO_UNDIRECTED_COLLAPSE, NULL), IGRAPH_SUCCESS);
    igraph_integer_t vids[FN];
    double *sim[3];
    for (int k = 0; k < 3; k++) sim[k] = calloc(FN * FN, sizeof(double));
    for (int v = 0; v < FN; v++) vids[v] = v;
    ig_similarities(&ig, vids, FN, sim);
    uint32_t users[FN];
    for (uint32_t u = 0; u < FN; u++) users[u] = u;
    for (int k = 0; k < 3; k++) {
        gr_neighbors *nb = nb_make(nb_kinds[k], &g);
        float scores[FN * FN];
        char msg[GR_MSG_LEN];
        assert_int_equal(gr_neighbors_score(nb, &g.R, users, FN, FN, scores, msg), GR_OK);
        for (uint32_t u = 0; u < FN; u++)
            for (uint32_t v = 0; v < FN; v++)
                if (u != v && fabs(scores[u * FN + v] - sim[k][u * FN + v]) > TOL)
                    fail_msg("%s: (%u, %u) %.6f, igraph %.6f", gr_model_kind_name(nb_kinds[k]), u, v, scores[u * FN + v],
                             sim[k][u * FN + v]);
        gr_neighbors_free(nb);
    }
    /* 3 and 4 follow each other: one edge, so they share 2 (not 4) */
    assert_float_equal(sim[0][3 * FN + 2], 0, 0);
    for (int k = 0; k < 3; k++) free(sim[k]);
    igraph_destroy(&ig);
    gr_graph_free(&g);
}

/* User-item graph: score(u, i) = sum over j in I(u), j != i, of igraph's
 * similarity between item vertices j and i, on random data. */
static void test_neighbors_bipartite_vs_igraph(void **state)
{
    (void)state;
    gr_igraph_init();
    enum { NU = 14, NI = 11 };
    gr_rng rng;
    gr_rng_seed(&rng, 9, 0);
    uint32_t pu[NU * NI], pi[NU * NI];
    size_t m = 0;
    for (uint32_t u = 0; u < NU - 1; u++) /* the last user has nothing */
        for (uint32_t i = 0; i < NI - 1; i++) /* nor the last item */
            if (gr_rng_below(&rng, 10) < 3) pu[m] = u, pi[m++] = i;
    gr_graph g;
    gr_test_graph_from_pairs(&g, NU, NI, pu, pi, m);
    igraph_t ig;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_igraph_from_graph(&g, &ig, msg), GR_OK);
    igraph_integer_t vids[NI];
    for (int i = 0; i < NI; i++) vids[i] = NU + i;
    double *sim[3];
    for (int k = 0; k < 3; k++) sim[k] = calloc(NI * NI, sizeof(double));
    ig_similarities(&ig, vids, NI, sim);
    uint32_t users[NU];
    for (uint32_t u = 0; u < NU; u++) users[u] = u;
    for (int k = 0; k < 3; k++) {
        gr_neighbors *nb = nb_make(nb_kinds[k], &g);
        float scores[NU * NI];
        assert_int_equal(gr_neighbors_score(nb, &g.R, users, NU, NI, scores, msg), GR_OK);
        for (uint32_t u = 0; u < NU; u++)
            for (uint32_t i = 0; i < NI; i++) {
                double want = 0;
                for (uint64_t e = g.R.ptr[u]; e < g.R.ptr[u + 1]; e++)
                    if (g.R.idx[e] != i) want += sim[k][g.R.idx[e] * NI + i];
                if (fabs(scores[u * NI + i] - want) > TOL)
                    fail_msg("%s: user %u item %u: %.6f, from igraph %.6f", gr_model_kind_name(nb_kinds[k]), u, i,
                             scores[u * NI + i], want);
            }
        assert_int_equal(gr_neighbors_matrix_nnz(nb) > 0, nb_kinds[k] == GR_MODEL_JACCARD);
        gr_neighbors_free(nb);
    }
    for (int k = 0; k < 3; k++) free(sim[k]);
    igraph_destroy(&ig);
    gr_graph_free(&g);
}

/* The item-based definition by hand: users 0 {0, 1}, 1 {1, 2}, 2 {0, 1, 3}.
 * Item users: U(0) = {0, 2}, U(1) = {0, 1, 2}, U(2) = {1}, U(3) = {2}; user
 * degrees 2, 2, 3, so Adamic-Adar weighs users 0 and 1 by 1/ln 2 and user 2
 * by 1/ln 3.
 *   user 1 (items 1, 2) on item 0: CN(1,0) + CN(2,0) = 2 + 0
 *                                   AA = 1/ln2 + 1/ln3 (users 0, 2)
 *                                   J  = 2/3 + 0
 *                        on item 3: CN 1 + 0, AA 1/ln3, J 1/3 + 0
 *   user 0 (items 0, 1) on item 2: CN 0 + 1, AA 1/ln2 (user 1), J 0 + 1/3
 *                        on item 3: CN 1 + 1, AA 2/ln3, J 1/2 + 1/3
 * A folded-in row {3} (user 7, past the graph's users; item 9 past its
 * items adds nothing) on item 0: CN 1, AA 1/ln3, J 1/2; on item 1: CN 1,
 * AA 1/ln3, J 1/3. */
static void test_neighbors_by_hand(void **state)
{
    (void)state;
    const uint32_t u[] = {0, 0, 1, 1, 2, 2, 2}, i[] = {0, 1, 1, 2, 0, 1, 3};
    gr_graph g;
    gr_test_graph_from_pairs(&g, 3, 4, u, i, 7);
    const double l2 = 1 / log(2.0), l3 = 1 / log(3.0);
    /* want[kind][row][item] for rows: user 1, user 0, the folded-in row
     * (the items of a row, which ranking masks, are scored too: j != i) */
    const double want[3][3][4] = {
        {{2, 1, 1, 1}, {2, 2, 1, 2}, {1, 1, 0, 0}},
        {{l2 + l3, l2, l2, l3}, {l2 + l3, l2 + l3, l2, 2 * l3}, {l3, l3, 0, 0}},
        {{2.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3}, {2.0 / 3, 2.0 / 3, 1.0 / 3, 5.0 / 6}, {0.5, 1.0 / 3, 0, 0}},
    };
    /* rows 0..2 the training rows, then two empty users, then 7: {3, 9} */
    uint64_t hptr[9] = {0, 2, 4, 7, 7, 7, 7, 7, 9};
    uint32_t hidx[9] = {0, 1, 1, 2, 0, 1, 3, 3, 9};
    const gr_csr rows = {.n_rows = 8, .n_cols = 10, .nnz = 9, .ptr = hptr, .idx = hidx};
    const uint32_t users[3] = {1, 0, 7};
    char msg[GR_MSG_LEN];
    for (int k = 0; k < 3; k++) {
        gr_neighbors *nb = nb_make(nb_kinds[k], &g);
        float scores[3 * 6];
        assert_int_equal(gr_neighbors_score(nb, &rows, users, 3, 6, scores, msg), GR_OK);
        for (int r = 0; r < 3; r++) {
            for (int j = 0; j < 4; j++)
                if (fabs(scores[r * 6 + j] - want[k][r][j]) > 1e-6)
                    fail_msg("%s: row %d item %d: %.6f, want %.6f", gr_model_kind_name(nb_kinds[k]), r, j,
                             scores[r * 6 + j], want[k][r][j]);
            assert_float_equal(scores[r * 6 + 4], 0, 0);
            assert_float_equal(scores[r * 6 + 5], 0, 0);
        }
        const uint32_t bad = 8;
        assert_int_equal(gr_neighbors_score(nb, &rows, &bad, 1, 6, scores, msg), GR_ERR_ARG);
        assert_int_equal(gr_neighbors_score(nb, &rows, users, 1, 3, scores, msg), GR_ERR_ARG);
        gr_neighbors_free(nb);
    }
    gr_neighbors *nb = NULL;
    assert_int_equal(gr_neighbors_init(&nb, GR_MODEL_PPR, &g, msg), GR_ERR_ARG);
    assert_null(nb);
    gr_graph_free(&g);
}

/* ---- end to end ----------------------------------------------------------------- */

static const char *const kinds[4] = {"ppr", "common_neighbors", "adamic_adar", "jaccard"};
static const char *dir; /* gr_test_split_dir(): string ids u.., i.. */

static int cli_setup(void **state)
{
    int rc = gr_test_split_setup(state);
    dir = gr_test_split_dir();
    return rc;
}

/* The recommendation lines of a TSV file after its header: user, item per
 * line; fails on a bad header or a score that rises within a user's list. */
static gr_test_pairs read_recs(const char *path, size_t *lines)
{
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    const char *header = "user\trank\titem\tscore\n";
    if (strncmp(text, header, strlen(header)) != 0) fail_msg("%s: bad header", path);
    gr_test_pairs p = {0};
    char prev[64] = "";
    double last = 0;
    *lines = 0;
    for (char *line = strtok(text + strlen(header), "\n"); line; line = strtok(NULL, "\n")) {
        char user[64], item[64];
        unsigned rank;
        double score;
        if (sscanf(line, "%63s %u %63s %lf", user, &rank, item, &score) != 4) fail_msg("%s: bad line '%s'", path, line);
        if (strcmp(user, prev) == 0 && score > last + 1e-12) fail_msg("%s: %s's scores rise at rank %u", path, user, rank);
        snprintf(prev, sizeof prev, "%s", user);
        last = score;
        gr_test_pairs_add(&p, user, strlen(user), item, strlen(item));
        ++*lines;
    }
    gr_test_pairs_sort(&p);
    free(text);
    return p;
}

static int pairs_meet(const gr_test_pairs *a, const gr_test_pairs *b)
{
    for (size_t x = 0, y = 0; x < a->n && y < b->n;) {
        int c = strcmp(a->v[x], b->v[y]);
        if (c == 0) return 1;
        if (c < 0) x++;
        else y++;
    }
    return 0;
}

/* Each kind: train beats ItemPop, eval of the saved model gives the same
 * numbers, recommend --all never repeats a training item. */
static void test_cli_train_eval_recommend(void **state)
{
    (void)state;
    const double pop = gr_test_split_itempop_recall();
    char *train = gr_test_path(dir, "split/train.txt");
    gr_test_pairs seen = {0};
    gr_test_pairs_read(&seen, train, 1);
    for (int k = 0; k < 4; k++) {
        const char *m = kinds[k];
        gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=%s threads=2 --quiet "
                                    "-o %s/%s.gnr --json %s/%s.json", dir, dir, m, dir, m, dir, m);
        if (r.exit_code != 0) fail_msg("train %s: exit %d\n%s", m, r.exit_code, r.err);
        gr_test_run_free(&r);
        char name[64];
        snprintf(name, sizeof name, "%s.json", m);
        const double recall = gr_test_json_number(dir, name, "recall@20"), ndcg = gr_test_json_number(dir, name, "ndcg@20");
        print_message("%s recall@20 %.4f (itempop %.4f)\n", m, recall, pop);
        assert_true(recall > 2 * pop);
        r = gr_test_cli("eval %s/%s.gnr --json %s/%s-eval.json --quiet", dir, m, dir, m);
        if (r.exit_code != 0) fail_msg("eval %s: exit %d\n%s", m, r.exit_code, r.err);
        gr_test_run_free(&r);
        snprintf(name, sizeof name, "%s-eval.json", m);
        assert_float_equal(gr_test_json_number(dir, name, "recall@20"), recall, 1e-6);
        assert_float_equal(gr_test_json_number(dir, name, "ndcg@20"), ndcg, 1e-6);
        r = gr_test_cli("recommend %s/%s.gnr --all -k 10 -o %s/%s.tsv --quiet", dir, m, dir, m);
        if (r.exit_code != 0) fail_msg("recommend %s: exit %d\n%s", m, r.exit_code, r.err);
        gr_test_run_free(&r);
        char *out = gr_test_path(dir, name);
        snprintf(out + strlen(out) - strlen(name), strlen(name) + 1, "%s.tsv", m);
        size_t lines;
        gr_test_pairs recs = read_recs(out, &lines);
        assert_int_equal(lines, 600 * 10);
        assert_false(pairs_meet(&recs, &seen));
        gr_test_pairs_free(&recs);
        free(out);
    }
    /* --explain has no embeddings to compare for these kinds */
    gr_test_run r = gr_test_cli("recommend %s/ppr.gnr --all --explain 2 --quiet", dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--explain"));
    gr_test_run_free(&r);
    /* nor anything to export */
    r = gr_test_cli("export %s/ppr.gnr --what items -o %s/ppr.npy", dir, dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "no embeddings to export"));
    gr_test_run_free(&r);
    /* and no tied rows: view = unipartite is the gradient trainer's */
    r = gr_test_cli("train train=%s/split/train.txt model=ppr graph=directed view=unipartite --quiet", dir);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "view = bipartite"));
    gr_test_run_free(&r);
    /* a graph baseline has no dimension to choose */
    r = gr_test_cli("train train=%s/split/train.txt model=jaccard dim=8 --quiet", dir);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "dim = 1"));
    gr_test_run_free(&r);
    gr_test_pairs_free(&seen);
    free(train);
}

/* --history: a new user with exactly u5's training items gets u5's list
 * from the neighbourhood models (they score from the row alone) and a list
 * of its own from ppr (its items do not link back to it), never one of its
 * items; --exclude and --candidates apply as for every model.  (This test
 * and the next use the models test_cli_train_eval_recommend wrote.) */
static void test_cli_history(void **state)
{
    (void)state;
    char *train_path = gr_test_path(dir, "split/train.txt"), *hist = gr_test_path(dir, "hist.csv"),
         *users = gr_test_path(dir, "users.txt"), *out = gr_test_path(dir, "h.tsv"), *excl = gr_test_path(dir, "x.tsv"),
         *cand = gr_test_path(dir, "c.txt");
    char *train = gr_test_read_file(train_path, NULL);
    char *line = strstr(train, "\nu5 ");
    assert_non_null(line);
    char *end = strchr(line + 1, '\n');
    *end = '\0';
    char text[8192] = "";
    for (char *p = line + 4, *sp; p; p = sp ? sp + 1 : NULL) {
        sp = strchr(p, ' ');
        snprintf(text + strlen(text), sizeof text - strlen(text), "newbie,%.*s\n", sp ? (int)(sp - p) : (int)strlen(p), p);
    }
    gr_test_write_text(hist, text);
    gr_test_write_text(users, "u5\nnewbie\n");
    for (int k = 0; k < 4; k++) {
        const char *m = kinds[k];
        gr_test_run r = gr_test_cli("recommend %s/%s.gnr --users %s --history %s -k 10 -o %s", dir, m, users, hist, out);
        if (r.exit_code != 0) fail_msg("recommend %s --history: exit %d\n%s", m, r.exit_code, r.err);
        assert_non_null(strstr(r.err, "folded in 1 users"));
        gr_test_run_free(&r);
        char *recs = gr_test_read_file(out, NULL);
        char *nb = strstr(recs, "\nnewbie\t");
        assert_non_null(nb);
        /* u5's block and newbie's, each with the user column cut off */
        char a[4096] = "", b[4096] = "";
        for (char *p = strchr(recs, '\n') + 1; p < nb + 1; p = strchr(p, '\n') + 1) {
            char *tab = strchr(p, '\t');
            strncat(a, tab, (size_t)(strchr(p, '\n') - tab + 1));
        }
        for (char *p = nb + 1; *p; p = strchr(p, '\n') + 1) {
            char *tab = strchr(p, '\t');
            strncat(b, tab, (size_t)(strchr(p, '\n') - tab + 1));
            char own[64];
            char *item = strchr(tab + 1, '\t') + 1;
            snprintf(own, sizeof own, ",%.*s\n", (int)(strchr(item, '\t') - item), item);
            assert_null(strstr(text, own));
        }
        if (k == 0) assert_string_not_equal(a, b);
        else assert_string_equal(a, b);
        free(recs);
    }
    /* --exclude drops u5's first recommendation; --candidates keeps two */
    gr_test_write_text(users, "u5\n");
    gr_test_run r = gr_test_cli("recommend %s/ppr.gnr --users %s -k 3 -o %s --quiet", dir, users, out);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    size_t n;
    gr_test_pairs first = read_recs(out, &n);
    assert_int_equal(n, 3);
    char *recs = gr_test_read_file(out, NULL), top[64], second[64];
    assert_int_equal(sscanf(strchr(recs, '\n') + 1, "%*s %*u %63s", top), 1);
    assert_int_equal(sscanf(strchr(strchr(recs, '\n') + 1, '\n') + 1, "%*s %*u %63s", second), 1);
    free(recs);
    char x[160];
    snprintf(x, sizeof x, "u5\t%s\n", top);
    gr_test_write_text(excl, x);
    r = gr_test_cli("recommend %s/ppr.gnr --users %s -k 3 -o %s --exclude %s --quiet", dir, users, out, excl);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    recs = gr_test_read_file(out, NULL);
    assert_null(strstr(recs, x + 2));
    assert_non_null(strstr(recs, second));
    free(recs);
    snprintf(x, sizeof x, "%s\n%s\n", second, top);
    gr_test_write_text(cand, x);
    r = gr_test_cli("recommend %s/ppr.gnr --users %s -k 3 -o %s --candidates %s --quiet", dir, users, out, cand);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    recs = gr_test_read_file(out, NULL);
    char want[200];
    snprintf(want, sizeof want, "\nu5\t1\t%s\t", top);
    assert_non_null(strstr(recs, want));
    snprintf(want, sizeof want, "\nu5\t2\t%s\t", second);
    assert_non_null(strstr(recs, want));
    assert_null(strstr(recs, "\nu5\t3\t"));
    free(recs);
    gr_test_pairs_free(&first);
    free(train);
    free(train_path);
    free(hist);
    free(users);
    free(out);
    free(excl);
    free(cand);
}

/* Social edges join ppr's walk: the scores change, and eval and recommend
 * load them from the model's config as train did. */
static void test_cli_ppr_social(void **state)
{
    (void)state;
    char *social = gr_test_path(dir, "friends.tsv"), text[8192] = "";
    for (int u = 0; u < 600; u += 3) /* a ring of every third user, and its chords */
        snprintf(text + strlen(text), sizeof text - strlen(text), "u%d\tu%d\nu%d\tu%d\n", u, (u + 3) % 600, u,
                 (u + 7) % 600);
    gr_test_write_text(social, text);
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=ppr social=%s "
                                "social_weight=3 threads=2 --quiet -o %s/ppr-s.gnr --json %s/ppr-s.json", dir, dir,
                                social, dir, dir);
    if (r.exit_code != 0) fail_msg("train ppr social: exit %d\n%s", r.exit_code, r.err);
    gr_test_run_free(&r);
    const double with = gr_test_json_number(dir, "ppr-s.json", "ndcg@20"),
                 without = gr_test_json_number(dir, "ppr.json", "ndcg@20");
    print_message("ppr ndcg@20: %.4f with social edges, %.4f without\n", with, without);
    assert_true(fabs(with - without) > 1e-4);
    r = gr_test_cli("eval %s/ppr-s.gnr --json %s/ppr-s-eval.json --quiet", dir, dir);
    if (r.exit_code != 0) fail_msg("eval ppr social: exit %d\n%s", r.exit_code, r.err);
    gr_test_run_free(&r);
    assert_float_equal(gr_test_json_number(dir, "ppr-s-eval.json", "ndcg@20"), with, 1e-6);
    char *users = gr_test_path(dir, "u3.txt");
    gr_test_write_text(users, "u3\n");
    gr_test_run a = gr_test_cli("recommend %s/ppr-s.gnr --users %s -k 5 --quiet", dir, users),
                b = gr_test_cli("recommend %s/ppr.gnr --users %s -k 5 --quiet", dir, users);
    assert_int_equal(a.exit_code, 0);
    assert_int_equal(b.exit_code, 0);
    assert_string_not_equal(a.out, b.out);
    gr_test_run_free(&a);
    gr_test_run_free(&b);
    free(users);
    free(social);
}

/* A follower graph: each kind beats ItemPop and never recommends an
 * account already followed, or the user itself. */
static void test_cli_follower_graph(void **state)
{
    (void)state;
    char *d = gr_test_mkdtemp();
    gr_test_run r = gr_test_cli("generate --kind follows --users 300 --edges 6000 --seed 2 --quiet -o %s/f.tsv", d);
    if (r.exit_code != 0) fail_msg("generate: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("split %s/f.tsv --graph directed --test 0.2 --seed 1 --quiet -o %s/split", d, d);
    if (r.exit_code != 0) fail_msg("split: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt graph=directed model=itempop --quiet "
                    "--json %s/pop.json", d, d, d);
    if (r.exit_code != 0) fail_msg("itempop: %s", r.err);
    gr_test_run_free(&r);
    const double pop = gr_test_json_number(d, "pop.json", "recall@20");
    char *train = gr_test_path(d, "split/train.txt"), *out = gr_test_path(d, "r.tsv");
    gr_test_pairs seen = {0};
    gr_test_pairs_read(&seen, train, 1);
    for (int k = 0; k < 4; k++) {
        r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt graph=directed model=%s threads=2 "
                        "--quiet -o %s/m.gnr --json %s/m.json", d, d, kinds[k], d, d);
        if (r.exit_code != 0) fail_msg("train %s: %s", kinds[k], r.err);
        gr_test_run_free(&r);
        const double recall = gr_test_json_number(d, "m.json", "recall@20");
        print_message("follows: %s recall@20 %.4f (itempop %.4f)\n", kinds[k], recall, pop);
        assert_true(recall > 2 * pop);
        r = gr_test_cli("recommend %s/m.gnr --all -k 20 --quiet -o %s", d, out);
        if (r.exit_code != 0) fail_msg("recommend %s: %s", kinds[k], r.err);
        gr_test_run_free(&r);
        size_t n;
        gr_test_pairs recs = read_recs(out, &n);
        assert_true(n > 300 * 10);
        assert_false(pairs_meet(&recs, &seen));
        for (size_t j = 0; j < recs.n; j++) { /* "user item": never the user itself */
            const char *v = recs.v[j], *sp = strchr(v, ' ');
            const size_t ul = (size_t)(sp - v);
            assert_false(strlen(sp + 1) == ul && strncmp(v, sp + 1, ul) == 0);
        }
        gr_test_pairs_free(&recs);
    }
    gr_test_pairs_free(&seen);
    free(train);
    free(out);
    gr_test_rmdir(d);
    free(d);
}

int main(void)
{
    omp_set_num_threads(2);
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_ppr_bipartite_vs_igraph),
        cmocka_unit_test(test_ppr_fold_in_vs_igraph),
        cmocka_unit_test(test_ppr_directed_vs_igraph),
        cmocka_unit_test(test_neighbors_follower_vs_igraph),
        cmocka_unit_test(test_neighbors_bipartite_vs_igraph),
        cmocka_unit_test(test_neighbors_by_hand),
    };
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_cli_train_eval_recommend),
        cmocka_unit_test(test_cli_history),
        cmocka_unit_test(test_cli_ppr_social),
        cmocka_unit_test(test_cli_follower_graph),
    };
    int failed = cmocka_run_group_tests(unit, NULL, NULL);
    failed += cmocka_run_group_tests(cli, cli_setup, gr_test_split_teardown);
    return failed;
}
