/* Degree filters and the bipartite k-core.
 *
 * The k-core is our own peeling over the CSR pair rather than igraph's
 * coreness: recommender datasets need different thresholds for users and items
 * (igraph computes one k for all nodes), and peeling in place needs no copy of
 * the graph (igraph_t would take ~5x the memory of our CSR).  It runs in
 * O(E): each edge is visited a bounded number of times as its ends are removed.
 * tests/test_filter.c checks it against igraph_coreness for k_user == k_item. */
#include "graph/filter.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* Keeps the edges whose both ends are still alive, then rebuilds Rt. */
static gr_status drop_dead(gr_graph *g, const uint8_t *user_dead, const uint8_t *item_dead, gr_filter_report *rep,
                           char *msg)
{
    uint64_t w = 0;
    uint64_t before = g->R.nnz;
    for (uint32_t u = 0; u < g->n_users; u++) {
        uint64_t start = g->R.ptr[u], stop = g->R.ptr[u + 1];
        g->R.ptr[u] = w;
        if (user_dead[u]) continue;
        for (uint64_t k = start; k < stop; k++) {
            uint32_t i = g->R.idx[k];
            if (item_dead[i]) continue;
            g->R.idx[w] = i;
            if (g->weight) g->weight[w] = g->weight[k];
            if (g->time) g->time[w] = g->time[k];
            w++;
        }
    }
    g->R.ptr[g->n_users] = w;
    g->R.nnz = w;
    if (rep) rep->edges_removed += before - w;
    return gr_graph_rebuild_transpose(g, msg);
}

static void count_removed(const gr_graph *g, const uint64_t *udeg_before, const uint64_t *ideg_before,
                          gr_filter_report *rep)
{
    if (rep == NULL) return;
    for (uint32_t u = 0; u < g->n_users; u++) rep->users_removed += udeg_before[u] > 0 && gr_csr_degree(&g->R, u) == 0;
    for (uint32_t i = 0; i < g->n_items; i++) rep->items_removed += ideg_before[i] > 0 && gr_csr_degree(&g->Rt, i) == 0;
}

static gr_status snapshot_degrees(const gr_graph *g, uint64_t **udeg, uint64_t **ideg, char *msg)
{
    *udeg = gr_alloc(g->n_users, sizeof **udeg);
    *ideg = gr_alloc(g->n_items, sizeof **ideg);
    if (*udeg == NULL || *ideg == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory for degrees");
    for (uint32_t u = 0; u < g->n_users; u++) (*udeg)[u] = gr_csr_degree(&g->R, u);
    for (uint32_t i = 0; i < g->n_items; i++) (*ideg)[i] = gr_csr_degree(&g->Rt, i);
    return GR_OK;
}

gr_status gr_filter_min_degree(gr_graph *g, uint32_t min_user, uint32_t min_item, gr_filter_report *rep, char *msg)
{
    gr_status status = GR_OK;
    uint64_t *udeg = NULL, *ideg = NULL;
    uint8_t *udead = NULL, *idead = NULL;
    if (rep) memset(rep, 0, sizeof *rep);
    GR_TRY(snapshot_degrees(g, &udeg, &ideg, msg));
    udead = gr_zalloc(g->n_users, 1);
    idead = gr_zalloc(g->n_items, 1);
    GR_CHECK_ALLOC(udead, "user marks");
    GR_CHECK_ALLOC(idead, "item marks");
    for (uint32_t u = 0; u < g->n_users; u++) udead[u] = udeg[u] < min_user;
    for (uint32_t i = 0; i < g->n_items; i++) idead[i] = ideg[i] < min_item;
    GR_TRY(drop_dead(g, udead, idead, rep, msg));
    count_removed(g, udeg, ideg, rep);
    if (rep) rep->rounds = 1;
fail:
    free(udeg);
    free(ideg);
    free(udead);
    free(idead);
    return status;
}

gr_status gr_filter_kcore(gr_graph *g, uint32_t k_user, uint32_t k_item, gr_filter_report *rep, char *msg)
{
    gr_status status = GR_OK;
    uint64_t *udeg = NULL, *ideg = NULL, *ucur = NULL, *icur = NULL;
    uint8_t *udead = NULL, *idead = NULL;
    uint32_t *queue = NULL; /* users as u, items as n_users + i */
    if (rep) memset(rep, 0, sizeof *rep);
    GR_TRY(snapshot_degrees(g, &udeg, &ideg, msg));
    GR_TRY(snapshot_degrees(g, &ucur, &icur, msg));
    size_t n = (size_t)g->n_users + g->n_items;
    udead = gr_zalloc(g->n_users, 1);
    idead = gr_zalloc(g->n_items, 1);
    queue = gr_alloc(n, sizeof *queue);
    GR_CHECK_ALLOC(udead, "user marks");
    GR_CHECK_ALLOC(idead, "item marks");
    GR_CHECK_ALLOC(queue, "peeling queue");
    /* Nodes that never had an edge stay as they are: peeling is about the edges. */
    size_t head = 0, tail = 0;
    for (uint32_t u = 0; u < g->n_users; u++)
        if (ucur[u] > 0 && ucur[u] < k_user) udead[u] = 1, queue[tail++] = u;
    for (uint32_t i = 0; i < g->n_items; i++)
        if (icur[i] > 0 && icur[i] < k_item) idead[i] = 1, queue[tail++] = g->n_users + i;
    uint32_t rounds = 0;
    while (head < tail) {
        size_t round_end = tail;
        rounds++;
        for (; head < round_end; head++) {
            uint32_t x = queue[head];
            if (x < g->n_users) {
                for (uint64_t k = g->R.ptr[x]; k < g->R.ptr[x + 1]; k++) {
                    uint32_t i = g->R.idx[k];
                    if (idead[i]) continue;
                    if (--icur[i] < k_item) idead[i] = 1, queue[tail++] = g->n_users + i;
                }
            } else {
                uint32_t i = x - g->n_users;
                for (uint64_t k = g->Rt.ptr[i]; k < g->Rt.ptr[i + 1]; k++) {
                    uint32_t u = g->Rt.idx[k];
                    if (udead[u]) continue;
                    if (--ucur[u] < k_user) udead[u] = 1, queue[tail++] = u;
                }
            }
        }
    }
    GR_TRY(drop_dead(g, udead, idead, rep, msg));
    count_removed(g, udeg, ideg, rep);
    if (rep) rep->rounds = rounds;
fail:
    free(udeg);
    free(ideg);
    free(ucur);
    free(icur);
    free(udead);
    free(idead);
    free(queue);
    return status;
}
