/* A trained model as plain data: its config, the ego embeddings E(0) that
 * training learns, the propagated embeddings E that scoring uses, and the id
 * maps that turn row indices back into the ids the user gave.
 *
 * Rows 0..n_users-1 of ego/final are users, rows n_users.. are items; both
 * arrays are row-major (n_users + n_items) x dim floats, separately malloc'd
 * (final may equal ego for MF, where propagation is the identity).  Saved and
 * loaded by gnn/model_file.h. */
#ifndef GR_MODEL_H
#define GR_MODEL_H

#include <stdint.h>

#include "gnn/config.h"
#include "loaders/idmap.h"

typedef struct {
    gr_config cfg;
    uint32_t n_users, n_items, dim;
    float *ego;             /* (n_users + n_items) x dim */
    float *final;           /* same shape: propagated embeddings used for scoring */
    gr_idmap *user_ids;     /* NULL for integer ids */
    gr_idmap *item_ids;     /* NULL for integer ids; == user_ids when shared */
    int shared_ids;         /* one id space (follower graphs) */
    uint32_t epoch;         /* epochs trained */
    double best_metric;     /* best value of cfg.stop_metric seen in validation */
} gr_model;

/* Frees the arrays and id maps (each once) and zeroes *m.  Defined in
 * gnn/model_file.c. */
void gr_model_free(gr_model *m);

#endif
