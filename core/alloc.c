#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *gr_alloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    return malloc(bytes ? bytes : 1);
}

void *gr_zalloc(size_t n, size_t size)
{
    if (n == 0 || size == 0) return calloc(1, 1);
    return calloc(n, size);
}

int gr_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t new_cap = *cap < 16 ? 16 : *cap + *cap / 2;
    if (new_cap < *cap || new_cap < need) new_cap = need; /* also catches wrap-around */
    if (size != 0 && new_cap > SIZE_MAX / size) return -1;
    void *q = realloc(*p, new_cap * size);
    if (q == NULL) return -1;
    *p = q;
    *cap = new_cap;
    return 0;
}

void gr_shrink(void **p, size_t *cap, size_t n, size_t size)
{
    if (*p == NULL || n >= *cap) return;
    void *q = realloc(*p, (n ? n : 1) * size);
    if (q == NULL) return;
    *p = q;
    *cap = n;
}

void *gr_alloc_huge(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    if (bytes < 2 * HUGE_PAGE) return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0) return NULL;
    madvise(p, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint: failure is harmless */
    return p;
}

void *gr_zalloc_huge(size_t n, size_t size)
{
    void *p = gr_alloc_huge(n, size);
    if (p != NULL) memset(p, 0, n * size);
    return p;
}
