/* A run stopped mid-epoch by gnn/train.h's stop_requested hook, its state
 * written as a checkpoint (PART section) and read back, resumes to the same
 * embeddings, bit for bit, as an uninterrupted run: Adam and SGD, LightGCN
 * and MF, with and without evaluations.  Deterministic: the hook stops at a
 * chosen batch, where the end-to-end signal tests (test_faults.c) land
 * wherever the signal does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/checkpoint.h"
#include "gnn/config.h"
#include "gnn/train.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"
#include "tests/support.h"

enum { NU = 120, NI = 90, NE = 900 };

typedef struct {
    gr_graph g;
    gr_norm_adj *adj;
} fixture;

static fixture fx;

static int setup(void **state)
{
    char msg[GR_MSG_LEN];
    gr_test_scratch_setup(state);
    gr_rng rng;
    gr_rng_seed(&rng, 5, 0);
    uint32_t u[NE], i[NE];
    for (size_t e = 0; e < NE; e++) {
        u[e] = gr_rng_below(&rng, NU);
        i[e] = gr_rng_below(&rng, NI);
    }
    if (gr_graph_from_pairs(&fx.g, NU, NI, u, i, NE, msg) != GR_OK) fail_msg("%s", msg);
    if (gr_norm_adj_build(&fx.adj, &fx.g, NULL, 0.0f, msg) != GR_OK) fail_msg("%s", msg);
    return 0;
}

static int teardown(void **state)
{
    gr_norm_adj_free(fx.adj);
    gr_graph_free(&fx.g);
    return gr_test_scratch_teardown(state);
}

/* What the hooks see: a metric that rises then falls (so BEST moves), a
 * stop after `stop_at` batches, and the checkpoint written to `path`. */
typedef struct {
    int evals;
    long batches, stop_at;
    const gr_config *cfg;
    const char *path;
    int written;
} run_ctx;

static gr_status bumpy_metric(void *vctx, const float *E, double *metric, char *msg)
{
    (void)E;
    (void)msg;
    run_ctx *r = vctx;
    r->evals++;
    *metric = r->evals == 2 ? 1.0 : 1.0 / r->evals;
    return GR_OK;
}

static int stop_after(void *vctx)
{
    run_ctx *r = vctx;
    return r->stop_at > 0 && ++r->batches >= r->stop_at;
}

static gr_status save(void *vctx, const gr_train_state *st, const float *ego, const float *E, char *msg)
{
    run_ctx *r = vctx;
    gr_model m = {.cfg = *r->cfg, .n_users = NU, .n_items = NI, .dim = r->cfg->dim, .ego = (float *)ego,
                  .final = (float *)E};
    r->written = 1;
    return gr_checkpoint_save(r->path, &m, st, &fx.g, msg);
}

static void config_of(gr_config *c, const char *settings)
{
    char msg[GR_MSG_LEN], buf[256];
    gr_config_default(c);
    snprintf(buf, sizeof buf, "%s", settings);
    for (char *kv = strtok(buf, " "); kv != NULL; kv = strtok(NULL, " "))
        if (gr_config_set_arg(c, kv, msg) != GR_OK) fail_msg("%s: %s", kv, msg);
    if (gr_config_check(c, msg) != GR_OK) fail_msg("%s: %s", settings, msg);
}

/* Trains settings uninterrupted, then stopped after `epochs` epochs and
 * `batches` batches of the next (batches = -1: one before the epoch's end)
 * and resumed from the checkpoint file; both must end with the same ego and
 * E.  stop_requested is polled after every batch but an epoch's last, and at
 * every epoch's end: per epoch as often as it has batches. */
