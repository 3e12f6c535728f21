/* The Â of a config (gnn/social_adj.h): which block goes in is the config's
 * business, how it is normalized sparse/adjacency.h's. */
#include "gnn/social_adj.h"

int gr_config_uses_social(const gr_config *c) { return c->social[0] != '\0' && c->social_weight > 0; }

gr_status gr_social_adj_build(gr_norm_adj **out, const gr_config *c, const gr_graph *train, const gr_csr *social,
                              char *msg)
{
    *out = NULL;
    if (!gr_config_uses_social(c)) return gr_norm_adj_build(out, train, NULL, 0.0f, msg);
    if (social == NULL)
        return gr_fail(msg, GR_ERR_ARG, "the social edges of %s, which the model propagates over (social_weight = %g), "
                       "were not loaded", c->social, c->social_weight);
    gr_adj_social_norm norm = c->social_norm == GR_SOCIAL_NORM_SEPARATE ? GR_ADJ_SOCIAL_SEPARATE : GR_ADJ_SOCIAL_JOINT;
    return gr_norm_adj_build_social(out, train, social, (float)c->social_weight, norm, msg);
}
