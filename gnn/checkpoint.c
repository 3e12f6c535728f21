/* Training checkpoints: a model file plus the training state.  Layout in
 * checkpoint.h. */
#include "gnn/checkpoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/bytes.h"
#include "gnn/model_file.h"
#include "loaders/idmap_io.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoints are written from little-endian memory"
#endif

#define TRST_LEN 48
#define PART_LEN 16
#define FLAG_ADAM 1u
#define FLAG_BEST 2u
#define FLAG_ADAGRAD 4u /* later than the others: older checkpoints never set it */

/* the arrays X_ADMM .. X_ADAG before X_PART: read_state loops over them */
enum { X_TRST, X_ADMM, X_ADMV, X_BEST, X_ADAG, X_PART, X_N };


uint32_t gr_checkpoint_data_crc(const gr_graph *train)
{
    unsigned char shape[16];
    gr_put_u32(shape, train->n_users);
    gr_put_u32(shape + 4, train->n_items);
    gr_put_u64(shape + 8, train->R.nnz);
    uLong crc = crc32_z(0L, shape, sizeof shape);
    if (train->R.ptr) crc = crc32_z(crc, (const unsigned char *)train->R.ptr, ((size_t)train->R.n_rows + 1) * sizeof *train->R.ptr);
    if (train->R.idx) crc = crc32_z(crc, (const unsigned char *)train->R.idx, (size_t)train->R.nnz * sizeof *train->R.idx);
    return (uint32_t)crc;
}

gr_status gr_checkpoint_save(const char *path, const gr_model *m, const gr_train_state *s, const gr_graph *train,
                             char *msg)
{
    const int adam = m->cfg.optimizer == GR_OPT_ADAM, adagrad = m->cfg.optimizer == GR_OPT_ADAGRAD;
    const int best = s->best_epoch > 0;
    const char *lacks = best && s->best == NULL                           ? "the best embeddings"
                        : adam && (s->adam_m == NULL || s->adam_v == NULL) ? "Adam's moments"
                        : adagrad && s->adagrad_acc == NULL                ? "AdaGrad's accumulators"
                                                                           : NULL;
    if (lacks) return gr_fail(msg, GR_ERR_ARG, "%s: the training state lacks %s", path, lacks);
    const size_t bytes = gr_train_param_rows(&m->cfg, m->n_users, m->n_items) * m->dim * sizeof(float);
    unsigned char trst[TRST_LEN];
    gr_put_u32(trst, s->epoch);
    gr_put_u32(trst + 4, s->best_epoch);
    gr_put_u32(trst + 8, s->since_best);
    gr_put_u32(trst + 12, (adam ? FLAG_ADAM : 0) | (best ? FLAG_BEST : 0) | (adagrad ? FLAG_ADAGRAD : 0));
    gr_put_u64(trst + 16, adam ? s->adam_step : 0);
    memcpy(trst + 24, &s->best_metric, 8);
    gr_put_u64(trst + 32, train->R.nnz);
    gr_put_u32(trst + 40, gr_checkpoint_data_crc(train));
    gr_put_u32(trst + 44, 0);
    gr_section_out x[X_N];
    size_t n = 0;
    x[n++] = (gr_section_out){{'T', 'R', 'S', 'T'}, trst, sizeof trst};
    if (adam) {
        x[n++] = (gr_section_out){{'A', 'D', 'M', 'M'}, s->adam_m, bytes};
        x[n++] = (gr_section_out){{'A', 'D', 'M', 'V'}, s->adam_v, bytes};
    }
    if (best) x[n++] = (gr_section_out){{'B', 'E', 'S', 'T'}, s->best, bytes};
    if (adagrad) x[n++] = (gr_section_out){{'A', 'D', 'A', 'G'}, s->adagrad_acc, bytes};
    unsigned char part[PART_LEN];
    if (s->batch > 0) {
        gr_put_u64(part, s->batch);
        memcpy(part + 8, &s->loss_sum, 8);
        x[n++] = (gr_section_out){{'P', 'A', 'R', 'T'}, part, sizeof part};
    }
    gr_model saved = *m;
    saved.epoch = s->epoch;
    saved.best_metric = s->best_metric;
    return gr_model_save_with(&saved, x, n, path, msg);
}

