/* LightGCN maths: propagation against a dense Â, gradients of the propagation,
 * BPR, BCE and L2 against central differences, K = 0 as the identity; the
 * batch-restricted passes against the whole-array ones, and gr_train against
 * a reference loop of whole-array passes, bit for bit.  The sampler and the
 * optimizers are in test_sampler_optim.c. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/config.h"
#include "gnn/lightgcn.h"
#include "gnn/loss.h"
#include "gnn/optim.h"
#include "gnn/sampler.h"
#include "gnn/train.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"
#include "tests/support.h"

/* ---- a tiny graph and its dense Â ------------------------------------------ */

enum { NU = 4, NI = 5, NN = NU + NI, D = 3 };

static const uint32_t tiny_u[] = {0, 0, 1, 1, 1, 2, 3, 3};
static const uint32_t tiny_i[] = {0, 2, 1, 2, 3, 4, 0, 4};

typedef struct {
    gr_graph g;
    gr_norm_adj *adj;
    double dense[NN][NN]; /* Â, computed here from the definition */
} tiny;

static void tiny_build(tiny *t)
{
    char msg[GR_MSG_LEN];
    size_t m = sizeof tiny_u / sizeof tiny_u[0];
    assert_int_equal(gr_graph_from_pairs(&t->g, NU, NI, tiny_u, tiny_i, m, msg), GR_OK);
    assert_int_equal(gr_norm_adj_build(&t->adj, &t->g, NULL, 0.0f, msg), GR_OK);
    double deg[NN] = {0};
    memset(t->dense, 0, sizeof t->dense);
    for (size_t e = 0; e < m; e++) {
        deg[tiny_u[e]]++;
        deg[NU + tiny_i[e]]++;
    }
    for (size_t e = 0; e < m; e++) {
        uint32_t u = tiny_u[e], i = NU + tiny_i[e];
        t->dense[u][i] = t->dense[i][u] = 1.0 / sqrt(deg[u] * deg[i]);
    }
}

static void tiny_free(tiny *t)
{
    gr_norm_adj_free(t->adj);
    gr_graph_free(&t->g);
}

static void fill_normal(float *x, size_t n, uint64_t seed, double scale)
{
    gr_rng r;
    gr_rng_seed(&r, seed, 0);
    for (size_t k = 0; k < n; k++) x[k] = (float)(scale * gr_rng_normal(&r));
}

/* ---- propagation ------------------------------------------------------------ */

static void test_spmm_matches_dense(void **state)
{
    (void)state;
    tiny t;
    tiny_build(&t);
    char msg[GR_MSG_LEN];
    float X[NN * D], Y[NN * D];
    fill_normal(X, NN * D, 1, 1.0);
    assert_int_equal(gr_norm_adj_nodes(t.adj), NN);
    for (int k = 0; k < 2; k++) {
        memset(Y, 0x7f, sizeof Y); /* garbage: gr_spmm must overwrite Y, not add to it */
        assert_int_equal(gr_spmm(t.adj, X, Y, D, k ? GR_SPMM_GRAPHBLAS : GR_SPMM_CSR, msg), GR_OK);
        for (int r = 0; r < NN; r++)
            for (int c = 0; c < D; c++) {
                double want = 0;
                for (int j = 0; j < NN; j++) want += t.dense[r][j] * X[j * D + c];
                assert_float_equal(Y[r * D + c], want, 1e-5);
            }
    }
    tiny_free(&t);
}

static void test_forward_matches_dense(void **state)
{
    (void)state;
    tiny t;
    tiny_build(&t);
    char msg[GR_MSG_LEN];
    const float alphas[2][4] = {{0.25f, 0.25f, 0.25f, 0.25f}, {0.5f, -1.0f, 2.0f, 0.125f}};
    float ego[NN * D];
    fill_normal(ego, NN * D, 2, 0.5);
    for (int a = 0; a < 2; a++) {
        gr_lightgcn w;
        assert_int_equal(gr_lightgcn_init(&w, NN, D, 3, a ? alphas[1] : NULL, GR_SPMM_CSR, msg), GR_OK);
        assert_int_equal(gr_lightgcn_forward(&w, t.adj, ego, msg), GR_OK);
        double layer[NN * D], next[NN * D], want[NN * D];
        for (int k = 0; k < NN * D; k++) {
            layer[k] = ego[k];
            want[k] = alphas[a][0] * layer[k];
        }
        for (int l = 1; l <= 3; l++) {
            for (int r = 0; r < NN; r++)
                for (int c = 0; c < D; c++) {
                    double s = 0;
                    for (int j = 0; j < NN; j++) s += t.dense[r][j] * layer[j * D + c];
                    next[r * D + c] = s;
                }
            for (int k = 0; k < NN * D; k++) {
                layer[k] = next[k];
                want[k] += alphas[a][l] * layer[k];
            }
        }
        for (int k = 0; k < NN * D; k++) assert_float_equal(w.out[k], want[k], 1e-5);
        gr_lightgcn_free(&w);
    }
    tiny_free(&t);
}

