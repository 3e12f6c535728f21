/* Evaluation: top-K selection (masks, ties, NaN, against a brute-force
 * sort), metrics on hand-computed cases, block-size invariance, the dot
 * scorer against a triple loop, ItemPop as a test double, per-user TSV,
 * writers and errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"
#include "core/rng.h"
#include "eval/dot_scorer.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"
#include "eval/topk.h"
#include "graph/graph.h"
#include "loaders/idmap.h"
#include "tests/support.h"

#define EPS 1e-6

/* ---- test doubles ------------------------------------------------------ */

/* Returns rows of a fixed n_users x n_items matrix; remembers the largest
 * block asked for and can fail on the call numbered fail_at (1-based). */
typedef struct {
    const float *full;
    uint32_t n_users, n_items;
    size_t max_block, calls, fail_at;
} fixed_scorer;

static gr_status fixed_score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    fixed_scorer *f = ctx;
    f->calls++;
    if (f->calls == f->fail_at) return gr_fail(msg, GR_ERR_LIB, "fixed scorer: told to fail");
    if (n > f->max_block) f->max_block = n;
    for (size_t r = 0; r < n; r++) {
        assert_true(users[r] < f->n_users);
        memcpy(scores + r * f->n_items, f->full + (size_t)users[r] * f->n_items, f->n_items * sizeof(float));
    }
    return GR_OK;
}

static gr_scorer fixed_scorer_of(fixed_scorer *f)
{
    return (gr_scorer){f->n_items, f, fixed_score};
}

/* ItemPop: every user scores item i by its training degree. */
static gr_status itempop_score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    (void)users;
    (void)msg;
    const gr_csr *Rt = ctx;
    for (size_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < Rt->n_rows; i++) scores[r * Rt->n_rows + i] = (float)gr_csr_degree(Rt, i);
    return GR_OK;
}

/* A graph over nu x ni from (user, item) pairs. */
static void csr_from_pairs(gr_graph *g, uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i, size_t n)
{
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(g, nu, ni, u, i, n, msg), GR_OK);
}

static void assert_near(double got, double want)
{
    if (fabs(got - want) > EPS) fail_msg("got %.12f, want %.12f", got, want);
}

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
    uint32_t n = gr_topk_row(s, 8, a, b, 3, heap, out);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].item, 5); /* 0.7 */
    assert_int_equal(out[1].item, 0); /* 0.5, lowest index of the three */
    assert_int_equal(out[2].item, 2);
    assert_true(out[0].score == 0.7f);
    /* k beyond the unmasked count: 8 - {1,4,6} = 5 entries, NaN last */
    n = gr_topk_row(s, 8, a, b, 8, heap, out);
    assert_int_equal(n, 5);
    const uint32_t want[] = {5, 0, 2, 7, 3};
    for (int r = 0; r < 5; r++) assert_int_equal(out[r].item, want[r]);
    /* no masks: the two 9s first, lower index first */
    n = gr_topk_row(s, 8, none, none, 2, heap, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].item, 1);
    assert_int_equal(out[1].item, 4);
    assert_int_equal(gr_topk_row(s, 8, none, none, 0, heap, out), 0);
    /* everything masked */
    const uint32_t all[] = {0, 1, 2, 3, 4, 5, 6, 7};
    gr_mask_row every = {all, 8};
    assert_int_equal(gr_topk_row(s, 8, every, none, 3, heap, out), 0);
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
    csr_from_pairs(&mask, NU, NI, mu, mi, nm);
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_topk_block(s, NU, NI, users, &mask.R, NULL, K, 0, out, out_n, msg), GR_OK);
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

