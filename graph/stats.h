/* Summary statistics of the interaction graph: sizes, degree distributions,
 * connectivity (through igraph) and item-popularity concentration.
 *
 * Degree statistics, density and the Gini coefficient are over *active* nodes
 * (degree >= 1): with integer ids the id space may contain ids that never
 * occur (id 0 of 1-based MovieLens), and counting them would understate every
 * figure. */
#ifndef GR_STATS_H
#define GR_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/output.h"
#include "graph/graph.h"

/* Percentiles use the nearest-rank definition: the p-th percentile of N sorted
 * values is the value at 1-based rank ceil(p/100 * N), so every figure is a
 * degree that actually occurs (the median of 1,2,3,4 is 2). */
typedef struct {
    uint64_t min, median, p90, p99, max; /* all 0 when there are no active nodes */
    double mean;
} gr_degree_summary;

typedef struct {
    uint32_t n_users, n_items;           /* id space */
    uint32_t active_users, active_items; /* degree >= 1 */
    uint64_t interactions;               /* R.nnz (after deduplication) */
    double density;                      /* interactions / (active_users * active_items) */
    gr_degree_summary user_degree, item_degree;
    int has_components;                  /* 0 when computed without components */
    uint64_t components;                 /* connected components among active nodes */
    uint64_t largest_component;          /* active nodes in the largest one */
    double largest_share;                /* largest_component / (active users + items) */
    double item_gini;                    /* 0: all items equally popular, -> 1: concentrated */
} gr_stats;

/* Fills s.  with_components = 0 skips the igraph pass (it copies the graph,
 * about 16 bytes per interaction). */
gr_status gr_graph_stats(const gr_graph *g, int with_components, gr_stats *s, char *msg);

/* The degrees of the non-empty rows of c, ascending, in a malloc'd array
 * (*n of them; a valid pointer even when *n == 0).  Shared with the degree
 * plot. */
gr_status gr_degrees_sorted(const gr_csr *c, uint64_t **out, size_t *n, char *msg);

/* Summary of ascending degrees (nearest-rank percentiles). */
void gr_degree_summarize(const uint64_t *sorted, size_t n, gr_degree_summary *d);

/* Gini coefficient of ascending non-negative values:
 * G = 2 * sum_i(i * x_i) / (n * sum_i x_i) - (n + 1) / n, i = 1..n; 0 when empty. */
double gr_gini_sorted(const uint64_t *sorted, size_t n);

/* Aligned, human-readable table; counts with thousands separators. */
gr_status gr_stats_write_text(gr_output *o, const gr_stats *s, char *msg);
/* One JSON object and a newline; components are null when not computed. */
gr_status gr_stats_write_json(gr_output *o, const gr_stats *s, char *msg);

#endif