static void test_k0_identity(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    float ego[NN * D], dE[NN * D], dego[NN * D];
    fill_normal(ego, NN * D, 3, 1.0);
    fill_normal(dE, NN * D, 4, 1.0);
    memset(dego, 0, sizeof dego);
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, NN, D, 0, NULL, GR_SPMM_CSR, msg), GR_OK);
    assert_float_equal(w.alpha[0], 1.0f, 0);
    assert_null(w.buf[0]); /* MF needs no layer buffers */
    assert_int_equal(gr_lightgcn_forward(&w, NULL, ego, msg), GR_OK);
    assert_memory_equal(w.out, ego, sizeof ego);
    assert_int_equal(gr_lightgcn_backward(&w, NULL, dE, dego, msg), GR_OK);
    assert_memory_equal(dego, dE, sizeof dE);
    gr_lightgcn_free(&w);
}

/* backward_grad leaves exactly what backward adds into a zeroed array. */
static void test_backward_grad_equals_backward(void **state)
{
    (void)state;
    tiny t;
    tiny_build(&t);
    char msg[GR_MSG_LEN];
    const float alphas[4] = {0.5f, -1.0f, 2.0f, 0.125f};
    for (uint32_t K = 0; K <= 3; K++) {
        float dE[NN * D], dE2[NN * D], dego[NN * D];
        fill_normal(dE, NN * D, 7 + K, 1.0);
        memcpy(dE2, dE, sizeof dE);
        memset(dego, 0, sizeof dego);
        gr_lightgcn w;
        assert_int_equal(gr_lightgcn_init(&w, NN, D, K, K == 3 ? alphas : NULL, GR_SPMM_CSR, msg), GR_OK);
        assert_int_equal(gr_lightgcn_backward(&w, t.adj, dE, dego, msg), GR_OK);
        float *grad = NULL;
        assert_int_equal(gr_lightgcn_backward_grad(&w, t.adj, dE2, &grad, msg), GR_OK);
        assert_non_null(grad);
        assert_memory_equal(grad, dego, sizeof dego);
        gr_lightgcn_free(&w);
    }
    tiny_free(&t);
}

/* f(E) = Σ W∘E + ½ Σ E∘E, so ∂f/∂E = W + E: a non-linear scalar of E whose
 * gradient with respect to ego goes through the backward pass. */
static double prop_objective(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const float *W)
{
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_lightgcn_forward(w, adj, ego, msg), GR_OK);
    double f = 0;
    for (int k = 0; k < NN * D; k++) f += (double)W[k] * w->out[k] + 0.5 * (double)w->out[k] * w->out[k];
    return f;
}

/* Central differences on every coordinate of x against the analytic gradient
 * g: |num − g| <= 1e-3 · max(1, |g|) (float forward passes, step h). */
#define CHECK_GRAD(x, n, g, h, objective)                                             \
    do {                                                                              \
        for (size_t k_ = 0; k_ < (size_t)(n); k_++) {                                 \
            const float keep_ = (x)[k_];                                              \
            (x)[k_] = keep_ + (h);                                                    \
            const double fp_ = (objective);                                           \
            (x)[k_] = keep_ - (h);                                                    \
            const double fm_ = (objective);                                           \
            (x)[k_] = keep_;                                                          \
            const double num_ = (fp_ - fm_) / (2.0 * (h));                            \
            const double tol_ = 1e-3 * fmax(1.0, fabs((double)(g)[k_]));             \
            if (fabs(num_ - (g)[k_]) > tol_)                                          \
                fail_msg("coordinate %zu: numeric %.6g, analytic %.6g", k_, num_, (double)(g)[k_]); \
        }                                                                             \
    } while (0)

static void test_propagation_gradient(void **state)
{
    (void)state;
    tiny t;
    tiny_build(&t);
    char msg[GR_MSG_LEN];
    const float alpha[4] = {0.4f, 0.3f, -0.2f, 0.7f}; /* unequal, so a wrong Horner order shows */
    float ego[NN * D], W[NN * D], dE[NN * D], dego[NN * D];
    fill_normal(ego, NN * D, 5, 1.0);
    fill_normal(W, NN * D, 6, 1.0);
    for (uint32_t K = 0; K <= 3; K++) {
        gr_lightgcn w;
        assert_int_equal(gr_lightgcn_init(&w, NN, D, K, K == 3 ? alpha : NULL, GR_SPMM_CSR, msg), GR_OK);
        prop_objective(&w, t.adj, ego, W);
        for (int k = 0; k < NN * D; k++) dE[k] = W[k] + w.out[k];
        for (int k = 0; k < NN * D; k++) dego[k] = 1.0f; /* backward accumulates */
        assert_int_equal(gr_lightgcn_backward(&w, t.adj, dE, dego, msg), GR_OK);
        for (int k = 0; k < NN * D; k++) dego[k] -= 1.0f;
        CHECK_GRAD(ego, NN * D, dego, 1e-2, prop_objective(&w, t.adj, ego, W));
        gr_lightgcn_free(&w);
    }
    tiny_free(&t);
}

