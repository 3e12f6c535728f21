/* ItemPop: every user gets the most popular items they have not seen.  The
 * baseline any recommender must beat, stored as an embedding model of
 * dimension 1 (every user 1, every item its training degree) so it goes
 * through the same scoring, ranking and output code as the others. */
#ifndef GR_ITEMPOP_H
#define GR_ITEMPOP_H

#include "graph/graph.h"

/* E: (n_users + n_items) x 1, users first. */
void gr_itempop_fit(const gr_graph *train, float *E);

#endif
