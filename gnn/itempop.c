#include "gnn/itempop.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static gr_status itempop_score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    (void)users;
    (void)msg;
    const gr_itempop *p = ctx;
    size_t n_items = p->scorer.n_items;
    for (size_t k = 0; k < n; k++) memcpy(scores + k * n_items, p->popularity, n_items * sizeof *scores);
    return GR_OK;
}

gr_status gr_itempop_init(gr_itempop *p, const gr_graph *train, char *msg)
{
    memset(p, 0, sizeof *p);
    p->popularity = gr_alloc(train->n_items, sizeof *p->popularity);
    if (p->popularity == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory for item popularity");
    for (uint32_t i = 0; i < train->n_items; i++) p->popularity[i] = (float)gr_csr_degree(&train->Rt, i);
    p->scorer = (gr_scorer){.n_items = train->n_items, .ctx = p, .score = itempop_score};
    return GR_OK;
}

void gr_itempop_free(gr_itempop *p)
{
    free(p->popularity);
    memset(p, 0, sizeof *p);
}
