/* GraphBLAS setup and error mapping.
 *
 * GraphBLAS is initialized once per process (GrB_init(GrB_NONBLOCKING)); every
 * sparse/ entry point that needs it calls gr_grb_init() first, so callers only
 * call it themselves to choose the thread count.  GraphBLAS runs its own
 * OpenMP regions: never call it from inside one of ours (nested regions would
 * either oversubscribe or serialize it).
 *
 * GR_GRB_TRY(call) turns a failing GrB_Info into GR_ERR_LIB with the message
 * "GraphBLAS: <the call's text>: <info name>", for functions that follow the
 * `gr_status status; ... fail:` convention of core/error.h. */
#ifndef GR_GRB_H
#define GR_GRB_H

#include <GraphBLAS.h>

#include "core/error.h"

/* Initializes GraphBLAS on the first call (later calls only set the threads).
 * threads > 0 sets GxB_NTHREADS; threads <= 0 keeps the current setting
 * (GraphBLAS's default: all cores).  Thread-safe. */
gr_status gr_grb_init(int threads, char *msg);

/* Sets GxB_NTHREADS (threads > 0); initializes GraphBLAS when needed. */
gr_status gr_grb_set_threads(int threads, char *msg);

/* "GrB_DIMENSION_MISMATCH", ... ("GrB_Info <n>" for an unknown code). */
const char *gr_grb_info_name(GrB_Info info);

/* Fills msg with "GraphBLAS: what: <info name>[: detail]" and returns
 * GR_ERR_LIB.  detail may be NULL or empty. */
gr_status gr_grb_fail(char *msg, GrB_Info info, const char *what, const char *detail);

/* Anything but GrB_SUCCESS fails (GrB_NO_VALUE included: call functions that
 * may legitimately return it, such as extractElement, directly). */
#define GR_GRB_TRY(call)                                                  \
    do {                                                                  \
        GrB_Info gr_grb_info_ = (call);                                   \
        if (gr_grb_info_ != GrB_SUCCESS) {                                \
            status = gr_grb_fail(msg, gr_grb_info_, #call, NULL);         \
            goto fail;                                                    \
        }                                                                 \
    } while (0)

/* The same, adding GrB_error()'s detail about obj (a GrB_Matrix, GrB_Vector,
 * ...), which names e.g. the mismatched dimensions. */
#define GR_GRB_TRY_ON(obj, call)                                          \
    do {                                                                  \
        GrB_Info gr_grb_info_ = (call);                                   \
        if (gr_grb_info_ != GrB_SUCCESS) {                                \
            const char *gr_grb_detail_ = NULL;                            \
            if ((obj) != NULL) GrB_error(&gr_grb_detail_, (obj));         \
            status = gr_grb_fail(msg, gr_grb_info_, #call, gr_grb_detail_); \
            goto fail;                                                    \
        }                                                                 \
    } while (0)

#endif
