/* Run configuration: defaults, the key table, value parsing, command-line
 * overrides and the checks that span several keys.  Reading and writing
 * INI text is in config_ini.c. */
#include "gnn/config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/config_keys.h"

static const char *const format_names[] = {"auto", "adj", "edges", "movielens", NULL};
static const char *const ids_names[] = {"auto", "int", "string", NULL};
static const char *const graph_names[] = {"bipartite", "directed", "undirected", NULL};
static const char *const model_names[] = {"lightgcn", "mf",  "ials",        "gfcf",    "itempop",
                                          "ppr",      "adamic_adar", "jaccard", "common_neighbors", NULL};
static const char *const view_names[] = {"bipartite", "unipartite", NULL};
static const char *const social_norm_names[] = {"joint", "separate", NULL};
static const char *const solver_names[] = {"cholesky", "cg", NULL};
static const char *const loss_names[] = {"bpr", "bce", NULL};
static const char *const opt_names[] = {"adam", "sgd", "adagrad", NULL};
static const char *const neg_sampler_names[] = {"uniform", "dns", NULL};
static const char *const keep_names[] = {"best", "last", NULL};
static const char *const act_names[] = {"fp32", "fp16", NULL};
static const char *const metric_names[] = {"recall", "precision", "ndcg", "hit_rate", "map", "mrr", NULL};

/* Enum fields are written through an int pointer. */
_Static_assert(sizeof(gr_format) == sizeof(int) && sizeof(gr_id_mode) == sizeof(int) &&
                   sizeof(gr_graph_kind) == sizeof(int) && sizeof(gr_model_kind) == sizeof(int) &&
                   sizeof(gr_loss_kind) == sizeof(int) && sizeof(gr_opt_kind) == sizeof(int) &&
                   sizeof(gr_keep_kind) == sizeof(int) && sizeof(gr_solver_kind) == sizeof(int) &&
                   sizeof(gr_view_kind) == sizeof(int) && sizeof(gr_social_norm) == sizeof(int) &&
                   sizeof(gr_act_kind) == sizeof(int),
               "enums are int-sized");

