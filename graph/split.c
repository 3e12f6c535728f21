/* Train/test(/validation) split assignment; see split.h for the semantics. */
#include "graph/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"

#define SPLIT_DEFAULT_SEED 42
#define SPLIT_DEFAULT_MIN_ITEMS 2

int gr_split_kind_parse(const char *s, gr_split_kind *k)
{
    if (strcmp(s, "ratio") == 0 || strcmp(s, "random") == 0) *k = GR_SPLIT_RATIO;
    else if (strcmp(s, "loo") == 0 || strcmp(s, "leave-one-out") == 0) *k = GR_SPLIT_LEAVE_ONE_OUT;
    else if (strcmp(s, "temporal") == 0 || strcmp(s, "temporal-user") == 0) *k = GR_SPLIT_TEMPORAL_USER;
    else if (strcmp(s, "temporal-global") == 0) *k = GR_SPLIT_TEMPORAL_GLOBAL;
    else return -1;
    return 0;
}

const char *gr_split_kind_name(gr_split_kind k)
{
    switch (k) {
    case GR_SPLIT_RATIO: return "ratio";
    case GR_SPLIT_LEAVE_ONE_OUT: return "loo";
    case GR_SPLIT_TEMPORAL_USER: return "temporal";
    case GR_SPLIT_TEMPORAL_GLOBAL: return "temporal-global";
    }
    return "unknown";
}

void gr_split_opts_default(gr_split_opts *o)
{
    o->kind = GR_SPLIT_RATIO;
    o->test = 0.2;
    o->valid = 0.0;
    o->seed = SPLIT_DEFAULT_SEED;
    o->min_items = SPLIT_DEFAULT_MIN_ITEMS;
}

/* round(share * n) for non-negative values, identical on every platform. */
static uint64_t split_round(double share, uint64_t n) { return (uint64_t)floor(share * (double)n + 0.5); }

/* How many of a user's d items go to test and to valid. */
static void split_user_counts(const gr_split_opts *o, uint64_t d, uint64_t *n_test, uint64_t *n_valid)
{
    uint64_t min_items = o->min_items < 2 ? 2 : o->min_items;
    uint64_t t = 0, v = 0;
    if (d >= min_items) {
        if (o->kind == GR_SPLIT_LEAVE_ONE_OUT) {
            t = 1;
            v = o->valid > 0;
        } else {
            t = split_round(o->test, d);
            v = split_round(o->valid, d);
        }
        /* Keep at least one train item: a user without one cannot be scored
         * fairly.  Validation gives way first since test is what gets reported. */
        while (t + v >= d) {
            if (v > 0) v--;
            else t--;
        }
    }
    *n_test = t;
    *n_valid = v;
}

/* One of a user's edges, ordered "latest first" by time and then by a random
 * key, so equal times (or no times at all: a plain shuffle) are broken by the
 * user's RNG stream.  pos makes the order total even if two keys collide. */
typedef struct {
    int64_t time;
    uint64_t tie;
    uint32_t pos;
} split_key;

