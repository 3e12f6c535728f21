/* SpMM benchmark: Y = Â·X on a real graph (Gowalla's LightGCN train split by
 * default) for both kernels, against the memory-bandwidth bound measured in
 * the same run.
 *
 * Bound model: the least data one SpMM must move between memory and the cores
 *   Â once:   ptr 8 B per row + idx 4 B and val 4 B per entry   (our CSR arrays)
 *   X once:   4·n·d B  (assumes every gathered row of X stays cached after its
 *             first use; real runs re-fetch some, which is the gap we measure)
 *   Y once:   4·n·d B written
 * divided by the STREAM-triad bandwidth a[i] = b[i] + s·c[i], counted the
 * STREAM way (2 reads + 1 write per element, write-allocate not counted, as
 * for Y), over arrays far larger than the caches, on the same threads, best
 * of 5.  GraphBLAS's copy of Â has 8-byte indices, so it moves more than this
 * bound; the bound is the floor for the operation, not for one format.
 *
 * Usage: bench_spmm [FILE] [--runs N] [--threads T] [--d D] [--burble]
 * (--burble: GraphBLAS reports the method it picks, e.g. "saxpy5 ... C in place")
 * Prints the median of N runs per kernel (after one warm-up run each). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/sysinfo.h"
#include "graph/graph.h"
#include "loaders/load.h"
#include "sparse/adjacency.h"
#include "sparse/grb.h"

#define TRIAD_N ((size_t)1 << 25) /* 3 arrays x 256 MiB of doubles */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* STREAM triad in GB/s, best of 5; first touch with the same static schedule
 * so each thread's pages sit on its own node. */
static double triad_gbs(void)
{
    double *a = gr_alloc_huge(TRIAD_N, sizeof *a), *b = gr_alloc_huge(TRIAD_N, sizeof *b),
           *c = gr_alloc_huge(TRIAD_N, sizeof *c);
    if (a == NULL || b == NULL || c == NULL) {
        free(a);
        free(b);
        free(c);
        return 0.0;
    }
    const long n = (long)TRIAD_N;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
    double best = 1e30;
    const double s = 3.0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = gr_now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        double t = gr_now() - t0;
        if (t < best) best = t;
    }
    double check = a[n / 2]; /* keep the loop's result observable */
    free(a);
    free(b);
    free(c);
    if (check != 7.0) return 0.0;
    return 3.0 * sizeof(double) * (double)TRIAD_N / best / 1e9;
}

int main(int argc, char **argv)
{
    const char *path = "../shared/data/gowalla/train.txt.gz";
    int runs = 20, threads = 2;
    uint32_t d = 64;
    int burble = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--d") == 0 && i + 1 < argc) d = (uint32_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--burble") == 0) burble = 1;
        else if (argv[i][0] != '-') path = argv[i];
        else {
            fprintf(stderr, "usage: bench_spmm [FILE] [--runs N] [--threads T] [--d D] [--burble]\n");
            return 2;
        }
    }
    if (runs < 1 || threads < 1 || d < 1) {
        fprintf(stderr, "bench_spmm: runs, threads and d must be positive\n");
        return 2;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("(skipped SpMM benchmark: %s not found)\n", path);
        return 0;
    }

    char msg[GR_MSG_LEN];
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.ids = GR_IDS_INT;
    gr_dataset ds;
    gr_graph g;
    gr_load_report rep;
    gr_build_report brep;
    gr_norm_adj *a = NULL;
    gr_dataset_init(&ds);
    omp_set_num_threads(threads);
    gr_status s = gr_grb_init(threads, msg);
    if (s == GR_OK) s = gr_load_file(&ds, path, &o, &rep, msg);
    if (s == GR_OK) s = gr_graph_build_consume(&g, &ds, GR_GRAPH_BIPARTITE, &brep, msg);
    double t0 = gr_now();
    if (s == GR_OK) s = gr_norm_adj_build(&a, &g, NULL, 0.0f, msg);
    double build_s = gr_now() - t0;
    if (s != GR_OK) {
        fprintf(stderr, "bench_spmm: %s\n", msg);
        return 1;
    }
    const uint32_t n = gr_norm_adj_nodes(a);
    const uint64_t nnz = gr_norm_adj_nnz(a);
    const size_t len = (size_t)n * d;
    float *X = gr_alloc_huge(len, sizeof *X), *Y = gr_alloc_huge(len, sizeof *Y);
    double *ms = malloc((size_t)runs * sizeof *ms);
    if (X == NULL || Y == NULL || ms == NULL) {
        fprintf(stderr, "bench_spmm: out of memory for %u x %u embeddings\n", n, d);
        return 1;
    }
    gr_rng rng;
    gr_rng_seed(&rng, 42, 0);
    for (size_t k = 0; k < len; k++) X[k] = (float)(0.1 * gr_rng_normal(&rng)); /* LightGCN's init */
    memset(Y, 0, len * sizeof *Y);

    const double bytes = 8.0 * (n + 1.0) + 8.0 * (double)nnz + 2.0 * 4.0 * (double)len;
    const double bw = triad_gbs();
    const double bound_ms = bw > 0 ? bytes / (bw * 1e9) * 1e3 : NAN;
    printf("graph %s: %u users + %u items = %u nodes, %llu entries in Â; built in %.1f ms\n", path, g.n_users,
           g.n_items, n, (unsigned long long)nnz, build_s * 1e3);
    printf("d = %u, %d threads, median of %d runs; model %.1f MB per SpMM; STREAM triad %.1f GB/s; bound %.2f ms\n",
           d, threads, runs, bytes / 1e6, bw, bound_ms);
    printf("%-10s %9s %14s %16s\n", "kernel,", "ms,", "GB/s effective,", "ratio to bound");
    const gr_spmm_kernel kernels[] = {GR_SPMM_CSR, GR_SPMM_GRAPHBLAS};
    const char *names[] = {"csr", "graphblas"};
    if (burble) GxB_Global_Option_set(GxB_BURBLE, true);
    float *Yc = malloc(len * sizeof *Yc);
    if (Yc == NULL) return 1;
    for (int k = 0; k < 2; k++) {
        s = gr_spmm(a, X, Y, d, kernels[k], msg); /* warm-up: page faults, GraphBLAS workspaces */
        for (int r = 0; r < runs && s == GR_OK; r++) {
            double t = gr_now();
            s = gr_spmm(a, X, Y, d, kernels[k], msg);
            ms[r] = (gr_now() - t) * 1e3;
        }
        if (s != GR_OK) {
            fprintf(stderr, "bench_spmm: %s\n", msg);
            return 1;
        }
        double m = median(ms, runs);
        printf("%-10s %8.2f, %14.1f, %15.2fx\n", names[k], m, bytes / (m * 1e-3) / 1e9, m / bound_ms);
        if (k == 0) memcpy(Yc, Y, len * sizeof *Y);
    }
    double maxdiff = 0;
    for (size_t q = 0; q < len; q++) maxdiff = fmax(maxdiff, fabs((double)Yc[q] - Y[q]));
    printf("max |Y_csr - Y_graphblas| = %.2e\n", maxdiff);
    free(Yc);
    free(ms);
    free(X);
    free(Y);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    return 0;
}
