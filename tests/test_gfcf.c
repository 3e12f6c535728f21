/* GF-CF against its definition on a small graph: the linear filter equals a
 * dense r R~'R~, the embeddings' dot products equal the dense ideal filter
 * alpha r D^-1/2 V V' D^1/2 (V from LAPACK's SVD), users and items without
 * interactions give zeros rather than NaN, fold-in reproduces a training
 * user's row; then `gnnrec train model=gfcf` end to end beats ItemPop, and
 * its saved model evaluates to the same numbers. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/config.h"
#include "gnn/gfcf.h"
#include "graph/graph.h"
#include "sparse/lapack.h"
#include "tests/support.h"

/* ---- a small graph and its dense R~ ---------------------------------------
 * 7 users x 9 items; user 5 and item 7 have no interactions. */
enum { NU = 7, NI = 9 };
static const uint32_t pair_u[] = {0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 6, 6, 6, 6};
static const uint32_t pair_i[] = {0, 1, 2, 1, 3, 0, 2, 4, 8, 3, 4, 5, 5, 6, 8, 1, 0, 6, 2, 4};
#define N_PAIRS (sizeof pair_u / sizeof pair_u[0])

typedef struct {
    gr_graph g;
    double R[NU][NI];  /* 0/1 */
    double Rt[NU][NI]; /* R~ = D_u^-1/2 R D_i^-1/2 */
    double du[NU], di[NI];
} small;

static void small_build(small *s)
{
    memset(s, 0, sizeof *s);
    gr_test_graph_from_pairs(&s->g, NU, NI, pair_u, pair_i, N_PAIRS);
    for (size_t e = 0; e < N_PAIRS; e++) {
        s->R[pair_u[e]][pair_i[e]] = 1;
        s->du[pair_u[e]]++;
        s->di[pair_i[e]]++;
    }
    for (int u = 0; u < NU; u++)
        for (int i = 0; i < NI; i++)
            if (s->R[u][i] != 0) s->Rt[u][i] = 1 / sqrt(s->du[u] * s->di[i]);
}

/* (r R~'R~)_j for a 0/1 row r over the graph's items */
static double dense_linear(const small *s, const double *r, int j)
{
    double sum = 0;
    for (int i = 0; i < NI; i++)
        for (int v = 0; v < NU; v++) sum += r[i] * s->Rt[v][i] * s->Rt[v][j];
    return sum;
}

static void gfcf_config(gr_config *c, uint32_t dim, double alpha)
{
    char msg[GR_MSG_LEN];
    gr_config_default(c);
    assert_int_equal(gr_config_set(c, "model", "gfcf", msg), GR_OK);
    c->dim = dim;
    c->ideal_weight = alpha;
    c->power_iters = 20;
    c->oversample = 10;
}

/* ---- the linear filter ---------------------------------------------------- */

static void test_linear_matches_dense(void **state)
{
    (void)state;
    small s;
    small_build(&s);
    char msg[GR_MSG_LEN];
    gr_gfcf_linear *f = NULL;
    assert_int_equal(gr_gfcf_linear_init(&f, &s.g, msg), GR_OK);
    /* rows 2 wider than the graph's items (a model's item space may be);
     * users in any order, the empty user 5 among them */
    enum { W = NI + 2 };
    const uint32_t users[] = {6, 0, 5, 3, 0};
    const size_t n = sizeof users / sizeof users[0];
    float scores[5 * W];
    for (int k = 0; k < 5 * W; k++) scores[k] = 0.25f;
    assert_int_equal(gr_gfcf_linear_add(f, &s.g.R, users, n, W, scores, msg), GR_OK);
    for (size_t k = 0; k < n; k++) {
        for (int j = 0; j < NI; j++)
            assert_float_equal(scores[k * W + j], 0.25 + dense_linear(&s, s.R[users[k]], j), 1e-6);
        assert_float_equal(scores[k * W + NI], 0.25f, 0);
        assert_float_equal(scores[k * W + NI + 1], 0.25f, 0);
    }
    for (int j = 0; j < NI; j++) assert_float_equal(scores[2 * W + j], 0.25f, 0); /* user 5: nothing */

    /* a history that is no training row: item 7 (no training users) and
     * item 10 (past the graph) add nothing */
    uint64_t hptr[3] = {0, 4, 5};
    uint32_t hidx[5] = {1, 4, 7, 10, 8};
    const gr_csr hist = {.n_rows = 2, .n_cols = W, .nnz = 5, .ptr = hptr, .idx = hidx};
    const uint32_t rows[] = {0, 1};
    memset(scores, 0, sizeof scores);
    assert_int_equal(gr_gfcf_linear_add(f, &hist, rows, 2, W, scores, msg), GR_OK);
    double r0[NI] = {0}, r1[NI] = {0};
    r0[1] = r0[4] = r0[7] = 1;
    r1[8] = 1;
    for (int j = 0; j < NI; j++) {
        assert_float_equal(scores[j], dense_linear(&s, r0, j), 1e-6);
        assert_float_equal(scores[W + j], dense_linear(&s, r1, j), 1e-6);
    }
    /* bad calls */
    const uint32_t bad[] = {2};
    assert_int_equal(gr_gfcf_linear_add(f, &hist, bad, 1, W, scores, msg), GR_ERR_ARG);
    assert_int_equal(gr_gfcf_linear_add(f, &s.g.R, users, n, NI - 1, scores, msg), GR_ERR_ARG);
    gr_gfcf_linear_free(f);
    gr_graph_free(&s.g);
}

