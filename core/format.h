/* Human-readable numbers for messages and reports. */
#ifndef GR_FORMAT_H
#define GR_FORMAT_H

#include <stdint.h>

#define GR_FMT_LEN 32

/* 1027370 -> "1,027,370" */
const char *gr_fmt_count(char buf[GR_FMT_LEN], uint64_t n);
/* 1536 -> "1.5 KiB" */
const char *gr_fmt_bytes(char buf[GR_FMT_LEN], double bytes);

#endif
