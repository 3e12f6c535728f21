/* The one door to igraph: error handling set up once, error codes turned into
 * our gr_status, and our bipartite graph copied into an igraph_t.
 *
 * igraph's default error handler aborts the process, which a library must
 * never do, so gr_igraph_init() swaps it for one that unwinds igraph's own
 * cleanup stack (IGRAPH_FINALLY_FREE) and remembers the reason; the failing
 * call then returns its error code and GR_IGRAPH_TRY turns it into
 * GR_ERR_LIB "igraph: <call>: <reason>".
 *
 * Debian builds igraph without thread-local state (IGRAPH_THREAD_SAFE 0): its
 * error handler, cleanup stack and our saved reason are process-wide, so call
 * igraph from one thread at a time and never inside an OpenMP region. */
#ifndef GR_IGRAPH_BRIDGE_H
#define GR_IGRAPH_BRIDGE_H

#include <igraph/igraph.h>

#include "core/error.h"
#include "graph/graph.h"

/* Installs the error and warning handlers; safe to call any number of times. */
void gr_igraph_init(void);

/* The reason igraph gave for its pending error ("" when none). */
const char *gr_igraph_last_reason(void);
/* Forgets a pending error; call before a sequence of igraph calls so a reason
 * left over from an unrelated failure cannot be reported. */
void gr_igraph_clear(void);

/* Maps an igraph error code to GR_ERR_LIB (GR_ERR_NOMEM for IGRAPH_ENOMEM) and
 * fills msg with "igraph: <call>: <reason>".  `call` may be the stringified
 * call expression: only the function name (up to the first '(') is kept. */
gr_status gr_igraph_status(igraph_error_t err, const char *call, char *msg);

/* Evaluates an igraph call; on failure sets `status`, fills `msg` and jumps to
 * the function's `fail:` label, like GR_TRY. */
#define GR_IGRAPH_TRY(call)                                        \
    do {                                                           \
        igraph_error_t gr_ig_err_ = (call);                        \
        if (gr_ig_err_ != IGRAPH_SUCCESS) {                        \
            status = gr_igraph_status(gr_ig_err_, #call, msg);     \
            goto fail;                                             \
        }                                                          \
    } while (0)

/* Builds the undirected graph of g: users are vertices 0..n_users-1, items are
 * n_users..n_users+n_items-1, one edge per entry of R.  Ids with no
 * interactions become isolated vertices.  *out must be destroyed with
 * igraph_destroy() after success; on failure nothing is left to free. */
gr_status gr_igraph_from_graph(const gr_graph *g, igraph_t *out, char *msg);

#endif