#define OFF(f) offsetof(gr_config, f)
static const key_def keys[] = {
    {"data", "train", T_PATH, OFF(train), 0, 0, 0, 0, NULL, "interaction files; relative paths are relative to the current directory"},
    {"data", "test", T_PATH, OFF(test), 0, 0, 0, 0, NULL, NULL},
    {"data", "valid", T_PATH, OFF(valid), 0, 0, 0, 0, NULL, "validation file (empty: none, or carve valid_share off train)"},
    {"data", "format", T_ENUM, OFF(format), 0, 0, 0, 0, format_names, "auto | adj | edges | movielens"},
    {"data", "ids", T_ENUM, OFF(ids), 0, 0, 0, 0, ids_names, "auto | int | string"},
    {"data", "min_rating", T_OPT_DOUBLE, OFF(min_rating), -1e300, 1e300, 0, 0, NULL, "keep rows rated >= this (empty: keep all)"},
    {"data", "graph", T_ENUM, OFF(graph), 0, 0, 0, 0, graph_names, "bipartite | directed | undirected"},
    {"data", "social", T_PATH, OFF(social), 0, 0, 0, 0, NULL, "user-user edges (trust, friends) over the users' ids; empty: none"},
    {"model", "model", T_ENUM, OFF(model), 0, 0, 0, 0, model_names,
     "lightgcn | mf | ials | gfcf | itempop | ppr | adamic_adar | jaccard | common_neighbors (all but lightgcn: layers 0)"},
    {"model", "dim", T_U32, OFF(dim), 1, 4096, 0, 0, NULL, "embedding size d"},
    {"model", "layers", T_U32, OFF(layers), 0, GR_MAX_LAYERS, 0, 0, NULL, "propagation layers K"},
    {"model", "layer_weights", T_WEIGHTS, OFF(layer_weights), 0, 0, 0, 0, NULL, "K+1 weights (empty: 1/(K+1) each)"},
    {"model", "init_std", T_DOUBLE, OFF(init_std), 0, 100, 1, 0, NULL, "ego embeddings ~ N(0, init_std^2)"},
    {"model", "view", T_ENUM, OFF(view), 0, 0, 0, 0, view_names, "follower graphs: bipartite (follower and followee rows) | unipartite (one row)"},
    {"model", "reciprocal_weight", T_DOUBLE, OFF(reciprocal_weight), 0, 1e6, 1, 0, NULL, "unipartite: weight of a mutual follow (one-way: 1)"},
    {"model", "social_weight", T_DOUBLE, OFF(social_weight), 0, 1e6, 0, 0, NULL, "weight of a social edge against an interaction"},
    {"model", "social_norm", T_ENUM, OFF(social_norm), 0, 0, 0, 0, social_norm_names, "joint (one degree over both) | separate (each block its own)"},
    {"train", "loss", T_ENUM, OFF(loss), 0, 0, 0, 0, loss_names, "bpr | bce"},
    {"train", "neg", T_U32, OFF(neg), 1, 1000, 0, 0, NULL, "sampled negatives per positive"},
    {"train", "neg_sampler", T_ENUM, OFF(neg_sampler), 0, 0, 0, 0, neg_sampler_names,
     "uniform | dns (each negative the highest-scoring of dns_candidates uniform draws)"},
    {"train", "dns_candidates", T_U32, OFF(dns_candidates), 1, 1024, 0, 0, NULL, "neg_sampler = dns: draws per negative"},
    {"train", "optimizer", T_ENUM, OFF(optimizer), 0, 0, 0, 0, opt_names, "adam | sgd | adagrad"},
    {"train", "lr", T_DOUBLE, OFF(lr), 0, 1e6, 1, 0, NULL, "learning rate (SGD: per-sample rate x batch, on the batch-mean loss; Adam, AdaGrad: as is)"},
    {"train", "lr_decay", T_DOUBLE, OFF(lr_decay), 0, 1, 1, 0, NULL, "lr of epoch e is lr * lr_decay^(e-1) (1 = constant)"},
    {"train", "decay", T_DOUBLE, OFF(decay), 0, 1e6, 0, 0, NULL, "L2 weight on the batch's ego embeddings"},
    {"train", "batch", T_U32, OFF(batch), 1, 1u << 24, 0, 0, NULL, "positive pairs per step"},
    {"train", "epochs", T_U32, OFF(epochs), 0, 10000000, 0, 0, NULL, NULL},
    {"train", "seed", T_U64, OFF(seed), 0, 0, 0, 0, NULL, "runs are reproducible for a seed and thread count"},
    {"train", "threads", T_U32, OFF(threads), 0, 4096, 0, 0, NULL, "0 = every core"},
    {"train", "valid_share", T_DOUBLE, OFF(valid_share), 0, 1, 0, 1, NULL, "share of train held out for validation"},
    {"train", "checkpoint_every", T_U32, OFF(checkpoint_every), 0, 10000000, 0, 0, NULL, "epochs between checkpoints (0 = off)"},
    {"train", "activations", T_ENUM, OFF(activations), 0, 0, 0, 0, act_names,
     "fp32 | fp16: how LightGCN's training batches store propagated layers (sums, gradients, evaluation stay fp32)"},
    {"eval", "eval_every", T_U32, OFF(eval_every), 0, 10000000, 0, 0, NULL, "epochs between evaluations (0 = only at the end)"},
    {"eval", "patience", T_U32, OFF(patience), 0, 10000000, 0, 0, NULL, "evaluations without improvement before stopping (0 = never)"},
    {"eval", "topk", T_TOPK, OFF(topk), 1, 100000, 0, 0, NULL, "cutoffs K for the metrics"},
    {"eval", "stop_metric", T_METRIC, OFF(stop_metric), 0, 0, 0, 0, NULL, "early-stopping metric: recall|precision|ndcg|hit_rate|map|mrr @K, K in topk"},
    {"eval", "keep", T_ENUM, OFF(keep), 0, 0, 0, 0, keep_names,
     "best: the best-evaluated epoch, stopping after patience | last: the final epoch (no early stop)"},
    {"ials", "unobserved_weight", T_DOUBLE, OFF(unobserved_weight), 0, 1e6, 0, 0, NULL, "alpha0: weight of the unobserved pairs"},
    {"ials", "reg", T_DOUBLE, OFF(reg), 0, 1e6, 0, 0, NULL, "lambda: L2 weight"},
    {"ials", "reg_exponent", T_DOUBLE, OFF(reg_exponent), 0, 10, 0, 0, NULL, "nu: a row's L2 weight is lambda (n_row + alpha0 n_other)^nu"},
    {"ials", "solver", T_ENUM, OFF(solver), 0, 0, 0, 0, solver_names, "cholesky | cg"},
    {"ials", "cg_steps", T_U32, OFF(cg_steps), 1, 1000, 0, 0, NULL, "conjugate-gradient steps per row (solver = cg)"},
    {"gfcf", "ideal_weight", T_DOUBLE, OFF(ideal_weight), 0, 1e6, 0, 0, NULL, "alpha of the ideal low-pass part (rank dim); 0 = linear filter only"},
    {"gfcf", "power_iters", T_U32, OFF(power_iters), 0, 100, 0, 0, NULL, "randomized SVD power iterations"},
    {"gfcf", "oversample", T_U32, OFF(oversample), 0, 4096, 0, 0, NULL, "randomized SVD columns beyond dim"},
    {"ppr", "damping", T_DOUBLE, OFF(damping), 0, 1, 1, 1, NULL, "probability of following an edge rather than restarting at the user"},
    {"ppr", "ppr_iters", T_U32, OFF(ppr_iters), 1, 100000, 0, 0, NULL, "power iterations at most"},
    {"ppr", "ppr_tol", T_DOUBLE, OFF(ppr_tol), 0, 1, 0, 0, NULL, "stop when every user's L1 change is below this"},
};
#define N_KEYS (sizeof keys / sizeof keys[0])
_Static_assert(N_KEYS == GR_CONFIG_N_KEYS, "GR_CONFIG_N_KEYS matches the key table");
const key_def *const gr_config_keys = keys;

