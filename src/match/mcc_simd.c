/* mcc_simd.c - the pair loop of the Minutia Cylinder-Code comparison
 * (R. Cappelli, M. Ferrara, D. Maltoni, IEEE TPAMI 32(12), 2010, Sec. 5:
 * bit cylinders, eq. 17 by popcounts) on vector units, and the choice of
 * the path at run time.
 *
 * Every path gives the same pairs bit for bit as the portable loop of mcc.c:
 * the same integer counts, then the same IEEE single-precision operations in
 * the same order (square root, add, divide, subtract, multiply, add,
 * truncate: each exactly rounded; no FMA, no reciprocal estimates), so the
 * same quantised similarity q. The counts of a pair (cylinder a of one
 * template, b of the other, layers k = 0..Nd-1, validity masks va, vb) are
 *   common = |va & vb|,  na = sum_k |a_k & vb|,  nb = sum_k |b_k & va|,
 *   nx = sum_k |(a_k ^ b_k) & va & vb| = na + nb - 2 sum_k |a_k & b_k & va & vb|
 * (a cell is set only where it is valid, so a_k & va & vb = a_k & vb).
 *
 * The AVX2 path (x86-64-v3) has no vector popcount: it counts bits per byte
 * with a 16-entry nibble table (VPSHUFB) and sums the bytes of each 64-bit
 * lane with VPSADBW (W. Mula, N. Kurz, D. Lemire, "Faster population counts
 * using AVX2 instructions", The Computer Journal 61(1), 2018). The six
 * layers are first added per cell by carry-save adders into three bit
 * planes (ones, twos, fours; the Harley-Seal idea of the same paper), so a
 * sum over the layers costs three table popcounts, weighted 1, 2 and 4 by
 * their tables, instead of six; a's and b's planes are computed once per
 * cylinder, the planes of a_k & b_k once per pair. Four pairs per 256-bit
 * vector. A row's counts are computed first, its similarities in a second
 * loop: short, independent iterations the CPU overlaps (in one loop the
 * counts' latency and the square roots' and division's chained; 10 % of
 * the pair loop's time on AMD Zen 4). The AVX-512 path counts with
 * VPOPCNTQ, eight pairs per vector (there counts and similarities in one
 * loop are faster). The POPCNT, AVX2 and AVX-512 paths emit a row's kept
 * pairs in a loop of its own: the count of kept pairs, which places each
 * store, would otherwise chain every store to the previous pairs'
 * divisions.
 *
 * TERN_MATCH_PATH=generic|popcnt|avx2|avx512 in the environment, read when
 * a matcher context is created, forces a path (for measurement; an unknown
 * or unavailable name is ignored). */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_X86_PATHS 1
#if MCC_SWORDS == 1
#define HAVE_AVX512_PATH 1
#if MCC_ND == 6
#define HAVE_SIX_LAYERS 1 /* planes6: the popcnt path here, and the AVX2 path */
#define HAVE_AVX2_PATH 1
#endif
#endif
#endif

/* The bits set in each 4-bit number k, at bits 4k..4k+3. */
#define POP4 0x4332322132212110ull

#ifdef HAVE_SIX_LAYERS
/* Six layers added per cell: count = p[0] + 2 p[1] + 4 p[2] (two full
 * adders, a half adder, a full adder on the carries). */
static inline void planes6(const uint64_t *t, uint64_t *p)
{
    uint64_t u1 = t[0] ^ t[1], s1 = u1 ^ t[2], c1 = (t[0] & t[1]) | (u1 & t[2]);
    uint64_t u2 = t[3] ^ t[4], s2 = u2 ^ t[5], c2 = (t[3] & t[4]) | (u2 & t[5]);
    uint64_t c3 = s1 & s2, u3 = c1 ^ c2;
    p[0] = s1 ^ s2;
    p[1] = u3 ^ c3;
    p[2] = (c1 & c2) | (u3 & c3);
}

/* The POPCNT path: the counts as in the vector paths, one pair at a time,
 * without branches (the portable loop's shortcut, taken or not pair by
 * pair, mispredicts); about 13 POPCNTs a pair. Square roots by table, as
 * the portable loop: the same floats. */
