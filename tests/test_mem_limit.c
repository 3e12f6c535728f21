/* Bounded resources (cli/mem_estimate.h) end to end on generated data:
 * --dry-run prints an estimate and writes nothing, --mem-limit below the
 * estimate refuses the run with the figure and leaves no output, and
 * recommend and eval under a tight --mem-limit shrink their block of scores
 * to the same recommendations and metrics as unconstrained. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"

/* 3,000 items: one user's scores are 12 KB, so the 400 users' ranking
 * (about 5 MiB in one block) stands out of the measurement noise. */
static char *gen;

static int setup(void **state)
{
    (void)state;
    gen = gr_test_generated_split("--users 400 --items 3000 --edges 12000 --communities 6 --exponent 0.5 --p-in 0.9 "
                                  "--seed 7");
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=16 epochs=3 batch=512 "
                                "lr=0.01 eval_every=0 threads=2 --quiet -o %s/m.gnr",
                                gen, gen, gen);
    if (r.exit_code != 0) fail_msg("train: %s", r.err);
    gr_test_run_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(gen);
    free(gen);
    return 0;
}

static int exists(const char *name)
{
    char *p = gr_test_path(gen, name);
    int e = gr_test_file_exists(p);
    free(p);
    return e;
}

/* The MiB of the breakdown line that starts with `name` in a --dry-run's
 * output; fails the test when there is none. */
static double part_mib(const char *out, const char *name)
{
    const char *p = strstr(out, name);
    if (p == NULL) fail_msg("no '%s' in:\n%s", name, out);
    double v = -1;
    if (sscanf(p + strlen(name), "%lf MiB", &v) != 1) fail_msg("no figure after '%s' in:\n%s", name, out);
    return v;
}

/* The sum of the breakdown (held now plus every part). */
static double sum_mib(const char *out)
{
    double s = 0;
    const char *line = strchr(out, '\n');
    while (line != NULL && line[1] == ' ') {
        const char *mib = strstr(line + 1, " MiB");
        const char *end = strchr(line + 1, '\n');
        if (mib == NULL || (end && mib > end)) break;
        const char *num = mib;
        while (num > line && num[-1] != ' ') num--;
        s += atof(num);
        line = end;
    }
    return s;
}

/* The same user, rank and item on every line, and the same score up to the
 * last float bit: BLAS may sum a dot product in another order for another
 * block size. */
static void assert_same_lists(const char *name_a, const char *name_b)
{
    char *pa = gr_test_path(gen, name_a), *pb = gr_test_path(gen, name_b);
    FILE *fa = fopen(pa, "r"), *fb = fopen(pb, "r");
    assert_non_null(fa);
    assert_non_null(fb);
    char la[256], lb[256];
    size_t lines = 0;
    while (fgets(la, sizeof la, fa)) {
        assert_non_null(fgets(lb, sizeof lb, fb));
        char *ta = strrchr(la, '\t'), *tb = strrchr(lb, '\t');
        assert_non_null(ta);
        assert_non_null(tb);
        assert_int_equal(ta - la, tb - lb);
        assert_memory_equal(la, lb, (size_t)(ta - la));
        if (lines++ > 0) {
            const double x = atof(ta + 1), y = atof(tb + 1);
            assert_true(x - y < 1e-5 && y - x < 1e-5);
        }
    }
    assert_null(fgets(lb, sizeof lb, fb));
    assert_true(lines > 1000);
    fclose(fa);
    fclose(fb);
    free(pa);
    free(pb);
}

static void test_train_dry_run(void **state)
{
    (void)state;
    const int before = gr_test_count_entries(gen);
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=16 epochs=3 threads=2 "
                                "--dry-run -o %s/dry.gnr --log %s/dry.log",
                                gen, gen, gen, gen);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "gnnrec train needs about "));
    assert_true(part_mib(r.out, "embeddings (ego, final)") > 0);
    assert_true(part_mib(r.out, "Adam moments") > 0);
    assert_true(part_mib(r.out, "ranking (score block, top-k)") > 0);
    assert_null(strstr(r.err, "epoch 1")); /* nothing trained */
    assert_false(exists("dry.gnr"));
    assert_int_equal(gr_test_count_entries(gen), before);
    gr_test_run_free(&r);
}

static void test_train_refused(void **state)
{
    (void)state;
    const int before = gr_test_count_entries(gen);
    gr_test_run r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=16 epochs=3 threads=2 "
                                "--mem-limit 2M -o %s/refused.gnr --json %s/refused.json",
                                gen, gen, gen, gen);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "needs about "));
    assert_non_null(strstr(r.err, "embeddings (ego, final)"));
    assert_non_null(strstr(r.err, "but --mem-limit is 2 MiB"));
    assert_null(strstr(r.err, "epoch 1"));
    assert_int_equal(gr_test_count_entries(gen), before);
    gr_test_run_free(&r);
    /* a limit above the estimate trains as usual */
    r = gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt dim=16 epochs=1 threads=2 --quiet "
                    "--mem-limit 8G -o %s/fits.gnr",
                    gen, gen, gen);
    assert_int_equal(r.exit_code, 0);
    assert_true(exists("fits.gnr"));
    gr_test_run_free(&r);
    r = gr_test_cli("train train=%s/split/train.txt --mem-limit lots", gen);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--mem-limit"));
    gr_test_run_free(&r);
}