static void check_resume(const char *settings, long epochs, long batches, int evaluate)
{
    char msg[GR_MSG_LEN];
    gr_config c;
    config_of(&c, settings);
    const size_t n = (size_t)(NU + NI) * c.dim;
    float *ego_ref = malloc(n * sizeof(float)), *E_ref = malloc(n * sizeof(float));
    float *ego = malloc(n * sizeof(float)), *E = malloc(n * sizeof(float));
    assert_true(ego_ref && E_ref && ego && E);
    char *path = gr_test_path(gr_test_scratch(), "mid.ckpt");
    run_ctx r = {.cfg = &c, .path = path};
    gr_train_hooks hooks = {.ctx = &r, .evaluate = evaluate ? bumpy_metric : NULL, .on_checkpoint = save,
                            .stop_requested = stop_after};
    gr_train_report rep;
    const long per_epoch = (long)((fx.g.R.nnz + c.batch - 1) / c.batch);
    if (batches < 0) batches += per_epoch;
    const long stop_at = epochs * per_epoch + batches;

    gr_init_ego(ego_ref, NU + NI, c.dim, c.init_std, c.seed);
    if (gr_train(&c, &fx.g, c.layers ? fx.adj : NULL, ego_ref, E_ref, &hooks, &rep, msg) != GR_OK) fail_msg("%s", msg);
    assert_false(rep.interrupted);

    r = (run_ctx){.cfg = &c, .path = path, .stop_at = stop_at};
    gr_init_ego(ego, NU + NI, c.dim, c.init_std, c.seed);
    if (gr_train(&c, &fx.g, c.layers ? fx.adj : NULL, ego, E, &hooks, &rep, msg) != GR_OK) fail_msg("%s", msg);
    assert_true(rep.interrupted);
    assert_true(r.written);
    assert_int_equal(rep.epochs_run, (uint32_t)epochs);
    assert_int_equal(rep.batches_run, (uint32_t)batches);

    gr_checkpoint ck;
    if (gr_checkpoint_load(&ck, path, msg) != GR_OK) fail_msg("%s", msg);
    assert_int_equal(ck.state.batch, rep.batches_run);
    if (gr_checkpoint_check_data(&ck, &fx.g, path, msg) != GR_OK) fail_msg("%s", msg);
    r = (run_ctx){.cfg = &c, .path = path, .evals = (int)ck.state.epoch / (int)(c.eval_every ? c.eval_every : 1)};
    if (!evaluate || c.eval_every == 0) r.evals = 0;
    if (gr_train_from(&c, &fx.g, c.layers ? fx.adj : NULL, ck.model.ego, E, &hooks, &ck.state, &rep, msg) != GR_OK)
        fail_msg("%s", msg);
    if (memcmp(ck.model.ego, ego_ref, n * sizeof(float)) != 0) fail_msg("%s: the resumed ego differs", settings);
    if (memcmp(E, E_ref, n * sizeof(float)) != 0) fail_msg("%s: the resumed E differs", settings);
    gr_checkpoint_free(&ck);
    free(path);
    free(ego_ref);
    free(E_ref);
    free(ego);
    free(E);
}

/* ~900 interactions in batches of 128: 8 batches an epoch.  Stops in epoch 1
 * (the checkpoint's epoch is 0), in the middle of epoch 3, and one batch
 * before epoch 2's end. */
static void test_mid_epoch_resume_is_exact(void **state)
{
    (void)state;
    static const char *const runs[] = {
        "dim=16 layers=2 epochs=4 batch=128 lr=0.01 eval_every=1 patience=0 threads=2",
        "dim=16 layers=1 epochs=4 batch=128 optimizer=sgd lr=0.05 eval_every=2 patience=0 threads=2",
        "model=mf dim=16 epochs=4 batch=128 lr=0.01 eval_every=0 threads=2",
        "model=mf dim=16 epochs=4 batch=128 optimizer=sgd lr=0.5 lr_decay=0.5 eval_every=0 threads=2",
        "model=mf dim=16 epochs=4 batch=128 optimizer=adagrad lr=0.05 eval_every=2 patience=0 threads=2",
    };
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        check_resume(runs[k], 0, 3, 1);
        check_resume(runs[k], 2, 4, 1);
        check_resume(runs[k], 1, -1, 0);
    }
}

/* A stop requested after an epoch's last batch finishes the epoch (its
 * evaluation, its log line) and checkpoints it whole: no PART section. */
static void test_stop_at_epoch_end(void **state)
{
    (void)state;
    check_resume("dim=16 layers=2 epochs=4 batch=128 lr=0.01 eval_every=1 patience=0 threads=2", 2, 0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mid_epoch_resume_is_exact),
        cmocka_unit_test(test_stop_at_epoch_end),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
