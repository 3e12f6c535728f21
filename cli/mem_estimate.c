/* Memory estimates (cli/mem_estimate.h): measured residency plus the byte
 * counts the modules expose for the arrays they are about to allocate. */
#include "cli/mem_estimate.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/format.h"
#include "eval/evaluate.h"
#include "eval/rank.h"
#include "gnn/lightgcn.h"
#include "gnn/ppr.h"
#include "gnn/sampler.h"
#include "gnn/social_adj.h"
#include "gnn/train.h"
#include "loaders/idmap.h"
#include "sparse/adjacency.h"

#define MIB (1024.0 * 1024.0)

/* Resident set size now; 0 where /proc is missing (the estimate then
 * counts only what is to come). */
static size_t resident_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, rss = 0;
    if (f == NULL) return 0;
    int ok = fscanf(f, "%llu %llu", &size, &rss) == 2;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return ok && page > 0 ? (size_t)rss * (size_t)page : 0;
}

static size_t peak_now(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (size_t)ru.ru_maxrss * 1024; /* KiB on Linux */
}

void gr_mem_estimate_init(gr_mem_estimate *e)
{
    memset(e, 0, sizeof *e);
    e->resident = resident_now();
    e->peak_so_far = peak_now();
}

void gr_mem_add_phase(gr_mem_estimate *e, const char *name, size_t bytes, gr_mem_phase phase)
{
    if (bytes == 0) return;
    if (e->n == GR_MEM_MAX_PARTS) {
        e->part[e->n - 1].bytes += bytes;
        return;
    }
    e->part[e->n].name = name;
    e->part[e->n].bytes = bytes;
    e->part[e->n].phase = phase;
    e->n++;
}

void gr_mem_add(gr_mem_estimate *e, const char *name, size_t bytes) { gr_mem_add_phase(e, name, bytes, GR_MEM_THROUGHOUT); }

/* The parts held throughout plus the larger of the two phases. */
static size_t parts_sum(const gr_mem_estimate *e)
{
    size_t s[3] = {0, 0, 0};
    for (int i = 0; i < e->n; i++) s[e->part[i].phase] += e->part[i].bytes;
    return s[GR_MEM_THROUGHOUT] + (s[GR_MEM_FITTING] > s[GR_MEM_AFTER_FITTING] ? s[GR_MEM_FITTING] : s[GR_MEM_AFTER_FITTING]);
}

size_t gr_mem_total(const gr_mem_estimate *e)
{
    size_t t = e->resident + parts_sum(e);
    return t > e->peak_so_far ? t : e->peak_so_far;
}

static size_t graph_data(const gr_run_data *d)
{
    size_t b = gr_graph_bytes(&d->train);
    if (d->has_valid) b += gr_graph_bytes(&d->valid);
    if (d->has_test) b += gr_graph_bytes(&d->test);
    if (d->has_social) b += ((size_t)d->social.n_rows + 1) * sizeof(uint64_t) + (size_t)d->social.nnz * sizeof(uint32_t);
    if (d->ds.user_ids) b += gr_idmap_bytes(d->ds.user_ids);
    if (d->ds.item_ids && d->ds.item_ids != d->ds.user_ids) b += gr_idmap_bytes(d->ds.item_ids);
    return b;
}

size_t gr_mem_scorer_bytes(const gr_config *c, const gr_graph *g)
{
    const size_t t = (size_t)omp_get_max_threads(), nu = g->n_users, ni = g->n_items, nnz = g->R.nnz;
    switch (c->model) {
    case GR_MODEL_PPR: {
        /* gnn/ppr.c: the walk's CSR (both directions) and out-weights, and
         * two node x block iterates */
        const size_t n = c->graph == GR_GRAPH_BIPARTITE ? nu + ni : ni;
        return (n + 1) * (sizeof(uint64_t) + sizeof(double)) + 2 * nnz * (sizeof(uint32_t) + sizeof(float)) +
               2 * n * GR_PPR_DEFAULT_BLOCK * sizeof(float);
    }
    case GR_MODEL_COMMON_NEIGHBORS:
    case GR_MODEL_ADAMIC_ADAR:
    case GR_MODEL_JACCARD: {
        /* gnn/neighbors.c: per-thread accumulators and lists over the
         * columns, and (jaccard on a user-item graph) the item-item matrix,
         * at most the sum of squared user degrees */
        size_t b = t * (nu + ni) * 2 * sizeof(uint32_t) + (nu + ni) * (sizeof(uint64_t) + sizeof(float));
        if (c->model == GR_MODEL_JACCARD && c->graph == GR_GRAPH_BIPARTITE) {
            size_t pairs = 0;
            for (uint32_t u = 0; u < g->n_users; u++) {
                size_t deg = gr_csr_degree(&g->R, u);
                pairs += deg * deg;
            }
            b += pairs * (sizeof(uint32_t) + sizeof(float)) + t * ni * 2 * sizeof(uint32_t);
        }
        return b;
    }
    case GR_MODEL_GFCF:
        /* gnn/gfcf_linear.c: scales, and per thread co-counts, seen bits,
         * item accumulators and lists */
        return (nu + ni) * sizeof(float) + t * (2 * nu * sizeof(uint32_t) + ni * sizeof(float) + (ni + 7) / 8);
    default: return 0; /* dot products of the embeddings: nothing beyond the ranking */
    }
}

