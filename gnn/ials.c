/* iALS by alternating row solves; the maths is in gnn/ials.h.
 *
 * Per half-epoch: the Gramian G of the fixed side (one cblas_ssyrk per
 * thread over a block of rows, summed in thread order), then every row of the
 * other side on its own, OpenMP over rows with per-thread scratch.  A row's
 * system is alpha0 G + lambda_r I + X_r^T X_r with X_r the fixed rows it
 * interacted with:
 *   cholesky  gathers X_r (in chunks, so a hub row needs no big buffer), adds
 *             X_r^T X_r with cblas_ssyrk, factors with spotrf and solves with
 *             spotrs.  Measured against a hand-written Cholesky (right-looking,
 *             OpenMP-SIMD inner loops) and a hand-written rank-1 accumulation,
 *             OpenBLAS was 1.5-4x faster for d = 64..256 (AVX-512 kernels
 *             picked at run time; our -O2 build is SSE2).
 *   cg        c->cg_steps conjugate-gradient steps from the row's current
 *             value; a matrix-vector product is alpha0 G p + lambda_r p +
 *             X_r^T (X_r p) (cblas_ssymv, two cblas_sgemv on the gathered
 *             rows), never the matrix: O(d^2 + |X_r| d) per step against
 *             Cholesky's O(d^3 + |X_r| d^2) per row.
 * BLAS runs single-threaded inside the rows (see blas_one_thread). */
#include "gnn/ials.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/sysinfo.h"
#include "sparse/lapack.h"

/* LAPACK (sparse/lapack.h): our row-major upper triangle is, column-major,
 * the lower one: uplo "L". */

/* Fixed rows gathered per cblas_ssyrk call: enough for BLAS to run at speed,
 * small enough that a row with a million interactions needs no big buffer. */
enum { GATHER_ROWS = 256 };

/* Everything a run allocates, freed in one place. */
typedef struct {
    uint32_t d;
    int n_threads;
    size_t stride;        /* floats of one thread's scratch */
    float *scratch;       /* n_threads x stride: see scratch_of */
    float *partial;       /* n_threads x d x d: each thread's share of a Gramian */
    float *gram_a;        /* d x d, alpha0 G of the fixed side (full, symmetric) */
    float *gram_u, *gram_i; /* d x d each, the Gramians of users and items (in gram_a's block) */
    double *terms;        /* a loss term per row, summed in row order */
} ials_work;

static void work_free(ials_work *w)
{
    free(w->scratch);
    free(w->partial);
    free(w->gram_a); /* gram_u and gram_i too */
    free(w->terms);
}

/* n_terms: rows of the loss (0 when it is not computed).  On failure w holds
 * what was allocated, for work_free. */
static gr_status work_init(ials_work *w, uint32_t d, size_t n_terms, char *msg)
{
    gr_status status = GR_OK;
    memset(w, 0, sizeof *w);
    w->d = d;
    w->n_threads = omp_get_max_threads();
    /* see scratch_of; rounded up to a cache line */
    w->stride = ((size_t)GATHER_ROWS * (d + 1) + 3 * (size_t)d + (size_t)d * d + 15) / 16 * 16;
    w->scratch = gr_alloc(w->stride * (size_t)w->n_threads, sizeof *w->scratch);
    GR_CHECK_ALLOC(w->scratch, "the iALS solver's scratch");
    w->partial = gr_alloc((size_t)d * d * (size_t)w->n_threads, sizeof *w->partial);
    GR_CHECK_ALLOC(w->partial, "the Gramians");
    /* gram_a, gram_u and gram_i, d x d each */
    w->gram_a = gr_alloc((size_t)d * d * 3, sizeof *w->gram_a);
    GR_CHECK_ALLOC(w->gram_a, "the Gramians");
    w->gram_u = w->gram_a + (size_t)d * d;
    w->gram_i = w->gram_u + (size_t)d * d;
    if (n_terms > 0) {
        w->terms = gr_alloc(n_terms, sizeof *w->terms);
        GR_CHECK_ALLOC(w->terms, "the loss terms");
    }
fail:
    return status; /* the caller frees w either way */
}