__attribute__((target("popcnt"))) static uint32_t
local_pairs_popcnt(const tern_match_template *a, const tern_match_template *b, match_pair *out,
                   const float *sq)
{
    const uint32_t pa = a->n_pad, pb = b->n_pad;
    uint64_t bp[3][TERN_TEMPLATE_MAX_MINUTIAE + 8];
    for (uint32_t y = 0; y < b->n_ok; y++) {
        uint64_t t[MCC_ND], p[3], v = b->soa[(size_t)MCC_WORDS * pb + y];
        for (int k = 0; k < MCC_ND; k++)
            t[k] = b->soa[(size_t)k * pb + y] & v;
        planes6(t, p);
        for (int i = 0; i < 3; i++)
            bp[i][y] = p[i];
    }
    const uint64_t *vb = &b->soa[(size_t)MCC_WORDS * pb];
    uint32_t np = 0, qrow[TERN_TEMPLATE_MAX_MINUTIAE];
    for (uint32_t x = 0; x < a->n_ok; x++) {
        uint64_t ca[MCC_ND], ap[3], va = a->soa[(size_t)MCC_WORDS * pa + x];
        for (int k = 0; k < MCC_ND; k++)
            ca[k] = a->soa[(size_t)k * pa + x] & va;
        planes6(ca, ap);
        for (uint32_t y = 0; y < b->n_ok; y++) {
            int common = __builtin_popcountll(va & vb[y]);
            int na = __builtin_popcountll(ap[0] & vb[y]) + 2 * __builtin_popcountll(ap[1] & vb[y]) +
                     4 * __builtin_popcountll(ap[2] & vb[y]);
            int nb = __builtin_popcountll(bp[0][y] & va) + 2 * __builtin_popcountll(bp[1][y] & va) +
                     4 * __builtin_popcountll(bp[2][y] & va);
            int both = 0;
            _Pragma("GCC unroll 8")
            for (int k = 0; k < MCC_ND; k++)
                both += __builtin_popcountll(ca[k] & b->soa[(size_t)k * pb + y]);
            int nx = na + nb - 2 * both;
            /* na + nb = 0: 1 added to the (zero) denominator, and the pair
             * dropped below; otherwise + 0, exact. s >= 0 up to rounding, so
             * the conversion is in range; s <= 0 gives q <= 0, dropped. */
            float s = 1.0f - sq[nx] / (sq[na] + sq[nb] + (float)(na + nb == 0));
            int32_t q = (int32_t)(s * (float)MATCH_Q + 0.5f);
            int keep = (common >= match_mcc_min_common) & (na + nb > 0) & (q > (int32_t)MATCH_MIN_Q);
            qrow[y] = (uint32_t)q & (0u - (uint32_t)keep);
        }
        /* emitted in a second loop: the count of kept pairs would chain
         * each pair's store to the previous pair's division */
        for (uint32_t y = 0; y < b->n_ok; y++) {
            out[np] = (match_pair){(uint16_t)qrow[y], a->ok[x], b->ok[y], 0};
            np += qrow[y] > 0;
        }
    }
    return np;
}
#endif

#ifdef HAVE_AVX2_PATH
#define AVX2 __attribute__((target("avx2"), always_inline)) static inline

AVX2 void planes6_avx2(const __m256i *t, __m256i *p)
{
    __m256i u1 = _mm256_xor_si256(t[0], t[1]), s1 = _mm256_xor_si256(u1, t[2]);
    __m256i c1 = _mm256_or_si256(_mm256_and_si256(t[0], t[1]), _mm256_and_si256(u1, t[2]));
    __m256i u2 = _mm256_xor_si256(t[3], t[4]), s2 = _mm256_xor_si256(u2, t[5]);
    __m256i c2 = _mm256_or_si256(_mm256_and_si256(t[3], t[4]), _mm256_and_si256(u2, t[5]));
    __m256i c3 = _mm256_and_si256(s1, s2), u3 = _mm256_xor_si256(c1, c2);
    p[0] = _mm256_xor_si256(s1, s2);
    p[1] = _mm256_xor_si256(u3, c3);
    p[2] = _mm256_or_si256(_mm256_and_si256(c1, c2), _mm256_and_si256(u3, c3));
}

/* Per byte: the bits of x looked up by nibble in lut (the popcount of the
 * nibble times a weight). */
