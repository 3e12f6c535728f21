/* Evaluation through real scorers and its outputs: the dot scorer against a
 * triple loop, the sigmoid head's seed example, ItemPop as a test double,
 * the per-user TSV with original ids, and the JSON and table writers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"
#include "core/rng.h"
#include "eval/dot_scorer.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"
#include "graph/graph.h"
#include "loaders/idmap.h"
#include "tests/support.h"

/* ---- scorers ----------------------------------------------------------- */

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
    gr_test_graph_from_pairs(&tr, 4, 5, tu, ti, 8);
    gr_test_graph_from_pairs(&te, 4, 5, su, si, 3);
    gr_scorer s = {5, &tr.Rt, itempop_score};
    gr_eval_opts o;
    gr_eval_opts_default(&o);
    o.ks[0] = 1, o.ks[1] = 2;
    o.n_ks = 2;
    gr_eval_result r;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_evaluate(&s, &tr.R, NULL, &te.R, &o, &r, msg), GR_OK);
    assert_int_equal(r.n_users, 3);
    gr_test_assert_near(gr_eval_get(&r, GR_METRIC_RECALL, 1), 1.0);
    gr_test_assert_near(gr_eval_get(&r, GR_METRIC_NDCG, 1), 1.0);
    gr_test_assert_near(gr_eval_get(&r, GR_METRIC_PRECISION, 2), 0.5);
    gr_test_assert_near(gr_eval_get(&r, GR_METRIC_COVERAGE, 1), 0.6);
    gr_test_assert_near(gr_eval_get(&r, GR_METRIC_COVERAGE, 2), 0.8);
    gr_graph_free(&tr);
    gr_graph_free(&te);
}

/* ---- outputs ----------------------------------------------------------- */

static void test_per_user_ids_and_writers(void **state)
{
    (void)state;
    gr_test_hand_case h;
    gr_test_hand_case_make(&h);
    gr_test_fixed_scorer f = {gr_test_hand_scores, 4, 6, 0, 0, 0};
    gr_scorer s = gr_test_fixed_scorer_of(&f);
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
    /* values from the hand-computed table in tests/support.h */
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
    gr_test_hand_case_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot_scorer),
        cmocka_unit_test(test_sigmoid_seed_example),
        cmocka_unit_test(test_itempop),
        cmocka_unit_test(test_per_user_ids_and_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
