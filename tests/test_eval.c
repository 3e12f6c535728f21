/* Evaluation: top-K selection (masks, ties, NaN, against a brute-force
 * sort), metrics on hand-computed cases, block-size invariance and the
 * errors of gr_evaluate.  The scorers and the output writers are in
 * test_eval_scorers.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"
#include "eval/topk.h"
#include "graph/graph.h"
#include "tests/support.h"

/* ---- top-K --------------------------------------------------------------- */

static void test_topk_row(void **state)
{
    (void)state;
    gr_topk_entry heap[8], out[8];
    /* ties by lower index; mask1 {1, 4}, mask2 {4, 6, 99}: 99 is past the row
     * and ignored; NaN ranks after every number */
    const float s[8] = {0.5f, 9.0f, 0.5f, NAN, 9.0f, 0.7f, 3.0f, 0.5f};
    const uint32_t m1[] = {1, 4}, m2[] = {4, 6, 99};
    gr_mask_row a = {m1, 2}, b = {m2, 3}, none = {NULL, 0};
    uint32_t n = gr_topk_row(s, 8, a, b, GR_TOPK_NO_SKIP, 3, heap, out);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].item, 5); /* 0.7 */
    assert_int_equal(out[1].item, 0); /* 0.5, lowest index of the three */
    assert_int_equal(out[2].item, 2);
    assert_true(out[0].score == 0.7f);
    /* k beyond the unmasked count: 8 - {1,4,6} = 5 entries, NaN last */
    n = gr_topk_row(s, 8, a, b, GR_TOPK_NO_SKIP, 8, heap, out);
    assert_int_equal(n, 5);
    const uint32_t want[] = {5, 0, 2, 7, 3};
    for (int r = 0; r < 5; r++) assert_int_equal(out[r].item, want[r]);
    /* no masks: the two 9s first, lower index first */
    n = gr_topk_row(s, 8, none, none, GR_TOPK_NO_SKIP, 2, heap, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].item, 1);
    assert_int_equal(out[1].item, 4);
    assert_int_equal(gr_topk_row(s, 8, none, none, GR_TOPK_NO_SKIP, 0, heap, out), 0);
    /* skip: the best item left out as if it were the user itself */
    uint32_t best = out[0].item;
    n = gr_topk_row(s, 8, none, none, best, 8, heap, out);
    assert_int_equal(n, 7);
    for (uint32_t q = 0; q < n; q++) assert_int_not_equal(out[q].item, best);
    /* everything masked */
    const uint32_t all[] = {0, 1, 2, 3, 4, 5, 6, 7};
    gr_mask_row every = {all, 8};
    assert_int_equal(gr_topk_row(s, 8, every, none, GR_TOPK_NO_SKIP, 3, heap, out), 0);
}

static int ref_cmp(const void *x, const void *y)
{
    const gr_topk_entry *a = x, *b = y;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return (a->item > b->item) - (a->item < b->item);
}

/* Random rows with heavy ties and random masks against qsort, through the
 * parallel block function. */
static void test_topk_random(void **state)
{
    (void)state;
    enum { NU = 64, NI = 1000, K = 37 };
    gr_rng rng;
    gr_rng_seed(&rng, 7, 0);
    float *s = malloc(sizeof(float) * NU * NI);
    uint32_t *mu = malloc(sizeof(uint32_t) * NU * NI), *mi = malloc(sizeof(uint32_t) * NU * NI);
    gr_topk_entry *out = malloc(sizeof(gr_topk_entry) * NU * K), *ref = malloc(sizeof(gr_topk_entry) * NI);
    uint32_t users[NU], out_n[NU];
    assert_true(s && mu && mi && out && ref);
    size_t nm = 0;
    for (uint32_t u = 0; u < NU; u++) {
        users[u] = u;
        uint32_t masked_share = gr_rng_below(&rng, 4) == 0 ? 995 : 20; /* some rows nearly all masked */
        for (uint32_t i = 0; i < NI; i++) {
            s[u * NI + i] = (float)gr_rng_below(&rng, 50); /* ~20 ties per value */
            if (gr_rng_below(&rng, 1000) < masked_share) mu[nm] = u, mi[nm++] = i;
        }
    }
    gr_graph mask;
    gr_test_graph_from_pairs(&mask, NU, NI, mu, mi, nm);
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_topk_block(s, NU, NI, users, &mask.R, NULL, 0, K, 0, out, out_n, msg), GR_OK);
    for (uint32_t u = 0; u < NU; u++) {
        uint32_t n = 0;
        gr_mask_row m = gr_mask_row_of(&mask.R, u);
        for (uint32_t i = 0, p = 0; i < NI; i++) {
            if (p < m.n && m.idx[p] == i) {
                p++;
                continue;
            }
            ref[n++] = (gr_topk_entry){s[u * NI + i], i};
        }
        qsort(ref, n, sizeof *ref, ref_cmp);
        assert_int_equal(out_n[u], n < K ? n : K);
        for (uint32_t r = 0; r < out_n[u]; r++) {
            assert_int_equal(out[u * K + r].item, ref[r].item);
            assert_true(out[u * K + r].score == ref[r].score);
        }
    }
    gr_graph_free(&mask);
    free(s);
    free(mu);
    free(mi);
    free(out);
    free(ref);
}

