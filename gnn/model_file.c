/* Model files: writer and untrusted-input reader.  Layout in model_file.h. */
#include "gnn/model_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/bytes.h"
#include "core/output.h"
#include "loaders/idmap_io.h"

/* Arrays go to disk as they are in memory; a big-endian port would need a
 * byte swap here and in the reader. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model files are written from little-endian memory"
#endif

static const unsigned char MAGIC[8] = {'G', 'N', 'N', 'R', 'E', 'C', 0, 1};
#define DIMS_LEN 32
#define FLAG_STRING_IDS 1u
#define FLAG_SHARED_IDS 2u
#define CONF_MAX (1u << 20)
#define MAX_DIM 4096

void gr_model_free(gr_model *m)
{
    if (m == NULL) return;
    if (m->final != m->ego) free(m->final);
    free(m->ego);
    if (m->item_ids != m->user_ids) gr_idmap_free(m->item_ids);
    gr_idmap_free(m->user_ids);
    memset(m, 0, sizeof *m);
}


/* Bytes of one embedding array, or 0 when (n_users + n_items) x dim x 4
 * overflows size_t. */
static size_t array_bytes(uint32_t n_users, uint32_t n_items, uint32_t dim)
{
    uint64_t rows = (uint64_t)n_users + n_items;
    if (dim != 0 && rows > SIZE_MAX / 4 / dim) return 0;
    return (size_t)(rows * dim * 4);
}

/* The model's own sections, in file order. */
enum { S_CONF, S_DIMS, S_UIDS, S_IIDS, S_EGO, S_FINL, S_END, S_N };
static const char *const known[S_N] = {"CONF", "DIMS", "UIDS", "IIDS", "EGO ", "FINL", "END "};

/* ---- writing ----------------------------------------------------------- */

static gr_status write_section(gr_output *o, const char *tag, const void *data, size_t len, char *msg)
{
    gr_status status = GR_OK;
    unsigned char head[12], tail[4];
    memcpy(head, tag, 4);
    gr_put_u64(head + 4, len);
    gr_put_u32(tail, (uint32_t)crc32_z(0L, data, len));
    GR_TRY(gr_output_write(o, head, sizeof head, msg));
    if (len > 0) GR_TRY(gr_output_write(o, data, len, msg));
    GR_TRY(gr_output_write(o, tail, sizeof tail, msg));
fail:
    return status;
}

/* What a saved model must satisfy; the reader checks the same. */
static gr_status check_model(const gr_model *m, char *msg)
{
    if (m->dim == 0 || m->dim > MAX_DIM || m->dim != m->cfg.dim)
        return gr_fail(msg, GR_ERR_ARG, "model dim %u does not match config dim %u", m->dim, m->cfg.dim);
    if (array_bytes(m->n_users, m->n_items, m->dim) == 0 && (uint64_t)m->n_users + m->n_items > 0)
        return gr_fail(msg, GR_ERR_NOMEM, "model of %u + %u rows x %u is too large", m->n_users, m->n_items, m->dim);
    if ((m->ego == NULL || m->final == NULL) && (uint64_t)m->n_users + m->n_items > 0)
        return gr_fail(msg, GR_ERR_ARG, "model has no embeddings");
    if ((m->user_ids == NULL) != (m->item_ids == NULL) || (m->shared_ids && m->user_ids != m->item_ids))
        return gr_fail(msg, GR_ERR_ARG, "model id maps are inconsistent");
    if (m->user_ids != NULL &&
        (gr_idmap_size(m->user_ids) < m->n_users || gr_idmap_size(m->item_ids) < m->n_items))
        return gr_fail(msg, GR_ERR_ARG, "model id maps name fewer ids than the model has rows");
    return gr_config_check(&m->cfg, msg);
}

gr_status gr_model_save(const gr_model *m, const char *path, char *msg)
{
    return gr_model_save_with(m, NULL, 0, path, msg);
}

