/* Training plumbing: the negative sampler's invariants and reproducibility,
 * and Adam/SGD/AdaGrad by hand. */
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

/* Two AdaGrad steps by the formula, in double. */
static void test_adagrad(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_adagrad a;
    assert_int_equal(gr_adagrad_init(&a, 3, 0.0f, msg), GR_OK);
    float p[3] = {1.0f, -2.0f, 0.5f};
    const float g1[3] = {0.5f, -0.25f, 0.0f}, g2[3] = {-1.0f, 0.75f, 2.0f};
    double want[3] = {1.0, -2.0, 0.5};
    const double lr = 0.1;
    gr_adagrad_step(&a, p, g1, (float)lr);
    /* Step 1: G = g², so p −= lr·g/|g|, a step of lr against the sign. */
    assert_float_equal(p[0], 0.9, 1e-6);
    assert_float_equal(p[1], -1.9, 1e-6);
    assert_true(p[2] == 0.5f && a.acc[2] == 0.0f); /* no gradient yet: no move, and 0/ε, not 0/0 */
    for (int k = 0; k < 3; k++) {
        const double G1 = (double)g1[k] * g1[k], G2 = G1 + (double)g2[k] * g2[k];
        if (G1 > 0) want[k] -= lr * g1[k] / sqrt(G1);
        want[k] -= lr * g2[k] / sqrt(G2);
    }
    gr_adagrad_step(&a, p, g2, (float)lr);
    for (int k = 0; k < 3; k++) assert_float_equal(p[k], want[k], 1e-6);
    assert_float_equal(a.acc[1], 0.25 * 0.25 + 0.75 * 0.75, 1e-7);
    gr_adagrad_free(&a);

    /* From G₀ = 0.25 the first step is lr·g/√(G₀ + g²), SGD-like for small g. */
    assert_int_equal(gr_adagrad_init(&a, 3, 0.25f, msg), GR_OK);
    float q[3] = {1.0f, -2.0f, 0.5f};
    gr_adagrad_step(&a, q, g1, (float)lr);
    assert_float_equal(q[0], 1.0 - lr * 0.5 / sqrt(0.25 + 0.25), 1e-6);
    assert_float_equal(q[1], -2.0 + lr * 0.25 / sqrt(0.25 + 0.0625), 1e-6);
    assert_true(q[2] == 0.5f && a.acc[2] == 0.25f);
    gr_adagrad_free(&a);
    assert_int_equal(gr_adagrad_init(&a, 3, -1.0f, msg), GR_ERR_ARG);
    assert_int_equal(gr_adagrad_init(&a, 3, NAN, msg), GR_ERR_ARG);
    assert_null(a.acc);
}

/* The step on a batch's rows is the dense step, bit for bit, when the
 * gradient is zero elsewhere: parameters and accumulators alike, also for
 * rows that have an accumulator from an earlier batch but no gradient now. */
static void test_adagrad_rows(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    enum { N = 40, D = 19 }; /* 19: not a multiple of any vector width */
    gr_adagrad dense, sparse;
    assert_int_equal(gr_adagrad_init(&dense, N * D, 1e-6f, msg), GR_OK);
    assert_int_equal(gr_adagrad_init(&sparse, N * D, 1e-6f, msg), GR_OK);
    float *p = malloc(N * D * sizeof *p), *q = malloc(N * D * sizeof *q), *g = calloc(N * D, sizeof *g);
    uint32_t rows[N];
    assert_true(p && q && g);
    gr_rng r;
    gr_rng_seed(&r, 7, 0);
    for (size_t k = 0; k < N * D; k++) p[k] = q[k] = (float)(0.1 * gr_rng_normal(&r));
    for (int batch = 0; batch < 4; batch++) {
        uint32_t m = 0;
        memset(g, 0, N * D * sizeof *g);
        for (uint32_t i = 0; i < N; i++) {
            if (gr_rng_below(&r, 3) != 0) continue; /* about a third of the rows */
            rows[m++] = i;
            for (uint32_t j = 0; j < D; j++) g[i * D + j] = (float)(1e-3 * gr_rng_normal(&r));
            g[i * D + batch] = 0.0f; /* a zero inside a batch row too */
        }
        assert_true(m > 0 && m < N);
        gr_adagrad_step(&dense, p, g, 0.05f);
        gr_adagrad_rows(&sparse, q, g, rows, m, D, 0.05f);
        assert_memory_equal(p, q, N * D * sizeof *p);
        assert_memory_equal(dense.acc, sparse.acc, N * D * sizeof *dense.acc);
    }
    free(p);
    free(q);
    free(g);
    gr_adagrad_free(&dense);
    gr_adagrad_free(&sparse);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler),
        cmocka_unit_test(test_sampler_refuses),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adagrad),
        cmocka_unit_test(test_adagrad_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