/* ---- losses ----------------------------------------------------------------- */

/* A batch with repeated users, repeated positives and negatives shared between
 * triples, so the scatter has to add up collisions. */
static const uint32_t b_user[] = {0, 1, 0, 3, 2, 1};
static const uint32_t b_pos[] = {0, 3, 2, 4, 4, 1};
static const uint32_t b_neg[] = {1, 4, 3, 0, 1, 2, 3, 4, 1, 0, 2, 3, 1, 3, 0, 0, 3, 2};

static gr_batch make_batch(uint32_t neg)
{
    /* For neg = 1 the first 6 negatives; for neg = 3 all 18. */
    gr_batch b = {.n = 6, .neg = neg, .user = b_user, .pos = b_pos, .negs = b_neg};
    return b;
}

static const gr_emb_shape shape = {NU, NI, D, 0};

typedef enum { L_BPR, L_BCE, L_L2 } loss_id;

static double eval_loss(loss_id id, const float *E, const gr_batch *b, float *grad)
{
    char msg[GR_MSG_LEN];
    float scratch[NN * D];
    double v = 0;
    if (grad == NULL) grad = scratch;
    gr_status st = id == L_BPR  ? gr_loss_bpr(E, shape, b, grad, &v, msg)
                   : id == L_BCE ? gr_loss_bce(E, shape, b, grad, &v, msg)
                                 : gr_loss_l2(E, shape, b, 1e-1f, grad, &v, msg);
    assert_int_equal(st, GR_OK);
    return v;
}

static void check_loss_gradient(loss_id id, uint32_t neg)
{
    gr_batch b = make_batch(neg);
    float E[NN * D], g[NN * D];
    fill_normal(E, NN * D, 7 + neg, 0.8);
    memset(g, 0, sizeof g);
    eval_loss(id, E, &b, g);
    CHECK_GRAD(E, NN * D, g, 1e-2, eval_loss(id, E, &b, NULL));
    /* Rows the batch never touches get no gradient: user 0..3 all appear, but
     * only listed items do. */
    int used[NN] = {0};
    for (size_t k = 0; k < b.n; k++) {
        used[b.user[k]] = used[NU + b.pos[k]] = 1;
        for (uint32_t q = 0; q < neg; q++) used[NU + b.negs[k * neg + q]] = 1;
    }
    for (int r = 0; r < NN; r++)
        if (!used[r])
            for (int c = 0; c < D; c++) assert_float_equal(g[r * D + c], 0.0f, 0);
}

static void test_bpr_gradient(void **state)
{
    (void)state;
    check_loss_gradient(L_BPR, 1);
    check_loss_gradient(L_BPR, 3);
}

static void test_bce_gradient(void **state)
{
    (void)state;
    check_loss_gradient(L_BCE, 1);
    check_loss_gradient(L_BCE, 3);
}

static void test_l2_gradient(void **state)
{
    (void)state;
    check_loss_gradient(L_L2, 1);
    check_loss_gradient(L_L2, 3);
}

/* Values by hand on one triple with d = 1: scores s_ui = 2, s_uj = −1. */
static void test_loss_values(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    const gr_emb_shape s1 = {1, 2, 1, 0};
    float E[3] = {1.0f, 2.0f, -1.0f}, g[3] = {0};
    const uint32_t u = 0, i = 0, j = 1;
    gr_batch b = {.n = 1, .neg = 1, .user = &u, .pos = &i, .negs = &j};
    double v;
    assert_int_equal(gr_loss_bpr(E, s1, &b, g, &v, msg), GR_OK);
    assert_float_equal(v, log(1 + exp(-3.0)), 1e-12);
    assert_int_equal(gr_loss_bce(E, s1, &b, g, &v, msg), GR_OK);
    assert_float_equal(v, log(1 + exp(-2.0)) + log(1 + exp(-1.0)), 1e-12);
    assert_int_equal(gr_loss_l2(E, s1, &b, 0.5f, g, &v, msg), GR_OK);
    assert_float_equal(v, 0.5 * 0.5 * (1 + 4 + 1), 1e-12);
    assert_float_equal(gr_link_prob(E, s1, 0, 0), 1 / (1 + exp(-2.0)), 1e-12);

    /* Huge scores stay finite: loss ≈ the margin, gradients bounded. */
    float big[3] = {10.0f, -30.0f, 30.0f}, gb[3] = {0};
    assert_int_equal(gr_loss_bpr(big, s1, &b, gb, &v, msg), GR_OK);
    assert_float_equal(v, 600.0, 1e-9);
    assert_int_equal(gr_loss_bce(big, s1, &b, gb, &v, msg), GR_OK);
    assert_float_equal(v, 600.0, 1e-9);
    for (int k = 0; k < 3; k++) assert_true(isfinite(gb[k]));

    /* Out-of-range ids are refused. */
    const uint32_t bad = 2;
    gr_batch bb = {.n = 1, .neg = 1, .user = &u, .pos = &i, .negs = &bad};
    assert_int_equal(gr_loss_bpr(E, s1, &bb, g, &v, msg), GR_ERR_ARG);
}

