/* Synthetic interaction data with planted communities and power-law degrees.
 *
 * The demo, the tests and the ingest benchmark need data of any size without a
 * download, and data a recommender can learn something from.  The model:
 *
 *   - users and items are each split into C communities (balanced, by a random
 *     permutation, so an id says nothing about its community or its degree);
 *   - activity and popularity follow Zipf-like weights w_k ∝ (k+1)^-a over a
 *     random ranking of the nodes, a = `exponent` (degree distribution ~ k^-(1+1/a));
 *   - each row draws a user by activity; with probability p_in the item comes
 *     from the user's own community, otherwise from one other community chosen
 *     uniformly; within a community items are drawn by popularity.
 *
 * So a model that learns the communities beats the popularity ranking by a wide
 * margin once p_in is well above 1/C.  Rows are drawn independently, so a pair
 * may repeat (mostly among the heaviest users and items); the graph builder
 * removes repeats.  Ratings (1..5) are higher inside the community (3..5) than
 * outside (1..3), so --min-rating 3 or 4 keeps mostly the planted signal.
 *
 * "follows" is a directed follower graph over one node set of n_users accounts:
 * the source is drawn by activity, the followed account by popularity (an
 * independent ranking) inside or outside the source's community, never itself.
 *
 * Output is a pure function of the options: the same seed gives the same rows
 * in every format (the adjacency list groups exactly the rows of the edge
 * list), and the first two columns do not change with --weights / --time. */
#ifndef GR_GENERATE_H
#define GR_GENERATE_H

#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "loaders/rows.h"

typedef enum {
    GR_GEN_INTERACTIONS, /* bipartite users x items */
    GR_GEN_FOLLOWS       /* directed: account follows account, no self loops */
} gr_gen_kind;

typedef enum {
    GR_GEN_EDGES,     /* "u<id>\ti<id>" (follows: "a<id>\ta<id>"), string ids */
    GR_GEN_EDGES_INT, /* "<id>\t<id>", integer ids */
    GR_GEN_ADJ        /* "user item item ...", integer ids, one line per active user */
} gr_gen_format;

typedef struct {
    gr_gen_kind kind;
    uint32_t n_users;       /* users, or accounts for follows */
    uint32_t n_items;       /* ignored for follows */
    uint64_t n_edges;       /* rows to emit */
    uint32_t n_communities; /* 1 .. min(users, items) */
    double exponent;        /* Zipf exponent a of activity and popularity, 0 .. 4 */
    double p_in;            /* probability a row stays inside the user's community */
    uint64_t seed;
    int with_weight;        /* emit a rating column (1..5) */
    int with_time;          /* emit a timestamp column (implies the rating column in text) */
    gr_progress *progress;  /* NULL: silent; used by gr_generate_write */
} gr_gen_opts;

/* Defaults: interactions, 2,000 users, 1,000 items, 60,000 rows, 10
 * communities, exponent 0.5, p_in 0.8, seed 42: trains in seconds. */
void gr_gen_opts_default(gr_gen_opts *o);

/* Checks the options; GR_ERR_ARG with a message naming the field when wrong. */
gr_status gr_gen_opts_check(const gr_gen_opts *o, char *msg);

/* Parses "interactions"/"follows" and "edges"/"edges-int"/"adj"; -1 when unknown. */
int gr_gen_kind_parse(const char *s, gr_gen_kind *k);
int gr_gen_format_parse(const char *s, gr_gen_format *f);

/* Fills out (initialized here; free with gr_rows_free) with n_edges rows of
 * integer ids.  out->n_users/n_items are the id space sizes (both n_users for
 * follows).  The weight/time columns are kept when asked for. */
gr_status gr_generate(const gr_gen_opts *o, gr_rows *out, char *msg);

/* The planted communities: user_comm[n_users] and, for interactions,
 * item_comm[n_items] (for follows the accounts' communities again, n_users
 * entries).  Either pointer may be NULL. */
gr_status gr_generate_communities(const gr_gen_opts *o, uint32_t *user_comm, uint32_t *item_comm,
                                  char *msg);

/* Streams the rows to path (atomic; gzip when it ends in ".gz"; "-" is stdout)
 * without holding them, except GR_GEN_ADJ, which groups rows by user in
 * memory (4 bytes per row).  Either way n_edges (user, item) pairs are
 * written; GR_GEN_ADJ refuses weights and times (the format has no room). */
gr_status gr_generate_write(const gr_gen_opts *o, const char *path, gr_gen_format fmt, char *msg);

#endif
