/* ItemPop: every user gets the most popular items they have not seen.  The
 * baseline any recommender must beat; a scorer like the models' ones. */
#ifndef GR_ITEMPOP_H
#define GR_ITEMPOP_H

#include "core/error.h"
#include "eval/scorer.h"
#include "graph/graph.h"

typedef struct {
    gr_scorer scorer;  /* hand &p.scorer to gr_evaluate; ctx points at p */
    float *popularity; /* n_items: training degree */
} gr_itempop;

gr_status gr_itempop_init(gr_itempop *p, const gr_graph *train, char *msg);
void gr_itempop_free(gr_itempop *p);

#endif