/* The same gradient bits with 1 and 2 threads (users repeat in the batch). */
static void test_loss_deterministic(void **state)
{
    (void)state;
    gr_batch b = make_batch(3);
    float E[NN * D], g1[NN * D] = {0}, g2[NN * D] = {0};
    fill_normal(E, NN * D, 11, 1.0);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    double v1 = eval_loss(L_BPR, E, &b, g1);
    omp_set_num_threads(2);
    double v2 = eval_loss(L_BPR, E, &b, g2);
    omp_set_num_threads(saved);
    assert_true(v1 == v2);
    assert_memory_equal(g1, g2, sizeof g1);
}

/* L2's value is the serial sum in batch order of each sample's terms, the
 * same bits with 1 and 2 threads; its gradient too. */
static void test_l2_value_exact(void **state)
{
    (void)state;
    gr_batch b = make_batch(3);
    float E[NN * D], g1[NN * D] = {0}, g2[NN * D] = {0};
    fill_normal(E, NN * D, 13, 1.0);
    double want = 0;
    for (size_t k = 0; k < b.n; k++) {
        double t = 0, tn = 0;
        for (int c = 0; c < D; c++) t += (double)E[b.user[k] * D + c] * E[b.user[k] * D + c];
        double tp = 0;
        for (int c = 0; c < D; c++) tp += (double)E[(NU + b.pos[k]) * D + c] * E[(NU + b.pos[k]) * D + c];
        t += tp;
        for (uint32_t q = 0; q < b.neg; q++) {
            double tq = 0;
            const uint32_t j = NU + b.negs[k * b.neg + q];
            for (int c = 0; c < D; c++) tq += (double)E[j * D + c] * E[j * D + c];
            tn += tq;
        }
        want += t + tn / b.neg;
    }
    want = 1e-1f * 0.5 * want / (double)b.n;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    double v1 = eval_loss(L_L2, E, &b, g1);
    omp_set_num_threads(2);
    double v2 = eval_loss(L_L2, E, &b, g2);
    omp_set_num_threads(saved);
    assert_true(v1 == want);
    assert_true(v2 == want);
    assert_memory_equal(g1, g2, sizeof g1);
}

/* gr_adam_update over pieces covering every parameter is gr_adam_step, bit
 * for bit (the training loop updates rows as the backward pass hands them
 * over); odd piece lengths take the vector loops' remainders. */
static void test_adam_pieces(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    enum { N = 203 };
    float p1[N], p2[N], g[N];
    fill_normal(p1, N, 14, 1.0);
    memcpy(p2, p1, sizeof p1);
    gr_adam a1, a2;
    assert_int_equal(gr_adam_init(&a1, N, 0.01, msg), GR_OK);
    assert_int_equal(gr_adam_init(&a2, N, 0.01, msg), GR_OK);
    for (int step = 0; step < 5; step++) {
        fill_normal(g, N, 15 + step, 1.0);
        if (step == 2) memset(g + 40, 0, 30 * sizeof *g); /* zero gradients still move by momentum */
        gr_adam_step(&a1, p1, g);
        const gr_adam_consts k = gr_adam_begin(&a2);
        for (size_t first = 0, len = 1; first < N; first += len, len = len * 2 + 1) {
            if (first + len > N) len = N - first;
            gr_adam_update(&a2, &k, p2, g + first, first, len);
        }
        assert_memory_equal(p1, p2, sizeof p1);
        assert_memory_equal(a1.m, a2.m, sizeof p1);
        assert_memory_equal(a1.v, a2.v, sizeof p1);
    }
    assert_true(a1.step == a2.step);
    gr_adam_free(&a1);
    gr_adam_free(&a2);
}

/* The whole training objective, BPR(E(ego)) + L2(ego), against differences in
 * ego: the pieces chain the way the training loop will chain them. */
static double full_objective(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego, const gr_batch *b)
{
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_lightgcn_forward(w, adj, ego, msg), GR_OK);
    return eval_loss(L_BPR, w->out, b, NULL) + eval_loss(L_L2, ego, b, NULL);
}