/* ---- hand-computed metrics ------------------------------------------------ */

/* The case and its hand-computed values: gr_test_hand_scores in tests/support.h. */
static void check_hand_result(const gr_eval_result *r)
{
    const double ndcg0_5 = 0.8503449055347546, ndcg1_5 = 0.38685280723454163, ndcg0_3 = 0.6131471927654584;
    assert_int_equal(r->n_users, 3);
    assert_int_equal(r->n_items, 6);
    assert_int_equal(r->n_ks, 3);
    /* @1 */
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_RECALL, 1), (0.5 + 0 + 0.5) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_PRECISION, 1), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_NDCG, 1), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_HIT, 1), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_MAP, 1), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_MRR, 1), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_COVERAGE, 1), 0.5);
    /* @3 */
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_RECALL, 3), (0.5 + 0 + 1) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_PRECISION, 3), (1.0 / 3 + 0 + 2.0 / 3) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_NDCG, 3), (ndcg0_3 + 0 + 1) / 3); /* 0.5377157309218195 */
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_HIT, 3), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_MAP, 3), (0.5 + 0 + 1) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_MRR, 3), 2.0 / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_COVERAGE, 3), 1.0);
    /* @5 */
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_RECALL, 5), 1.0);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_PRECISION, 5), (0.4 + 0.2 + 0.4) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_NDCG, 5), (ndcg0_5 + ndcg1_5 + 1) / 3); /* 0.7457325709230987 */
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_HIT, 5), 1.0);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_MAP, 5), (0.7 + 0.2 + 1) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_MRR, 5), (1 + 0.2 + 1) / 3);
    gr_test_assert_near(gr_eval_get(r, GR_METRIC_COVERAGE, 5), 1.0);
    assert_true(isnan(gr_eval_get(r, GR_METRIC_RECALL, 20)));
    assert_true(r->seconds >= 0 && r->score_seconds >= 0 && r->rank_seconds >= 0);
}

static void test_metrics_by_hand(void **state)
{
    (void)state;
    gr_test_hand_case h;
    gr_test_hand_case_make(&h);
    gr_test_fixed_scorer f = {gr_test_hand_scores, 4, 6, 0, 0, 0};
    gr_scorer s = gr_test_fixed_scorer_of(&f);
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.ks[0] = 5, o.ks[1] = 1, o.ks[2] = 3; /* any order */
    gr_eval_result r;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_evaluate(&s, &h.train.R, &h.mask2.R, &h.test.R, &o, &r, msg), GR_OK);
    check_hand_result(&r);
    assert_int_equal(r.ks[0], 5);
    assert_int_equal(r.n_blocks, 1);
    assert_int_equal(f.max_block, 3); /* only the 3 test users were scored */

    /* one user per block (budget below one row): the same numbers */
    o.mem_budget = 1;
    f.max_block = 0;
    gr_eval_result r1;
    assert_int_equal(gr_evaluate(&s, &h.train.R, &h.mask2.R, &h.test.R, &o, &r1, msg), GR_OK);
    assert_int_equal(f.max_block, 1);
    assert_int_equal(r1.n_blocks, 3);
    assert_memory_equal(r.value, r1.value, sizeof r.value);

    /* without mask2, user 1 ranks item 0 first: its hit moves from rank 4 to 5
     * and falls out of the top 5 */
    o.mem_budget = 0;
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &h.test.R, &o, &r1, msg), GR_OK);
    gr_test_assert_near(gr_eval_get(&r1, GR_METRIC_RECALL, 5), 2.0 / 3);
    gr_test_hand_case_free(&h);
}

