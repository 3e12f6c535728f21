/* Training checkpoints, so a long run can stop and go on bit-exactly.
 *
 * A checkpoint is a model file (gnn/model_file.h) of the run as it stands --
 * config, id maps, ego embeddings and their propagation, so `gnnrec eval`
 * reads one like any model -- with the sections resuming needs between FINL
 * and END (all little-endian, each with its CRC32 like every section):
 *
 *   "TRST"  48 bytes: uint32 epoch (epochs done, = DIMS' epoch), best_epoch,
 *           since_best (evaluations without improvement), flags (1 = ADMM and
 *           ADMV present, 2 = BEST present, 4 = ADAG present); uint64 Adam
 *           step (0 without Adam); float64
 *           best_metric (-inf when nothing was evaluated); uint64 nnz of the
 *           training graph; uint32 its CRC (gr_checkpoint_data_crc); uint32 0
 *   "ADMM"  Adam's first moments, P x dim float32 (Adam only), P the rows
 *           training updates: n_users + n_items, or n_users for view =
 *           unipartite (gr_train_param_rows)
 *   "ADMV"  Adam's second moments, the same shape (Adam only)
 *   "BEST"  the best ego embeddings so far, the same shape (best_epoch > 0)
 *   "ADAG"  AdaGrad's accumulators (sums of squared gradients), the same
 *           shape (optimizer = adagrad only; added later, so checkpoints
 *           of Adam or SGD runs are unchanged and older ones still load)
 *   "PART"  16 bytes, only in a checkpoint written mid-epoch (an interrupt,
 *           cli/interrupt.h): uint64 batches of epoch + 1 done (>= 1, fewer
 *           than the epoch has), float64 their summed loss; Adam's step is
 *           then epoch x batches per epoch + those batches
 *
 * The RNG needs nothing: the sampler derives epoch e's streams from (seed, e)
 * and draws batch b of it again alike.
 * Reading is the model file's untrusted-input reader (lengths checked before
 * allocation, CRCs before use), plus checks that TRST agrees with the config,
 * DIMS and the sections present. */
#ifndef GR_CHECKPOINT_H
#define GR_CHECKPOINT_H

#include <stdint.h>

#include "core/error.h"
#include "gnn/model.h"
#include "gnn/train.h"
#include "graph/graph.h"

typedef struct {
    gr_model model;        /* ego: where training stands; final: its propagation */
    gr_train_state state;  /* its arrays point at adam_m, adam_v, best, adagrad_acc below */
    uint64_t data_nnz;     /* the training graph it was made on */
    uint32_t data_crc;
    float *adam_m, *adam_v, *best; /* owned; NULL when absent */
    float *adagrad_acc;            /* owned; NULL unless optimizer = adagrad */
} gr_checkpoint;

/* CRC32 of the training graph: its shape and its CSR (row offsets, columns). */
uint32_t gr_checkpoint_data_crc(const gr_graph *train);

/* Writes m (its epoch and best_metric are taken from s) with s atomically to
 * path.  train is the graph being trained on, recorded to check a resume's
 * data. */
gr_status gr_checkpoint_save(const char *path, const gr_model *m, const gr_train_state *s, const gr_graph *train,
                             char *msg);

/* On success *ck owns everything (gr_checkpoint_free); on failure it is
 * zeroed and msg names the file and, for damage, the section. */
gr_status gr_checkpoint_load(gr_checkpoint *ck, const char *path, char *msg);
void gr_checkpoint_free(gr_checkpoint *ck);

/* GR_ERR_INPUT unless train is the graph the checkpoint was made on (shape,
 * nnz, CRC, and the same string ids in the same order). */
gr_status gr_checkpoint_check_data(const gr_checkpoint *ck, const gr_graph *train, const char *path, char *msg);

/* Applies a "key=value" override to a resumed run's config c.  Only keys that
 * leave the maths alone may change: epochs, patience, eval_every,
 * checkpoint_every, threads; any other is refused (GR_ERR_ARG, naming the key)
 * unless it sets the value already there. */
gr_status gr_checkpoint_override(gr_config *c, const char *assignment, char *msg);

#endif
