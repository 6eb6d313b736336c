# Level 21's pixel that none of its neighbours W, N, NE, NW predicts, above 16 colours
# (docs/FORMAT.md, "Level 21"): level 6's tables (``_unpredicted.pxd``: high bits h = x >> 4
# of HW[W], HN[N], HNE[NE] averaged, low bits l = x & 15 of LW, LN, LNE by (h, neighbour)
# averaged), but h and l as ONE range-coder symbol and l over all its values (no colour
# refused): h's interval of f units of r = range >> 15 is divided among l's values, each at
# least one unit, by l's cumulative counts scaled by f - lm. One division, one search of 16
# lanes for h and one for l, one range update: the decoder at 256 colours 1.09-1.16x level 6's
# speed for +1.6..3.1% of the bytes (BENCHMARKS.md, round 17, ``pal256v24``). Level 21 codes
# 17-256 colours only (up to 16, the pixel is one symbol at level 6 already).

from libc.stdint cimport uint16_t, uint32_t

from vqpress.coding._palette_common cimport pal_lo_m, pal_table_learn3
from vqpress.coding._range_coder cimport RangeCoder, rc_encode_span, rc_next_byte
from vqpress.coding._symbol_tables cimport st_average3, st_cum_without
from vqpress.coding._unpredicted cimport Unpredicted