/* gr_user_metrics directly: a test set larger than K and a list shorter than K. */
static void test_user_metrics(void **state)
{
    (void)state;
    double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K];
    const uint32_t ranked[] = {7, 3, 9}, test[] = {1, 3, 5, 7, 9}, ks[] = {2, 4};
    gr_user_metrics(ranked, 3, test, 5, ks, 2, v);
    /* @2: hits at 0, 1; recall 2/5; prec 1; ndcg = IDCG(2)/IDCG(2) = 1; map (1 + 1)/2; mrr 1 */
    gr_test_assert_near(v[GR_METRIC_RECALL][0], 0.4);
    gr_test_assert_near(v[GR_METRIC_PRECISION][0], 1.0);
    gr_test_assert_near(v[GR_METRIC_NDCG][0], 1.0);
    gr_test_assert_near(v[GR_METRIC_MAP][0], 1.0);
    /* @4 with 3 ranked: hits 0, 1, 2; recall 3/5; prec 3/4; ndcg IDCG(3)/IDCG(4)
     * = 2.1309297535714578/2.5616063116448506 = 0.8318724637288826; map 3/min(4,5) = 0.75 */
    gr_test_assert_near(v[GR_METRIC_RECALL][1], 0.6);
    gr_test_assert_near(v[GR_METRIC_PRECISION][1], 0.75);
    gr_test_assert_near(v[GR_METRIC_NDCG][1], 0.8318724637288826);
    gr_test_assert_near(v[GR_METRIC_MAP][1], 0.75);
    gr_test_assert_near(v[GR_METRIC_HIT][1], 1.0);
    gr_test_assert_near(v[GR_METRIC_MRR][1], 1.0);
}

/* ---- blocks and errors ------------------------------------------------ */

/* Random scores with ties, random train/valid/test: every block size gives
 * bit-identical averages and an identical per-user file. */
