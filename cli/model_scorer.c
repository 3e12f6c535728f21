#include "cli/model_scorer.h"

#include <string.h>

static gr_status score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    gr_model_scorer *s = ctx;
    gr_status status = s->dot.scorer.score(s->dot.scorer.ctx, users, n, scores, msg);
    if (status == GR_OK && s->linear)
        status = gr_gfcf_linear_add(s->linear, s->user_rows, users, n, s->scorer.n_items, scores, msg);
    return status;
}

gr_status gr_model_scorer_init(gr_model_scorer *s, const gr_config *c, const float *user_emb, uint32_t n_users,
                               const float *item_emb, uint32_t n_items, const gr_graph *train, const gr_csr *user_rows,
                               char *msg)
{
    memset(s, 0, sizeof *s);
    gr_status status = gr_dot_scorer_init(&s->dot, user_emb, n_users, item_emb, n_items, c->dim, msg);
    if (status == GR_OK && c->model == GR_MODEL_GFCF) {
        s->user_rows = user_rows ? user_rows : &train->R;
        status = gr_gfcf_linear_init(&s->linear, train, msg);
    }
    if (status != GR_OK) {
        gr_model_scorer_free(s);
        return status;
    }
    s->scorer = (gr_scorer){.n_items = n_items, .ctx = s, .score = score};
    return GR_OK;
}

void gr_model_scorer_free(gr_model_scorer *s)
{
    gr_dot_scorer_free(&s->dot);
    gr_gfcf_linear_free(s->linear);
    memset(s, 0, sizeof *s);
}