static size_t thread_runtime(void) { return (size_t)omp_get_max_threads() * GR_MEM_THREAD_BYTES; }

/* Users with rows in r (those evaluation ranks). */
static size_t eval_users(const gr_graph *g) { return gr_csr_nonempty_rows(&g->R); }

/* gr_evaluate's allocations besides the blocked ranking: its user list, a
 * ranked list and the per-item rank index (eval/evaluate.c). */
static size_t evaluate_list_bytes(uint32_t k, uint32_t n_items, size_t n)
{
    return n * sizeof(uint32_t) + (size_t)(k < n_items ? k : n_items) * sizeof(uint32_t) +
           (size_t)n_items * sizeof(uint32_t);
}

/* gr_mem_fit_rank with the ranking in `phase`: what the rest leaves is the
 * limit less what is held alongside it (throughout, plus the parts of its
 * phase when it is one of the two that never overlap). */
static gr_status fit_rank_phase(gr_mem_estimate *e, size_t limit, size_t *budget, uint32_t n_items, uint32_t k, size_t n,
                                int candidates, gr_mem_phase phase, char *msg)
{
    if (limit > 0) {
        size_t held = e->resident;
        for (int i = 0; i < e->n; i++)
            if (phase == GR_MEM_THROUGHOUT || e->part[i].phase == GR_MEM_THROUGHOUT || e->part[i].phase == phase)
                held += e->part[i].bytes;
        if (phase == GR_MEM_THROUGHOUT) held = gr_mem_total(e);
        /* the largest block of whole users that fits what the rest leaves:
         * one user's block, and the rest of the ranking's fixed part, as
         * gr_rank_bytes counts them */
        const size_t one_user = (size_t)n_items * sizeof(float);
        const size_t per_user = gr_rank_bytes(one_user, n_items, k, 1, 0);
        const size_t fixed = held + gr_rank_bytes(one_user, n_items, k, 1, candidates) - per_user;
        const size_t fit = fixed < limit ? (limit - fixed) / per_user : 0;
        const size_t users = fit > 0 ? fit : 1; /* one user at least: gr_mem_check refuses then */
        if (gr_rank_block_users(*budget, n_items, n) > users) *budget = users * n_items * sizeof(float);
    }
    gr_mem_add_phase(e, "ranking (score block, top-k)", gr_rank_bytes(*budget, n_items, k, n, candidates), phase);
    return gr_mem_check(e, limit, msg);
}

gr_status gr_mem_fit_rank(gr_mem_estimate *e, size_t limit, size_t *budget, uint32_t n_items, uint32_t k, size_t n,
                          int candidates, char *msg)
{
    return fit_rank_phase(e, limit, budget, n_items, k, n, candidates, GR_MEM_THROUGHOUT, msg);
}

