/* Human-readable numbers for messages and reports. */
#ifndef GR_FORMAT_H
#define GR_FORMAT_H

#include <stddef.h>
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
/* A token (an id, a field) as a message may quote it: at most 40 bytes
 * ("..." after a longer one), control bytes escaped as \xNN. */
#define GR_TOKEN_LEN 64
const char *gr_fmt_token(char buf[GR_TOKEN_LEN], const char *tok, size_t len);
/* 1536 -> "1.5 KiB" */
const char *gr_fmt_bytes(char buf[GR_FMT_LEN], double bytes);

#endif
