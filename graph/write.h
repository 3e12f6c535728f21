/* Writing a graph (or one part of a split) back to text, with original ids. */
#ifndef GR_WRITE_H
#define GR_WRITE_H

#include <stdint.h>

#include "core/error.h"
#include "core/output.h"
#include "graph/graph.h"

/* When part is non-NULL, only edges e of R with part[e] == which are written. */
typedef struct {
    const uint8_t *part;
    uint8_t which;
} gr_edge_select;

/* "user item item ..." per user with at least one selected edge. */
gr_status gr_write_adjacency(gr_output *o, const gr_graph *g, const gr_edge_select *sel, char *msg);
/* "user<sep>item[<sep>weight][<sep>time]" per selected edge. */
gr_status gr_write_edges(gr_output *o, const gr_graph *g, const gr_edge_select *sel, char sep,
                         char *msg);

/* Opens path atomically, writes, commits (or aborts on error). */
gr_status gr_write_adjacency_file(const char *path, const gr_graph *g, const gr_edge_select *sel,
                                  char *msg);
gr_status gr_write_edges_file(const char *path, const gr_graph *g, const gr_edge_select *sel,
                              char sep, char *msg);

#endif
