#include "gnn/itempop.h"

void gr_itempop_fit(const gr_graph *train, float *E)
{
    for (uint32_t u = 0; u < train->n_users; u++) E[u] = 1.0f;
    float *items = E + train->n_users;
    for (uint32_t i = 0; i < train->n_items; i++) items[i] = (float)gr_csr_degree(&train->Rt, i);
}
