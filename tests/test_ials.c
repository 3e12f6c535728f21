/* iALS (gnn/ials.h): the row solves against the loss's gradient written out
 * from its definition, the Gramian-based loss against a brute-force one, a
 * loss that never rises over sweeps, CG against Cholesky, fold-in against a
 * sweep, reproducibility, gr_train's evaluation schedule, a clean failure,
 * and `gnnrec train model=ials` end to end against ItemPop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/config.h"
#include "gnn/ials.h"
#include "graph/graph.h"
#include "tests/support.h"

/* ---- a small random graph ------------------------------------------------ */

/* User NU - 1 and item NI - 1 have no interactions (ids that never occur). */
enum { NU = 25, NI = 18, NN = NU + NI, D = 6 };

static void random_graph(gr_graph *g)
{
    uint32_t u[NU * NI], i[NU * NI];
    size_t m = 0;
    gr_rng r;
    gr_rng_seed(&r, 7, 0);
    for (uint32_t a = 0; a + 1 < NU; a++)
        for (uint32_t b = 0; b + 1 < NI; b++)
            if (gr_rng_uniform(&r) < (b < 6 ? 0.5 : 0.15)) { /* a few popular items */
                u[m] = a;
                i[m++] = b;
            }
    gr_test_graph_from_pairs(g, NU, NI, u, i, m);
}

static void config(gr_config *c, gr_solver_kind solver, uint32_t cg_steps)
{
    char msg[GR_MSG_LEN];
    gr_config_default(c);
    assert_int_equal(gr_config_set(c, "model", "ials", msg), GR_OK);
    c->dim = D;
    c->unobserved_weight = 0.2;
    c->reg = 0.03;
    c->reg_exponent = 0.7;
    c->solver = solver;
    c->cg_steps = cg_steps;
}

static void fill_normal(float *x, size_t n, uint64_t seed, double scale)
{
    gr_rng r;
    gr_rng_seed(&r, seed, 0);
    for (size_t k = 0; k < n; k++) x[k] = (float)(scale * gr_rng_normal(&r));
}

static double row_reg(const gr_config *c, uint64_t n, uint32_t n_other)
{
    return c->reg * pow((double)n + c->unobserved_weight * n_other, c->reg_exponent);
}

static double dotd(const float *x, const float *y)
{
    double s = 0;
    for (int a = 0; a < D; a++) s += (double)x[a] * y[a];
    return s;
}

/* The loss from its definition: every pair, observed or not, in double. */
static double brute_loss(const gr_config *c, const gr_graph *g, const float *E)
{
    const float *items = E + NU * D;
    double l = 0;
    for (uint32_t u = 0; u < NU; u++)
        for (uint32_t i = 0; i < NI; i++) {
            double s = dotd(E + u * D, items + i * D);
            if (gr_csr_has(&g->R, u, i)) l += (s - 1) * (s - 1);
            l += c->unobserved_weight * s * s;
        }
    for (uint32_t u = 0; u < NU; u++) l += row_reg(c, gr_csr_degree(&g->R, u), NI) * dotd(E + u * D, E + u * D);
    for (uint32_t i = 0; i < NI; i++)
        l += row_reg(c, gr_csr_degree(&g->Rt, i), NU) * dotd(items + i * D, items + i * D);
    return l;
}

/* Largest |dL/de_r| / 2 over the rows of one side (R's rows, `rows`), the
 * other side `other`, from the definition. */
static double max_gradient(const gr_config *c, const gr_csr *R, const float *rows, const float *other)
{
    double worst = 0;
    for (uint32_t r = 0; r < R->n_rows; r++) {
        const double lambda = row_reg(c, gr_csr_degree(R, r), R->n_cols);
        double grad[D];
        for (int a = 0; a < D; a++) grad[a] = lambda * rows[r * D + a];
        for (uint32_t j = 0; j < R->n_cols; j++) {
            const double s = dotd(rows + r * D, other + j * D);
            const double w = c->unobserved_weight * s + (gr_csr_has(R, r, j) ? s - 1 : 0);
            for (int a = 0; a < D; a++) grad[a] += w * other[j * D + a];
        }
        for (int a = 0; a < D; a++) worst = fmax(worst, fabs(grad[a]));
    }
    return worst;
}

