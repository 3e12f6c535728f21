/* The bipartite interaction graph: R (users x items) as CSR and its transpose.
 *
 * Built in O(E) by two counting sorts, which also sort every row, so duplicates
 * become neighbours and vanish in one pass.  Indices are 32-bit; row pointers
 * are 64-bit so a graph may hold more than 4G edges in total.
 *
 * The id space is kept as loaded: with integer ids, user 17 is row 17 even when
 * users 0..16 have no interactions (standard splits keep their numbering).  A
 * node of degree 0 simply has an empty row. */
#ifndef GR_GRAPH_H
#define GR_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "loaders/idmap.h"
#include "loaders/load.h"
#include "loaders/rows.h"

typedef struct {
    uint32_t n_rows, n_cols;
    uint64_t nnz;
    uint64_t *ptr; /* n_rows + 1 offsets */
    uint32_t *idx; /* nnz column indices, ascending within each row, no duplicates */
} gr_csr;

typedef enum {
    GR_GRAPH_BIPARTITE,  /* users x items */
    GR_GRAPH_DIRECTED,   /* follower graph: src follows dst; followers x accounts, self-loops dropped */
    GR_GRAPH_UNDIRECTED  /* symmetrized: each edge in both directions, self-loops dropped */
} gr_graph_kind;

/* Parses "bipartite", "directed", "undirected"; -1 when unknown. */
int gr_graph_kind_parse(const char *s, gr_graph_kind *k);

typedef struct {
    gr_graph_kind kind;
    uint32_t n_users, n_items;
    gr_csr R;        /* users x items */
    gr_csr Rt;       /* items x users */
    float *weight;   /* NULL, or R.nnz weights aligned with R.idx (max over duplicates) */
    int64_t *time;   /* NULL, or R.nnz timestamps aligned with R.idx (earliest over duplicates) */
    const gr_idmap *user_ids; /* borrowed from the dataset; NULL for integer ids */
    const gr_idmap *item_ids;
} gr_graph;

typedef struct {
    uint64_t rows_in;     /* rows given */
    uint64_t duplicates;  /* removed repeated pairs */
    uint64_t self_loops;  /* removed (directed/undirected only) */
    double seconds;
} gr_build_report;

/* Builds g from ds->rows[begin, end).  Weights/times are carried when present
 * in the rows.  For directed/undirected graphs users and items share one id
 * space, so n_users == n_items. */
gr_status gr_graph_build(gr_graph *g, const gr_dataset *ds, size_t begin, size_t end,
                         gr_graph_kind kind, gr_build_report *report, char *msg);

/* The same over all rows, freeing ds->rows (ids stay) as soon as they have been
 * read: peak memory drops from 16 to 12 bytes per row for 4-byte ids. */
gr_status gr_graph_build_consume(gr_graph *g, gr_dataset *ds, gr_graph_kind kind, gr_build_report *report,
                                 char *msg);

/* Builds g from explicit arrays (tests, generators).  ids are integers. */
gr_status gr_graph_from_pairs(gr_graph *g, uint32_t n_users, uint32_t n_items, const uint32_t *user,
                              const uint32_t *item, size_t n, char *msg);

/* The same for a graph of `kind`: directed and undirected drop self-loops,
 * undirected also adds each pair's mirror (not for a user beyond n_items:
 * on a follower graph, an account folded in that is no column).  g->kind is
 * kind.  recommend's masks, which must hold what training's graph holds. */
gr_status gr_graph_from_pairs_kind(gr_graph *g, uint32_t n_users, uint32_t n_items, const uint32_t *user,
                                   const uint32_t *item, size_t n, gr_graph_kind kind, char *msg);

/* out = the edges e of g with part[e] == which (part indexed like g->R.idx),
 * over the same id space; ids are borrowed from g. */
gr_status gr_graph_select(const gr_graph *g, const uint8_t *part, uint8_t which, gr_graph *out, char *msg);

/* Rebuilds Rt from R (after R changed). */
gr_status gr_graph_rebuild_transpose(gr_graph *g, char *msg);

void gr_graph_free(gr_graph *g);
void gr_csr_free(gr_csr *c);

static inline uint64_t gr_csr_degree(const gr_csr *c, uint32_t row) { return c->ptr[row + 1] - c->ptr[row]; }

/* 1 when (row, col) is an entry: binary search in the sorted row. */
static inline int gr_csr_has(const gr_csr *c, uint32_t row, uint32_t col)
{
    uint64_t lo = c->ptr[row], hi = c->ptr[row + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (c->idx[mid] < col) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->ptr[row + 1] && c->idx[lo] == col;
}

/* Users (rows of R) and items (rows of Rt) with at least one interaction. */
uint32_t gr_csr_nonempty_rows(const gr_csr *c);

/* Heap bytes held by the graph's arrays. */
size_t gr_graph_bytes(const gr_graph *g);

#endif