/* Our rows run in OpenMP threads and each calls BLAS and LAPACK on a d x d
 * system; OpenBLAS's pthreads build would split every such call over threads
 * of its own, oversubscribing the cores and paying a hand-off per row.  So
 * BLAS is held at one thread while we solve, and the caller's setting (the
 * evaluation's GEMMs want it) is given back after. */
static int blas_one_thread(void)
{
    int was = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return was;
}

/* G = X^T X (d x d, full) for the n x d rows X.  Each thread sums a block of
 * rows with cblas_ssyrk; the blocks are added in thread order, so G depends
 * on the thread count only. */
static void gramian(ials_work *w, const float *X, uint32_t n, float *G)
{
    const uint32_t d = w->d;
    const size_t dd = (size_t)d * d;
    int used = 1;
#pragma omp parallel num_threads(w->n_threads)
    {
        const int t = omp_get_thread_num(), T = omp_get_num_threads();
        if (t == 0) used = T;
        const size_t begin = (size_t)n * t / T, end = (size_t)n * (t + 1) / T;
        float *P = w->partial + dd * t;
        if (end > begin)
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)(end - begin), 1.0f, X + begin * d, (int)d,
                        0.0f, P, (int)d);
        else
            memset(P, 0, dd * sizeof *P);
    }
    for (uint32_t a = 0; a < d; a++)
        for (uint32_t b = a; b < d; b++) {
            float s = 0;
            for (int t = 0; t < used; t++) s += w->partial[dd * t + (size_t)a * d + b];
            G[(size_t)a * d + b] = G[(size_t)b * d + a] = s;
        }
}

/* lambda (n + alpha0 n_other)^nu: Rendle et al.'s frequency-scaled L2. */
static float row_reg(const gr_config *c, uint64_t n, uint32_t n_other)
{
    return (float)(c->reg * pow((double)n + c->unobserved_weight * (double)n_other, c->reg_exponent));
}

/* The rows one half-epoch solves, and what holds them still. */
typedef struct {
    const gr_csr *R;    /* rows x the fixed side's rows */
    const float *fixed; /* R->n_cols x d */
    float *rows;        /* R->n_rows x d: solved in place */
} ials_side;

static float dot(const float *x, const float *y, uint32_t d)
{
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (uint32_t a = 0; a < d; a++) s += x[a] * y[a];
    return s;
}

/* One thread's scratch, carved from w->scratch. */
typedef struct {
    float *X;           /* GATHER_ROWS x d: fixed rows of the row being solved */
    float *t;           /* GATHER_ROWS: X v */
    float *b, *p, *q;   /* d each */
    float *A;           /* d x d: the row's system (cholesky) */
} scratch;

static scratch scratch_of(const ials_work *w, int thread)
{
    float *at = w->scratch + w->stride * (size_t)thread;
    const size_t d = w->d;
    scratch s = {.X = at, .t = at + GATHER_ROWS * d};
    s.b = s.t + GATHER_ROWS;
    s.p = s.b + d;
    s.q = s.p + d;
    s.A = s.q + d;
    return s;
}

/* The fixed rows a row interacted with, gathered a chunk at a time into X
 * (contiguous, so BLAS runs at speed on them). */
typedef struct {
    const float *fixed;
    const uint32_t *cols;
    uint64_t n;   /* rows in all */
    uint32_t d;
    float *X;     /* GATHER_ROWS x d */
    int whole;    /* X holds all n rows (n <= GATHER_ROWS): gather once */
} row_data;

static row_data row_data_of(const ials_side *s, uint32_t r, uint32_t d, float *X)
{
    return (row_data){s->fixed, s->R->idx + s->R->ptr[r], gr_csr_degree(s->R, r), d, X, 0};
}

