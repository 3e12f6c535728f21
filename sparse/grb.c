#include "sparse/grb.h"

#include <pthread.h>

/* The library's only global state: whether GrB_init has run.  GrB_init may be
 * called once per process (a second call fails), hence the lock. */
static pthread_mutex_t grb_lock = PTHREAD_MUTEX_INITIALIZER;
static int grb_ready = 0;

const char *gr_grb_info_name(GrB_Info info)
{
    switch (info) {
    case GrB_SUCCESS: return "GrB_SUCCESS";
    case GrB_NO_VALUE: return "GrB_NO_VALUE";
    case GxB_EXHAUSTED: return "GxB_EXHAUSTED";
    case GrB_UNINITIALIZED_OBJECT: return "GrB_UNINITIALIZED_OBJECT";
    case GrB_NULL_POINTER: return "GrB_NULL_POINTER";
    case GrB_INVALID_VALUE: return "GrB_INVALID_VALUE";
    case GrB_INVALID_INDEX: return "GrB_INVALID_INDEX";
    case GrB_DOMAIN_MISMATCH: return "GrB_DOMAIN_MISMATCH";
    case GrB_DIMENSION_MISMATCH: return "GrB_DIMENSION_MISMATCH";
    case GrB_OUTPUT_NOT_EMPTY: return "GrB_OUTPUT_NOT_EMPTY";
    case GrB_NOT_IMPLEMENTED: return "GrB_NOT_IMPLEMENTED";
    case GrB_PANIC: return "GrB_PANIC";
    case GrB_OUT_OF_MEMORY: return "GrB_OUT_OF_MEMORY";
    case GrB_INSUFFICIENT_SPACE: return "GrB_INSUFFICIENT_SPACE";
    case GrB_INVALID_OBJECT: return "GrB_INVALID_OBJECT";
    case GrB_INDEX_OUT_OF_BOUNDS: return "GrB_INDEX_OUT_OF_BOUNDS";
    case GrB_EMPTY_OBJECT: return "GrB_EMPTY_OBJECT";
    }
    return "unknown GrB_Info";
}

gr_status gr_grb_fail(char *msg, GrB_Info info, const char *what, const char *detail)
{
    /* Out of memory keeps its own status so callers can report it as such. */
    gr_status code = info == GrB_OUT_OF_MEMORY ? GR_ERR_NOMEM : GR_ERR_LIB;
    if (detail != NULL && detail[0] != '\0')
        return gr_fail(msg, code, "GraphBLAS: %s: %s (%d): %s", what, gr_grb_info_name(info), (int)info, detail);
    return gr_fail(msg, code, "GraphBLAS: %s: %s (%d)", what, gr_grb_info_name(info), (int)info);
}

static gr_status set_threads(int threads, char *msg)
{
    gr_status status = GR_OK;
    if (threads > 0) GR_GRB_TRY(GxB_Global_Option_set(GxB_NTHREADS, threads));
fail:
    return status;
}

gr_status gr_grb_init(int threads, char *msg)
{
    gr_status status = GR_OK;
    pthread_mutex_lock(&grb_lock);
    if (!grb_ready) {
        GR_GRB_TRY(GrB_init(GrB_NONBLOCKING));
        grb_ready = 1;
    }
    GR_TRY(set_threads(threads, msg));
fail:
    pthread_mutex_unlock(&grb_lock);
    return status;
}

gr_status gr_grb_set_threads(int threads, char *msg)
{
    if (threads <= 0) return gr_fail(msg, GR_ERR_ARG, "GraphBLAS threads must be positive, got %d", threads);
    return gr_grb_init(threads, msg);
}