gr_status gr_mem_estimate_train(gr_mem_estimate *e, const gr_config *c, const gr_run_data *d, size_t limit,
                                size_t *budget, char *msg)
{
    const gr_graph *g = &d->train;
    const size_t n = (size_t)g->n_users + g->n_items, dim = c->dim;
    const int by_gradient = c->model == GR_MODEL_LIGHTGCN || c->model == GR_MODEL_MF;
    const int evaluating = d->has_valid || d->has_test;
    e->data = graph_data(d);
    /* cli/train_run.c: the model's ego and final embeddings, every node */
    gr_mem_add(e, "embeddings (ego, final)", 2 * n * dim * sizeof(float));
    if (by_gradient) {
        /* gnn/train.c's trainer, over its parameter rows (users alone when tied) */
        const size_t rows = gr_train_param_rows(c, g->n_users, g->n_items), params = rows * dim;
        if (c->layers > 0) {
            const int unipartite = c->view == GR_VIEW_UNIPARTITE;
            const int social = !unipartite && d->has_social && gr_config_uses_social(c);
            /* bipartite: R and Rᵀ blocks plus the social block; the
             * symmetrized follow graph has at most twice the follows */
            gr_mem_add(e, "normalized adjacency", gr_norm_adj_bytes((uint32_t)(unipartite ? g->n_users : n),
                                                                     2 * g->R.nnz + (social ? d->social.nnz : 0)));
        }
        gr_mem_add(e, "propagation buffers", gr_lightgcn_bytes((uint32_t)rows, c->dim, c->layers));
        gr_mem_add(e, "gradient and batch rows", params * sizeof(float) + rows * (1 + sizeof(uint32_t)));
        if (c->optimizer == GR_OPT_ADAM) gr_mem_add(e, "Adam moments", 2 * params * sizeof(float));
        if (c->optimizer == GR_OPT_ADAGRAD) gr_mem_add(e, "AdaGrad accumulators", params * sizeof(float));
        /* gnn/mf_sgd.c: slots, and at most a copy of the rows and their gradients */
        if (c->optimizer != GR_OPT_ADAM && c->layers == 0)
            gr_mem_add(e, c->optimizer == GR_OPT_SGD ? "SGD row state" : "AdaGrad row state", rows * sizeof(uint32_t) + 2 * params * sizeof(float));
        gr_mem_add(e, "negative sampler", gr_sampler_bytes(g, c->neg));
        if (c->neg_sampler == GR_NEG_DNS) /* gnn/train.c: a batch's candidates and picks */
            gr_mem_add(e, "DNS candidates", (size_t)c->batch * c->neg * (c->dns_candidates + 1) * sizeof(uint32_t));
        if (evaluating && c->keep == GR_KEEP_BEST) gr_mem_add(e, "best embeddings", params * sizeof(float));
    } else if (c->model == GR_MODEL_IALS && evaluating && c->keep == GR_KEEP_BEST) {
        gr_mem_add(e, "best embeddings", n * dim * sizeof(float));
    }
    if (c->model == GR_MODEL_IALS) {
        /* gnn/ials.c: per-thread gather scratch and Gramians */
        const size_t t = (size_t)omp_get_max_threads();
        gr_mem_add(e, "iALS solver", (t * (64 * (dim + 1) + 3 * dim + 2 * dim * dim) + 3 * dim * dim) * sizeof(float));
    }
    /* GF-CF evaluates only once its factorization is freed */
    const gr_mem_phase after = c->model == GR_MODEL_GFCF ? GR_MEM_AFTER_FITTING : GR_MEM_THROUGHOUT;
    if (c->model == GR_MODEL_GFCF) {
        /* gnn/gfcf.c and sparse/rsvd.c, with l = rank + oversample columns:
         * R~'s Â, its staging block (every node x l), the sketch Q (items x
         * l), Z and its QR copy (users x l each) */
        const size_t small = g->n_users < g->n_items ? g->n_users : g->n_items;
        const size_t l = dim + c->oversample < small ? dim + c->oversample : small;
        gr_mem_add_phase(e, "GF-CF R~ and sketch", gr_norm_adj_bytes((uint32_t)n, 2 * g->R.nnz) + n * sizeof(uint32_t) +
                             (n + g->n_items + 2 * (size_t)g->n_users + 2 * l) * l * sizeof(float),
                         GR_MEM_FITTING);
    }
    gr_mem_add(e, "thread runtime (stacks, BLAS buffers)", thread_runtime());
    if (!evaluating) return gr_mem_check(e, limit, msg);
    size_t users = 0;
    if (d->has_valid) users = eval_users(&d->valid);
    if (d->has_test && eval_users(&d->test) > users) users = eval_users(&d->test);
    const uint32_t k = c->n_topk ? c->topk[c->n_topk - 1] : 20;
    gr_mem_add_phase(e, "scorer", gr_mem_scorer_bytes(c, g), after);
    gr_mem_add_phase(e, "evaluation lists", evaluate_list_bytes(k, g->n_items, users), after);
    /* the score block shrinks to what the rest leaves */
    return fit_rank_phase(e, limit, budget, g->n_items, k, users, 0, after, msg);
}

