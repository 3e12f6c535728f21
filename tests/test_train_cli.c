/* `gnnrec train` and `gnnrec eval` end to end on generated data with planted
 * communities: both models learn something popularity cannot, the model file
 * evaluates to the same numbers, and bad configs fail cleanly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"

static const char *dir; /* gr_test_split_dir() */

static int setup(void **state)
{
    int rc = gr_test_split_setup(state);
    dir = gr_test_split_dir();
    return rc;
}

static const char common[] = "train=%s/split/train.txt test=%s/split/test.txt dim=32 epochs=15 batch=512 "
                             "lr=0.01 eval_every=0 patience=0 threads=2";

static double train_model(const char *model, const char *out)
{
    char args[1024];
    snprintf(args, sizeof args, common, dir, dir);
    gr_test_run r = gr_test_cli("train %s model=%s --quiet -o %s/%s.gnr --json %s/%s.json", args, model, dir, out,
                                dir, out);
    if (r.exit_code != 0) fail_msg("train %s: exit %d\n%s", model, r.exit_code, r.err);
    gr_test_run_free(&r);
    char name[64];
    snprintf(name, sizeof name, "%s.json", out);
    return gr_test_json_number(dir, name, "recall@20");
}

static void test_models_beat_itempop(void **state)
{
    (void)state;
    const double pop = gr_test_split_itempop_recall();
    double mf = train_model("mf", "mf");
    double lgcn = train_model("lightgcn", "lgcn");
    print_message("recall@20: itempop %.4f, mf %.4f, lightgcn %.4f\n", pop, mf, lgcn);
    assert_true(mf > pop * 1.2);
    assert_true(lgcn > pop * 1.2);
}

/* gnnrec eval on the saved model reproduces train's final test numbers. */
static void test_eval_matches_train(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("eval %s/lgcn.gnr --json %s/again.json", dir, dir);
    if (r.exit_code != 0) fail_msg("eval: %s", r.err);
    assert_non_null(strstr(r.out, "recall"));
    gr_test_run_free(&r);
    assert_true(fabs(gr_test_json_number(dir, "lgcn.json", "recall@20") -
                     gr_test_json_number(dir, "again.json", "recall@20")) < 1e-9);
    assert_true(fabs(gr_test_json_number(dir, "lgcn.json", "ndcg@20") -
                     gr_test_json_number(dir, "again.json", "ndcg@20")) < 1e-9);
}

/* stop_metric is the metric early stopping watches, whichever it is. */
static void test_stop_metric(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=8 epochs=2 batch=512 "
                                "stop_metric=mrr@10 topk=10,20", dir, dir);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    assert_non_null(strstr(r.err, "mrr@10"));
    assert_null(strstr(r.err, "recall@20 0."));
    gr_test_run_free(&r);
}

/* Test recall@20 of a short run with these settings. */
static double short_run(const char *settings)
{
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=8 batch=512 lr=0.05 "
                                "eval_every=0 threads=2 %s --quiet --json %s/decay.json", dir, dir, settings, dir);
    if (r.exit_code != 0) fail_msg("train %s: %s", settings, r.err);
    gr_test_run_free(&r);
    return gr_test_json_number(dir, "decay.json", "recall@20");
}

/* lr_decay scales the rate from the second epoch on: the first epoch is
 * untouched, later ones differ. */
static void test_lr_decay(void **state)
{
    (void)state;
    assert_true(short_run("epochs=1 lr_decay=0.1") == short_run("epochs=1"));
    assert_true(short_run("epochs=3 lr_decay=0.1") != short_run("epochs=3"));
}

static void test_bad_config(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt nosuchkey=1 -o %s/bad.gnr", dir, dir);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "nosuchkey"));
    assert_false(gr_test_file_exists("bad.gnr"));
    gr_test_run_free(&r);
    r = gr_test_cli("train train=%s/missing.txt -o %s/bad.gnr", dir, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "missing.txt"));
    gr_test_run_free(&r);
    /* a bad output path fails before training, and leaves no model */
    r = gr_test_cli("train train=%s/split/train.txt epochs=50 -o %s/never.gnr --json %s/no/such/dir.json", dir, dir, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "no/such/dir.json"));
    assert_null(strstr(r.err, "epoch 1"));
    gr_test_run_free(&r);
    char *never = gr_test_path(dir, "never.gnr");
    assert_false(gr_test_file_exists(never));
    free(never);
    r = gr_test_cli("eval %s/split/train.txt --test %s/split/test.txt", dir, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "not a gnnrec model file"));
    gr_test_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_models_beat_itempop),
        cmocka_unit_test(test_eval_matches_train),
        cmocka_unit_test(test_stop_metric),
        cmocka_unit_test(test_lr_decay),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, setup, gr_test_split_teardown);
}