gr_status gr_model_save_with(const gr_model *m, const gr_section_out *extra, size_t n_extra, const char *path,
                             char *msg)
{
    gr_status status = GR_OK;
    gr_output *o = NULL;
    char *conf = NULL;
    unsigned char *ids = NULL;
    size_t conf_len = 0, ids_len = 0;
    if (strcmp(path, "-") == 0 || gr_path_is_gz(path))
        GR_FAIL(GR_ERR_ARG, "%s: a model file cannot be stdout or gzip-compressed", path);
    if ((status = check_model(m, msg)) != GR_OK) {
        gr_msg_prefix(msg, "%s", path);
        goto fail;
    }
    GR_TRY(gr_config_format(&m->cfg, &conf, &conf_len, msg));
    GR_TRY(gr_output_open(&o, path, msg));

    unsigned char head[12], dims[DIMS_LEN];
    memcpy(head, MAGIC, 8);
    gr_put_u32(head + 8, GR_MODEL_FILE_VERSION);
    GR_TRY(gr_output_write(o, head, sizeof head, msg));
    GR_TRY(write_section(o, "CONF", conf, conf_len, msg));

    uint32_t flags = (m->user_ids ? FLAG_STRING_IDS : 0) | (m->user_ids && m->shared_ids ? FLAG_SHARED_IDS : 0);
    gr_put_u32(dims, m->n_users);
    gr_put_u32(dims + 4, m->n_items);
    gr_put_u32(dims + 8, m->dim);
    gr_put_u32(dims + 12, flags);
    gr_put_u32(dims + 16, m->epoch);
    gr_put_u32(dims + 20, 0);
    memcpy(dims + 24, &m->best_metric, 8);
    GR_TRY(write_section(o, "DIMS", dims, sizeof dims, msg));

    if (m->user_ids != NULL) {
        GR_TRY(gr_idmap_serialize(m->user_ids, &ids, &ids_len, msg));
        GR_TRY(write_section(o, "UIDS", ids, ids_len, msg));
        free(ids);
        ids = NULL;
        if (!m->shared_ids) {
            GR_TRY(gr_idmap_serialize(m->item_ids, &ids, &ids_len, msg));
            GR_TRY(write_section(o, "IIDS", ids, ids_len, msg));
        }
    }
    size_t bytes = array_bytes(m->n_users, m->n_items, m->dim);
    GR_TRY(write_section(o, "EGO ", m->ego, bytes, msg));
    GR_TRY(write_section(o, "FINL", m->final, bytes, msg));
    for (size_t k = 0; k < n_extra; k++) {
        char tag[5] = {0};
        memcpy(tag, extra[k].tag, 4);
        for (int s = 0; s < S_N; s++)
            if (memcmp(tag, known[s], 4) == 0) GR_FAIL(GR_ERR_ARG, "%s: extra section %s is a model section", path, tag);
        GR_TRY(write_section(o, tag, extra[k].data, extra[k].len, msg));
    }
    GR_TRY(write_section(o, "END ", "", 0, msg));
    status = gr_output_commit(o, msg);
    o = NULL;
fail:
    gr_output_abort(o);
    free(conf);
    free(ids);
    return status;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct {
    FILE *f;
    const char *path;
    uint64_t size, pos; /* file size, offset of the next byte */
    char *msg;
} reader;

static void tag_str(char out[24], const unsigned char *t)
{
    int printable = 1;
    for (int i = 0; i < 4; i++) printable &= t[i] >= 0x20 && t[i] < 0x7f;
    if (printable) snprintf(out, 24, "%.4s", (const char *)t);
    else snprintf(out, 24, "0x%02x%02x%02x%02x", t[0], t[1], t[2], t[3]);
}

static gr_status truncated(reader *r, const char *tag)
{
    return gr_fail(r->msg, GR_ERR_INPUT, "%s: truncated in section %s", r->path, tag);
}

/* Reads n bytes that the caller has already checked lie inside the file. */
static int read_exact(reader *r, void *buf, size_t n)
{
    if (n > 0 && fread(buf, 1, n, r->f) != n) return -1;
    r->pos += n;
    return 0;
}

/* Reads the section's trailing CRC and compares it with the payload's. */
static gr_status check_crc(reader *r, const char *tag, uint32_t crc)
{
    unsigned char b[4];
    if (read_exact(r, b, 4) != 0) return truncated(r, tag);
    if (gr_get_u32(b) != crc) return gr_fail(r->msg, GR_ERR_INPUT, "%s: section %s CRC mismatch (file corrupt)", r->path, tag);
    return GR_OK;
}

/* Reads a payload of len bytes into a new buffer (len was checked against the
 * file size, so this cannot be a hostile allocation) and verifies its CRC.
 * One spare zero byte lets text payloads be used as C strings. */
static gr_status read_payload(reader *r, const char *tag, uint64_t len, unsigned char **out)
{
    unsigned char *buf = malloc((size_t)len + 1);
    if (buf == NULL) return gr_fail(r->msg, GR_ERR_NOMEM, "%s: out of memory reading section %s", r->path, tag);
    buf[len] = 0;
    gr_status status = read_exact(r, buf, (size_t)len) != 0 ? truncated(r, tag)
                                                           : check_crc(r, tag, (uint32_t)crc32_z(0L, buf, (size_t)len));
    if (status != GR_OK) free(buf);
    else *out = buf;
    return status;
}

/* An unknown section: checked and skipped in small pieces. */
static gr_status skip_section(reader *r, const char *tag, uint64_t len)
{
    unsigned char buf[4096];
    uLong crc = crc32_z(0L, NULL, 0);
    while (len > 0) {
        size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
        if (read_exact(r, buf, n) != 0) return truncated(r, tag);
        crc = crc32_z(crc, buf, n);
        len -= n;
    }
    return check_crc(r, tag, (uint32_t)crc);
}


static gr_status read_dims(reader *r, gr_model *m, const unsigned char *d, uint32_t *flags)
{
    m->n_users = gr_get_u32(d);
    m->n_items = gr_get_u32(d + 4);
    m->dim = gr_get_u32(d + 8);
    *flags = gr_get_u32(d + 12);
    m->epoch = gr_get_u32(d + 16);
    memcpy(&m->best_metric, d + 24, 8);
    m->shared_ids = (*flags & FLAG_SHARED_IDS) != 0;
    if (m->dim == 0 || m->dim > MAX_DIM || *flags > 3 || *flags == FLAG_SHARED_IDS || gr_get_u32(d + 20) != 0)
        return gr_fail(r->msg, GR_ERR_INPUT, "%s: section DIMS holds impossible values (file corrupt)", r->path);
    /* Both arrays must fit in what is left of the file: this refuses a header
     * claiming billions of rows before anything is allocated. */
    size_t bytes = array_bytes(m->n_users, m->n_items, m->dim);
    uint64_t rows = (uint64_t)m->n_users + m->n_items;
    if ((bytes == 0 && rows > 0) || bytes > (r->size - r->pos) / 2)
        return gr_fail(r->msg, GR_ERR_INPUT,
                       "%s: truncated or corrupt: section DIMS claims %u + %u rows x %u floats, more than the file holds",
                       r->path, m->n_users, m->n_items, m->dim);
    return GR_OK;
}

/* An extra section the caller asked for: sized, read and CRC-checked. */
static gr_status read_extra(reader *r, const gr_model *m, int seen_dims, gr_section_in *x, const char *tag,
                            uint64_t len)
{
    if (x->data != NULL) return gr_fail(r->msg, GR_ERR_INPUT, "%s: section %s appears twice (file corrupt)", r->path, tag);
    if (x->array) {
        if (!seen_dims) return gr_fail(r->msg, GR_ERR_INPUT, "%s: section %s before DIMS (file corrupt)", r->path, tag);
        size_t bytes = array_bytes(m->n_users, m->n_items, m->dim);
        if (len != bytes)
            return gr_fail(r->msg, GR_ERR_INPUT, "%s: section %s holds %llu bytes, DIMS says %zu (file corrupt)", r->path,
                           tag, (unsigned long long)len, bytes);
    } else if (len > x->max_len) {
        return gr_fail(r->msg, GR_ERR_INPUT, "%s: section %s has a bad length %llu (file corrupt)", r->path, tag,
                       (unsigned long long)len);
    }
    gr_status status = read_payload(r, tag, len, &x->data);
    if (status == GR_OK) x->len = (size_t)len;
    return status;
}

static gr_status read_sections(reader *r, gr_model *m, gr_section_in *extra, size_t n_extra)
{
    gr_status status = GR_OK;
    char *msg = r->msg, tag[24] = "header", name[GR_PATH_MAX + 16];
    unsigned char *buf = NULL, head[12];
    int seen[S_N] = {0};
    uint32_t flags = 0;
    while (!seen[S_END]) {
        if (r->size - r->pos < 4)
            GR_FAIL(GR_ERR_INPUT, "%s: truncated after section %s (no END section)", r->path, tag);
        if (r->size - r->pos < 12) {
            if (read_exact(r, head, 4) == 0) tag_str(tag, head);
            GR_TRY(truncated(r, tag));
        }
        if (read_exact(r, head, 12) != 0) GR_TRY(truncated(r, tag));
        tag_str(tag, head);
        uint64_t len = gr_get_u64(head + 4);
        if (len > r->size - r->pos || r->size - r->pos - len < 4) GR_TRY(truncated(r, tag));
        int s = 0;
        while (s < S_N && memcmp(head, known[s], 4) != 0) s++;
        if (s == S_N) {
            size_t x = 0;
            while (x < n_extra && memcmp(head, extra[x].tag, 4) != 0) x++;
            if (x < n_extra) GR_TRY(read_extra(r, m, seen[S_DIMS], &extra[x], tag, len));
            else GR_TRY(skip_section(r, tag, len));
            continue;
        }
        if (seen[s]) GR_FAIL(GR_ERR_INPUT, "%s: section %s appears twice (file corrupt)", r->path, tag);
        if ((s == S_UIDS || s == S_IIDS || s == S_EGO || s == S_FINL) && !seen[S_DIMS])
            GR_FAIL(GR_ERR_INPUT, "%s: section %s before DIMS (file corrupt)", r->path, tag);
        size_t bytes = seen[S_DIMS] ? array_bytes(m->n_users, m->n_items, m->dim) : 0;
        if ((s == S_EGO || s == S_FINL) && len != bytes)
            GR_FAIL(GR_ERR_INPUT, "%s: section %s holds %llu bytes, DIMS says %zu (file corrupt)", r->path, tag,
                    (unsigned long long)len, bytes);
        if ((s == S_DIMS && len != DIMS_LEN) || (s == S_END && len != 0) || (s == S_CONF && len > CONF_MAX))
            GR_FAIL(GR_ERR_INPUT, "%s: section %s has a bad length %llu (file corrupt)", r->path, tag, (unsigned long long)len);
        if ((s == S_UIDS || s == S_IIDS) && !(flags & FLAG_STRING_IDS))
            GR_FAIL(GR_ERR_INPUT, "%s: section %s in a model with integer ids (file corrupt)", r->path, tag);
        if (s == S_IIDS && (flags & FLAG_SHARED_IDS))
            GR_FAIL(GR_ERR_INPUT, "%s: section IIDS in a model with shared ids (file corrupt)", r->path);
        GR_TRY(read_payload(r, tag, len, &buf));
        seen[s] = 1;
        switch (s) {
        case S_CONF:
            if (strlen((char *)buf) != len) GR_FAIL(GR_ERR_INPUT, "%s: section CONF holds a NUL byte (file corrupt)", r->path);
            snprintf(name, sizeof name, "%s[CONF]", r->path);
            GR_TRY(gr_config_load_string(&m->cfg, (char *)buf, name, msg));
            break;
        case S_DIMS: GR_TRY(read_dims(r, m, buf, &flags)); break;
        case S_UIDS:
        case S_IIDS:
            status = gr_idmap_deserialize(s == S_UIDS ? &m->user_ids : &m->item_ids, buf, (size_t)len, msg);
            if (status != GR_OK) {
                gr_msg_prefix(msg, "%s: section %s", r->path, tag);
                goto fail;
            }
            if (gr_idmap_size(s == S_UIDS ? m->user_ids : m->item_ids) < (s == S_UIDS ? m->n_users : m->n_items))
                GR_FAIL(GR_ERR_INPUT, "%s: section %s names fewer ids than DIMS has rows (file corrupt)", r->path, tag);
            if (s == S_UIDS && m->shared_ids) {
                if (gr_idmap_size(m->user_ids) < m->n_items)
                    GR_FAIL(GR_ERR_INPUT, "%s: section UIDS names fewer ids than DIMS has items (file corrupt)", r->path);
                m->item_ids = m->user_ids;
            }
            break;
        case S_EGO: m->ego = (float *)(void *)buf, buf = NULL; break;
        case S_FINL: m->final = (float *)(void *)buf, buf = NULL; break;
        }
        free(buf);
        buf = NULL;
    }
    if (r->pos != r->size)
        GR_FAIL(GR_ERR_INPUT, "%s: %llu stray bytes after section END (file corrupt)", r->path,
                (unsigned long long)(r->size - r->pos));
    for (int s = 0; s < S_N; s++) {
        int needed = s == S_UIDS ? (flags & FLAG_STRING_IDS) != 0
                   : s == S_IIDS ? flags == FLAG_STRING_IDS
                                 : 1;
        if (needed && !seen[s]) GR_FAIL(GR_ERR_INPUT, "%s: section %s missing (file corrupt)", r->path, known[s]);
    }
    if (m->cfg.dim != m->dim)
        GR_FAIL(GR_ERR_INPUT, "%s: config dim %u but embeddings of dim %u (file corrupt)", r->path, m->cfg.dim, m->dim);
fail:
    free(buf);
    return status;
}

gr_status gr_model_load(gr_model *m, const char *path, char *msg)
{
    return gr_model_load_with(m, NULL, 0, path, msg);
}

gr_status gr_model_load_with(gr_model *m, gr_section_in *extra, size_t n_extra, const char *path, char *msg)
{
    gr_status status = GR_OK;
    for (size_t k = 0; k < n_extra; k++) {
        extra[k].data = NULL;
        extra[k].len = 0;
    }
    reader r = {NULL, path, 0, 0, msg};
    struct stat st;
    unsigned char head[12];
    memset(m, 0, sizeof *m);
    r.f = fopen(path, "rb");
    if (r.f == NULL) GR_FAIL(GR_ERR_IO, "%s: cannot open model: %s", path, strerror(errno));
    if (fstat(fileno(r.f), &st) != 0 || !S_ISREG(st.st_mode))
        GR_FAIL(GR_ERR_IO, "%s: not a regular file", path);
    r.size = (uint64_t)st.st_size;
    if (r.size < 8 || read_exact(&r, head, 8) != 0 || memcmp(head, MAGIC, 8) != 0)
        GR_FAIL(GR_ERR_INPUT, "%s: not a gnnrec model file", path);
    if (r.size < 12 || read_exact(&r, head + 8, 4) != 0) GR_TRY(truncated(&r, "header"));
    uint32_t version = gr_get_u32(head + 8);
    if (version != GR_MODEL_FILE_VERSION)
        GR_FAIL(GR_ERR_INPUT, "%s: model file format version %u; this build reads version %u", path, version,
                GR_MODEL_FILE_VERSION);
    GR_TRY(read_sections(&r, m, extra, n_extra));
    fclose(r.f);
    return GR_OK;
fail:
    if (r.f != NULL) fclose(r.f);
    gr_model_free(m);
    for (size_t k = 0; k < n_extra; k++) {
        free(extra[k].data);
        extra[k].data = NULL;
        extra[k].len = 0;
    }
    return status;
}
