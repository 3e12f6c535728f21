/* Synthetic data generator; the model is described in graph/generate.h.
 *
 * Cost per row is a few xoshiro draws and a few random reads: sources and
 * targets come from Walker/Vose alias tables (O(1) per draw), one table per
 * community for targets, built once in O(n).  Rows are drawn in fixed chunks of
 * GEN_CHUNK rows, each chunk from its own RNG stream (seed, chunk), so every
 * consumer (gr_generate, the edge writer, both passes of the adjacency writer)
 * sees exactly the same rows, and chunks could be drawn in any order. */
#include "graph/generate.h"
#include "graph/generate_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"

/* RNG streams: one per ranking, then one per chunk of rows. */
enum { STREAM_USERS = 1, STREAM_ITEMS = 2, STREAM_POPULAR = 3 };
#define STREAM_ROWS (1ULL << 32)
/* Timestamps spread the rows over one year from 2020-09-13, plus up to an
 * hour of jitter, so they increase with the row number but not strictly. */
#define TIME_START 1600000000LL
#define TIME_SPAN (365ULL * 86400)
#define TIME_JITTER 3600u

void gr_gen_opts_default(gr_gen_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = GR_GEN_INTERACTIONS;
    o->n_users = 2000;
    o->n_items = 1000;
    o->n_edges = 60000;
    o->n_communities = 10;
    o->exponent = 0.5;
    o->p_in = 0.8;
    o->seed = 42;
}

gr_status gr_gen_opts_check(const gr_gen_opts *o, char *msg)
{
    const int follows = o->kind == GR_GEN_FOLLOWS;
    const uint32_t n_dst = follows ? o->n_users : o->n_items;
    if (follows && o->n_users < 2)
        return gr_fail(msg, GR_ERR_ARG, "users: a follower graph needs at least 2 accounts, got %u", o->n_users);
    if (o->n_users < 1) return gr_fail(msg, GR_ERR_ARG, "users: need at least 1 user");
    if (!follows && o->n_items < 1) return gr_fail(msg, GR_ERR_ARG, "items: need at least 1 item");
    /* Every community must hold a user and a target, or a draw would have
     * nothing to pick from. */
    if (o->n_communities < 1 || o->n_communities > o->n_users || o->n_communities > n_dst)
        return gr_fail(msg, GR_ERR_ARG, "communities: %u is not between 1 and the number of %s (%u)",
                       o->n_communities, o->n_users < n_dst ? "users" : (follows ? "accounts" : "items"),
                       o->n_users < n_dst ? o->n_users : n_dst);
    if (!(o->exponent >= 0.0 && o->exponent <= 4.0))
        return gr_fail(msg, GR_ERR_ARG, "exponent: %g is not between 0 and 4", o->exponent);
    if (!(o->p_in >= 0.0 && o->p_in <= 1.0))
        return gr_fail(msg, GR_ERR_ARG, "p-in: %g is not a probability between 0 and 1", o->p_in);
    return GR_OK;
}

int gr_gen_kind_parse(const char *s, gr_gen_kind *k)
{
    if (strcmp(s, "interactions") == 0) *k = GR_GEN_INTERACTIONS;
    else if (strcmp(s, "follows") == 0) *k = GR_GEN_FOLLOWS;
    else return -1;
    return 0;
}

int gr_gen_format_parse(const char *s, gr_gen_format *f)
{
    if (strcmp(s, "edges") == 0) *f = GR_GEN_EDGES;
    else if (strcmp(s, "edges-int") == 0) *f = GR_GEN_EDGES_INT;
    else if (strcmp(s, "adj") == 0) *f = GR_GEN_ADJ;
    else return -1;
    return 0;
}

/* ---- alias tables partitioned by community ---- */


static void pool_free(gen_pool *p)
{
    free(p->offset);
    free(p->slot);
    memset(p, 0, sizeof *p);
}

/* Vose's alias method over weights w[0..n) (overwritten); small/large are
 * scratch of n entries. */
