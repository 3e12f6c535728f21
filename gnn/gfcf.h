/* GF-CF, a training-free graph filter (Shen et al., CIKM 2021, "How
 * powerful is graph convolution for recommendation?").
 *
 * With R the training interactions (as a 0/1 pattern) and
 * R~ = D_u^-1/2 R D_i^-1/2 (D^-1/2 = 0 for degree 0), a user u with
 * interaction row r_u scores
 *     r_u R~' R~  +  alpha r_u D_i^-1/2 V V' D_i^1/2
 * (the linear filter plus the ideal low-pass filter of rank d = c->dim, V the
 * top-d right singular vectors of R~, alpha = c->ideal_weight).  The second
 * part is a dot product of embeddings: users alpha r_u D_i^-1/2 V, items
 * D_i^1/2 V, so gfcf is stored and scored like every embedding model, and the
 * linear part is added by gr_gfcf_linear_add from the users' rows.
 *
 * ideal_weight = 0 is the linear filter alone: no SVD, and gr_config_check
 * then asks for dim = 1 (the embeddings are all zero, and a wider dim would
 * only make scoring compute zeros). */
#ifndef GR_GFCF_H
#define GR_GFCF_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "gnn/config.h"
#include "graph/graph.h"
#include "sparse/rsvd.h"

/* E: (n_users + n_items) x c->dim, users first: the embeddings above (the
 * top-dim singular vectors by randomized SVD, sparse/rsvd.h, with
 * c->power_iters, c->oversample and c->seed).  c->dim must not exceed
 * min(n_users, n_items); singular values that are zero (R~ has lower rank)
 * give zero columns.  With ideal_weight = 0 no SVD is computed and E is 0. */
gr_status gr_gfcf_fit(const gr_config *c, const gr_graph *g, float *E, char *msg);

/* Where the fit's time went (benchmarks, reports). */
typedef struct {
    gr_rsvd_report svd;  /* all zero with ideal_weight = 0 */
    double seconds;      /* the whole fit */
} gr_gfcf_report;
/* gr_gfcf_fit, also filling *report (may be NULL). */
gr_status gr_gfcf_fit_ex(const gr_config *c, const gr_graph *g, float *E, gr_gfcf_report *report, char *msg);

/* The linear filter over the training graph's R~ (borrowed: g outlives f).
 * Never builds R~'R~ (41k x 41k for Gowalla): each row r is pushed through
 * R~' and then R~ as two sparse scatters, on every OpenMP thread (as many as
 * omp_get_max_threads() at init). */
typedef struct gr_gfcf_linear gr_gfcf_linear;
gr_status gr_gfcf_linear_init(gr_gfcf_linear **f, const gr_graph *g, char *msg);
/* scores[k * n_items + i] += (r R~' R~)_i for r = row users[k] of user_rows
 * (the training R for known users, a history for folded-in ones).  n_items
 * is the row length of scores, at least the graph's items; columns of
 * user_rows and of scores past the graph's items have no training
 * interactions, so they get and give nothing. */
gr_status gr_gfcf_linear_add(gr_gfcf_linear *f, const gr_csr *user_rows, const uint32_t *users, size_t n,
                             uint32_t n_items, float *scores, char *msg);
void gr_gfcf_linear_free(gr_gfcf_linear *f);

/* Fold-in: user embeddings alpha r D_i^-1/2 V for each row of history
 * (history->n_rows x c->dim into user_emb), from the item embeddings
 * D_i^1/2 V and the training graph's item degrees: alpha sum_i E_i / d_i.
 * Items past the graph's, or of training degree 0, add nothing.  A training
 * user's own row gives exactly its row of gr_gfcf_fit's E. */
gr_status gr_gfcf_fold_in(const gr_config *c, const float *item_emb, const gr_graph *g, const gr_csr *history,
                          float *user_emb, char *msg);

#endif
