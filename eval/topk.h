/* Top-K selection over one row of scores per user, with seen items masked.
 *
 * The ranking rule is the one every metric and every recommendation list
 * uses: higher score first, ties broken by the lower item index, masked
 * items never ranked (not merely pushed down, so a user with fewer than K
 * unmasked items gets a shorter list), NaN scores ranked after every number.
 *
 * Cost per user is O(n_items + K log K): a K-entry min-heap whose root is
 * the worst kept item, so almost every score costs one compare against a
 * threshold held in a register. */
#ifndef GR_TOPK_H
#define GR_TOPK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"

typedef struct {
    float score;
    uint32_t item;
} gr_topk_entry;

/* A sorted list of item indices to skip (one CSR row, or NULL/0). */
typedef struct {
    const uint32_t *idx;
    size_t n;
} gr_mask_row;

/* The mask row of `user` in c; empty when c is NULL or user is past its rows. */
gr_mask_row gr_mask_row_of(const gr_csr *c, uint32_t user);

/* No single item to skip (see gr_topk_row). */
#define GR_TOPK_NO_SKIP UINT32_MAX

/* Best k unmasked items of scores[0..n_items), best first, into out (k
 * entries of room).  heap is caller scratch of k entries.  Both mask rows
 * must be ascending; entries >= n_items are ignored.  skip is one more item
 * to leave out (the user itself on a follower graph) or GR_TOPK_NO_SKIP.
 * Returns the number of entries written: min(k, unmasked items). */
uint32_t gr_topk_row(const float *scores, uint32_t n_items, gr_mask_row m1, gr_mask_row m2, uint32_t skip,
                     uint32_t k, gr_topk_entry *heap, gr_topk_entry *out);

/* gr_topk_row for each of n users of a score block (row r is users[r]), in
 * parallel over users with per-thread scratch.  Masks are rows of mask1 and
 * mask2 (either may be NULL); with mask_self, item users[r] is skipped too
 * (users and items are one id space: follower graphs).  out holds n * k entries (row r at r * k);
 * out_n[r] is the length of row r's list.  n_threads <= 0 uses the OpenMP
 * default.  Fails only when scratch cannot be allocated. */
gr_status gr_topk_block(const float *scores, size_t n, uint32_t n_items, const uint32_t *users,
                        const gr_csr *mask1, const gr_csr *mask2, int mask_self, uint32_t k, int n_threads,
                        gr_topk_entry *out,
                        uint32_t *out_n, char *msg);

#endif
