/* Graph statistics on hand-built graphs (exact percentiles, Gini, components),
 * the SVG chart writer and degree plot, then `gnnrec stats` end to end,
 * including the published sizes of Gowalla and MovieLens-100k when the shared
 * data is present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"
#include "core/svg.h"
#include "graph/degree_plot.h"
#include "graph/graph.h"
#include "graph/igraph_bridge.h"
#include "graph/stats.h"
#include "tests/support.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
    uint32_t u, i;
} pair;

static void build(gr_graph *g, uint32_t n_users, uint32_t n_items, const pair *p, size_t n)
{
    uint32_t *us = malloc((n + 1) * sizeof *us), *is = malloc((n + 1) * sizeof *is);
    assert_non_null(us);
    assert_non_null(is);
    for (size_t k = 0; k < n; k++) {
        us[k] = p[k].u;
        is[k] = p[k].i;
    }
    char msg[GR_MSG_LEN] = "";
    gr_status s = gr_graph_from_pairs(g, n_users, n_items, us, is, n, msg);
    if (s != GR_OK) fail_msg("gr_graph_from_pairs: %s", msg);
    free(us);
    free(is);
}

static gr_stats stats_of(const gr_graph *g, int with_components)
{
    gr_stats s;
    char msg[GR_MSG_LEN] = "";
    gr_status st = gr_graph_stats(g, with_components, &s, msg);
    if (st != GR_OK) fail_msg("gr_graph_stats: %s", msg);
    return s;
}

/* Renders through writer into a file in a fresh directory; returns the text. */
static char *render_stats(const gr_stats *s, int json)
{
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "out.txt");
    gr_output *o = NULL;
    char msg[GR_MSG_LEN] = "";
    assert_int_equal(gr_output_open(&o, path, msg), GR_OK);
    gr_status st = json ? gr_stats_write_json(o, s, msg) : gr_stats_write_text(o, s, msg);
    if (st != GR_OK) fail_msg("write: %s", msg);
    assert_int_equal(gr_output_commit(o, msg), GR_OK);
    char *text = gr_test_read_file(path, NULL);
    assert_non_null(text);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
    return text;
}

/* ---- statistics ----------------------------------------------------------- */

/* Users 0..3 with degrees 4, 2, 1, 1; user 4 and item 4 never occur.  Items
 * 0..3 have degrees 4, 2, 1, 1 too.  Everything hangs together through item 0. */
static const pair star[] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 0}, {1, 1}, {2, 0}, {3, 0}};

static void test_small_graph(void **state)
{
    (void)state;
    gr_graph g;
    build(&g, 5, 5, star, sizeof star / sizeof star[0]);
    gr_stats s = stats_of(&g, 1);
    assert_int_equal(s.n_users, 5);
    assert_int_equal(s.n_items, 5);
    assert_int_equal(s.active_users, 4);
    assert_int_equal(s.active_items, 4);
    assert_int_equal(s.interactions, 8);
    assert_float_equal(s.density, 0.5, 1e-12); /* 8 / (4 * 4): inactive ids not counted */
    /* Sorted [1, 1, 2, 4]: nearest-rank median is rank ceil(2) = 2 -> 1 (not 1.5). */
    assert_int_equal(s.user_degree.min, 1);
    assert_int_equal(s.user_degree.median, 1);
    assert_int_equal(s.user_degree.p90, 4);
    assert_int_equal(s.user_degree.p99, 4);
    assert_int_equal(s.user_degree.max, 4);
    assert_float_equal(s.user_degree.mean, 2.0, 1e-12);
    assert_int_equal(s.item_degree.median, 1);
    assert_int_equal(s.item_degree.max, 4);
    /* Gini of [1, 1, 2, 4]: 2 * 25 / (4 * 8) - 5 / 4 = 0.3125. */
    assert_float_equal(s.item_gini, 0.3125, 1e-12);
    assert_true(s.has_components);
    assert_int_equal(s.components, 1); /* the two never-seen ids are not components */
    assert_int_equal(s.largest_component, 8);
    assert_float_equal(s.largest_share, 1.0, 1e-12);
    gr_graph_free(&g);
}