/* The graph, a config and random embeddings: what each test starts from. */
typedef struct {
    gr_graph g;
    gr_config c;
    float E[NN * D];
    float *users, *items; /* into E */
    char msg[GR_MSG_LEN];
} fixture;

static void fixture_make(fixture *f, gr_solver_kind solver, uint32_t cg_steps, uint64_t seed)
{
    random_graph(&f->g);
    config(&f->c, solver, cg_steps);
    fill_normal(f->E, NN * D, seed, 0.5);
    f->users = f->E;
    f->items = f->E + NU * D;
}

/* ---- the maths ------------------------------------------------------------ */

/* A Cholesky sweep puts every row of its side at the loss's minimum. */
static void test_sweep_zeroes_gradient(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, GR_SOLVER_CHOLESKY, 1, 3);
    assert_true(max_gradient(&f.c, &f.g.R, f.users, f.items) > 0.1); /* not there yet */
    assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.R, f.items, f.users, f.msg), GR_OK);
    assert_true(max_gradient(&f.c, &f.g.R, f.users, f.items) < 1e-5);
    for (int a = 0; a < D; a++) assert_true(f.users[(NU - 1) * D + a] == 0.0f); /* no items: 0 */
    assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.Rt, f.users, f.items, f.msg), GR_OK);
    assert_true(max_gradient(&f.c, &f.g.Rt, f.items, f.users) < 1e-5);
    gr_graph_free(&f.g);
}

static void test_loss_matches_definition(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, GR_SOLVER_CHOLESKY, 1, 4);
    double loss = 0;
    assert_int_equal(gr_ials_loss(&f.c, &f.g, f.E, &loss, f.msg), GR_OK);
    const double want = brute_loss(&f.c, &f.g, f.E);
    assert_true(fabs(loss - want) < 1e-5 * want);
    gr_graph_free(&f.g);
}

/* Each sweep minimizes (Cholesky) or lowers (CG from the current rows) the
 * loss over one side, so L never rises. */
static void test_loss_never_increases(void **state)
{
    (void)state;
    for (int solver = 0; solver < 2; solver++) {
        fixture f;
        fixture_make(&f, solver ? GR_SOLVER_CG : GR_SOLVER_CHOLESKY, 2, 5);
        double before = INFINITY, after = 0;
        for (int half = 0; half < 16; half++) {
            if (half % 2 == 0) assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.R, f.items, f.users, f.msg), GR_OK);
            else assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.Rt, f.users, f.items, f.msg), GR_OK);
            assert_int_equal(gr_ials_loss(&f.c, &f.g, f.E, &after, f.msg), GR_OK);
            assert_true(after <= before * (1 + 1e-6));
            before = after;
        }
        gr_graph_free(&f.g);
    }
}

/* CG is exact after dim steps (in exact arithmetic), from any start. */
static void test_cg_matches_cholesky(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, GR_SOLVER_CHOLESKY, 1, 6);
    gr_config cg = f.c;
    cg.solver = GR_SOLVER_CG;
    cg.cg_steps = D;
    float B[NN * D];
    memcpy(B, f.E, sizeof B);
    assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.R, f.items, f.users, f.msg), GR_OK);
    assert_int_equal(gr_ials_solve_rows(&cg, &f.g.R, B + NU * D, B, f.msg), GR_OK);
    double worst = 0, scale = 0;
    for (int k = 0; k < NU * D; k++) {
        worst = fmax(worst, fabs(f.E[k] - B[k]));
        scale = fmax(scale, fabs(f.E[k]));
    }
    assert_true(worst < 1e-4 * scale);
    gr_graph_free(&f.g);
}

/* Folding in a training user's own history gives its row after a user sweep,
 * whatever the solver (fold-in is always the exact solve). */