static void test_full_gradient(void **state)
{
    (void)state;
    tiny t;
    tiny_build(&t);
    char msg[GR_MSG_LEN];
    gr_batch b = make_batch(1);
    float ego[NN * D], dE[NN * D] = {0}, dego[NN * D] = {0};
    fill_normal(ego, NN * D, 12, 1.0);
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, NN, D, 2, NULL, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_lightgcn_forward(&w, t.adj, ego, msg), GR_OK);
    eval_loss(L_BPR, w.out, &b, dE);
    eval_loss(L_L2, ego, &b, dego);
    assert_int_equal(gr_lightgcn_backward(&w, t.adj, dE, dego, msg), GR_OK);
    CHECK_GRAD(ego, NN * D, dego, 1e-2, full_objective(&w, t.adj, ego, &b));
    gr_lightgcn_free(&w);
    tiny_free(&t);
}

/* ---- the batch passes, bit for bit ---------------------------------------- */

/* A random bipartite graph with some empty rows, and its Â. */
typedef struct {
    gr_graph g;
    gr_norm_adj *adj;
    uint32_t n;
} rgraph;

static void rgraph_build(rgraph *t, uint32_t nu, uint32_t ni, size_t ne, uint64_t seed)
{
    char msg[GR_MSG_LEN];
    gr_rng rng;
    gr_rng_seed(&rng, seed, 0);
    uint32_t *u = malloc(ne * sizeof *u), *i = malloc(ne * sizeof *i);
    assert_true(u && i);
    for (size_t e = 0; e < ne; e++) {
        u[e] = gr_rng_below(&rng, nu - 1); /* the last user has no item */
        i[e] = gr_rng_below(&rng, ni);
    }
    assert_int_equal(gr_graph_from_pairs(&t->g, nu, ni, u, i, ne, msg), GR_OK);
    assert_int_equal(gr_norm_adj_build(&t->adj, &t->g, NULL, 0.0f, msg), GR_OK);
    t->n = nu + ni;
    free(u);
    free(i);
}

static void rgraph_free(rgraph *t)
{
    gr_norm_adj_free(t->adj);
    gr_graph_free(&t->g);
}

/* About one row in four, as a row set. */
typedef struct {
    uint8_t *mask;
    uint32_t *list;
    gr_row_set set;
} rowset;

static rowset some_rows(uint32_t n, uint64_t seed)
{
    gr_rng rng;
    gr_rng_seed(&rng, seed, 1);
    rowset r = {calloc(n, 1), malloc(n * sizeof(uint32_t)), {0}};
    assert_true(r.mask && r.list);
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (gr_rng_below(&rng, 4) == 0) r.mask[i] = 1, r.list[m++] = i;
    r.set = (gr_row_set){r.list, m, r.mask};
    return r;
}

typedef struct {
    float *g;
    uint32_t d;
} keep_rows;

static void keep_row(void *ctx, uint32_t r, const float *g)
{
    keep_rows *k = ctx;
    memcpy(k->g + (size_t)r * k->d, g, k->d * sizeof *g);
}

/* The forward pass as it was before the batch passes: out = α₀·ego in a pass
 * of its own, then each layer through gr_spmm_fused.  The reference for the
 * folded first layer and the batch passes. */
static void reference_forward(gr_lightgcn *w, const gr_norm_adj *adj, const float *ego)
{
    char msg[GR_MSG_LEN];
    for (size_t c = 0; c < (size_t)w->n * w->d; c++) w->out[c] = w->alpha[0] * ego[c];
    const float *prev = ego;
    for (uint32_t k = 1; k <= w->K; k++) {
        float *next = w->buf[k & 1];
        assert_int_equal(gr_spmm_fused(adj, prev, next, w->d, NULL, 0.0f, w->out, w->alpha[k], w->kernel, msg), GR_OK);
        prev = next;
    }
}

/* forward = forward_rows = the reference forward on the rows; backward_rows = backward_grad, with
 * and without a row_fn, and the seed buffer is all zeros again after. */
