/* The graph baselines' solvers against the alternatives they were chosen
 * over (docs/BENCH.md quotes the figures):
 *
 *   ppr        gnn/ppr.h's batched power iteration for every user with an
 *              interaction, at block sizes B = 16..128, against one call of
 *              igraph_personalized_pagerank_vs (PRPACK) per user for the
 *              first --igraph-users users (timed, extrapolated, and checked
 *              to agree); and one iteration's SpMM (d = B = 64) by our
 *              gather, by sparse/'s CSR kernel over Â and by GrB_mxm.
 *   neighbors  gnn/neighbors.h's scatters for common_neighbors,
 *              adamic_adar and jaccard over every user, a block of users at
 *              a time as the ranking loop asks, against GraphBLAS: GrB_mxm of
 *              the block's rows (extracted) with the graph into a full block
 *              of scores (the saxpy path), two products for an item-based
 *              score (block x R' x W R), and for jaccard the item-item
 *              matrix R'R by GrB_mxm, turned into |∩| / |∪| in place.
 *
 *     build/bench/bench_graph_baselines TRAIN [--graph bipartite|directed]
 *         [--what ppr|neighbors|all] [--igraph-users N] [--users N] [--threads N]
 *
 * TRAIN is any input gnnrec reads (integer ids); --users N times ppr for
 * the first N users with interactions only (its cost is per user).  A directed graph is
 * symmetrized for neighbors (as gnn/neighbors.h does) and walked along
 * follows for ppr.  Times are the median of 3 runs. */
#include <igraph/igraph.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/sysinfo.h"
#include "gnn/neighbors.h"
#include "gnn/ppr.h"
#include "graph/graph.h"
#include "graph/igraph_bridge.h"
#include "loaders/load.h"
#include "sparse/adjacency.h"
#include "sparse/grb.h"

#define RUNS 3
#define BLOCK_USERS 512 /* users per scoring call, about what a 256 MiB budget gives on 100k items */

