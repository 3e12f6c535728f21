#include "graph/stats.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/format.h"
#include "graph/igraph_bridge.h"

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

gr_status gr_degrees_sorted(const gr_csr *c, uint64_t **out, size_t *n, char *msg)
{
    gr_status status = GR_OK;
    uint64_t *deg = gr_alloc(c->n_rows, sizeof *deg);
    GR_CHECK_ALLOC(deg, "degree array");
    size_t k = 0;
    for (uint32_t r = 0; r < c->n_rows; r++) {
        const uint64_t d = gr_csr_degree(c, r);
        if (d > 0) deg[k++] = d;
    }
    qsort(deg, k, sizeof *deg, cmp_u64);
    *out = deg;
    *n = k;
    return GR_OK;
fail:
    return status;
}

/* Nearest rank: the value at 1-based rank ceil(p/100 * n), computed in integers
 * so that p = 50, n = 4 gives rank 2 exactly, with no rounding surprises
 * (n counts rows of a CSR, at most 2^32, so n * p cannot overflow). */
static uint64_t nearest_rank(const uint64_t *sorted, size_t n, unsigned p)
{
    size_t rank = (size_t)(((uint64_t)n * p + 99) / 100);
    if (rank < 1) rank = 1;
    return sorted[rank - 1];
}

void gr_degree_summarize(const uint64_t *sorted, size_t n, gr_degree_summary *d)
{
    memset(d, 0, sizeof *d);
    if (n == 0) return;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += sorted[i];
    d->min = sorted[0];
    d->max = sorted[n - 1];
    d->median = nearest_rank(sorted, n, 50);
    d->p90 = nearest_rank(sorted, n, 90);
    d->p99 = nearest_rank(sorted, n, 99);
    d->mean = (double)sum / (double)n;
}

double gr_gini_sorted(const uint64_t *sorted, size_t n)
{
    if (n == 0) return 0.0;
    double weighted = 0.0, sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        weighted += (double)(i + 1) * (double)sorted[i];
        sum += (double)sorted[i];
    }
    if (sum == 0.0) return 0.0;
    return 2.0 * weighted / ((double)n * sum) - ((double)n + 1.0) / (double)n;
}

/* Weakly connected components of the bipartite graph, counted over active
 * nodes.  igraph sees every id of the id space, and each id without
 * interactions is a component of its own; those are subtracted, since a
 * never-seen id says nothing about how connected the data is. */
static gr_status count_components(const gr_graph *g, gr_stats *s, char *msg)
{
    gr_status status = GR_OK;
    igraph_t ig;
    igraph_vector_int_t csize;
    int have_graph = 0, have_csize = 0;
    igraph_integer_t n_comp = 0;

    GR_TRY(gr_igraph_from_graph(g, &ig, msg));
    have_graph = 1;
    GR_IGRAPH_TRY(igraph_vector_int_init(&csize, 0));
    have_csize = 1;
    /* Only the sizes are needed; a NULL membership saves 8 bytes per vertex. */
    GR_IGRAPH_TRY(igraph_connected_components(&ig, NULL, &csize, &n_comp, IGRAPH_WEAK));

    uint64_t active = (uint64_t)s->active_users + s->active_items;
    uint64_t vertices = (uint64_t)g->n_users + g->n_items;
    if (g->kind != GR_GRAPH_BIPARTITE) { /* one vertex per account (see igraph_bridge.c) */
        active = 0;
        for (uint32_t u = 0; u < g->n_users; u++)
            active += gr_csr_degree(&g->R, u) + gr_csr_degree(&g->Rt, u) > 0;
        vertices = g->n_users;
    }
    const uint64_t isolated = vertices - active;
    s->components = (uint64_t)n_comp - isolated;
    s->largest_component = 0;
    /* Every active node has a neighbour, so its component has >= 2 nodes and
     * the largest component is an active one whenever there is any. */
    if (active > 0) {
        for (igraph_integer_t c = 0; c < igraph_vector_int_size(&csize); c++)
            if ((uint64_t)VECTOR(csize)[c] > s->largest_component)
                s->largest_component = (uint64_t)VECTOR(csize)[c];
        s->largest_share = (double)s->largest_component / (double)active;
    }
    s->has_components = 1;
fail:
    if (have_csize) igraph_vector_int_destroy(&csize);
    if (have_graph) igraph_destroy(&ig);
    return status;
}

gr_status gr_graph_stats(const gr_graph *g, int with_components, gr_stats *s, char *msg)
{
    gr_status status = GR_OK;
    uint64_t *deg = NULL;
    size_t n = 0;
    memset(s, 0, sizeof *s);
    s->n_users = g->n_users;
    s->n_items = g->n_items;
    s->interactions = g->R.nnz;

    GR_TRY(gr_degrees_sorted(&g->R, &deg, &n, msg));
    s->active_users = (uint32_t)n;
    gr_degree_summarize(deg, n, &s->user_degree);
    free(deg);
    deg = NULL;

    GR_TRY(gr_degrees_sorted(&g->Rt, &deg, &n, msg));
    s->active_items = (uint32_t)n;
    gr_degree_summarize(deg, n, &s->item_degree);
    s->item_gini = gr_gini_sorted(deg, n);
    free(deg);
    deg = NULL;

    if (s->active_users > 0 && s->active_items > 0)
        s->density = (double)s->interactions / ((double)s->active_users * (double)s->active_items);
    if (with_components) GR_TRY(count_components(g, s, msg));
    return GR_OK;
fail:
    free(deg);
    return status;
}