AVX2 __m256i pop8(__m256i x, __m256i lut)
{
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(x, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
    return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

/* Per byte: the weighted count of three planes, p[0] + 2 p[1] + 4 p[2]
 * restricted to m (at most 8 + 16 + 32: no byte overflows). */
AVX2 __m256i pop8_planes(const __m256i *p, __m256i m, const __m256i *lut)
{
    __m256i s = pop8(_mm256_and_si256(p[0], m), lut[0]);
    s = _mm256_add_epi8(s, pop8(_mm256_and_si256(p[1], m), lut[1]));
    return _mm256_add_epi8(s, pop8(_mm256_and_si256(p[2], m), lut[2]));
}

/* The four counts of four pairs, one per 64-bit lane. */
typedef struct counts4 {
    __m256i common, na, nb, nx;
} counts4;

AVX2 counts4 counts_avx2(const uint64_t *soa, uint32_t pb, const uint64_t *bp, uint32_t y,
                         const __m256i *ca, __m256i va, const __m256i *ap, const __m256i *lut)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i vb = _mm256_loadu_si256((const __m256i *)&soa[(size_t)MCC_WORDS * pb + y]);
    __m256i mask = _mm256_and_si256(va, vb);
    __m256i b_planes[3], t[MCC_ND], x_planes[3];
    _Pragma("GCC unroll 8")
    for (int i = 0; i < 3; i++)
        b_planes[i] = _mm256_loadu_si256((const __m256i *)&bp[(size_t)i * pb + y]);
    _Pragma("GCC unroll 8")
    for (int k = 0; k < MCC_ND; k++)
        t[k] = _mm256_and_si256(ca[k], _mm256_loadu_si256((const __m256i *)&soa[(size_t)k * pb + y]));
    planes6_avx2(t, x_planes);
    __m256i na = pop8_planes(ap, vb, lut), nb = pop8_planes(b_planes, va, lut);
    __m256i both = pop8_planes(x_planes, _mm256_set1_epi8(-1), lut);
    __m256i nx = _mm256_sub_epi8(_mm256_sub_epi8(_mm256_add_epi8(na, nb), both), both);
    return (counts4){_mm256_sad_epu8(pop8(mask, lut[0]), zero), _mm256_sad_epu8(na, zero),
                     _mm256_sad_epu8(nb, zero), _mm256_sad_epu8(nx, zero)};
}

/* Two groups of four 64-bit counts (< 2^16) as eight 32-bit lanes, in the
 * order y0 y4 y1 y5 y2 y6 y3 y7. */
AVX2 __m256i interleave(__m256i lo, __m256i hi)
{
    return _mm256_or_si256(lo, _mm256_slli_epi64(hi, 32));
}

AVX2 __m256 norm(__m256i n) { return _mm256_sqrt_ps(_mm256_cvtepi32_ps(n)); }

/* For a 4-bit mask of 64-bit lanes, the 32-bit lanes that move the kept
 * 64-bit lanes to the front, in order (VPERMD indices). */
static const int32_t COMPACT4[16][8] = {
    {0, 1, 0, 1, 0, 1, 0, 1}, {0, 1, 0, 1, 0, 1, 0, 1}, {2, 3, 0, 1, 0, 1, 0, 1},
    {0, 1, 2, 3, 0, 1, 0, 1}, {4, 5, 0, 1, 0, 1, 0, 1}, {0, 1, 4, 5, 0, 1, 0, 1},
    {2, 3, 4, 5, 0, 1, 0, 1}, {0, 1, 2, 3, 4, 5, 0, 1}, {6, 7, 0, 1, 0, 1, 0, 1},
    {0, 1, 6, 7, 0, 1, 0, 1}, {2, 3, 6, 7, 0, 1, 0, 1}, {0, 1, 2, 3, 6, 7, 0, 1},
    {4, 5, 6, 7, 0, 1, 0, 1}, {0, 1, 4, 5, 6, 7, 0, 1}, {2, 3, 4, 5, 6, 7, 0, 1},
    {0, 1, 2, 3, 4, 5, 6, 7}};

/* Emits the kept pairs of row ia: q[y] > 0 means pair (ia, ib[y]) is kept
 * with similarity q[y], in ascending y, four at a time: each pair a 64-bit
 * word (q, a, b, 0), the kept ones moved to the front and stored together
 * (4 pairs stored, the count advanced by the kept ones). q and ib have
 * room for n rounded up to 4, q zero in the padding. */
AVX2 uint32_t emit_row_avx2(match_pair *out, uint32_t np, const uint32_t *q, uint32_t n,
                            uint16_t ia, const uint16_t *ib)
{
    const __m256i a = _mm256_set1_epi64x((long long)ia << 16), zero = _mm256_setzero_si256();
    for (uint32_t y = 0; y < n; y += 4) {
        __m256i vq = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)&q[y]));
        __m256i vb = _mm256_cvtepu16_epi64(_mm_loadl_epi64((const __m128i *)&ib[y]));
        __m256i v = _mm256_or_si256(_mm256_or_si256(vq, a), _mm256_slli_epi64(vb, 32));
        int keep = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(vq, zero)));
        __m256i idx = _mm256_loadu_si256((const __m256i *)COMPACT4[keep]);
        _mm256_storeu_si256((__m256i *)&out[np], _mm256_permutevar8x32_epi32(v, idx));
        np += (uint32_t)(POP4 >> (4 * keep)) & 15u;
    }
    return np;
}