/* X = the rows [begin, begin + m) of the row's data; returns m. */
static int gather(row_data *rd, uint64_t begin)
{
    const int m = (int)(rd->n - begin < GATHER_ROWS ? rd->n - begin : GATHER_ROWS);
    if (rd->whole) return m;
    for (int j = 0; j < m; j++)
        memcpy(rd->X + (size_t)j * rd->d, rd->fixed + (size_t)rd->cols[begin + j] * rd->d, rd->d * sizeof *rd->X);
    rd->whole = rd->n <= GATHER_ROWS;
    return m;
}

/* b += the sum of X's m rows: the right-hand side, a chunk at a time. */
static void add_rows(const float *X, int m, uint32_t d, float *b)
{
    for (int j = 0; j < m; j++) {
        const float *x = X + (size_t)j * d;
#pragma omp simd
        for (uint32_t a = 0; a < d; a++) b[a] += x[a];
    }
}

/* The exact solve: A = alpha0 G + lambda I + X^T X (upper triangle), b = the
 * sum of the rows of X, then A x = b by Cholesky.  0, or -1 when A is not
 * positive definite. */
static int solve_cholesky(const ials_work *w, const ials_side *s, uint32_t r, float lambda, scratch *sc)
{
    const int d = (int)w->d, one = 1;
    float *A = sc->A, *b = sc->b;
    memcpy(A, w->gram_a, (size_t)d * d * sizeof *A);
    for (int a = 0; a < d; a++) A[(size_t)a * d + a] += lambda;
    memset(b, 0, (size_t)d * sizeof *b);
    row_data rd = row_data_of(s, r, w->d, sc->X);
    for (uint64_t begin = 0; begin < rd.n; begin += GATHER_ROWS) {
        const int m = gather(&rd, begin);
        add_rows(rd.X, m, w->d, b);
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, d, m, 1.0f, rd.X, d, 1.0f, A, d);
    }
    int info = 0;
    spotrf_("L", &d, A, &d, &info, 1);
    if (info != 0) return -1;
    spotrs_("L", &d, &one, A, &d, b, &d, &info, 1);
    memcpy(s->rows + (size_t)r * d, b, (size_t)d * sizeof *b);
    return 0;
}

/* q = alpha0 G v + lambda v + X^T X v, X all the row's data; t is scratch
 * for a chunk's X v. */
static void matvec(const ials_work *w, row_data *rd, float lambda, const float *v, float *q, float *t)
{
    const int d = (int)w->d;
    cblas_ssymv(CblasRowMajor, CblasUpper, d, 1.0f, w->gram_a, d, v, 1, 0.0f, q, 1);
#pragma omp simd
    for (int a = 0; a < d; a++) q[a] += lambda * v[a];
    for (uint64_t begin = 0; begin < rd->n; begin += GATHER_ROWS) {
        const int m = gather(rd, begin);
        cblas_sgemv(CblasRowMajor, CblasNoTrans, m, d, 1.0f, rd->X, d, v, 1, 0.0f, t, 1);
        cblas_sgemv(CblasRowMajor, CblasTrans, m, d, 1.0f, rd->X, d, t, 1, 1.0f, q, 1);
    }
}

/* c->cg_steps conjugate-gradient steps on A x = b from x = the row's current
 * value (warm start: after the first epochs it is close to the optimum).
 * Each step lowers the row's loss, so no sweep can raise L.  0, or -1 when a
 * direction has negative curvature (A is not positive semi-definite; the
 * loss is bounded below, so zero curvature means p = 0). */