static void test_fold_in_matches_sweep(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, GR_SOLVER_CHOLESKY, 1, 8);
    float folded[NU * D];
    assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.R, f.items, f.users, f.msg), GR_OK);
    memset(folded, 0xff, sizeof folded);
    assert_int_equal(gr_ials_fold_in(&f.c, f.items, NI, &f.g.R, folded, f.msg), GR_OK);
    assert_memory_equal(folded, f.users, sizeof folded);
    f.c.solver = GR_SOLVER_CG;
    memset(folded, 0, sizeof folded);
    assert_int_equal(gr_ials_fold_in(&f.c, f.items, NI, &f.g.R, folded, f.msg), GR_OK);
    assert_memory_equal(folded, f.users, sizeof folded);
    /* a history over another item set is refused */
    assert_int_equal(gr_ials_fold_in(&f.c, f.items, NI + 1, &f.g.R, folded, f.msg), GR_ERR_ARG);
    assert_non_null(strstr(f.msg, "items"));
    gr_graph_free(&f.g);
}

/* No L2, no unobserved weight and all-zero items: every non-empty user's
 * matrix is 0, which Cholesky must refuse with a message, not answer with
 * NaNs.  (CG rightly keeps the rows: the residual is 0, any row is optimal.) */
static void test_singular_fails(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, GR_SOLVER_CHOLESKY, 1, 9);
    f.c.reg = 0;
    f.c.unobserved_weight = 0;
    memset(f.items, 0, NI * D * sizeof *f.items);
    assert_int_equal(gr_ials_solve_rows(&f.c, &f.g.R, f.items, f.users, f.msg), GR_ERR_ARG);
    assert_non_null(strstr(f.msg, "not positive definite"));
    gr_graph_free(&f.g);
}

/* ---- training ------------------------------------------------------------- */

/* The evaluation hook returns metrics from a script and snapshots E. */
typedef struct {
    const double *metric;
    uint32_t n_evals;
    float snap[8][NN * D];  /* E at each evaluation */
    uint32_t evaluated_at[8];
    double loss[16];
    uint32_t n_epochs;
} script;

static gr_status scripted_eval(void *ctx, const float *E, double *metric, char *msg)
{
    (void)msg;
    script *s = ctx;
    assert_true(s->n_evals < 8);
    memcpy(s->snap[s->n_evals], E, sizeof s->snap[0]);
    *metric = s->metric[s->n_evals++];
    return GR_OK;
}

static gr_status log_epoch(void *ctx, const gr_epoch_info *e, char *msg)
{
    (void)msg;
    script *s = ctx;
    assert_int_equal(e->epoch, s->n_epochs + 1);
    if (e->evaluated) s->evaluated_at[s->n_evals - 1] = e->epoch;
    s->loss[s->n_epochs++] = e->loss;
    return GR_OK;
}

static void test_same_seed_same_embeddings(void **state)
{
    (void)state;
    for (int solver = 0; solver < 2; solver++) {
        fixture f;
        fixture_make(&f, solver ? GR_SOLVER_CG : GR_SOLVER_CHOLESKY, 3, 1);
        f.c.epochs = 4;
        float B[NN * D];
        gr_train_report rep;
        assert_int_equal(gr_ials_train(&f.c, &f.g, f.E, NULL, &rep, f.msg), GR_OK);
        assert_int_equal(rep.epochs_run, 4);
        assert_int_equal(rep.best_epoch, 0);
        assert_int_equal(gr_ials_train(&f.c, &f.g, B, NULL, &rep, f.msg), GR_OK);
        assert_memory_equal(f.E, B, sizeof B);
        f.c.seed++;
        assert_int_equal(gr_ials_train(&f.c, &f.g, B, NULL, &rep, f.msg), GR_OK);
        assert_memory_not_equal(f.E, B, sizeof B);
        gr_graph_free(&f.g);
    }
}

