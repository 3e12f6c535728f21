/* String id maps as bytes: see idmap_io.h for the layout. */
#include "loaders/idmap_io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"


gr_status gr_idmap_serialize(const gr_idmap *m, unsigned char **buf, size_t *len, char *msg)
{
    gr_status status = GR_OK;
    unsigned char *out = NULL;
    uint32_t n = gr_idmap_size(m);
    /* Size first, so the buffer is allocated once. */
    size_t total = 4;
    for (uint32_t i = 0; i < n; i++) {
        size_t l;
        gr_idmap_name(m, i, &l);
        if (l > UINT32_MAX) GR_FAIL(GR_ERR_ARG, "id %u is longer than 4 GiB", i);
        if (total > SIZE_MAX - 4 - l) GR_FAIL(GR_ERR_NOMEM, "id map too large to serialize");
        total += 4 + l;
    }
    out = malloc(total);
    GR_CHECK_ALLOC(out, "serialized id map");
    gr_put_u32(out, n);
    size_t at = 4;
    for (uint32_t i = 0; i < n; i++) {
        size_t l;
        const char *s = gr_idmap_name(m, i, &l);
        gr_put_u32(out + at, (uint32_t)l);
        if (l > 0) memcpy(out + at + 4, s, l);
        at += 4 + l;
    }
    *buf = out;
    *len = total;
    return GR_OK;
fail:
    free(out);
    return status;
}

gr_status gr_idmap_deserialize(gr_idmap **out, const unsigned char *buf, size_t len, char *msg)
{
    gr_status status = GR_OK;
    gr_idmap *m = NULL;
    if (len < 4) GR_FAIL(GR_ERR_INPUT, "id map: truncated (%zu bytes)", len);
    uint32_t n = gr_get_u32(buf);
    /* Every id takes at least its 4-byte length, which bounds a hostile count. */
    if (n > (len - 4) / 4) GR_FAIL(GR_ERR_INPUT, "id map: claims %u ids in %zu bytes", n, len);
    m = gr_idmap_new();
    GR_CHECK_ALLOC(m, "id map");
    size_t at = 4;
    for (uint32_t i = 0; i < n; i++) {
        if (len - at < 4) GR_FAIL(GR_ERR_INPUT, "id map: truncated at id %u", i);
        uint32_t l = gr_get_u32(buf + at);
        at += 4;
        if (l > len - at) GR_FAIL(GR_ERR_INPUT, "id map: id %u claims %u bytes, %zu remain", i, l, len - at);
        uint32_t id;
        GR_TRY(gr_idmap_intern(m, (const char *)buf + at, l, &id, msg));
        if (id != i) GR_FAIL(GR_ERR_INPUT, "id map: id %u repeats id %u", i, id);
        at += l;
    }
    if (at != len) GR_FAIL(GR_ERR_INPUT, "id map: %zu stray bytes after the last id", len - at);
    *out = m;
    return GR_OK;
fail:
    gr_idmap_free(m);
    return status;
}

int gr_idmap_equal(const gr_idmap *a, const gr_idmap *b)
{
    if (a == NULL || b == NULL) return a == b;
    uint32_t n = gr_idmap_size(a);
    if (n != gr_idmap_size(b)) return 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t la, lb;
        const char *sa = gr_idmap_name(a, i, &la), *sb = gr_idmap_name(b, i, &lb);
        if (la != lb || (la > 0 && memcmp(sa, sb, la) != 0)) return 0;
    }
    return 1;
}
