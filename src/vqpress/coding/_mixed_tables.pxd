# Geometric mixing of four adaptive symbol tables with learned weights (docs/FORMAT.md,
# "Level 7", "a mixed symbol"; levels 7 and 10): the integer log and exp (Mitchell's
# approximation), the mixed distribution of four tables (SSE2 on x86-64, plain C elsewhere,
# the same values), and a mixed symbol coded or decoded, after which its tables and weights
# learn it. Inline: each kernel compiles its own copy.

from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t

from vqpress.coding._palette_common cimport PAL_LANES, pal_table_learn, pal_table_learn3
from vqpress.coding._range_coder cimport RangeCoder, rc_decode_symbol, rc_encode_symbol

cdef extern from *:
    """
    /* p7_log(f) = 64 log2(f) for f in 1..32768, to 1/64 bit, by Mitchell's approximation:
       64 e + the 6 bits of f after its leading one (e = floor(log2 f)), FORMAT.md's LOGF. */
    static inline int p7_log(unsigned f) {
        int e;
    #if defined(__GNUC__) || defined(__clang__)
        e = 31 - __builtin_clz(f);
    #else
        for (e = 0; (f >> e) > 1u; e++) {}
    #endif
        return 64 * e + (int)((f << 6) >> e) - 64;
    }
    /* A symbol's frequency d/64 bits below the most likely one's (d >= 0): 2048 * 2^(-d/64)
       by the same approximation (linear between the powers of two), at least 1 (FREQF). */
    static inline unsigned p7_freq(unsigned d) {
        d = d < 1023u ? d : 1023u;
        return ((((128u - (d & 63u)) << 4) - 1u) >> (d >> 6)) + 1u;
    }

    /* The mixed distribution of four tables t[0..3] (16 u16 lanes each) with weights
       w[0..3] (0..32767, 8192 = 1.0) over the m symbols that `allowed` keeps (bit i:
       symbol i; at least one, all < m): lg[j * 16 + i] = p7_log of table j's frequency of
       symbol i (i < m); cum[0..15] the cumulative frequencies (equal to the total from m
       on), acc[j] = sum of freq(i) * lg[j][i]. Returns the total (at most 2^15). */
    static int p7_mix_scalar(const uint16_t *const *t, const int *w, int m, unsigned allowed,
                             int16_t *lg, uint16_t *cum, int32_t *acc) {
        int32_t score[16], best = -1;
        unsigned f;
        int i, j, total = 0;
        for (j = 0; j < 4; j++)
            for (i = 0; i < m; i++)
                lg[j * 16 + i] = (int16_t)p7_log((unsigned)((i < 15 ? t[j][i + 1] : 32752) - t[j][i] + 1));
        for (i = 0; i < m; i++) {
            score[i] = w[0] * lg[i] + w[1] * lg[16 + i] + w[2] * lg[32 + i] + w[3] * lg[48 + i];
            if (((allowed >> i) & 1u) && score[i] > best)
                best = score[i];
        }
        acc[0] = acc[1] = acc[2] = acc[3] = 0;
        for (i = 0; i < 16; i++) {
            cum[i] = (uint16_t)total;
            if ((allowed >> i) & 1u) {
                f = p7_freq((unsigned)((best - score[i]) >> 13));
                total += (int)f;
                for (j = 0; j < 4; j++)
                    acc[j] += (int32_t)f * lg[j * 16 + i];
            }
        }
        return total;
    }

    #if defined(__GNUC__) || defined(__clang__)
    #define p7_prefetch(p) __builtin_prefetch(p)
    #else
    #define p7_prefetch(p) ((void)(p))
    #endif

    #if !defined(ST_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define P7_SSE2 1
    /* 4 lanes of p7_log from 4 u32 frequencies: a float's bits are (127 + e) << 23 | the
       mantissa after the leading one, so bits >> 17 = (127 + e) * 64 + its first 6 bits. */
    static inline __m128i p7_log4(__m128i f) {
        return _mm_sub_epi32(_mm_srli_epi32(_mm_castps_si128(_mm_cvtepi32_ps(f)), 17), _mm_set1_epi32(127 * 64));
    }
    /* 4 lanes of p7_freq from d (0 .. 1023, int32): ((128 - r) * 16 - 1) * 2^-q as a float
       (exact: its exponent lowered by q), truncated, plus 1. */
    static inline __m128i p7_freq4(__m128i d) {
        __m128i r = _mm_and_si128(d, _mm_set1_epi32(63)), q = _mm_srli_epi32(d, 6);
        __m128i x = _mm_sub_epi32(_mm_slli_epi32(_mm_sub_epi32(_mm_set1_epi32(128), r), 4), _mm_set1_epi32(1));
        __m128 y = _mm_castsi128_ps(_mm_sub_epi32(_mm_castps_si128(_mm_cvtepi32_ps(x)), _mm_slli_epi32(q, 23)));
        return _mm_add_epi32(_mm_cvttps_epi32(y), _mm_set1_epi32(1));
    }
    static inline __m128i p7_max(__m128i a, __m128i b) {
        __m128i gt = _mm_cmpgt_epi32(a, b);
        return _mm_or_si128(_mm_and_si128(gt, a), _mm_andnot_si128(gt, b));
    }
    static inline int32_t p7_hsum(__m128i v) {
        v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4e));
        v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xb1));
        return _mm_cvtsi128_si32(v);
    }
    /* p7_mix_scalar's values, 16 lanes at a time. The tables must be readable one lane past
       their end (lane 15's next is replaced by 2^15 - 16); lanes from m on compute values
       that are masked out (their frequency is 0, their lg unused). Unless wide (m > 8), only
       lanes 0..7 are computed (lg's lanes 8..15 are left unwritten): the high bits of up to
       128 colours (m <= 8) took as long as the low bits. */
    static inline int p7_mix_lanes(const uint16_t *const *t, const int *w, unsigned allowed,
                                   int16_t *lg, uint16_t *cum, int32_t *acc, const int wide) {
        __m128i L[4][2], S[4], keep[4], best, d, F[4], fa, fb, ca, cb, z = _mm_setzero_si128();
        __m128i w01 = _mm_set1_epi32((int)((unsigned)w[1] << 16 | (unsigned)w[0]));
        __m128i w23 = _mm_set1_epi32((int)((unsigned)w[3] << 16 | (unsigned)w[2]));
        const __m128i one16 = _mm_set1_epi16(1), bits = _mm_setr_epi32(1, 2, 4, 8);
        int j, h, total, halves = wide ? 2 : 1;
        for (j = 0; j < 4; j++) {
            L[j][1] = z;
            for (h = 0; h < halves; h++) {
                __m128i cur = _mm_loadu_si128((const __m128i *)(t[j] + 8 * h));
                __m128i nxt = _mm_loadu_si128((const __m128i *)(t[j] + 8 * h + 1));
                __m128i f;
                if (h)
                    nxt = _mm_insert_epi16(nxt, 32752, 7);
                f = _mm_add_epi16(_mm_sub_epi16(nxt, cur), one16);
                L[j][h] = _mm_packs_epi32(p7_log4(_mm_unpacklo_epi16(f, z)), p7_log4(_mm_unpackhi_epi16(f, z)));
                _mm_storeu_si128((__m128i *)(lg + j * 16 + 8 * h), L[j][h]);
            }
        }
        S[2] = S[3] = keep[2] = keep[3] = F[2] = F[3] = z;
        for (h = 0; h < 2 * halves; h++) {  /* lanes 4h .. 4h + 3 */
            __m128i l0 = h & 1 ? _mm_unpackhi_epi16(L[0][h >> 1], L[1][h >> 1]) : _mm_unpacklo_epi16(L[0][h >> 1], L[1][h >> 1]);
            __m128i l2 = h & 1 ? _mm_unpackhi_epi16(L[2][h >> 1], L[3][h >> 1]) : _mm_unpacklo_epi16(L[2][h >> 1], L[3][h >> 1]);
            S[h] = _mm_add_epi32(_mm_madd_epi16(l0, w01), _mm_madd_epi16(l2, w23));
            keep[h] = _mm_cmpeq_epi32(_mm_and_si128(_mm_set1_epi32((int)(allowed >> (4 * h))), bits), bits);
        }
        best = _mm_set1_epi32(-1);
        for (h = 0; h < 2 * halves; h++)
            best = p7_max(best, _mm_or_si128(_mm_and_si128(keep[h], S[h]), _mm_andnot_si128(keep[h], _mm_set1_epi32(-1))));
        best = p7_max(best, _mm_shuffle_epi32(best, 0x4e));
        best = p7_max(best, _mm_shuffle_epi32(best, 0xb1));
        for (h = 0; h < 2 * halves; h += 2) {
            /* d of kept lanes: 0 .. 2^14 (4 weights < 2^15 times logs < 2^10, over 2^13),
               clamped to 1023 in 16 bits (lanes not kept: 0, masked below) */
            d = _mm_packs_epi32(_mm_and_si128(_mm_srai_epi32(_mm_sub_epi32(best, S[h]), 13), keep[h]),
                                _mm_and_si128(_mm_srai_epi32(_mm_sub_epi32(best, S[h + 1]), 13), keep[h + 1]));
            d = _mm_min_epi16(d, _mm_set1_epi16(1023));
            F[h] = _mm_and_si128(p7_freq4(_mm_unpacklo_epi16(d, z)), keep[h]);
            F[h + 1] = _mm_and_si128(p7_freq4(_mm_unpackhi_epi16(d, z)), keep[h + 1]);
        }
        fa = _mm_packs_epi32(F[0], F[1]);
        fb = _mm_packs_epi32(F[2], F[3]);
        for (j = 0; j < 4; j++)
            acc[j] = p7_hsum(_mm_add_epi32(_mm_madd_epi16(fa, L[j][0]), _mm_madd_epi16(fb, L[j][1])));
        /* exclusive prefix sums of the 16 frequencies */
        ca = _mm_add_epi16(fa, _mm_slli_si128(fa, 2));
        ca = _mm_add_epi16(ca, _mm_slli_si128(ca, 4));
        ca = _mm_add_epi16(ca, _mm_slli_si128(ca, 8));
        cb = _mm_add_epi16(fb, _mm_slli_si128(fb, 2));
        cb = _mm_add_epi16(cb, _mm_slli_si128(cb, 4));
        cb = _mm_add_epi16(cb, _mm_slli_si128(cb, 8));
        cb = _mm_add_epi16(cb, _mm_set1_epi16((short)_mm_extract_epi16(ca, 7)));
        total = _mm_extract_epi16(cb, 7);
        _mm_storeu_si128((__m128i *)cum, _mm_slli_si128(ca, 2));
        _mm_storeu_si128((__m128i *)(cum + 8), _mm_or_si128(_mm_slli_si128(cb, 2),
                                                             _mm_srli_si128(ca, 14)));
        return total;
    }
    static int p7_mix(const uint16_t *const *t, const int *w, int m, unsigned allowed,
                      int16_t *lg, uint16_t *cum, int32_t *acc) {
        return m > 8 ? p7_mix_lanes(t, w, allowed, lg, cum, acc, 1) : p7_mix_lanes(t, w, allowed, lg, cum, acc, 0);
    }
    #else
    #define p7_mix p7_mix_scalar
    #endif
    """
    int p7_log(unsigned f) noexcept nogil
    unsigned p7_freq(unsigned d) noexcept nogil
    void p7_prefetch(const void *p) noexcept nogil
    int p7_mix(const uint16_t **t, const int *w, int m, unsigned allowed, int16_t *lg, uint16_t *cum,
               int32_t *acc) noexcept nogil
    int p7_mix_scalar(const uint16_t **t, const int *w, int m, unsigned allowed, int16_t *lg, uint16_t *cum,
                      int32_t *acc) noexcept nogil


