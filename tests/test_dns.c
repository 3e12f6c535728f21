/* Dynamic negative sampling: the candidates (gr_sampler_candidates) are the
 * epoch's negatives plus redrawn uniform ones, never the user's items, the
 * same however the epoch is cut into batches or threads; the pick
 * (gr_dns_choose) is the best-scoring candidate, the first of a tie; and
 * neg_sampler = dns with one candidate trains exactly as uniform sampling. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/dns.h"
#include "gnn/sampler.h"
#include "tests/support.h"

/* 6 users x 9 items; user u has items u, u+1, u+2 (and user 5 also 8). */
static void small_graph(gr_graph *g)
{
    uint32_t u[19], i[19];
    size_t n = 0;
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 3; b++) u[n] = a, i[n++] = a + b;
    u[n] = 5, i[n++] = 8;
    gr_test_graph_from_pairs(g, 6, 9, u, i, n);
}

static uint32_t *candidates(const gr_sampler *s, size_t begin, size_t end, uint32_t m, int threads)
{
    uint32_t *out = malloc((end - begin) * s->neg * m * sizeof *out);
    assert_non_null(out);
    omp_set_num_threads(threads);
    gr_sampler_candidates(s, 7, 3, begin, end, m, out);
    return out;
}

static void test_candidates(void **state)
{
    (void)state;
    gr_graph g;
    small_graph(&g);
    gr_sampler s;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_sampler_init(&s, &g, 2, 0, msg), GR_OK);
    gr_sampler_epoch(&s, 7, 3);
    const uint32_t m = 5;
    const size_t n = s.n;
    uint32_t *all = candidates(&s, 0, n, m, 2);
    size_t first_differs = 0;
    for (size_t k = 0; k < n; k++)
        for (uint32_t q = 0; q < s.neg; q++) {
            const uint32_t *c = all + (k * s.neg + q) * m;
            assert_int_equal(c[0], s.negs[k * s.neg + q]); /* the uniform draw comes first */
            for (uint32_t j = 0; j < m; j++) {
                assert_true(c[j] < g.n_items);
                assert_false(gr_sampler_has(&g, s.user[k], c[j]));
            }
            first_differs += c[1] != c[0];
        }
    assert_true(first_differs > 0); /* more than copies of the first */
    /* in two pieces, on one thread: the same candidates */
    const size_t cut = n / 3;
    uint32_t *a = candidates(&s, 0, cut, m, 1), *b = candidates(&s, cut, n, m, 1);
    assert_memory_equal(a, all, cut * s.neg * m * sizeof *a);
    assert_memory_equal(b, all + cut * s.neg * m, (n - cut) * s.neg * m * sizeof *b);
    free(a);
    free(b);
    free(all);
    gr_sampler_free(&s);
    gr_graph_free(&g);
}

static void test_choose(void **state)
{
    (void)state;
    /* 2 users, 4 items, d = 2; E rows: users 0-1, items 2-5 */
    const float E[] = {1, 0, 0, 1, /* users */ 0.5f, 0, 2, 0, 0, 3, 2, 0 /* items 0..3 */};
    const gr_emb_shape shape = {2, 4, 2, 0};
    const uint32_t user[] = {0, 1}, pos[] = {0, 0};
    /* neg = 2, m = 3 candidates each */
    const uint32_t cand[] = {0, 1, 2, /* */ 3, 1, 2, /* user 1: */ 0, 1, 3, /* */ 2, 0, 1};
    gr_batch b = {.n = 2, .neg = 6, .user = user, .pos = pos, .negs = cand};
    uint32_t chosen[4];
    gr_dns_choose(E, shape, &b, 3, chosen);
    /* user 0 scores items by x: 0.5, 2, 0, 2 -> {0,1,2}: 1; {3,1,2}: 3 (first of the tie 3,1)
     * user 1 by y: 0, 0, 3, 0 -> {0,1,3}: 0 (all tied); {2,0,1}: 2 */
    const uint32_t want[] = {1, 3, 0, 2};
    assert_memory_equal(chosen, want, sizeof want);
}

/* dns_candidates = 1 keeps every uniform negative: the same embeddings. */
static void test_one_candidate_is_uniform(void **state)
{
    (void)state;
    char *dir = gr_test_generated_split("--users 200 --items 150 --edges 5000 --communities 4 --seed 5");
    const char *runs[] = {"neg_sampler=uniform", "neg_sampler=dns dns_candidates=1", "neg_sampler=dns dns_candidates=8"};
    char *text[3];
    for (int k = 0; k < 3; k++) {
        gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=8 batch=128 epochs=3 "
                                    "lr=0.01 neg=2 eval_every=0 threads=2 %s --quiet -o %s/m%d.gnr",
                                    dir, dir, runs[k], dir, k);
        if (r.exit_code != 0) fail_msg("train %s: %s", runs[k], r.err);
        gr_test_run_free(&r);
        r = gr_test_cli("export %s/m%d.gnr --what items --format tsv -o %s/items%d.tsv", dir, k, dir, k);
        if (r.exit_code != 0) fail_msg("export: %s", r.err);
        gr_test_run_free(&r);
        char name[32];
        snprintf(name, sizeof name, "items%d.tsv", k);
        char *p = gr_test_path(dir, name);
        text[k] = gr_test_read_file(p, NULL);
        assert_non_null(text[k]);
        free(p);
    }
    assert_string_equal(text[0], text[1]);
    assert_string_not_equal(text[0], text[2]);
    for (int k = 0; k < 3; k++) free(text[k]);
    /* scores from a model that is not trained by gradient are no basis */
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt model=ials neg_sampler=dns --quiet", dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "neg_sampler = dns is for lightgcn and mf"));
    gr_test_run_free(&r);
    gr_test_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_one_candidate_is_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