static int solve_cg(const ials_work *w, const ials_side *s, uint32_t r, float lambda, uint32_t steps, scratch *sc)
{
    const uint32_t d = w->d;
    float *x = s->rows + (size_t)r * d, *res = sc->b, *p = sc->p, *q = sc->q;
    row_data rd = row_data_of(s, r, d, sc->X);
    /* res = b - A x, b the sum of the data rows (gathered first, so the
     * matrix-vector products need not gather again) */
    memset(res, 0, d * sizeof *res);
    for (uint64_t begin = 0; begin < rd.n; begin += GATHER_ROWS) add_rows(rd.X, gather(&rd, begin), d, res);
    matvec(w, &rd, lambda, x, q, sc->t);
#pragma omp simd
    for (uint32_t a = 0; a < d; a++) res[a] -= q[a];
    memcpy(p, res, d * sizeof *p);
    float rr = dot(res, res, d);
    for (uint32_t k = 0; k < steps && rr > 0; k++) {
        matvec(w, &rd, lambda, p, q, sc->t);
        const float pq = dot(p, q, d);
        if (!(pq >= 0)) return -1; /* negative or NaN */
        if (pq == 0) break;        /* p underflowed to 0: nothing left to gain */
        const float step = rr / pq;
#pragma omp simd
        for (uint32_t a = 0; a < d; a++) {
            x[a] += step * p[a];
            res[a] -= step * q[a];
        }
        const float rr_next = dot(res, res, d), beta = rr_next / rr;
#pragma omp simd
        for (uint32_t a = 0; a < d; a++) p[a] = res[a] + beta * p[a];
        rr = rr_next;
    }
    return 0;
}

/* Solves every row of s given w->gram_a = alpha0 G of the fixed side.
 * Rows are independent and each is computed the same way on any thread, so
 * the schedule may be dynamic (degrees are skewed) without losing
 * reproducibility. */
static gr_status sweep(const gr_config *c, ials_work *w, const ials_side *s, gr_solver_kind solver, const char *what,
                       char *msg)
{
    const uint32_t d = w->d, n_rows = s->R->n_rows, n_other = s->R->n_cols;
    int64_t bad = -1; /* the first row whose system is not positive definite */
#pragma omp parallel for num_threads(w->n_threads) schedule(dynamic, 16)
    for (uint32_t r = 0; r < n_rows; r++) {
        scratch sc = scratch_of(w, omp_get_thread_num());
        const uint64_t n = gr_csr_degree(s->R, r);
        if (n == 0) {
            /* b = 0: zero is the optimum (and stays one for any alpha0, lambda) */
            memset(s->rows + (size_t)r * d, 0, d * sizeof *s->rows);
            continue;
        }
        const float lambda = row_reg(c, n, n_other);
        const int failed = solver == GR_SOLVER_CHOLESKY ? solve_cholesky(w, s, r, lambda, &sc)
                                                        : solve_cg(w, s, r, lambda, c->cg_steps, &sc);
        if (failed) {
#pragma omp critical(gr_ials_bad_row)
            if (bad < 0 || (int64_t)r < bad) bad = r;
        }
    }
    if (bad >= 0)
        return gr_fail(msg, GR_ERR_ARG,
                       "iALS: the system of %s %lld is not positive definite (reg = %g, unobserved_weight = %g); "
                       "raise reg",
                       what, (long long)bad, c->reg, c->unobserved_weight);
    return GR_OK;
}

/* w->gram_a = alpha0 G, G the Gramian of the side held fixed. */
static void scale_gram(ials_work *w, const gr_config *c, const float *G)
{
    const float alpha0 = (float)c->unobserved_weight;
    for (size_t k = 0; k < (size_t)w->d * w->d; k++) w->gram_a[k] = alpha0 * G[k];
}

/* L of gnn/ials.h, given both Gramians: the unobserved part is
 * alpha0 sum_u e_u^T G_I e_u = alpha0 <G_U, G_I> (Frobenius), so the cost is
 * one dot product per observed pair.  Terms are summed in row order, so L
 * does not depend on the thread count beyond the Gramians'. */