__attribute__((target("avx2"))) static uint32_t
local_pairs_avx2(const tern_match_template *a, const tern_match_template *b, match_pair *out)
{
    const uint32_t pa = a->n_pad, pb = b->n_pad;
    __m256i cnt[(TERN_TEMPLATE_MAX_MINUTIAE + 8) / 4][4]; /* common, nx, na, nb */
    /* b's layers added per cell, once for every row, four at a time */
    uint64_t bp[3 * (TERN_TEMPLATE_MAX_MINUTIAE + 8)];
    for (uint32_t y = 0; y < pb; y += 4) {
        __m256i t[MCC_ND], p[3];
        __m256i v = _mm256_loadu_si256((const __m256i *)&b->soa[(size_t)MCC_WORDS * pb + y]);
        for (int k = 0; k < MCC_ND; k++)
            t[k] = _mm256_and_si256(v, _mm256_loadu_si256((const __m256i *)&b->soa[(size_t)k * pb + y]));
        planes6_avx2(t, p);
        for (int i = 0; i < 3; i++)
            _mm256_storeu_si256((__m256i *)&bp[(size_t)i * pb + y], p[i]);
    }
    /* the counts are needed up to n_ok rounded up to 8; those of the
     * padding of the last four lanes, when empty, are zeros (not matchable) */
    const uint32_t groups = (b->n_ok + 3) / 4;
    if (groups % 2)
        for (int i = 0; i < 4; i++)
            cnt[groups][i] = _mm256_setzero_si256();
    __m256i lut[3];
    for (int i = 0; i < 3; i++) {
        const char w = (char)(1 << i);
        lut[i] = _mm256_setr_epi8(0, w, w, 2 * w, w, 2 * w, 2 * w, 3 * w, w, 2 * w, 2 * w,
                                  3 * w, 2 * w, 3 * w, 3 * w, 4 * w, 0, w, w, 2 * w, w, 2 * w,
                                  2 * w, 3 * w, w, 2 * w, 2 * w, 3 * w, 2 * w, 3 * w, 3 * w, 4 * w);
    }
    const __m256 one = _mm256_set1_ps(1.0f), qscale = _mm256_set1_ps((float)MATCH_Q);
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256i min_common = _mm256_set1_epi32(match_mcc_min_common - 1);
    const __m256i min_q = _mm256_set1_epi32((int)MATCH_MIN_Q);
    const __m256i order = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    uint32_t np = 0, qrow[TERN_TEMPLATE_MAX_MINUTIAE + 8];
    uint16_t okb[TERN_TEMPLATE_MAX_MINUTIAE + 8] = {0}; /* b's indices, padded */
    memcpy(okb, b->ok, b->n_ok * sizeof *okb);
    for (uint32_t x = 0; x < a->n_ok; x++) {
        uint64_t t[MCC_ND], p[3], v = a->soa[(size_t)MCC_WORDS * pa + x];
        __m256i ca[MCC_ND], ap[3], va = _mm256_set1_epi64x((long long)v);
        for (int k = 0; k < MCC_ND; k++) {
            t[k] = a->soa[(size_t)k * pa + x] & v;
            ca[k] = _mm256_set1_epi64x((long long)t[k]);
        }
        planes6(t, p);
        for (int i = 0; i < 3; i++)
            ap[i] = _mm256_set1_epi64x((long long)p[i]);
        /* eight pairs at a time, without branches until the emission (the
         * padding lanes have no valid cell: they fail the common test); the
         * counts of the row first, then the similarities: two loops of
         * short, independent iterations that the CPU overlaps (one loop
         * would chain the counts' and the division's latencies) */
        for (uint32_t y = 0; y < 4 * groups; y += 4) {
            counts4 c = counts_avx2(b->soa, pb, bp, y, ca, va, ap, lut);
            _mm256_store_si256(&cnt[y / 4][0], c.common);
            _mm256_store_si256(&cnt[y / 4][1], c.nx);
            _mm256_store_si256(&cnt[y / 4][2], c.na);
            _mm256_store_si256(&cnt[y / 4][3], c.nb);
        }
        for (uint32_t y = 0; y < b->n_ok; y += 8) {
            const __m256i *c = cnt[y / 4], *d = cnt[y / 4 + 1];
            __m256i ok = _mm256_cmpgt_epi32(interleave(c[0], d[0]), min_common);
            __m256 fx = norm(interleave(c[1], d[1]));
            __m256 den = _mm256_add_ps(norm(interleave(c[2], d[2])), norm(interleave(c[3], d[3])));
            __m256 s = _mm256_sub_ps(one, _mm256_div_ps(fx, den));
            /* s <= 0 gives q <= 0, and na + nb = 0 (0 / 0) gives INT_MIN:
             * neither passes the signed test, as the scalar code drops them */
            __m256i q = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(s, qscale), half));
            __m256i keep = _mm256_and_si256(ok, _mm256_cmpgt_epi32(q, min_q));
            q = _mm256_and_si256(q, keep);
            _mm256_storeu_si256((__m256i *)&qrow[y], _mm256_permutevar8x32_epi32(q, order));
        }
        np = emit_row_avx2(out, np, qrow, b->n_ok, a->ok[x], okb);
    }
    return np;
}
#endif