cdef extern from *:
    """
    #ifndef PKV
    #define PKV 0
    #endif
    /* (neighbour, h) layout of l's tables: PKV 1, 2, 3, 6 */
    #define PK_LAYOUT (PKV == 51 || PKV == 48 || PKV == 49 || PKV == 50 || PKV == 46 || PKV == 47 || PKV == 43 || PKV == 45 || PKV == 40 || PKV == 42 || PKV == 30 || PKV == 31 || PKV == 9 || PKV == 1 || PKV == 2 || PKV == 3 || PKV == 6 || PKV == 7 || PKV == 107 || (PKV >= 20 && PKV < 30))
    #ifndef PKHINT
    #define PKHINT 3
    #endif
    static inline void pk_prefetch(const void *p) { __builtin_prefetch(p, 0, PKHINT); }
    #if !defined(ST_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define UJ_SSE2 1
    #if defined(__AVX2__)
    /* (the *_v3 modules: the 16 lanes in one register, not stored and reloaded between steps) */
    #include <immintrin.h>
    #define UJ_AVX2 1
    #endif
    #endif

    /* The highest set bit of mask (not 0) */
    static inline int uj_top_bit(unsigned mask) {
    #if defined(__GNUC__) || defined(__clang__)
        return 31 - __builtin_clz(mask);
    #else
        int s = 0;
        while (mask >>= 1)
            s++;
        return s;
    #endif
    }

    /* The largest i in 0..15 with v[i] <= q of 16 non-decreasing lanes v (0 if none; v[0] is 0) */
    static inline int uj_last_at_most(const uint16_t *v, uint32_t q) {
        uint32_t qc = q < 65535u ? q : 65535u;
    #ifdef UJ_SSE2
        __m128i qv = _mm_set1_epi16((short)qc), z = _mm_setzero_si128();
        __m128i a = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128((const __m128i *)v), qv), z);
        __m128i b = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128((const __m128i *)(v + 8)), qv), z);
        return uj_top_bit((unsigned)_mm_movemask_epi8(_mm_packs_epi16(a, b)) | 1u);
    #else
        int i, s = 0;
        for (i = 1; i < 16; i++)
            s += v[i] <= qc;
        return s;
    #endif
    }

    #ifdef UJ_AVX2
    /* c(i) = min(t[i] + i, 2^15) of the 2:1:1 average t of tables a, b, d (st_average3) */
    static inline __m256i uj_cum3(const uint16_t *a, const uint16_t *b, const uint16_t *d) {
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i t = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1);
        return _mm256_min_epu16(_mm256_add_epi16(t, idx), _mm256_set1_epi16((short)0x8000));
    }

    /* PKV 42: l's average LW/2 + 3 LN/8 + LNE/8 */
    static inline __m256i uj_cum3l(const uint16_t *a, const uint16_t *b, const uint16_t *d) {
    #if PKV == 45
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), _mm256_loadu_si256((const __m256i *)b)), 1);
        __m256i t = _mm256_srli_epi16(_mm256_add_epi16(m, _mm256_srli_epi16(_mm256_add_epi16(m, _mm256_loadu_si256((const __m256i *)d)), 1)), 1);
        return _mm256_min_epu16(_mm256_add_epi16(t, idx), _mm256_set1_epi16((short)0x8000));
    #elif PKV == 42 || PKV == 43
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i bb = _mm256_loadu_si256((const __m256i *)b);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(bb, _mm256_loadu_si256((const __m256i *)d)), 1);
        m = _mm256_srli_epi16(_mm256_add_epi16(bb, m), 1);
        __m256i t = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1);
        return _mm256_min_epu16(_mm256_add_epi16(t, idx), _mm256_set1_epi16((short)0x8000));
    #else
        return uj_cum3(a, b, d);
    #endif
    }

    /* The largest lane i of v (non-decreasing) with v[i] <= q (q clamped to 65535) */
    static inline int uj_last_at_most256(__m256i v, uint32_t q) {
        __m256i qv = _mm256_set1_epi16((short)(q < 65535u ? q : 65535u));
        unsigned mask = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_subs_epu16(v, qv),
                                                                          _mm256_setzero_si256()));
        return uj_top_bit(mask | 1u) >> 1;
    }
    #endif

    /* The high bits' cumulative counts: c(i) = min(t[i] + i, 2^15) of the 2:1:1 average t of
       tables a, b, d (i = 0..15) into cum[0..15], cum[16] = 2^15. Returns the largest i with
       c(i) <= q when ``find`` (the decoder), else 0. */
    static inline int uj_high(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t q,
                              int find) {
    #ifdef UJ_AVX2
        __m256i c = uj_cum3(a, b, d);
        _mm256_storeu_si256((__m256i *)cum, c);
        cum[16] = 32768;
        return find ? uj_last_at_most256(c, q) : 0;
    #else
        uint16_t t[16];
        st_average3(t, a, b, d);
        st_cum_without(cum, t, 0);
        cum[16] = 32768;
        return find ? uj_last_at_most(cum, q) : 0;
    #endif
    }

    /* The low bits' boundaries in units of r inside the high bits' interval: b(i) = i +
       ((g c(i)) >> 15), c(i) = min(t[i] + i, 2^15) of the 2:1:1 average t of tables a, b, d
       (g < 2^15; i = 0..15) into bv[0..15]. Returns the largest i with b(i) <= u when
       ``find`` (the decoder), else 0. */
    static inline int uj_low(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g,
                             uint32_t u, int find) {
    #ifdef UJ_AVX2
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i v = _mm256_add_epi16(_mm256_mulhi_epu16(uj_cum3l(a, b, d), _mm256_set1_epi16((short)(g << 1))), idx);
        _mm256_storeu_si256((__m256i *)bv, v);
        return find ? uj_last_at_most256(v, u) : 0;
    #else
        uint16_t t[16], c[16];
        int i;
        st_average3(t, a, b, d);
        st_cum_without(c, t, 0);
    #ifdef UJ_SSE2
        {
            const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
            const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
            __m128i gv = _mm_set1_epi16((short)(g << 1));
            _mm_storeu_si128((__m128i *)bv, _mm_add_epi16(_mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)c), gv),
                                                          lo_idx));
            _mm_storeu_si128((__m128i *)(bv + 8),
                             _mm_add_epi16(_mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)(c + 8)), gv), hi_idx));
        }
        (void)i;
    #else
        for (i = 0; i < 16; i++)
            bv[i] = (uint16_t)(i + ((g * (uint32_t)c[i]) >> 15));
    #endif
        return find ? uj_last_at_most(bv, u) : 0;
    #endif
    }
    """
    int PKV
    int PK_LAYOUT
    void pk_prefetch(const void *p) noexcept nogil
    int uj_last_at_most(const uint16_t *v, uint32_t q) noexcept nogil
    int uj_high(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t q,
                int find) noexcept nogil
    int uj_low(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u,
               int find) noexcept nogil


cdef enum:
    UJ_MIN_JOINT = 64   # the high bits' frequency from which h and l are one symbol (below: two)


cdef inline void _cum_of(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d) noexcept nogil:
    """c(i) = min(t[i] + i, 2^15) of the 2:1:1 average t of tables a, b, d, cum[16] = 2^15."""
    cdef uint16_t t[16]
    st_average3(t, a, b, d)
    st_cum_without(cum, t, 0)
    cum[16] = 32768