static int split_key_latest_first(const void *pa, const void *pb)
{
    const split_key *a = pa, *b = pb;
    if (a->time != b->time) return a->time > b->time ? -1 : 1;
    if (a->tie != b->tie) return a->tie > b->tie ? -1 : 1;
    return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

/* Assigns the edges of user u: the first n_test in "latest first" order go to
 * test, the next n_valid to valid, the rest to train.  Without times this
 * order is a uniformly random permutation, which is the ratio split. */
static void split_one_user(const gr_graph *g, const gr_split_opts *o, uint32_t u, int use_time,
                           split_key *scratch, uint8_t *part)
{
    const uint64_t begin = g->R.ptr[u], d = g->R.ptr[u + 1] - begin;
    uint64_t n_test, n_valid;
    split_user_counts(o, d, &n_test, &n_valid);
    if (n_test + n_valid == 0) {
        memset(part + begin, GR_PART_TRAIN, d);
        return;
    }
    gr_rng r;
    gr_rng_seed(&r, o->seed, u);
    for (uint64_t k = 0; k < d; k++) {
        scratch[k].time = use_time ? g->time[begin + k] : 0;
        scratch[k].tie = gr_rng_u64(&r);
        scratch[k].pos = (uint32_t)k;
    }
    qsort(scratch, d, sizeof *scratch, split_key_latest_first);
    for (uint64_t k = 0; k < d; k++) {
        uint8_t p = k < n_test ? GR_PART_TEST : k < n_test + n_valid ? GR_PART_VALID : GR_PART_TRAIN;
        part[begin + scratch[k].pos] = p;
    }
}

/* ratio, leave-one-out and temporal-user: independent per user, so the loop
 * is parallel; dynamic scheduling evens out skewed degrees and cannot change
 * the result because each user owns its RNG stream. */
static gr_status split_per_user(const gr_graph *g, const gr_split_opts *o, uint8_t *part, char *msg)
{
    gr_status status = GR_OK;
    const int64_t n_users = g->R.n_rows;
    const int use_time = g->time != NULL && o->kind != GR_SPLIT_RATIO;
    uint64_t max_deg = 1;
    #pragma omp parallel for reduction(max : max_deg) schedule(static)
    for (int64_t u = 0; u < n_users; u++) {
        uint64_t d = gr_csr_degree(&g->R, (uint32_t)u);
        if (d > max_deg) max_deg = d;
    }

    int nomem = 0;
    #pragma omp parallel
    {
        /* Scratch per thread, sized for the busiest user, instead of one
         * array over all edges: memory stays bounded by threads x max degree. */
        split_key *scratch = gr_alloc(max_deg, sizeof *scratch);
        if (scratch == NULL) {
            #pragma omp atomic write
            nomem = 1;
        }
        #pragma omp for schedule(dynamic, 256)
        for (int64_t u = 0; u < n_users; u++)
            if (scratch != NULL) split_one_user(g, o, (uint32_t)u, use_time, scratch, part);
        free(scratch);
    }
    if (nomem) GR_FAIL(GR_ERR_NOMEM, "out of memory allocating split scratch");
fail:
    return status;
}

static int split_time_ascending(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* temporal-global: sort a copy of all times once and read the cuts off it.
 * Edges at the cut time all go to the later part, so no two interactions at
 * the same moment are separated. */
static gr_status split_global(const gr_graph *g, const gr_split_opts *o, uint8_t *part,
                              int64_t *cut_test, int64_t *cut_valid, char *msg)
{
    gr_status status = GR_OK;
    const uint64_t nnz = g->R.nnz;
    int64_t *sorted = NULL;
    *cut_test = *cut_valid = INT64_MAX;
    if (nnz == 0) return GR_OK;
    sorted = gr_alloc(nnz, sizeof *sorted);
    GR_CHECK_ALLOC(sorted, "sorted timestamps");
    memcpy(sorted, g->time, nnz * sizeof *sorted);
    qsort(sorted, nnz, sizeof *sorted, split_time_ascending);

    uint64_t n_test = split_round(o->test, nnz), n_valid = split_round(o->valid, nnz);
    if (n_test > nnz) n_test = nnz;
    if (n_valid > nnz - n_test) n_valid = nnz - n_test;
    if (n_test > 0) *cut_test = sorted[nnz - n_test];
    if (n_valid > 0) *cut_valid = sorted[nnz - n_test - n_valid];
    const int64_t ct = *cut_test, cv = *cut_valid;
    #pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < (int64_t)nnz; e++) {
        int64_t t = g->time[e];
        part[e] = t >= ct ? GR_PART_TEST : t >= cv ? GR_PART_VALID : GR_PART_TRAIN;
    }
fail:
    free(sorted);
    return status;
}

/* Counts per part and per user, the same for every kind. */
static void split_fill_report(const gr_graph *g, const uint8_t *part, gr_split_report *rep)
{
    uint64_t e_train = 0, e_test = 0, e_valid = 0;
    uint32_t u_train = 0, u_test = 0, u_valid = 0, u_train_only = 0;
    const int64_t n_users = g->R.n_rows;
    #pragma omp parallel for schedule(static) \
        reduction(+ : e_train, e_test, e_valid, u_train, u_test, u_valid, u_train_only)
    for (int64_t u = 0; u < n_users; u++) {
        uint64_t c[GR_PART_COUNT] = {0, 0, 0};
        for (uint64_t e = g->R.ptr[u]; e < g->R.ptr[u + 1]; e++) c[part[e]]++;
        e_train += c[GR_PART_TRAIN];
        e_test += c[GR_PART_TEST];
        e_valid += c[GR_PART_VALID];
        u_train += c[GR_PART_TRAIN] > 0;
        u_test += c[GR_PART_TEST] > 0;
        u_valid += c[GR_PART_VALID] > 0;
        u_train_only += c[GR_PART_TRAIN] > 0 && c[GR_PART_TEST] + c[GR_PART_VALID] == 0;
    }
    rep->edges[GR_PART_TRAIN] = e_train;
    rep->edges[GR_PART_TEST] = e_test;
    rep->edges[GR_PART_VALID] = e_valid;
    rep->users[GR_PART_TRAIN] = u_train;
    rep->users[GR_PART_TEST] = u_test;
    rep->users[GR_PART_VALID] = u_valid;
    rep->users_train_only = u_train_only;
}

gr_status gr_split_check_opts(const gr_split_opts *o, char *msg)
{
    gr_status status = GR_OK;
    /* Written as !(in range) so that NaN is refused too. */
    if (!(o->test > 0 && o->test < 1))
        GR_FAIL(GR_ERR_ARG, "test share must be between 0 and 1 (exclusive), got %g", o->test);
    if (!(o->valid >= 0 && o->valid < 1))
        GR_FAIL(GR_ERR_ARG, "validation share must be at least 0 and below 1, got %g", o->valid);
    if (!(o->test + o->valid < 1))
        GR_FAIL(GR_ERR_ARG, "test + validation shares must be below 1, got %g + %g", o->test, o->valid);
    if (o->kind != GR_SPLIT_RATIO && o->kind != GR_SPLIT_LEAVE_ONE_OUT &&
        o->kind != GR_SPLIT_TEMPORAL_USER && o->kind != GR_SPLIT_TEMPORAL_GLOBAL)
        GR_FAIL(GR_ERR_ARG, "unknown split kind %d", (int)o->kind);
fail:
    return status;
}

gr_status gr_split_assign(const gr_graph *g, const gr_split_opts *o, uint8_t *part,
                          gr_split_report *rep, char *msg)
{
    gr_status status = GR_OK;
    int64_t cut_test = INT64_MAX, cut_valid = INT64_MAX;
    GR_TRY(gr_split_check_opts(o, msg));
    if ((o->kind == GR_SPLIT_TEMPORAL_USER || o->kind == GR_SPLIT_TEMPORAL_GLOBAL) && g->time == NULL)
        GR_FAIL(GR_ERR_ARG, "temporal split needs a timestamp column (4th column of an edge list)");

    if (o->kind == GR_SPLIT_TEMPORAL_GLOBAL) GR_TRY(split_global(g, o, part, &cut_test, &cut_valid, msg));
    else GR_TRY(split_per_user(g, o, part, msg));

    if (rep != NULL) {
        memset(rep, 0, sizeof *rep);
        split_fill_report(g, part, rep);
        rep->cut_test = cut_test;
        rep->cut_valid = cut_valid;
    }
fail:
    return status;
}