static void check_batch_passes(const rgraph *t, uint32_t d, uint32_t K, gr_spmm_kernel kernel, int threads)
{
    char msg[GR_MSG_LEN];
    const size_t len = (size_t)t->n * d;
    /* α_K < 0: the whole-array Horner seeds α_K·(+0) = -0 where the batch
     * pass has +0, which must not matter */
    const float alphas[4] = {0.4f, 0.3f, 0.7f, -0.2f};
    float *ego = malloc(len * sizeof *ego), *dE = calloc(len, sizeof *dE), *dE2 = malloc(len * sizeof *dE2);
    float *want = malloc(len * sizeof *want), *kept = malloc(len * sizeof *kept);
    assert_true(ego && dE && dE2 && want && kept);
    fill_normal(ego, len, 20 + K, 0.5);
    rowset rows = some_rows(t->n, 30 + K);
    gr_rng rng;
    gr_rng_seed(&rng, 40 + K, 0);
    for (uint32_t i = 0; i < rows.set.n_list; i++)
        for (uint32_t j = 0; j < d; j++) dE[(size_t)rows.list[i] * d + j] = (float)gr_rng_normal(&rng);
    const int threads0 = omp_get_max_threads();
    omp_set_num_threads(threads);
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, t->n, d, K, K == 3 ? alphas : NULL, kernel, msg), GR_OK);

    reference_forward(&w, t->adj, ego);
    memcpy(want, w.out, len * sizeof *want);
    for (size_t c = 0; c < len; c++) w.out[c] = NAN;
    assert_int_equal(gr_lightgcn_forward(&w, t->adj, ego, msg), GR_OK);
    assert_memory_equal(w.out, want, len * sizeof *want);
    for (size_t c = 0; c < len; c++) w.out[c] = NAN;
    assert_int_equal(gr_lightgcn_forward_rows(&w, t->adj, ego, &rows.set, msg), GR_OK);
    for (uint32_t i = 0; i < rows.set.n_list; i++) {
        const size_t at = (size_t)rows.list[i] * d;
        if (memcmp(w.out + at, want + at, d * sizeof *want) != 0)
            fail_msg("forward_rows: K %u d %u row %u differs", K, d, rows.list[i]);
    }

    if (K > 0) {
        memcpy(dE2, dE, len * sizeof *dE);
        float *grad = NULL;
        assert_int_equal(gr_lightgcn_backward_grad(&w, t->adj, dE2, &grad, msg), GR_OK);
        memcpy(want, grad, len * sizeof *want);
        assert_int_equal(gr_lightgcn_backward_rows(&w, t->adj, dE, &rows.set, NULL, NULL, &grad, msg), GR_OK);
        assert_non_null(grad);
        assert_memory_equal(grad, want, len * sizeof *want);
        keep_rows k = {kept, d};
        assert_int_equal(gr_lightgcn_backward_rows(&w, t->adj, dE, &rows.set, keep_row, &k, &grad, msg), GR_OK);
        assert_null(grad);
        assert_memory_equal(kept, want, len * sizeof *want);
        for (size_t c = 0; c < len; c++)
            if (w.seed[c] != 0.0f || signbit(w.seed[c])) fail_msg("seed[%zu] = %g after backward_rows", c, w.seed[c]);
    } else {
        float *grad = (float *)1;
        assert_int_equal(gr_lightgcn_backward_rows(&w, NULL, dE, &rows.set, NULL, NULL, &grad, msg), GR_ERR_ARG);
        assert_null(grad);
    }
    omp_set_num_threads(threads0);
    gr_lightgcn_free(&w);
    free(rows.mask);
    free(rows.list);
    free(ego);
    free(dE);
    free(dE2);
    free(want);
    free(kept);
}

static void test_batch_passes(void **state)
{
    (void)state;
    rgraph t;
    rgraph_build(&t, 60, 80, 700, 1);
    /* 64: register-blocked; 7: the generic loop */
    const uint32_t ds[] = {64, 7};
    for (size_t k = 0; k < 2; k++)
        for (uint32_t K = 0; K <= 3; K++)
            for (int threads = 1; threads <= 2; threads++) {
                check_batch_passes(&t, ds[k], K, GR_SPMM_CSR, threads);
                if (threads == 1) check_batch_passes(&t, ds[k], K, GR_SPMM_GRAPHBLAS, threads);
            }
    rgraph_free(&t);
}

/* ---- gr_train against whole-array passes ---------------------------------- */

/* gr_train's loop written out with the whole-array passes the batch passes
 * replace: the reference forward, loss, Horner into a full gradient (the
 * unchanged whole-array backward), L2, a dense optimizer step.  Same
 * sampler, same batches. */
