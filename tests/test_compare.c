/* `gnnrec compare` end to end on generated data: a plan of ItemPop, MF and
 * LightGCN with seeds makes the table, results.json (each seed's figures the
 * same as `gnnrec train` on that seed's saved config, means that are means),
 * the training logs and a self-contained index.html; a run that fails is
 * reported while the others go on; bad plans fail at their line; and, when
 * chromium is installed, the page renders (scripts/check_report.sh). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/support.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = gr_test_generated_split("--users 300 --items 200 --edges 8000 --communities 4 --exponent 0.5 --p-in 0.9 --seed 3");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(dir);
    free(dir);
    return 0;
}

static char *path(const char *name)
{
    char *p = gr_test_path(dir, name);
    assert_non_null(p);
    return p;
}

static char *read_text(const char *name)
{
    char *p = path(name);
    char *text = gr_test_read_file(p, NULL);
    if (text == NULL) fail_msg("cannot read %s", p);
    free(p);
    return text;
}

static void write_plan(const char *name, const char *text)
{
    char *p = path(name);
    gr_test_write_text(p, text);
    free(p);
}

/* The number after "key": at or after `from`. */
static double number_after(const char *from, const char *key)
{
    char quoted[80];
    snprintf(quoted, sizeof quoted, "\"%s\": ", key);
    const char *at = strstr(from, quoted);
    if (at == NULL) fail_msg("no %s in:\n%.400s", key, from);
    return strtod(at + strlen(quoted), NULL);
}

/* The text of run `name`'s seed `seed` in results.json. */
static const char *seed_entry(const char *json, const char *name, unsigned seed)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\"name\": \"%s\"", name);
    const char *run = strstr(json, pat);
    if (run == NULL) fail_msg("results.json has no run %s", name);
    snprintf(pat, sizeof pat, "{\"seed\": %u,", seed);
    const char *at = strstr(run, pat);
    if (at == NULL) fail_msg("results.json has no seed %u for %s", seed, name);
    return at;
}

static const char plan[] =
    "; the test plan: three models, seeds, shared data\n"
    "[compare]\n"
    "title = Test <plan> & \"friends\"\n"
    "seeds = 2\n"
    "train = %s/split/train.txt\n"
    "test = %s/split/test.txt\n"
    "valid_share = 0.1\n"
    "topk = 5,10,20\n"
    "dim = 16\n"
    "batch = 256\n"
    "lr = 0.01\n"
    "threads = 2\n"
    "seed = 7\n"
    "\n"
    "[run itempop]\n"
    "model = itempop\n"
    "seeds = 1\n"
    "\n"
    "[run mf-bpr]\n"
    "model = mf\n"
    "epochs = 6\n"
    "\n"
    "[run lightgcn]\n"
    "model = lightgcn\n"
    "layers = 2\n"
    "epochs = 4\n";