static void test_recommend_shrinks(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("recommend %s/m.gnr --all -k 10 -o %s/free.tsv", gen, gen);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, " 1 blocks of up to"));
    gr_test_run_free(&r);
    r = gr_test_cli("recommend %s/m.gnr --all -k 10 --dry-run -o %s/dry.tsv", gen, gen);
    assert_int_equal(r.exit_code, 0);
    assert_false(exists("dry.tsv"));
    const double rank = part_mib(r.out, "ranking (score block, top-k)"), all = sum_mib(r.out);
    assert_true(rank > 3);
    gr_test_run_free(&r);
    /* room for half the users' scores: more blocks, the same lists */
    r = gr_test_cli("recommend %s/m.gnr --all -k 10 --mem-limit %.2fM -o %s/tight.tsv", gen, all - rank / 2, gen);
    assert_int_equal(r.exit_code, 0);
    assert_null(strstr(r.err, " 1 blocks of up to"));
    assert_same_lists("free.tsv", "tight.tsv");
    gr_test_run_free(&r);
    /* not even one user's scores: refused, nothing written */
    r = gr_test_cli("recommend %s/m.gnr --all -k 10 --mem-limit %.2fM -o %s/none.tsv", gen, all - rank - 2, gen);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "needs about "));
    assert_non_null(strstr(r.err, "but --mem-limit is"));
    assert_false(exists("none.tsv"));
    gr_test_run_free(&r);
}

static void test_eval_shrinks(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("eval %s/m.gnr --quiet --json %s/free.json", gen, gen);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    r = gr_test_cli("eval %s/m.gnr --dry-run", gen);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "gnnrec eval needs about "));
    const double rank = part_mib(r.out, "ranking (score block, top-k)"), all = sum_mib(r.out);
    assert_null(strstr(r.out, "recall")); /* nothing evaluated */
    gr_test_run_free(&r);
    r = gr_test_cli("eval %s/m.gnr --quiet --mem-limit %.2fM --json %s/tight.json", gen, all - rank / 2, gen);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    assert_true(gr_test_json_number(gen, "free.json", "recall@20") > 0);
    assert_true(gr_test_json_number(gen, "free.json", "recall@20") == gr_test_json_number(gen, "tight.json", "recall@20"));
    assert_true(gr_test_json_number(gen, "free.json", "ndcg@20") == gr_test_json_number(gen, "tight.json", "ndcg@20"));
}

/* Training's evaluations shrink their score block under --mem-limit too:
 * the run that the limit would otherwise refuse trains, to the same test
 * metrics (the embeddings do not depend on how they are ranked). */
static void test_train_eval_shrinks(void **state)
{
    (void)state;
    const char *run = "train train=%s/split/train.txt test=%s/split/test.txt dim=16 epochs=3 batch=512 lr=0.01 "
                      "eval_every=0 threads=2 --quiet";
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --json %%s/train-free.json -o %%s/tf.gnr", run);
    gr_test_run r = gr_test_cli(cmd, gen, gen, gen, gen);
    assert_int_equal(r.exit_code, 0);
    gr_test_run_free(&r);
    snprintf(cmd, sizeof cmd, "%s --dry-run", run);
    r = gr_test_cli(cmd, gen, gen);
    assert_int_equal(r.exit_code, 0);
    const double rank = part_mib(r.out, "ranking (score block, top-k)"), all = sum_mib(r.out);
    assert_true(rank > 0);
    gr_test_run_free(&r);
    snprintf(cmd, sizeof cmd, "%s --mem-limit %.2fM --json %%s/train-tight.json -o %%s/tt.gnr", run, all - rank / 2);
    r = gr_test_cli(cmd, gen, gen, gen, gen);
    if (r.exit_code != 0) fail_msg("train under --mem-limit: %s", r.err);
    gr_test_run_free(&r);
    assert_true(gr_test_json_number(gen, "train-free.json", "recall@20") > 0);
    assert_true(gr_test_json_number(gen, "train-free.json", "recall@20") ==
                gr_test_json_number(gen, "train-tight.json", "recall@20"));
    assert_true(gr_test_json_number(gen, "train-free.json", "ndcg@20") ==
                gr_test_json_number(gen, "train-tight.json", "ndcg@20"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_dry_run),
        cmocka_unit_test(test_train_refused),
        cmocka_unit_test(test_recommend_shrinks),
        cmocka_unit_test(test_eval_shrinks),
        cmocka_unit_test(test_train_eval_shrinks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