static void test_block_invariance(void **state)
{
    (void)state;
    enum { NU = 150, NI = 230 };
    gr_rng rng;
    gr_rng_seed(&rng, 11, 0);
    float *full = malloc(sizeof(float) * NU * NI);
    uint32_t *pu[3], *pi[3];
    size_t pn[3] = {0, 0, 0};
    for (int g = 0; g < 3; g++) {
        pu[g] = malloc(sizeof(uint32_t) * NU * NI);
        pi[g] = malloc(sizeof(uint32_t) * NU * NI);
        assert_true(pu[g] && pi[g]);
    }
    assert_non_null(full);
    for (uint32_t u = 0; u < NU; u++)
        for (uint32_t i = 0; i < NI; i++) {
            full[u * NI + i] = (float)gr_rng_below(&rng, 30) / 7.0f;
            uint32_t x = gr_rng_below(&rng, 100), g = x < 10 ? 0 : x < 13 ? 1 : x < 18 ? 2 : 3;
            if (g < 3 && !(g == 2 && u % 5 == 0)) pu[g][pn[g]] = u, pi[g][pn[g]++] = i; /* every 5th user: no test */
        }
    gr_graph tr, va, te;
    gr_test_graph_from_pairs(&tr, NU, NI, pu[0], pi[0], pn[0]);
    gr_test_graph_from_pairs(&va, NU, NI, pu[1], pi[1], pn[1]);
    gr_test_graph_from_pairs(&te, NU, NI, pu[2], pi[2], pn[2]);
    gr_test_fixed_scorer f = {full, NU, NI, 0, 0, 0};
    gr_scorer s = gr_test_fixed_scorer_of(&f);
    char *dir = gr_test_mkdtemp(), *p_one = gr_test_path(dir, "one.tsv"), *p_blk = gr_test_path(dir, "blk.tsv.gz");
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.ks[0] = 1, o.ks[1] = 7, o.ks[2] = 20, o.ks[3] = 250; /* 250 > items */
    o.n_ks = 4;
    o.per_user_path = p_one;
    gr_eval_result one, blk;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_evaluate(&s, &tr.R, &va.R, &te.R, &o, &one, msg), GR_OK);
    assert_int_equal(one.n_blocks, 1);
    assert_int_equal(one.n_users, NU - NU / 5);
    o.per_user_path = p_blk;
    o.mem_budget = 7 * NI * sizeof(float) + 3; /* 7 users per block */
    o.n_threads = 3;
    f.max_block = 0;
    assert_int_equal(gr_evaluate(&s, &tr.R, &va.R, &te.R, &o, &blk, msg), GR_OK);
    assert_int_equal(f.max_block, 7);
    assert_int_equal(blk.block_users, 7);
    assert_int_equal(blk.n_blocks, (one.n_users + 6) / 7);
    assert_memory_equal(one.value, blk.value, sizeof one.value);
    /* K = 250 > items: each list holds every unmasked item, and test items
     * are never masked here, so every test item is found */
    gr_test_assert_near(gr_eval_get(&one, GR_METRIC_RECALL, 250), 1.0);
    gr_test_assert_near(gr_eval_get(&one, GR_METRIC_HIT, 250), 1.0);
    gr_test_assert_near(gr_eval_get(&one, GR_METRIC_NDCG, 250) > 0, 1.0);
    size_t la, lb;
    char *a = gr_test_read_file(p_one, &la), *b = gr_test_read_file(p_blk, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(strncmp(a, "user\tn_test\trecall@1\trecall@7\trecall@20\trecall@250\tndcg@1\t", 57) == 0);
    free(a);
    free(b);
    gr_test_rmdir(dir);
    free(dir);
    free(p_one);
    free(p_blk);
    gr_graph_free(&tr);
    gr_graph_free(&va);
    gr_graph_free(&te);
    for (int g = 0; g < 3; g++) free(pu[g]), free(pi[g]);
    free(full);
}

static void test_errors(void **state)
{
    (void)state;
    gr_test_hand_case h;
    gr_test_hand_case_make(&h);
    gr_test_fixed_scorer f = {gr_test_hand_scores, 4, 6, 0, 0, 0};
    gr_scorer s = gr_test_fixed_scorer_of(&f);
    gr_eval_opts o;
    gr_eval_result r;
    char msg[GR_MSG_LEN];
    gr_eval_opts_default(&o);
    o.n_ks = 0;
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &h.test.R, &o, &r, msg), GR_ERR_ARG);
    o.n_ks = GR_EVAL_MAX_K + 1;
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &h.test.R, &o, &r, msg), GR_ERR_ARG);
    gr_eval_opts_default(&o);
    o.ks[1] = 0;
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &h.test.R, &o, &r, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "K = 0"));
    /* a test matrix over more items than the model scores */
    gr_scorer narrow = s;
    narrow.n_items = 5;
    assert_int_equal(gr_evaluate(&narrow, &h.train.R, NULL, &h.test.R, NULL, &r, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "6 items"));
    /* no test users */
    gr_graph empty;
    gr_test_graph_from_pairs(&empty, 4, 6, NULL, NULL, 0);
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &empty.R, NULL, &r, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "no user has a test item"));
    gr_graph_free(&empty);
    /* a scorer failing on its second block: its message comes back and the
     * per-user file is never created */
    char *dir = gr_test_mkdtemp(), *p = gr_test_path(dir, "users.tsv");
    o.ks[1] = 20;
    o.mem_budget = 1;
    o.per_user_path = p;
    f.fail_at = 2;
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &h.test.R, &o, &r, msg), GR_ERR_LIB);
    assert_non_null(strstr(msg, "told to fail"));
    assert_false(gr_test_file_exists(p));
    assert_int_equal(gr_test_count_entries(dir), 0);
    gr_test_rmdir(dir);
    free(dir);
    free(p);
    gr_test_hand_case_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topk_row),
        cmocka_unit_test(test_topk_random),
        cmocka_unit_test(test_metrics_by_hand),
        cmocka_unit_test(test_user_metrics),
        cmocka_unit_test(test_block_invariance),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
