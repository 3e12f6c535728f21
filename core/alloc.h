/* Overflow-checked allocation helpers.  Every size that reaches malloc goes
 * through a multiplication check, so a hostile count cannot wrap around. */
#ifndef GR_ALLOC_H
#define GR_ALLOC_H

#include <stddef.h>

/* malloc(n * size), NULL on overflow or failure.  n == 0 returns a valid pointer. */
void *gr_alloc(size_t n, size_t size);
/* calloc(n, size), NULL on overflow or failure. */
void *gr_zalloc(size_t n, size_t size);

/* For large arrays read or written at random (hash tables, counting-sort
 * scatter): 2 MiB aligned and marked for transparent huge pages, which cuts
 * TLB misses.  Small requests fall back to malloc.  Free with free(). */
void *gr_alloc_huge(size_t n, size_t size);
void *gr_zalloc_huge(size_t n, size_t size);

/* Ensures *p holds at least `need` elements of `size` bytes, growing the
 * capacity geometrically (x1.5, at least need).  Returns 0 on success, -1 on
 * overflow or allocation failure (then *p and *cap are unchanged). */
int gr_grow(void **p, size_t *cap, size_t need, size_t size);

/* Shrinks an array to exactly n elements (keeps it when realloc fails). */
void gr_shrink(void **p, size_t *cap, size_t n, size_t size);

#endif
