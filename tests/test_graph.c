/* CSR construction: hand-made inputs with known answers (sorted rows,
 * duplicates, empty rows, payload columns, directed/undirected, row ranges),
 * then ~100k random pairs against a brute-force sort + unique. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "graph/graph.h"
#include "loaders/idmap.h"
#include "tests/support.h"

/* ---- invariants -------------------------------------------------------- */

/* ptr starts at 0, never decreases, ends at nnz; every row strictly ascending
 * (sorted, no duplicates) and inside the column range. */
static void check_csr(const gr_csr *c)
{
    assert_non_null(c->ptr);
    assert_int_equal(c->ptr[0], 0);
    assert_int_equal(c->ptr[c->n_rows], c->nnz);
    for (uint32_t r = 0; r < c->n_rows; r++) {
        assert_true(c->ptr[r] <= c->ptr[r + 1]);
        for (uint64_t k = c->ptr[r]; k < c->ptr[r + 1]; k++) {
            assert_true(c->idx[k] < c->n_cols);
            if (k > c->ptr[r]) assert_true(c->idx[k - 1] < c->idx[k]);
        }
    }
}

/* Both matrices valid and every entry of each found in the other: with no
 * duplicates and equal nnz, Rt is exactly the transpose of R. */
static void check_graph(const gr_graph *g)
{
    assert_int_equal(g->R.n_rows, g->n_users);
    assert_int_equal(g->R.n_cols, g->n_items);
    assert_int_equal(g->Rt.n_rows, g->n_items);
    assert_int_equal(g->Rt.n_cols, g->n_users);
    assert_int_equal(g->R.nnz, g->Rt.nnz);
    check_csr(&g->R);
    check_csr(&g->Rt);
    for (uint32_t u = 0; u < g->n_users; u++)
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) assert_true(gr_csr_has(&g->Rt, g->R.idx[k], u));
    for (uint32_t i = 0; i < g->n_items; i++)
        for (uint64_t k = g->Rt.ptr[i]; k < g->Rt.ptr[i + 1]; k++) assert_true(gr_csr_has(&g->R, g->Rt.idx[k], i));
}

/* R row by row equals the expected rows (want_ptr/want_idx). */
static void check_rows(const gr_csr *c, const uint64_t *want_ptr, const uint32_t *want_idx)
{
    for (uint32_t r = 0; r <= c->n_rows; r++) assert_int_equal(c->ptr[r], want_ptr[r]);
    for (uint64_t k = 0; k < c->nnz; k++) assert_int_equal(c->idx[k], want_idx[k]);
}

/* A dataset with integer ids and both payload columns. */
static void dataset_from(gr_dataset *ds, const uint32_t *u, const uint32_t *i, const float *w, const int64_t *t,
                         size_t n)
{
    char msg[GR_MSG_LEN];
    gr_dataset_init(ds);
    gr_rows_init(&ds->rows, 1, 1);
    ds->ids = GR_IDS_INT;
    ds->started = 1;
    for (size_t e = 0; e < n; e++)
        assert_int_equal(gr_rows_push(&ds->rows, u[e], i[e], w ? w[e] : 1.0f, t ? t[e] : 0, msg), GR_OK);
}

/* ---- hand-made --------------------------------------------------------- */