cdef inline void _take(RangeCoder *c, uint32_t r, uint32_t lo, uint32_t hi, bint last) noexcept nogil:
    """The decoder's range after a symbol it found, of interval lo .. hi units of r (``last``:
    to the range's end): rc_take_symbol's, with its flat renormalisation (the range is at
    least r >= 2^9 after it: two bytes at most)."""
    cdef uint32_t base = r * lo, sh
    c.code -= base
    if last:
        c.range -= base
        if c.range == 0:  # only from a damaged stream (its code past the range)
            c.range = 1
    else:
        c.range = r * (hi - lo)
    if c.pos + 2 <= c.size:
        sh = 8 * ((c.range < (1u << 24)) + (c.range < (1u << 16)))
        c.code = (c.code << sh) | ((<uint32_t>c.buf[c.pos] << 8 | c.buf[c.pos + 1]) >> (16 - sh))
        c.range <<= sh
        c.pos += sh >> 3
    while c.range < (1u << 24):
        c.range <<= 8
        c.code = (c.code << 8) | rc_next_byte(c)


cdef inline void uj_prefetch_rows(Unpredicted *u, int W, int N, int NE) noexcept nogil:
    """(the (neighbour, h) layout) the lines of l's tables of W, N, NE at h' = W >> 4."""
    cdef Py_ssize_t n = u.n, m = u.hi_m, b3 = 3 * n, span = m * n, hp0 = W >> 4
    pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp0) * 16)
    pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp0) * 16)
    pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp0) * 16)