#ifdef HAVE_AVX512_PATH
/* Eight pairs at a time with AVX-512 (64-bit popcounts in vectors); the
 * masked popcounts are counted for every lane (they equal the precomputed
 * ones where the scalar shortcut applies). */
__attribute__((target("avx512f,avx512dq,avx512vl,avx512vpopcntdq"))) static uint32_t
local_pairs_avx512(const tern_match_template *a, const tern_match_template *b, match_pair *out)
{
    uint32_t np = 0;
    const uint32_t pa = a->n_pad, pb = b->n_pad;
    const __m256 one = _mm256_set1_ps(1.0f), qscale = _mm256_set1_ps((float)MATCH_Q);
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m512i min_common = _mm512_set1_epi64(match_mcc_min_common);
    const __m256i min_q = _mm256_set1_epi32((int)MATCH_MIN_Q);
    uint16_t okb[TERN_TEMPLATE_MAX_MINUTIAE + 8] = {0}; /* b's indices, padded */
    uint32_t qrow[TERN_TEMPLATE_MAX_MINUTIAE + 8];
    memcpy(okb, b->ok, b->n_ok * sizeof *okb);
    for (uint32_t x = 0; x < a->n_ok; x++) {
        const __m512i ia = _mm512_set1_epi64((long long)a->ok[x] << 16);
        __m512i ca[MCC_ND];
        for (int k = 0; k < MCC_ND; k++)
            ca[k] = _mm512_set1_epi64((long long)a->soa[(size_t)k * pa + x]);
        __m512i va = _mm512_set1_epi64((long long)a->soa[(size_t)MCC_WORDS * pa + x]);
        for (uint32_t y = 0; y < b->n_ok; y += 8) {
            __m512i vb = _mm512_loadu_si512(&b->soa[(size_t)MCC_WORDS * pb + y]);
            __m512i mask = _mm512_and_si512(va, vb);
            __mmask8 ok = _mm512_cmpge_epi64_mask(_mm512_popcnt_epi64(mask), min_common);
            __m512i nx = _mm512_setzero_si512(), na = nx, nb = nx;
            for (int k = 0; k < MCC_ND; k++) {
                __m512i cb = _mm512_loadu_si512(&b->soa[(size_t)k * pb + y]);
                __m512i xa = _mm512_and_si512(ca[k], mask), xb = _mm512_and_si512(cb, mask);
                na = _mm512_add_epi64(na, _mm512_popcnt_epi64(xa));
                nb = _mm512_add_epi64(nb, _mm512_popcnt_epi64(xb));
                nx = _mm512_add_epi64(nx, _mm512_popcnt_epi64(_mm512_xor_si512(xa, xb)));
            }
            __m256 fx = _mm256_sqrt_ps(_mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(nx)));
            __m256 fa = _mm256_sqrt_ps(_mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(na)));
            __m256 fb = _mm256_sqrt_ps(_mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(nb)));
            __m256 s = _mm256_sub_ps(one, _mm256_div_ps(fx, _mm256_add_ps(fa, fb)));
            /* as in the AVX2 path: s <= 0 and 0 / 0 fail the signed test */
            __m256i q = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(s, qscale), half));
            __mmask8 keep = ok & _mm256_cmpgt_epi32_mask(q, min_q);
            _mm256_storeu_si256((__m256i *)&qrow[y], _mm256_maskz_mov_epi32(keep, q));
        }
        /* the kept pairs, each a 64-bit word (q, a, b, 0), moved to the
         * front and stored together (8 stored, the count advanced by the
         * kept ones); in a second loop, so that the count does not chain
         * each group's stores to the previous group's division */
        for (uint32_t y = 0; y < b->n_ok; y += 8) {
            __m256i q = _mm256_loadu_si256((const __m256i *)&qrow[y]);
            __mmask8 keep = _mm256_test_epi32_mask(q, q);
            __m512i ib = _mm512_cvtepu16_epi64(_mm_loadu_si128((const __m128i *)&okb[y]));
            __m512i pair = _mm512_or_si512(_mm512_or_si512(_mm512_cvtepu32_epi64(q), ia),
                                           _mm512_slli_epi64(ib, 32));
            _mm512_storeu_si512(&out[np], _mm512_maskz_compress_epi64(keep, pair));
            np += (uint32_t)((POP4 >> (4 * (keep & 15u))) & 15u) + (uint32_t)((POP4 >> (4 * (keep >> 4))) & 15u);
        }
    }
    return np;
}
#endif