static void test_from_pairs_small(void **state)
{
    (void)state;
    /* users 1 and 4 and item 5 never occur; (0,3) three times, (3,0) twice */
    const uint32_t u[] = {3, 0, 2, 0, 0, 2, 3, 0, 2, 0, 3};
    const uint32_t i[] = {4, 3, 2, 0, 3, 0, 0, 3, 4, 1, 0};
    gr_graph g;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(&g, 5, 6, u, i, 11, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.kind, GR_GRAPH_BIPARTITE);
    assert_null(g.weight);
    assert_null(g.time);
    assert_null(g.user_ids);
    const uint64_t rp[] = {0, 3, 3, 6, 8, 8};
    const uint32_t ri[] = {0, 1, 3, 0, 2, 4, 0, 4};
    check_rows(&g.R, rp, ri);
    assert_int_equal(g.R.nnz, 8);
    const uint64_t tp[] = {0, 3, 4, 5, 6, 8, 8};
    const uint32_t ti[] = {0, 2, 3, 0, 2, 0, 2, 3};
    check_rows(&g.Rt, tp, ti);
    assert_int_equal(gr_csr_degree(&g.R, 1), 0);
    assert_int_equal(gr_csr_degree(&g.Rt, 5), 0);
    assert_int_equal(gr_csr_nonempty_rows(&g.R), 3);
    assert_int_equal(gr_csr_nonempty_rows(&g.Rt), 5);
    assert_true(gr_graph_bytes(&g) >= (5 + 1 + 6 + 1) * sizeof(uint64_t) + 16 * sizeof(uint32_t));
    gr_graph_free(&g);
    assert_null(g.R.ptr); /* free leaves a zeroed graph */
}

