/* Human-readable numbers for messages and reports. */
#ifndef GR_FORMAT_H
#define GR_FORMAT_H

#include <stdint.h>

#define GR_FMT_LEN 32

/* Writes the decimal digits of v at p (at most 20 bytes, no NUL) and returns
 * the end: the fast path of the large text writers. */
static inline char *gr_put_decimal(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) *p++ = tmp[--n];
    return p;
}

/* 1027370 -> "1,027,370" */
const char *gr_fmt_count(char buf[GR_FMT_LEN], uint64_t n);
/* 1536 -> "1.5 KiB" */
const char *gr_fmt_bytes(char buf[GR_FMT_LEN], double bytes);

#endif
