/* The synthetic data generator: determinism, sizes, the planted structure
 * (power-law degrees, communities a recommender can learn), follower graphs,
 * agreement between the output formats, then `gnnrec generate` end to end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/generate.h"
#include "loaders/load.h"
#include "tests/support.h"

/* ---- helpers ------------------------------------------------------------ */

static gr_gen_opts opts(uint32_t users, uint32_t items, uint64_t edges)
{
    gr_gen_opts o;
    gr_gen_opts_default(&o);
    o.n_users = users;
    o.n_items = items;
    o.n_edges = edges;
    return o;
}

static void generate(const gr_gen_opts *o, gr_rows *r)
{
    char msg[GR_MSG_LEN] = "";
    if (gr_generate(o, r, msg) != GR_OK) fail_msg("gr_generate: %s", msg);
}

/* Writes o in fmt to dir/name and returns the file's (gunzipped) text. */
static char *write_text(const gr_gen_opts *o, const char *dir, const char *name, gr_gen_format fmt, size_t *len)
{
    char msg[GR_MSG_LEN] = "";
    char *path = gr_test_path(dir, name);
    if (gr_generate_write(o, path, fmt, msg) != GR_OK) fail_msg("gr_generate_write: %s", msg);
    char *text = gr_test_read_file(path, len);
    assert_non_null(text);
    free(path);
    return text;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The rows as sorted (user << 32 | item) keys, to compare multisets. */
static uint64_t *sorted_pairs(const gr_rows *r)
{
    uint64_t *p = malloc((r->n + 1) * sizeof *p);
    assert_non_null(p);
    for (size_t k = 0; k < r->n; k++) p[k] = (uint64_t)r->user[k] << 32 | r->item[k];
    qsort(p, r->n, sizeof *p, cmp_u64);
    return p;
}

/* Sorted degrees of the n nodes in ids[0..m). */
static uint32_t *sorted_degrees(const uint32_t *ids, size_t m, uint32_t n)
{
    uint32_t *deg = calloc(n, sizeof *deg);
    assert_non_null(deg);
    for (size_t k = 0; k < m; k++) deg[ids[k]]++;
    qsort(deg, n, sizeof *deg, cmp_u32);
    return deg;
}

/* ---- the library -------------------------------------------------------- */

static void test_deterministic(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp();
    gr_gen_opts o = opts(500, 300, 20000);
    size_t la, lb, lc;
    char *a = write_text(&o, dir, "a.tsv", GR_GEN_EDGES, &la);
    char *b = write_text(&o, dir, "b.tsv.gz", GR_GEN_EDGES, &lb);
    o.seed = 43;
    char *c = write_text(&o, dir, "c.tsv", GR_GEN_EDGES, &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    /* Rows span chunks of 65,536, each with its own stream: still one function of the seed. */
    gr_gen_opts big = opts(3000, 2000, 150000);
    gr_rows r1, r2;
    generate(&big, &r1);
    generate(&big, &r2);
    assert_int_equal(r1.n, r2.n);
    assert_memory_equal(r1.user, r2.user, r1.n * sizeof *r1.user);
    assert_memory_equal(r1.item, r2.item, r1.n * sizeof *r1.item);
    gr_rows_free(&r1);
    gr_rows_free(&r2);
    free(a);
    free(b);
    free(c);
    gr_test_rmdir(dir);
    free(dir);
}

static void test_counts_and_ranges(void **state)
{
    (void)state;
    gr_gen_opts o = opts(700, 400, 70001); /* not a multiple of the chunk size */
    o.with_weight = o.with_time = 1;
    gr_rows r;
    generate(&o, &r);
    assert_int_equal(r.n, 70001);
    assert_int_equal(r.n_users, 700);
    assert_int_equal(r.n_items, 400);
    assert_non_null(r.weight);
    assert_non_null(r.time);
    for (size_t k = 0; k < r.n; k++) {
        assert_true(r.user[k] < 700);
        assert_true(r.item[k] < 400);
        assert_true(r.weight[k] >= 1 && r.weight[k] <= 5);
        /* increasing, up to an hour of jitter */
        if (k > 0) assert_true(r.time[k] + 3600 > r.time[k - 1]);
    }
    assert_true(r.time[r.n - 1] - r.time[0] > 300 * 86400);
    gr_rows_free(&r);

    /* Text: one line per row, 4 columns with --time, string ids. */
    char *dir = gr_test_mkdtemp();
    size_t len;
    char *text = write_text(&o, dir, "t.tsv", GR_GEN_EDGES, &len);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    assert_int_equal(lines, 70001);
    unsigned u, i, w;
    long long t;
    assert_int_equal(sscanf(text, "u%u\ti%u\t%u\t%lld\n", &u, &i, &w, &t), 4);
    assert_true(u < 700 && i < 400 && w >= 1 && w <= 5 && t > 1500000000LL);
    free(text);
    o.with_time = 0;
    o.with_weight = 0;
    text = write_text(&o, dir, "e.tsv", GR_GEN_EDGES_INT, &len);
    assert_int_equal(sscanf(text, "%u\t%u\n", &u, &i), 2);
    assert_true(strchr(text, '\n') - text < 10); /* two short integer columns only */
    free(text);
    gr_test_rmdir(dir);
    free(dir);
}

static void test_power_law(void **state)
{
    (void)state;
    gr_gen_opts o = opts(20000, 10000, 1000000);
    gr_rows r;
    generate(&o, &r);
    uint32_t *du = sorted_degrees(r.user, r.n, r.n_users);
    uint32_t *di = sorted_degrees(r.item, r.n, r.n_items);
    /* exponent 0.5: the top node holds about sqrt(n)/2 times the median share */
    assert_true(du[r.n_users - 1] > 20 * du[r.n_users / 2]);
    assert_true(di[r.n_items - 1] > 20 * di[r.n_items / 2]);
    assert_true(du[r.n_users / 2] > 0);
    /* exponent 0: uniform activity, no heavy user */
    gr_rows_free(&r);
    o.exponent = 0.0;
    generate(&o, &r);
    free(du);
    du = sorted_degrees(r.user, r.n, r.n_users);
    assert_true(du[r.n_users - 1] < 2 * du[r.n_users / 2]);
    free(du);
    free(di);
    gr_rows_free(&r);
}

/* The share of rows inside the user's community, for a given p_in. */
static double inside_share(double p_in, uint32_t communities)
{
    gr_gen_opts o = opts(20000, 10000, 500000);
    o.p_in = p_in;
    o.n_communities = communities;
    gr_rows r;
    generate(&o, &r);
    uint32_t *uc = malloc(o.n_users * sizeof *uc), *ic = malloc(o.n_items * sizeof *ic);
    assert_non_null(uc);
    assert_non_null(ic);
    char msg[GR_MSG_LEN] = "";
    assert_int_equal(gr_generate_communities(&o, uc, ic, msg), GR_OK);
    size_t inside = 0;
    for (size_t k = 0; k < r.n; k++) inside += uc[r.user[k]] == ic[r.item[k]];
    /* balanced planting: every community has n/C users */
    uint32_t *size = calloc(communities, sizeof *size);
    assert_non_null(size);
    for (uint32_t u = 0; u < o.n_users; u++) size[uc[u]]++;
    for (uint32_t c = 0; c < communities; c++) assert_true(abs((int)size[c] - (int)(o.n_users / communities)) <= 1);
    free(size);
    free(uc);
    free(ic);
    gr_rows_free(&r);
    return (double)inside / 500000.0;
}

static void test_communities(void **state)
{
    (void)state;
    assert_true(fabs(inside_share(0.8, 10) - 0.8) < 0.05);
    assert_true(fabs(inside_share(0.5, 20) - 0.5) < 0.05);
    assert_true(inside_share(1.0, 7) == 1.0);
    /* one community: everything is inside */
    assert_true(inside_share(0.3, 1) == 1.0);
}

/* Learnable: on held-out rows, the community's top items beat the global top. */
static void test_beats_popularity(void **state)
{
    (void)state;
    gr_gen_opts o = opts(2000, 1000, 60000); /* the CLI's defaults */
    gr_rows r;
    generate(&o, &r);
    uint32_t *uc = malloc(o.n_users * sizeof *uc), *ic = malloc(o.n_items * sizeof *ic);
    uint32_t *pop = calloc(o.n_items, sizeof *pop), *cpop = calloc((size_t)o.n_items * 10, sizeof *cpop);
    assert_true(uc && ic && pop && cpop);
    char msg[GR_MSG_LEN] = "";
    assert_int_equal(gr_generate_communities(&o, uc, ic, msg), GR_OK);
    const size_t train = r.n * 8 / 10;
    for (size_t k = 0; k < train; k++) {
        pop[r.item[k]]++;
        cpop[(size_t)uc[r.user[k]] * o.n_items + r.item[k]]++;
    }
    /* hit@20: is the held-out item among the 20 most popular (globally / in
     * the user's community among its users)? */
    size_t hit_pop = 0, hit_comm = 0;
    for (size_t k = train; k < r.n; k++) {
        const uint32_t *cp = cpop + (size_t)uc[r.user[k]] * o.n_items;
        uint32_t it = r.item[k], above_pop = 0, above_comm = 0;
        for (uint32_t j = 0; j < o.n_items; j++) {
            above_pop += pop[j] > pop[it];
            above_comm += cp[j] > cp[it];
        }
        hit_pop += above_pop < 20;
        hit_comm += above_comm < 20;
    }
    assert_true(hit_comm > 2 * hit_pop);
    free(uc);
    free(ic);
    free(pop);
    free(cpop);
    gr_rows_free(&r);
}

static void test_follows(void **state)
{
    (void)state;
    gr_gen_opts o = opts(5000, 0, 200000);
    o.kind = GR_GEN_FOLLOWS;
    gr_rows r;
    generate(&o, &r);
    assert_int_equal(r.n, 200000);
    assert_int_equal(r.n_users, 5000);
    assert_int_equal(r.n_items, 5000);
    for (size_t k = 0; k < r.n; k++) {
        assert_true(r.user[k] != r.item[k]);
        assert_true(r.user[k] < 5000 && r.item[k] < 5000);
    }
    uint32_t *din = sorted_degrees(r.item, r.n, 5000);
    assert_true(din[4999] > 20 * din[2500]);
    free(din);
    gr_rows_free(&r);
    /* Tiny communities with a dominant account still give no self-loops. */
    o = opts(4, 0, 5000);
    o.kind = GR_GEN_FOLLOWS;
    o.n_communities = 4;
    o.p_in = 1.0;
    o.exponent = 4.0;
    generate(&o, &r);
    for (size_t k = 0; k < r.n; k++) assert_true(r.user[k] != r.item[k]);
    gr_rows_free(&r);

    char *dir = gr_test_mkdtemp();
    o = opts(100, 0, 50);
    o.kind = GR_GEN_FOLLOWS;
    char *text = write_text(&o, dir, "f.tsv", GR_GEN_EDGES, NULL);
    unsigned a, b;
    assert_int_equal(sscanf(text, "a%u\ta%u\n", &a, &b), 2);
    assert_true(a != b);
    free(text);
    gr_test_rmdir(dir);
    free(dir);
}

/* Loads path with integer ids and returns its rows sorted as pairs. */
static uint64_t *load_pairs(const char *path, gr_format fmt, size_t *n)
{
    gr_dataset ds;
    gr_dataset_init(&ds);
    gr_load_opts lo;
    gr_load_opts_default(&lo);
    lo.format = fmt;
    lo.ids = GR_IDS_INT;
    gr_load_report rep;
    char msg[GR_MSG_LEN] = "";
    if (gr_load_file(&ds, path, &lo, &rep, msg) != GR_OK) fail_msg("gr_load_file: %s", msg);
    uint64_t *p = sorted_pairs(&ds.rows);
    *n = ds.rows.n;
    gr_dataset_free(&ds);
    return p;
}

/* The edge list and the adjacency list of one seed hold the same rows. */
static void test_formats_agree(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp();
    gr_gen_opts o = opts(3000, 1500, 140000);
    gr_rows r;
    generate(&o, &r);
    uint64_t *want = sorted_pairs(&r);
    char msg[GR_MSG_LEN] = "";
    char *edges = gr_test_path(dir, "e.tsv.gz"), *adj = gr_test_path(dir, "train.txt");
    assert_int_equal(gr_generate_write(&o, edges, GR_GEN_EDGES_INT, msg), GR_OK);
    assert_int_equal(gr_generate_write(&o, adj, GR_GEN_ADJ, msg), GR_OK);
    size_t ne, na;
    uint64_t *got_e = load_pairs(edges, GR_FORMAT_EDGES, &ne);
    uint64_t *got_a = load_pairs(adj, GR_FORMAT_ADJ, &na);
    assert_int_equal(ne, r.n);
    assert_int_equal(na, r.n);
    assert_memory_equal(got_e, want, r.n * sizeof *want);
    assert_memory_equal(got_a, want, r.n * sizeof *want);
    /* adj has no room for ratings */
    o.with_time = 1;
    assert_int_equal(gr_generate_write(&o, adj, GR_GEN_ADJ, msg), GR_ERR_ARG);
    free(want);
    free(got_e);
    free(got_a);
    free(edges);
    free(adj);
    gr_rows_free(&r);
    gr_test_rmdir(dir);
    free(dir);
}

static void test_bad_options(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN] = "";
    gr_gen_opts o = opts(100, 5, 10);
    assert_int_equal(gr_gen_opts_check(&o, msg), GR_ERR_ARG); /* 10 communities, 5 items */
    assert_non_null(strstr(msg, "communities"));
    o = opts(100, 50, 10);
    o.p_in = 1.5;
    assert_int_equal(gr_gen_opts_check(&o, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "p-in"));
    o.p_in = 0.8;
    o.exponent = NAN;
    assert_int_equal(gr_gen_opts_check(&o, msg), GR_ERR_ARG);
    o = opts(1, 50, 10);
    o.n_communities = 1;
    o.kind = GR_GEN_FOLLOWS;
    assert_int_equal(gr_gen_opts_check(&o, msg), GR_ERR_ARG);
    o = opts(0, 50, 10);
    gr_rows r;
    assert_int_equal(gr_generate(&o, &r, msg), GR_ERR_ARG);
    /* zero rows is a valid, empty dataset */
    o = opts(10, 10, 0);
    o.n_communities = 2;
    generate(&o, &r);
    assert_int_equal(r.n, 0);
    gr_rows_free(&r);
}

/* ---- the command line ---------------------------------------------------- */

static void test_cli_generate(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *out = gr_test_path(dir, "x.tsv.gz");
    gr_test_run run = gr_test_cli("generate -o %s", out);
    assert_int_equal(run.exit_code, 0);
    assert_non_null(strstr(run.err, "60,000"));
    gr_test_run_free(&run);
    /* really gzip: the magic bytes */
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    unsigned char magic[2] = {0, 0};
    assert_int_equal(fread(magic, 1, 2, f), 2);
    fclose(f);
    assert_true(magic[0] == 0x1f && magic[1] == 0x8b);
    size_t len;
    char *text = gr_test_read_file(out, &len);
    unsigned u, i;
    char *line = text;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(sscanf(line, "u%u\ti%u", &u, &i), 2);
        assert_true(u < 2000 && i < 1000);
        line = strchr(line, '\n') + 1;
    }
    free(text);
    assert_int_equal(gr_test_count_entries(dir), 1); /* no temporary left */

    /* options reach the generator; --quiet is quiet */
    run = gr_test_cli("generate -o %s/y.tsv --users 50 --items 40 --edges 123 --communities 4 --exponent 1 "
                      "--p-in=0.9 --seed 7 --kind interactions --format edges-int --time --quiet", dir);
    assert_int_equal(run.exit_code, 0);
    assert_string_equal(run.err, "");
    gr_test_run_free(&run);
    char *y = gr_test_path(dir, "y.tsv");
    text = gr_test_read_file(y, &len);
    size_t lines = 0;
    for (size_t k = 0; k < len; k++) lines += text[k] == '\n';
    assert_int_equal(lines, 123);
    free(text);
    free(y);

    run = gr_test_cli("generate -o - --kind follows --users 30 --edges 5 --communities 3 --quiet");
    assert_int_equal(run.exit_code, 0);
    assert_int_equal(run.out[0], 'a');
    gr_test_run_free(&run);

    run = gr_test_cli("generate --help");
    assert_int_equal(run.exit_code, 0);
    const char *documented[] = {"-o", "--users", "--items", "--edges", "--communities", "--exponent", "--p-in",
                                "--seed", "--kind", "--format", "--time", "--weights", "--quiet", "2000", "60000"};
    for (size_t k = 0; k < sizeof documented / sizeof *documented; k++) assert_non_null(strstr(run.out, documented[k]));
    gr_test_run_free(&run);
    free(out);
    gr_test_rmdir(dir);
    free(dir);
}

