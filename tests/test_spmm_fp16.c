/* Halves (IEEE binary16) for propagated activations: the float <-> half
 * conversions against a reference built from the definition (nearest, ties
 * to even, overflow to inf, subnormals), the vector conversions against the
 * scalar ones; the SpMM kernel on X16 against the float kernel on X rounded
 * to half, bit for bit, for several d, instruction sets, thread counts and
 * options; LightGCN's forward pass with activations = fp16 against the float
 * passes on rounded layers (bit for bit) and against fp32 (a tight relative
 * tolerance); and training with activations = fp16 end to end, resumed from
 * a checkpoint to the same bytes. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gnn/lightgcn.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"
#include "sparse/half.h"
#include "tests/support.h"

/* ---- conversions ----------------------------------------------------------- */

/* A half's value from the definition, in double (NaN for NaNs). */
static double ref_half_value(uint16_t h)
{
    const int sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0x1f) v = m ? NAN : INFINITY;
    else if (e == 0) v = ldexp(m, -24);
    else v = ldexp(1024 + m, e - 25);
    return sign ? -v : v;
}

/* The half nearest to f, ties to the even pattern, from the sorted table of
 * the positive finite halves (0 .. 0x7bff, increasing with the bits); from
 * 65520 on (halfway to 2^16) inf. */
static uint16_t ref_half_from(float f)
{
    const uint16_t sign = signbit(f) ? 0x8000 : 0;
    const double a = fabs((double)f);
    if (a >= 65520.0) return sign | 0x7c00;
    uint32_t lo = 0, hi = 0x7bff; /* largest h with value(h) <= a */
    while (lo < hi) {
        const uint32_t mid = (lo + hi + 1) / 2;
        if (ref_half_value((uint16_t)mid) <= a) lo = mid;
        else hi = mid - 1;
    }
    if (lo == 0x7bff) return sign | 0x7bff; /* (65504, 65520) */
    const double dlo = a - ref_half_value((uint16_t)lo), dhi = ref_half_value((uint16_t)(lo + 1)) - a;
    const uint32_t h = dlo < dhi ? lo : dhi < dlo ? lo + 1 : (lo & 1) ? lo + 1 : lo;
    return (uint16_t)(sign | h);
}

static float bits_float(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* Floats that probe the rounding: every half, the midpoints between
 * neighbours (ties) and a float step either side, random magnitudes across
 * the whole range, float subnormals, the overflow edge, +-0 and +-inf. */
static float *rounding_samples(size_t *count)
{
    float *v = malloc(600000 * sizeof *v);
    assert_non_null(v);
    size_t n = 0;
    for (uint32_t h = 0; h < 0x7c00; h++) {
        const float x = (float)ref_half_value((uint16_t)h);
        const float mid = (float)((ref_half_value((uint16_t)h) + ref_half_value((uint16_t)(h + 1))) / 2);
        const float s = h & 1 ? -1.0f : 1.0f;
        v[n++] = s * x;
        if (h + 1 < 0x7c00 || mid < 65520.0f) {
            v[n++] = -s * mid;
            v[n++] = s * nextafterf(mid, 0.0f);
            v[n++] = s * nextafterf(mid, INFINITY);
        }
    }
    gr_rng rng;
    gr_rng_seed(&rng, 17, 0);
    for (int k = 0; k < 100000; k++) {
        const uint32_t e = 90 + gr_rng_below(&rng, 60), m = (uint32_t)gr_rng_below(&rng, 1u << 23);
        v[n++] = bits_float((k & 1u) << 31 | e << 23 | m);
    }
    const float edge[] = {65504.0f,          65519.99f,         65520.0f,          65536.0f,       1e10f,
                          INFINITY,          -INFINITY,         0.0f,              -0.0f,          0x1p-25f,
                          nextafterf(0x1p-25f, 1.0f),          0x1p-24f,          0x1.8p-24f,     0x1p-14f,
                          nextafterf(0x1p-14f, 0.0f),          bits_float(1),     bits_float(0x007fffff),
                          FLT_MAX,           -FLT_MAX,          65519.0f,          -65520.0f};
    for (size_t k = 0; k < sizeof edge / sizeof *edge; k++) v[n++] = edge[k];
    *count = n;
    return v;
}

static void test_half_to_float(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 0x10000; h++) {
        const double want = ref_half_value((uint16_t)h);
        const float got = gr_half_to_float((uint16_t)h);
        if (isnan(want)) {
            /* NaN stays NaN, quieted, with the half's payload on top */
            const uint32_t b = gr_half_f32_bits(got);
            assert_true(isnan(got));
            assert_int_equal(b & 0x400000u, 0x400000u);
            assert_int_equal((b >> 13) & 0x1ffu, h & 0x1ffu);
            assert_int_equal(b >> 31, h >> 15);
        } else if (got != (float)want || !signbit(got) != !signbit(want)) {
            fail_msg("half 0x%04x: got %a, want %a", h, (double)got, want);
        }
        if (!isnan(want)) assert_int_equal(gr_half_from_float(got), h); /* round trip */
    }
}

