#include "graph/igraph_bridge.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Library init state (the one kind of global DESIGN.md allows): the reason
 * of igraph's pending error, written by the handler, consumed by
 * gr_igraph_status.  ig_specific says the reason came from igraph's message
 * rather than from the bare error code. */
static char ig_reason[GR_MSG_LEN];
static int ig_pending, ig_specific;
static pthread_once_t ig_once = PTHREAD_ONCE_INIT;

/* Called by igraph in place of aborting.  Freeing the cleanup stack here is
 * igraph's documented contract for custom handlers: the objects the failing
 * function registered with IGRAPH_FINALLY are released before it returns.
 *
 * One failure calls the handler once per level it unwinds through: the
 * innermost call has the telling reason ("Invalid vertex ID"), every
 * IGRAPH_CHECK above it re-raises the code with an empty reason.  So the first
 * specific reason wins and the later, empty ones do not overwrite it. */
static void ig_error_handler(const char *reason, const char *file, int line, igraph_error_t err)
{
    (void)file;
    (void)line;
    IGRAPH_FINALLY_FREE();
    const int specific = reason != NULL && *reason != '\0';
    if (ig_pending && (ig_specific || !specific)) return;
    const char *what = igraph_strerror(err);
    if (specific && strcmp(reason, what) != 0)
        snprintf(ig_reason, sizeof ig_reason, "%s (%s)", reason, what);
    else
        snprintf(ig_reason, sizeof ig_reason, "%s", what);
    ig_pending = 1;
    ig_specific = specific;
}

/* Warnings (e.g. about deprecated arguments) are not ours to print: library
 * code never writes to the terminal. */
static void ig_warning_handler(const char *reason, const char *file, int line)
{
    (void)reason;
    (void)file;
    (void)line;
}

static void ig_install(void)
{
    igraph_set_error_handler(ig_error_handler);
    igraph_set_warning_handler(ig_warning_handler);
}

void gr_igraph_init(void) { pthread_once(&ig_once, ig_install); }

const char *gr_igraph_last_reason(void) { return ig_pending ? ig_reason : ""; }

void gr_igraph_clear(void)
{
    ig_pending = 0;
    ig_specific = 0;
    ig_reason[0] = '\0';
}

gr_status gr_igraph_status(igraph_error_t err, const char *call, char *msg)
{
    /* "igraph_create(&ig, &edges, n, 0)" -> "igraph_create" */
    size_t name_len = strcspn(call, "( ");
    const char *reason = ig_pending ? ig_reason : igraph_strerror(err);
    gr_status code = err == IGRAPH_ENOMEM ? GR_ERR_NOMEM : GR_ERR_LIB;
    gr_fail(msg, code, "igraph: %.*s: %s", (int)name_len, call, reason);
    gr_igraph_clear();
    return code;
}

gr_status gr_igraph_from_graph(const gr_graph *g, igraph_t *out, char *msg)
{
    gr_status status = GR_OK;
    igraph_vector_int_t edges;
    int have_edges = 0;
    gr_igraph_init();
    gr_igraph_clear();

    /* igraph indices are signed 64-bit; 2 * nnz endpoints must fit. */
    if (g->R.nnz > (uint64_t)IGRAPH_INTEGER_MAX / 2)
        GR_FAIL(GR_ERR_NOMEM, "igraph: graph too large (%llu edges)", (unsigned long long)g->R.nnz);
    /* A follower graph is one set of accounts: follower u and account u are
     * the same vertex.  A bipartite graph numbers items after users. */
    const int one_mode = g->kind != GR_GRAPH_BIPARTITE;
    const igraph_integer_t item_base = one_mode ? 0 : (igraph_integer_t)g->n_users;
    const igraph_integer_t n_vertices = item_base + (igraph_integer_t)g->n_items;

    GR_IGRAPH_TRY(igraph_vector_int_init(&edges, (igraph_integer_t)(2 * g->R.nnz)));
    have_edges = 1;
    igraph_integer_t *e = VECTOR(edges);
    for (uint32_t u = 0; u < g->R.n_rows; u++) {
        for (uint64_t k = g->R.ptr[u]; k < g->R.ptr[u + 1]; k++) {
            *e++ = (igraph_integer_t)u;
            *e++ = item_base + (igraph_integer_t)g->R.idx[k];
        }
    }
    GR_IGRAPH_TRY(igraph_create(out, &edges, n_vertices, IGRAPH_UNDIRECTED));
    igraph_vector_int_destroy(&edges);
    return GR_OK;
fail:
    if (have_edges) igraph_vector_int_destroy(&edges);
    return status;
}
