/* LightGCN against PyTorch, value by value (llm.c's test_gpt2 in spirit).
 *
 * bench/torch_reference.py computed a tiny LightGCN (4 users x 5 items, one
 * item of degree 0, d = 4, K = 2) the way the LightGCN reference code does and
 * stored its numbers in tests/data/torch_reference/lightgcn.txt: the ego
 * embeddings, the propagated embeddings, BPR and BCE losses with L2, the
 * gradients with respect to the ego embeddings, and the embeddings after one
 * and two Adam steps.  Here the same computation runs through gnn/ and every
 * number must agree to 1e-5.  No torch is needed at test time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/lightgcn.h"
#include "gnn/loss.h"
#include "gnn/optim.h"
#include "graph/graph.h"
#include "sparse/adjacency.h"
#include "tests/support.h"

#define TOL 1e-5
#define MAX_SECTIONS 32

typedef struct {
    char name[32];
    size_t n;
    double *v;
} section;

typedef struct {
    section s[MAX_SECTIONS];
    int count;
} fixture;

static void fixture_load(fixture *f, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) fail_msg("cannot open %s (regenerate with bench/torch_reference.py)", path);
    memset(f, 0, sizeof *f);
    char line[256];
    for (;;) {
        long at = ftell(fp);
        if (fgets(line, sizeof line, fp) == NULL) break;
        if (line[0] == '#') continue;
        fseek(fp, at, SEEK_SET);
        assert_true(f->count < MAX_SECTIONS);
        section *s = &f->s[f->count++];
        assert_int_equal(fscanf(fp, "%31s %zu", s->name, &s->n), 2);
        s->v = malloc((s->n ? s->n : 1) * sizeof *s->v);
        assert_non_null(s->v);
        for (size_t k = 0; k < s->n; k++) assert_int_equal(fscanf(fp, "%lf", &s->v[k]), 1);
        assert_int_equal(fscanf(fp, " "), 0); /* to the next header */
    }
    fclose(fp);
}

static void fixture_free(fixture *f)
{
    for (int k = 0; k < f->count; k++) free(f->s[k].v);
}

static const section *get(const fixture *f, const char *name, size_t n)
{
    for (int k = 0; k < f->count; k++)
        if (strcmp(f->s[k].name, name) == 0) {
            if (n) assert_int_equal(f->s[k].n, n);
            return &f->s[k];
        }
    fail_msg("fixture has no section %s", name);
    return NULL;
}

/* Every value within TOL (absolute, and relative beyond magnitude 1). */
static void expect_close(const char *what, const double *want, const float *got, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (fabs(got[k] - want[k]) > TOL * fmax(1.0, fabs(want[k])))
            fail_msg("%s[%zu]: torch %.9g, gnnrec %.9g", what, k, want[k], (double)got[k]);
}

static void expect_close1(const char *what, double want, double got)
{
    if (fabs(got - want) > TOL * fmax(1.0, fabs(want))) fail_msg("%s: torch %.9g, gnnrec %.9g", what, want, got);
}

/* The model built from the fixture. */
typedef struct {
    uint32_t nu, ni, d, K, n;
    float decay;
    double lr;
    gr_graph g;
    gr_norm_adj *adj;
    gr_lightgcn net;
    gr_emb_shape shape;
    uint32_t *user, *pos, *neg;
    gr_batch batch;
    float *ego, *dE, *dego;
} model;

static void model_build(model *m, const fixture *f, gr_spmm_kernel kernel)
{
    char msg[GR_MSG_LEN];
    memset(m, 0, sizeof *m);
    const section *shape = get(f, "shape", 4), *hyper = get(f, "hyper", 2);
    m->nu = (uint32_t)shape->v[0];
    m->ni = (uint32_t)shape->v[1];
    m->d = (uint32_t)shape->v[2];
    m->K = (uint32_t)shape->v[3];
    m->n = m->nu + m->ni;
    m->decay = (float)hyper->v[0];
    m->lr = hyper->v[1];
    m->shape = (gr_emb_shape){m->nu, m->ni, m->d, 0};

    const section *edges = get(f, "edges", 0);
    size_t ne = edges->n / 2;
    uint32_t *eu = malloc(ne * sizeof *eu), *ei = malloc(ne * sizeof *ei);
    assert_non_null(eu);
    assert_non_null(ei);
    for (size_t k = 0; k < ne; k++) {
        eu[k] = (uint32_t)edges->v[2 * k];
        ei[k] = (uint32_t)edges->v[2 * k + 1];
    }
    assert_int_equal(gr_graph_from_pairs(&m->g, m->nu, m->ni, eu, ei, ne, msg), GR_OK);
    free(eu);
    free(ei);
    assert_int_equal(gr_norm_adj_build(&m->adj, &m->g, NULL, 0.0f, msg), GR_OK);
    assert_int_equal(gr_lightgcn_init(&m->net, m->n, m->d, m->K, NULL, kernel, msg), GR_OK);

    const section *batch = get(f, "batch", 0);
    size_t nb = batch->n / 3;
    m->user = malloc(nb * sizeof *m->user);
    m->pos = malloc(nb * sizeof *m->pos);
    m->neg = malloc(nb * sizeof *m->neg);
    assert_true(m->user && m->pos && m->neg);
    for (size_t k = 0; k < nb; k++) {
        m->user[k] = (uint32_t)batch->v[3 * k];
        m->pos[k] = (uint32_t)batch->v[3 * k + 1];
        m->neg[k] = (uint32_t)batch->v[3 * k + 2];
    }
    m->batch = (gr_batch){.n = nb, .neg = 1, .user = m->user, .pos = m->pos, .negs = m->neg};

    size_t cells = (size_t)m->n * m->d;
    const section *ego = get(f, "ego", cells);
    m->ego = malloc(cells * sizeof *m->ego);
    m->dE = malloc(cells * sizeof *m->dE);
    m->dego = malloc(cells * sizeof *m->dego);
    assert_true(m->ego && m->dE && m->dego);
    for (size_t k = 0; k < cells; k++) m->ego[k] = (float)ego->v[k];
}