/* 4 users x 6 items, K = 1, 3, 5.
 *   user 0: scores .5 .9 .9 .1 .7 .3, train {1}, test {2, 3}
 *           ranked 2 4 0 5 3 (item 1 masked) -> hits at ranks 0 and 4
 *   user 1: all scores .2, train {}, mask2 {0}, test {5}
 *           ranked 1 2 3 4 5 (ties by index)  -> hit at rank 4
 *   user 2: no test items: not evaluated
 *   user 3: scores 1 1 1 1 .1 .2, train {0,1,2,3}, test {4, 5}
 *           ranked 5 4 (a list of 2 only)    -> hits at ranks 0 and 1
 * Per user, IDCG(n) = sum_{r<n} 1/log2(r+2): IDCG(1) = 1, IDCG(2) = 1.6309297535714575.
 *   u0 @1: recall 1/2, prec 1, ndcg 1, hit 1, map 1/min(1,2) = 1, mrr 1
 *   u0 @3: recall 1/2, prec 1/3, ndcg 1/1.63093 = 0.6131471927654584, hit 1, map 1/2, mrr 1
 *   u0 @5: recall 1, prec 2/5, ndcg (1 + 1/log2 6)/1.63093 = 1.3868528072345416/1.6309297535714575
 *          = 0.8503449055347546, hit 1, map (1/1 + 2/5)/2 = 0.7, mrr 1
 *   u1 @1, @3: all 0
 *   u1 @5: recall 1, prec 1/5, ndcg (1/log2 6)/IDCG(1) = 0.38685280723454163, hit 1, map (1/5)/1, mrr 1/5
 *   u3 @1: recall 1/2, prec 1, ndcg 1, hit 1, map 1, mrr 1
 *   u3 @3: recall 1, prec 2/3 (K = 3 even with 2 ranked), ndcg 1, hit 1, map (1 + 2/2)/2 = 1, mrr 1
 *   u3 @5: recall 1, prec 2/5, ndcg 1, hit 1, map 1, mrr 1
 * Coverage: top-1 lists {2}, {1}, {5} -> 3/6; top-3 {2,4,0} {1,2,3} {5,4} -> 6/6. */
static const float hand_scores[4 * 6] = {
    .5f, .9f, .9f, .1f, .7f, .3f,  /* user 0 */
    .2f, .2f, .2f, .2f, .2f, .2f,  /* user 1 */
    .8f, .1f, .4f, .3f, .2f, .6f,  /* user 2 */
    1.f, 1.f, 1.f, 1.f, .1f, .2f,  /* user 3 */
};

typedef struct {
    gr_graph train, mask2, test;
} hand_case;

static void hand_case_make(hand_case *h)
{
    const uint32_t tu[] = {0, 3, 3, 3, 3, 2}, ti[] = {1, 0, 1, 2, 3, 0};
    const uint32_t mu[] = {1}, mi[] = {0};
    const uint32_t su[] = {0, 0, 1, 3, 3}, si[] = {2, 3, 5, 4, 5};
    csr_from_pairs(&h->train, 4, 6, tu, ti, 6);
    csr_from_pairs(&h->mask2, 4, 6, mu, mi, 1);
    csr_from_pairs(&h->test, 4, 6, su, si, 5);
}

static void hand_case_free(hand_case *h)
{
    gr_graph_free(&h->train);
    gr_graph_free(&h->mask2);
    gr_graph_free(&h->test);
}

static void check_hand_result(const gr_eval_result *r)
{
    const double ndcg0_5 = 0.8503449055347546, ndcg1_5 = 0.38685280723454163, ndcg0_3 = 0.6131471927654584;
    assert_int_equal(r->n_users, 3);
    assert_int_equal(r->n_items, 6);
    assert_int_equal(r->n_ks, 3);
    /* @1 */
    assert_near(gr_eval_get(r, GR_METRIC_RECALL, 1), (0.5 + 0 + 0.5) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_PRECISION, 1), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_NDCG, 1), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_HIT, 1), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_MAP, 1), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_MRR, 1), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_COVERAGE, 1), 0.5);
    /* @3 */
    assert_near(gr_eval_get(r, GR_METRIC_RECALL, 3), (0.5 + 0 + 1) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_PRECISION, 3), (1.0 / 3 + 0 + 2.0 / 3) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_NDCG, 3), (ndcg0_3 + 0 + 1) / 3); /* 0.5377157309218195 */
    assert_near(gr_eval_get(r, GR_METRIC_HIT, 3), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_MAP, 3), (0.5 + 0 + 1) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_MRR, 3), 2.0 / 3);
    assert_near(gr_eval_get(r, GR_METRIC_COVERAGE, 3), 1.0);
    /* @5 */
    assert_near(gr_eval_get(r, GR_METRIC_RECALL, 5), 1.0);
    assert_near(gr_eval_get(r, GR_METRIC_PRECISION, 5), (0.4 + 0.2 + 0.4) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_NDCG, 5), (ndcg0_5 + ndcg1_5 + 1) / 3); /* 0.7457325709230987 */
    assert_near(gr_eval_get(r, GR_METRIC_HIT, 5), 1.0);
    assert_near(gr_eval_get(r, GR_METRIC_MAP, 5), (0.7 + 0.2 + 1) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_MRR, 5), (1 + 0.2 + 1) / 3);
    assert_near(gr_eval_get(r, GR_METRIC_COVERAGE, 5), 1.0);
    assert_true(isnan(gr_eval_get(r, GR_METRIC_RECALL, 20)));
    assert_true(r->seconds >= 0 && r->score_seconds >= 0 && r->rank_seconds >= 0);
}