/* ---- text ---------------------------------------------------------------- */

#define LABEL_W 22
#define COL_W 14

/* One row of the two-column table: label, users value, items value. */
static gr_status row_counts(gr_output *o, const char *label, uint64_t users, uint64_t items, char *msg)
{
    char a[GR_FMT_LEN], b[GR_FMT_LEN];
    return gr_output_printf(o, msg, "%-*s%*s%*s\n", LABEL_W, label, COL_W, gr_fmt_count(a, users), COL_W,
                            gr_fmt_count(b, items));
}

gr_status gr_stats_write_text(gr_output *o, const gr_stats *s, char *msg)
{
    gr_status status = GR_OK;
    char buf[GR_FMT_LEN];
    const gr_degree_summary *u = &s->user_degree, *i = &s->item_degree;

    GR_TRY(gr_output_printf(o, msg, "%-*s%*s%*s\n", LABEL_W, "", COL_W, "users", COL_W, "items"));
    GR_TRY(row_counts(o, "id space", s->n_users, s->n_items, msg));
    GR_TRY(row_counts(o, "active (degree >= 1)", s->active_users, s->active_items, msg));
    GR_TRY(row_counts(o, "min degree", u->min, i->min, msg));
    GR_TRY(row_counts(o, "median degree", u->median, i->median, msg));
    GR_TRY(row_counts(o, "p90 degree", u->p90, i->p90, msg));
    GR_TRY(row_counts(o, "p99 degree", u->p99, i->p99, msg));
    GR_TRY(row_counts(o, "max degree", u->max, i->max, msg));
    GR_TRY(gr_output_printf(o, msg, "%-*s%*.2f%*.2f\n", LABEL_W, "mean degree", COL_W, u->mean, COL_W, i->mean));
    GR_TRY(gr_output_puts(o, "\n", msg));
    GR_TRY(gr_output_printf(o, msg, "%-*s%*s\n", LABEL_W, "interactions", COL_W,
                            gr_fmt_count(buf, s->interactions)));
    GR_TRY(gr_output_printf(o, msg, "%-*s%*.4g  (interactions / (active users x active items))\n", LABEL_W,
                            "density", COL_W, s->density));
    if (s->has_components)
        GR_TRY(gr_output_printf(o, msg, "%-*s%*s  (largest holds %.2f%% of active nodes)\n", LABEL_W,
                                "connected components", COL_W, gr_fmt_count(buf, s->components),
                                100.0 * s->largest_share));
    else
        GR_TRY(gr_output_printf(o, msg, "%-*s%*s\n", LABEL_W, "connected components", COL_W, "not computed"));
    GR_TRY(gr_output_printf(o, msg, "%-*s%*.4f  (0 = all items equally popular)\n", LABEL_W,
                            "item popularity gini", COL_W, s->item_gini));
fail:
    return status;
}

/* ---- JSON ---------------------------------------------------------------- */

static gr_status json_degrees(gr_output *o, const char *key, const gr_degree_summary *d, char *msg)
{
    return gr_output_printf(o, msg,
                            "\"%s\": {\"min\": %llu, \"median\": %llu, \"p90\": %llu, \"p99\": %llu, "
                            "\"max\": %llu, \"mean\": %.6f}",
                            key, (unsigned long long)d->min, (unsigned long long)d->median,
                            (unsigned long long)d->p90, (unsigned long long)d->p99, (unsigned long long)d->max,
                            d->mean);
}

gr_status gr_stats_write_json(gr_output *o, const gr_stats *s, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_output_printf(o, msg,
                            "{\"n_users\": %u, \"n_items\": %u, \"active_users\": %u, \"active_items\": %u, "
                            "\"interactions\": %llu, \"density\": %.10g, ",
                            s->n_users, s->n_items, s->active_users, s->active_items,
                            (unsigned long long)s->interactions, s->density));
    GR_TRY(json_degrees(o, "user_degree", &s->user_degree, msg));
    GR_TRY(gr_output_puts(o, ", ", msg));
    GR_TRY(json_degrees(o, "item_degree", &s->item_degree, msg));
    if (s->has_components)
        GR_TRY(gr_output_printf(o, msg,
                                ", \"components\": %llu, \"largest_component\": %llu, "
                                "\"largest_component_share\": %.6f",
                                (unsigned long long)s->components, (unsigned long long)s->largest_component,
                                s->largest_share));
    else
        GR_TRY(gr_output_puts(o, ", \"components\": null, \"largest_component\": null, "
                                 "\"largest_component_share\": null", msg));
    GR_TRY(gr_output_printf(o, msg, ", \"item_gini\": %.6f, \"percentile_method\": \"nearest-rank\"}\n",
                            s->item_gini));
fail:
    return status;
}
