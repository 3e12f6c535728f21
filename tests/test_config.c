/* Run configuration: defaults, INI files, overrides, error messages naming
 * file:line or the key, write -> load round trips, and the shipped configs. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/config.h"
#include "tests/support.h"

/* Loads text written to a temp file; returns the status, msg filled. */
static gr_status load_text(const char *text, gr_config *c, char *msg, char **path_out)
{
    char *dir = gr_test_mkdtemp();
    char *path = gr_test_path(dir, "run.ini");
    gr_test_write_text(path, text);
    gr_status s = gr_config_load(c, path, msg);
    if (path_out) *path_out = strdup(path);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
    return s;
}

static void expect_load_error(const char *text, const char *want)
{
    gr_config c, before;
    char msg[GR_MSG_LEN] = "", *path = NULL;
    gr_config_default(&c);
    c.dim = 7; /* marks "unchanged on failure" */
    before = c;
    assert_int_equal(load_text(text, &c, msg, &path), GR_ERR_ARG);
    if (strstr(msg, want) == NULL || strstr(msg, path) == NULL) fail_msg("message '%s' lacks '%s' or the path", msg, want);
    assert_memory_equal(&c, &before, sizeof c);
    free(path);
}

static void test_defaults(void **state)
{
    (void)state;
    gr_config c;
    char msg[GR_MSG_LEN];
    gr_config_default(&c);
    assert_int_equal(c.model, GR_MODEL_LIGHTGCN);
    assert_int_equal(c.dim, 64);
    assert_int_equal(c.layers, 3);
    assert_int_equal(c.n_layer_weights, 0);
    assert_int_equal(c.loss, GR_LOSS_BPR);
    assert_int_equal(c.neg, 1);
    assert_int_equal(c.optimizer, GR_OPT_ADAM);
    assert_true(c.lr == 0.001 && c.decay == 1e-4 && c.init_std == 0.1 && c.valid_share == 0.0);
    assert_int_equal(c.batch, 2048);
    assert_int_equal(c.epochs, 1000);
    assert_int_equal(c.seed, 2020);
    assert_int_equal(c.threads, 2);
    assert_int_equal(c.eval_every, 1);
    assert_int_equal(c.patience, 50);
    assert_int_equal(c.n_topk, 3);
    assert_int_equal(c.topk[0], 10);
    assert_int_equal(c.topk[1], 20);
    assert_int_equal(c.topk[2], 50);
    assert_int_equal(c.stop_metric, GR_STOP_RECALL);
    assert_int_equal(c.stop_k, 20);
    assert_int_equal(c.checkpoint_every, 0);
    assert_string_equal(c.train, "");
    assert_int_equal(c.has_min_rating, 0);
    assert_int_equal(c.graph, GR_GRAPH_BIPARTITE);
    assert_int_equal(gr_config_check(&c, msg), GR_OK);
    for (uint32_t k = 0; k <= 3; k++) assert_true(gr_config_layer_weight(&c, k) == 0.25f);
}

static void test_load_file(void **state)
{
    (void)state;
    gr_config c;
    char msg[GR_MSG_LEN] = "";
    const char *text = "# a run\n[data]\ntrain = data/train.txt.gz\ntest=data/test.txt ; inline comment\n"
                       "format = adj\nids = string\nmin_rating = 3.5\ngraph = directed\n\n"
                       "[model]\nmodel = lightgcn\ndim = 32\nlayers = 2\nlayer_weights = 0.5, 0.25,0.25\n"
                       "[train]\nloss = bce\nneg = 4\noptimizer = sgd\nlr = 0.05\nseed = 18446744073709551615\n"
                       "threads = 0\nvalid_share = 0.1\n[eval]\ntopk = 50, 5,20\nstop_metric = ndcg@20\npatience = 0\n";
    gr_config_default(&c);
    assert_int_equal(load_text(text, &c, msg, NULL), GR_OK);
    assert_string_equal(c.train, "data/train.txt.gz");
    assert_string_equal(c.test, "data/test.txt");
    assert_int_equal(c.format, GR_FORMAT_ADJ);
    assert_int_equal(c.ids, GR_IDS_STRING);
    assert_true(c.has_min_rating && c.min_rating == 3.5);
    assert_int_equal(c.graph, GR_GRAPH_DIRECTED);
    assert_int_equal(c.dim, 32);
    assert_int_equal(c.layers, 2);
    assert_int_equal(c.n_layer_weights, 3);
    assert_true(gr_config_layer_weight(&c, 0) == 0.5f && gr_config_layer_weight(&c, 2) == 0.25f);
    assert_int_equal(c.loss, GR_LOSS_BCE);
    assert_int_equal(c.neg, 4);
    assert_int_equal(c.optimizer, GR_OPT_SGD);
    assert_true(c.lr == 0.05);
    assert_true(c.seed == UINT64_MAX);
    assert_int_equal(c.threads, 0);
    assert_int_equal(c.n_topk, 3);
    assert_int_equal(c.topk[0], 5); /* sorted */
    assert_int_equal(c.topk[2], 50);
    assert_int_equal(c.stop_metric, GR_STOP_NDCG);
    assert_int_equal(c.patience, 0);
    assert_int_equal(c.epochs, 1000); /* absent keys keep their defaults */
}