static void test_metrics_by_hand(void **state)
{
    (void)state;
    hand_case h;
    hand_case_make(&h);
    fixed_scorer f = {hand_scores, 4, 6, 0, 0, 0};
    gr_scorer s = fixed_scorer_of(&f);
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
    assert_near(gr_eval_get(&r1, GR_METRIC_RECALL, 5), 2.0 / 3);
    hand_case_free(&h);
}

/* gr_user_metrics directly: a test set larger than K and a list shorter than K. */
static void test_user_metrics(void **state)
{
    (void)state;
    double v[GR_METRIC_PER_USER][GR_EVAL_MAX_K];
    const uint32_t ranked[] = {7, 3, 9}, test[] = {1, 3, 5, 7, 9}, ks[] = {2, 4};
    gr_user_metrics(ranked, 3, test, 5, ks, 2, v);
    /* @2: hits at 0, 1; recall 2/5; prec 1; ndcg = IDCG(2)/IDCG(2) = 1; map (1 + 1)/2; mrr 1 */
    assert_near(v[GR_METRIC_RECALL][0], 0.4);
    assert_near(v[GR_METRIC_PRECISION][0], 1.0);
    assert_near(v[GR_METRIC_NDCG][0], 1.0);
    assert_near(v[GR_METRIC_MAP][0], 1.0);
    /* @4 with 3 ranked: hits 0, 1, 2; recall 3/5; prec 3/4; ndcg IDCG(3)/IDCG(4)
     * = 2.1309297535714578/2.5616063116448506 = 0.8318724637288826; map 3/min(4,5) = 0.75 */
    assert_near(v[GR_METRIC_RECALL][1], 0.6);
    assert_near(v[GR_METRIC_PRECISION][1], 0.75);
    assert_near(v[GR_METRIC_NDCG][1], 0.8318724637288826);
    assert_near(v[GR_METRIC_MAP][1], 0.75);
    assert_near(v[GR_METRIC_HIT][1], 1.0);
    assert_near(v[GR_METRIC_MRR][1], 1.0);
}

/* ---- blocks, dot scorer, ItemPop --------------------------------------- */

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
    csr_from_pairs(&tr, NU, NI, pu[0], pi[0], pn[0]);
    csr_from_pairs(&va, NU, NI, pu[1], pi[1], pn[1]);
    csr_from_pairs(&te, NU, NI, pu[2], pi[2], pn[2]);
    fixed_scorer f = {full, NU, NI, 0, 0, 0};
    gr_scorer s = fixed_scorer_of(&f);
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
    assert_near(gr_eval_get(&one, GR_METRIC_RECALL, 250), 1.0);
    assert_near(gr_eval_get(&one, GR_METRIC_HIT, 250), 1.0);
    assert_near(gr_eval_get(&one, GR_METRIC_NDCG, 250) > 0, 1.0);
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

