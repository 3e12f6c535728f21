/* Filters on the bipartite graph.  They remove edges and keep the id space
 * (a removed user keeps its index with an empty row). */
#ifndef GR_FILTER_H
#define GR_FILTER_H

#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"

typedef struct {
    uint64_t edges_removed;
    uint32_t users_removed, items_removed; /* nodes that lost all their edges */
    uint32_t rounds;                       /* peeling rounds (k-core) */
} gr_filter_report;

/* One pass: drops users with fewer than min_user interactions and items with
 * fewer than min_item (degrees measured before the pass). */
gr_status gr_filter_min_degree(gr_graph *g, uint32_t min_user, uint32_t min_item,
                               gr_filter_report *report, char *msg);

/* The bipartite (k_user, k_item)-core: repeatedly removes users with fewer than
 * k_user and items with fewer than k_item interactions until none remain.
 * "10-core" datasets use k_user = k_item = 10. */
gr_status gr_filter_kcore(gr_graph *g, uint32_t k_user, uint32_t k_item, gr_filter_report *report,
                          char *msg);

#endif