static void test_overrides(void **state)
{
    (void)state;
    gr_config c;
    char msg[GR_MSG_LEN] = "";
    gr_config_default(&c);
    assert_int_equal(gr_config_set(&c, "lr", "0.005", msg), GR_OK);
    assert_true(c.lr == 0.005);
    assert_int_equal(gr_config_set(&c, "train.batch", "1024", msg), GR_OK);
    assert_int_equal(c.batch, 1024);
    assert_int_equal(gr_config_set_arg(&c, "data.train=x y/z.txt", msg), GR_OK);
    assert_string_equal(c.train, "x y/z.txt");
    assert_int_equal(gr_config_set_arg(&c, "min_rating=", msg), GR_OK);
    assert_int_equal(c.has_min_rating, 0);

    assert_int_equal(gr_config_set(&c, "model.lr", "0.1", msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "model.lr"));
    assert_int_equal(gr_config_set(&c, "nope", "1", msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "'nope'"));
    assert_int_equal(gr_config_set(&c, "dim", "0", msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "'dim'"));
    assert_int_equal(gr_config_set(&c, "dim", "-3", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "dim", "12abc", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "lr", "0", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "lr", "nan", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "valid_share", "1", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "loss", "hinge", msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "bpr"));
    assert_int_equal(gr_config_set(&c, "topk", "10,10", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "topk", "", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "stop_metric", "auc@20", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "seed", "18446744073709551616", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "test", "a ;b", msg), GR_ERR_ARG);
    assert_int_equal(gr_config_set(&c, "test", "a\nb", msg), GR_ERR_ARG);
    char *longp = malloc(GR_PATH_MAX + 1);
    memset(longp, 'p', GR_PATH_MAX);
    longp[GR_PATH_MAX] = '\0';
    assert_int_equal(gr_config_set(&c, "train", longp, msg), GR_ERR_ARG);
    longp[GR_PATH_MAX - 1] = '\0'; /* 1023 bytes fit */
    assert_int_equal(gr_config_set(&c, "train", longp, msg), GR_OK);
    free(longp);
    assert_int_equal(gr_config_set_arg(&c, "lr", msg), GR_ERR_ARG);
    assert_true(c.lr == 0.005 && c.batch == 1024); /* failures change nothing */
}

static void test_model_kind(void **state)
{
    (void)state;
    gr_config c;
    char msg[GR_MSG_LEN] = "";
    gr_config_default(&c);
    assert_int_equal(gr_config_set(&c, "layer_weights", "1,0,0,0", msg), GR_OK);
    assert_int_equal(gr_config_set(&c, "model", "mf", msg), GR_OK);
    assert_int_equal(c.layers, 0);
    assert_int_equal(c.n_layer_weights, 0);
    assert_true(gr_config_layer_weight(&c, 0) == 1.0f);
    assert_int_equal(gr_config_check(&c, msg), GR_OK);
    assert_int_equal(gr_config_set(&c, "layers", "2", msg), GR_OK);
    assert_int_equal(gr_config_check(&c, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "mf"));
    assert_int_equal(gr_config_set(&c, "layers", "0", msg), GR_OK);
    assert_int_equal(gr_config_set(&c, "model", "lightgcn", msg), GR_OK);
    assert_int_equal(c.layers, 3);
    assert_int_equal(gr_config_set(&c, "layer_weights", "1,2", msg), GR_OK);
    assert_int_equal(gr_config_check(&c, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "layer_weights"));
    gr_config_default(&c);
    assert_int_equal(gr_config_set(&c, "topk", "10,50", msg), GR_OK);
    assert_int_equal(gr_config_check(&c, msg), GR_ERR_ARG); /* stop_k 20 not in topk */
    gr_config_default(&c);
    assert_int_equal(gr_config_set(&c, "valid", "v.txt", msg), GR_OK);
    assert_int_equal(gr_config_set(&c, "valid_share", "0.1", msg), GR_OK);
    assert_int_equal(gr_config_check(&c, msg), GR_ERR_ARG);
}