static void test_dot_scorer(void **state)
{
    (void)state;
    enum { NU = 37, NI = 53, D = 13 };
    gr_rng rng;
    gr_rng_seed(&rng, 3, 0);
    float ue[NU * D], ie[NI * D], got[10 * NI];
    for (int k = 0; k < NU * D; k++) ue[k] = (float)gr_rng_normal(&rng);
    for (int k = 0; k < NI * D; k++) ie[k] = (float)gr_rng_normal(&rng);
    gr_dot_scorer d;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_dot_scorer_init(&d, ue, NU, ie, NI, D, msg), GR_OK);
    assert_int_equal(d.scorer.n_items, NI);
    const uint32_t scattered[] = {5, 2, 2, 36, 0}, run[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    const uint32_t *sets[] = {scattered, run};
    const size_t sizes[] = {5, 10};
    for (int t = 0; t < 2; t++) {
        assert_int_equal(d.scorer.score(d.scorer.ctx, sets[t], sizes[t], got, msg), GR_OK);
        for (size_t r = 0; r < sizes[t]; r++)
            for (int i = 0; i < NI; i++) {
                double want = 0;
                for (int k = 0; k < D; k++) want += (double)ue[sets[t][r] * D + k] * ie[i * D + k];
                assert_true(fabs(got[r * NI + i] - want) < 1e-5 * (1 + fabs(want)));
            }
    }
    const uint32_t bad[] = {3, NU};
    assert_int_equal(d.scorer.score(d.scorer.ctx, bad, 2, got, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "out of range"));
    gr_dot_scorer_free(&d);
    assert_int_equal(gr_dot_scorer_init(&d, ue, NU, ie, NI, 0, msg), GR_ERR_ARG);
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* The seed example of the sigmoid head: w = [.1 .2 .3 .4 .5], f = [.2 .3
 * .4 .5 .6]: w.f = .02 + .06 + .12 + .20 + .30 = 0.70, sigma(0.70) = 0.6682. */
static void test_sigmoid_seed_example(void **state)
{
    (void)state;
    const float w[5] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, f[5] = {0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    gr_dot_scorer d;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_dot_scorer_init(&d, w, 1, f, 1, 5, msg), GR_OK);
    const uint32_t u = 0;
    float score = 0;
    assert_int_equal(d.scorer.score(d.scorer.ctx, &u, 1, &score, msg), GR_OK);
    assert_true(fabs(score - 0.70) < 1e-6);
    assert_true(fabs(sigmoid(score) - 0.6682) < 1e-4);
    gr_dot_scorer_free(&d);
}

/* ItemPop on a small graph.  Train: u0 {0,1}, u1 {0,2}, u2 {0,1,3}, u3 {4};
 * item degrees 3 2 1 1 1.  Test: u0 {2}, u1 {1}, u3 {0}; u2 none.
 *   u0 ranks 2 3 4 (0, 1 masked; three ties of 1 by index) -> hit at 0
 *   u1 ranks 1 3 4                                         -> hit at 0
 *   u3 ranks 0 1 2 3                                       -> hit at 0
 * recall@1 = ndcg@1 = 1, precision@2 = 1/2; coverage@1 = |{2,1,0}|/5 = 0.6,
 * coverage@2 = |{2,3,1,0}|/5 = 0.8. */
static void test_itempop(void **state)
{
    (void)state;
    const uint32_t tu[] = {0, 0, 1, 1, 2, 2, 2, 3}, ti[] = {0, 1, 0, 2, 0, 1, 3, 4};
    const uint32_t su[] = {0, 1, 3}, si[] = {2, 1, 0};
    gr_graph tr, te;
    csr_from_pairs(&tr, 4, 5, tu, ti, 8);
    csr_from_pairs(&te, 4, 5, su, si, 3);
    gr_scorer s = {5, &tr.Rt, itempop_score};
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.ks[0] = 1, o.ks[1] = 2;
    o.n_ks = 2;
    gr_eval_result r;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_evaluate(&s, &tr.R, NULL, &te.R, &o, &r, msg), GR_OK);
    assert_int_equal(r.n_users, 3);
    assert_near(gr_eval_get(&r, GR_METRIC_RECALL, 1), 1.0);
    assert_near(gr_eval_get(&r, GR_METRIC_NDCG, 1), 1.0);
    assert_near(gr_eval_get(&r, GR_METRIC_PRECISION, 2), 0.5);
    assert_near(gr_eval_get(&r, GR_METRIC_COVERAGE, 1), 0.6);
    assert_near(gr_eval_get(&r, GR_METRIC_COVERAGE, 2), 0.8);
    gr_graph_free(&tr);
    gr_graph_free(&te);
}

/* ---- outputs and errors ------------------------------------------------ */

