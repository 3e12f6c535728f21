/* The Â a LightGCN config propagates over: the training graph, plus the
 * social block S when the config names social edges ([data] social), with
 * its weight and normalization ([model] social_weight, social_norm; see
 * sparse/adjacency.h for both normalizations).  Training, and the fold-in
 * that replays its propagation, build it here, so both see the same Â. */
#ifndef GR_GNN_SOCIAL_ADJ_H
#define GR_GNN_SOCIAL_ADJ_H

#include "core/error.h"
#include "gnn/config.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"

/* 1 when c's Â has a social block: social edges named and a weight above 0. */
int gr_config_uses_social(const gr_config *c);

/* social: the users x users block loaded from c->social (graph/social.h), or
 * NULL when the config names none.  A config that names social edges with a
 * weight above 0 needs them: NULL is then GR_ERR_ARG, never a silent Â
 * without them. */
gr_status gr_social_adj_build(gr_norm_adj **out, const gr_config *c, const gr_graph *train, const gr_csr *social,
                              char *msg);

#endif