static void test_float_to_half(void **state)
{
    (void)state;
    size_t n = 0;
    float *v = rounding_samples(&n);
    for (size_t k = 0; k < n; k++) {
        const uint16_t got = gr_half_from_float(v[k]), want = ref_half_from(v[k]);
        if (got != want) fail_msg("%a: got 0x%04x, want 0x%04x", (double)v[k], got, want);
    }
    /* NaNs: quiet, sign and top payload bits kept */
    assert_int_equal(gr_half_from_float(bits_float(0x7fc00000u)), 0x7e00);
    assert_int_equal(gr_half_from_float(bits_float(0xff812345u)), 0xfe00 | (0x12345u >> 13));
    free(v);
}

/* The array conversion (AVX-512F, F16C or portable, 16 at a time plus a
 * tail) gives the scalar bits, NaNs included. */
static void test_float_to_half_array(void **state)
{
    (void)state;
    size_t n = 0;
    float *v = rounding_samples(&n);
    const size_t extra = 5;
    float *w = realloc(v, (n + extra) * sizeof *v);
    assert_non_null(w);
    v = w;
    const uint32_t nans[] = {0x7fc00000u, 0x7f800001u, 0xff812345u, 0x7fbfffffu, 0xffffffffu};
    for (size_t k = 0; k < extra; k++) v[n++] = bits_float(nans[k]);
    uint16_t *h = malloc(n * sizeof *h);
    assert_non_null(h);
    const gr_half_isa isas[] = {GR_HALF_ISA_SCALAR, GR_HALF_ISA_F16C, GR_HALF_ISA_AVX512};
    for (size_t i = 0; i < 3; i++) {
        gr_spmm_half_isa(isas[i]);
        const size_t lens[] = {n, n - 1, n - 15, n - 17, 15, 1};
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            const size_t len = lens[l];
            memset(h, 0xa5, n * sizeof *h);
            gr_half_from_float_array(h, v, len);
            for (size_t k = 0; k < len; k++)
                if (h[k] != gr_half_from_float(v[k]))
                    fail_msg("isa %d, %a: got 0x%04x, want 0x%04x", (int)isas[i], (double)v[k], h[k],
                             gr_half_from_float(v[k]));
            for (size_t k = len; k < n; k++) assert_int_equal(h[k], 0xa5a5);
        }
    }
    gr_spmm_half_isa(GR_HALF_ISA_BEST);
    free(h);
    free(v);
}

/* ---- the SpMM kernel -------------------------------------------------------- */

/* A random bipartite graph with some empty rows (odd users, the last items). */
static gr_norm_adj *random_adj(gr_graph *g, uint32_t nu, uint32_t ni, size_t ne, uint64_t seed)
{
    char msg[GR_MSG_LEN];
    gr_rng rng;
    gr_rng_seed(&rng, seed, 0);
    uint32_t *u = malloc(ne * sizeof *u), *i = malloc(ne * sizeof *i);
    assert_true(u && i);
    for (size_t e = 0; e < ne; e++) {
        u[e] = 2 * gr_rng_below(&rng, (nu + 1) / 2);
        i[e] = gr_rng_below(&rng, ni * 3 / 4 + 1);
    }
    gr_norm_adj *a = NULL;
    assert_int_equal(gr_graph_from_pairs(g, nu, ni, u, i, ne, msg), GR_OK);
    if (gr_norm_adj_build(&a, g, NULL, 0.0f, msg) != GR_OK) fail_msg("%s", msg);
    free(u);
    free(i);
    return a;
}