void gr_config_default(gr_config *c)
{
    memset(c, 0, sizeof *c);
    c->format = GR_FORMAT_AUTO;
    c->ids = GR_IDS_AUTO;
    c->graph = GR_GRAPH_BIPARTITE;
    c->model = GR_MODEL_LIGHTGCN;
    c->dim = 64;
    c->layers = 3;
    c->init_std = 0.1;
    c->loss = GR_LOSS_BPR;
    c->neg = 1;
    c->neg_sampler = GR_NEG_UNIFORM;
    c->dns_candidates = 32;
    c->optimizer = GR_OPT_ADAM;
    c->lr = 0.001;
    c->lr_decay = 1.0;
    c->decay = 1e-4;
    c->batch = 2048;
    c->epochs = 1000;
    c->seed = 2020;
    c->threads = 2;
    c->eval_every = 1;
    c->patience = 50;
    c->n_topk = 3;
    c->topk[0] = 10;
    c->topk[1] = 20;
    c->topk[2] = 50;
    c->stop_metric = GR_STOP_RECALL;
    c->stop_k = 20;
    /* iALS: the best on Gowalla's validation share at d = 64..512
     * (docs/RESULTS.md); CG matched Cholesky's accuracy 2-4x faster */
    c->unobserved_weight = 0.01;
    c->reg = 0.003;
    c->reg_exponent = 1.0;
    c->solver = GR_SOLVER_CG;
    c->cg_steps = 3;
    c->ideal_weight = 0.3;
    c->power_iters = 2;
    c->oversample = 64;
    c->view = GR_VIEW_BIPARTITE;
    c->reciprocal_weight = 1.0;
    c->social_weight = 1.0;
    c->social_norm = GR_SOCIAL_NORM_JOINT;
    c->damping = 0.85;
    c->ppr_iters = 100;
    c->ppr_tol = 1e-6;
}

const char *gr_config_enum_name(const char *const *names, int v)
{
    for (int i = 0; names[i] != NULL; i++)
        if (i == v) return names[i];
    return "?";
}
const char *gr_model_kind_name(gr_model_kind k) { return gr_config_enum_name(model_names, (int)k); }
const char *gr_loss_kind_name(gr_loss_kind k) { return gr_config_enum_name(loss_names, (int)k); }
const char *gr_opt_kind_name(gr_opt_kind k) { return gr_config_enum_name(opt_names, (int)k); }
const char *gr_stop_metric_name(gr_stop_metric k) { return gr_config_enum_name(metric_names, (int)k); }

/* ---- values ------------------------------------------------------------ */

static int parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9') return -1; /* strtoull would accept blanks and '-' */
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    if (*s == '\0' || *s == ' ' || *s == '\t') return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int in_range(const key_def *k, double v)
{
    if (k->lo_open ? v <= k->lo : v < k->lo) return 0;
    return k->hi_open ? v < k->hi : v <= k->hi;
}

/* Splits a comma list into trimmed items; returns the count or -1 when more
 * than max or an item is empty. */