static const char *const path_names[MATCH_PATHS] = {"generic", "popcnt", "avx2", "avx512"};

const char *match_path_name(match_path p) { return p < MATCH_PATHS ? path_names[p] : "?"; }

int match_path_available(match_path p)
{
    switch (p) {
    case MATCH_PATH_GENERIC:
        return 1;
#ifdef HAVE_X86_PATHS
    case MATCH_PATH_POPCNT:
        return __builtin_cpu_supports("popcnt");
#endif
#ifdef HAVE_AVX2_PATH
    case MATCH_PATH_AVX2:
        return __builtin_cpu_supports("avx2");
#endif
#ifdef HAVE_AVX512_PATH
    case MATCH_PATH_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq");
#endif
    default:
        return 0;
    }
}

match_path match_path_default(void)
{
    const char *forced = getenv("TERN_MATCH_PATH");
    for (int p = 0; forced && p < MATCH_PATHS; p++)
        if (strcmp(forced, path_names[p]) == 0 && match_path_available((match_path)p))
            return (match_path)p;
    for (int p = MATCH_PATHS - 1; p > 0; p--)
        if (match_path_available((match_path)p))
            return (match_path)p;
    return MATCH_PATH_GENERIC;
}

uint32_t match_local_pairs(const tern_match_template *a, const tern_match_template *b,
                           match_pair *out, const float *sq, match_path path)
{
    if (!match_path_available(path))
        path = MATCH_PATH_GENERIC;
    switch (path) {
#ifdef HAVE_AVX512_PATH
    case MATCH_PATH_AVX512:
        return local_pairs_avx512(a, b, out);
#endif
#ifdef HAVE_AVX2_PATH
    case MATCH_PATH_AVX2:
        return local_pairs_avx2(a, b, out);
#endif
#ifdef HAVE_SIX_LAYERS
    case MATCH_PATH_POPCNT:
        return local_pairs_popcnt(a, b, out, sq);
#elif defined HAVE_X86_PATHS
    case MATCH_PATH_POPCNT:
        return match_local_pairs_popcnt(a, b, out, sq); /* the portable loop, POPCNT */
#endif
    default:
        return match_local_pairs_generic(a, b, out, sq);
    }
}