/* The arrays of one comparison: X as halves and as the floats they hold. */
typedef struct {
    uint32_t n, d;
    size_t len;
    uint16_t *X16;
    float *Xr, *Z, *O0;
    uint8_t *mask;
    uint32_t *list;
    gr_row_set rows;
} case_t;

static case_t make_case(uint32_t n, uint32_t d, gr_rng *rng)
{
    case_t c = {n, d, (size_t)n * d, NULL, NULL, NULL, NULL, NULL, NULL, {0}};
    c.X16 = malloc(c.len * sizeof *c.X16);
    c.Xr = malloc(c.len * sizeof *c.Xr);
    c.Z = malloc(c.len * sizeof *c.Z);
    c.O0 = malloc(c.len * sizeof *c.O0);
    c.mask = calloc(n, 1);
    c.list = malloc(n * sizeof *c.list);
    assert_true(c.X16 && c.Xr && c.Z && c.O0 && c.mask && c.list);
    for (size_t k = 0; k < c.len; k++) {
        /* magnitudes over several binades, a few subnormal halves among them */
        c.X16[k] = gr_half_from_float((float)(gr_rng_normal(rng) * pow(2.0, -(double)gr_rng_below(rng, 20))));
        c.Xr[k] = gr_half_to_float(c.X16[k]);
        c.Z[k] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
        c.O0[k] = (float)(2.0 * gr_rng_uniform(rng) - 1.0);
    }
    uint32_t m = 0;
    for (uint32_t r = 0; r < n; r++)
        if (gr_rng_below(rng, 3) == 0) c.mask[r] = 1, c.list[m++] = r;
    c.rows = (gr_row_set){c.list, m, c.mask};
    return c;
}

static void free_case(case_t *c)
{
    free(c->X16);
    free(c->Xr);
    free(c->Z);
    free(c->O0);
    free(c->mask);
    free(c->list);
}

/* Runs opts once on the float X (the reference) and once on X16, with Y16
 * set too; Y, OUT and Y16 must agree bit for bit (Y16 with the reference's
 * Y rounded to half), rows the product leaves alone must keep their bits. */
static void compare(const gr_norm_adj *a, const case_t *c, gr_spmm_opts o, int want_y, const char *what)
{
    char msg[GR_MSG_LEN];
    const size_t len = c->len;
    float *Yr = malloc(len * sizeof *Yr), *Y = malloc(len * sizeof *Y);
    float *Or = malloc(len * sizeof *Or), *O = malloc(len * sizeof *O);
    uint16_t *Y16 = malloc(len * sizeof *Y16);
    assert_true(Yr && Y && Or && O && Y16);
    for (size_t k = 0; k < len; k++) Yr[k] = Y[k] = NAN;
    memset(Y16, 0xa5, len * sizeof *Y16);
    memcpy(Or, c->O0, len * sizeof *Or);
    memcpy(O, c->O0, len * sizeof *O);
    const int out = o.OUT != NULL;
    o.OUT = out ? Or : NULL;
    if (gr_spmm_ex(a, c->Xr, Yr, c->d, &o, GR_SPMM_CSR, msg) != GR_OK) fail_msg("%s: %s", what, msg);
    o.OUT = out ? O : NULL;
    o.X16 = c->X16;
    o.Y16 = Y16;
    if (gr_spmm_ex(a, NULL, want_y ? Y : NULL, c->d, &o, GR_SPMM_CSR, msg) != GR_OK) fail_msg("%s: %s", what, msg);
    if (want_y && memcmp(Y, Yr, len * sizeof *Y) != 0) fail_msg("%s: Y differs (d %u)", what, c->d);
    if (memcmp(O, Or, len * sizeof *O) != 0) fail_msg("%s: OUT differs (d %u)", what, c->d);
    for (size_t k = 0; k < len; k++) {
        const int computed = o.rows == NULL || c->mask[k / c->d];
        const uint16_t want = computed ? gr_half_from_float(Yr[k]) : 0xa5a5;
        if (Y16[k] != want) fail_msg("%s: Y16[%zu] = 0x%04x, want 0x%04x (d %u)", what, k, Y16[k], want, c->d);
    }
    free(Yr);
    free(Y);
    free(Or);
    free(O);
    free(Y16);
}