static int split_list(const char *s, char items[][64], int max)
{
    int n = 0;
    const char *p = s;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0') return 0;
    for (;;) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        while (len > 0 && (*p == ' ' || *p == '\t')) p++, len--;
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        if (len == 0 || len >= 64 || n == max) return -1;
        memcpy(items[n], p, len);
        items[n++][len] = '\0';
        if (q == NULL) return n;
        p = q + 1;
    }
}

/* A path must survive a round trip through an INI line: no control
 * characters, no blanks at either end (inih strips them) and no blank
 * followed by ';' (inih starts an inline comment there).  A leading ';' is
 * refused too: gr_config_format writes "key = value", so it would follow a
 * blank (found by fuzz/fuzz_config.c). */
static int path_ok(const char *s, char *why)
{
    size_t n = strlen(s);
    if (n >= GR_PATH_MAX) return snprintf(why, WHY_LEN, "%s", "path longer than 1023 bytes"), -1;
    if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return snprintf(why, WHY_LEN, "%s", "path starts or ends with a blank"), -1;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return snprintf(why, WHY_LEN, "%s", "path holds a control character"), -1;
        if (s[i] == ';' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
            return snprintf(why, WHY_LEN, "%s", "path starts with ';' or holds \" ;\", which a config file reads as a comment"), -1;
    }
    return 0;
}

static int set_metric(gr_config *c, const char *v, char *why)
{
    snprintf(why, WHY_LEN, "%s", "expected recall|precision|ndcg|hit_rate|map|mrr@K, e.g. recall@20");
    const char *at = strchr(v, '@');
    uint64_t k;
    if (at == NULL || parse_u64(at + 1, &k) != 0 || k < 1 || k > 100000) return -1;
    for (int i = 0; metric_names[i] != NULL; i++)
        if (strlen(metric_names[i]) == (size_t)(at - v) && strncmp(v, metric_names[i], (size_t)(at - v)) == 0) {
            c->stop_metric = (gr_stop_metric)i;
            c->stop_k = (uint32_t)k;
            return 0;
        }
    return -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* itempop's embedding is its popularity, one number; the graph baselines
 * score from the graph and have none (their model file keeps a zero one). */
static int dim_is_one(gr_model_kind m)
{
    return m == GR_MODEL_ITEMPOP || m == GR_MODEL_PPR || m == GR_MODEL_ADAMIC_ADAR || m == GR_MODEL_JACCARD ||
           m == GR_MODEL_COMMON_NEIGHBORS;
}

/* Sets one key; on a bad value returns -1 with *why saying what was expected. */
int gr_config_set_value(gr_config *c, const key_def *k, const char *v, char *why)
{
    char *field = (char *)c + k->off;
    char items[GR_MAX_LAYERS + 2][64];
    switch (k->type) {
    case T_PATH:
        if (path_ok(v, why) != 0) return -1;
        memset(field, 0, GR_PATH_MAX); /* deterministic bytes: configs compare with memcmp */
        memcpy(field, v, strlen(v));
        return 0;
    case T_U32:
    case T_U64: {
        uint64_t x;
        if (k->type == T_U64) {
            snprintf(why, WHY_LEN, "%s", "expected an unsigned integer");
            if (parse_u64(v, &x) != 0) return -1;
            *(uint64_t *)(void *)field = x;
            return 0;
        }
        snprintf(why, WHY_LEN, "expected an integer %.0f..%.0f", k->lo, k->hi);
        if (parse_u64(v, &x) != 0 || !in_range(k, (double)x)) return -1;
        *(uint32_t *)(void *)field = (uint32_t)x;
        return 0;
    }
    case T_DOUBLE:
    case T_OPT_DOUBLE: {
        double x;
        if (k->type == T_OPT_DOUBLE && *v == '\0') {
            c->has_min_rating = 0;
            c->min_rating = 0;
            return 0;
        }
        if (k->type == T_OPT_DOUBLE) snprintf(why, WHY_LEN, "expected a number, or nothing for no filter");
        else snprintf(why, WHY_LEN, "expected a number %s %g and %s %g", k->lo_open ? ">" : ">=", k->lo, k->hi_open ? "<" : "<=", k->hi);
        if (parse_double(v, &x) != 0 || !in_range(k, x)) return -1;
        *(double *)(void *)field = x;
        if (k->type == T_OPT_DOUBLE) c->has_min_rating = 1;
        return 0;
    }
    case T_ENUM:
        snprintf(why, WHY_LEN, "expected one of:");
        for (int i = 0; k->names[i] != NULL; i++)
            snprintf(why + strlen(why), WHY_LEN - strlen(why), " %s", k->names[i]);
        for (int i = 0; k->names[i] != NULL; i++)
            if (strcmp(v, k->names[i]) == 0) {
                *(int *)(void *)field = i;
                if (k->off == OFF(model) && i != GR_MODEL_LIGHTGCN) {
                    c->layers = 0;
                    c->n_layer_weights = 0;
                    memset(c->layer_weights, 0, sizeof c->layer_weights);
                    if (dim_is_one((gr_model_kind)i)) c->dim = 1;
                } else if (k->off == OFF(model) && c->layers == 0) {
                    c->layers = 3;
                }
                return 0;
            }
        return -1;
    case T_WEIGHTS: {
        snprintf(why, WHY_LEN, "%s", "expected up to 9 comma-separated weights >= 0 (empty: uniform)");
        int n = split_list(v, items, GR_MAX_LAYERS + 1);
        float w[GR_MAX_LAYERS + 1] = {0};
        if (n < 0) return -1;
        for (int i = 0; i < n; i++) {
            double x;
            if (parse_double(items[i], &x) != 0 || x < 0 || x > 1e30) return -1;
            w[i] = (float)x;
        }
        memcpy(c->layer_weights, w, sizeof w);
        c->n_layer_weights = (uint32_t)n;
        return 0;
    }
    case T_TOPK: {
        snprintf(why, WHY_LEN, "%s", "expected 1 to 8 distinct comma-separated integers 1..100000");
        int n = split_list(v, items, GR_MAX_TOPK);
        uint32_t t[GR_MAX_TOPK] = {0};
        if (n <= 0) return -1;
        for (int i = 0; i < n; i++) {
            uint64_t x;
            if (parse_u64(items[i], &x) != 0 || !in_range(k, (double)x)) return -1;
            t[i] = (uint32_t)x;
        }
        qsort(t, (size_t)n, sizeof t[0], cmp_u32);
        for (int i = 1; i < n; i++)
            if (t[i] == t[i - 1]) return -1;
        memcpy(c->topk, t, sizeof t);
        c->n_topk = (uint32_t)n;
        return 0;
    }
    case T_METRIC:
        return set_metric(c, v, why);
    }
    return -1;
}

const key_def *gr_config_find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].key, name) == 0) return &keys[i];
    return NULL;
}