static double objective(const gr_config *c, const gr_graph *g, const float *E, ials_work *w)
{
    const uint32_t d = w->d, nu = g->n_users, ni = g->n_items;
    const float *items = E + (size_t)nu * d;
    const int64_t n = (int64_t)nu + ni;
#pragma omp parallel for num_threads(w->n_threads) schedule(dynamic, 64)
    for (int64_t r = 0; r < n; r++) {
        const int is_user = r < nu;
        const uint32_t row = is_user ? (uint32_t)r : (uint32_t)(r - nu);
        const gr_csr *R = is_user ? &g->R : &g->Rt;
        const float *e = E + (size_t)r * d;
        double t = (double)row_reg(c, gr_csr_degree(R, row), is_user ? ni : nu) * dot(e, e, d);
        if (is_user)
            for (uint64_t k = R->ptr[row]; k < R->ptr[row + 1]; k++) {
                const double err = (double)dot(e, items + (size_t)R->idx[k] * d, d) - 1.0;
                t += err * err;
            }
        w->terms[r] = t;
    }
    double loss = 0, cross = 0;
    for (int64_t r = 0; r < n; r++) loss += w->terms[r];
    for (size_t k = 0; k < (size_t)d * d; k++) cross += (double)w->gram_u[k] * w->gram_i[k];
    return loss + c->unobserved_weight * cross;
}

/* One epoch: users given items (w->gram_i is theirs on entry), then items
 * given users; on return w->gram_u and w->gram_i match E and *loss is L. */
static gr_status epoch(const gr_config *c, const gr_graph *g, float *E, ials_work *w, double *loss, char *msg)
{
    gr_status status = GR_OK;
    const int blas_threads = blas_one_thread();
    float *users = E, *items = E + (size_t)g->n_users * w->d;
    const ials_side us = {&g->R, items, users}, is = {&g->Rt, users, items};
    scale_gram(w, c, w->gram_i);
    GR_TRY(sweep(c, w, &us, c->solver, "user", msg));
    gramian(w, users, g->n_users, w->gram_u);
    scale_gram(w, c, w->gram_u);
    GR_TRY(sweep(c, w, &is, c->solver, "item", msg));
    gramian(w, items, g->n_items, w->gram_i);
    *loss = objective(c, g, E, w);
fail:
    openblas_set_num_threads(blas_threads);
    return status;
}

static gr_status check_graph(const gr_config *c, const gr_graph *g, char *msg)
{
    if (c->dim == 0) return gr_fail(msg, GR_ERR_ARG, "iALS needs dim > 0");
    if (g->R.n_rows != g->n_users || g->R.n_cols != g->n_items || g->Rt.n_rows != g->n_items ||
        g->Rt.n_cols != g->n_users)
        return gr_fail(msg, GR_ERR_ARG, "iALS needs the graph's R (%u x %u) and its transpose", g->n_users, g->n_items);
    return GR_OK;
}