/* A row_fn that keeps each row it is handed. */
typedef struct {
    float *rows;
    uint32_t d;
} keep_rows;

static void keep_fn(void *ctx, uint32_t r, const float *y)
{
    const keep_rows *k = ctx;
    memcpy(k->rows + (size_t)r * k->d, y, k->d * sizeof *y);
}

/* Every option LightGCN's forward pass uses, and the others that combine
 * with X16, on one d. */
static void check_d(const gr_norm_adj *a, uint32_t n, uint32_t d, gr_rng *rng)
{
    char msg[GR_MSG_LEN];
    case_t c = make_case(n, d, rng);
    compare(a, &c, (gr_spmm_opts){0}, 1, "plain");
    compare(a, &c, (gr_spmm_opts){0}, 0, "Y16 only");
    /* a forward layer: OUT = α₀·OUT_INIT + α·y on the batch's rows */
    compare(a, &c, (gr_spmm_opts){.OUT = c.O0, .alpha = 0.25f, .OUT_INIT = c.Z, .alpha0 = 0.5f, .out_mask = c.mask},
            0, "OUT_INIT + out_mask");
    compare(a, &c, (gr_spmm_opts){.OUT = c.O0, .alpha = -0.7f, .Z = c.Z, .beta = 0.3f}, 1, "Z + OUT");
    /* the last forward layer: the batch's rows only */
    compare(a, &c, (gr_spmm_opts){.OUT = c.O0, .alpha = 0.25f, .rows = &c.rows}, 0, "rows");
    compare(a, &c, (gr_spmm_opts){.OUT = c.O0, .alpha = 0.25f, .Z = c.Z, .beta = 2.0f, .rows = &c.rows}, 1,
            "rows + Z + Y");
    /* row_fn gets the float rows */
    keep_rows kr = {malloc(c.len * sizeof(float)), d}, kh = {malloc(c.len * sizeof(float)), d};
    assert_true(kr.rows && kh.rows);
    gr_spmm_opts o = {.row_fn = keep_fn, .row_ctx = &kr};
    assert_int_equal(gr_spmm_ex(a, c.Xr, NULL, d, &o, GR_SPMM_CSR, msg), GR_OK);
    o = (gr_spmm_opts){.row_fn = keep_fn, .row_ctx = &kh, .X16 = c.X16};
    assert_int_equal(gr_spmm_ex(a, NULL, NULL, d, &o, GR_SPMM_CSR, msg), GR_OK);
    assert_memory_equal(kr.rows, kh.rows, c.len * sizeof(float));
    free(kr.rows);
    free(kh.rows);
    free_case(&c);
}

/* d below, at and off the register-blocked sizes (multiples of 16 up to
 * 128), each with every instruction set and 1 and 2 threads. */
static void test_kernel_bit_identical(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = random_adj(&g, 150, 120, 2500, 5);
    const uint32_t n = gr_norm_adj_nodes(a);
    const uint32_t ds[] = {1, 7, 16, 33, 64, 100, 128, 144, 200};
    const gr_half_isa isas[] = {GR_HALF_ISA_SCALAR, GR_HALF_ISA_F16C, GR_HALF_ISA_AVX512};
    const int threads0 = omp_get_max_threads();
    gr_rng rng;
    gr_rng_seed(&rng, 9, 0);
    for (size_t i = 0; i < 3; i++) {
        gr_spmm_half_isa(isas[i]);
        for (int t = 1; t <= 2; t++) {
            omp_set_num_threads(t);
            for (size_t k = 0; k < sizeof ds / sizeof *ds; k++) check_d(a, n, ds[k], &rng);
        }
    }
    gr_spmm_half_isa(GR_HALF_ISA_BEST);
    omp_set_num_threads(threads0);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
}