static void test_compare_runs(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, plan, dir, dir);
    write_plan("plan.ini", text);
    gr_test_run r = gr_test_cli("compare --config %s/plan.ini -o %s/report", dir, dir);
    if (r.exit_code != 0) fail_msg("compare: exit %d\n%s", r.exit_code, r.err);
    /* the table: every metric, each run, mean ± std where there are seeds */
    static const char *const words[] = {"recall", "precision", "ndcg", "hit_rate", "map", "mrr", "coverage",
                                        "itempop", "mf-bpr", "lightgcn", "@5", "@20", "±", "train s", "peak MiB"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(r.out, words[i]) == NULL) fail_msg("no '%s' in the table:\n%s", words[i], r.out);
    assert_non_null(strstr(r.err, "report: "));
    gr_test_run_free(&r);

    char *json = read_text("report/results.json");
    assert_non_null(strstr(json, "\"title\": \"Test <plan> & \\\"friends\\\"\""));
    /* each seed: the figures `gnnrec train` makes from that seed's config */
    double recall[2];
    for (unsigned s = 0; s < 2; s++) {
        const char *e = seed_entry(json, "mf-bpr", 7 + s);
        assert_non_null(strstr(e, "\"status\": \"ok\""));
        assert_true(number_after(e, "epochs") == 6);
        assert_true(number_after(e, "peak_rss_bytes") > 1e6);
        assert_true(number_after(e, "train_seconds") > 0);
        recall[s] = number_after(e, "recall@20");
        gr_test_run t = gr_test_cli("train --config %s/report/configs/mf-bpr-seed%u.ini --quiet --json %s/mf%u.json",
                                    dir, 7 + s, dir, s);
        if (t.exit_code != 0) fail_msg("train: %s", t.err);
        gr_test_run_free(&t);
        char name[32];
        snprintf(name, sizeof name, "mf%u.json", s);
        char *again = read_text(name);
        print_message("mf-bpr seed %u: compare recall@20 %.6f, train %.6f\n", 7 + s, recall[s],
                      number_after(again, "recall@20"));
        assert_true(fabs(recall[s] - number_after(again, "recall@20")) < 1e-6);
        free(again);
    }
    assert_true(recall[0] != recall[1]); /* the seeds differ */
    const char *mean = strstr(strstr(json, "\"name\": \"mf-bpr\""), "\"mean\": ");
    assert_non_null(mean);
    assert_true(fabs(number_after(mean, "recall@20") - (recall[0] + recall[1]) / 2) < 2e-6);
    const char *std = strstr(mean, "\"std\": ");
    assert_non_null(std);
    assert_true(fabs(number_after(std, "recall@20") - fabs(recall[0] - recall[1]) / sqrt(2.0)) < 2e-6);
    /* a run with one seed has no spread; models beat popularity */
    assert_true(number_after(seed_entry(json, "itempop", 7), "recall@20") <
                number_after(strstr(json, "\"name\": \"lightgcn\""), "recall@20"));
    assert_null(strstr(json, "\"name\": \"itempop\", \"model\": \"itempop\", \"seeds\": 2"));
    free(json);

    /* the logs the curves come from */
    char *log = read_text("report/logs/lightgcn-seed8.jsonl");
    assert_non_null(strstr(log, "{\"epoch\": 4,"));
    assert_non_null(strstr(log, "\"recall@20\": "));
    free(log);

    /* the page: self-contained, escaped, with the charts */
    char *html = read_text("report/index.html");
    assert_non_null(strstr(html, "<title>Test &lt;plan&gt; &amp; &quot;friends&quot;</title>"));
    assert_null(strstr(html, "<plan>"));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "test recall@K"));
    assert_non_null(strstr(html, "test ndcg@K"));
    assert_non_null(strstr(html, "training seconds (evaluations excluded)"));
    int svgs = 0;
    for (const char *p = html; (p = strstr(p, "<svg")) != NULL; p++) svgs++;
    assert_int_equal(svgs, 4); /* recall@K, ndcg@K, curve by epoch, curve by seconds */
    free(html);
}

/* A run that fails is reported; the others still are; the exit status says
 * so.  Runs on the same files share one load. */
static void test_failed_run(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text,
             "[compare]\ntrain = %s/split/train.txt\ntest = %s/split/test.txt\ndim = 8\nthreads = 2\n"
             "[run pop]\nmodel = itempop\n"
             "[run diverges]\nmodel = mf\noptimizer = sgd\nlr = 1e6\ninit_std = 100\nbatch = 64\nepochs = 20\n",
             dir, dir);
    write_plan("failing.ini", text);
    gr_test_run r = gr_test_cli("compare --config %s/failing.ini -o %s/failing", dir, dir);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "diverged"));
    /* both runs name the same files: loaded once */
    const char *first = strstr(r.err, "train.txt: ");
    assert_non_null(first);
    assert_null(strstr(first + 1, "train.txt: "));
    assert_non_null(strstr(r.out, "pop"));
    assert_non_null(strstr(r.out, "FAILED"));
    gr_test_run_free(&r);
    char *json = read_text("failing/results.json");
    assert_non_null(strstr(json, "\"status\": \"failed\", \"error\": \""));
    assert_non_null(strstr(json, "\"status\": \"ok\""));
    free(json);
    char *html = read_text("failing/index.html");
    assert_non_null(strstr(html, "failed: "));
    free(html);
}

