/* Little-endian integers in byte buffers: the on-disk order of every binary
 * file gnnrec writes (model files, checkpoints, id maps), whatever the host. */
#ifndef GR_BYTES_H
#define GR_BYTES_H

#include <stdint.h>

static inline void gr_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline void gr_put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t gr_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t gr_get_u64(const unsigned char *p) { return (uint64_t)gr_get_u32(p) | (uint64_t)gr_get_u32(p + 4) << 32; }

#endif