static void test_kernel_errors(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_graph g;
    gr_norm_adj *a = random_adj(&g, 10, 8, 30, 2);
    const uint32_t n = gr_norm_adj_nodes(a), d = 4;
    float *X = calloc((size_t)n * d, sizeof *X), *Y = calloc((size_t)n * d, sizeof *Y);
    uint16_t *H = calloc((size_t)n * d * 2, sizeof *H);
    uint8_t *live = calloc(n, 1);
    assert_true(X && Y && H && live);
    gr_spmm_opts o = {.X16 = H};
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, GR_SPMM_CSR, msg), GR_ERR_ARG); /* X and X16 */
    assert_int_equal(gr_spmm_ex(a, NULL, Y, d, &o, GR_SPMM_GRAPHBLAS, msg), GR_ERR_ARG);
    assert_non_null(strstr(msg, "CSR kernel"));
    o = (gr_spmm_opts){.Y16 = H};
    assert_int_equal(gr_spmm_ex(a, X, Y, d, &o, GR_SPMM_CSR, msg), GR_ERR_ARG); /* Y16 without X16 */
    o = (gr_spmm_opts){.X16 = H, .x_live = live};
    assert_int_equal(gr_spmm_ex(a, NULL, Y, d, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o = (gr_spmm_opts){.X16 = H, .Y16 = H + 1}; /* overlapping halves */
    assert_int_equal(gr_spmm_ex(a, NULL, NULL, d, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o = (gr_spmm_opts){.X16 = H, .Y16 = (uint16_t *)(void *)(Y + 1)}; /* Y16 inside Y */
    assert_int_equal(gr_spmm_ex(a, NULL, Y, d, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o = (gr_spmm_opts){.X16 = (const uint16_t *)(void *)Y}; /* X16 inside Y */
    assert_int_equal(gr_spmm_ex(a, NULL, Y, d, &o, GR_SPMM_CSR, msg), GR_ERR_ARG);
    o = (gr_spmm_opts){.X16 = H, .Y16 = H + (size_t)n * d}; /* adjacent, not overlapping */
    assert_int_equal(gr_spmm_ex(a, NULL, Y, d, &o, GR_SPMM_CSR, msg), GR_OK);
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, n, d, 2, NULL, GR_SPMM_GRAPHBLAS, msg), GR_OK);
    assert_int_equal(gr_lightgcn_forward_ex(&w, a, X, NULL, GR_LIGHTGCN_FP16, msg), GR_ERR_ARG);
    assert_int_equal(gr_lightgcn_forward_ex(&w, a, X, NULL, (gr_lightgcn_act)5, msg), GR_ERR_ARG);
    gr_lightgcn_free(&w);
    free(X);
    free(Y);
    free(H);
    free(live);
    gr_norm_adj_free(a);
    gr_graph_free(&g);
}

/* ---- LightGCN's forward pass -------------------------------------------------- */

/* out = α₀ ego + Σₖ αₖ Eᵏ with Eᵏ = Â·half(E^(k-1)), E⁰ = ego, from whole-array
 * float products and passes: what activations = fp16 must give, bit for bit. */
static float *forward_rounded(const gr_norm_adj *a, const float *ego, size_t len, uint32_t d, uint32_t K,
                              const float *alpha)
{
    char msg[GR_MSG_LEN];
    float *out = malloc(len * sizeof *out), *X = malloc(len * sizeof *X), *Y = malloc(len * sizeof *Y);
    assert_true(out && X && Y);
    for (size_t c = 0; c < len; c++) out[c] = alpha[0] * ego[c];
    for (size_t c = 0; c < len; c++) X[c] = gr_half_to_float(gr_half_from_float(ego[c]));
    for (uint32_t k = 1; k <= K; k++) {
        assert_int_equal(gr_spmm(a, X, Y, d, GR_SPMM_CSR, msg), GR_OK);
        for (size_t c = 0; c < len; c++) out[c] += alpha[k] * Y[c];
        for (size_t c = 0; c < len; c++) X[c] = gr_half_to_float(gr_half_from_float(Y[c]));
    }
    free(X);
    free(Y);
    return out;
}

static void check_forward(const gr_norm_adj *a, uint32_t d, uint32_t K, const float *alpha, uint64_t seed)
{
    char msg[GR_MSG_LEN];
    const uint32_t n = gr_norm_adj_nodes(a);
    const size_t len = (size_t)n * d;
    float *ego = malloc(len * sizeof *ego), *out32 = malloc(len * sizeof *out32);
    assert_true(ego && out32);
    gr_rng rng;
    gr_rng_seed(&rng, seed, 0);
    for (size_t c = 0; c < len; c++) ego[c] = (float)(0.1 * gr_rng_normal(&rng)); /* LightGCN's init */
    gr_lightgcn w;
    assert_int_equal(gr_lightgcn_init(&w, n, d, K, alpha, GR_SPMM_CSR, msg), GR_OK);
    assert_int_equal(gr_lightgcn_forward(&w, a, ego, msg), GR_OK);
    memcpy(out32, w.out, len * sizeof *out32);
    assert_int_equal(gr_lightgcn_forward_ex(&w, a, ego, NULL, GR_LIGHTGCN_FP16, msg), GR_OK);
    float *ref = forward_rounded(a, ego, len, d, K, w.alpha);
    assert_memory_equal(w.out, ref, len * sizeof *ref);
    /* close to fp32: each layer's input is off by at most 2^-11 relatively,
     * and the errors average out in the sums (here ~4e-5 and ~5e-5) */
    double num = 0, den = 0, worst = 0, scale = 0;
    for (size_t c = 0; c < len; c++) scale = fmax(scale, fabs((double)out32[c]));
    for (size_t c = 0; c < len; c++) {
        const double e = (double)w.out[c] - out32[c];
        num += e * e;
        den += (double)out32[c] * out32[c];
        worst = fmax(worst, fabs(e));
    }
    if (!(sqrt(num / den) < 1e-4 && worst < 2e-4 * scale))
        fail_msg("d %u, K %u: relative error %.3g (Frobenius), %.3g (largest, of the largest |E|)", d, K,
                 sqrt(num / den), worst / scale);
    /* the batch pass: the same bits on its rows */
    uint8_t *mask = calloc(n, 1);
    uint32_t *list = malloc(n * sizeof *list), m = 0;
    assert_true(mask && list);
    for (uint32_t r = 0; r < n; r += 3) mask[r] = 1, list[m++] = r;
    const gr_row_set rows = {list, m, mask};
    assert_int_equal(gr_lightgcn_forward_ex(&w, a, ego, &rows, GR_LIGHTGCN_FP16, msg), GR_OK);
    for (uint32_t i = 0; i < m; i++)
        assert_memory_equal(w.out + (size_t)list[i] * d, ref + (size_t)list[i] * d, d * sizeof(float));
    gr_lightgcn_free(&w);
    free(mask);
    free(list);
    free(ref);
    free(ego);
    free(out32);
}

static void test_forward_fp16(void **state)
{
    (void)state;
    gr_graph g;
    gr_norm_adj *a = random_adj(&g, 300, 250, 4000, 7);
    const float weights[] = {0.5f, 0.25f, 1.0f, 0.125f};
    check_forward(a, 64, 3, NULL, 1);
    check_forward(a, 16, 1, NULL, 2);
    check_forward(a, 33, 3, weights, 3);
    check_forward(a, 144, 2, NULL, 4);
    check_forward(a, 64, 0, NULL, 5); /* nothing propagated: fp32's bits */
    gr_norm_adj_free(a);
    gr_graph_free(&g);
}

/* ---- training end to end ------------------------------------------------------- */

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = gr_test_generated_split("--users 300 --items 200 --edges 8000 --communities 4 --exponent 0.5 --p-in 0.9 --seed 3");
    return dir == NULL;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(dir);
    free(dir);
    return 0;
}

static const char settings[] = "dim=16 batch=256 lr=0.01 eval_every=0 threads=2 checkpoint_every=2";

static gr_test_run train(const char *act, const char *extra)
{
    return gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s activations=%s --quiet %s", dir, dir,
                       settings, act, extra);
}

static void run_ok(gr_test_run r, const char *what)
{
    if (r.exit_code != 0) fail_msg("%s: exit %d\n%s", what, r.exit_code, r.err);
    gr_test_run_free(&r);
}

static char *slurp(const char *name, size_t *len)
{
    char *p = gr_test_path(dir, name), *data = gr_test_read_file(p, len);
    if (data == NULL) fail_msg("cannot read %s", p);
    free(p);
    return data;
}

/* Test recall@20 from train's metrics table (columns @10 @20 @50). */
static double recall20(const gr_test_run *r)
{
    const char *p = strstr(r->out, "\nrecall ");
    double r10 = 0, r20 = 0;
    if (p == NULL || sscanf(p, " recall %lf %lf", &r10, &r20) != 2) fail_msg("no recall row in:\n%s", r->out);
    return r20;
}

/* 6 epochs in one run, and 4 then resumed to 6, make the same model file; the
 * run reaches fp32's accuracy on this split, and differs from it (the
 * activations were rounded). */
static void test_train_resume_fp16(void **state)
{
    (void)state;
    char extra[512];
    snprintf(extra, sizeof extra, "epochs=6 -o %s/h-A.gnr", dir);
    gr_test_run a = train("fp16", extra);
    if (a.exit_code != 0) fail_msg("fp16 run: %s", a.err);
    snprintf(extra, sizeof extra, "epochs=6 -o %s/f-A.gnr", dir);
    gr_test_run f = train("fp32", extra);
    if (f.exit_code != 0) fail_msg("fp32 run: %s", f.err);
    snprintf(extra, sizeof extra, "epochs=4 -o %s/h-C.gnr --checkpoint %s/h-4.ckpt", dir, dir);
    run_ok(train("fp16", extra), "run of 4 epochs");
    run_ok(gr_test_cli("train --resume %s/h-4.ckpt epochs=6 --quiet -o %s/h-B.gnr", dir, dir), "resume");
    /* the setting belongs to the run: it cannot change on resume */
    gr_test_run bad = gr_test_cli("train --resume %s/h-4.ckpt epochs=6 activations=fp32 --quiet", dir);
    assert_int_equal(bad.exit_code, 2);
    assert_non_null(strstr(bad.err, "activations cannot change on --resume"));
    gr_test_run_free(&bad);

    size_t la = 0, lb = 0, lf = 0;
    char *ma = slurp("h-A.gnr", &la), *mb = slurp("h-B.gnr", &lb), *mf = slurp("f-A.gnr", &lf);
    assert_int_equal(la, lb);
    if (memcmp(ma, mb, la) != 0) fail_msg("fp16: the resumed model differs from the uninterrupted one");
    assert_true(la != lf || memcmp(ma, mf, la) != 0);
    assert_non_null(memmem(ma, la, "activations = fp16", strlen("activations = fp16")));
    const double rh = recall20(&a), rf = recall20(&f);
    if (!(fabs(rh - rf) <= 0.01 + 0.02 * rf)) fail_msg("recall@20: fp16 %.4f, fp32 %.4f", rh, rf);
    free(ma);
    free(mb);
    free(mf);
    gr_test_run_free(&a);
    gr_test_run_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_to_float),
        cmocka_unit_test(test_float_to_half),
        cmocka_unit_test(test_float_to_half_array),
        cmocka_unit_test(test_kernel_bit_identical),
        cmocka_unit_test(test_kernel_errors),
        cmocka_unit_test(test_forward_fp16),
        cmocka_unit_test(test_train_resume_fp16),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
