/* The scorer of any model kind, for eval, train's evaluations, recommend and
 * compare: a GEMM over the users' and items' embeddings (every kind), plus,
 * for gfcf, the linear filter over the users' interaction rows. */
#ifndef GR_CLI_MODEL_SCORER_H
#define GR_CLI_MODEL_SCORER_H

#include <stdint.h>

#include "core/error.h"
#include "eval/dot_scorer.h"
#include "eval/scorer.h"
#include "gnn/config.h"
#include "gnn/gfcf.h"
#include "graph/graph.h"

typedef struct {
    gr_scorer scorer;          /* hand &s.scorer to gr_evaluate; ctx points at s */
    gr_dot_scorer dot;
    gr_gfcf_linear *linear;    /* gfcf only */
    const gr_csr *user_rows;   /* gfcf: the users' interaction rows */
} gr_model_scorer;

/* user_emb: n_users x c->dim; item_emb: n_items x c->dim (borrowed; n_items
 * >= train->n_items: the model's item space).
 * user_rows: the rows the users are scored from (gfcf only; NULL = train->R).
 * s must not be moved after init. */
gr_status gr_model_scorer_init(gr_model_scorer *s, const gr_config *c, const float *user_emb, uint32_t n_users,
                               const float *item_emb, uint32_t n_items, const gr_graph *train, const gr_csr *user_rows,
                               char *msg);
void gr_model_scorer_free(gr_model_scorer *s);

#endif