/* User k has items 0..k, so both sides have degrees 1..10. */
static void test_percentiles(void **state)
{
    (void)state;
    pair p[55];
    size_t n = 0;
    for (uint32_t u = 0; u < 10; u++)
        for (uint32_t i = 0; i <= u; i++) p[n++] = (pair){u, i};
    gr_graph g;
    build(&g, 10, 10, p, n);
    gr_stats s = stats_of(&g, 0);
    assert_false(s.has_components);
    for (int side = 0; side < 2; side++) {
        const gr_degree_summary *d = side == 0 ? &s.user_degree : &s.item_degree;
        assert_int_equal(d->min, 1);
        assert_int_equal(d->median, 5); /* rank ceil(0.5 * 10) = 5 */
        assert_int_equal(d->p90, 9);    /* rank ceil(0.9 * 10) = 9 */
        assert_int_equal(d->p99, 10);   /* rank ceil(9.9) = 10 */
        assert_int_equal(d->max, 10);
        assert_float_equal(d->mean, 5.5, 1e-12);
    }
    /* Gini of 1..10: 2 * 385 / (10 * 55) - 11 / 10 = 0.3. */
    assert_float_equal(s.item_gini, 0.3, 1e-12);
    gr_graph_free(&g);

    /* 1..100 directly, and the one-value and empty edge cases. */
    uint64_t v[100];
    for (int k = 0; k < 100; k++) v[k] = (uint64_t)k + 1;
    gr_degree_summary d;
    gr_degree_summarize(v, 100, &d);
    assert_int_equal(d.median, 50);
    assert_int_equal(d.p90, 90);
    assert_int_equal(d.p99, 99);
    gr_degree_summarize(v + 6, 1, &d);
    assert_int_equal(d.min, 7);
    assert_int_equal(d.median, 7);
    assert_int_equal(d.p99, 7);
    gr_degree_summarize(v, 0, &d);
    assert_int_equal(d.max, 0);
    assert_float_equal(d.mean, 0.0, 0.0);
}

static void test_gini(void **state)
{
    (void)state;
    const uint64_t equal[] = {3, 3, 3, 3};
    assert_float_equal(gr_gini_sorted(equal, 4), 0.0, 1e-12);
    const uint64_t steps[] = {1, 2, 3, 4}; /* 2 * 30 / 40 - 1.25 */
    assert_float_equal(gr_gini_sorted(steps, 4), 0.25, 1e-12);
    const uint64_t one_hot[] = {0, 0, 0, 10}; /* (n - 1) / n for total concentration */
    assert_float_equal(gr_gini_sorted(one_hot, 4), 0.75, 1e-12);
    assert_float_equal(gr_gini_sorted(NULL, 0), 0.0, 0.0);
}

/* {u0, u1, i0, i1} and {u2, u3, i2}; user 4 and item 3 are unused ids. */
static void test_components(void **state)
{
    (void)state;
    const pair p[] = {{0, 0}, {0, 1}, {1, 1}, {2, 2}, {3, 2}};
    gr_graph g;
    build(&g, 5, 4, p, sizeof p / sizeof p[0]);
    gr_stats s = stats_of(&g, 1);
    assert_int_equal(s.components, 2);
    assert_int_equal(s.largest_component, 4);
    assert_float_equal(s.largest_share, 4.0 / 7.0, 1e-12);

    /* The bridge itself: every id is a vertex, one edge per interaction. */
    igraph_t ig;
    char msg[GR_MSG_LEN] = "";
    assert_int_equal(gr_igraph_from_graph(&g, &ig, msg), GR_OK);
    assert_int_equal(igraph_vcount(&ig), 9);
    assert_int_equal(igraph_ecount(&ig), 5);
    assert_false(igraph_is_directed(&ig));
    igraph_destroy(&ig);
    gr_graph_free(&g);
}

/* An igraph failure becomes GR_ERR_LIB with the call and igraph's reason,
 * and the process is still alive to see it. */
static void test_igraph_error(void **state)
{
    (void)state;
    gr_igraph_init();
    gr_igraph_clear();
    igraph_t ig;
    igraph_vector_int_t edges;
    assert_int_equal(igraph_vector_int_init(&edges, 2), IGRAPH_SUCCESS);
    VECTOR(edges)[0] = 0;
    VECTOR(edges)[1] = -5; /* invalid vertex id */
    gr_status status = GR_OK;
    char msg[GR_MSG_LEN] = "";
    GR_IGRAPH_TRY(igraph_create(&ig, &edges, 3, IGRAPH_UNDIRECTED));
    igraph_destroy(&ig);
    fail_msg("igraph_create accepted a negative vertex id");
fail:
    igraph_vector_int_destroy(&edges);
    assert_int_equal(status, GR_ERR_LIB);
    assert_non_null(strstr(msg, "igraph: igraph_create: "));
    assert_true(strlen(msg) > strlen("igraph: igraph_create: "));
    assert_string_equal(gr_igraph_last_reason(), ""); /* consumed */
}

