/* Field scanning and number parsing for the loaders: hand-written, no
 * allocation, no locale, and each failure tells which kind of bad value it was. */
#ifndef GR_PARSE_H
#define GR_PARSE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    GR_NUM_OK,
    GR_NUM_EMPTY,
    GR_NUM_NOT_A_NUMBER,
    GR_NUM_NEGATIVE,
    GR_NUM_OVERFLOW
} gr_num_result;

/* Largest id we accept: the id space size (id + 1) must fit in 32 bits. */
#define GR_MAX_ID (UINT32_MAX - 1)

static inline int gr_is_blank(char c) { return c == ' ' || c == '\t'; }

/* A token [s, s+len) as an unsigned 32-bit id. */
static inline gr_num_result gr_parse_id(const char *s, size_t len, uint32_t *out)
{
    if (len == 0) return GR_NUM_EMPTY;
    if (s[0] == '-') {
        for (size_t i = 1; i < len; i++)
            if (s[i] < '0' || s[i] > '9') return GR_NUM_NOT_A_NUMBER;
        return len > 1 ? GR_NUM_NEGATIVE : GR_NUM_NOT_A_NUMBER;
    }
    size_t i = s[0] == '+' ? 1 : 0;
    if (i == len) return GR_NUM_NOT_A_NUMBER;
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return GR_NUM_NOT_A_NUMBER;
        v = v * 10 + d;
        if (v > GR_MAX_ID) {
            for (i++; i < len; i++)
                if ((unsigned)(unsigned char)s[i] - '0' > 9) return GR_NUM_NOT_A_NUMBER;
            return GR_NUM_OVERFLOW;
        }
    }
    *out = (uint32_t)v;
    return GR_NUM_OK;
}

/* A decimal number with optional sign, fraction and exponent ("4", "3.5",
 * "3.2466e+05").  Enough precision for ratings and weights; GR_NUM_OVERFLOW
 * beyond the range of a double ("1e400"). */
gr_num_result gr_parse_double(const char *s, size_t len, double *out);

/* A signed integer timestamp; a fractional part is accepted and dropped. */
gr_num_result gr_parse_time(const char *s, size_t len, int64_t *out);

/* Splits the next field off [*p, end).  sep is '\t', ',', ' ' (any run of
 * blanks) or ':' ("::").  Surrounding blanks are trimmed, so "a, b" works.
 * Returns 0 when no field is left; *p becomes NULL after the last field of an
 * exact separator, so "a\t" has an empty second field but "a" has none. */
static inline int gr_next_field(const char **p, const char *end, char sep, const char **tok, size_t *len)
{
    const char *s = *p;
    if (s == NULL) return 0;
    if (sep == ' ') {
        while (s < end && gr_is_blank(*s)) s++;
        if (s == end) return 0;
        const char *t = s;
        while (t < end && !gr_is_blank(*t)) t++;
        *tok = s;
        *len = (size_t)(t - s);
        *p = t;
        return 1;
    }
    /* Not past a tab when tabs separate: "a\t\tb" has an empty middle field. */
    while (s < end && gr_is_blank(*s) && *s != sep) s++;
    const char *t = s;
    const char *next;
    if (sep == ':') {
        while (t < end && !(t[0] == ':' && t + 1 < end && t[1] == ':')) t++;
        next = t < end ? t + 2 : NULL;
    } else {
        while (t < end && *t != sep) t++;
        next = t < end ? t + 1 : NULL;
    }
    const char *e = t;
    while (e > s && gr_is_blank(e[-1])) e--;
    *tok = s;
    *len = (size_t)(e - s);
    *p = next;
    return 1;
}

#endif