/* eval_every, patience and keep as gr_train: evaluations at epochs 2, 4, 6;
 * the best (epoch 2) is kept; two evaluations without improvement stop the
 * run.  keep = last evaluates the same epochs and keeps the last. */
static void test_train_schedule(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, GR_SOLVER_CHOLESKY, 1, 1);
    f.c.epochs = 10;
    f.c.eval_every = 2;
    f.c.patience = 2;
    static const double metric[] = {0.3, 0.2, 0.25, 0.9, 0.9};
    static script s;
    memset(&s, 0, sizeof s);
    s.metric = metric;
    gr_train_hooks hooks = {.ctx = &s, .evaluate = scripted_eval, .on_epoch = log_epoch};
    gr_train_report rep;
    assert_int_equal(gr_ials_train(&f.c, &f.g, f.E, &hooks, &rep, f.msg), GR_OK);
    assert_int_equal(rep.epochs_run, 6);
    assert_int_equal(s.n_evals, 3);
    assert_int_equal(s.evaluated_at[0], 2);
    assert_int_equal(s.evaluated_at[2], 6);
    assert_int_equal(rep.best_epoch, 2);
    assert_true(rep.best_metric == 0.3);
    assert_true(rep.stopped_early);
    assert_memory_equal(f.E, s.snap[0], sizeof f.E);
    for (uint32_t e = 1; e < s.n_epochs; e++) assert_true(s.loss[e] <= s.loss[e - 1] * (1 + 1e-6));

    /* keep = last: all 5 epochs, the last one forced into an evaluation */
    f.c.keep = GR_KEEP_LAST;
    f.c.epochs = 5;
    memset(&s, 0, sizeof s);
    s.metric = metric;
    assert_int_equal(gr_ials_train(&f.c, &f.g, f.E, &hooks, &rep, f.msg), GR_OK);
    assert_int_equal(rep.epochs_run, 5);
    assert_int_equal(s.n_evals, 3);
    assert_int_equal(s.evaluated_at[2], 5);
    assert_int_equal(rep.best_epoch, 0);
    assert_false(rep.stopped_early);
    assert_memory_equal(f.E, s.snap[2], sizeof f.E);
    gr_graph_free(&f.g);
}

/* ---- the command line ----------------------------------------------------- */

static const char *dir; /* gr_test_split_dir() */

static int setup(void **state)
{
    int rc = gr_test_split_setup(state);
    dir = gr_test_split_dir();
    return rc;
}

/* gnnrec train model=ials learns the planted communities, which popularity
 * cannot, and gnnrec eval reads the model back to the same numbers. */
static void test_cli_beats_itempop(void **state)
{
    (void)state;
    const double pop = gr_test_split_itempop_recall();
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt model=ials dim=16 epochs=8 eval_every=0 "
                    "threads=2 --quiet -o %s/ials.gnr --json %s/ials.json", dir, dir, dir, dir);
    if (r.exit_code != 0) fail_msg("train ials: exit %d\n%s", r.exit_code, r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("eval %s/ials.gnr --json %s/ials-eval.json", dir, dir);
    if (r.exit_code != 0) fail_msg("eval ials: %s", r.err);
    gr_test_run_free(&r);
    const double ials = gr_test_json_number(dir, "ials.json", "recall@20");
    print_message("recall@20: itempop %.4f, ials %.4f\n", pop, ials);
    assert_true(ials > pop * 1.2);
    assert_true(fabs(gr_test_json_number(dir, "ials-eval.json", "recall@20") - ials) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_zeroes_gradient),
        cmocka_unit_test(test_loss_matches_definition),
        cmocka_unit_test(test_loss_never_increases),
        cmocka_unit_test(test_cg_matches_cholesky),
        cmocka_unit_test(test_fold_in_matches_sweep),
        cmocka_unit_test(test_singular_fails),
        cmocka_unit_test(test_same_seed_same_embeddings),
        cmocka_unit_test(test_train_schedule),
        cmocka_unit_test(test_cli_beats_itempop),
    };
    return cmocka_run_group_tests(tests, setup, gr_test_split_teardown);
}