cdef inline int up_code_joint(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE,
                              int NW) noexcept nogil:
    """Code x (none of W, N, NE, NW) at level 21, or decode it (returned either way;
    ``decoding`` a constant at every call). u holds level 6's tables (up_alloc, not mixed) of
    n > 16 colours (level 21's kernel refuses fewer: up_code's is level 6's coding, and a
    second caller of up_code made gcc keep it out of line, level 6 then 0.95-0.98x as fast).
    h's cumulative counts ch (total 2^15) and r = range >> 15; where h's frequency f = ch[h +
    1] - ch[h] is at least UJ_MIN_JOINT, l's value i spans b(i) .. b(i + 1) units of r after
    ch[h] (uj_low, b(lm) = f): one symbol; below, h and then l are two symbols of total 2^15
    (cumulative counts cl). The tables learn h and l as level 6's."""
    cdef int n = u.n, m = u.hi_m, h, l, lm
    cdef uint16_t ch[17]
    cdef uint16_t bv[17]
    cdef uint32_t r, q = 0, f, g
    cdef Py_ssize_t span = <Py_ssize_t>m * n, t, tw, tn, tne
    cdef Py_ssize_t b3 = 3 * <Py_ssize_t>n, hp0, hp1, hp2
    cdef int j
    if not decoding and PKV < 100:
        pass
    elif PKV == 46 or PKV == 47:  # layout, LW's and LN's lines of h' = W >> 4 - 1 .. + 1, LNE's of its coarse h'
        hp0 = W >> 4
        hp1 = hp0 - 1 if hp0 > 0 else 0
        hp2 = hp0 + 1 if hp0 + 1 < m else hp0
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + (hp1 >> (2 if PKV == 46 else 1))) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + (hp2 >> (2 if PKV == 46 else 1))) * 16)
    elif PKV == 48 or PKV == 49 or PKV == 50 or PKV == 51:  # layout, LW's and LN's lines of h' = W >> 4 - 1 .. + 1, LNE's own row
        hp0 = W >> 4
        hp1 = hp0 - 1 if hp0 > 0 else 0
        hp2 = hp0 + 1 if hp0 + 1 < m else hp0
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp2) * 16)
        if PKV != 49 and PKV != 51:
            pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp1) * 16)
            pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp2) * 16)
    elif PKV == 40 or PKV == 42:  # layout, LW's and LN's lines of h' = W >> 4 - 1 .. + 1
        hp0 = W >> 4
        hp1 = hp0 - 1 if hp0 > 0 else 0
        hp2 = hp0 + 1 if hp0 + 1 < m else hp0
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp2) * 16)
    elif PKV == 7 or PKV == 107 or PKV == 43 or PKV == 45:  # layout, the lines of h' = W >> 4 - 1 .. W >> 4 + 1 (two rows a line)
        hp0 = W >> 4
        hp1 = hp0 - 1 if hp0 > 0 else 0
        hp2 = hp0 + 1 if hp0 + 1 < m else hp0
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp2) * 16)
    elif PKV == 8:  # today's layout, the rows of h' = W >> 4 - 1 .. W >> 4 + 1
        hp0 = (W >> 4) * <Py_ssize_t>n
        hp1 = hp0 - n if hp0 > 0 else hp0
        hp2 = hp0 + n if (W >> 4) + 1 < m else hp0
        pk_prefetch(u.tables + (b3 + hp0 + W) * 16)
        pk_prefetch(u.tables + (b3 + hp1 + W) * 16)
        pk_prefetch(u.tables + (b3 + hp2 + W) * 16)
        pk_prefetch(u.tables + (b3 + span + hp0 + N) * 16)
        pk_prefetch(u.tables + (b3 + span + hp1 + N) * 16)
        pk_prefetch(u.tables + (b3 + span + hp2 + N) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp0 + NE) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp1 + NE) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp2 + NE) * 16)
    elif PKV == 2:  # layout, every line of the three neighbours' l tables
        for j in range(0, m, 2):
            pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + j) * 16)
            pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + j) * 16)
            pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + j) * 16)
    elif PKV == 3:  # layout, the rows of h' = W >> 4, N >> 4, NE >> 4
        hp0 = W >> 4
        hp1 = N >> 4
        hp2 = NE >> 4
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp0) * 16)
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp0) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp2) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp0) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp1) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp2) * 16)
    elif PKV == 30:  # layout, LW's row of h' = W >> 4 only
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + (W >> 4)) * 16)
    elif PKV == 31:  # layout, each table's row of its own neighbour's h'
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + (W >> 4)) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + (N >> 4)) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + (NE >> 4)) * 16)
    elif PKV == 9:  # placebo: as 6, but lines of h's tables of W, N, NE (in L1 already, read next)
        hp0 = W >> 4
        pk_prefetch(u.tables + (<Py_ssize_t>W + hp0 * 0) * 16)
        pk_prefetch(u.tables + (n + <Py_ssize_t>N) * 16)
        pk_prefetch(u.tables + (2 * n + <Py_ssize_t>NE) * 16)
    elif PKV == 6 or PKV == 21:  # layout, the rows of h' = W >> 4 only
        hp0 = W >> 4
        pk_prefetch(u.tables + (b3 + <Py_ssize_t>W * m + hp0) * 16)
        pk_prefetch(u.tables + (b3 + span + <Py_ssize_t>N * m + hp0) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + <Py_ssize_t>NE * m + hp0) * 16)
    elif PKV == 4:  # today's layout, the rows of h' = W >> 4, N >> 4, NE >> 4
        hp0 = (W >> 4) * <Py_ssize_t>n
        hp1 = (N >> 4) * <Py_ssize_t>n
        hp2 = (NE >> 4) * <Py_ssize_t>n
        pk_prefetch(u.tables + (b3 + hp0 + W) * 16)
        pk_prefetch(u.tables + (b3 + hp1 + W) * 16)
        pk_prefetch(u.tables + (b3 + hp2 + W) * 16)
        pk_prefetch(u.tables + (b3 + span + hp0 + N) * 16)
        pk_prefetch(u.tables + (b3 + span + hp1 + N) * 16)
        pk_prefetch(u.tables + (b3 + span + hp2 + N) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp0 + NE) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp1 + NE) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp2 + NE) * 16)
    elif PKV == 5:  # today's layout, the rows of h' = W >> 4 only
        hp0 = (W >> 4) * <Py_ssize_t>n
        pk_prefetch(u.tables + (b3 + hp0 + W) * 16)
        pk_prefetch(u.tables + (b3 + span + hp0 + N) * 16)
        pk_prefetch(u.tables + (b3 + 2 * span + hp0 + NE) * 16)
    elif PKV == 13 or PKV == 16:  # LN, LNE not by h; LW's rows of h' = W >> 4, N >> 4, NE >> 4 (16: W >> 4 only)
        pk_prefetch(u.tables + (b3 + (W >> 4) * <Py_ssize_t>n + W) * 16)
        if PKV == 13:
            pk_prefetch(u.tables + (b3 + (N >> 4) * <Py_ssize_t>n + W) * 16)
            pk_prefetch(u.tables + (b3 + (NE >> 4) * <Py_ssize_t>n + W) * 16)
    r = c.range >> 15
    if decoding:
        q = c.code // r
        h = uj_high(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, q, 1)
        if h > m - 1:
            h = m - 1
    else:
        uj_high(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, 0, 0)
        h = x >> 4
    f = <uint32_t>ch[h + 1] - ch[h]
    pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
    lm = pal_lo_m(n, h)
    t = 3 * n + h * n   # (LW, LN, LNE of h: three separate sums, not one after another)
    if PK_LAYOUT and PKV != 40 and PKV != 42 and PKV != 46 and PKV != 47 and PKV != 48 and PKV != 49 and PKV != 50 and PKV != 51:
        tw = b3 + <Py_ssize_t>W * m + h
        tn = b3 + span + <Py_ssize_t>N * m + h
        tne = b3 + 2 * span + <Py_ssize_t>NE * m + h
    elif PKV == 10 or PKV == 13 or PKV == 16:  # LW by h, LN and LNE by their neighbour alone (h = 0's rows)
        tw = t + W
        tn = b3 + span + N
        tne = b3 + 2 * span + NE
    elif PKV == 11:  # LW by h, LN and LNE by h >> 2
        tw = t + W
        tn = b3 + span + (h >> 2) * <Py_ssize_t>n + N
        tne = b3 + 2 * span + (h >> 2) * <Py_ssize_t>n + NE
    elif PKV == 40 or PKV == 42:  # layout (LW, LN by (neighbour, h)), LNE alone (h = 0's row)
        tw = b3 + <Py_ssize_t>W * m + h
        tn = b3 + span + <Py_ssize_t>N * m + h
        tne = b3 + 2 * span + <Py_ssize_t>NE * m
    elif PKV == 46 or PKV == 47:  # layout, LNE by (NE, h >> 2) (47: h >> 1)
        tw = b3 + <Py_ssize_t>W * m + h
        tn = b3 + span + <Py_ssize_t>N * m + h
        tne = b3 + 2 * span + <Py_ssize_t>NE * m + (h >> (2 if PKV == 46 else 1))
    elif PKV == 48 or PKV == 49 or PKV == 50:  # layout; LNE by (NE, W >> 4) (50: (NE, N >> 4)); 49: LN by (N, W >> 4) too
        tw = b3 + <Py_ssize_t>W * m + h
        tn = b3 + span + <Py_ssize_t>N * m + (W >> 4 if PKV == 49 else h)
        tne = b3 + 2 * span + <Py_ssize_t>NE * m + (N >> 4 if PKV == 50 else W >> 4)
    elif PKV == 51:  # layout; LN and LNE by their neighbour alone
        tw = b3 + <Py_ssize_t>W * m + h
        tn = b3 + span + <Py_ssize_t>N * m
        tne = b3 + 2 * span + <Py_ssize_t>NE * m
    elif PKV == 12:  # LW and LN by h, LNE alone
        tw = t + W
        tn = t + span + N
        tne = b3 + 2 * span + NE
    elif PKV == 14:  # LW by h, LN by h >> 2, LNE alone
        tw = t + W
        tn = b3 + span + (h >> 2) * <Py_ssize_t>n + N
        tne = b3 + 2 * span + NE
    elif PKV == 15:  # LW by h, LN and LNE by h >> 3
        tw = t + W
        tn = b3 + span + (h >> 3) * <Py_ssize_t>n + N
        tne = b3 + 2 * span + (h >> 3) * <Py_ssize_t>n + NE
    else:
        tw = t + W
        tn = t + span + N
        tne = t + 2 * span + NE
    if f < UJ_MIN_JOINT:  # two symbols: h, then l of total 2^15 (bv: l's cumulative counts)
        _cum_of(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16)
        if decoding:
            _take(c, r, ch[h], ch[h + 1], h == m - 1)
            r = c.range >> 15
            l = uj_last_at_most(bv, c.code // r)
        else:
            rc_encode_span(c, r, ch[h], ch[h + 1], h == m - 1)
            r = c.range >> 15
            l = x & 15
        if l > lm - 1:
            l = lm - 1
        g = 0  # (the boundaries are bv's)
    else:  # one symbol: l's boundaries inside h's f units
        g = f - <uint32_t>lm
        if decoding:
            l = uj_low(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, q - ch[h], 1)
            if l > lm - 1:
                l = lm - 1
        else:
            uj_low(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, 0, 0)
            l = x & 15
        bv[lm] = <uint16_t>f
    if f < UJ_MIN_JOINT:
        if decoding:
            _take(c, r, bv[l], bv[l + 1], l == lm - 1)
        else:
            rc_encode_span(c, r, bv[l], bv[l + 1], l == lm - 1)
    elif decoding:
        _take(c, r, ch[h] + bv[l], ch[h] + bv[l + 1], h == m - 1 and l == lm - 1)
    else:
        rc_encode_span(c, r, ch[h] + bv[l], ch[h] + bv[l + 1], h == m - 1 and l == lm - 1)
    pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
    return h * 16 + l