/* ---- the ideal part ------------------------------------------------------- */

/* R~'s SVD by LAPACK: sigma (NI values, descending, zeros past the rank) and
 * V (NI x NI, column j = the j-th right singular vector). */
static void dense_svd(const small *s, double sigma[NI], double V[NI][NI])
{
    int m = NU, n = NI, info = 0, lwork = -1, iwork[8 * NI];
    double a[NU * NI], u[NU * NU], vt[NI * NI], wq, sv[NU];
    for (int i = 0; i < NU; i++)
        for (int j = 0; j < NI; j++) a[j * NU + i] = s->Rt[i][j];
    dgesdd_("A", &m, &n, a, &m, sv, u, &m, vt, &n, &wq, &lwork, iwork, &info, 1);
    lwork = (int)wq + 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    dgesdd_("A", &m, &n, a, &m, sv, u, &m, vt, &n, work, &lwork, iwork, &info, 1);
    assert_int_equal(info, 0);
    free(work);
    for (int j = 0; j < NI; j++) sigma[j] = j < NU ? sv[j] : 0;
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NI; j++) V[i][j] = vt[j + i * NI]; /* V(i, j) = Vt(j, i) */
}

static void test_ideal_matches_dense(void **state)
{
    (void)state;
    small s;
    small_build(&s);
    double sigma[NI], V[NI][NI];
    dense_svd(&s, sigma, V);
    /* the projector V_k V_k' is defined when sigma_k > sigma_k+1: take the
     * largest such k <= 4 with a clear gap */
    int k = 0;
    for (int j = 1; j <= 4; j++)
        if (sigma[j - 1] - sigma[j] > 0.05) k = j;
    assert_true(k >= 2);
    char msg[GR_MSG_LEN];
    gr_config c;
    gfcf_config(&c, (uint32_t)k, 0.3);
    float *E = malloc(sizeof(float) * (NU + NI) * (size_t)k);
    assert_int_equal(gr_gfcf_fit(&c, &s.g, E, msg), GR_OK);
    for (int x = 0; x < (NU + NI) * k; x++) assert_true(isfinite(E[x]));
    for (int x = 0; x < k; x++) {
        assert_float_equal(E[5 * k + x], 0.0f, 0);        /* user 5 */
        assert_float_equal(E[(NU + 7) * k + x], 0.0f, 0); /* item 7 */
    }
    for (int u = 0; u < NU; u++)
        for (int j = 0; j < NI; j++) {
            /* alpha r_u D^-1/2 V_k V_k' D^1/2 */
            double want = 0;
            for (int i = 0; i < NI; i++) {
                if (s.R[u][i] == 0) continue;
                double p = 0;
                for (int c2 = 0; c2 < k; c2++) p += V[i][c2] * V[j][c2];
                want += p / sqrt(s.di[i]) * sqrt(s.di[j]);
            }
            want *= 0.3;
            double got = 0;
            for (int x = 0; x < k; x++) got += (double)E[u * k + x] * E[(NU + j) * k + x];
            assert_float_equal(got, want, 1e-5);
        }
    free(E);
    gr_graph_free(&s.g);
}

/* fold-in of a training row gives the user's row of E, bit for bit; items
 * without training interactions or past the graph are ignored */
static void test_fold_in(void **state)
{
    (void)state;
    small s;
    small_build(&s);
    enum { K = 3 };
    char msg[GR_MSG_LEN];
    gr_config c;
    gfcf_config(&c, K, 0.3);
    float E[(NU + NI) * K], U[NU * K];
    assert_int_equal(gr_gfcf_fit(&c, &s.g, E, msg), GR_OK);
    assert_int_equal(gr_gfcf_fold_in(&c, E + NU * K, &s.g, &s.g.R, U, msg), GR_OK);
    assert_memory_equal(U, E, sizeof U);
    /* user 3's items {3, 4, 5} plus item 7 (degree 0) and item 9 (past the graph) */
    uint64_t hptr[2] = {0, 5};
    uint32_t hidx[5] = {3, 4, 5, 7, 9};
    const gr_csr hist = {.n_rows = 1, .n_cols = NI + 1, .nnz = 5, .ptr = hptr, .idx = hidx};
    float h[K];
    assert_int_equal(gr_gfcf_fold_in(&c, E + NU * K, &s.g, &hist, h, msg), GR_OK);
    assert_memory_equal(h, E + 3 * K, sizeof h);
    gr_config mf;
    gr_config_default(&mf);
    assert_int_equal(gr_gfcf_fold_in(&mf, E + NU * K, &s.g, &hist, h, msg), GR_ERR_ARG);
    gr_graph_free(&s.g);
}

