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
 * Halves (sparse/adjacency.h's X16, Y16): csr-fp16 reads X as halves and
 * writes Y in floats, csr-fp16h writes Y as halves too (a LightGCN layer
 * that feeds the next).  Each is printed against the fp32 bound above and
 * against its own (the same model with 2 bytes per half: Â + 2·n·d + 4·n·d,
 * or Â + 2·n·d + 2·n·d), with its largest difference to csr on the same
 * float X, and whether it equals csr on X rounded to half bit for bit.
 * The four kernels run interleaved (one run of each per round), so a busy
 * machine slows them alike.
 *
 * Usage: bench_spmm [FILE] [--runs N] [--threads T] [--d D] [--burble] [--half-isa scalar|f16c|avx512]
 * (--burble: GraphBLAS reports the method it picks, e.g. "saxpy5 ... C in place";
 * --half-isa: at most these instructions convert halves, gr_spmm_half_isa)
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
#include "sparse/half.h"

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

/* One kernel of the comparison: which, with halves in and/or out, and the
 * bytes its bound counts. */
typedef struct {
    const char *name;
    gr_spmm_kernel k;
    int half_in, half_out;
    double bytes;
} variant;

/* The arrays a run reads and writes. */
typedef struct {
    const float *X;
    const uint16_t *X16;
    float *Y;
    uint16_t *Y16;
} arrays;

static gr_status run_variant(const gr_norm_adj *a, const variant *v, const arrays *ar, uint32_t d, char *msg)
{
    if (!v->half_in) return gr_spmm(a, ar->X, ar->Y, d, v->k, msg);
    const gr_spmm_opts o = {.X16 = ar->X16, .Y16 = v->half_out ? ar->Y16 : NULL};
    return gr_spmm_ex(a, NULL, v->half_out ? NULL : ar->Y, d, &o, v->k, msg);
}

static double max_abs_diff(const float *p, const float *q, size_t len)
{
    double m = 0;
    for (size_t i = 0; i < len; i++) m = fmax(m, fabs((double)p[i] - q[i]));
    return m;
}

/* The halves' results against csr on the float X (Yc) and on X rounded to
 * half (Yr): the largest difference, and bit-identity to Yr. */
static void report_halves(const float *Yc, const float *Yr, const float *Yh, const uint16_t *Y16, size_t len)
{
    double m16 = 0;
    int same16 = 1;
    for (size_t i = 0; i < len; i++) {
        m16 = fmax(m16, fabs((double)gr_half_to_float(Y16[i]) - Yc[i]));
        same16 &= Y16[i] == gr_half_from_float(Yr[i]);
    }
    double ymax = 0;
    for (size_t i = 0; i < len; i++) ymax = fmax(ymax, fabs((double)Yc[i]));
    printf("max |Y_csr-fp16 - Y_csr| = %.2e, max |Y_csr-fp16h - Y_csr| = %.2e (max |Y_csr| = %.2e)\n",
           max_abs_diff(Yh, Yc, len), m16, ymax);
    printf("csr-fp16 equals csr on X rounded to half: %s; csr-fp16h equals that rounded to half: %s\n",
           memcmp(Yh, Yr, len * sizeof *Yh) == 0 ? "bit for bit" : "NO", same16 ? "bit for bit" : "NO");
}

static int parse_isa(const char *s)
{
    if (strcmp(s, "scalar") == 0) return GR_HALF_ISA_SCALAR;
    if (strcmp(s, "f16c") == 0) return GR_HALF_ISA_F16C;
    if (strcmp(s, "avx512") == 0) return GR_HALF_ISA_AVX512;
    return -1;
}

int main(int argc, char **argv)
{
    const char *path = "../shared/data/gowalla/train.txt.gz";
    int runs = 20, threads = 2;
    uint32_t d = 64;
    int burble = 0, isa = GR_HALF_ISA_BEST;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--d") == 0 && i + 1 < argc) d = (uint32_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--burble") == 0) burble = 1;
        else if (strcmp(argv[i], "--half-isa") == 0 && i + 1 < argc) isa = parse_isa(argv[++i]);
        else if (argv[i][0] != '-') path = argv[i];
        else {
            fprintf(stderr, "usage: bench_spmm [FILE] [--runs N] [--threads T] [--d D] [--burble] "
                            "[--half-isa scalar|f16c|avx512]\n");
            return 2;
        }
    }
    if (runs < 1 || threads < 1 || d < 1 || isa < 0) {
        fprintf(stderr, "bench_spmm: runs, threads and d must be positive, --half-isa scalar, f16c or avx512\n");
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
    if (X == NULL || Y == NULL) {
        fprintf(stderr, "bench_spmm: out of memory for %u x %u embeddings\n", n, d);
        return 1;
    }
    gr_rng rng;
    gr_rng_seed(&rng, 42, 0);
    for (size_t k = 0; k < len; k++) X[k] = (float)(0.1 * gr_rng_normal(&rng)); /* LightGCN's init */
    memset(Y, 0, len * sizeof *Y);

    const double adj_bytes = 8.0 * (n + 1.0) + 8.0 * (double)nnz;
    const double bytes = adj_bytes + 2.0 * 4.0 * (double)len;
    const double bw = triad_gbs();
    const double bound_ms = bw > 0 ? bytes / (bw * 1e9) * 1e3 : NAN;
    printf("graph %s: %u users + %u items = %u nodes, %llu entries in Â; built in %.1f ms\n", path, g.n_users,
           g.n_items, n, (unsigned long long)nnz, build_s * 1e3);
    const gr_half_isa used = gr_spmm_half_isa((gr_half_isa)isa);
    printf("d = %u, %d threads, median of %d runs; model %.1f MB per SpMM; STREAM triad %.1f GB/s; bound %.2f ms\n",
           d, threads, runs, bytes / 1e6, bw, bound_ms);
    printf("halves converted by %s\n",
           used == GR_HALF_ISA_AVX512 ? "AVX-512F" : used == GR_HALF_ISA_F16C ? "F16C" : "portable code");
    printf("%-10s %9s %14s %16s %20s\n", "kernel,", "ms,", "GB/s effective,", "ratio to bound,",
           "ratio to own bound");
    const variant vs[] = {{"csr", GR_SPMM_CSR, 0, 0, bytes},
                          {"graphblas", GR_SPMM_GRAPHBLAS, 0, 0, bytes},
                          {"csr-fp16", GR_SPMM_CSR, 1, 0, adj_bytes + 6.0 * (double)len},
                          {"csr-fp16h", GR_SPMM_CSR, 1, 1, adj_bytes + 4.0 * (double)len}};
    enum { NV = sizeof vs / sizeof *vs };
    if (burble) GxB_Global_Option_set(GxB_BURBLE, true);
    uint16_t *X16 = gr_alloc_huge(len, sizeof *X16), *Y16 = gr_alloc_huge(len, sizeof *Y16);
    float *Yc = malloc(len * sizeof *Yc), *Yr = malloc(len * sizeof *Yr), *Xr = malloc(len * sizeof *Xr);
    double *all = malloc((size_t)NV * runs * sizeof *all);
    if (X16 == NULL || Y16 == NULL || Yc == NULL || Yr == NULL || Xr == NULL || all == NULL) return 1;
    gr_half_from_float_array(X16, X, len);
    for (size_t q = 0; q < len; q++) Xr[q] = gr_half_to_float(X16[q]);
    const arrays ar = {X, X16, Y, Y16};
    /* warm-up: page faults, GraphBLAS workspaces */
    for (int v = 0; v < NV && s == GR_OK; v++) s = run_variant(a, &vs[v], &ar, d, msg);
    for (int r = 0; r < runs && s == GR_OK; r++)
        for (int v = 0; v < NV && s == GR_OK; v++) {
            double t = gr_now();
            s = run_variant(a, &vs[v], &ar, d, msg);
            all[(size_t)v * runs + r] = (gr_now() - t) * 1e3;
        }
    if (s != GR_OK) {
        fprintf(stderr, "bench_spmm: %s\n", msg);
        return 1;
    }
    for (int v = 0; v < NV; v++) {
        double m = median(all + (size_t)v * runs, runs), own_ms = vs[v].bytes / (bw * 1e9) * 1e3;
        printf("%-10s %8.2f, %14.1f, %15.2fx, %19.2fx\n", vs[v].name, m, vs[v].bytes / (m * 1e-3) / 1e9,
               m / bound_ms, m / own_ms);
    }
    /* the results, once more each, to compare */
    s = gr_spmm(a, X, Yc, d, GR_SPMM_CSR, msg);
    if (s == GR_OK) s = gr_spmm(a, X, Y, d, GR_SPMM_GRAPHBLAS, msg);
    if (s == GR_OK) printf("max |Y_csr - Y_graphblas| = %.2e\n", max_abs_diff(Yc, Y, len));
    if (s == GR_OK) s = gr_spmm(a, Xr, Yr, d, GR_SPMM_CSR, msg);
    if (s == GR_OK) s = run_variant(a, &vs[2], &ar, d, msg);
    if (s == GR_OK) s = run_variant(a, &vs[3], &ar, d, msg);
    if (s != GR_OK) {
        fprintf(stderr, "bench_spmm: %s\n", msg);
        return 1;
    }
    report_halves(Yc, Yr, Y, Y16, len);
    free(all);
    free(X16);
    free(Y16);
    free(Yc);
    free(Yr);
    free(Xr);
    free(X);
    free(Y);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
    gr_dataset_free(&ds);
    return 0;
}
