/* Run configuration: every setting of a training run, as INI files and
 * command-line overrides.
 *
 * Defaults are the LightGCN paper's Gowalla settings.  A config file has four
 * sections, and every key lives in exactly one of them:
 *
 *   [data]   train, test, valid (paths; "" = none), format, ids, min_rating
 *            ("" = keep every row), graph, social
 *   [model]  model (lightgcn | mf | ials | gfcf | itempop | ppr | adamic_adar |
 *            jaccard | common_neighbors), dim, layers, layer_weights, init_std,
 *            view, reciprocal_weight, social_weight, social_norm
 *   [train]  loss (bpr | bce), neg, neg_sampler (uniform | dns), dns_candidates,
 *            optimizer (adam | sgd | adagrad), lr, lr_decay, decay, batch,
 *            epochs, seed, threads, valid_share, checkpoint_every, activations (fp32 | fp16)
 *   [eval]   eval_every, patience, topk, stop_metric, keep
 *   [ials]   unobserved_weight, reg, reg_exponent, solver, cg_steps
 *   [gfcf]   ideal_weight, power_iters, oversample
 *   [ppr]    damping, ppr_iters, ppr_tol
 *
 * Key names are unique across sections, so an override may say "lr=0.005" or
 * "train.lr=0.005".  Relative data paths are taken relative to the current
 * directory of the process, not to the config file: the shipped configs are
 * meant to be run from the repository root, and a config stored inside a model
 * file must mean the same thing wherever the model is loaded.
 *
 * Two keys interact: setting model to anything but lightgcn sets layers = 0
 * (MF is LightGCN without propagation; the others do not propagate by
 * gradient) and clears layer_weights, model = itempop also sets dim = 1 (an
 * item's popularity is its one-number embedding), and so do the graph
 * baselines (they have no embedding; the file keeps a zero one); setting model = lightgcn
 * while layers is 0 restores the default 3.  For gfcf, dim is the rank of the
 * ideal low-pass part (its embeddings are the top singular vectors).  Checks that span several keys
 * (layer_weights has layers + 1 entries, stop_metric's K is in topk, ...) are
 * in gr_config_check(), which gr_config_load() runs and which callers run
 * again after applying overrides. */
#ifndef GR_CONFIG_H
#define GR_CONFIG_H

#include <stdint.h>

#include "core/error.h"
#include "core/output.h"
#include "graph/graph.h"
#include "loaders/load.h"

#define GR_PATH_MAX 1024   /* bytes of a data path, NUL included */
#define GR_MAX_LAYERS 8    /* LightGCN peaks at K = 3..4; deeper only oversmooths */
#define GR_MAX_TOPK 8

/* lightgcn and mf train by gradient (gnn/train.h); ials by alternating
 * closed-form solves (gnn/ials.h); gfcf is a training-free graph filter
 * (gnn/gfcf.h); itempop scores by training degree (gnn/itempop.h).  All of
 * them are embedding models in the same model file. */
typedef enum {
    GR_MODEL_LIGHTGCN, GR_MODEL_MF, GR_MODEL_IALS, GR_MODEL_GFCF, GR_MODEL_ITEMPOP,
    /* graph baselines: scored from the training graph itself (gnn/ppr.h, gnn/neighbors.h) */
    GR_MODEL_PPR, GR_MODEL_ADAMIC_ADAR, GR_MODEL_JACCARD, GR_MODEL_COMMON_NEIGHBORS
} gr_model_kind;
/* How a follower graph (graph = directed | undirected) is embedded: bipartite
 * gives every account a follower row and a followee row (R = follows);
 * unipartite one row per account, propagated over the symmetrized graph. */
typedef enum { GR_VIEW_BIPARTITE, GR_VIEW_UNIPARTITE } gr_view_kind;
/* How social edges S enter Â: joint = one degree over [[w S, R], [Rᵀ, 0]];
 * separate = each block normalized by its own degrees, w·Ŝ added to R̂'s. */
typedef enum { GR_SOCIAL_NORM_JOINT, GR_SOCIAL_NORM_SEPARATE } gr_social_norm;
typedef enum { GR_SOLVER_CHOLESKY, GR_SOLVER_CG } gr_solver_kind;
typedef enum { GR_LOSS_BPR, GR_LOSS_BCE } gr_loss_kind;
/* How a training batch's forward pass stores the layers it propagates
 * (gnn/lightgcn.h's gr_lightgcn_act): fp16 halves the bytes the sparse
 * products gather; the layer sum, the backward pass, evaluation and the
 * exported embeddings stay fp32. */
typedef enum { GR_ACT_FP32, GR_ACT_FP16 } gr_act_kind;
typedef enum { GR_OPT_ADAM, GR_OPT_SGD, GR_OPT_ADAGRAD } gr_opt_kind;
/* How a triple's negatives are drawn: uniform over the items the user has
 * not, or dns (dynamic negative sampling, Zhang et al. SIGIR 2013): each the
 * one the current model scores highest of dns_candidates uniform draws. */
typedef enum { GR_NEG_UNIFORM, GR_NEG_DNS } gr_neg_sampler;
/* Which epoch's embeddings training ends with: the best-evaluated one (early
 * stopping after `patience`), or the last one (a fixed number of epochs, say
 * one chosen on a validation split, retrained on all of train; evaluations are
 * then only reported). */
typedef enum { GR_KEEP_BEST, GR_KEEP_LAST } gr_keep_kind;
/* Early-stopping metric; same order and names as eval/metrics.h's gr_metric,
 * which gnn/ may not include, so cli/ can convert with a cast. */
