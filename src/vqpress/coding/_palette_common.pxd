# What the palette levels on the range coder share (levels 3, 6 and 7, docs/FORMAT.md "Level
# 3", "Level 6" and "Level 7"): the eq pattern and the x == W question of two averaged counters, and the
# palette symbol tables of m <= 16 symbols (their fresh state, their learning rates, the
# number of low symbols under a high one). Inline: each kernel compiles its own copy.

from libc.stdint cimport uint8_t, uint16_t, uint32_t

from vqpress.coding._cm_common cimport _p12, _updated
from vqpress.coding._range_coder cimport CDF_BITS, RangeCoder, rc_code_bit
from vqpress.coding._symbol_tables cimport st_learn, st_learn3, st_replicate

cdef extern from *:
    """
    /* A palette table's update moves each cumulative count 1 / 2^rate of the way to its
       target, rate = pal_rate[count] (count: the table's updates, up to 32). */
    static const unsigned char pal_rate[33] = {
        1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
        4, 4, 4, 4, 5};
    /* pal_step[count]: the count after the update (count + 1, stopping at 32) in bits 0..15
       and the update's rate (pal_rate[count]) from bit 16: both by one load (the compare, add
       and second load were ~4 instructions a table on level 6's decoding path). */
    #define PAL_STEP(u) ((uint32_t)((u) + ((u) < 32)) \
                         | (uint32_t)(1 + ((u) >= 2) + ((u) >= 5) + ((u) >= 12) + ((u) >= 32)) << 16)
    static const uint32_t pal_step[33] = {
        PAL_STEP(0), PAL_STEP(1), PAL_STEP(2), PAL_STEP(3), PAL_STEP(4), PAL_STEP(5), PAL_STEP(6),
        PAL_STEP(7), PAL_STEP(8), PAL_STEP(9), PAL_STEP(10), PAL_STEP(11), PAL_STEP(12), PAL_STEP(13),
        PAL_STEP(14), PAL_STEP(15), PAL_STEP(16), PAL_STEP(17), PAL_STEP(18), PAL_STEP(19), PAL_STEP(20),
        PAL_STEP(21), PAL_STEP(22), PAL_STEP(23), PAL_STEP(24), PAL_STEP(25), PAL_STEP(26), PAL_STEP(27),
        PAL_STEP(28), PAL_STEP(29), PAL_STEP(30), PAL_STEP(31), PAL_STEP(32)};
    """
    const unsigned char pal_rate[33]
    const uint32_t pal_step[33]


cdef extern from *:
    """
    #if !defined(ST_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define PAL_SSE2 1
    #endif

    /* Per pixel col of a row (w of them), the equalities among the two rows above it (r1, the
       row above, r2 the one above that; both readable from col - 1 to w + 2): [NE==N], [NW==N],
       [NW==NE], [NN==N], [NNE==NE], [NEE==NE], bits 0..5 (levels 6 on: once a row, no pixel
       waits on them). SSE2: 16 pixels a step (the plain loop was 28 instructions a pixel). */
    static inline void pal_above_bits(uint8_t *above, const uint8_t *r1, const uint8_t *r2, int w) {
        int col = 0;
    #ifdef PAL_SSE2
        const __m128i b0 = _mm_set1_epi8(1), b1 = _mm_set1_epi8(2), b2 = _mm_set1_epi8(4);
        const __m128i b3 = _mm_set1_epi8(8), b4 = _mm_set1_epi8(16), b5 = _mm_set1_epi8(32);
        for (; col + 16 <= w; col += 16) {
            __m128i nw = _mm_loadu_si128((const __m128i *)(r1 + col - 1));
            __m128i n = _mm_loadu_si128((const __m128i *)(r1 + col));
            __m128i ne = _mm_loadu_si128((const __m128i *)(r1 + col + 1));
            __m128i nee = _mm_loadu_si128((const __m128i *)(r1 + col + 2));
            __m128i nn = _mm_loadu_si128((const __m128i *)(r2 + col));
            __m128i nne = _mm_loadu_si128((const __m128i *)(r2 + col + 1));
            __m128i v = _mm_and_si128(_mm_cmpeq_epi8(ne, n), b0);
            v = _mm_or_si128(v, _mm_and_si128(_mm_cmpeq_epi8(nw, n), b1));
            v = _mm_or_si128(v, _mm_and_si128(_mm_cmpeq_epi8(nw, ne), b2));
            v = _mm_or_si128(v, _mm_and_si128(_mm_cmpeq_epi8(nn, n), b3));
            v = _mm_or_si128(v, _mm_and_si128(_mm_cmpeq_epi8(nne, ne), b4));
            v = _mm_or_si128(v, _mm_and_si128(_mm_cmpeq_epi8(nee, ne), b5));
            _mm_storeu_si128((__m128i *)(above + col), v);
        }
    #endif
        for (; col < w; col++)
            above[col] = (uint8_t)((r1[col + 1] == r1[col]) | (r1[col - 1] == r1[col]) << 1
                                   | (r1[col - 1] == r1[col + 1]) << 2 | (r2[col] == r1[col]) << 3
                                   | (r2[col + 1] == r1[col + 1]) << 4 | (r1[col + 2] == r1[col + 1]) << 5);
    }
    """
    void pal_above_bits(uint8_t *above, const uint8_t *r1, const uint8_t *r2, int w) noexcept nogil