gr_status gr_config_set(gr_config *c, const char *key, const char *value, char *msg)
{
    const char *dot = strchr(key, '.');
    const char *name = dot ? dot + 1 : key;
    const key_def *k = gr_config_find_key(name);
    if (k == NULL) return gr_fail(msg, GR_ERR_ARG, "unknown config key '%s'", key);
    if (dot != NULL && (strlen(k->section) != (size_t)(dot - key) || strncmp(key, k->section, (size_t)(dot - key)) != 0))
        return gr_fail(msg, GR_ERR_ARG, "unknown config key '%s' ('%s' is in [%s])", key, name, k->section);
    gr_config tmp = *c;
    char why[WHY_LEN] = "";
    if (gr_config_set_value(&tmp, k, value, why) != 0)
        return gr_fail(msg, GR_ERR_ARG, "config key '%s': bad value '%s' (%s)", key, value, why);
    *c = tmp;
    return GR_OK;
}

gr_status gr_config_set_arg(gr_config *c, const char *assignment, char *msg)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment)
        return gr_fail(msg, GR_ERR_ARG, "override '%s' is not key=value", assignment);
    char key[128];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof key) return gr_fail(msg, GR_ERR_ARG, "unknown config key '%.*s'", (int)n, assignment);
    memcpy(key, assignment, n);
    key[n] = '\0';
    return gr_config_set(c, key, eq + 1, msg);
}