static void test_text_and_json(void **state)
{
    (void)state;
    /* 1,500 users on one item: separators in the table. */
    pair *p = malloc(1500 * sizeof *p);
    assert_non_null(p);
    for (uint32_t u = 0; u < 1500; u++) p[u] = (pair){u, 0};
    gr_graph g;
    build(&g, 1500, 1, p, 1500);
    free(p);
    gr_stats s = stats_of(&g, 1);
    char *text = render_stats(&s, 0);
    assert_non_null(strstr(text, "1,500"));
    assert_non_null(strstr(text, "interactions"));
    assert_non_null(strstr(text, "connected components"));
    assert_non_null(strstr(text, "gini"));
    free(text);

    char *json = render_stats(&s, 1);
    assert_int_equal(json[0], '{');
    const char *keys[] = {"\"n_users\": 1500", "\"active_items\": 1", "\"interactions\": 1500",
                          "\"density\"", "\"user_degree\"", "\"item_degree\"", "\"median\"", "\"p99\"",
                          "\"components\": 1", "\"largest_component_share\"", "\"item_gini\""};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (strstr(json, keys[k]) == NULL) fail_msg("%s missing from %s", keys[k], json);
    free(json);

    s = stats_of(&g, 0);
    json = render_stats(&s, 1);
    assert_non_null(strstr(json, "\"components\": null"));
    free(json);
    gr_graph_free(&g);
}

/* ---- SVG ------------------------------------------------------------------- */

static void test_degree_plot(void **state)
{
    (void)state;
    gr_graph g;
    build(&g, 5, 5, star, sizeof star / sizeof star[0]);
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "degree.svg");
    char msg[GR_MSG_LEN] = "";
    gr_status s = gr_degree_plot_svg(&g, path, msg);
    if (s != GR_OK) fail_msg("gr_degree_plot_svg: %s", msg);
    char *svg = gr_test_read_file(path, NULL);
    assert_non_null(svg);
    assert_memory_equal(svg, "<svg", 4);
    assert_non_null(strstr(svg, ">users</text>"));
    assert_non_null(strstr(svg, ">items</text>"));
    assert_non_null(strstr(svg, "<circle"));
    assert_non_null(strstr(svg, "</svg>\n"));
    assert_int_equal(gr_test_count_entries(dir), 1); /* no temporary left behind */
    free(svg);

    /* An unwritable path is an error naming the file, not a crash. */
    char *bad = gr_test_path(dir, "missing/degree.svg");
    assert_int_equal(gr_degree_plot_svg(&g, bad, msg), GR_ERR_IO);
    assert_non_null(strstr(msg, bad));
    free(bad);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
    gr_graph_free(&g);
}

/* The generic chart: escaping, linear ticks, skipped points, the legend. */
static void test_svg_chart(void **state)
{
    (void)state;
    const double x[] = {0, 1, 2, 3, 4}, y1[] = {0.1, 0.15, NAN, 0.18, 0.2}, y2[] = {0.05, 0.1, 0.12, 0.13, 0.14};
    const gr_svg_series series[] = {
        {.name = "LightGCN <K=3> & co", .x = x, .y = y1, .n = 5},
        {.name = "MF", .x = x, .y = y2, .n = 5, .style = GR_SVG_LINES, .color = "black"},
    };
    const gr_svg_chart chart = {.title = "recall@20", .x_label = "epoch", .y_label = "recall"};
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "c.svg");
    char msg[GR_MSG_LEN] = "";
    gr_status s = gr_svg_write(path, &chart, series, 2, msg);
    if (s != GR_OK) fail_msg("gr_svg_write: %s", msg);
    char *svg = gr_test_read_file(path, NULL);
    assert_memory_equal(svg, "<svg", 4);
    assert_non_null(strstr(svg, "LightGCN &lt;K=3&gt; &amp; co"));
    assert_null(strstr(svg, "<K=3>"));
    assert_non_null(strstr(svg, ">0.20</text>")); /* linear ticks at 0.05 steps */
    assert_non_null(strstr(svg, "stroke=\"black\""));
    assert_null(strstr(svg, "nan"));
    free(svg);

    /* A log axis with data from 3 to 4,000 is labelled 1 .. 10,000. */
    const double lx[] = {3, 40, 4000}, ly[] = {1, 2, 3};
    const gr_svg_series one = {.name = "s", .x = lx, .y = ly, .n = 3};
    const gr_svg_chart log_chart = {.x_scale = GR_SVG_LOG10, .y_scale = GR_SVG_LOG10};
    assert_int_equal(gr_svg_write(path, &log_chart, &one, 1, msg), GR_OK);
    svg = gr_test_read_file(path, NULL);
    assert_non_null(strstr(svg, ">1</text>"));
    assert_non_null(strstr(svg, ">10,000</text>"));
    free(svg);
    /* No data at all still gives a valid chart. */
    assert_int_equal(gr_svg_write(path, &chart, NULL, 0, msg), GR_OK);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

/* ---- CLI --------------------------------------------------------------------- */

/* A tab-separated edge list: users 0..2, items 0..3, 6 interactions (one
 * duplicate is removed), in two components {u0, u1, i0, i1, i2} and {u2, i3}. */
