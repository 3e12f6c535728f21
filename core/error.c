#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

gr_status gr_fail(char *msg, gr_status code, const char *fmt, ...)
{
    if (msg != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, GR_MSG_LEN, fmt, ap);
        va_end(ap);
    }
    return code;
}

void gr_msg_prefix(char *msg, const char *fmt, ...)
{
    if (msg == NULL) return;
    char old[GR_MSG_LEN];
    char prefix[GR_MSG_LEN];
    memcpy(old, msg, GR_MSG_LEN);
    old[GR_MSG_LEN - 1] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(msg, GR_MSG_LEN, "%s: %s", prefix, old);
}

const char *gr_status_name(gr_status s)
{
    switch (s) {
    case GR_OK: return "ok";
    case GR_EOF: return "end of input";
    case GR_ERR_INPUT: return "bad input";
    case GR_ERR_ARG: return "bad argument";
    case GR_ERR_IO: return "i/o error";
    case GR_ERR_NOMEM: return "out of memory";
    case GR_ERR_LIB: return "library error";
    }
    return "unknown error";
}