static void model_free(model *m)
{
    gr_lightgcn_free(&m->net);
    gr_norm_adj_free(m->adj);
    gr_graph_free(&m->g);
    free(m->user);
    free(m->pos);
    free(m->neg);
    free(m->ego);
    free(m->dE);
    free(m->dego);
}

/* One training step's maths: forward, head loss, L2, backward into m->dego. */
static void model_grad(model *m, int bce, double *head, double *reg)
{
    char msg[GR_MSG_LEN];
    size_t cells = (size_t)m->n * m->d;
    memset(m->dE, 0, cells * sizeof *m->dE);
    memset(m->dego, 0, cells * sizeof *m->dego);
    assert_int_equal(gr_lightgcn_forward(&m->net, m->adj, m->ego, msg), GR_OK);
    if (bce) assert_int_equal(gr_loss_bce(m->net.out, m->shape, &m->batch, m->dE, head, msg), GR_OK);
    else assert_int_equal(gr_loss_bpr(m->net.out, m->shape, &m->batch, m->dE, head, msg), GR_OK);
    assert_int_equal(gr_loss_l2(m->ego, m->shape, &m->batch, m->decay, m->dego, reg, msg), GR_OK);
    assert_int_equal(gr_lightgcn_backward(&m->net, m->adj, m->dE, m->dego, msg), GR_OK);
}

static void check_against_torch(gr_spmm_kernel kernel)
{
    char msg[GR_MSG_LEN];
    char *path = gr_test_path(gr_test_data_dir(), "torch_reference/lightgcn.txt");
    fixture f;
    fixture_load(&f, path);
    free(path);
    model m;
    model_build(&m, &f, kernel);
    const size_t cells = (size_t)m.n * m.d;
    double head, reg;

    /* BCE + L2 at the initial embeddings. */
    model_grad(&m, 1, &head, &reg);
    expect_close1("bce_loss", get(&f, "bce_loss", 1)->v[0], head);
    expect_close("bce_grad_ego", get(&f, "bce_grad_ego", cells)->v, m.dego, cells);

    /* BPR + L2, then two Adam steps. */
    gr_adam adam;
    assert_int_equal(gr_adam_init(&adam, cells, m.lr, msg), GR_OK);
    model_grad(&m, 0, &head, &reg);
    expect_close("out", get(&f, "out", cells)->v, m.net.out, cells);
    expect_close1("bpr_loss", get(&f, "bpr_loss", 1)->v[0], head);
    expect_close1("reg", get(&f, "reg", 1)->v[0], reg);
    expect_close("grad_ego", get(&f, "grad_ego", cells)->v, m.dego, cells);
    gr_adam_step(&adam, m.ego, m.dego);
    expect_close("ego_adam1", get(&f, "ego_adam1", cells)->v, m.ego, cells);
    model_grad(&m, 0, &head, &reg);
    gr_adam_step(&adam, m.ego, m.dego);
    expect_close("ego_adam2", get(&f, "ego_adam2", cells)->v, m.ego, cells);

    gr_adam_free(&adam);
    model_free(&m);
    fixture_free(&f);
}

static void test_reference_csr(void **state)
{
    (void)state;
    check_against_torch(GR_SPMM_CSR);
}

static void test_reference_graphblas(void **state)
{
    (void)state;
    check_against_torch(GR_SPMM_GRAPHBLAS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_csr),
        cmocka_unit_test(test_reference_graphblas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