static const char small_edges[] = "0\t0\n0\t1\n0\t2\n1\t1\n1\t2\n2\t3\n0\t0\n";

static void test_cli_stats(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "edges.tsv");
    char *more = gr_test_path(dir, "more.tsv"), *plot = gr_test_path(dir, "deg.svg");
    gr_test_write_text(path, small_edges);
    gr_test_write_text(more, "3\t0\n3\t4\n");

    gr_test_run r = gr_test_cli("stats --quiet %s", path);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "interactions"));
    assert_non_null(strstr(r.out, "connected components"));
    gr_test_run_free(&r);

    r = gr_test_cli("stats --quiet --json %s --plot %s", path, plot);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "\"n_users\": 3"));
    assert_non_null(strstr(r.out, "\"n_items\": 4"));
    assert_non_null(strstr(r.out, "\"interactions\": 6"));
    assert_non_null(strstr(r.out, "\"components\": 2"));
    assert_non_null(strstr(r.out, "\"item_gini\""));
    assert_true(gr_test_file_exists(plot));
    gr_test_run_free(&r);

    /* Two files make one graph. */
    r = gr_test_cli("stats --quiet --json --no-components %s %s", path, more);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "\"active_users\": 4"));
    assert_non_null(strstr(r.out, "\"interactions\": 8"));
    assert_non_null(strstr(r.out, "\"components\": null"));
    gr_test_run_free(&r);

    free(more);
    free(plot);
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

static void test_cli_errors(void **state)
{
    (void)state;
    gr_test_run r = gr_test_cli("stats /nonexistent/gnnrec-no-such-file.txt");
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr(r.err, "gnnrec-no-such-file.txt"));
    assert_string_equal(r.out, "");
    gr_test_run_free(&r);

    r = gr_test_cli("stats");
    assert_int_equal(r.exit_code, 2);
    gr_test_run_free(&r);
    r = gr_test_cli("stats --bogus x.txt");
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--bogus"));
    gr_test_run_free(&r);

    r = gr_test_cli("stats --help");
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "usage: gnnrec stats"));
    assert_non_null(strstr(r.out, "--format")); /* the shared input options */
    gr_test_run_free(&r);
}

/* ---- published data sets ----------------------------------------------------- */

static char *shared_file(const char *rel)
{
    const char *base = gr_test_shared_data();
    if (base == NULL) return NULL;
    char *p = gr_test_path(base, rel);
    if (!gr_test_file_exists(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static void test_gowalla(void **state)
{
    (void)state;
    char *train = shared_file("gowalla/train.txt.gz"), *test = shared_file("gowalla/test.txt.gz");
    if (train == NULL || test == NULL) {
        free(train);
        free(test);
        printf("skipped: ../shared/data/gowalla/{train,test}.txt.gz not present\n");
        skip();
    }
    /* The LightGCN paper's Gowalla: 29,858 users, 40,981 items, 810,128 train
     * and 1,027,370 total interactions. */
    gr_test_run r = gr_test_cli("stats --quiet %s", train);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "29,858"));
    assert_non_null(strstr(r.out, "40,981"));
    assert_non_null(strstr(r.out, "810,128"));
    gr_test_run_free(&r);

    r = gr_test_cli("stats --quiet --json %s %s", train, test);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "\"active_users\": 29858"));
    assert_non_null(strstr(r.out, "\"active_items\": 40981"));
    assert_non_null(strstr(r.out, "\"interactions\": 1027370"));
    gr_test_run_free(&r);
    free(train);
    free(test);
}

static void test_movielens(void **state)
{
    (void)state;
    char *path = shared_file("ml-100k/u.data.gz");
    if (path == NULL) {
        printf("skipped: ../shared/data/ml-100k/u.data.gz not present\n");
        skip();
    }
    gr_test_run r = gr_test_cli("stats --quiet --json %s", path);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    /* Ids are 1-based, so the id space has one more id than is used. */
    assert_non_null(strstr(r.out, "\"n_users\": 944"));
    assert_non_null(strstr(r.out, "\"n_items\": 1683"));
    assert_non_null(strstr(r.out, "\"active_users\": 943"));
    assert_non_null(strstr(r.out, "\"active_items\": 1682"));
    assert_non_null(strstr(r.out, "\"interactions\": 100000"));
    assert_non_null(strstr(r.out, "\"components\": 1"));
    gr_test_run_free(&r);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_graph),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_gini),
        cmocka_unit_test(test_components),
        cmocka_unit_test(test_igraph_error),
        cmocka_unit_test(test_text_and_json),
        cmocka_unit_test(test_degree_plot),
        cmocka_unit_test(test_svg_chart),
        cmocka_unit_test(test_cli_stats),
        cmocka_unit_test(test_cli_errors),
        cmocka_unit_test(test_gowalla),
        cmocka_unit_test(test_movielens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