/* Bad plans fail before anything runs, naming the file and line. */
static void test_bad_plans(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
        int exit_code; /* 2: a mistake in the plan; 1: a file that cannot be read */
    } cases[] = {
        {"[compare]\nseeds = 2\n[run a]\nmodel = mf\nnosuchkey = 1\n", "bad.ini:5: unknown config key 'nosuchkey'", 2},
        {"[compare]\n[run a]\nmodel = mf\n[run a]\nmodel = mf\n", "bad.ini:4: [run a] given twice", 2},
        {"[compare]\n[runs a]\nmodel = mf\n", "bad.ini:2: unknown section [runs a]", 2},
        {"[run a/b]\nmodel = mf\n", "bad.ini:1: bad run name 'a/b'", 2},
        {"[compare]\nseeds = 0\n[run a]\n", "bad.ini:2: bad value '0' for 'seeds'", 2},
        {"[compare]\ntrain = x\n", "bad.ini: no runs", 2},
        {"[run a]\nconfig = no/such.ini\n", "bad.ini:2: base config: no/such.ini", 1},
        {"[run a]\nmodel = lightgcn\nlayer_weights = 1,1\n", "bad.ini:1: [run a]", 2},
        {"[run a]\ntitle = x\n", "bad.ini:2: 'title' belongs in [compare]", 2},
        {"model = mf\n", "bad.ini:1: key 'model' outside a section", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_plan("bad.ini", cases[i].text);
        gr_test_run r = gr_test_cli("compare --config %s/bad.ini -o %s/bad-report", dir, dir);
        assert_int_equal(r.exit_code, cases[i].exit_code);
        if (strstr(r.err, cases[i].want) == NULL) fail_msg("case %zu: want '%s' in:\n%s", i, cases[i].want, r.err);
        gr_test_run_free(&r);
    }
    char *never = path("bad-report");
    assert_false(gr_test_file_exists(never));
    free(never);
    gr_test_run r = gr_test_cli("compare --config %s/plan.ini", dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "-o DIR"));
    gr_test_run_free(&r);
    /* --only names runs the plan has */
    r = gr_test_cli("compare --config %s/plan.ini -o %s/only --only mf-bpr,nosuch", dir, dir);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "no run 'nosuch'"));
    gr_test_run_free(&r);
}

/* The plans in configs/ parse, and their runs' configs (base configs
 * included) build; --dry-run trains nothing. */
static void test_shipped_plans(void **state)
{
    (void)state;
    static const struct {
        const char *plan;
        const char *runs[8];
    } plans[] = {
        {"configs/compare-demo.ini", {"itempop", "mf-bpr", "ials", "gf-cf", "lightgcn", NULL}},
        {"configs/compare-gowalla.ini", {"itempop", "mf-bpr", "ials", "gf-cf", "lightgcn", NULL}},
        {"configs/compare-follow.ini",
         {"itempop", "mf-bpr", "mf-tied", "lightgcn-bipartite", "lightgcn-unipartite", "lightgcn-unipartite-rw2", NULL}},
        {"configs/lastfm-social.ini", {"itempop", "mf-bpr", "lightgcn", "lightgcn-social", "ppr", NULL}},
    };
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        if (!gr_test_file_exists(plans[i].plan)) {
            print_message("SKIPPED: %s not found (run from the repository root)\n", plans[i].plan);
            skip();
        }
        gr_test_run r = gr_test_cli("compare --config %s --dry-run", plans[i].plan);
        if (r.exit_code != 0) fail_msg("%s: exit %d\n%s", plans[i].plan, r.exit_code, r.err);
        for (const char *const *run = plans[i].runs; *run; run++)
            if (strstr(r.out, *run) == NULL) fail_msg("%s: no run %s in:\n%s", plans[i].plan, *run, r.out);
        gr_test_run_free(&r);
    }
}

/* The page renders in a real browser (Debian's chromium, headless): the
 * screenshot is not blank and shows the charts. */
static void test_renders_in_chromium(void **state)
{
    (void)state;
    if (system("command -v chromium >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1") != 0) {
        print_message("SKIPPED: chromium or python3 is not installed (apt-get install chromium python3); "
                      "run sh scripts/check_report.sh REPORT_DIR to check a report by hand\n");
        skip();
    }
    if (!gr_test_file_exists("scripts/check_report.sh")) {
        print_message("SKIPPED: scripts/check_report.sh not found (run from the repository root)\n");
        skip();
    }
    char *cmd = NULL, *out = path("check.txt");
    assert_true(asprintf(&cmd, "sh scripts/check_report.sh %s/report > %s 2>&1", dir, out) > 0);
    int st = system(cmd);
    char *text = gr_test_read_file(out, NULL);
    print_message("%s", text ? text : "");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("check_report.sh failed (%d)", st);
    free(text);
    free(cmd);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_runs),
        cmocka_unit_test(test_failed_run),
        cmocka_unit_test(test_bad_plans),
        cmocka_unit_test(test_shipped_plans),
        cmocka_unit_test(test_renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
