/* The data of `gnnrec recommend`: the training interactions (what is masked),
 * --history (users to fold in, or new interactions of known ones), --exclude
 * (more items to skip), all in the model's id space, plus the id lists of
 * --users and --candidates.
 *
 * Users are numbered as the model numbers them, and users the model does not
 * know (only in --history) after them, so one user index addresses the
 * scoring embeddings, the masks and the output ids alike. */
#ifndef GR_CLI_RECOMMEND_DATA_H
#define GR_CLI_RECOMMEND_DATA_H

#include <stdint.h>

#include "cli/common.h"
#include "gnn/model.h"
#include "graph/graph.h"

typedef struct {
    gr_dataset ds;        /* owns the id maps (the model's, plus new users) */
    uint32_t n_users;     /* model users, then users only --history knows */
    uint32_t n_items;     /* the model's */
    gr_graph train;       /* the training file: model users x items */
    gr_graph seen;        /* training + history rows: n_users x items (masked, explained, folded from) */
    gr_graph exclude;     /* --exclude rows: n_users x items (no rows without it) */
    int has_exclude;
    uint8_t *folded;      /* n_users flags: the user has --history rows */
    uint32_t n_folded;
    uint64_t history_rows, history_unknown;  /* rows kept / skipped (items the model does not know) */
    uint64_t exclude_rows, exclude_unknown;  /* rows kept / skipped (unknown user or item) */
    gr_csr social;        /* the model's social edges over its users, for fold-in (gnn/fold_in.h) */
    int has_social;
} gr_rec_data;

/* Loads train (the model config's or --train), history and exclude (either
 * may be NULL).  The model's id maps move into d->ds.  `in` carries the
 * command line's input options: train is read with the config's format and
 * filters, history and exclude with the command line's format options (auto
 * by default) and the model's kind of ids.  Prints errors; returns an exit
 * code. */
int gr_rec_data_load(gr_cli_input *in, gr_model *m, const char *train, const char *history, const char *exclude,
                     gr_rec_data *d);
void gr_rec_data_free(gr_rec_data *d);

/* The users' scoring embeddings, d->n_users x m->dim: the model's, with the
 * folded users' rows (their seen rows: training + history) recomputed by
 * gnn/fold_in.h.  *emb is malloc'd, or NULL when no user is folded in (the
 * model's own rows serve then). */
gr_status gr_rec_user_embeddings(const gr_rec_data *d, const gr_model *m, float **emb, char *msg);

/* The users of --users FILE (one original id per line; blank and '#' lines
 * skipped; each user once, in file order).  An id that is unknown, or whose
 * user has no interactions to recommend from, is an error naming file:line.
 * *users is malloc'd. */
gr_status gr_rec_read_users(const gr_rec_data *d, const char *path, size_t max_line, uint32_t **users, size_t *n,
                            char *msg);

/* The items of --candidates FILE (one original id per line), ascending and
 * distinct.  An unknown item is an error naming file:line, or with skip set
 * is counted in *skipped.  *items is malloc'd. */
gr_status gr_rec_read_items(const gr_rec_data *d, const char *path, size_t max_line, int skip, uint32_t **items,
                            uint32_t *n, uint64_t *skipped, char *msg);

#endif
