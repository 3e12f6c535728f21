/* IEEE 754 half precision (binary16) stored as uint16_t: the narrow storage of
 * propagated activations (sparse/adjacency.h's X16 and Y16, gnn/lightgcn.h's
 * activations = fp16).  Scalar and portable (integer bit work, no _Float16,
 * no F16C): the SpMM kernel's fallback, and the reference its vector paths
 * (vcvtph2ps / vcvtps2ph) are tested against, bit for bit.
 *
 * float -> half rounds to nearest, ties to even, as vcvtps2ph with
 * _MM_FROUND_TO_NEAREST_INT: magnitudes from 65520 (halfway between the
 * largest half, 65504, and 2^16) overflow to inf, small ones become
 * subnormal halves (steps of 2^-24) or +-0.  NaN stays NaN, quieted, with
 * the top payload bits, as the hardware does.  half -> float is exact. */
#ifndef GR_HALF_H
#define GR_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t gr_half_f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline float gr_half_bits_f32(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* Round to nearest even of m >> s (1 <= s <= 31): the kept bits plus one when
 * the dropped ones exceed half a step, or equal it and the kept bits are odd. */
static inline uint32_t gr_half_round_shift(uint32_t m, uint32_t s)
{
    const uint32_t kept = m >> s, dropped = m & ((1u << s) - 1), half = 1u << (s - 1);
    return kept + (dropped > half || (dropped == half && (kept & 1u)));
}

static inline uint16_t gr_half_from_float(float f)
{
    const uint32_t x = gr_half_f32_bits(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu)); /* NaN, quieted */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);                       /* >= 65520: inf */
    if (ax >= 0x38800000u) /* a normal half: rebias the exponent (127 -> 15), round off 13 bits; a carry
                            * into the exponent is right, and cannot reach inf below 65520 */
        return (uint16_t)(sign | gr_half_round_shift(ax - 0x38000000u, 13));
    if (ax < 0x33000000u) return (uint16_t)sign; /* <= 2^-25 (a tie at 2^-25 goes to the even 0) */
    /* a subnormal half: the value in units of 2^-24, 24-bit significand m·2^(e-150) */
    const uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
    return (uint16_t)(sign | gr_half_round_shift(m, 126 - e));
}

/* Branch-free selects, so a loop of these vectorizes. */
static inline float gr_half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, em = h & 0x7fffu;
    const uint32_t normal = (em << 13) + 0x38000000u;                                   /* rebias 15 -> 127 */
    const uint32_t special = 0x7f800000u | ((em & 0x3ffu) << 13) | ((em & 0x3ffu) ? 0x400000u : 0); /* inf, NaN */
    const uint32_t sub = gr_half_f32_bits((float)em * 0x1p-24f);                       /* exact: em < 2^10 */
    return gr_half_bits_f32(sign | (em >= 0x7c00u ? special : em >= 0x400u ? normal : sub));
}

#endif