typedef enum { GR_STOP_RECALL, GR_STOP_PRECISION, GR_STOP_NDCG, GR_STOP_HIT, GR_STOP_MAP, GR_STOP_MRR } gr_stop_metric;

typedef struct {
    /* [data] */
    char train[GR_PATH_MAX];
    char test[GR_PATH_MAX];
    char valid[GR_PATH_MAX];     /* a validation file; "" = none (see valid_share) */
    gr_format format;            /* auto | adj | edges | movielens */
    gr_id_mode ids;              /* auto | int | string */
    int has_min_rating;
    double min_rating;
    gr_graph_kind graph;         /* bipartite | directed | undirected */
    char social[GR_PATH_MAX];    /* user-user edges in the users' id space; "" = none */
    /* [model] */
    gr_model_kind model;
    uint32_t dim;
    uint32_t layers;             /* K; 0 for mf */
    uint32_t n_layer_weights;    /* 0 = uniform 1/(K+1); else K + 1 */
    float layer_weights[GR_MAX_LAYERS + 1];
    double init_std;             /* ego embeddings ~ N(0, init_std^2) */
    gr_view_kind view;           /* follower graphs: bipartite | unipartite */
    double reciprocal_weight;    /* unipartite: weight of a mutual follow (a one-way one is 1) */
    double social_weight;        /* w: weight of a social edge against an interaction */
    gr_social_norm social_norm;  /* joint | separate */
    /* [train] */
    gr_loss_kind loss;
    uint32_t neg;                /* sampled negatives per positive */
    gr_neg_sampler neg_sampler;  /* uniform | dns */
    uint32_t dns_candidates;     /* dns: uniform draws per negative, the best kept */
    gr_opt_kind optimizer;
    double lr;
    double lr_decay;             /* lr of epoch e is lr * lr_decay^(e-1); 1 = constant */
    double decay;                /* L2 on the batch's ego embeddings */
    uint32_t batch;
    uint32_t epochs;
    uint64_t seed;
    uint32_t threads;            /* 0 = every core */
    double valid_share;          /* share of train held out for validation, [0, 1) */
    uint32_t checkpoint_every;   /* epochs; 0 = off */
    gr_act_kind activations;     /* fp32 | fp16 (LightGCN's propagated layers in a batch) */
    /* [eval] */
    uint32_t eval_every;         /* epochs between evaluations; 0 = only at the end */
    uint32_t patience;           /* evaluations without improvement; 0 = no early stop */
    uint32_t n_topk;
    uint32_t topk[GR_MAX_TOPK];  /* ascending, distinct */
    gr_stop_metric stop_metric;  /* early-stopping metric, at K = stop_k */
    uint32_t stop_k;
    gr_keep_kind keep;           /* best (default) | last */
    /* [ials] (Hu et al. 2008 with Rendle et al. 2022's regularization) */
    double unobserved_weight;    /* alpha0: weight of every unobserved pair's 0 target */
    double reg;                  /* lambda */
    double reg_exponent;         /* nu: a row's L2 weight is lambda (|I_u| + alpha0 |I|)^nu */
    gr_solver_kind solver;       /* cholesky | cg: how each d x d system is solved */
    uint32_t cg_steps;           /* conjugate-gradient steps per solve (solver = cg) */
    /* [gfcf] (Shen et al. 2021) */
    double ideal_weight;         /* alpha of the ideal low-pass part; 0 = linear filter only */
    uint32_t power_iters;        /* randomized SVD: power iterations */
    uint32_t oversample;         /* randomized SVD: extra columns beyond dim */
    /* [ppr] personalized PageRank */
    double damping;              /* probability of following an edge rather than restarting */
    uint32_t ppr_iters;          /* power iterations at most */
    double ppr_tol;              /* stop when a user's L1 change falls below this */
} gr_config;

/* Fills every field with its default (zeroing padding and unused bytes, so
 * two configs with equal settings are also equal byte for byte). */
void gr_config_default(gr_config *c);

/* Defaults, then the file's keys.  On error *c is unchanged and msg reads
 * "path:line: what is wrong". */
gr_status gr_config_load(gr_config *c, const char *path, char *msg);
/* The same from text in memory; `name` stands for the file in messages. */
gr_status gr_config_load_string(gr_config *c, const char *text, const char *name, char *msg);

/* One override: key is "key" or "section.key".  Same validation as a file;
 * the message names the key.  Run gr_config_check() after the last one. */
gr_status gr_config_set(gr_config *c, const char *key, const char *value, char *msg);
/* "key=value" or "section.key=value", as typed on a command line. */
gr_status gr_config_set_arg(gr_config *c, const char *assignment, char *msg);

/* Checks that span several keys. */
gr_status gr_config_check(const gr_config *c, char *msg);

/* A complete, commented INI text that loads back to an identical config.
 * *text is malloc'd and NUL-terminated. */
gr_status gr_config_format(const gr_config *c, char **text, size_t *len, char *msg);
gr_status gr_config_write(gr_output *o, const gr_config *c, char *msg);

/* 1 when every setting is equal. */
int gr_config_equal(const gr_config *a, const gr_config *b);

/* Effective weight of layer k (0..layers): the configured one, else 1/(K+1). */
float gr_config_layer_weight(const gr_config *c, uint32_t k);

const char *gr_model_kind_name(gr_model_kind k);
const char *gr_loss_kind_name(gr_loss_kind k);
const char *gr_opt_kind_name(gr_opt_kind k);
const char *gr_stop_metric_name(gr_stop_metric k);

#endif
