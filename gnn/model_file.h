/* Model files: a versioned, checksummed binary holding a gr_model.
 *
 * Layout, all integers little-endian:
 *   "GNNREC\0\1"  8-byte magic
 *   uint32        format version (GR_MODEL_FILE_VERSION)
 *   sections, each: 4-char tag, uint64 payload length, payload, uint32 CRC32
 *   (zlib) of the payload.  In order:
 *     "CONF"  the config as INI text (gr_config_format)
 *     "DIMS"  uint32 n_users, n_items, dim, flags (1 = string ids, 2 = shared
 *             ids), epoch, reserved 0; float64 best_metric   (32 bytes)
 *     "UIDS"  user id map (loaders/idmap_io.h), only with string ids
 *     "IIDS"  item id map, only with string ids that are not shared
 *     "EGO "  (n_users + n_items) x dim float32
 *     "FINL"  the same shape, the propagated embeddings
 *     ...     further sections of files that carry more than a model
 *             (gr_model_save_with; checkpoints: gnn/checkpoint.h)
 *     "END "  empty; nothing may follow it
 *   A reader skips (after checking its CRC) a section it does not know, so
 *   optional sections can be added without a version bump.
 *
 * Writing goes through gr_output: a temporary file, fsync, rename, so a crash
 * never leaves a torn model.  Reading treats the file as untrusted: every
 * length is checked against the bytes left in the file before anything is
 * allocated, and every section's CRC before its contents are used. */
#ifndef GR_MODEL_FILE_H
#define GR_MODEL_FILE_H

#include "core/error.h"
#include "gnn/model.h"

#define GR_MODEL_FILE_VERSION 1u

/* Refuses a ".gz" name (model files are read by size and offset) and "-". */
gr_status gr_model_save(const gr_model *m, const char *path, char *msg);

/* On success *m owns everything (free with gr_model_free); on failure *m is
 * zeroed and msg reads "path: what failed". */
gr_status gr_model_load(gr_model *m, const char *path, char *msg);

/* ---- extra sections (gnn/checkpoint.h) ---------------------------------- *
 * A file that carries more than a model (a training checkpoint) is a model
 * file with further sections between FINL and END, so every model reader
 * still reads it (skipping what it does not know) and one format is kept. */

/* One section to write: a 4-character tag other than the model's own. */
typedef struct {
    char tag[4];
    const void *data;
    size_t len;
} gr_section_out;

/* One section to read back.  The payload's length is checked before anything
 * is allocated: against the bytes left in the file always, and either against
 * the size of one embedding array (`array`: (n_users + n_items) x dim x 4, so
 * DIMS must come first) or against max_len.  The CRC is checked before the
 * payload is handed out.  A section that appears twice is refused. */
typedef struct {
    char tag[4];          /* in */
    int array;            /* in: the payload is one embedding-shaped array */
    uint64_t max_len;     /* in: the longest payload accepted when !array */
    unsigned char *data;  /* out: malloc'd payload (one spare NUL byte), NULL when absent */
    size_t len;           /* out */
} gr_section_in;

gr_status gr_model_save_with(const gr_model *m, const gr_section_out *extra, size_t n_extra, const char *path,
                             char *msg);
/* As gr_model_load, also filling extra[0..n_extra) (their data is freed and
 * set to NULL on failure).  Whether a section must be present is the
 * caller's business. */
gr_status gr_model_load_with(gr_model *m, gr_section_in *extra, size_t n_extra, const char *path, char *msg);

#endif