cdef enum:
    MT_K = 4                    # tables mixed per symbol
    MT_W_CAP = (1 << 18) - 1    # a weight (65536 = 1.0) stays within 0 .. MT_W_CAP (mixed: w >> 3, 15 bits)


cdef inline int mt_symbol(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, const Py_ssize_t *idx,
                          int32_t *w, int m, unsigned refused, int s) noexcept nogil:
    """Symbol s (of m) of the tables ``idx[0..3]`` (of ``tables``, PAL_LANES u16 each; their
    counts in ``counts``) mixed by the weight set w, without the symbols in ``refused`` (all
    of them allowed if that refuses every one: only a damaged stream gets there): coded, or
    decoded (returned either way; ``decoding`` a constant at every call); then the tables
    and the weights learn it."""
    cdef const uint16_t *t[MT_K]
    cdef int wq[MT_K]
    cdef int16_t lg[MT_K * PAL_LANES]
    cdef uint16_t cum[PAL_LANES]
    cdef int32_t acc[MT_K]
    cdef int j, total, lt
    cdef int32_t g
    cdef unsigned allowed = ((1u << m) - 1u) & ~refused
    if allowed == 0:
        allowed = (1u << m) - 1u
    for j in range(MT_K):
        t[j] = tables + idx[j] * PAL_LANES
        wq[j] = w[j] >> 3
    total = p7_mix(t, wq, m, allowed, lg, cum, acc)
    if decoding:
        s = rc_decode_symbol(c, cum, total, m)
    else:
        rc_encode_symbol(c, cum, total, m, s)
    # each weight moves along the gradient of the code length: its table's log frequency of
    # s against its mean under the coded distribution
    # (divided by total's power of two, not by total: 1 to 2 times the gradient)
    lt = p7_log(<unsigned>total) >> 6
    for j in range(MT_K):
        g = lg[j * PAL_LANES + s] * total - acc[j]
        g = w[j] + ((g * 3) >> (lt + 1))
        w[j] = <int32_t>(0 if g < 0 else (MT_W_CAP if g > MT_W_CAP else g))
    # (four different tables: three learn with one target made once)
    pal_table_learn3(tables, counts, idx[0], idx[1], idx[2], m, s)
    pal_table_learn(tables + idx[3] * PAL_LANES, counts + idx[3], m, s)
    return s