static void test_per_user_ids_and_writers(void **state)
{
    (void)state;
    hand_case h;
    hand_case_make(&h);
    fixed_scorer f = {hand_scores, 4, 6, 0, 0, 0};
    gr_scorer s = fixed_scorer_of(&f);
    char msg[GR_MSG_LEN];
    gr_idmap *ids = gr_idmap_new();
    assert_non_null(ids);
    const char *names[] = {"ann", "bo", "cy", "di"};
    uint32_t id;
    for (int k = 0; k < 4; k++) assert_int_equal(gr_idmap_intern(ids, names[k], strlen(names[k]), &id, msg), GR_OK);
    char *dir = gr_test_mkdtemp(), *p_tsv = gr_test_path(dir, "users.tsv"), *p_int = gr_test_path(dir, "int.tsv");
    char *p_json = gr_test_path(dir, "m.json"), *p_tab = gr_test_path(dir, "m.txt");
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.ks[0] = 1, o.ks[1] = 3, o.ks[2] = 5;
    o.per_user_path = p_tsv;
    o.user_ids = ids;
    gr_eval_result r;
    assert_int_equal(gr_evaluate(&s, &h.train.R, &h.mask2.R, &h.test.R, &o, &r, msg), GR_OK);
    char *text = gr_test_read_file(p_tsv, NULL);
    /* values from the hand-computed table in check_hand_result's comment */
    assert_string_equal(text,
                        "user\tn_test\trecall@1\trecall@3\trecall@5\tndcg@1\tndcg@3\tndcg@5\n"
                        "ann\t2\t0.500000\t0.500000\t1.000000\t1.000000\t0.613147\t0.850345\n"
                        "bo\t1\t0.000000\t0.000000\t1.000000\t0.000000\t0.000000\t0.386853\n"
                        "di\t2\t0.500000\t1.000000\t1.000000\t1.000000\t1.000000\t1.000000\n");
    free(text);
    o.per_user_path = p_int;
    o.user_ids = NULL;
    assert_int_equal(gr_evaluate(&s, &h.train.R, &h.mask2.R, &h.test.R, &o, &r, msg), GR_OK);
    text = gr_test_read_file(p_int, NULL);
    assert_non_null(strstr(text, "\n0\t2\t0.5"));
    assert_non_null(strstr(text, "\n3\t2\t0.5"));
    free(text);

    gr_output *out;
    assert_int_equal(gr_output_open(&out, p_json, msg), GR_OK);
    assert_int_equal(gr_eval_write_json(out, &r, 0, msg), GR_OK);
    assert_int_equal(gr_output_char(out, '\n', msg), GR_OK);
    assert_int_equal(gr_output_commit(out, msg), GR_OK);
    text = gr_test_read_file(p_json, NULL);
    assert_true(text[0] == '{');
    assert_non_null(strstr(text, "\n  \"users\": 3,\n"));
    assert_non_null(strstr(text, "\"ks\": [1, 3, 5],"));
    assert_non_null(strstr(text, "\"recall@5\": 1.000000,"));
    assert_non_null(strstr(text, "\"ndcg@5\": 0.745733,"));
    assert_non_null(strstr(text, "\"coverage@1\": 0.500000,"));
    assert_non_null(strstr(text, "\"seconds\": "));
    assert_non_null(strstr(text, "\n}\n"));
    free(text);
    assert_int_equal(gr_output_open(&out, p_tab, msg), GR_OK);
    assert_int_equal(gr_eval_write_table(out, &r, msg), GR_OK);
    assert_int_equal(gr_output_commit(out, msg), GR_OK);
    text = gr_test_read_file(p_tab, NULL);
    assert_true(strncmp(text, "metric            @1        @3        @5\n", 41) == 0);
    assert_non_null(strstr(text, "\nndcg          0.6667    0.5377    0.7457\n"));
    assert_non_null(strstr(text, "\ncoverage      0.5000    1.0000    1.0000\n"));
    assert_non_null(strstr(text, "3 users, 6 items"));
    free(text);

    gr_test_rmdir(dir);
    free(dir);
    free(p_tsv);
    free(p_int);
    free(p_json);
    free(p_tab);
    gr_idmap_free(ids);
    hand_case_free(&h);
}

static void test_errors(void **state)
{
    (void)state;
    hand_case h;
    hand_case_make(&h);
    fixed_scorer f = {hand_scores, 4, 6, 0, 0, 0};
    gr_scorer s = fixed_scorer_of(&f);
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
    csr_from_pairs(&empty, 4, 6, NULL, NULL, 0);
    assert_int_equal(gr_evaluate(&s, &h.train.R, NULL, &empty.R, NULL, &r, msg), GR_ERR_ARG);
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
    hand_case_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topk_row),
        cmocka_unit_test(test_topk_random),
        cmocka_unit_test(test_metrics_by_hand),
        cmocka_unit_test(test_user_metrics),
        cmocka_unit_test(test_block_invariance),
        cmocka_unit_test(test_dot_scorer),
        cmocka_unit_test(test_sigmoid_seed_example),
        cmocka_unit_test(test_itempop),
        cmocka_unit_test(test_per_user_ids_and_writers),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