static void alias_build(double *w, uint32_t n, gen_slot *slot, uint32_t *small, uint32_t *large)
{
    double sum = 0.0;
    for (uint32_t j = 0; j < n; j++) sum += w[j];
    uint32_t ns = 0, nl = 0;
    for (uint32_t j = 0; j < n; j++) {
        w[j] = w[j] * n / sum;
        if (w[j] < 1.0) small[ns++] = j;
        else large[nl++] = j;
    }
    while (ns > 0 && nl > 0) {
        uint32_t s = small[--ns], l = large[nl - 1];
        slot[s].prob = (float)w[s];
        slot[s].alias = l;
        w[l] -= 1.0 - w[s]; /* l gave s's slot the rest of its unit */
        if (w[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* What remains is 1 up to rounding. */
    while (nl > 0) { uint32_t l = large[--nl]; slot[l].prob = 1.0f; slot[l].alias = l; }
    while (ns > 0) { uint32_t s = small[--ns]; slot[s].prob = 1.0f; slot[s].alias = s; }
    for (uint32_t j = 0; j < n; j++) slot[j].alias_node = slot[slot[j].alias].node;
}

/* Node node_of_rank[r] gets weight (r+1)^-a and goes into part comm[node]
 * (part 0 when comm is NULL); within a part, slots are in rank order. */
static gr_status pool_build(gen_pool *p, uint32_t n, const uint32_t *node_of_rank, const uint32_t *comm,
                            uint32_t n_parts, double a, char *msg)
{
    gr_status status = GR_OK;
    double *w = gr_alloc(n, sizeof *w);
    uint32_t *small = gr_alloc(n, sizeof *small), *large = gr_alloc(n, sizeof *large);
    uint64_t *cursor = gr_alloc(n_parts, sizeof *cursor);
    memset(p, 0, sizeof *p);
    p->n_parts = n_parts;
    p->offset = gr_zalloc((size_t)n_parts + 1, sizeof *p->offset);
    p->slot = gr_alloc(n, sizeof *p->slot);
    if (!w || !small || !large || !cursor || !p->offset || !p->slot)
        GR_FAIL(GR_ERR_NOMEM, "out of memory building the generator's tables (%u nodes)", n);

    for (uint32_t i = 0; i < n; i++) p->offset[(comm ? comm[i] : 0) + 1]++;
    for (uint32_t c = 0; c < n_parts; c++) p->offset[c + 1] += p->offset[c];
    memcpy(cursor, p->offset, n_parts * sizeof *cursor);
    for (uint32_t r = 0; r < n; r++) {
        uint32_t node = node_of_rank[r];
        uint64_t at = cursor[comm ? comm[node] : 0]++;
        p->slot[at].node = node;
        w[at] = pow(r + 1.0, -a);
    }
    for (uint32_t c = 0; c < n_parts; c++) {
        uint64_t lo = p->offset[c];
        alias_build(w + lo, (uint32_t)(p->offset[c + 1] - lo), p->slot + lo, small, large);
    }
fail:
    if (status != GR_OK) pool_free(p);
    free(w);
    free(small);
    free(large);
    free(cursor);
    return status;
}

/* A draw is split in two so that callers can prefetch between the halves:
 * pool_pick spends one 64-bit random number (high half: the slot, low half:
 * the alias coin); pool_take reads the slot and returns the slot finally
 * taken (the drawn one or its alias), with its node in *node. */
static inline uint64_t pool_pick(const gen_pool *p, uint32_t part, gr_rng *r, uint32_t *coin)
{
    const uint64_t lo = p->offset[part], n = p->offset[part + 1] - lo;
    const uint64_t x = gr_rng_u64(r);
    *coin = (uint32_t)x;
    return lo + (((x >> 32) * n) >> 32);
}

static inline uint64_t pool_take(const gen_pool *p, uint32_t part, uint64_t j, uint32_t coin, uint32_t *node)
{
    const gen_slot *s = &p->slot[j];
    if ((double)coin * 0x1p-32 < s->prob) {
        *node = s->node;
        return j;
    }
    *node = s->alias_node;
    return p->offset[part] + s->alias;
}

static inline uint32_t pool_draw(const gen_pool *p, uint32_t part, gr_rng *r)
{
    uint32_t coin, node;
    uint64_t j = pool_pick(p, part, r, &coin);
    pool_take(p, part, j, coin, &node);
    return node;
}

/* ---- the model ---- */


void gr_gen_model_free(gen_model *m)
{
    free(m->src_rank);
    free(m->dst_rank);
    if (m->dst_comm != m->src_comm) free(m->dst_comm);
    free(m->src_comm);
    pool_free(&m->src);
    pool_free(&m->dst);
    memset(m, 0, sizeof *m);
}

/* A uniformly random ranking (Fisher-Yates): node_of_rank[r]. */
static gr_status random_ranking(uint32_t n, uint64_t seed, uint64_t stream, uint32_t **out, char *msg)
{
    uint32_t *p = gr_alloc(n, sizeof *p);
    if (p == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory ranking %u nodes", n);
    gr_rng r;
    gr_rng_seed(&r, seed, stream);
    for (uint32_t i = 0; i < n; i++) p[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = gr_rng_below(&r, i), t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    *out = p;
    return GR_OK;
}

/* Community of rank r is r mod C: each community gets an equal share of
 * the heavy and the light nodes, so communities are alike in size and mass. */
static gr_status plant(uint32_t n, const uint32_t *node_of_rank, uint32_t n_comm, uint32_t **out, char *msg)
{
    uint32_t *comm = gr_alloc(n, sizeof *comm);
    if (comm == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory planting communities");
    for (uint32_t r = 0; r < n; r++) comm[node_of_rank[r]] = r % n_comm;
    *out = comm;
    return GR_OK;
}

/* Rankings and communities; the alias tables too when with_pools.  For
 * follows the popularity ranking is independent of the activity ranking (who
 * follows many is not who is followed by many), but the communities are one. */
gr_status gr_gen_model_build(const gr_gen_opts *o, gen_model *m, int with_pools, char *msg)
{
    gr_status status = GR_OK;
    const int follows = o->kind == GR_GEN_FOLLOWS;
    memset(m, 0, sizeof *m);
    m->n_src = o->n_users;
    m->n_dst = follows ? o->n_users : o->n_items;
    m->n_comm = o->n_communities;
    GR_TRY(random_ranking(m->n_src, o->seed, STREAM_USERS, &m->src_rank, msg));
    GR_TRY(plant(m->n_src, m->src_rank, m->n_comm, &m->src_comm, msg));
    GR_TRY(random_ranking(m->n_dst, o->seed, follows ? STREAM_POPULAR : STREAM_ITEMS, &m->dst_rank, msg));
    if (follows) m->dst_comm = m->src_comm;
    else GR_TRY(plant(m->n_dst, m->dst_rank, m->n_comm, &m->dst_comm, msg));
    if (with_pools) {
        GR_TRY(pool_build(&m->src, m->n_src, m->src_rank, NULL, 1, o->exponent, msg));
        GR_TRY(pool_build(&m->dst, m->n_dst, m->dst_rank, m->dst_comm, m->n_comm, o->exponent, msg));
    }
    return GR_OK;
fail:
    gr_gen_model_free(m);
    return status;
}

/* ---- drawing rows ---- */


uint64_t gr_gen_n_chunks(const gr_gen_opts *o) { return (o->n_edges + GEN_CHUNK - 1) / GEN_CHUNK; }

/* Draws the rows of one chunk into b; returns how many.  Rows go in groups
 * of GEN_GROUP through three stages, each issuing the prefetches the next one
 * reads (user slot, then item slot), so the cache misses of a group overlap
 * instead of queueing one after another (with the 16-byte slots, 3x faster
 * at 1M users x 500k items). */
#define GEN_GROUP 32
size_t gr_gen_chunk(const gen_model *m, const gr_gen_opts *o, uint64_t chunk, gen_batch *b)
{
    const uint64_t first = chunk * GEN_CHUNK;
    const size_t n = o->n_edges - first < GEN_CHUNK ? (size_t)(o->n_edges - first) : GEN_CHUNK;
    const uint32_t C = m->n_comm;
    const int follows = o->kind == GR_GEN_FOLLOWS;
    uint64_t pick[GEN_GROUP];
    uint32_t coin[GEN_GROUP], comm[GEN_GROUP];
    uint8_t inside[GEN_GROUP];
    gr_rng r;
    gr_rng_seed(&r, o->seed, STREAM_ROWS + chunk);
    for (size_t g = 0; g < n; g += GEN_GROUP) {
        const size_t gn = n - g < GEN_GROUP ? n - g : GEN_GROUP;
        for (size_t k = 0; k < gn; k++) {
            pick[k] = pool_pick(&m->src, 0, &r, &coin[k]);
            __builtin_prefetch(&m->src.slot[pick[k]]);
        }
        for (size_t k = 0; k < gn; k++) {
            /* The source pool is one part in rank order and a community is
             * rank mod C (plant), so the slot index is the rank. */
            uint64_t rank = pool_take(&m->src, 0, pick[k], coin[k], &b->src[g + k]);
            uint32_t c = (uint32_t)(rank % C);
            inside[k] = !(C > 1 && gr_rng_uniform(&r) >= o->p_in);
            if (!inside[k]) c = (uint32_t)((c + 1 + (uint64_t)gr_rng_below(&r, C - 1)) % C); /* any other */
            comm[k] = c;
            pick[k] = pool_pick(&m->dst, c, &r, &coin[k]);
            __builtin_prefetch(&m->dst.slot[pick[k]]);
        }
        for (size_t k = 0; k < gn; k++) {
            const uint32_t u = b->src[g + k];
            uint32_t v;
            pool_take(&m->dst, comm[k], pick[k], coin[k], &v);
            /* No self-follows: redraw; a community that is nearly one heavy
             * account could keep returning it, so give up after a while. */
            for (int t = 0; follows && v == u && t < 32; t++) v = pool_draw(&m->dst, comm[k], &r);
            if (follows && v == u) v = (uint32_t)((u + 1 + (uint64_t)gr_rng_below(&r, m->n_dst - 1)) % m->n_dst);
            const uint64_t x = gr_rng_u64(&r); /* always drawn, so the ids don't depend on the columns */
            const uint64_t row = first + g + k;
            b->dst[g + k] = v;
            b->weight[g + k] = (uint8_t)((inside[k] ? 3 : 1) + (((x >> 32) * 3) >> 32));
            b->time[g + k] = TIME_START + (int64_t)((double)row / (double)o->n_edges * TIME_SPAN) +
                             (int64_t)((uint32_t)x % TIME_JITTER);
        }
    }
    return n;
}

gr_status gr_generate(const gr_gen_opts *o, gr_rows *out, char *msg)
{
    gr_status status = GR_OK;
    gen_model m;
    gen_batch *b = NULL;
    memset(&m, 0, sizeof m);
    gr_rows_init(out, o->with_weight, o->with_time);
    GR_TRY(gr_gen_opts_check(o, msg));
    if (o->n_edges > SIZE_MAX / sizeof(int64_t)) GR_FAIL(GR_ERR_NOMEM, "too many rows to hold: %llu", (unsigned long long)o->n_edges);
    GR_TRY(gr_gen_model_build(o, &m, 1, msg));
    b = malloc(sizeof *b);
    GR_CHECK_ALLOC(b, "a batch of rows");
    GR_TRY(gr_rows_reserve(out, (size_t)o->n_edges, msg));
    for (uint64_t chunk = 0; chunk < gr_gen_n_chunks(o); chunk++) {
        size_t n = gr_gen_chunk(&m, o, chunk, b);
        for (size_t k = 0; k < n; k++) GR_TRY(gr_rows_push(out, b->src[k], b->dst[k], b->weight[k], b->time[k], msg));
    }
    /* The id spaces are the whole node sets, even nodes that drew no row. */
    out->n_users = m.n_src;
    out->n_items = m.n_dst;
    gr_gen_model_free(&m);
    free(b);
    return GR_OK;
fail:
    gr_gen_model_free(&m);
    free(b);
    gr_rows_free(out);
    return status;
}

gr_status gr_generate_communities(const gr_gen_opts *o, uint32_t *user_comm, uint32_t *item_comm, char *msg)
{
    gr_status status = GR_OK;
    gen_model m;
    memset(&m, 0, sizeof m);
    GR_TRY(gr_gen_opts_check(o, msg));
    GR_TRY(gr_gen_model_build(o, &m, 0, msg));
    if (user_comm) memcpy(user_comm, m.src_comm, (size_t)m.n_src * sizeof *user_comm);
    if (item_comm) memcpy(item_comm, m.dst_comm, (size_t)m.n_dst * sizeof *item_comm);
fail:
    gr_gen_model_free(&m);
    return status;
}

