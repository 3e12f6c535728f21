/* Interactions as loaded: parallel arrays, one entry per input row, in input
 * order, possibly with duplicates.  graph/ turns them into CSR. */
#ifndef GR_ROWS_H
#define GR_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    uint32_t *user;  /* source: user, or follower */
    uint32_t *item;  /* target: item, or followed account */
    float *weight;   /* rating / weight column; NULL unless kept */
    int64_t *time;   /* timestamp column; NULL unless kept */
    size_t n, cap;
    uint32_t n_users, n_items; /* id space sizes: largest dense id + 1 */
    int with_weight, with_time; /* which optional columns are kept */
} gr_rows;

void gr_rows_init(gr_rows *r, int with_weight, int with_time);
/* Stops keeping a column (frees it). */
void gr_rows_drop_weight(gr_rows *r);
void gr_rows_drop_time(gr_rows *r);
void gr_rows_free(gr_rows *r);
/* Reserves room for `extra` more rows. */
gr_status gr_rows_reserve(gr_rows *r, size_t extra, char *msg);
/* Appends one row (weight/time ignored when the column is not kept). */
gr_status gr_rows_push(gr_rows *r, uint32_t user, uint32_t item, float weight, int64_t time, char *msg);
/* Releases unused capacity. */
void gr_rows_shrink(gr_rows *r);

#endif