static void test_from_pairs_edge_cases(void **state)
{
    (void)state;
    gr_graph g;
    char msg[GR_MSG_LEN] = "";
    /* no pairs: all rows empty but present */
    assert_int_equal(gr_graph_from_pairs(&g, 3, 4, NULL, NULL, 0, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.R.nnz, 0);
    assert_int_equal(gr_csr_nonempty_rows(&g.R), 0);
    gr_graph_free(&g);
    /* ids outside the declared space are refused with a message */
    const uint32_t u[] = {0, 2}, i[] = {1, 7};
    assert_int_equal(gr_graph_from_pairs(&g, 3, 4, u, i, 2, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "(2, 7)"));
    /* one pair repeated many times */
    uint32_t ru[50], ri[50];
    for (int k = 0; k < 50; k++) ru[k] = 1, ri[k] = 2;
    assert_int_equal(gr_graph_from_pairs(&g, 2, 3, ru, ri, 50, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.R.nnz, 1);
    assert_true(gr_csr_has(&g.R, 1, 2));
    gr_graph_free(&g);

    gr_graph_kind k;
    assert_int_equal(gr_graph_kind_parse("directed", &k), 0);
    assert_int_equal(k, GR_GRAPH_DIRECTED);
    assert_int_equal(gr_graph_kind_parse("undirected", &k), 0);
    assert_int_equal(k, GR_GRAPH_UNDIRECTED);
    assert_int_equal(gr_graph_kind_parse("bipartite", &k), 0);
    assert_int_equal(k, GR_GRAPH_BIPARTITE);
    assert_int_equal(gr_graph_kind_parse("Directed", &k), -1);
}

/* Weight and time of (u, i) in g, by the position of i in R's row u. */
static void payload_of(const gr_graph *g, uint32_t u, uint32_t i, float *w, int64_t *t)
{
    for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++)
        if (g->R.idx[k] == i) {
            *w = g->weight[k];
            *t = g->time[k];
            return;
        }
    fail_msg("pair (%u, %u) missing", u, i);
}

static void test_build_payload(void **state)
{
    (void)state;
    /* (1,2) three times: weights 3, 5, 4 -> 5; times 300, 200, 100 -> 100.
     * (0,1) twice: weight 2 then 1 -> 2; time 50 then 70 -> 50. */
    const uint32_t u[] = {1, 0, 1, 2, 1, 0, 1};
    const uint32_t i[] = {2, 1, 2, 0, 2, 1, 0};
    const float w[] = {3, 2, 5, 1.5f, 4, 1, -2};
    const int64_t t[] = {300, 50, 200, 7, 100, 70, -5};
    gr_dataset ds;
    dataset_from(&ds, u, i, w, t, 7);
    gr_graph g;
    gr_build_report rep;
    char msg[GR_MSG_LEN];
    memset(&rep, 0xab, sizeof rep);
    assert_int_equal(gr_graph_build(&g, &ds, 0, ds.rows.n, GR_GRAPH_BIPARTITE, &rep, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.n_users, 3);
    assert_int_equal(g.n_items, 3);
    assert_int_equal(rep.rows_in, 7);
    assert_int_equal(rep.duplicates, 3);
    assert_int_equal(rep.self_loops, 0);
    assert_true(rep.seconds >= 0);
    assert_int_equal(g.R.nnz, 4);
    assert_non_null(g.weight);
    assert_non_null(g.time);
    float wv;
    int64_t tv;
    payload_of(&g, 1, 2, &wv, &tv);
    assert_true(wv == 5.0f && tv == 100);
    payload_of(&g, 0, 1, &wv, &tv);
    assert_true(wv == 2.0f && tv == 50);
    payload_of(&g, 2, 0, &wv, &tv);
    assert_true(wv == 1.5f && tv == 7);
    payload_of(&g, 1, 0, &wv, &tv);
    assert_true(wv == -2.0f && tv == -5);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
}

/* Rows [begin, end) only; the id space is the dataset's. */
static void test_build_range(void **state)
{
    (void)state;
    const uint32_t u[] = {0, 1, 2, 3, 1, 4};
    const uint32_t i[] = {0, 1, 2, 3, 1, 5};
    gr_dataset ds;
    dataset_from(&ds, u, i, NULL, NULL, 6);
    gr_graph g;
    gr_build_report rep;
    char msg[GR_MSG_LEN] = "";
    assert_int_equal(gr_graph_build(&g, &ds, 1, 5, GR_GRAPH_BIPARTITE, &rep, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.n_users, 5);
    assert_int_equal(g.n_items, 6);
    assert_int_equal(rep.rows_in, 4);
    assert_int_equal(rep.duplicates, 1);
    assert_int_equal(g.R.nnz, 3);
    assert_true(gr_csr_has(&g.R, 1, 1) && gr_csr_has(&g.R, 2, 2) && gr_csr_has(&g.R, 3, 3));
    assert_int_equal(gr_csr_degree(&g.R, 0), 0);
    assert_int_equal(gr_csr_degree(&g.R, 4), 0);
    gr_graph_free(&g);

    assert_int_equal(gr_graph_build(&g, &ds, 3, 3, GR_GRAPH_BIPARTITE, &rep, msg), GR_OK); /* empty range */
    check_graph(&g);
    assert_int_equal(g.R.nnz, 0);
    assert_int_equal(rep.rows_in, 0);
    gr_graph_free(&g);

    assert_int_equal(gr_graph_build(&g, &ds, 2, 7, GR_GRAPH_BIPARTITE, NULL, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "2..7"));
    assert_int_equal(gr_graph_build(&g, &ds, 4, 3, GR_GRAPH_BIPARTITE, NULL, msg), GR_ERR_ARG);
    gr_dataset_free(&ds);
}

static void test_build_directed(void **state)
{
    (void)state;
    /* 1->2 and 2->1 are different edges; 3->3 and 0->0 are self-follows;
     * ids run to 6 on the target side only. */
    const uint32_t u[] = {1, 2, 3, 1, 0, 4, 1};
    const uint32_t i[] = {2, 1, 3, 6, 0, 1, 2};
    gr_dataset ds;
    dataset_from(&ds, u, i, NULL, NULL, 7);
    gr_graph g;
    gr_build_report rep;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_build(&g, &ds, 0, 7, GR_GRAPH_DIRECTED, &rep, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.kind, GR_GRAPH_DIRECTED);
    assert_int_equal(g.n_users, 7);
    assert_int_equal(g.n_items, 7);
    assert_int_equal(rep.self_loops, 2);
    assert_int_equal(rep.duplicates, 1);
    assert_int_equal(g.R.nnz, 4);
    const uint64_t rp[] = {0, 0, 2, 3, 3, 4, 4, 4};
    const uint32_t ri[] = {2, 6, 1, 1};
    check_rows(&g.R, rp, ri);
    for (uint32_t v = 0; v < g.n_users; v++) assert_false(gr_csr_has(&g.R, v, v));
    gr_graph_free(&g);
    gr_dataset_free(&ds);
}

static void test_build_undirected(void **state)
{
    (void)state;
    const uint32_t u[] = {0, 1, 2, 2, 4, 3, 0};
    const uint32_t i[] = {1, 0, 2, 3, 0, 2, 4};
    const float w[] = {1, 9, 5, 2, 3, 7, 8};
    const int64_t t[] = {10, 5, 1, 20, 30, 15, 40};
    gr_dataset ds;
    dataset_from(&ds, u, i, w, t, 7);
    gr_graph g;
    gr_build_report rep;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_build(&g, &ds, 0, 7, GR_GRAPH_UNDIRECTED, &rep, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.n_users, 5);
    assert_int_equal(g.n_items, 5);
    assert_int_equal(rep.self_loops, 1);
    /* 6 non-loop rows, 3 distinct edges ({0,1}, {2,3}, {0,4} twice each),
     * stored in both directions; duplicates count input rows, so that
     * rows_in == edges + duplicates + self_loops */
    assert_int_equal(g.R.nnz, 6);
    assert_int_equal(rep.duplicates, 3);
    assert_int_equal(rep.rows_in, g.R.nnz / 2 + rep.duplicates + rep.self_loops);
    /* symmetric: R and Rt are the same arrays */
    assert_memory_equal(g.R.ptr, g.Rt.ptr, (g.n_users + 1) * sizeof *g.R.ptr);
    assert_memory_equal(g.R.idx, g.Rt.idx, g.R.nnz * sizeof *g.R.idx);
    for (uint32_t v = 0; v < g.n_users; v++) assert_false(gr_csr_has(&g.R, v, v));
    /* both directions carry the merged payload */
    float wa, wb;
    int64_t ta, tb;
    payload_of(&g, 0, 1, &wa, &ta);
    payload_of(&g, 1, 0, &wb, &tb);
    assert_true(wa == 9.0f && wb == 9.0f && ta == 5 && tb == 5);
    payload_of(&g, 2, 3, &wa, &ta);
    payload_of(&g, 3, 2, &wb, &tb);
    assert_true(wa == 7.0f && wb == 7.0f && ta == 15 && tb == 15);
    payload_of(&g, 4, 0, &wa, &ta);
    payload_of(&g, 0, 4, &wb, &tb);
    assert_true(wa == 8.0f && wb == 8.0f && ta == 30 && tb == 30);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
}

/* String ids: the id space is the maps' size even when the rows used by the
 * build reference fewer ids, and the graph borrows the maps. */
static void test_build_string_ids(void **state)
{
    (void)state;
    gr_dataset ds;
    char msg[GR_MSG_LEN];
    gr_dataset_init(&ds);
    gr_rows_init(&ds.rows, 0, 0);
    ds.ids = GR_IDS_STRING;
    ds.started = 1;
    ds.user_ids = gr_idmap_new();
    ds.item_ids = gr_idmap_new();
    assert_non_null(ds.user_ids);
    assert_non_null(ds.item_ids);
    const char *users[] = {"ann", "bo", "cy", "di"}, *items[] = {"x", "y", "z"};
    uint32_t id;
    for (int k = 0; k < 4; k++) assert_int_equal(gr_idmap_intern(ds.user_ids, users[k], strlen(users[k]), &id, msg), GR_OK);
    for (int k = 0; k < 3; k++) assert_int_equal(gr_idmap_intern(ds.item_ids, items[k], strlen(items[k]), &id, msg), GR_OK);
    assert_int_equal(gr_rows_push(&ds.rows, 1, 0, 1, 0, msg), GR_OK);
    assert_int_equal(gr_rows_push(&ds.rows, 0, 1, 1, 0, msg), GR_OK);
    gr_graph g;
    assert_int_equal(gr_graph_build(&g, &ds, 0, 2, GR_GRAPH_BIPARTITE, NULL, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.n_users, 4);
    assert_int_equal(g.n_items, 3);
    assert_ptr_equal(g.user_ids, ds.user_ids);
    assert_ptr_equal(g.item_ids, ds.item_ids);
    assert_null(g.weight);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
}

/* ---- randomized against sort + unique --------------------------------- */

typedef struct {
    uint64_t key; /* user << 32 | item */
    float w;
    int64_t t;
} ref_pair;

static int ref_cmp(const void *a, const void *b)
{
    uint64_t x = ((const ref_pair *)a)->key, y = ((const ref_pair *)b)->key;
    return (x > y) - (x < y);
}

/* Builds from n random pairs (skewed users, so some rows are long and many
 * ids stay empty) and compares R, the payload and the report with a
 * brute-force reference. */
static void check_random(uint64_t seed, uint32_t nu, uint32_t ni, size_t n)
{
    gr_rng rng;
    gr_rng_seed(&rng, seed, 0);
    uint32_t *u = malloc(n * sizeof *u), *i = malloc(n * sizeof *i);
    float *w = malloc(n * sizeof *w);
    int64_t *t = malloc(n * sizeof *t);
    ref_pair *ref = malloc(n * sizeof *ref);
    assert_true(u && i && w && t && ref);
    for (size_t e = 0; e < n; e++) {
        double r = gr_rng_uniform(&rng);
        u[e] = (uint32_t)(r * r * (nu - 1)); /* the last user never occurs */
        i[e] = gr_rng_below(&rng, ni);
        w[e] = (float)gr_rng_below(&rng, 1000);
        t[e] = (int64_t)gr_rng_below(&rng, 1u << 30) - (1 << 29);
        ref[e] = (ref_pair){(uint64_t)u[e] << 32 | i[e], w[e], t[e]};
    }
    qsort(ref, n, sizeof *ref, ref_cmp);
    size_t m = 0;
    for (size_t e = 0; e < n; e++) {
        if (m > 0 && ref[m - 1].key == ref[e].key) {
            if (ref[e].w > ref[m - 1].w) ref[m - 1].w = ref[e].w;
            if (ref[e].t < ref[m - 1].t) ref[m - 1].t = ref[e].t;
        } else {
            ref[m++] = ref[e];
        }
    }

    char msg[GR_MSG_LEN];
    gr_graph g;
    assert_int_equal(gr_graph_from_pairs(&g, nu, ni, u, i, n, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(g.R.nnz, m);
    for (uint32_t r = 0; r < nu; r++)
        for (uint64_t k = g.R.ptr[r]; k < g.R.ptr[r + 1]; k++) assert_true(ref[k].key == ((uint64_t)r << 32 | g.R.idx[k]));
    assert_int_equal(gr_csr_degree(&g.R, nu - 1), 0);
    gr_graph_free(&g);

    /* the same rows through a dataset, with payload; the id space is the
     * largest id seen + 1 */
    gr_dataset ds;
    dataset_from(&ds, u, i, w, t, n);
    gr_build_report rep;
    assert_int_equal(gr_graph_build(&g, &ds, 0, n, GR_GRAPH_BIPARTITE, &rep, msg), GR_OK);
    check_graph(&g);
    assert_int_equal(rep.rows_in, n);
    assert_int_equal(rep.duplicates, n - m);
    assert_int_equal(g.R.nnz, m);
    size_t k = 0;
    for (uint32_t r = 0; r < g.n_users; r++)
        for (uint64_t p = g.R.ptr[r]; p < g.R.ptr[r + 1]; p++, k++) {
            assert_true(ref[k].key == ((uint64_t)r << 32 | g.R.idx[p]));
            assert_true(g.weight[p] == ref[k].w);
            assert_int_equal(g.time[p], ref[k].t);
        }
    assert_int_equal(k, m);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    free(u);
    free(i);
    free(w);
    free(t);
    free(ref);
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    check_random(1, 3000, 2000, 100000); /* sparse: few duplicates */
    check_random(2, 300, 200, 100000);   /* dense: most pairs repeat */
    check_random(3, 2, 70000, 100000);   /* one long row */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_pairs_small),
        cmocka_unit_test(test_from_pairs_edge_cases),
        cmocka_unit_test(test_build_payload),
        cmocka_unit_test(test_build_range),
        cmocka_unit_test(test_build_directed),
        cmocka_unit_test(test_build_undirected),
        cmocka_unit_test(test_build_string_ids),
        cmocka_unit_test(test_random_vs_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