cdef enum:
    PAL_LANES = 16              # u16 per symbol table: cumulative counts of symbols 0..15
    PAL_NIBBLE = 16
    PAL_COUNT_MAX = 32          # a table's updates are counted up to this


cdef inline int pal_eq(int W, int N, int NW, int NE, int WW, int NN, int NNE, int NEE) noexcept nogil:
    """Level 2's eq: which neighbours equal W, and N's likes (10 bits)."""
    return ((N == W) | (NW == W) << 1 | (NE == W) << 2 | (WW == W) << 3 | (NN == W) << 4
            | (NNE == W) << 5 | (NEE == W) << 6 | (N == NE) << 7 | (N == NW) << 8 | (NN == N) << 9)


cdef inline int pal_ask_avg(RangeCoder *c, bint decoding, uint32_t *a, uint32_t *b, int bit) noexcept nogil:
    """A binary question of two counters, their probabilities averaged (x == W: mixing
    them took 10-15% of the time for 0.5% of the size); ``decoding`` a constant."""
    cdef uint32_t ta = a[0], tb = b[0]
    cdef int p = (_p12(ta) + _p12(tb)) >> 1
    p = 1 if p < 1 else (4095 if p > 4095 else p)
    bit = rc_code_bit(c, decoding, p, bit)
    a[0] = _updated(ta, bit)
    b[0] = _updated(tb, bit)
    return bit


cdef inline int pal_lo_m(int n, int hi) noexcept nogil:
    """Symbols of the low table under high symbol hi (n > 16 colours)."""
    return n - PAL_NIBBLE * hi if n - PAL_NIBBLE * hi < PAL_NIBBLE else PAL_NIBBLE


cdef inline void pal_table_init(uint16_t *t, int m) noexcept nogil:
    """A fresh table of m symbols, all alike."""
    cdef int i, k = (1 << CDF_BITS) - m
    for i in range(PAL_LANES):
        t[i] = <uint16_t>(i * k // m if i < m else k)


cdef inline void pal_table_fill(uint16_t *t, Py_ssize_t count, int m) noexcept nogil:
    """count consecutive fresh tables of m symbols: one written, then copied (the divisions
    of pal_table_init took 5% of encoding a small picture of 256 colours)."""
    if count <= 0:
        return
    pal_table_init(t, m)
    st_replicate(t, PAL_LANES, count)


cdef inline void pal_table_learn(uint16_t *t, uint8_t *count, int m, int s) noexcept nogil:
    """After symbol s: the cumulative counts of symbols 1..s move towards 0, the others
    (from s + 1 on, the unused ones past m included: they stay at 2^15 - m) towards 2^15 - m."""
    cdef uint32_t step = pal_step[count[0]]  # (no branch: young tables made one mispredict)
    count[0] = <uint8_t>step
    st_learn(t, s, (1 << CDF_BITS) - m, step >> 16)


cdef inline void pal_table_learn3(uint16_t *tables, uint8_t *counts, Py_ssize_t ta, Py_ssize_t tb, Py_ssize_t tc,
                                  int m, int s) noexcept nogil:
    """pal_table_learn of three different tables ta, tb, tc (16 lanes each) after the same
    symbol s."""
    cdef uint32_t sa = pal_step[counts[ta]], sb = pal_step[counts[tb]], sc = pal_step[counts[tc]]
    counts[ta] = <uint8_t>sa
    counts[tb] = <uint8_t>sb
    counts[tc] = <uint8_t>sc
    st_learn3(tables + ta * PAL_LANES, tables + tb * PAL_LANES, tables + tc * PAL_LANES, s, (1 << CDF_BITS) - m,
              sa >> 16, sb >> 16, sc >> 16)
