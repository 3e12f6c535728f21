/* The degree distribution of users and items as a log-log SVG chart.
 *
 * x is a degree, y the number of nodes with exactly that degree; interaction
 * data is heavy-tailed, so on log-log axes the shape (and a power-law-like
 * tail) is visible at a glance.  Nodes of degree 0 cannot be drawn on a log
 * axis and are left out, as they are from every statistic in graph/stats.h. */
#ifndef GR_DEGREE_PLOT_H
#define GR_DEGREE_PLOT_H

#include "core/error.h"
#include "graph/graph.h"

/* Writes the chart to path (atomically), with series "users" and "items". */
gr_status gr_degree_plot_svg(const gr_graph *g, const char *path, char *msg);

#endif
