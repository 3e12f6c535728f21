/* Internal to the generator: the drawn model and a chunk of rows, shared by
 * generate.c (drawing) and generate_write.c (text output).  Not a public API. */
#ifndef GR_GENERATE_MODEL_H
#define GR_GENERATE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "graph/generate.h"

/* Rows are drawn in chunks of GEN_CHUNK, each from its own RNG stream. */
#define GEN_CHUNK 65536
/* Longest text row: two prefixed 10-digit ids, a rating, a 20-digit time. */
#define ROW_MAX 64

/* One alias-table slot, everything a draw needs in 16 bytes: drawing is
 * memory-latency bound (tables of millions of nodes), so one draw should touch
 * one cache line, not three arrays. */
typedef struct {
    float prob;          /* keep this slot with this probability, ... */
    uint32_t node;
    uint32_t alias;      /* ... else take this slot (index within the part) */
    uint32_t alias_node; /* the node of slot `alias` */
} gen_slot;

typedef struct {
    uint32_t n_parts;
    uint64_t *offset; /* n_parts + 1: part c owns slots offset[c] .. offset[c+1]-1 */
    gen_slot *slot;
} gen_pool;

typedef struct {
    uint32_t n_src, n_dst, n_comm;
    uint32_t *src_rank, *dst_rank; /* node of each rank (activity, popularity) */
    uint32_t *src_comm, *dst_comm; /* community of each node; dst_comm == src_comm for follows */
    gen_pool src;                  /* one part: who acts */
    gen_pool dst;                  /* n_comm parts: what they pick, by popularity */
} gen_model;

typedef struct {
    uint32_t src[GEN_CHUNK], dst[GEN_CHUNK];
    uint8_t weight[GEN_CHUNK];
    int64_t time[GEN_CHUNK];
} gen_batch;

/* Rankings and communities; the alias tables too when with_pools. */
gr_status gr_gen_model_build(const gr_gen_opts *o, gen_model *m, int with_pools, char *msg);
void gr_gen_model_free(gen_model *m);
uint64_t gr_gen_n_chunks(const gr_gen_opts *o);
/* Draws the rows of one chunk into b; returns how many. */
size_t gr_gen_chunk(const gen_model *m, const gr_gen_opts *o, uint64_t chunk, gen_batch *b);

#endif