static void test_file_errors(void **state)
{
    (void)state;
    expect_load_error("[train]\nlr = 0.01\nx = 1\n", ":3: unknown key 'x' in [train]");
    expect_load_error("[data]\n\n[model]\ndim = abc\n", ":4: bad value 'abc' for 'dim'");
    expect_load_error("[model]\nlr = 0.1\n", ":2: key 'lr' belongs in [train], not [model]");
    expect_load_error("dim = 3\n", ":1: key 'dim' outside a section");
    expect_load_error("[weird]\ndim = 3\n", ":2: key 'dim' belongs in [model], not [weird]");
    expect_load_error("[model]\ndim = 3\ndim = 4\n", ":3: key 'dim' set twice");
    expect_load_error("[model]\ndim = 3\n  4\n", ":3: key 'dim' set twice");
    expect_load_error("[model]\ndim 3\n", ":2: syntax error");
    expect_load_error("[model\n", ":1: syntax error");
    expect_load_error("[model]\nmodel = mf\nlayers = 3\n", "mf needs layers = 0");
    expect_load_error("[data]\r\ntrain = a\r\n[train]\r\nepochs = -1\r\n", ":4: bad value '-1' for 'epochs'");
    /* a line too long for any valid value, and the first of two errors wins */
    char *text = malloc(6000);
    strcpy(text, "[data]\ntrain = ");
    memset(text + strlen(text), 'a', 4000);
    strcpy(text + 15 + 4000, "\n[train]\nbogus = 1\n");
    expect_load_error(text, ":2: line longer than");
    free(text);
    /* a missing file and a NUL byte */
    gr_config c;
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_config_load(&c, "/nonexistent/dir/x.ini", msg), GR_ERR_IO);
    assert_non_null(strstr(msg, "/nonexistent/dir/x.ini"));
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "nul.ini");
    gr_test_write_file(path, "[model]\ndim = 3\0\n", 17);
    assert_int_equal(gr_config_load(&c, path, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, ":2: NUL byte"));
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

/* Every key changed from its default, awkward values included. */
static void test_round_trip(void **state)
{
    (void)state;
    static const char *const sets[][2] = {
        {"train", "some dir/tr;ain#.txt.gz"}, {"test", "../t=est.txt"}, {"valid", "v:x"}, {"format", "movielens"},
        {"ids", "int"}, {"min_rating", "0.1"}, {"graph", "undirected"}, {"dim", "17"}, {"layers", "4"},
        {"layer_weights", "0.1,0.2,0.3,0.35,0.05"}, {"init_std", "0.0123456789012345"}, {"loss", "bce"},
        {"neg", "3"}, {"neg_sampler", "dns"}, {"dns_candidates", "5"}, {"optimizer", "sgd"}, {"lr", "1e-3"}, {"decay", "3.3e-7"}, {"batch", "777"},
        {"epochs", "0"}, {"seed", "12345678901234567"}, {"threads", "9"}, {"checkpoint_every", "5"}, {"activations", "fp16"},
        {"eval_every", "2"}, {"patience", "11"}, {"topk", "1,2,3,100000,5,6,7,8"}, {"stop_metric", "hit_rate@100000"},
        {"keep", "last"}};
    gr_config a, b, d;
    char msg[GR_MSG_LEN] = "", *text = NULL;
    size_t len = 0;
    gr_config_default(&d);
    for (int pass = 0; pass < 2; pass++) {
        gr_config_default(&a);
        if (pass == 1)
            for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
                if (gr_config_set(&a, sets[i][0], sets[i][1], msg) != GR_OK) fail_msg("%s", msg);
            }
        assert_int_equal(gr_config_check(&a, msg), GR_OK);
        assert_int_equal(gr_config_format(&a, &text, &len, msg), GR_OK);
        assert_int_equal(strlen(text), len);
        memset(&b, 0xAB, sizeof b);
        assert_int_equal(gr_config_load_string(&b, text, "rt", msg), GR_OK);
        assert_true(gr_config_equal(&a, &b));
        assert_memory_equal(&a, &b, sizeof a);
        assert_int_equal(gr_config_equal(&a, &d), pass == 0);
        free(text);
    }
    /* and through gr_config_write and a real file */
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "w.ini");
    gr_output *o = NULL;
    assert_int_equal(gr_output_open(&o, path, msg), GR_OK);
    assert_int_equal(gr_config_write(o, &a, msg), GR_OK);
    assert_int_equal(gr_output_commit(o, msg), GR_OK);
    assert_int_equal(gr_config_load(&b, path, msg), GR_OK);
    assert_memory_equal(&a, &b, sizeof a);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

/* 1 when the file is a plan of gnnrec compare (it has a [compare] section;
 * tests/test_compare.c and tests/test_social.c check those). */
static int is_compare_plan(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int plan = 0;
    while (f != NULL && !plan && fgets(line, sizeof line, f) != NULL) plan = strncmp(line, "[compare]", 9) == 0;
    if (f != NULL) fclose(f);
    return plan;
}

static void test_shipped_configs(void **state)
{
    (void)state;
    const char *dirname = getenv("GNNREC_CONFIGS") ? getenv("GNNREC_CONFIGS") : "configs";
    DIR *dir = opendir(dirname);
    assert_non_null(dir);
    struct dirent *e;
    int n = 0;
    char path[2048], msg[GR_MSG_LEN];
    while ((e = readdir(dir)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 4, ".ini") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dirname, e->d_name);
        if (is_compare_plan(path)) continue;
        gr_config c;
        if (gr_config_load(&c, path, msg) != GR_OK) fail_msg("%s", msg);
        assert_true(c.train[0] != '\0' && c.test[0] != '\0');
        if (strstr(e->d_name, "-mf") != NULL) assert_int_equal(c.model, GR_MODEL_MF);
        if (strstr(e->d_name, "-mf") != NULL) assert_int_equal(c.layers, 0);
        n++;
    }
    closedir(dir);
    assert_true(n >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),   cmocka_unit_test(test_load_file),   cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_model_kind), cmocka_unit_test(test_file_errors), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_shipped_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
