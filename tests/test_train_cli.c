/* `gnnrec train` and `gnnrec eval` end to end on generated data with planted
 * communities: both models learn something popularity cannot, the model file
 * evaluates to the same numbers, and bad configs fail cleanly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = gr_test_generated_split("--users 600 --items 400 --edges 24000 --communities 8 --exponent 0.5 --p-in 0.9 --seed 3");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(dir);
    free(dir);
    return 0;
}

/* The value of "key": in a JSON file. */
static double json_number(const char *path, const char *key)
{
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    char *at = strstr(text, quoted);
    if (at == NULL) fail_msg("%s has no %s:\n%s", path, key, text);
    double v = strtod(at + strlen(quoted), NULL);
    free(text);
    return v;
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
    char *json = NULL;
    assert_true(asprintf(&json, "%s/%s.json", dir, out) > 0);
    double recall = json_number(json, "recall@20");
    free(json);
    return recall;
}

static void test_models_beat_itempop(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("eval --baseline itempop --train %s/split/train.txt --test %s/split/test.txt "
                                "--json %s/pop.json", dir, dir, dir);
    if (r.exit_code != 0) fail_msg("itempop: %s", r.err);
    gr_test_run_free(&r);
    char *pop_json = NULL;
    assert_true(asprintf(&pop_json, "%s/pop.json", dir) > 0);
    double pop = json_number(pop_json, "recall@20");
    free(pop_json);
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
    char *a = NULL, *b = NULL;
    assert_true(asprintf(&a, "%s/lgcn.json", dir) > 0 && asprintf(&b, "%s/again.json", dir) > 0);
    assert_true(fabs(json_number(a, "recall@20") - json_number(b, "recall@20")) < 1e-9);
    assert_true(fabs(json_number(a, "ndcg@20") - json_number(b, "ndcg@20")) < 1e-9);
    free(a);
    free(b);
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
    char *json = NULL;
    assert_true(asprintf(&json, "%s/decay.json", dir) > 0);
    double recall = json_number(json, "recall@20");
    free(json);
    return recall;
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
    return cmocka_run_group_tests(tests, setup, teardown);
}
