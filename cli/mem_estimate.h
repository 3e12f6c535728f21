/* How much memory a run will need, before its big allocations: `--dry-run`
 * prints it, `--mem-limit` refuses a run above it, and evaluation and
 * recommendation shrink their block of scores to fit under it.
 *
 * The sizes that matter (users, items, interactions) are known only once the
 * data is loaded, so the estimate is made after loading, in two halves:
 *   - what the process holds now (runtime libraries, the model file, the
 *     loaded graphs and id maps), measured from /proc/self/statm, and the
 *     peak so far (the loader's transients), from getrusage;
 *   - what the run will allocate from here, one part per array group, each
 *     from the byte count its module exposes next to its allocator
 *     (gr_lightgcn_bytes, gr_sampler_bytes, gr_norm_adj_bytes,
 *     gr_rank_bytes, ...), so the estimate follows the code.
 * The total is max(peak so far, held now + the parts). */
#ifndef GR_CLI_MEM_ESTIMATE_H
#define GR_CLI_MEM_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/data.h"
#include "core/error.h"
#include "gnn/config.h"

#define GR_MEM_MAX_PARTS 16

/* What the OpenMP and BLAS runtimes add once their threads first run (the
 * touched part of thread stacks and of OpenBLAS's per-thread GEMM buffers),
 * per thread: it is not yet resident when the estimate is made.  Measured
 * below 0.5 MiB in all at 2 threads on Gowalla's eval and recommend (peak
 * minus held-now minus the score block; docs/RELIABILITY.md), so 1 MiB a
 * thread is a margin, not a fit. */
#define GR_MEM_THREAD_BYTES ((size_t)1 << 20)

/* When a part is held: throughout, or in one of two phases that never
 * overlap (GF-CF's factorization is freed before the evaluation allocates),
 * so the total counts the larger phase only. */
typedef enum { GR_MEM_THROUGHOUT, GR_MEM_FITTING, GR_MEM_AFTER_FITTING } gr_mem_phase;

typedef struct {
    const char *name;
    size_t bytes;
    gr_mem_phase phase;
} gr_mem_part;

typedef struct {
    size_t resident;    /* held now: runtime, model, loaded data (measured) */
    size_t peak_so_far; /* the process's peak so far (measured) */
    size_t data;        /* of `resident`: the loaded graphs and id maps (counted) */
    gr_mem_part part[GR_MEM_MAX_PARTS];
    int n;
} gr_mem_estimate;

/* Measures what the process holds now; no parts yet. */
void gr_mem_estimate_init(gr_mem_estimate *e);
/* Adds a part held throughout (zero-byte parts are dropped; beyond
 * GR_MEM_MAX_PARTS they join the last). */
void gr_mem_add(gr_mem_estimate *e, const char *name, size_t bytes);
void gr_mem_add_phase(gr_mem_estimate *e, const char *name, size_t bytes, gr_mem_phase phase);
size_t gr_mem_total(const gr_mem_estimate *e);

/* The parts of `gnnrec train` with config c on data d: embeddings, Â,
 * propagation buffers, gradient, optimizer state, sampler, and the
 * evaluations' ranking, whose *budget (bytes of one block of scores; start
 * from GR_EVAL_DEFAULT_BUDGET) shrinks to fit limit as gr_mem_fit_rank's
 * does.  Then gr_mem_check's verdict (limit 0 = none). */
gr_status gr_mem_estimate_train(gr_mem_estimate *e, const gr_config *c, const gr_run_data *d, size_t limit,
                                size_t *budget, char *msg);

/* What scoring with model kind c->model needs beyond the embeddings (the
 * graph baselines' and GF-CF's scorers), for a training graph g. */
size_t gr_mem_scorer_bytes(const gr_config *c, const gr_graph *g);

/* Shrinks *budget (bytes of one block of scores, for gr_rank_users) so that
 * e plus the ranking of n users over n_items fits `limit`, and adds the
 * ranking as a part.  A budget that already fits is kept; limit 0 = no
 * limit.  GR_ERR_NOMEM, with the figures, when not even one user's block fits. */
gr_status gr_mem_fit_rank(gr_mem_estimate *e, size_t limit, size_t *budget, uint32_t n_items, uint32_t k, size_t n,
                          int candidates, char *msg);

/* `gnnrec eval` of a model (config c) over a training graph g and n_eval
 * users with test rows, top k at most: the scorer, the evaluation's lists and
 * the ranking, whose *budget shrinks to fit limit (gr_mem_fit_rank). */
gr_status gr_mem_estimate_eval(gr_mem_estimate *e, const gr_config *c, const gr_graph *g, uint32_t n_items, uint32_t k,
                               size_t n_eval, size_t limit, size_t *budget, char *msg);

/* `gnnrec recommend` for n users over n_items: the scorer, the user list,
 * the fold-in of `folded` users' histories (the model's dim), the ranking
 * (shrunk to fit limit as above).  seen = training + history rows. */
gr_status gr_mem_estimate_recommend(gr_mem_estimate *e, const gr_config *c, const gr_graph *g, const gr_graph *seen,
                                    uint32_t n_items, uint32_t dim, uint32_t k, size_t n, int folding, int candidates,
                                    size_t limit, size_t *budget, char *msg);

/* Prints "<cmd> needs about X MiB" and the breakdown to f. */
void gr_mem_print(FILE *f, const char *cmd, const gr_mem_estimate *e);

/* GR_ERR_NOMEM with "needs about X MiB (breakdown) but --mem-limit is Y MiB"
 * when the total exceeds limit (0 = no limit). */
gr_status gr_mem_check(const gr_mem_estimate *e, size_t limit, char *msg);

/* "512M", "2G", "300K", "1048576" (bytes), "1.5G" -> bytes; -1 on a bad value. */
int gr_mem_parse_size(const char *s, size_t *out);

#endif
