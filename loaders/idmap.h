/* Maps arbitrary string ids (handles, UUIDs) to dense indices 0..n-1 and back.
 *
 * Open addressing over 32-bit slots; the strings live in one growing pool, so
 * the cost per distinct id is its bytes plus ~20 bytes of index.  The reverse
 * direction (index -> original string) is what lets every output print the ids
 * the user gave us. */
#ifndef GR_IDMAP_H
#define GR_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/output.h"

typedef struct gr_idmap gr_idmap;

gr_idmap *gr_idmap_new(void);
void gr_idmap_free(gr_idmap *m);

/* Hash-first variants for batched loading: hash a batch of keys, prefetch
 * their slots, then intern them, so the cache misses overlap. */
uint64_t gr_idmap_hash(const char *s, size_t len);
void gr_idmap_prefetch(const gr_idmap *m, uint64_t hash);
gr_status gr_idmap_intern_hashed(gr_idmap *m, const char *s, size_t len, uint64_t hash, uint32_t *id, char *msg);
int gr_idmap_find_hashed(const gr_idmap *m, const char *s, size_t len, uint64_t hash, uint32_t *id);

/* One key of a batch lookup: the caller fills tok, len and hash; the batch
 * fills id and found. */
typedef struct {
    const char *tok;
    size_t len;
    uint64_t hash;
    uint32_t id;
    int found;
} gr_id_lookup;

/* Resolves n keys in order (interning new ones unless lookup_only), with the
 * slots of keys a little ahead prefetched.  Keys are numbered as the
 * one-at-a-time functions would number them. */
gr_status gr_idmap_resolve_many(gr_idmap *m, gr_id_lookup *q, size_t n, int lookup_only, char *msg);

/* Index of the string, adding it when new. */
gr_status gr_idmap_intern(gr_idmap *m, const char *s, size_t len, uint32_t *id, char *msg);
/* 1 and *id when present, 0 otherwise. */
int gr_idmap_find(const gr_idmap *m, const char *s, size_t len, uint32_t *id);
/* The original string of an index (not NUL-terminated; length in *len). */
const char *gr_idmap_name(const gr_idmap *m, uint32_t id, size_t *len);
uint32_t gr_idmap_size(const gr_idmap *m);
/* Heap bytes held by the map. */
size_t gr_idmap_bytes(const gr_idmap *m);

/* Writes the original id of `id`: the string when m is non-NULL, the integer
 * itself when ids are integers (m == NULL). */
gr_status gr_idmap_write(gr_output *o, const gr_idmap *m, uint32_t id, char *msg);

#endif
