/* Reproducible train/test(/validation) splits of the interactions R.
 *
 * A split does not copy the graph: it assigns each edge e of R (an index into
 * g->R.idx, so part[] is aligned with R.idx, g->weight and g->time) to a part,
 * and writers select a part with gr_edge_select (graph/write.h).
 *
 * Randomness comes from one RNG stream per user, seeded from (seed, user), so
 * the assignment depends only on the seed and the graph, never on the number
 * of threads or the schedule: the same seed always gives the same split.
 *
 * Kinds:
 *   ratio            per user, a uniformly random round(test*deg) items go to
 *                    test and round(valid*deg) to valid.
 *   leave-one-out    per user, one test item (and one valid item when valid > 0):
 *                    the latest by timestamp when g->time is set (ties broken
 *                    at random), else a random one.  The share `test` is unused.
 *   temporal-user    per user, the latest round(test*deg) items go to test and
 *                    the next latest round(valid*deg) to valid.
 *   temporal-global  one cut time for everyone: the latest ~test share of all
 *                    interactions go to test, the ~valid share before them to
 *                    valid.  Edges with equal times always fall on the same side,
 *                    so shares are approximate.  No per-user rule applies here
 *                    (that would leak the future into train): a user active only
 *                    after the cut has no train edge.
 *
 * Per-user kinds always leave at least one item of every user in train (the
 * validation count shrinks first, then the test count), and users with fewer
 * than min_items interactions stay wholly in train.  The default min_items is 2,
 * the smallest degree that can both keep a train item and hold one out; values
 * below 2 behave like 2. */
#ifndef GR_SPLIT_H
#define GR_SPLIT_H

#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"

enum { GR_PART_TRAIN = 0, GR_PART_TEST = 1, GR_PART_VALID = 2, GR_PART_COUNT = 3 };

typedef enum {
    GR_SPLIT_RATIO,
    GR_SPLIT_LEAVE_ONE_OUT,
    GR_SPLIT_TEMPORAL_USER,
    GR_SPLIT_TEMPORAL_GLOBAL
} gr_split_kind;

/* Parses "ratio", "loo" / "leave-one-out", "temporal" / "temporal-user",
 * "temporal-global"; -1 when unknown. */
int gr_split_kind_parse(const char *s, gr_split_kind *k);
/* The canonical name ("ratio", "loo", "temporal", "temporal-global"). */
const char *gr_split_kind_name(gr_split_kind k);

typedef struct {
    gr_split_kind kind;
    double test;        /* share held out for test, 0 < test < 1 */
    double valid;       /* share for validation, 0 = no validation part; test + valid < 1 */
    uint64_t seed;
    uint32_t min_items; /* users with fewer interactions stay wholly in train */
} gr_split_opts;

/* ratio, test 0.2, no validation, seed 42, min_items 2. */
void gr_split_opts_default(gr_split_opts *o);

typedef struct {
    uint64_t edges[GR_PART_COUNT]; /* edges per part */
    uint32_t users[GR_PART_COUNT]; /* users with at least one edge in the part */
    uint32_t users_train_only;     /* users with edges of which none was held out */
    /* temporal-global: test is time >= cut_test, valid is cut_valid <= time <
     * cut_test, train the rest; INT64_MAX when the part is empty or unused. */
    int64_t cut_test, cut_valid;
} gr_split_report;

/* Checks the shares and the kind (GR_ERR_ARG), so a command can refuse bad
 * options before loading a large file. */
gr_status gr_split_check_opts(const gr_split_opts *o, char *msg);

/* Fills part[0 .. g->R.nnz) with GR_PART_* values.  rep may be NULL.
 * Fails with GR_ERR_ARG on bad shares or a temporal kind without g->time. */
gr_status gr_split_assign(const gr_graph *g, const gr_split_opts *o, uint8_t *part,
                          gr_split_report *rep, char *msg);

#endif