static void reference_train(const gr_config *c, const rgraph *t, float *ego, float *E)
{
    char msg[GR_MSG_LEN];
    const gr_emb_shape shape = {t->g.n_users, t->g.n_items, c->dim, 0};
    const size_t n_params = (size_t)t->n * c->dim;
    float alpha[GR_MAX_LAYERS + 1];
    for (uint32_t k = 0; k <= c->layers; k++) alpha[k] = gr_config_layer_weight(c, k);
    gr_lightgcn w;
    gr_sampler smp;
    gr_adam adam;
    gr_adagrad adagrad;
    assert_int_equal(gr_lightgcn_init(&w, t->n, c->dim, c->layers, alpha, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_sampler_init(&smp, &t->g, c->neg, 0, msg), GR_OK);
    assert_int_equal(gr_adam_init(&adam, n_params, c->lr, msg), GR_OK);
    /* gnn/train.c's initial accumulator */
    assert_int_equal(gr_adagrad_init(&adagrad, n_params, (float)(1.0 / ((double)c->batch * c->batch)), msg), GR_OK);
    float *dE = calloc(n_params, sizeof *dE);
    assert_non_null(dE);
    for (uint32_t epoch = 1; epoch <= c->epochs; epoch++) {
        const double lr = c->lr * pow(c->lr_decay, epoch - 1.0);
        adam.lr = lr;
        gr_sampler_epoch(&smp, c->seed, epoch);
        for (size_t begin = 0; begin < smp.n; begin += c->batch) {
            const size_t end = begin + c->batch < smp.n ? begin + c->batch : smp.n;
            gr_batch b = gr_sampler_batch(&smp, begin, end);
            double v;
            reference_forward(&w, t->adj, ego);
            if (c->loss == GR_LOSS_BPR) assert_int_equal(gr_loss_bpr(w.out, shape, &b, dE, &v, msg), GR_OK);
            else assert_int_equal(gr_loss_bce(w.out, shape, &b, dE, &v, msg), GR_OK);
            float *grad = NULL;
            assert_int_equal(gr_lightgcn_backward_grad(&w, t->adj, dE, &grad, msg), GR_OK);
            assert_int_equal(gr_loss_l2(ego, shape, &b, (float)c->decay, grad, &v, msg), GR_OK);
            if (c->optimizer == GR_OPT_ADAM) gr_adam_step(&adam, ego, grad);
            else if (c->optimizer == GR_OPT_ADAGRAD) gr_adagrad_step(&adagrad, ego, grad, (float)lr);
            else gr_sgd_step(ego, grad, n_params, (float)lr);
            memset(dE, 0, n_params * sizeof *dE);
        }
    }
    reference_forward(&w, t->adj, ego);
    memcpy(E, w.out, n_params * sizeof *E);
    free(dE);
    gr_adam_free(&adam);
    gr_adagrad_free(&adagrad);
    gr_sampler_free(&smp);
    gr_lightgcn_free(&w);
}

static void check_train(const rgraph *t, const char *settings, int threads)
{
    char msg[GR_MSG_LEN];
    gr_config c;
    gr_config_default(&c);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", settings);
    for (char *kv = strtok(buf, " "); kv != NULL; kv = strtok(NULL, " "))
        if (gr_config_set_arg(&c, kv, msg) != GR_OK) fail_msg("%s: %s", kv, msg);
    if (gr_config_check(&c, msg) != GR_OK) fail_msg("%s: %s", settings, msg);
    const size_t len = (size_t)t->n * c.dim;
    float *ego = malloc(len * sizeof *ego), *E = malloc(len * sizeof *E);
    float *ego_ref = malloc(len * sizeof *ego_ref), *E_ref = malloc(len * sizeof *E_ref);
    assert_true(ego && E && ego_ref && E_ref);
    gr_init_ego(ego, t->n, c.dim, c.init_std, c.seed);
    memcpy(ego_ref, ego, len * sizeof *ego);
    const int threads0 = omp_get_max_threads();
    omp_set_num_threads(threads);
    gr_train_report rep;
    if (gr_train(&c, &t->g, c.layers ? t->adj : NULL, ego, E, NULL, &rep, msg) != GR_OK) fail_msg("%s", msg);
    reference_train(&c, t, ego_ref, E_ref);
    omp_set_num_threads(threads0);
    if (memcmp(ego, ego_ref, len * sizeof *ego) != 0) fail_msg("%s, %d threads: ego differs", settings, threads);
    if (memcmp(E, E_ref, len * sizeof *E) != 0) fail_msg("%s, %d threads: E differs", settings, threads);
    free(ego);
    free(E);
    free(ego_ref);
    free(E_ref);
}

/* A batch touches about half the rows here, so both sides of the fused Adam
 * step (rows in and out of the batch) are exercised.  Two threads (one run
 * also on one): each thread count is its own bit-exact contract. */
static void test_train_bit_identical(void **state)
{
    (void)state;
    rgraph t;
    rgraph_build(&t, 300, 250, 1200, 2);
    const char *runs[] = {
        "dim=64 layers=3 epochs=2 batch=128 lr=0.01 decay=0.01",
        "dim=7 layers=2 epochs=2 batch=128 lr=0.01 loss=bce neg=3 decay=0.01",
        "dim=16 layers=1 epochs=2 batch=128 optimizer=sgd lr=0.05 decay=0.01",
        "dim=32 layers=3 layer_weights=0.5,0.25,1,0.125 epochs=2 batch=128 lr=0.01",
        "model=mf dim=16 epochs=2 batch=128 lr=0.01 decay=0.01",
        "model=mf dim=16 epochs=2 batch=128 optimizer=sgd lr=0.5 decay=0.01",
        "model=mf dim=16 layer_weights=0.5 epochs=2 batch=128 optimizer=sgd lr=0.5 lr_decay=0.5 decay=0.01",
        /* AdaGrad: dense on LightGCN; on MF the batch's rows only (the
         * compact copy, and with layer_weights the rows of the full arrays),
         * against the dense step here */
        "dim=16 layers=2 epochs=2 batch=128 optimizer=adagrad lr=0.05 decay=0.01",
        "model=mf dim=16 epochs=2 batch=128 optimizer=adagrad lr=0.05 decay=0.01",
        "model=mf dim=16 epochs=2 batch=128 optimizer=adagrad neg=3 loss=bce lr=0.05 decay=0.01",
        "model=mf dim=16 layer_weights=0.5 epochs=2 batch=128 optimizer=adagrad lr=0.05 lr_decay=0.5 decay=0.01",
    };
    check_train(&t, runs[0], 1);
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) check_train(&t, runs[k], 2);
    rgraph_free(&t);
}

