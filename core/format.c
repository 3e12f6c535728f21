#include "core/format.h"

#include <stdio.h>
#include <string.h>

const char *gr_fmt_count(char buf[GR_FMT_LEN], uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    int out = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) buf[out++] = ',';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
    return buf;
}

const char *gr_fmt_bytes(char buf[GR_FMT_LEN], double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, GR_FMT_LEN, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

const char *gr_fmt_token(char buf[GR_TOKEN_LEN], const char *tok, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o < 40; i++) {
        unsigned char ch = (unsigned char)tok[i];
        if (ch < 32 || ch == 127) o += (size_t)snprintf(buf + o, GR_TOKEN_LEN - o, "\\x%02x", ch);
        else buf[o++] = (char)ch;
    }
    if (len > 40 && o < 60) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}