void gr_checkpoint_free(gr_checkpoint *ck)
{
    if (ck == NULL) return;
    gr_model_free(&ck->model);
    free(ck->adam_m);
    free(ck->adam_v);
    free(ck->best);
    free(ck->adagrad_acc);
    memset(ck, 0, sizeof *ck);
}

/* TRST against itself, the config, DIMS and the sections present. */
static gr_status read_state(gr_checkpoint *ck, gr_section_in *x, const char *path, char *msg)
{
    const gr_model *m = &ck->model;
    static const char *const tags[X_N] = {"TRST", "ADMM", "ADMV", "BEST", "ADAG", "PART"};
    if (x[X_TRST].data == NULL)
        return gr_fail(msg, GR_ERR_INPUT, "%s: not a checkpoint (section TRST missing; a model file?)", path);
    if (x[X_TRST].len != TRST_LEN)
        return gr_fail(msg, GR_ERR_INPUT, "%s: section TRST has a bad length %zu (file corrupt)", path, x[X_TRST].len);
    const unsigned char *t = x[X_TRST].data;
    gr_train_state *s = &ck->state;
    s->epoch = gr_get_u32(t);
    s->best_epoch = gr_get_u32(t + 4);
    s->since_best = gr_get_u32(t + 8);
    const uint32_t flags = gr_get_u32(t + 12);
    s->adam_step = gr_get_u64(t + 16);
    memcpy(&s->best_metric, t + 24, 8);
    ck->data_nnz = gr_get_u64(t + 32);
    ck->data_crc = gr_get_u32(t + 40);
    const int adam = m->cfg.optimizer == GR_OPT_ADAM, adagrad = m->cfg.optimizer == GR_OPT_ADAGRAD;
    /* Adam steps once per batch, so the step count follows from the rest. */
    const uint64_t batches = m->cfg.batch ? (ck->data_nnz + m->cfg.batch - 1) / m->cfg.batch : 0;
    uint64_t part = 0;
    if (x[X_PART].data != NULL) {
        if (x[X_PART].len != PART_LEN)
            return gr_fail(msg, GR_ERR_INPUT, "%s: section PART has a bad length %zu (file corrupt)", path, x[X_PART].len);
        part = gr_get_u64(x[X_PART].data);
        memcpy(&s->loss_sum, (const unsigned char *)x[X_PART].data + 8, 8);
        if (part == 0 || part >= batches || !isfinite(s->loss_sum))
            return gr_fail(msg, GR_ERR_INPUT, "%s: section PART holds impossible values (file corrupt)", path);
        s->batch = (uint32_t)part;
    }
    if (flags > 7 || gr_get_u32(t + 44) != 0 || (s->epoch == 0 && part == 0) || s->epoch != m->epoch ||
        s->best_epoch > s->epoch || (s->best_epoch > 0) != ((flags & FLAG_BEST) != 0) ||
        adam != ((flags & FLAG_ADAM) != 0) || adagrad != ((flags & FLAG_ADAGRAD) != 0) ||
        (adam && (batches == 0 || s->adam_step != (uint64_t)s->epoch * batches + part)) ||
        (!adam && s->adam_step != 0) || (s->best_epoch == 0 && s->best_metric != -INFINITY) ||
        (s->best_epoch > 0 && !isfinite(s->best_metric)) || memcmp(&s->best_metric, &m->best_metric, 8) != 0)
        return gr_fail(msg, GR_ERR_INPUT, "%s: section TRST holds impossible values (file corrupt)", path);
    const size_t bytes = gr_train_param_rows(&m->cfg, m->n_users, m->n_items) * m->dim * sizeof(float);
    for (int k = X_ADMM; k < X_PART; k++) {
        const int want = k == X_BEST ? (flags & FLAG_BEST) != 0 : k == X_ADAG ? adagrad : adam;
        if (want && x[k].data == NULL) return gr_fail(msg, GR_ERR_INPUT, "%s: section %s missing (file corrupt)", path, tags[k]);
        if (!want && x[k].data != NULL)
            return gr_fail(msg, GR_ERR_INPUT, "%s: section %s where TRST says none (file corrupt)", path, tags[k]);
        if (want && x[k].len != bytes)
            return gr_fail(msg, GR_ERR_INPUT, "%s: section %s holds %zu bytes, DIMS and the view say %zu (file corrupt)",
                           path, tags[k], x[k].len, bytes);
    }
    ck->adam_m = (float *)(void *)x[X_ADMM].data;
    ck->adam_v = (float *)(void *)x[X_ADMV].data;
    ck->best = (float *)(void *)x[X_BEST].data;
    ck->adagrad_acc = (float *)(void *)x[X_ADAG].data;
    x[X_ADMM].data = x[X_ADMV].data = x[X_BEST].data = x[X_ADAG].data = NULL;
    s->adam_m = ck->adam_m;
    s->adam_v = ck->adam_v;
    s->best = ck->best;
    s->adagrad_acc = ck->adagrad_acc;
    return GR_OK;
}