gr_status gr_config_check(const gr_config *c, char *msg)
{
    if (c->model != GR_MODEL_LIGHTGCN && c->layers != 0)
        return gr_fail(msg, GR_ERR_ARG, "model = %s needs layers = 0 (got %u)", gr_model_kind_name(c->model), c->layers);
    if (dim_is_one(c->model) && c->dim != 1)
        return gr_fail(msg, GR_ERR_ARG, "model = %s needs dim = 1 (got %u)", gr_model_kind_name(c->model), c->dim);
    if (c->model == GR_MODEL_GFCF && c->ideal_weight == 0 && c->dim != 1)
        return gr_fail(msg, GR_ERR_ARG,
                       "model = gfcf with ideal_weight = 0 is the linear filter alone: set dim = 1 (got %u; its "
                       "embeddings are all zero, and a wider dim only slows scoring)", c->dim);
    if (c->n_layer_weights != 0 && c->n_layer_weights != c->layers + 1)
        return gr_fail(msg, GR_ERR_ARG, "layer_weights has %u entries; layers = %u needs %u", c->n_layer_weights,
                       c->layers, c->layers + 1);
    int found = 0;
    for (uint32_t i = 0; i < c->n_topk; i++) found |= c->topk[i] == c->stop_k;
    if (!found) return gr_fail(msg, GR_ERR_ARG, "stop_metric %s@%u: %u is not in topk", gr_stop_metric_name(c->stop_metric), c->stop_k, c->stop_k);
    if (c->view == GR_VIEW_UNIPARTITE && c->graph == GR_GRAPH_BIPARTITE)
        return gr_fail(msg, GR_ERR_ARG, "view = unipartite needs a follower graph (graph = directed or undirected)");
    /* The tied rows are the gradient trainer's (gnn/train.h); the other
     * kinds fit or score follower and account rows apart and would ignore
     * the view. */
    if (c->view == GR_VIEW_UNIPARTITE && c->model != GR_MODEL_LIGHTGCN && c->model != GR_MODEL_MF)
        return gr_fail(msg, GR_ERR_ARG, "view = unipartite is for lightgcn and mf; model = %s needs view = bipartite",
                       gr_model_kind_name(c->model));
    if (c->valid[0] != '\0' && c->valid_share > 0)
        return gr_fail(msg, GR_ERR_ARG, "set either valid (a file) or valid_share, not both");
    /* dns picks negatives by the scores of the model being trained */
    if (c->neg_sampler == GR_NEG_DNS && c->model != GR_MODEL_LIGHTGCN && c->model != GR_MODEL_MF)
        return gr_fail(msg, GR_ERR_ARG, "neg_sampler = dns is for lightgcn and mf, not model = %s",
                       gr_model_kind_name(c->model));
    return GR_OK;
}

int gr_config_equal(const gr_config *a, const gr_config *b)
{
    return strcmp(a->train, b->train) == 0 && strcmp(a->test, b->test) == 0 && strcmp(a->valid, b->valid) == 0 &&
           a->format == b->format && a->ids == b->ids && a->has_min_rating == b->has_min_rating &&
           (!a->has_min_rating || a->min_rating == b->min_rating) && a->graph == b->graph && a->model == b->model &&
           a->dim == b->dim && a->layers == b->layers && a->n_layer_weights == b->n_layer_weights &&
           memcmp(a->layer_weights, b->layer_weights, a->n_layer_weights * sizeof(float)) == 0 &&
           a->init_std == b->init_std && a->loss == b->loss && a->neg == b->neg && a->optimizer == b->optimizer &&
           a->neg_sampler == b->neg_sampler && a->dns_candidates == b->dns_candidates &&
           a->lr == b->lr && a->lr_decay == b->lr_decay && a->decay == b->decay && a->batch == b->batch && a->epochs == b->epochs &&
           a->seed == b->seed && a->threads == b->threads && a->valid_share == b->valid_share &&
           a->checkpoint_every == b->checkpoint_every && a->activations == b->activations &&
           a->eval_every == b->eval_every &&
           a->patience == b->patience && a->n_topk == b->n_topk &&
           memcmp(a->topk, b->topk, a->n_topk * sizeof(uint32_t)) == 0 && a->stop_metric == b->stop_metric &&
           a->stop_k == b->stop_k && a->keep == b->keep && a->unobserved_weight == b->unobserved_weight &&
           a->reg == b->reg && a->reg_exponent == b->reg_exponent && a->solver == b->solver &&
           a->cg_steps == b->cg_steps && a->ideal_weight == b->ideal_weight && a->power_iters == b->power_iters &&
           a->oversample == b->oversample && strcmp(a->social, b->social) == 0 && a->view == b->view &&
           a->reciprocal_weight == b->reciprocal_weight && a->social_weight == b->social_weight &&
           a->social_norm == b->social_norm && a->damping == b->damping && a->ppr_iters == b->ppr_iters &&
           a->ppr_tol == b->ppr_tol;
}

float gr_config_layer_weight(const gr_config *c, uint32_t k)
{
    if (k > c->layers) return 0.0f;
    if (c->n_layer_weights == c->layers + 1) return c->layer_weights[k];
    return 1.0f / (float)(c->layers + 1);
}
