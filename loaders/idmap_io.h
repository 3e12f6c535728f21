/* String id maps as bytes, for model files.
 *
 * Layout (little-endian): uint32 count, then for each index 0..count-1 a
 * uint32 length and that many bytes.  Interning the strings in index order
 * rebuilds the same map, so a model's rows keep their original ids. */
#ifndef GR_IDMAP_IO_H
#define GR_IDMAP_IO_H

#include <stddef.h>

#include "core/error.h"
#include "loaders/idmap.h"

/* *buf is malloc'd; *len is its size. */
gr_status gr_idmap_serialize(const gr_idmap *m, unsigned char **buf, size_t *len, char *msg);

/* Rebuilds a map from untrusted bytes: every count and length is checked
 * against the bytes that remain before anything is allocated, and the bytes
 * must be consumed exactly.  Duplicate strings are refused (they would shift
 * the indices). */
gr_status gr_idmap_deserialize(gr_idmap **out, const unsigned char *buf, size_t len, char *msg);

/* 1 when both maps hold the same strings at the same indices. */
int gr_idmap_equal(const gr_idmap *a, const gr_idmap *b);

#endif
