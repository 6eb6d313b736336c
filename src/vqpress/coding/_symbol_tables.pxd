# Adaptive symbol tables of 16 lanes (u16 cumulative counts, docs/FORMAT.md "Level 3",
# "Level 5" and "Level 6"): learning (16 lanes, or lanes 1..4 of a table of at most 5
# symbols), copying, averaging, and the cumulative frequencies of a span of lanes (level 5)
# or of a table without some refused symbols (levels 3, 6 and 7). SSE2 on x86-64 (the compilers kept the plain
# loops scalar inside the big kernels), AVX2 where the module is compiled for it (a table in
# one register: _cm_palette6_v3), plain C elsewhere (or with -DST_NO_SIMD), all computing the
# same values.

from libc.stdint cimport uint16_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport malloc
from libc.string cimport memcpy


cdef extern from *:
    """
    #if !defined(ST_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
    #include <emmintrin.h>
    #define ST_SSE2 1
    #if defined(__AVX2__)
    /* (the *_v3 modules, compiled for x86-64-v3: a table of 16 lanes is one register) */
    #include <immintrin.h>
    #define ST_AVX2 1
    #define ST_IDX16 _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    #endif
    #endif

    /* After symbol s: t[i] += ((k if i > s else 0) - t[i]) >> rate, every i in 0..15. */
    static inline void st_learn(uint16_t *t, int s, int k, int rate) {
    #ifdef ST_AVX2
        __m256i x = _mm256_loadu_si256((const __m256i *)t);
        __m256i target = _mm256_and_si256(_mm256_cmpgt_epi16(ST_IDX16, _mm256_set1_epi16((short)s)),
                                          _mm256_set1_epi16((short)k));
        _mm256_storeu_si256((__m256i *)t, _mm256_add_epi16(x, _mm256_sra_epi16(_mm256_sub_epi16(target, x),
                                                                               _mm_cvtsi32_si128(rate))));
    #elif defined(ST_SSE2)
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        __m128i sv = _mm_set1_epi16((short)s), kv = _mm_set1_epi16((short)k);
        __m128i sh = _mm_cvtsi32_si128(rate);
        __m128i a = _mm_loadu_si128((const __m128i *)t), b = _mm_loadu_si128((const __m128i *)(t + 8));
        __m128i ta = _mm_and_si128(_mm_cmpgt_epi16(lo_idx, sv), kv);
        __m128i tb = _mm_and_si128(_mm_cmpgt_epi16(hi_idx, sv), kv);
        a = _mm_add_epi16(a, _mm_sra_epi16(_mm_sub_epi16(ta, a), sh));
        b = _mm_add_epi16(b, _mm_sra_epi16(_mm_sub_epi16(tb, b), sh));
        _mm_storeu_si128((__m128i *)t, a);
        _mm_storeu_si128((__m128i *)(t + 8), b);
    #else
        int i;
        for (i = 0; i < 16; i++) {
            int v = (int16_t)t[i];
            int target = i > s ? k : 0;
            t[i] = (uint16_t)(v + ((target - v) >> rate));
        }
    #endif
    }

    /* st_learn of three tables after the same symbol s (each its own rate): the target made
       once */
    static inline void st_learn3(uint16_t *a, uint16_t *b, uint16_t *d, int s, int k, int ra, int rb, int rd) {
    #ifdef ST_AVX2
        __m256i target = _mm256_and_si256(_mm256_cmpgt_epi16(ST_IDX16, _mm256_set1_epi16((short)s)),
                                          _mm256_set1_epi16((short)k));
        __m256i x = _mm256_loadu_si256((const __m256i *)a);
        __m256i y = _mm256_loadu_si256((const __m256i *)b);
        __m256i z = _mm256_loadu_si256((const __m256i *)d);
        _mm256_storeu_si256((__m256i *)a, _mm256_add_epi16(x, _mm256_sra_epi16(_mm256_sub_epi16(target, x),
                                                                               _mm_cvtsi32_si128(ra))));
        _mm256_storeu_si256((__m256i *)b, _mm256_add_epi16(y, _mm256_sra_epi16(_mm256_sub_epi16(target, y),
                                                                               _mm_cvtsi32_si128(rb))));
        _mm256_storeu_si256((__m256i *)d, _mm256_add_epi16(z, _mm256_sra_epi16(_mm256_sub_epi16(target, z),
                                                                               _mm_cvtsi32_si128(rd))));
    #elif defined(ST_SSE2)
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        __m128i sv = _mm_set1_epi16((short)s), kv = _mm_set1_epi16((short)k);
        __m128i ta = _mm_and_si128(_mm_cmpgt_epi16(lo_idx, sv), kv);
        __m128i tb = _mm_and_si128(_mm_cmpgt_epi16(hi_idx, sv), kv);
        uint16_t *t[3];
        int rate[3], j;
        t[0] = a; t[1] = b; t[2] = d;
        rate[0] = ra; rate[1] = rb; rate[2] = rd;
        for (j = 0; j < 3; j++) {
            __m128i sh = _mm_cvtsi32_si128(rate[j]);
            __m128i x = _mm_loadu_si128((const __m128i *)t[j]), y = _mm_loadu_si128((const __m128i *)(t[j] + 8));
            _mm_storeu_si128((__m128i *)t[j], _mm_add_epi16(x, _mm_sra_epi16(_mm_sub_epi16(ta, x), sh)));
            _mm_storeu_si128((__m128i *)(t[j] + 8), _mm_add_epi16(y, _mm_sra_epi16(_mm_sub_epi16(tb, y), sh)));
        }
    #else
        st_learn(a, s, k, ra);
        st_learn(b, s, k, rb);
        st_learn(d, s, k, rd);
    #endif
    }

    /* st_learn4 given, instead of s, le: 16 bits a lane, lane i - 1's all ones where i <= s
       (else 0): the target k & ~le (the decoder has le before s). */
    static inline void st_learn4_le(uint16_t *t, uint64_t le, int k, int rate) {
    #ifdef ST_SSE2
        __m128i a = _mm_loadl_epi64((const __m128i *)t);
    #if defined(__x86_64__) || defined(_M_X64)
        __m128i lev = _mm_cvtsi64_si128((long long)le);
    #else  /* (32-bit x86 has no 64-bit move to SSE) */
        __m128i lev = _mm_set_epi32(0, 0, (int)(le >> 32), (int)(uint32_t)le);
    #endif
        __m128i ta = _mm_andnot_si128(lev, _mm_set1_epi16((short)k));
        _mm_storel_epi64((__m128i *)t, _mm_add_epi16(a, _mm_sra_epi16(_mm_sub_epi16(ta, a), _mm_cvtsi32_si128(rate))));
    #else
        int i;
        for (i = 1; i <= 4; i++) {
            int v = (int16_t)t[i - 1];
            int target = (le >> (16 * (i - 1))) & 1 ? 0 : k;
            t[i - 1] = (uint16_t)(v + ((target - v) >> rate));
        }
    #endif
    }

    /* The decoder's look at the average of three tables a, b, d of at most 5 symbols kept as
       lanes 1..4, weighted 2:1:1 (level 6's): cum[i] = ((2 a + b + d) >> 2) + i, i = 1..4, made
       as (a + ((b + d) >> 1)) >> 1 (the same value) in 16-bit lanes (every lane is below 2^15),
       written to cum[1..4]; returns le, 16 bits a lane, lane i - 1 all ones where i < m and
       cum[i] <= q, else 0. With q = min(code / r, 65535), cum[i] <= q exactly when
       r cum[i] <= code: the lanes at or below the code, a prefix (the lanes increase). A
       dozen instructions where level 6's lanes one by one took ~60 more (its decoder is bound
       by its instructions' count about as much as by its chain). */
    static inline uint64_t st_hits4(const uint16_t *a, const uint16_t *b, const uint16_t *d, uint16_t *cum,
                                    uint32_t q, int m) {
        static const uint64_t below_m[6] = {0, 0, 0xFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFFFull, ~0ull};
    #if defined(ST_SSE2) && (defined(__x86_64__) || defined(_M_X64))
        __m128i va = _mm_loadl_epi64((const __m128i *)a);
        __m128i vb = _mm_loadl_epi64((const __m128i *)b);
        __m128i vd = _mm_loadl_epi64((const __m128i *)d);
        __m128i c = _mm_add_epi16(_mm_srli_epi16(_mm_add_epi16(va, _mm_srli_epi16(_mm_add_epi16(vb, vd), 1)), 1),
                                  _mm_setr_epi16(1, 2, 3, 4, 0, 0, 0, 0));
        __m128i hit = _mm_cmpeq_epi16(_mm_subs_epu16(c, _mm_set1_epi16((short)q)), _mm_setzero_si128());
        _mm_storel_epi64((__m128i *)(cum + 1), c);
        return (uint64_t)_mm_cvtsi128_si64(hit) & below_m[m];
    #else
        uint64_t le = 0;
        int i;
        for (i = 1; i <= 4; i++) {
            uint32_t v = (((uint32_t)a[i - 1] + (((uint32_t)b[i - 1] + d[i - 1]) >> 1)) >> 1) + (uint32_t)i;
            cum[i] = (uint16_t)v;
            if (v <= q)
                le |= (uint64_t)0xFFFF << (16 * (i - 1));
        }
        return le & below_m[m];
    #endif
    }

    /* The number of lanes of le (st_hits4's) that are all ones: the symbol. */
    static inline int st_hits_count(uint64_t le) {
    #if defined(__GNUC__) || defined(__clang__)
        return (64 - __builtin_clzll(le | 1u)) >> 4;
    #else
        int s = 0;
        while (s < 4 && ((le >> (16 * s)) & 1u))
            s++;
        return s;
    #endif
    }

    /* st_learn of a table of at most 5 symbols kept as its lanes 1..4 (lane 0 is always 0):
       t[i - 1] += ((k if i > s else 0) - t[i - 1]) >> rate, i in 1..4. */
    static inline void st_learn4(uint16_t *t, int s, int k, int rate) {
    #ifdef ST_SSE2
        const __m128i idx = _mm_setr_epi16(1, 2, 3, 4, 0, 0, 0, 0);
        __m128i a = _mm_loadl_epi64((const __m128i *)t);
        __m128i ta = _mm_and_si128(_mm_cmpgt_epi16(idx, _mm_set1_epi16((short)s)), _mm_set1_epi16((short)k));
        _mm_storel_epi64((__m128i *)t, _mm_add_epi16(a, _mm_sra_epi16(_mm_sub_epi16(ta, a), _mm_cvtsi32_si128(rate))));
    #else
        int i;
        for (i = 1; i <= 4; i++) {
            int v = (int16_t)t[i - 1];
            int target = i > s ? k : 0;
            t[i - 1] = (uint16_t)(v + ((target - v) >> rate));
        }
    #endif
    }

    /* t[i] = (a[i] + b[i]) >> 1 */
    static inline void st_average2(uint16_t *t, const uint16_t *a, const uint16_t *b) {
    #ifdef ST_SSE2
        int h;
        for (h = 0; h < 16; h += 8) {
            __m128i x = _mm_loadu_si128((const __m128i *)(a + h));
            __m128i y = _mm_loadu_si128((const __m128i *)(b + h));
            _mm_storeu_si128((__m128i *)(t + h),
                             _mm_add_epi16(_mm_and_si128(x, y), _mm_srli_epi16(_mm_xor_si128(x, y), 1)));
        }
    #else
        int i;
        for (i = 0; i < 16; i++)
            t[i] = (uint16_t)((a[i] + b[i]) >> 1);
    #endif
    }

    /* t[i] = (a[i] + ((b[i] + d[i]) >> 1)) >> 1, every lane below 2^15 (every table's is: their
       sums fit 16 bits, no carry to keep) */
    static inline void st_average3(uint16_t *t, const uint16_t *a, const uint16_t *b, const uint16_t *d) {
    #ifdef ST_AVX2
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        _mm256_storeu_si256((__m256i *)t, _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1));
    #elif defined(ST_SSE2)
        int h;
        for (h = 0; h < 16; h += 8) {
            __m128i x = _mm_loadu_si128((const __m128i *)(a + h));
            __m128i y = _mm_loadu_si128((const __m128i *)(b + h));
            __m128i z = _mm_loadu_si128((const __m128i *)(d + h));
            __m128i m = _mm_srli_epi16(_mm_add_epi16(y, z), 1);
            _mm_storeu_si128((__m128i *)(t + h), _mm_srli_epi16(_mm_add_epi16(x, m), 1));
        }
    #else
        int i;
        for (i = 0; i < 16; i++)
            t[i] = (uint16_t)((a[i] + ((b[i] + d[i]) >> 1)) >> 1);
    #endif
    }

    /* The cumulative frequencies of a 16-symbol table t restricted to the symbols lo..hi:
       symbol i of t spans c(i) .. c(i + 1), c(i) = t[i] + i, c(16) = 2^15 (t non-decreasing,
       at most 2^15 - 16); cum[i] = min(max(c(i) - c(lo), 0), T) with T = c(hi + 1) - c(lo)
       (returned), so the symbols below lo and above hi have no frequency. st_span_top: the
       same of a table whose c(16) is top + 16 (level 16's averages, _neighbour_symbols.pxd);
       st_span_of: given c(lo) and T. */
    static inline int st_span_of(uint16_t *cum, const uint16_t *t, int base, int total) {
        /* (cum of c(lo) = base and T = total) */
    #ifdef ST_SSE2
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        __m128i bv = _mm_set1_epi16((short)base), tv = _mm_set1_epi16((short)total);
        __m128i a = _mm_subs_epu16(_mm_add_epi16(_mm_loadu_si128((const __m128i *)t), lo_idx), bv);
        __m128i b = _mm_subs_epu16(_mm_add_epi16(_mm_loadu_si128((const __m128i *)(t + 8)), hi_idx), bv);
        a = _mm_sub_epi16(a, _mm_subs_epu16(a, tv));
        b = _mm_sub_epi16(b, _mm_subs_epu16(b, tv));
        _mm_storeu_si128((__m128i *)cum, a);
        _mm_storeu_si128((__m128i *)(cum + 8), b);
    #else
        int i;
        for (i = 0; i < 16; i++) {
            int v = t[i] + i - base;
            cum[i] = (uint16_t)(v < 0 ? 0 : (v > total ? total : v));
        }
    #endif
        return total;
    }

    static inline int st_span_top(uint16_t *cum, const uint16_t *t, int lo, int hi, int top) {
        int base = t[lo] + lo;
        return st_span_of(cum, t, base, (hi == 15 ? top + 16 : t[hi + 1] + hi + 1) - base);
    }

    static inline int st_span(uint16_t *cum, const uint16_t *t, int lo, int hi) {
        return st_span_top(cum, t, lo, hi, 32752);
    }

    /* st_span of a table given with a 17th lane t[16] = 2^15 - 16 (c(16) = 2^15): T without a
       branch on hi (which the picture decides, and which mispredicted) */
    static inline int st_span17(uint16_t *cum, const uint16_t *t, int lo, int hi) {
        int base = t[lo] + lo;
        return st_span_of(cum, t, base, t[hi + 1] + hi + 1 - base);
    }

    /* The lowest set bit of mask (not 0) */
    static inline int st_lowest(unsigned mask) {
    #if defined(__GNUC__) || defined(__clang__)
        return __builtin_ctz(mask);
    #else
        int j;
        for (j = 0; !((mask >> j) & 1u); j++) {}
        return j;
    #endif
    }

    /* c(j + 1) - c(j) of table t, c(i) = min(t[i] + i, 2^15), c(16) = 2^15: symbol j's frequency */
    static inline uint32_t st_frequency(const uint16_t *t, int j) {
        uint32_t c0 = (uint32_t)t[j] + (uint32_t)j, c1;
        c0 = c0 < 32768u ? c0 : 32768u;
        c1 = j == 15 ? 32768u : (uint32_t)t[j + 1] + (uint32_t)(j + 1);
        c1 = c1 < 32768u ? c1 : 32768u;
        return c1 - c0;
    }

    /* The coded cumulative frequencies of table t without the symbols in mask: cum[0..15]
       and their total (returned). Symbol i of t spans c(i) .. c(i + 1) (st_frequency); a
       refused symbol's frequency is taken off every symbol after it (at most 4 are refused). */
    static inline int st_cum_without(uint16_t *cum, const uint16_t *t, unsigned mask) {
        uint32_t total = 32768u, f;
        int j;
    #ifdef ST_AVX2
        __m256i v = _mm256_add_epi16(_mm256_loadu_si256((const __m256i *)t), ST_IDX16);
        v = _mm256_sub_epi16(v, _mm256_subs_epu16(v, _mm256_set1_epi16((short)0x8000)));
        while (mask) {
            j = st_lowest(mask);
            mask &= mask - 1u;
            f = st_frequency(t, j);
            total -= f;
            v = _mm256_sub_epi16(v, _mm256_and_si256(_mm256_cmpgt_epi16(ST_IDX16, _mm256_set1_epi16((short)j)),
                                                     _mm256_set1_epi16((short)f)));
        }
        _mm256_storeu_si256((__m256i *)cum, v);
        return (int)total;
    #endif
    #ifdef ST_SSE2
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        const __m128i top = _mm_set1_epi16((short)0x8000);
        __m128i a = _mm_add_epi16(_mm_loadu_si128((const __m128i *)t), lo_idx);
        __m128i b = _mm_add_epi16(_mm_loadu_si128((const __m128i *)(t + 8)), hi_idx);
        a = _mm_sub_epi16(a, _mm_subs_epu16(a, top));   /* min(x, 2^15), unsigned */
        b = _mm_sub_epi16(b, _mm_subs_epu16(b, top));
    #else
        int i;
        for (i = 0; i < 16; i++) {
            uint32_t v = (uint32_t)t[i] + (uint32_t)i;
            cum[i] = (uint16_t)(v < 32768u ? v : 32768u);
        }
    #endif
        while (mask) {
            j = st_lowest(mask);
            mask &= mask - 1u;
            f = st_frequency(t, j);
            total -= f;
    #ifdef ST_SSE2
            {
                __m128i jv = _mm_set1_epi16((short)j), fv = _mm_set1_epi16((short)f);
                a = _mm_sub_epi16(a, _mm_and_si128(_mm_cmpgt_epi16(lo_idx, jv), fv));
                b = _mm_sub_epi16(b, _mm_and_si128(_mm_cmpgt_epi16(hi_idx, jv), fv));
            }
    #else
            for (i = 0; i < 16; i++)
                cum[i] = (uint16_t)(cum[i] - (i > j ? f : 0u));
    #endif
        }
    #ifdef ST_SSE2
        _mm_storeu_si128((__m128i *)cum, a);
        _mm_storeu_si128((__m128i *)(cum + 8), b);
    #endif
        return (int)total;
    }
    """
    void st_learn(uint16_t *t, int s, int k, int rate) noexcept nogil
    void st_learn4(uint16_t *t, int s, int k, int rate) noexcept nogil
    void st_learn4_le(uint16_t *t, uint64_t le, int k, int rate) noexcept nogil
    uint64_t st_hits4(const uint16_t *a, const uint16_t *b, const uint16_t *d, uint16_t *cum, uint32_t q,
                      int m) noexcept nogil
    int st_hits_count(uint64_t le) noexcept nogil
    void st_learn3(uint16_t *a, uint16_t *b, uint16_t *d, int s, int k, int ra, int rb, int rd) noexcept nogil
    void st_average2(uint16_t *t, const uint16_t *a, const uint16_t *b) noexcept nogil
    void st_average3(uint16_t *t, const uint16_t *a, const uint16_t *b, const uint16_t *d) noexcept nogil
    int st_span(uint16_t *cum, const uint16_t *t, int lo, int hi) noexcept nogil
    int st_span_top(uint16_t *cum, const uint16_t *t, int lo, int hi, int top) noexcept nogil
    int st_span17(uint16_t *cum, const uint16_t *t, int lo, int hi) noexcept nogil
    int st_cum_without(uint16_t *cum, const uint16_t *t, unsigned mask) noexcept nogil


cdef inline void st_replicate(uint16_t *t, Py_ssize_t block, Py_ssize_t count) noexcept nogil:
    """The first ``block`` u16 of t (tables made), copied over the next count - 1 blocks of
    as many: count blocks alike (copies of doubling size: the divisions of a table's making
    took 5% of coding a small picture of 256 colours)."""
    cdef Py_ssize_t done = 1, step
    while done < count:
        step = done if done < count - done else count - done
        memcpy(t + done * block, t, step * block * sizeof(uint16_t))
        done += step


cdef inline uint16_t *st_alloc(Py_ssize_t count, void **raw) noexcept nogil:
    """Room for count tables of 16 lanes starting on a 64-byte boundary (so that no table
    spans two cache lines: a large malloc starts 16 bytes past one, and half the 32-byte
    tables then did); raw[0] gets the pointer to free (NULL if out of memory: so is the
    result)."""
    raw[0] = malloc(count * 16 * sizeof(uint16_t) + 64)
    if raw[0] == NULL:
        return NULL
    return <uint16_t *>((<uintptr_t>raw[0] + 63) & ~(<uintptr_t>63))