gr_status gr_mem_estimate_eval(gr_mem_estimate *e, const gr_config *c, const gr_graph *g, uint32_t n_items, uint32_t k,
                               size_t n_eval, size_t limit, size_t *budget, char *msg)
{
    e->data = gr_graph_bytes(g);
    gr_mem_add(e, "scorer", gr_mem_scorer_bytes(c, g));
    gr_mem_add(e, "evaluation lists", evaluate_list_bytes(k, n_items, n_eval));
    gr_mem_add(e, "thread runtime (stacks, BLAS buffers)", thread_runtime());
    return gr_mem_fit_rank(e, limit, budget, n_items, k, n_eval, 0, msg);
}

gr_status gr_mem_estimate_recommend(gr_mem_estimate *e, const gr_config *c, const gr_graph *g, const gr_graph *seen,
                                    uint32_t n_items, uint32_t dim, uint32_t k, size_t n, int folding, int candidates,
                                    size_t limit, size_t *budget, char *msg)
{
    e->data = gr_graph_bytes(g) + gr_graph_bytes(seen);
    gr_mem_add(e, "scorer", gr_mem_scorer_bytes(c, g));
    gr_mem_add(e, "user list", (size_t)seen->n_users * sizeof(uint32_t));
    /* gnn/fold_in.c and cli/recommend_data.c: every user's embedding, and
     * the propagation's two node x dim buffers and item accumulator */
    if (folding)
        gr_mem_add(e, "fold-in", ((size_t)seen->n_users * 3 + (size_t)n_items * 3) * dim * sizeof(float) +
                                     ((size_t)seen->n_users + seen->R.nnz) * sizeof(uint32_t));
    gr_mem_add(e, "thread runtime (stacks, BLAS buffers)", thread_runtime());
    return gr_mem_fit_rank(e, limit, budget, n_items, k, n, candidates, msg);
}

static double mib(size_t b) { return (double)b / MIB; }

void gr_mem_print(FILE *f, const char *cmd, const gr_mem_estimate *e)
{
    fprintf(f, "%s needs about %.0f MiB:\n", cmd, mib(gr_mem_total(e)));
    fprintf(f, "  %-40s %10.1f MiB (measured; loaded graphs and id maps %.1f MiB)\n",
            "held now (runtime, model, loaded data)", mib(e->resident), mib(e->data));
    static const char *const when[] = {"", " (while fitting)", " (after fitting)"};
    for (int i = 0; i < e->n; i++)
        fprintf(f, "  %-40s %10.1f MiB%s\n", e->part[i].name, mib(e->part[i].bytes), when[e->part[i].phase]);
    if (e->peak_so_far > e->resident + parts_sum(e))
        fprintf(f, "  %-40s %10.1f MiB (measured: loading peaked above the rest)\n", "peak so far", mib(e->peak_so_far));
}

gr_status gr_mem_check(const gr_mem_estimate *e, size_t limit, char *msg)
{
    const size_t total = gr_mem_total(e);
    if (limit == 0 || total <= limit) return GR_OK;
    char parts[GR_MSG_LEN] = "";
    int at = snprintf(parts, sizeof parts, "held now %.0f", mib(e->resident));
    for (int i = 0; i < e->n && at > 0 && (size_t)at < sizeof parts; i++)
        at += snprintf(parts + at, sizeof parts - at, ", %s %.0f", e->part[i].name, mib(e->part[i].bytes));
    return gr_fail(msg, GR_ERR_NOMEM, "needs about %.0f MiB (%s MiB) but --mem-limit is %.0f MiB", mib(total), parts,
                   mib(limit));
}

int gr_mem_parse_size(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v <= 0) return -1;
    double unit = 1;
    switch (*end) {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = MIB; end++; break;
    case 'g': case 'G': unit = MIB * 1024.0; end++; break;
    case 't': case 'T': unit = MIB * MIB; end++; break;
    default: break;
    }
    if (unit > 1 && (*end == 'i' || *end == 'I')) end++;
    if (unit > 1 && (*end == 'b' || *end == 'B')) end++;
    if (*end != '\0' || v * unit >= 0x1p63) return -1;
    *out = (size_t)(v * unit);
    return *out > 0 ? 0 : -1;
}