static void test_cli_errors(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp();
    static const struct {
        const char *args, *names;
    } bad[] = {
        {"--users abc", "--users"},         {"--edges -5", "--edges"},    {"--p-in 1.5", "--p-in"},
        {"--exponent x", "--exponent"},     {"--kind trees", "--kind"},   {"--format csv", "--format"},
        {"--communities 5000", "--communities"}, {"--bogus", "--bogus"}, {"--seed", "--seed"},
        {"--format adj --time", "adj"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        gr_test_run run = gr_test_cli("generate -o %s/z.tsv %s", dir, bad[k].args);
        if (run.exit_code != 2 || strstr(run.err, bad[k].names) == NULL)
            fail_msg("'%s': exit %d, stderr '%s'", bad[k].args, run.exit_code, run.err);
        gr_test_run_free(&run);
    }
    gr_test_run run = gr_test_cli("generate --users 10");
    assert_int_equal(run.exit_code, 2);
    assert_non_null(strstr(run.err, "-o"));
    gr_test_run_free(&run);
    assert_int_equal(gr_test_count_entries(dir), 0);

    /* a missing directory: run-time failure, nothing written anywhere */
    run = gr_test_cli("generate -o %s/missing/x.tsv.gz", dir);
    assert_int_equal(run.exit_code, 1);
    assert_non_null(strstr(run.err, "missing/x.tsv.gz"));
    gr_test_run_free(&run);
    assert_int_equal(gr_test_count_entries(dir), 0);
    gr_test_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),   cmocka_unit_test(test_counts_and_ranges),
        cmocka_unit_test(test_power_law),       cmocka_unit_test(test_communities),
        cmocka_unit_test(test_beats_popularity), cmocka_unit_test(test_follows),
        cmocka_unit_test(test_formats_agree),   cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_cli_generate),    cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