gr_status gr_checkpoint_load(gr_checkpoint *ck, const char *path, char *msg)
{
    memset(ck, 0, sizeof *ck);
    /* The state's arrays have the trained rows' shape, which depends on the
     * view (gr_train_param_rows), so read_state checks their length against
     * the config; here they are only bounded by the file's size. */
    gr_section_in x[X_N] = {
        {.tag = {'T', 'R', 'S', 'T'}, .max_len = TRST_LEN},
        {.tag = {'A', 'D', 'M', 'M'}, .max_len = UINT64_MAX},
        {.tag = {'A', 'D', 'M', 'V'}, .max_len = UINT64_MAX},
        {.tag = {'B', 'E', 'S', 'T'}, .max_len = UINT64_MAX},
        {.tag = {'A', 'D', 'A', 'G'}, .max_len = UINT64_MAX},
        {.tag = {'P', 'A', 'R', 'T'}, .max_len = PART_LEN},
    };
    gr_status status = gr_model_load_with(&ck->model, x, X_N, path, msg);
    if (status == GR_OK) status = read_state(ck, x, path, msg);
    for (int k = 0; k < X_N; k++) free(x[k].data);
    if (status != GR_OK) gr_checkpoint_free(ck);
    return status;
}

gr_status gr_checkpoint_check_data(const gr_checkpoint *ck, const gr_graph *train, const char *path, char *msg)
{
    const gr_model *m = &ck->model;
    if (train->n_users != m->n_users || train->n_items != m->n_items || train->R.nnz != ck->data_nnz)
        return gr_fail(msg, GR_ERR_INPUT,
                       "%s: the training data has changed: %u users x %u items, %llu interactions now, "
                       "%u x %u, %llu in the checkpoint", path, train->n_users, train->n_items,
                       (unsigned long long)train->R.nnz, m->n_users, m->n_items, (unsigned long long)ck->data_nnz);
    if (gr_checkpoint_data_crc(train) != ck->data_crc)
        return gr_fail(msg, GR_ERR_INPUT,
                       "%s: the training data has changed: same size, different interactions (checksum mismatch)", path);
    if ((m->user_ids == NULL) != (train->user_ids == NULL) ||
        (m->user_ids && (!gr_idmap_equal(m->user_ids, train->user_ids) || !gr_idmap_equal(m->item_ids, train->item_ids))))
        return gr_fail(msg, GR_ERR_INPUT, "%s: the training data has changed: its ids differ from the checkpoint's", path);
    return GR_OK;
}

/* Keys whose value does not change what an epoch computes. */
static const char *const free_keys[] = {"epochs", "patience", "eval_every", "checkpoint_every", "threads"};

gr_status gr_checkpoint_override(gr_config *c, const char *assignment, char *msg)
{
    gr_config next = *c;
    gr_status s = gr_config_set_arg(&next, assignment, msg);
    if (s != GR_OK) return s;
    if (gr_config_equal(&next, c)) return GR_OK;
    /* The key as typed, without "section." and "=value". */
    const char *eq = strchr(assignment, '='), *key = assignment;
    size_t len = eq ? (size_t)(eq - assignment) : strlen(assignment);
    const char *dot = memchr(assignment, '.', len);
    if (dot) len -= (size_t)(dot + 1 - key), key = dot + 1;
    for (size_t k = 0; k < sizeof free_keys / sizeof *free_keys; k++)
        if (strlen(free_keys[k]) == len && strncmp(free_keys[k], key, len) == 0) {
            *c = next;
            return GR_OK;
        }
    return gr_fail(msg, GR_ERR_ARG,
                   "%.*s cannot change on --resume: it changes what training computes (only epochs, patience, "
                   "eval_every, checkpoint_every and threads may)", (int)len, key);
}
