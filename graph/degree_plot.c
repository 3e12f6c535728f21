#include "graph/degree_plot.h"

#include <stdlib.h>

#include "core/alloc.h"
#include "core/svg.h"
#include "graph/stats.h"

/* One side's distribution: distinct degrees (x) and how many nodes have each
 * (y), from the ascending degrees by run-length counting. */
typedef struct {
    double *x, *y;
    size_t n;
} histogram;

static void histogram_free(histogram *h)
{
    free(h->x);
    free(h->y);
    h->x = h->y = NULL;
    h->n = 0;
}

static gr_status histogram_of(const gr_csr *c, histogram *h, char *msg)
{
    gr_status status = GR_OK;
    uint64_t *deg = NULL;
    size_t n = 0;
    GR_TRY(gr_degrees_sorted(c, &deg, &n, msg));
    /* At most n distinct degrees; fewer in practice, but sizing for n avoids
     * a second pass. */
    h->x = gr_alloc(n, sizeof *h->x);
    h->y = gr_alloc(n, sizeof *h->y);
    GR_CHECK_ALLOC(h->x, "degree histogram");
    GR_CHECK_ALLOC(h->y, "degree histogram");
    h->n = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && deg[j] == deg[i]) j++;
        h->x[h->n] = (double)deg[i];
        h->y[h->n] = (double)(j - i);
        h->n++;
        i = j;
    }
fail:
    free(deg);
    return status;
}

gr_status gr_degree_plot_svg(const gr_graph *g, const char *path, char *msg)
{
    gr_status status = GR_OK;
    histogram users = {0}, items = {0};
    GR_TRY(histogram_of(&g->R, &users, msg));
    GR_TRY(histogram_of(&g->Rt, &items, msg));

    const gr_svg_series series[2] = {
        {.name = "users", .x = users.x, .y = users.y, .n = users.n, .style = GR_SVG_POINTS},
        {.name = "items", .x = items.x, .y = items.y, .n = items.n, .style = GR_SVG_POINTS},
    };
    const gr_svg_chart chart = {
        .title = "Degree distribution",
        .x_label = "degree (interactions per node)",
        .y_label = "number of nodes",
        .x_scale = GR_SVG_LOG10,
        .y_scale = GR_SVG_LOG10,
    };
    GR_TRY(gr_svg_write(path, &chart, series, 2, msg));
fail:
    histogram_free(&users);
    histogram_free(&items);
    return status;
}
