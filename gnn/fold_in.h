/* Fold-in: embeddings for users the model was not trained on (or trained on
 * fewer of their interactions), computed from their interactions and the
 * trained item embeddings, without retraining, so that they are scored like
 * every other user.
 *
 * Each row of `history` is one user's complete set of interactions (what the
 * training file had for them plus anything new), over the model's items.
 * By model kind:
 *   lightgcn  the user's layers as the propagation would compute them if the
 *             user had been in the graph: with d_u the row's usable items and
 *             d_i an item's training degree,
 *                 e_u = sum_{k=1..K} a_k sum_{i in row} E_i^(k-1) / sqrt(d_u d_i)
 *             where E^(k) = Â^k E^(0) are the items' layer embeddings,
 *             recomputed from the ego embeddings over the training graph.
 *             The user's own layer-0 term a_0 e_u^(0) is a trained parameter
 *             nobody has for a new user; it is left out (see fold_in.c).
 *             view = unipartite: the same over the symmetrized follow graph
 *             (one row per account, d_i its weighted degree there), the
 *             user's row being the accounts it follows.
 *   mf        GR_FOLD_IN_MF_STEPS steps of gradient descent on the BPR loss
 *             with the items fixed, from zero, over the row's items each
 *             paired with GR_FOLD_IN_MF_NEG negatives drawn from the user's
 *             own RNG stream, and L2 decay/2 |e_u|^2, as in training (so is
 *             lightgcn with K = 0).
 *   ials      the closed-form user solve (gnn/ials.h).
 *   gfcf      its user embedding alpha r D_i^-1/2 V (gnn/gfcf.h); the linear
 *             part comes from the row at scoring time (gr_gfcf_linear_add).
 *   itempop   1, as for every user.
 * Items of training degree 0 (never trained) are ignored by lightgcn and mf.
 * A row with no usable item gets a zero embedding (every score 0). */
#ifndef GR_FOLD_IN_H
#define GR_FOLD_IN_H

#include <stdint.h>

#include "core/error.h"
#include "gnn/model.h"
#include "graph/graph.h"

#define GR_FOLD_IN_MF_STEPS 5
#define GR_FOLD_IN_MF_NEG 8

/* user_emb: history->n_rows x m->dim floats, written.  train: the training
 * graph over the model's users and items (item degrees, lightgcn's
 * propagation, gfcf's normalization).  history->n_cols <= m->n_items.
 * row_user: the user index of each row, which names its random stream (seed,
 * user), so a user's embedding does not depend on who else is folded in
 * with it; NULL = the row index. */
gr_status gr_fold_in(const gr_model *m, const gr_graph *train, const gr_csr *history, const uint32_t *row_user,
                     float *user_emb, char *msg);
/* The same for a model whose config may name social edges: social is then
 * the users x users block of its [data] social file over the model's users
 * (graph/social.h), and lightgcn's item layers are propagated over
 * training's Â with it (gnn/social_adj.h); the folded-in users themselves
 * have no social edges.  gr_fold_in passes social = NULL, which a lightgcn
 * model trained with social edges (weight > 0, K >= 2) refuses (GR_ERR_ARG)
 * rather than fold in over an Â training never saw. */
gr_status gr_fold_in_social(const gr_model *m, const gr_graph *train, const gr_csr *social, const gr_csr *history,
                            const uint32_t *row_user, float *user_emb, char *msg);

#endif
