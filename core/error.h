/* Status codes and the error-message convention shared by every module.
 *
 * Library code never prints and never exits: a function returns a gr_status and,
 * on failure, fills the caller's message buffer (GR_MSG_LEN bytes) with one line a
 * person understands, usually "file:line: what is wrong".  Only cli/ prints.
 *
 * Each function has one error path: declare `gr_status status = GR_OK;`, use
 * GR_TRY / GR_FAIL, and free everything after a `fail:` label. */
#ifndef GR_ERROR_H
#define GR_ERROR_H

#include <stddef.h>

#define GR_MSG_LEN 512

typedef enum {
    GR_OK = 0,
    GR_EOF,        /* end of a stream; not an error */
    GR_ERR_INPUT,  /* malformed input data */
    GR_ERR_ARG,    /* bad option or argument */
    GR_ERR_IO,     /* open/read/write/rename failed */
    GR_ERR_NOMEM,  /* allocation failed or would overflow */
    GR_ERR_LIB     /* a third-party library reported an error */
} gr_status;

/* Writes the formatted message into msg (may be NULL) and returns code. */
gr_status gr_fail(char *msg, gr_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message: "prefix: old message". */
void gr_msg_prefix(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short name of a status, for diagnostics ("bad input", "out of memory", ...). */
const char *gr_status_name(gr_status s);

#define GR_TRY(expr)                          \
    do {                                      \
        status = (expr);                      \
        if (status != GR_OK) goto fail;       \
    } while (0)

#define GR_FAIL(code, ...)                            \
    do {                                              \
        status = gr_fail(msg, (code), __VA_ARGS__);   \
        goto fail;                                    \
    } while (0)

/* Fails with GR_ERR_NOMEM when p is NULL. */
#define GR_CHECK_ALLOC(p, what)                                            \
    do {                                                                   \
        if ((p) == NULL) GR_FAIL(GR_ERR_NOMEM, "out of memory allocating %s", (what)); \
    } while (0)

#endif