/* ideal_weight = 0: no SVD, zero embeddings, and the config asks for dim = 1 */
static void test_linear_only_and_limits(void **state)
{
    (void)state;
    small s;
    small_build(&s);
    char msg[GR_MSG_LEN];
    gr_config c;
    gfcf_config(&c, 4, 0.0);
    assert_int_equal(gr_config_check(&c, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "dim = 1"));
    c.dim = 1;
    assert_int_equal(gr_config_check(&c, msg), GR_OK);
    float E[NU + NI];
    memset(E, 0x7f, sizeof E);
    assert_int_equal(gr_gfcf_fit(&c, &s.g, E, msg), GR_OK);
    for (int x = 0; x < NU + NI; x++) assert_float_equal(E[x], 0.0f, 0);
    /* the ideal part's rank is at most min(users, items) = 7 */
    gfcf_config(&c, NU + 1, 0.3);
    float *big = malloc(sizeof(float) * (NU + NI) * (NU + 1));
    assert_int_equal(gr_gfcf_fit(&c, &s.g, big, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "dim = 8"));
    /* rank 7 on a rank-6 R~ (user 5 is empty): a zero column, no NaN */
    gfcf_config(&c, NU, 0.3);
    assert_int_equal(gr_gfcf_fit(&c, &s.g, big, msg), GR_OK);
    for (int x = 0; x < (NU + NI) * NU; x++) assert_true(isfinite(big[x]));
    free(big);
    gr_graph_free(&s.g);
}

/* ---- end to end ----------------------------------------------------------- */

static const char *dir; /* gr_test_split_dir() */

static int cli_setup(void **state)
{
    int rc = gr_test_split_setup(state);
    dir = gr_test_split_dir();
    return rc;
}

/* gnnrec train model=gfcf (and its linear part alone) beats popularity, and
 * gnnrec eval reads the model back to the same numbers. */
static void test_cli_beats_itempop(void **state)
{
    (void)state;
    const double pop = gr_test_split_itempop_recall();
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=gfcf dim=32 oversample=16 "
                    "power_iters=4 threads=2 --quiet -o %s/gfcf.gnr --json %s/gfcf.json", dir, dir, dir, dir);
    if (r.exit_code != 0) fail_msg("train gfcf: exit %d\n%s", r.exit_code, r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=gfcf ideal_weight=0 dim=1 "
                    "threads=2 --quiet --json %s/linear.json", dir, dir, dir);
    if (r.exit_code != 0) fail_msg("train gfcf linear: exit %d\n%s", r.exit_code, r.err);
    gr_test_run_free(&r);
    const double gfcf = gr_test_json_number(dir, "gfcf.json", "recall@20"),
                 linear = gr_test_json_number(dir, "linear.json", "recall@20");
    print_message("recall@20: itempop %.4f, gfcf linear %.4f, gfcf %.4f\n", pop, linear, gfcf);
    assert_true(gfcf > pop * 1.2);
    assert_true(linear > pop * 1.2);

    /* the model file holds the ideal part; eval adds the linear part from
     * the training file, to the same numbers */
    r = gr_test_cli("eval %s/gfcf.gnr --train %s/split/train.txt --test %s/split/test.txt --json %s/eval.json",
                    dir, dir, dir, dir);
    if (r.exit_code != 0) fail_msg("eval gfcf: exit %d\n%s", r.exit_code, r.err);
    gr_test_run_free(&r);
    assert_float_equal(gr_test_json_number(dir, "eval.json", "recall@20"), gfcf, 1e-6);
    assert_float_equal(gr_test_json_number(dir, "eval.json", "ndcg@20"), gr_test_json_number(dir, "gfcf.json", "ndcg@20"), 1e-6);

    /* the linear filter alone with a wide dim is refused with the fix */
    r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=gfcf ideal_weight=0 --quiet", dir,
                    dir);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "dim = 1"));
    gr_test_run_free(&r);
}

int main(void)
{
    omp_set_num_threads(2);
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_linear_matches_dense),
        cmocka_unit_test(test_ideal_matches_dense),
        cmocka_unit_test(test_fold_in),
        cmocka_unit_test(test_linear_only_and_limits),
    };
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_cli_beats_itempop),
    };
    int failed = cmocka_run_group_tests(unit, NULL, NULL);
    failed += cmocka_run_group_tests(cli, cli_setup, gr_test_split_teardown);
    return failed;
}