gr_status gr_ials_train(const gr_config *c, const gr_graph *g, float *E, const gr_train_hooks *hooks,
                        gr_train_report *report, char *msg)
{
    gr_status status = GR_OK;
    ials_work w;
    float *best = NULL;
    memset(&w, 0, sizeof w);
    memset(report, 0, sizeof *report);
    report->best_metric = -INFINITY;
    const double start = gr_now();
    const size_t n = (size_t)g->n_users + g->n_items, n_params = n * c->dim;
    const int evaluating = hooks && hooks->evaluate;
    GR_TRY(check_graph(c, g, msg));
    GR_TRY(work_init(&w, c->dim, n, msg));
    /* Rendle et al.'s scale: a row's norm is about init_std whatever dim is,
     * so the first solves weigh data against L2 alike at every dim. */
    gr_init_ego(E, (uint32_t)n, c->dim, c->init_std / sqrt((double)c->dim), c->seed);
    if (evaluating && c->keep == GR_KEEP_BEST) {
        best = gr_alloc(n_params, sizeof *best);
        GR_CHECK_ALLOC(best, "the best embeddings");
        memcpy(best, E, n_params * sizeof *E);
    }
    {
        const int blas_threads = blas_one_thread();
        gramian(&w, E + (size_t)g->n_users * c->dim, g->n_items, w.gram_i);
        openblas_set_num_threads(blas_threads);
    }
    uint32_t since_best = 0;
    int stop = 0;
    for (uint32_t e = 1; !stop && e <= c->epochs; e++) {
        gr_epoch_info info = {.epoch = e};
        const double t0 = gr_now();
        GR_TRY(epoch(c, g, E, &w, &info.loss, msg));
        if (!isfinite(info.loss))
            GR_FAIL(GR_ERR_ARG, "iALS epoch %u: the loss is %g; try a larger reg or a smaller init_std", e, info.loss);
        info.seconds = gr_now() - t0;
        report->epochs_run = e;
        /* the schedule of gr_train: every eval_every epochs, and the last */
        const int due = c->eval_every > 0 && e % c->eval_every == 0, last = e == c->epochs;
        if (evaluating && due)
            GR_TRY(gr_train_evaluate(c, hooks, E, E, best, n_params, &info, report, &since_best, msg));
        stop = c->patience > 0 && since_best >= c->patience;
        if (evaluating && last && !due)
            GR_TRY(gr_train_evaluate(c, hooks, E, E, best, n_params, &info, report, &since_best, msg));
        info.elapsed = gr_now() - start;
        if (hooks && hooks->on_epoch) GR_TRY(hooks->on_epoch(hooks->ctx, &info, msg));
        report->stopped_early = stop;
    }
    if (evaluating && report->best_epoch > 0) memcpy(E, best, n_params * sizeof *E);
    report->seconds = gr_now() - start;
fail:
    free(best);
    work_free(&w);
    return status;
}

/* The Gramian of fixed (n_fixed rows), then a sweep over R's rows. */
static gr_status solve_rows(const gr_config *c, const gr_csr *R, const float *fixed, float *rows, gr_solver_kind solver,
                            char *msg)
{
    gr_status status = GR_OK;
    ials_work w;
    memset(&w, 0, sizeof w);
    const int blas_threads = blas_one_thread();
    GR_TRY(work_init(&w, c->dim, 0, msg));
    gramian(&w, fixed, R->n_cols, w.gram_i);
    scale_gram(&w, c, w.gram_i);
    const ials_side s = {R, fixed, rows};
    GR_TRY(sweep(c, &w, &s, solver, "row", msg));
fail:
    openblas_set_num_threads(blas_threads);
    work_free(&w);
    return status;
}

gr_status gr_ials_solve_rows(const gr_config *c, const gr_csr *R, const float *fixed, float *rows, char *msg)
{
    if (c->dim == 0) return gr_fail(msg, GR_ERR_ARG, "iALS needs dim > 0");
    return solve_rows(c, R, fixed, rows, c->solver, msg);
}

gr_status gr_ials_loss(const gr_config *c, const gr_graph *g, const float *E, double *loss, char *msg)
{
    gr_status status = GR_OK;
    ials_work w;
    memset(&w, 0, sizeof w);
    const int blas_threads = blas_one_thread();
    GR_TRY(check_graph(c, g, msg));
    GR_TRY(work_init(&w, c->dim, (size_t)g->n_users + g->n_items, msg));
    gramian(&w, E, g->n_users, w.gram_u);
    gramian(&w, E + (size_t)g->n_users * c->dim, g->n_items, w.gram_i);
    *loss = objective(c, g, E, &w);
fail:
    openblas_set_num_threads(blas_threads);
    work_free(&w);
    return status;
}

gr_status gr_ials_fold_in(const gr_config *c, const float *item_emb, uint32_t n_items, const gr_csr *history,
                          float *user_emb, char *msg)
{
    if (c->dim == 0) return gr_fail(msg, GR_ERR_ARG, "iALS needs dim > 0");
    if (history->n_cols != n_items)
        return gr_fail(msg, GR_ERR_ARG, "fold-in: the history has %u item columns, the model %u items", history->n_cols,
                       n_items);
    return solve_rows(c, history, item_emb, user_emb, GR_SOLVER_CHOLESKY, msg);
}
