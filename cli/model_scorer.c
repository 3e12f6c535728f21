#include "cli/model_scorer.h"

#include <string.h>

int gr_model_is_graph_baseline(gr_model_kind k)
{
    return k == GR_MODEL_PPR || k == GR_MODEL_COMMON_NEIGHBORS || k == GR_MODEL_ADAMIC_ADAR || k == GR_MODEL_JACCARD;
}

static gr_status score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    gr_model_scorer *s = ctx;
    if (s->ppr) return gr_ppr_score(s->ppr, s->user_rows, users, n, s->scorer.n_items, scores, msg);
    if (s->neighbors) return gr_neighbors_score(s->neighbors, s->user_rows, users, n, s->scorer.n_items, scores, msg);
    gr_status status = s->dot.scorer.score(s->dot.scorer.ctx, users, n, scores, msg);
    if (status == GR_OK && s->linear)
        status = gr_gfcf_linear_add(s->linear, s->user_rows, users, n, s->scorer.n_items, scores, msg);
    return status;
}

gr_status gr_model_scorer_init_social(gr_model_scorer *s, const gr_config *c, const float *user_emb,
                                      uint32_t n_users, const float *item_emb, uint32_t n_items,
                                      const gr_graph *train, const gr_csr *user_rows, const gr_csr *social,
                                      char *msg)
{
    gr_status status = GR_OK;
    memset(s, 0, sizeof *s);
    s->user_rows = user_rows ? user_rows : &train->R;
    if (c->model == GR_MODEL_PPR) {
        const gr_ppr_opts o = {.damping = c->damping, .max_iters = c->ppr_iters, .tol = c->ppr_tol,
                               .social = social, .social_weight = (float)c->social_weight};
        status = gr_ppr_init(&s->ppr, train, &o, msg);
    } else if (gr_model_is_graph_baseline(c->model)) {
        status = gr_neighbors_init(&s->neighbors, c->model, train, msg);
    } else {
        status = gr_dot_scorer_init(&s->dot, user_emb, n_users, item_emb, n_items, c->dim, msg);
        if (status == GR_OK && c->model == GR_MODEL_GFCF) status = gr_gfcf_linear_init(&s->linear, train, msg);
    }
    if (status != GR_OK) {
        gr_model_scorer_free(s);
        return status;
    }
    s->scorer = (gr_scorer){.n_items = n_items, .ctx = s, .score = score};
    return GR_OK;
}

gr_status gr_model_scorer_init(gr_model_scorer *s, const gr_config *c, const float *user_emb, uint32_t n_users,
                               const float *item_emb, uint32_t n_items, const gr_graph *train, const gr_csr *user_rows,
                               char *msg)
{
    return gr_model_scorer_init_social(s, c, user_emb, n_users, item_emb, n_items, train, user_rows, NULL, msg);
}

void gr_model_scorer_free(gr_model_scorer *s)
{
    gr_dot_scorer_free(&s->dot);
    gr_gfcf_linear_free(s->linear);
    gr_ppr_free(s->ppr);
    gr_neighbors_free(s->neighbors);
    memset(s, 0, sizeof *s);
}
