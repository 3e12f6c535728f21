/* The scorer of any model kind, for eval, train's evaluations, recommend and
 * compare: a GEMM over the users' and items' embeddings (the embedding
 * models), plus, for gfcf, the linear filter over the users' interaction
 * rows; or, for the graph baselines (ppr, common_neighbors, adamic_adar,
 * jaccard), the training graph walked from the users' rows, with no
 * embeddings at all. */
#ifndef GR_CLI_MODEL_SCORER_H
#define GR_CLI_MODEL_SCORER_H

#include <stdint.h>

#include "core/error.h"
#include "eval/dot_scorer.h"
#include "eval/scorer.h"
#include "gnn/config.h"
#include "gnn/gfcf.h"
#include "gnn/neighbors.h"
#include "gnn/ppr.h"
#include "graph/graph.h"

typedef struct {
    gr_scorer scorer;          /* hand &s.scorer to gr_evaluate; ctx points at s */
    gr_dot_scorer dot;         /* embedding models */
    gr_gfcf_linear *linear;    /* gfcf only */
    gr_ppr *ppr;               /* ppr only */
    gr_neighbors *neighbors;   /* common_neighbors, adamic_adar, jaccard */
    const gr_csr *user_rows;   /* gfcf and the graph baselines: the users' interaction rows */
} gr_model_scorer;

/* 1 for the kinds scored from the training graph rather than embeddings. */
int gr_model_is_graph_baseline(gr_model_kind k);

/* user_emb: n_users x c->dim; item_emb: n_items x c->dim (borrowed; n_items
 * >= train->n_items: the model's item space; unused by graph baselines).
 * user_rows: the rows the users are scored from (gfcf and graph baselines;
 * NULL = train->R).  s must not be moved after init. */
gr_status gr_model_scorer_init(gr_model_scorer *s, const gr_config *c, const float *user_emb, uint32_t n_users,
                               const float *item_emb, uint32_t n_items, const gr_graph *train, const gr_csr *user_rows,
                               char *msg);
/* The same, with the run's social edges (users x users, symmetric, sorted
 * rows; NULL = none), which ppr walks with weight c->social_weight. */
gr_status gr_model_scorer_init_social(gr_model_scorer *s, const gr_config *c, const float *user_emb,
                                      uint32_t n_users, const float *item_emb, uint32_t n_items,
                                      const gr_graph *train, const gr_csr *user_rows, const gr_csr *social,
                                      char *msg);
void gr_model_scorer_free(gr_model_scorer *s);

#endif