/* An evaluate hook whose metric falls at every call: epoch 1 is the best. */
static gr_status falling_metric(void *ctx, const float *E, double *metric, char *msg)
{
    (void)E;
    (void)msg;
    int *calls = ctx;
    *metric = 1.0 / ++*calls;
    return GR_OK;
}

static void train_with(const rgraph *t, const char *settings, int evaluate, float *E, gr_train_report *rep,
                       int *calls)
{
    char msg[GR_MSG_LEN], buf[256];
    gr_config c;
    gr_config_default(&c);
    snprintf(buf, sizeof buf, "%s", settings);
    for (char *kv = strtok(buf, " "); kv != NULL; kv = strtok(NULL, " "))
        if (gr_config_set_arg(&c, kv, msg) != GR_OK) fail_msg("%s: %s", kv, msg);
    if (gr_config_check(&c, msg) != GR_OK) fail_msg("%s: %s", settings, msg);
    float *ego = malloc((size_t)t->n * c.dim * sizeof *ego);
    assert_non_null(ego);
    gr_init_ego(ego, t->n, c.dim, c.init_std, c.seed);
    *calls = 0;
    gr_train_hooks hooks = {.ctx = calls, .evaluate = falling_metric};
    if (gr_train(&c, &t->g, t->adj, ego, E, evaluate ? &hooks : NULL, rep, msg) != GR_OK) fail_msg("%s", msg);
    free(ego);
}

/* keep=last ends with the last epoch although every evaluation said the first
 * was best; keep=best ends with the first (and stops after patience). */
static void test_keep_last(void **state)
{
    (void)state;
    rgraph t;
    rgraph_build(&t, 120, 90, 500, 2);
    const size_t len = (size_t)t.n * 16;
    float *E = malloc(len * sizeof *E), *E_plain = malloc(len * sizeof *E), *E_first = malloc(len * sizeof *E);
    assert_true(E && E_plain && E_first);
    gr_train_report rep;
    int calls;
    const char *common = "dim=16 layers=2 batch=64 lr=0.01 eval_every=1 patience=2";
    char s[256];
    snprintf(s, sizeof s, "%s epochs=4", common);
    train_with(&t, s, 0, E_plain, &rep, &calls);
    snprintf(s, sizeof s, "%s epochs=1", common);
    train_with(&t, s, 0, E_first, &rep, &calls);

    snprintf(s, sizeof s, "%s epochs=4 keep=last", common);
    train_with(&t, s, 1, E, &rep, &calls);
    assert_int_equal(calls, 4);
    assert_int_equal(rep.epochs_run, 4);
    assert_int_equal(rep.best_epoch, 0);
    assert_false(rep.stopped_early);
    assert_memory_equal(E, E_plain, len * sizeof *E);

    snprintf(s, sizeof s, "%s epochs=4", common);
    train_with(&t, s, 1, E, &rep, &calls);
    assert_int_equal(rep.best_epoch, 1);
    assert_true(rep.stopped_early);
    assert_int_equal(rep.epochs_run, 3);
    assert_memory_equal(E, E_first, len * sizeof *E);
    free(E);
    free(E_plain);
    free(E_first);
    rgraph_free(&t);
}

static void test_lightgcn_args(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, NN, D, 17, NULL, GR_SPMM_CSR, msg), GR_ERR_ARG);
    assert_int_equal(gr_lightgcn_init(&w, NN, 0, 1, NULL, GR_SPMM_CSR, msg), GR_ERR_ARG);
    float ego[NN * D] = {0};
    assert_int_equal(gr_lightgcn_init(&w, NN, D, 2, NULL, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_lightgcn_forward(&w, NULL, ego, msg), GR_ERR_ARG);
    gr_lightgcn_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spmm_matches_dense),
        cmocka_unit_test(test_forward_matches_dense),
        cmocka_unit_test(test_k0_identity),
        cmocka_unit_test(test_backward_grad_equals_backward),
        cmocka_unit_test(test_propagation_gradient),
        cmocka_unit_test(test_bpr_gradient),
        cmocka_unit_test(test_bce_gradient),
        cmocka_unit_test(test_l2_gradient),
        cmocka_unit_test(test_loss_values),
        cmocka_unit_test(test_loss_deterministic),
        cmocka_unit_test(test_l2_value_exact),
        cmocka_unit_test(test_adam_pieces),
        cmocka_unit_test(test_full_gradient),
        cmocka_unit_test(test_lightgcn_args),
        cmocka_unit_test(test_batch_passes),
        cmocka_unit_test(test_train_bit_identical),
        cmocka_unit_test(test_keep_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
