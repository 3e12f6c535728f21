/* Training plumbing: the negative sampler's invariants and reproducibility,
 * and Adam/SGD by hand. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/optim.h"
#include "gnn/sampler.h"
#include "graph/graph.h"
#include "tests/support.h"

/* ---- sampler ---------------------------------------------------------------- */

/* 300 users with 1..40 items each out of 200 (user 7 has none), ~6k edges. */
static void sampler_graph(gr_graph *g)
{
    char msg[GR_MSG_LEN];
    enum { U = 300, I = 200 };
    uint32_t *us = malloc(U * 40 * sizeof *us), *is = malloc(U * 40 * sizeof *is);
    assert_non_null(us);
    assert_non_null(is);
    gr_rng r;
    gr_rng_seed(&r, 99, 0);
    size_t m = 0;
    for (uint32_t u = 0; u < U; u++) {
        if (u == 7) continue;
        uint32_t deg = 1 + gr_rng_below(&r, 40);
        for (uint32_t k = 0; k < deg; k++) {
            us[m] = u;
            is[m++] = gr_rng_below(&r, I);
        }
    }
    assert_int_equal(gr_graph_from_pairs(g, U, I, us, is, m, msg), GR_OK);
    free(us);
    free(is);
}

static void test_sampler(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_graph g;
    sampler_graph(&g);
    gr_sampler s;
    const uint32_t neg = 2;
    assert_int_equal(gr_sampler_init(&s, &g, neg, 0, msg), GR_OK);
    assert_int_equal(s.n, g.R.nnz);
    assert_int_equal(s.n_active, g.n_users - 1);

    /* Every triple valid, counted per user over several epochs. */
    double *count = calloc(g.n_users, sizeof *count);
    assert_non_null(count);
    const int epochs = 20;
    for (int e = 0; e < epochs; e++) {
        gr_sampler_epoch(&s, 42, (uint64_t)e);
        for (size_t k = 0; k < s.n; k++) {
            assert_true(s.user[k] < g.n_users);
            assert_true(gr_sampler_has(&g, s.user[k], s.pos[k]));
            for (uint32_t q = 0; q < neg; q++) {
                assert_true(s.negs[k * neg + q] < g.n_items);
                assert_false(gr_sampler_has(&g, s.user[k], s.negs[k * neg + q]));
            }
            count[s.user[k]]++;
        }
    }
    assert_true(count[7] == 0); /* a user with no items is never drawn */
    /* Users uniform: chi-square with n_active − 1 ≈ 298 degrees of freedom has
     * mean 298 and sd ≈ 24; 450 is > 6 sd out. */
    double expect = (double)s.n * epochs / s.n_active, chi = 0;
    for (uint32_t u = 0; u < g.n_users; u++)
        if (u != 7) chi += (count[u] - expect) * (count[u] - expect) / expect;
    assert_true(chi < 450.0);
    free(count);

    /* Same seed and epoch: the same samples, whatever the thread count. */
    size_t bytes = s.n * sizeof(uint32_t);
    uint32_t *u1 = malloc(bytes), *n1 = malloc(bytes * neg);
    assert_non_null(u1);
    assert_non_null(n1);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    gr_sampler_epoch(&s, 5, 3);
    memcpy(u1, s.user, bytes);
    memcpy(n1, s.negs, bytes * neg);
    omp_set_num_threads(2);
    gr_sampler_epoch(&s, 5, 3);
    omp_set_num_threads(saved);
    assert_memory_equal(u1, s.user, bytes);
    assert_memory_equal(n1, s.negs, bytes * neg);
    gr_sampler_epoch(&s, 5, 4); /* another epoch differs */
    assert_true(memcmp(u1, s.user, bytes) != 0);

    gr_batch b = gr_sampler_batch(&s, 10, 20);
    assert_int_equal(b.n, 10);
    assert_ptr_equal(b.negs, s.negs + 10 * neg);
    free(u1);
    free(n1);
    gr_sampler_free(&s);
    gr_graph_free(&g);
}

static void test_sampler_refuses(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_graph g;
    const uint32_t u[] = {0, 0, 1}, i[] = {0, 1, 0};
    assert_int_equal(gr_graph_from_pairs(&g, 2, 2, u, i, 3, msg), GR_OK);
    gr_sampler s;
    assert_int_equal(gr_sampler_init(&s, &g, 1, 0, msg), GR_ERR_INPUT); /* user 0 has every item */
    assert_non_null(strstr(msg, "user 0"));
    gr_graph_free(&g);
}

/* ---- optimizers -------------------------------------------------------------- */

static void test_adam(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_adam a;
    assert_int_equal(gr_adam_init(&a, 3, 0.1, msg), GR_OK);
    float p[3] = {1.0f, -2.0f, 0.5f};
    const float g1[3] = {0.5f, -0.25f, 0.0f}, g2[3] = {-1.0f, 0.75f, 2.0f};
    /* Step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², so p −= lr·g/(|g| + ε). */
    gr_adam_step(&a, p, g1);
    assert_int_equal(a.step, 1);
    assert_float_equal(p[0], 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-6);
    assert_float_equal(p[1], -2.0 + 0.1 * 0.25 / (0.25 + 1e-8), 1e-6);
    assert_float_equal(p[2], 0.5, 0); /* zero gradient, zero moments: no move */
    /* Step 2 by the formula, in double. */
    double want[3] = {p[0], p[1], p[2]};
    for (int k = 0; k < 3; k++) {
        double m = 0.9 * (0.1 * g1[k]) + 0.1 * g2[k];
        double v = 0.999 * (0.001 * g1[k] * g1[k]) + 0.001 * g2[k] * g2[k];
        double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
        want[k] -= 0.1 * mh / (sqrt(vh) + 1e-8);
    }
    gr_adam_step(&a, p, g2);
    for (int k = 0; k < 3; k++) assert_float_equal(p[k], want[k], 1e-6);
    gr_adam_free(&a);
    assert_int_equal(gr_adam_init(&a, 3, 0.0, msg), GR_ERR_ARG);

    float q[2] = {1.0f, 2.0f};
    const float gq[2] = {0.5f, -1.0f};
    gr_sgd_step(q, gq, 2, 0.1f);
    assert_float_equal(q[0], 0.95, 1e-7);
    assert_float_equal(q[1], 2.1, 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler),
        cmocka_unit_test(test_sampler_refuses),
        cmocka_unit_test(test_adam),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
