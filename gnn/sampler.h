/* Training samples for one epoch, as LightGCN's reference UniformSample_original
 * draws them: |train| triples, each a user uniform among the users with at
 * least one train item, a positive uniform among that user's items, and `neg`
 * negatives uniform over all items, redrawing any that the user has (binary
 * search in the sorted CSR row of R).  With skip_self (the unipartite view of
 * a follower graph, where item u is user u's own row) a negative equal to the
 * user is redrawn too.
 *
 * Samples are drawn in fixed blocks, block b of epoch e from the RNG stream
 * (seed, e·2³² + b), so an epoch repeats exactly for a seed — for any thread
 * count, not only the same one. */
#ifndef GR_SAMPLER_H
#define GR_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "gnn/loss.h"
#include "graph/graph.h"

typedef struct {
    const gr_graph *g;  /* borrowed; must outlive the sampler */
    uint32_t neg;       /* negatives per triple */
    int skip_self;      /* never draw the user itself as its negative */
    uint32_t n_active;  /* users with >= 1 train item */
    uint32_t *active;   /* their ids, ascending */
    size_t n;           /* triples per epoch = R.nnz */
    uint32_t *user;     /* n */
    uint32_t *pos;      /* n */
    uint32_t *negs;     /* n * neg */
} gr_sampler;

/* Fails when the graph has no edges or when some user has every item (no
 * negative exists for them).  skip_self needs n_items == n_users. */
gr_status gr_sampler_init(gr_sampler *s, const gr_graph *g, uint32_t neg, int skip_self, char *msg);
void gr_sampler_free(gr_sampler *s);
/* The bytes gr_sampler_init allocates for g and neg negatives per triple. */
size_t gr_sampler_bytes(const gr_graph *g, uint32_t neg);

/* Fills s->user/pos/negs with epoch `epoch`'s samples. */
void gr_sampler_epoch(gr_sampler *s, uint64_t seed, uint64_t epoch);

/* Candidates for dynamic negative sampling (gnn/dns.h): for each triple k
 * in [begin, end) of the current epoch and each of its negatives q, m items
 * at out[((k - begin)·neg + q)·m ...]: first the epoch's negative q itself,
 * then m - 1 more drawn the same way (uniform, the user's items redrawn)
 * from a stream of (seed, epoch, k) alone.  So m = 1 is the uniform
 * sampler's negatives, and a batch's candidates do not depend on the batch
 * size before it, the thread count, or a resume in mid-epoch. */
void gr_sampler_candidates(const gr_sampler *s, uint64_t seed, uint64_t epoch, size_t begin, size_t end, uint32_t m,
                           uint32_t *out);
/* Triples [begin, end) of the current epoch as a batch for gnn/loss.h. */
gr_batch gr_sampler_batch(const gr_sampler *s, size_t begin, size_t end);

/* 1 when item is in the user's train row (binary search). */
int gr_sampler_has(const gr_graph *g, uint32_t user, uint32_t item);

#endif
