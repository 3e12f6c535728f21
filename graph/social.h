/* The social block S of the propagation graph (sparse/adjacency.h): user-user
 * edges as a users x users CSR that is symmetric, sorted, without self-loops
 * and without repeats, whatever the file said.
 *
 * Trust and follow files are often directed (a trusts b), friendship files
 * often list each pair both ways; Â must be symmetric (its backward pass is
 * its forward pass), so an edge in either direction is an edge both ways. */
#ifndef GR_GRAPH_SOCIAL_H
#define GR_GRAPH_SOCIAL_H

#include "core/error.h"
#include "graph/graph.h"
#include "loaders/rows.h"

/* Builds S over rows->n_users users from the pairs of rows (as
 * loaders/social.h reads them), freeing rows as soon as they have been read.
 * report (may be NULL): rows_in, self_loops dropped, duplicates merged
 * (counted in input rows: a pair listed both ways counts once). */
gr_status gr_social_build(gr_csr *S, gr_rows *rows, gr_build_report *report, char *msg);

#endif
