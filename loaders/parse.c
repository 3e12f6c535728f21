#include "loaders/parse.h"

#include <math.h>

static const double pow10_table[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10,
                                     1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static double scale10(double v, int e)
{
    while (e > 22) {
        v *= 1e22;
        e -= 22;
    }
    while (e < -22) {
        v /= 1e22;
        e += 22;
    }
    return e >= 0 ? v * pow10_table[e] : v / pow10_table[-e];
}

gr_num_result gr_parse_double(const char *s, size_t len, double *out)
{
    if (len == 0) return GR_NUM_EMPTY;
    size_t i = 0;
    int neg = 0;
    if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
    uint64_t mant = 0;
    int exp10 = 0, digits = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (mant < 100000000000000000ULL) mant = mant * 10 + (uint64_t)(s[i] - '0');
        else exp10++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            if (mant < 100000000000000000ULL) {
                mant = mant * 10 + (uint64_t)(s[i] - '0');
                exp10--;
            }
        }
    }
    if (digits == 0) return GR_NUM_NOT_A_NUMBER;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0, e = 0, edigits = 0;
        if (i < len && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, edigits++)
            if (e < 10000) e = e * 10 + (s[i] - '0');
        if (edigits == 0) return GR_NUM_NOT_A_NUMBER;
        exp10 += eneg ? -e : e;
    }
    if (i != len) return GR_NUM_NOT_A_NUMBER;
    double v = scale10((double)mant, exp10);
    if (isinf(v)) return GR_NUM_OVERFLOW; /* "1e400": no infinite weights */
    *out = neg ? -v : v;
    return GR_NUM_OK;
}

gr_num_result gr_parse_time(const char *s, size_t len, int64_t *out)
{
    if (len == 0) return GR_NUM_EMPTY;
    size_t i = 0;
    int neg = 0;
    if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
    if (i == len) return GR_NUM_NOT_A_NUMBER;
    int64_t v = 0;
    size_t start = i;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (INT64_MAX - 9) / 10) return GR_NUM_OVERFLOW;
        v = v * 10 + (s[i] - '0');
    }
    if (i == start) return GR_NUM_NOT_A_NUMBER;
    if (i < len && s[i] == '.')
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        }
    if (i != len) return GR_NUM_NOT_A_NUMBER;
    *out = neg ? -v : v;
    return GR_NUM_OK;
}
