/* iALS: implicit alternating least squares (Hu, Koren & Volinsky 2008) with
 * the frequency-scaled regularization of Rendle et al. 2022 ("Revisiting
 * the performance of iALS on item recommendation benchmarks").
 *
 * Loss over users U, items I, observed pairs S (the training graph):
 *   L = sum_{(u,i) in S} (e_u.e_i - 1)^2 + alpha0 sum_{u in U, i in I} (e_u.e_i)^2
 *       + sum_u lambda_u |e_u|^2 + sum_i lambda_i |e_i|^2,
 *   lambda_u = lambda (|I_u| + alpha0 |I|)^nu,  lambda_i = lambda (|U_i| + alpha0 |U|)^nu,
 * with alpha0 = c->unobserved_weight, lambda = c->reg, nu = c->reg_exponent.
 * The second sum runs over all pairs, observed ones included, so with
 * G = sum_i e_i e_i^T (the Gramian) a user's optimum solves
 *   (alpha0 G + sum_{i in I_u} e_i e_i^T + lambda_u I) e_u = sum_{i in I_u} e_i.
 * Each epoch solves every user's d x d system with the items fixed, then
 * every item's with the users fixed (OpenMP over rows): c->solver picks a
 * Cholesky factorization per row (LAPACK's spotrf) or c->cg_steps steps of
 * conjugate gradients warm-started from the row's current value, which never
 * form the matrix.  A row without interactions is 0 (its exact optimum).
 * Results depend on the seed and the thread count only (the Gramian is summed
 * over one block of rows per thread). */
#ifndef GR_IALS_H
#define GR_IALS_H

#include <stdint.h>

#include "core/error.h"
#include "gnn/config.h"
#include "gnn/train.h"
#include "graph/graph.h"

/* Trains E ((n_users + n_items) x c->dim, users first; initialized here, rows
 * ~ N(0, (c->init_std / sqrt(dim))^2) from c->seed) for c->epochs epochs,
 * evaluating through hooks exactly as gr_train does (eval_every, patience,
 * keep).  on_epoch's loss is L above after the epoch's item sweep.  On
 * return E holds the embeddings kept. */
gr_status gr_ials_train(const gr_config *c, const gr_graph *g, float *E, const gr_train_hooks *hooks,
                        gr_train_report *report, char *msg);

/* One half-epoch: solves every row r of R (R->n_rows x R->n_cols) with the
 * other side `fixed` (R->n_cols x c->dim) held, in place in rows
 * (R->n_rows x c->dim; read as the warm start by solver = cg).  Rows of the
 * users are solved with R = g->R and the items fixed, rows of the items with
 * R = g->Rt and the users fixed. */
gr_status gr_ials_solve_rows(const gr_config *c, const gr_csr *R, const float *fixed, float *rows, char *msg);

/* L above for E ((n_users + n_items) x c->dim, users first) on g. */
gr_status gr_ials_loss(const gr_config *c, const gr_graph *g, const float *E, double *loss, char *msg);

/* Fold-in: the closed-form user solve with the item embeddings fixed (by
 * Cholesky whatever c->solver says: there is no row to warm-start from), for
 * each row of history (users x items over the model's n_items items, with
 * |I_u| = the row's length): user_emb gets history->n_rows x c->dim floats.
 * A training user's own history gives its row after a user sweep. */
gr_status gr_ials_fold_in(const gr_config *c, const float *item_emb, uint32_t n_items, const gr_csr *history,
                          float *user_emb, char *msg);

#endif
