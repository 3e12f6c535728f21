#include "loaders/rows.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void gr_rows_init(gr_rows *r, int with_weight, int with_time)
{
    memset(r, 0, sizeof *r);
    r->with_weight = with_weight;
    r->with_time = with_time;
}

void gr_rows_drop_weight(gr_rows *r)
{
    free(r->weight);
    r->weight = NULL;
    r->with_weight = 0;
}

void gr_rows_drop_time(gr_rows *r)
{
    free(r->time);
    r->time = NULL;
    r->with_time = 0;
}

void gr_rows_free(gr_rows *r)
{
    free(r->user);
    free(r->item);
    free(r->weight);
    free(r->time);
    gr_rows_init(r, 0, 0);
}

static int resize(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, n * size);
    if (q == NULL) return -1;
    *p = q;
    return 0;
}

gr_status gr_rows_reserve(gr_rows *r, size_t extra, char *msg)
{
    size_t need = r->n + extra;
    if (need < r->n) return gr_fail(msg, GR_ERR_NOMEM, "too many rows");
    if (need <= r->cap) return GR_OK;
    size_t cap = r->cap < 1024 ? 1024 : r->cap + r->cap / 2;
    if (cap < need) cap = need;
    if (cap > SIZE_MAX / sizeof(int64_t)) return gr_fail(msg, GR_ERR_NOMEM, "too many rows");
    /* glibc serves large blocks with mmap and grows them with mremap, so the
     * geometric growth costs neither copies nor resident memory for slack. */
    if (resize((void **)&r->user, cap, sizeof *r->user) != 0 || resize((void **)&r->item, cap, sizeof *r->item) != 0 ||
        (r->with_weight && resize((void **)&r->weight, cap, sizeof *r->weight) != 0) ||
        (r->with_time && resize((void **)&r->time, cap, sizeof *r->time) != 0))
        return gr_fail(msg, GR_ERR_NOMEM, "out of memory storing %zu rows", need);
    r->cap = cap;
    return GR_OK;
}

gr_status gr_rows_push(gr_rows *r, uint32_t user, uint32_t item, float weight, int64_t time, char *msg)
{
    if (r->n == r->cap) {
        gr_status s = gr_rows_reserve(r, 1, msg);
        if (s != GR_OK) return s;
    }
    r->user[r->n] = user;
    r->item[r->n] = item;
    if (r->weight) r->weight[r->n] = weight;
    if (r->time) r->time[r->n] = time;
    r->n++;
    if (user >= r->n_users) r->n_users = user + 1;
    if (item >= r->n_items) r->n_items = item + 1;
    return GR_OK;
}

void gr_rows_shrink(gr_rows *r)
{
    if (r->n == r->cap || r->n == 0) return;
    /* A failed shrink leaves that array as it was, still holding >= n rows, so
     * cap = n is right whatever happens. */
    resize((void **)&r->user, r->n, sizeof *r->user);
    resize((void **)&r->item, r->n, sizeof *r->item);
    if (r->weight) resize((void **)&r->weight, r->n, sizeof *r->weight);
    if (r->time) resize((void **)&r->time, r->n, sizeof *r->time);
    r->cap = r->n;
}