#define CHECK(call)                                                                            \
    do {                                                                                       \
        if ((call) != GR_OK) {                                                                 \
            fprintf(stderr, "bench_graph_baselines: %s\n", msg);                               \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)
#define GRBX(call)                                                                              \
    do {                                                                                       \
        GrB_Info info_ = (call);                                                               \
        if (info_ != GrB_SUCCESS) {                                                            \
            fprintf(stderr, "bench_graph_baselines: %s: %s\n", #call, gr_grb_info_name(info_)); \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

static char msg[GR_MSG_LEN];

/* CPU seconds of the whole process (all threads): on a shared machine wall
 * time counts the other jobs too. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

/* Users with at least one interaction. */
static uint32_t *active_users(const gr_graph *g, uint32_t *n)
{
    uint32_t *u = malloc(((size_t)g->n_users + 1) * sizeof *u);
    *n = 0;
    for (uint32_t v = 0; v < g->n_users; v++)
        if (gr_csr_degree(&g->R, v) > 0) u[(*n)++] = v;
    return u;
}

/* ---- ppr ------------------------------------------------------------------------ */

static void bench_ppr(const gr_graph *g, uint32_t igraph_users, uint32_t max_users)
{
    uint32_t n;
    uint32_t *users = active_users(g, &n);
    if (max_users > 0 && n > max_users) n = max_users;
    const uint32_t ni = g->n_items;
    float *scores = gr_alloc((size_t)BLOCK_USERS * ni, sizeof *scores);
    printf("ppr: %u users (with interactions%s), %u items, %llu edges, damping 0.85, tol 1e-6\n", n,
           max_users > 0 ? ", at most --users" : "", ni, (unsigned long long)g->R.nnz);
    const uint32_t blocks[] = {16, 32, 64, 128};
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        gr_ppr *p = NULL;
        const gr_ppr_opts o = {.damping = 0.85, .max_iters = 100, .tol = 1e-6, .block = blocks[b]};
        CHECK(gr_ppr_init(&p, g, &o, msg));
        double t[RUNS], c[RUNS];
        for (int r = 0; r < RUNS; r++) {
            const double t0 = gr_now(), c0 = cpu_now();
            for (uint32_t k = 0; k < n; k += BLOCK_USERS)
                CHECK(gr_ppr_score(p, &g->R, users + k, n - k < BLOCK_USERS ? n - k : BLOCK_USERS, ni, scores, msg));
            t[r] = gr_now() - t0;
            c[r] = cpu_now() - c0;
        }
        uint32_t iters = 0;
        float *one = gr_alloc(gr_ppr_nodes(p), sizeof *one);
        CHECK(gr_ppr_vectors(p, &g->R, users, 1, one, &iters, msg));
        free(one);
        printf("  batched, B = %3u: %.2f s for all users, %.2f CPU s (%.2f ms/user; %u iterations for the first "
               "block)\n", blocks[b], median(t, RUNS), median(c, RUNS), 1e3 * median(t, RUNS) / n, iters);
        gr_ppr_free(p);
    }

    /* igraph, one call per user, on the same walk */
    gr_igraph_init();
    igraph_t ig;
    igraph_vector_int_t e;
    const int bip = g->kind == GR_GRAPH_BIPARTITE;
    const igraph_integer_t base = bip ? g->n_users : 0, nv = base + ni;
    igraph_vector_int_init(&e, (igraph_integer_t)(2 * g->R.nnz));
    for (uint32_t u = 0, k = 0; u < g->n_users; u++)
        for (uint64_t q = g->R.ptr[u]; q < g->R.ptr[u + 1]; q++, k++) {
            VECTOR(e)[2 * k] = u;
            VECTOR(e)[2 * k + 1] = base + g->R.idx[q];
        }
    igraph_create(&ig, &e, nv, bip ? IGRAPH_UNDIRECTED : IGRAPH_DIRECTED);
    igraph_vector_int_destroy(&e);
    gr_ppr *p = NULL;
    const gr_ppr_opts o = {.damping = 0.85, .max_iters = 100, .tol = 1e-6};
    CHECK(gr_ppr_init(&p, g, &o, msg));
    const uint32_t m = igraph_users < n ? igraph_users : n;
    float *ours = gr_alloc((size_t)m * gr_ppr_nodes(p), sizeof *ours);
    CHECK(gr_ppr_vectors(p, &g->R, users, m, ours, NULL, msg));
    igraph_vector_t res;
    igraph_vector_init(&res, 0);
    double worst = 0;
    const double t0 = gr_now(), c0 = cpu_now();
    for (uint32_t k = 0; k < m; k++) {
        igraph_personalized_pagerank_vs(&ig, IGRAPH_PAGERANK_ALGO_PRPACK, &res, NULL, igraph_vss_all(), !bip, 0.85,
                                        igraph_vss_1(users[k]), NULL, NULL);
        for (igraph_integer_t v = 0; v < nv; v++) {
            const double d = fabs(VECTOR(res)[v] - ours[(size_t)k * gr_ppr_nodes(p) + v]);
            worst = d > worst ? d : worst;
        }
    }
    const double ti = gr_now() - t0, ci = cpu_now() - c0;
    printf("  igraph PRPACK, one call per user: %.2f ms/user over %u users -> %.1f s for all %u, %.1f CPU s (largest "
           "difference from ours %.1e)\n", 1e3 * ti / m, m, ti / m * n, n, ci / m * n, worst);
    igraph_vector_destroy(&res);
    igraph_destroy(&ig);
    free(ours);

    /* one iteration's product, Y = M X with X n x 64 */
    if (bip) {
        gr_norm_adj *adj = NULL;
        CHECK(gr_norm_adj_build(&adj, g, NULL, 0, msg));
        const size_t nn = gr_norm_adj_nodes(adj);
        float *X = gr_alloc_huge(nn * 64, sizeof *X), *Y = gr_alloc_huge(nn * 64, sizeof *Y);
        for (size_t k = 0; k < nn * 64; k++) X[k] = (float)((k * 2654435761u) % 1000) * 1e-3f;
        const gr_spmm_kernel kern[2] = {GR_SPMM_CSR, GR_SPMM_GRAPHBLAS};
        const char *name[2] = {"our CSR kernel over Â (sparse/spmm.c)", "GrB_mxm over Â"};
        for (int k = 0; k < 2; k++) {
            double t[RUNS];
            for (int r = 0; r < RUNS; r++) {
                const double s0 = gr_now();
                for (int it = 0; it < 10; it++) CHECK(gr_spmm(adj, X, Y, 64, kern[k], msg));
                t[r] = (gr_now() - s0) / 10;
            }
            printf("  one product at d = 64, %s: %.2f ms\n", name[k], 1e3 * median(t, RUNS));
        }
        free(X);
        free(Y);
        gr_norm_adj_free(adj);
    }
    /* ours per iteration: a block of 64 timed over its iterations */
    {
        uint32_t iters = 0;
        float *v = gr_alloc((size_t)64 * gr_ppr_nodes(p), sizeof *v);
        double t[RUNS];
        for (int r = 0; r < RUNS; r++) {
            const double s0 = gr_now();
            CHECK(gr_ppr_vectors(p, &g->R, users, n < 64 ? n : 64, v, &iters, msg));
            t[r] = (gr_now() - s0) / iters;
        }
        printf("  one iteration of ours at B = 64 (gather + dangling + restarts): %.2f ms\n", 1e3 * median(t, RUNS));
        free(v);
    }
    gr_ppr_free(p);
    free(scores);
    free(users);
}

/* ---- neighbourhood models ------------------------------------------------------------ */

static GrB_Matrix grb_of(const gr_csr *c, const float *rowscale)
{
    GrB_Matrix M;
    GrB_Index *I = malloc(c->nnz * sizeof *I), *J = malloc(c->nnz * sizeof *J);
    float *X = malloc(c->nnz * sizeof *X);
    for (uint32_t r = 0; r < c->n_rows; r++)
        for (uint64_t q = c->ptr[r]; q < c->ptr[r + 1]; q++) {
            I[q] = r;
            J[q] = c->idx[q];
            X[q] = rowscale ? rowscale[r] : 1.0f;
        }
    GRBX(GrB_Matrix_new(&M, GrB_FP32, c->n_rows, c->n_cols));
    GRBX(GrB_Matrix_build_FP32(M, I, J, X, c->nnz, GrB_PLUS_FP32));
    free(I);
    free(J);
    free(X);
    return M;
}

/* C (nb x n, zeroed, row-major: the scores buffer) += A * B, in place */
static void grb_into_dense(float *C, GrB_Index nb, GrB_Index n, GrB_Matrix A, GrB_Matrix B)
{
    GrB_Matrix Cm;
    void *p = C;
    const GrB_Index bytes = nb * n * sizeof(float);
    memset(C, 0, bytes);
    GRBX(GrB_Matrix_new(&Cm, GrB_FP32, nb, n));
    GRBX(GxB_Matrix_pack_FullR(Cm, &p, bytes, false, NULL));
    GRBX(GrB_mxm(Cm, NULL, GrB_PLUS_FP32, GrB_PLUS_TIMES_SEMIRING_FP32, A, B, NULL));
    GrB_Index size;
    bool iso;
    GRBX(GxB_Matrix_unpack_FullR(Cm, &p, &size, &iso, NULL));
    if (p != C || iso) {
        fprintf(stderr, "bench_graph_baselines: GraphBLAS gave the scores back changed\n");
        exit(1);
    }
    GrB_Matrix_free(&Cm);
}

static double aa_w(uint64_t d) { return d > 1 ? 1.0 / log((double)d) : (double)d; }

static void bench_neighbors(const gr_graph *g)
{
    uint32_t n;
    uint32_t *users = active_users(g, &n);
    const int bip = g->kind == GR_GRAPH_BIPARTITE;
    const uint32_t ni = g->n_items;
    float *scores = gr_alloc_huge((size_t)BLOCK_USERS * ni, sizeof *scores);
    float *check = gr_alloc_huge((size_t)BLOCK_USERS * ni, sizeof *check);
    printf("neighbors: %s graph, %u users, %u items, %llu edges, blocks of %d users\n",
           bip ? "user-item" : "follower (symmetrized)", n, ni, (unsigned long long)g->R.nnz, BLOCK_USERS);
    /* GraphBLAS inputs: R; for the second hop R (or A) with rows weighted */
    float *w = malloc(((size_t)g->n_users + 1) * sizeof *w);
    for (uint32_t v = 0; v < g->n_users; v++) w[v] = (float)aa_w(gr_csr_degree(&g->R, v));
    GrB_Matrix R = grb_of(&g->R, NULL), WR = grb_of(&g->R, w), Rt = grb_of(&g->Rt, NULL);
    const gr_model_kind kinds[3] = {GR_MODEL_COMMON_NEIGHBORS, GR_MODEL_ADAMIC_ADAR, GR_MODEL_JACCARD};
    for (int k = 0; k < 3; k++) {
        /* ours */
        gr_neighbors *nb = NULL;
        double t_init = gr_now();
        CHECK(gr_neighbors_init(&nb, kinds[k], g, msg));
        t_init = gr_now() - t_init;
        double t[RUNS], c[RUNS];
        for (int r = 0; r < RUNS; r++) {
            const double t0 = gr_now(), c0 = cpu_now();
            for (uint32_t b = 0; b < n; b += BLOCK_USERS)
                CHECK(gr_neighbors_score(nb, &g->R, users + b, n - b < BLOCK_USERS ? n - b : BLOCK_USERS, ni, scores,
                                         msg));
            t[r] = gr_now() - t0;
            c[r] = cpu_now() - c0;
        }
        const double ours = median(t, RUNS), ours_cpu = median(c, RUNS);

        /* GraphBLAS */
        GrB_Matrix J = NULL;
        double g_init = gr_now();
        if (bip && kinds[k] == GR_MODEL_JACCARD) {
            /* counts R'R, then |∩| / (d_i + d_j - |∩|) off the diagonal */
            GrB_Matrix C;
            GRBX(GrB_Matrix_new(&C, GrB_FP32, ni, ni));
            GRBX(GrB_mxm(C, NULL, NULL, GrB_PLUS_TIMES_SEMIRING_FP32, Rt, R, NULL));
            GrB_Index *Ap, *Aj, ap_size, aj_size, ax_size;
            void *Ax;
            bool iso, jumbled;
            GRBX(GxB_Matrix_unpack_CSR(C, &Ap, &Aj, &Ax, &ap_size, &aj_size, &ax_size, &iso, &jumbled, NULL));
            if (iso) {
                fprintf(stderr, "bench_graph_baselines: iso R'R\n");
                exit(1);
            }
            float *x = Ax;
#pragma omp parallel for schedule(dynamic, 64)
            for (uint32_t i = 0; i < ni; i++)
                for (GrB_Index q = Ap[i]; q < Ap[i + 1]; q++) {
                    const GrB_Index j = Aj[q];
                    x[q] = j == i ? 0.0f
                                  : x[q] / ((float)gr_csr_degree(&g->Rt, i) + (float)gr_csr_degree(&g->Rt, j) - x[q]);
                }
            GRBX(GxB_Matrix_pack_CSR(C, &Ap, &Aj, &Ax, ap_size, aj_size, ax_size, false, jumbled, NULL));
            J = C;
        }
        g_init = gr_now() - g_init;
        GrB_Index *rows = malloc(BLOCK_USERS * sizeof *rows);
        for (int r = 0; r < RUNS; r++) {
            const double t0 = gr_now(), c0 = cpu_now();
            for (uint32_t b = 0; b < n; b += BLOCK_USERS) {
                const GrB_Index nb_ = n - b < BLOCK_USERS ? n - b : BLOCK_USERS;
                for (GrB_Index q = 0; q < nb_; q++) rows[q] = users[b + q];
                GrB_Matrix blk, T;
                GRBX(GrB_Matrix_new(&blk, GrB_FP32, nb_, ni));
                GRBX(GrB_Matrix_extract(blk, NULL, NULL, R, rows, nb_, GrB_ALL, ni, NULL));
                if (J) {
                    grb_into_dense(check, nb_, ni, blk, J);
                } else if (bip) {
                    GRBX(GrB_Matrix_new(&T, GrB_FP32, nb_, g->n_users));
                    GRBX(GrB_mxm(T, NULL, NULL, GrB_PLUS_TIMES_SEMIRING_FP32, blk, Rt, NULL));
                    grb_into_dense(check, nb_, ni, T, kinds[k] == GR_MODEL_ADAMIC_ADAR ? WR : R);
                    GrB_Matrix_free(&T);
                } else {
                    /* symmetrized follows: R is A; weights on the middle node */
                    GrB_Matrix Bw = kinds[k] == GR_MODEL_ADAMIC_ADAR ? WR : R;
                    grb_into_dense(check, nb_, ni, blk, Bw);
                    if (kinds[k] == GR_MODEL_JACCARD) {
                        /* counts -> |∩| / |∪| */
#pragma omp parallel for schedule(static)
                        for (GrB_Index q = 0; q < nb_; q++) {
                            const float du = (float)gr_csr_degree(&g->R, (uint32_t)rows[q]);
                            float *row = check + q * ni;
                            for (uint32_t v = 0; v < ni; v++)
                                if (row[v] > 0) row[v] /= du + (float)gr_csr_degree(&g->R, v) - row[v];
                        }
                    }
                }
                GrB_Matrix_free(&blk);
            }
            t[r] = gr_now() - t0;
            c[r] = cpu_now() - c0;
        }
        const double grb = median(t, RUNS), grb_cpu = median(c, RUNS);
        /* the last block of both, compared (items of the user itself aside) */
        double worst = 0;
        const uint32_t last = (n - 1) / BLOCK_USERS * BLOCK_USERS, nl = n - last;
        CHECK(gr_neighbors_score(nb, &g->R, users + last, nl, ni, scores, msg));
        for (uint32_t q = 0; q < nl; q++)
            for (uint32_t v = 0; v < ni; v++) {
                if (bip ? gr_csr_has(&g->R, users[last + q], v) : v == users[last + q]) continue;
                const double d = fabs(scores[(size_t)q * ni + v] - check[(size_t)q * ni + v]) /
                                 (1 + fabs(check[(size_t)q * ni + v]));
                worst = d > worst ? d : worst;
            }
        printf("  %-16s ours %.3f s, %.3f CPU s (+ %.3f s init%s); GraphBLAS %.3f s, %.3f CPU s (+ %.3f s init); "
               "largest relative difference %.1e\n", gr_model_kind_name(kinds[k]), ours, ours_cpu, t_init,
               gr_neighbors_matrix_nnz(nb) ? ", the item-item matrix" : "", grb, grb_cpu, g_init, worst);
        free(rows);
        if (J) GrB_Matrix_free(&J);
        gr_neighbors_free(nb);
    }
    GrB_Matrix_free(&R);
    GrB_Matrix_free(&WR);
    GrB_Matrix_free(&Rt);
    free(w);
    free(scores);
    free(check);
    free(users);
}

int main(int argc, char **argv)
{
    const char *path = NULL, *what = "all";
    gr_graph_kind kind = GR_GRAPH_BIPARTITE;
    uint32_t igraph_users = 200, max_users = 0;
    int threads = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--graph") == 0 && a + 1 < argc) {
            if (gr_graph_kind_parse(argv[++a], &kind) != 0) return fprintf(stderr, "bad --graph\n"), 2;
        } else if (strcmp(argv[a], "--what") == 0 && a + 1 < argc) what = argv[++a];
        else if (strcmp(argv[a], "--igraph-users") == 0 && a + 1 < argc) igraph_users = (uint32_t)atoi(argv[++a]);
        else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc) threads = atoi(argv[++a]);
        else if (strcmp(argv[a], "--users") == 0 && a + 1 < argc) max_users = (uint32_t)atoi(argv[++a]);
        else path = argv[a];
    }
    if (path == NULL) {
        fprintf(stderr, "usage: bench_graph_baselines TRAIN [--graph bipartite|directed] [--what ppr|neighbors|all] "
                        "[--igraph-users N] [--users N] [--threads N]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines as they come, also into a pipe */
    if (threads > 0) omp_set_num_threads(threads);
    CHECK(gr_grb_init(omp_get_max_threads(), msg));
    gr_dataset ds;
    gr_dataset_init(&ds);
    gr_load_opts lo;
    gr_load_report rep;
    gr_load_opts_default(&lo);
    lo.ids = GR_IDS_INT;
    lo.shared_ids = kind != GR_GRAPH_BIPARTITE;
    CHECK(gr_load_file(&ds, path, &lo, &rep, msg));
    gr_graph g, sym;
    memset(&sym, 0, sizeof sym);
    CHECK(gr_graph_build(&g, &ds, 0, ds.rows.n, kind, NULL, msg));
    if (kind == GR_GRAPH_DIRECTED) CHECK(gr_graph_build(&sym, &ds, 0, ds.rows.n, GR_GRAPH_UNDIRECTED, NULL, msg));
    printf("%s: %d threads\n", path, omp_get_max_threads());
    if (strcmp(what, "neighbors") != 0) bench_ppr(&g, igraph_users, max_users);
    if (strcmp(what, "ppr") != 0) bench_neighbors(kind == GR_GRAPH_DIRECTED ? &sym : &g);
    gr_graph_free(&g);
    gr_graph_free(&sym);
    gr_dataset_free(&ds);
    return 0;
}
