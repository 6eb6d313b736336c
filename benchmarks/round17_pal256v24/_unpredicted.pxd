# A palette pixel that none of its neighbours W, N, NE, NW predicts, at levels 3, 6 and 10
# (docs/FORMAT.md, "Level 3" and "Level 10"). Levels 3 and 6: one symbol of a table by (W, N)
# without the refused colours (up to 16 colours), or its high 4 bits of three averaged
# tables by W, N, NE and its low 4 bits of three averaged tables by (high bits, W), (high
# bits, N), (high bits, NE) without the refused colours of those high bits. Level 10
# ("mixed"): the same one or two symbols, each of four tables (by W, N, NE and the pair
# (W, N)) mixed geometrically as at level 7 (``_mixed_tables.pxd``), with weight sets by
# which of W, N, NE, NW are equal. Each level keeps one Unpredicted in its model.

from libc.stdint cimport int32_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._mixed_tables cimport MT_K, mt_symbol
from vqpress.coding._palette_common cimport PAL_LANES, pal_lo_m, pal_table_fill, pal_table_learn, pal_table_learn3
from vqpress.coding._range_coder cimport RangeCoder, rc_decode_symbol, rc_encode_symbol, rc_encode_span, rc_take_symbol, rc_next_byte
from vqpress.coding._symbol_tables cimport st_alloc, st_average2, st_average3, st_cum_without

cdef extern from *:
    """
    #ifndef UPV
    #define UPV 0
    #endif
    static unsigned char up_oracle_buf[1 << 23];
    static long up_oracle_i = 0;
    static inline int up_oracle(int decoding, int x) {
        if (decoding) x = up_oracle_buf[up_oracle_i]; else up_oracle_buf[up_oracle_i] = (unsigned char)x;
        up_oracle_i++;
        return x;
    }
    static void up_oracle_reset(void) { up_oracle_i = 0; }
    #include <emmintrin.h>
    /* cum of table t (c(i) = min(t[i] + i, 2^15)), each refused symbol j >= 1 merged into the
       symbol below it (cum[j] = the next unrefused c), a refused symbol 0 into the first
       unrefused symbol above it: the total stays 2^15. SSE2. */
    static inline void up_cum_merged(uint16_t *cum, const uint16_t *t, unsigned mask) {
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        const __m128i top = _mm_set1_epi16((short)0x8000);
        const __m128i lo_bit = _mm_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128);
        const __m128i hi_bit = _mm_setr_epi16(256, 512, 1024, 2048, 4096, 8192, 16384, (short)32768);
        __m128i a = _mm_add_epi16(_mm_loadu_si128((const __m128i *)t), lo_idx);
        __m128i b = _mm_add_epi16(_mm_loadu_si128((const __m128i *)(t + 8)), hi_idx);
        unsigned m = mask & ~1u, r;
        a = _mm_sub_epi16(a, _mm_subs_epu16(a, top));
        b = _mm_sub_epi16(b, _mm_subs_epu16(b, top));
        if (m) {
            __m128i mv = _mm_set1_epi16((short)m);
            __m128i ra = _mm_cmpeq_epi16(_mm_and_si128(mv, lo_bit), lo_bit);
            __m128i rb = _mm_cmpeq_epi16(_mm_and_si128(mv, hi_bit), hi_bit);
            const __m128i last = _mm_setr_epi16(0, 0, 0, 0, 0, 0, 0, (short)0x8000);
            for (r = m; r; r &= r >> 1) {
                __m128i sa = _mm_or_si128(_mm_srli_si128(a, 2), _mm_slli_si128(b, 14));
                __m128i sb = _mm_or_si128(_mm_srli_si128(b, 2), last);
                a = _mm_or_si128(_mm_and_si128(ra, sa), _mm_andnot_si128(ra, a));
                b = _mm_or_si128(_mm_and_si128(rb, sb), _mm_andnot_si128(rb, b));
            }
        }
        if (mask & 1u) {
            __m128i kv = _mm_set1_epi16((short)__builtin_ctz(~mask));
            a = _mm_and_si128(a, _mm_cmpgt_epi16(lo_idx, kv));
            b = _mm_and_si128(b, _mm_cmpgt_epi16(hi_idx, kv));
        }
        _mm_storeu_si128((__m128i *)cum, a);
        _mm_storeu_si128((__m128i *)(cum + 8), b);
    }

    /* largest s in 0..15 with cum[s] <= q */
    static inline int up_find_q(const uint16_t *cum, uint32_t q) {
        __m128i qv = _mm_set1_epi16((short)(q < 65535u ? q : 65535u));
        __m128i z = _mm_setzero_si128();
        __m128i a = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128((const __m128i *)cum), qv), z);
        __m128i b = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128((const __m128i *)(cum + 8)), qv), z);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(a, b));
        return 31 - __builtin_clz(mask | 1u);
    }
    /* largest l in 0..15 with b(l) = l + ((g * cum[l]) >> 15) <= u (g < 2^15, u < 2^16):
       the products by _mm_mulhi_epu16 of cum[l] and 2g, no division */
    static inline int up_find_units(const uint16_t *cum, uint32_t g, uint32_t u) {
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        __m128i gv = _mm_set1_epi16((short)(g << 1));
        __m128i uv = _mm_set1_epi16((short)(u < 65535u ? u : 65535u));
        __m128i z = _mm_setzero_si128();
        __m128i a = _mm_add_epi16(_mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)cum), gv), lo_idx);
        __m128i b = _mm_add_epi16(_mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)(cum + 8)), gv), hi_idx);
        a = _mm_cmpeq_epi16(_mm_subs_epu16(a, uv), z);
        b = _mm_cmpeq_epi16(_mm_subs_epu16(b, uv), z);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(a, b));
        return 31 - __builtin_clz(mask | 1u);
    }
    #ifndef UPF
    #define UPF 64
    #endif
    /* up_cum_merged without branches: the refused lanes take the next lane's value by
       pointer jumping (steps of 1, 2 and 4 lanes: runs of up to 7 refused symbols; at most 4
       are), then a refused symbol 0's lanes up to the first unrefused one are zeroed by a
       select. The same values as up_cum_merged. */
    #define UP_SHIFT_PAIR(a, b, d, fill, sa, sb) do { \
        sa = _mm_or_si128(_mm_srli_si128(a, 2 * (d)), _mm_slli_si128(b, 16 - 2 * (d))); \
        sb = _mm_or_si128(_mm_srli_si128(b, 2 * (d)), fill); } while (0)
    static inline void up_cum_merged_bf(uint16_t *cum, const uint16_t *t, unsigned mask) {
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        const __m128i top = _mm_set1_epi16((short)0x8000);
        const __m128i lo_bit = _mm_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128);
        const __m128i hi_bit = _mm_setr_epi16(256, 512, 1024, 2048, 4096, 8192, 16384, (short)32768);
        const __m128i f1 = _mm_setr_epi16(0, 0, 0, 0, 0, 0, 0, (short)0x8000);
        const __m128i f2 = _mm_setr_epi16(0, 0, 0, 0, 0, 0, (short)0x8000, (short)0x8000);
        const __m128i f4 = _mm_setr_epi16(0, 0, 0, 0, (short)0x8000, (short)0x8000, (short)0x8000, (short)0x8000);
        const __m128i z = _mm_setzero_si128();
        __m128i a = _mm_add_epi16(_mm_loadu_si128((const __m128i *)t), lo_idx);
        __m128i b = _mm_add_epi16(_mm_loadu_si128((const __m128i *)(t + 8)), hi_idx);
        __m128i mv = _mm_set1_epi16((short)(mask & ~1u));
        __m128i ra = _mm_cmpeq_epi16(_mm_and_si128(mv, lo_bit), lo_bit);
        __m128i rb = _mm_cmpeq_epi16(_mm_and_si128(mv, hi_bit), hi_bit);
        __m128i sa, sb, qa, qb;
        unsigned k0 = (unsigned)__builtin_ctz(~mask) & (0u - (mask & 1u));
        a = _mm_sub_epi16(a, _mm_subs_epu16(a, top));
        b = _mm_sub_epi16(b, _mm_subs_epu16(b, top));
        UP_SHIFT_PAIR(a, b, 1, f1, sa, sb);
        a = _mm_or_si128(_mm_and_si128(ra, sa), _mm_andnot_si128(ra, a));
        b = _mm_or_si128(_mm_and_si128(rb, sb), _mm_andnot_si128(rb, b));
        UP_SHIFT_PAIR(ra, rb, 1, z, qa, qb);
        ra = _mm_and_si128(ra, qa); rb = _mm_and_si128(rb, qb);
        UP_SHIFT_PAIR(a, b, 2, f2, sa, sb);
        a = _mm_or_si128(_mm_and_si128(ra, sa), _mm_andnot_si128(ra, a));
        b = _mm_or_si128(_mm_and_si128(rb, sb), _mm_andnot_si128(rb, b));
        UP_SHIFT_PAIR(ra, rb, 2, z, qa, qb);
        ra = _mm_and_si128(ra, qa); rb = _mm_and_si128(rb, qb);
        UP_SHIFT_PAIR(a, b, 4, f4, sa, sb);
        a = _mm_or_si128(_mm_and_si128(ra, sa), _mm_andnot_si128(ra, a));
        b = _mm_or_si128(_mm_and_si128(rb, sb), _mm_andnot_si128(rb, b));
        {
            __m128i kv = _mm_set1_epi16((short)k0);
            a = _mm_and_si128(a, _mm_cmpgt_epi16(lo_idx, kv));
            b = _mm_and_si128(b, _mm_cmpgt_epi16(hi_idx, kv));
        }
        _mm_storeu_si128((__m128i *)cum, a);
        _mm_storeu_si128((__m128i *)(cum + 8), b);
    }
    #ifndef UBF
    #define UBF 0
    #endif

    /* up_find_units, the 16 boundaries b(0..15) stored in bv too */
    static inline int up_find_units_b(const uint16_t *cum, uint32_t g, uint32_t u, uint16_t *bv) {
        const __m128i lo_idx = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i hi_idx = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
        __m128i gv = _mm_set1_epi16((short)(g << 1));
        __m128i uv = _mm_set1_epi16((short)(u < 65535u ? u : 65535u));
        __m128i z = _mm_setzero_si128();
        __m128i a = _mm_add_epi16(_mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)cum), gv), lo_idx);
        __m128i b = _mm_add_epi16(_mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)(cum + 8)), gv), hi_idx);
        _mm_storeu_si128((__m128i *)bv, a);
        _mm_storeu_si128((__m128i *)(bv + 8), b);
        a = _mm_cmpeq_epi16(_mm_subs_epu16(a, uv), z);
        b = _mm_cmpeq_epi16(_mm_subs_epu16(b, uv), z);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(a, b));
        return 31 - __builtin_clz(mask | 1u);
    }
    #ifndef UPB
    #define UPB 0
    #endif
    #ifndef ULAY
    #define ULAY 0
    #endif
    #ifndef UPRE
    #define UPRE 0
    #endif
    #ifndef UNOH
    #define UNOH 0
    #endif
    #ifndef ULATE
    #define ULATE 0
    #endif
    #ifndef UTWO
    #define UTWO 0
    #endif
    #ifndef UL2
    #define UL2 0
    #endif

    /* v60: h's cum of the 2:1:1 average of a, b, d (c(i) = min(t[i] + i, 2^15), cum[16] = 2^15)
       and (find) the largest i with c(i) <= q; l's boundaries b(i) = i + ((g * c(i)) >> 15) of
       the average of a, b, d and the largest i with b(i) <= u. AVX2: one register, no store
       and reload on the way to the answer. */
    static inline int up60_hcum(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t q, int find) {
    #ifdef __AVX2__
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i t = _mm256_add_epi16(_mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1), idx);
        t = _mm256_min_epu16(t, _mm256_set1_epi16((short)0x8000));
        _mm256_storeu_si256((__m256i *)cum, t);
        cum[16] = 32768;
        if (!find) return 0;
        {
            __m256i qv = _mm256_set1_epi16((short)(q < 65535u ? q : 65535u));
            unsigned mask = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_subs_epu16(t, qv), _mm256_setzero_si256()));
            return (31 - __builtin_clz(mask | 1u)) >> 1;
        }
    #else
        uint16_t t[16];
        st_average3(t, a, b, d);
        st_cum_without(cum, t, 0);
        cum[16] = 32768;
        if (!find) return 0;
        return up_find_q(cum, q);
    #endif
    }
    static inline int up60_lunits(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u, int find) {
    #ifdef __AVX2__
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i t = _mm256_add_epi16(_mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1), idx);
        t = _mm256_min_epu16(t, _mm256_set1_epi16((short)0x8000));
        t = _mm256_add_epi16(_mm256_mulhi_epu16(t, _mm256_set1_epi16((short)(g << 1))), idx);
        _mm256_storeu_si256((__m256i *)bv, t);
        if (!find) return 0;
        {
            __m256i uv = _mm256_set1_epi16((short)(u < 65535u ? u : 65535u));
            unsigned mask = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_subs_epu16(t, uv), _mm256_setzero_si256()));
            return (31 - __builtin_clz(mask | 1u)) >> 1;
        }
    #else
        uint16_t t[16], cl[17];
        st_average3(t, a, b, d);
        st_cum_without(cl, t, 0);
        return up_find_units_b(cl, g, find ? u : 0, bv);
    #endif
    }

    /* v63: up60_lunits with l's refused colours merged as up_cum_merged (v23's bytes) */
    static inline int up63_lunits(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u, unsigned mask, int find) {
    #ifdef __AVX2__
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m256i top = _mm256_set1_epi16((short)0x8000);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i t = _mm256_add_epi16(_mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1), idx);
        unsigned mm = mask & ~1u, r;
        t = _mm256_min_epu16(t, top);
        if (mm) {
            const __m256i bits = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, (short)32768);
            __m256i rv = _mm256_cmpeq_epi16(_mm256_and_si256(_mm256_set1_epi16((short)mm), bits), bits);
            for (r = mm; r; r &= r >> 1) {
                __m256i sh = _mm256_alignr_epi8(_mm256_permute2x128_si256(t, top, 0x21), t, 2);
                t = _mm256_blendv_epi8(t, sh, rv);
            }
        }
        if (mask & 1u)
            t = _mm256_and_si256(t, _mm256_cmpgt_epi16(idx, _mm256_set1_epi16((short)__builtin_ctz(~mask))));
        t = _mm256_add_epi16(_mm256_mulhi_epu16(t, _mm256_set1_epi16((short)(g << 1))), idx);
        _mm256_storeu_si256((__m256i *)bv, t);
        if (!find) return 0;
        {
            __m256i uv = _mm256_set1_epi16((short)(u < 65535u ? u : 65535u));
            unsigned mk = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_subs_epu16(t, uv), _mm256_setzero_si256()));
            return (31 - __builtin_clz(mk | 1u)) >> 1;
        }
    #else
        uint16_t t[16], cl[17];
        st_average3(t, a, b, d);
        up_cum_merged(cl, t, mask);
        return up_find_units_b(cl, g, find ? u : 0, bv);
    #endif
    }

    /* v64: v60's decoder with the boundaries taken from the register (minpos), not reloaded:
       returns the symbol; *lo = its lower boundary, *hi = the next one (or cap) */
    #ifdef __AVX2__
    static inline int up64_pick(__m256i t, uint32_t q, uint32_t cap, uint32_t *lo, uint32_t *hi) {
        __m256i qv = _mm256_set1_epi16((short)(q < 65535u ? q : 65535u));
        __m256i le = _mm256_cmpeq_epi16(_mm256_subs_epu16(t, qv), _mm256_setzero_si256());
        unsigned mask = (unsigned)_mm256_movemask_epi8(le);
        __m256i ones = _mm256_set1_epi16(-1);
        __m256i above = _mm256_or_si256(t, le);
        __m256i below = _mm256_or_si256(_mm256_xor_si256(t, ones), _mm256_xor_si256(le, ones));
        __m128i a = _mm_min_epu16(_mm256_castsi256_si128(above), _mm256_extracti128_si256(above, 1));
        __m128i b = _mm_min_epu16(_mm256_castsi256_si128(below), _mm256_extracti128_si256(below, 1));
        uint32_t h1 = (uint32_t)_mm_cvtsi128_si32(_mm_minpos_epu16(a)) & 0xFFFFu;
        *lo = 0xFFFFu - ((uint32_t)_mm_cvtsi128_si32(_mm_minpos_epu16(b)) & 0xFFFFu);
        *hi = h1 < cap ? h1 : cap;
        return (31 - __builtin_clz(mask | 1u)) >> 1;
    }
    #endif
    static inline int up64_h(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t q, uint32_t *lo, uint32_t *hi) {
    #ifdef __AVX2__
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i t = _mm256_add_epi16(_mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1), idx);
        t = _mm256_min_epu16(t, _mm256_set1_epi16((short)0x8000));
        _mm256_storeu_si256((__m256i *)cum, t);
        cum[16] = 32768;
        return up64_pick(t, q, 32768u, lo, hi);
    #else
        int h = up60_hcum(cum, a, b, d, q, 1);
        *lo = cum[h]; *hi = cum[h + 1];
        return h;
    #endif
    }
    static inline int up64_l(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u, uint32_t f, uint32_t *lo, uint32_t *hi) {
    #ifdef __AVX2__
        const __m256i idx = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i t = _mm256_add_epi16(_mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1), idx);
        t = _mm256_min_epu16(t, _mm256_set1_epi16((short)0x8000));
        t = _mm256_add_epi16(_mm256_mulhi_epu16(t, _mm256_set1_epi16((short)(g << 1))), idx);
        _mm256_storeu_si256((__m256i *)bv, t);
        return up64_pick(t, u, f, lo, hi);
    #else
        int l = up60_lunits(bv, a, b, d, g, u, 1);
        bv[16] = (uint16_t)f;
        *lo = bv[l]; *hi = bv[l + 1] < f ? bv[l + 1] : f;
        return l;
    #endif
    }
    static inline void up_prefetch512(const void *p) {
        const char *q = (const char *)p;
        int i;
        for (i = 0; i < 512; i += 64) __builtin_prefetch(q + i);
    }
    """
    int ULAY
    int UPRE
    int UNOH
    int UTWO
    int ULATE
    int UL2
    void up_prefetch512(const void *p) noexcept nogil
    int up64_h(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t q, uint32_t *lo, uint32_t *hi) noexcept nogil
    int up64_l(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u, uint32_t f, uint32_t *lo, uint32_t *hi) noexcept nogil
    int up63_lunits(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u, unsigned mask, int find) noexcept nogil
    int up60_hcum(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t q, int find) noexcept nogil
    int up60_lunits(uint16_t *bv, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t g, uint32_t u, int find) noexcept nogil
    int UPF
    int UBF
    void up_cum_merged_bf(uint16_t *cum, const uint16_t *t, unsigned mask) noexcept nogil
    int up_find_q(const uint16_t *cum, uint32_t q) noexcept nogil
    int up_find_units(const uint16_t *cum, uint32_t g, uint32_t u) noexcept nogil
    int up_find_units_b(const uint16_t *cum, uint32_t g, uint32_t u, uint16_t *bv) noexcept nogil
    int UPB
    int UPV
    int __builtin_clz(unsigned) noexcept nogil
    int up_oracle(int decoding, int x) noexcept nogil
    void up_oracle_reset() noexcept nogil
    void up_cum_merged(uint16_t *cum, const uint16_t *t, unsigned mask) noexcept nogil


cdef enum:
    UP_PAIR_BITS = 12
    UP_PAIRS = 1 << UP_PAIR_BITS    # mixed: tables of the pair (W, N) in a block, hashed
    UP_SETS = 64                    # mixed: weight sets per stage, by the equalities of W, N, NE, NW


ctypedef int (*MixedCode)(RangeCoder *c, bint decoding, void *u, int x, int W, int N, int NE,
                          int NW) noexcept nogil  # u: the Unpredicted


ctypedef struct Unpredicted:
    int n
    int hi_m                    # symbols of the first (or only) table: n, or ceil(n / 16)
    MixedCode mixed             # level 10: its coding (called through the pointer: levels 3 and 6 keep
                                # theirs inline and small); else NULL
    uint16_t *tables            # 16 lanes each: n <= 16: X[W * 16 + N]; else HW[W], HN[N],
    uint8_t *counts             # HNE[NE] (n each), then LW, LN, LNE [hi * n + v] (hi_m * n each);
    Py_ssize_t n_tables         # mixed: blocks of ``block`` tables, block 0 the first (or only)
    Py_ssize_t block            # symbol's, block 1 + h the low bits' under high bits h
    int32_t *weights            # mixed: 2 stages x UP_SETS sets of MT_K
    void *raw                   # the allocation under tables (st_alloc)


cdef inline int _mixed(RangeCoder *c, bint decoding, void *up, int x, int W, int N, int NE, int NW) noexcept nogil:
    """up_code at level 10 (its MixedCode)."""
    cdef Unpredicted *u = <Unpredicted *>up
    cdef Py_ssize_t idx[MT_K]
    cdef int n = u.n, hi = 0, j
    cdef unsigned refused
    cdef int32_t *w = u.weights + ((N == W) | (NE == W) << 1 | (NW == W) << 2 | (NE == N) << 3 | (NW == N) << 4
                                   | (NW == NE) << 5) * MT_K
    cdef int m, v, stage = 0
    idx[0] = W
    idx[1] = n + N
    idx[2] = 2 * n + NE
    if n <= 16:  # one symbol: the fourth table is the triple (W, N, NE)'s
        idx[3] = 3 * n + (W * 16 + N) * 16 + NE
        m = n
        refused = (1u << W) | (1u << N) | (1u << NE) | (1u << NW)
        v = x
    else:  # the high bits: the triple of the neighbours' high bits
        idx[3] = 3 * n + ((W >> 4) * 16 + (N >> 4)) * 16 + (NE >> 4)
        m = u.hi_m
        refused = 0
        v = x >> 4
    while True:  # (one call of mt_symbol, inlined)
        v = mt_symbol(c, decoding, u.tables, u.counts, idx, w, m, refused, v)
        if n <= 16 or stage == 1:
            return v if n <= 16 else hi * 16 + v
        # the low bits under high bits hi: block 1 + hi, the fourth table the pair (W, N)'s
        hi = v
        stage = 1
        idx[3] = 3 * n + ((((<uint32_t>W << 8) | <uint32_t>N) * 0x9E3779B1u) >> (32 - UP_PAIR_BITS))
        for j in range(MT_K):
            idx[j] += (1 + hi) * u.block
        m = pal_lo_m(n, hi)
        refused = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
                   | ((NW >> 4) == hi) << (NW & 15))
        w += UP_SETS * MT_K
        v = x & 15


cdef inline int up_alloc(Unpredicted *u, int n, bint mixed) noexcept nogil:
    """Fresh tables for n symbols (``mixed``: level 10's). Returns 0, or -1 (free them with
    up_free either way)."""
    cdef int j
    u.n = n
    u.hi_m = n if n <= 16 else (n + 15) // 16
    u.mixed = NULL
    if mixed:
        u.mixed = _mixed
    u.weights = NULL
    if mixed:
        u.block = 3 * n + UP_PAIRS
        u.n_tables = u.block * (1 if n <= 16 else 1 + u.hi_m)
        # (one lane more: p7_mix reads one past a table's end)
        u.tables = st_alloc(u.n_tables + 1, &u.raw)
        u.counts = <uint8_t *>calloc(u.n_tables, 1)
        u.weights = <int32_t *>malloc(2 * UP_SETS * MT_K * sizeof(int32_t))
        if u.tables == NULL or u.counts == NULL or u.weights == NULL:
            return -1
        u.tables[u.n_tables * PAL_LANES] = 0
        for j in range(2 * UP_SETS * MT_K):  # the table of W counts twice as much as each other one
            u.weights[j] = 16384 if j % MT_K else 32768
        pal_table_fill(u.tables, u.block, u.hi_m)
        if n > 16:
            for j in range(u.hi_m):
                pal_table_fill(u.tables + (1 + j) * u.block * PAL_LANES, u.block, pal_lo_m(n, j))
        return 0
    u.n_tables = n * 16 if n <= 16 else 3 * n + 3 * <Py_ssize_t>u.hi_m * n + 256 + 400
    u.tables = st_alloc(u.n_tables, &u.raw)
    u.counts = <uint8_t *>calloc(u.n_tables, 1)
    if u.tables == NULL or u.counts == NULL:
        return -1
    # every table starts as one of at most three (pal_table_fill writes each once)
    if n <= 16:
        pal_table_fill(u.tables, u.n_tables, n)
    else:
        pal_table_fill(u.tables, 3 * n, u.hi_m)
        for j in range(3 * u.hi_m):  # the low-bit tables of (a neighbour, high bits hi): n each
            pal_table_fill(u.tables + (3 * n + <Py_ssize_t>j * n) * 16, n, pal_lo_m(n, j % u.hi_m))
        pal_table_fill(u.tables + (3 * n + 3 * <Py_ssize_t>u.hi_m * n) * 16, 256, u.hi_m)
        pal_table_fill(u.tables + (3 * n + 3 * <Py_ssize_t>u.hi_m * n + 300) * 16, 1, u.hi_m)
        for j in range(u.hi_m):
            pal_table_fill(u.tables + (3 * n + 3 * <Py_ssize_t>u.hi_m * n + 301 + j) * 16, 1, pal_lo_m(n, j))
    return 0


cdef inline void up_free(Unpredicted *u) noexcept nogil:
    free(u.raw)
    free(u.counts)
    free(u.weights)
    u.raw = NULL
    u.tables = NULL
    u.counts = NULL
    u.weights = NULL


cdef inline int _code_without(RangeCoder *c, bint decoding, const uint16_t *t, int m, unsigned mask,
                               int s) noexcept nogil:
    """Code symbol s of the m-symbol table t without the symbols in mask (with them, if mask
    refuses every one: a group only a damaged stream chooses), or decode it (returned either
    way)."""
    cdef uint16_t cum[16]
    cdef int total = st_cum_without(cum, t, mask)
    if total == 0:
        total = st_cum_without(cum, t, 0)
    if decoding:
        return rc_decode_symbol(c, cum, total, m, True)
    rc_encode_symbol(c, cum, total, m, s)
    return s


cdef inline int _symbol3(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                         Py_ssize_t tb, Py_ssize_t tc, int m, unsigned mask, int s) noexcept nogil:
    """Symbol s of the average of tables ta, tb, tc, weighted 2:1:1, without the symbols in
    mask: coded, or decoded (returned either way); then the three tables learn it."""
    cdef uint16_t t[16]
    st_average3(t, tables + ta * 16, tables + tb * 16, tables + tc * 16)
    s = _code_without(c, decoding, t, m, mask, s)
    pal_table_learn3(tables, counts, ta, tb, tc, m, s)
    return s


cdef inline int _code_merged(RangeCoder *c, bint decoding, const uint16_t *t, int m, unsigned mask,
                              int s) noexcept nogil:
    """Symbol s of table t, each refused symbol's frequency given to the symbol below it
    (symbol 0's to the first symbol above it not refused): the total stays 2^15."""
    cdef uint16_t cum[17]
    cdef unsigned rest = mask
    cdef int j, k
    if UPV >= 17:
        up_cum_merged(cum, t, mask)
    else:
        st_cum_without(cum, t, 0)
        cum[16] = 32768
        while rest:
            j = 31 - __builtin_clz(rest)
            rest ^= 1u << j
            if j:
                cum[j] = cum[j + 1]
            else:
                k = 1
                while k < 16 and (mask >> k) & 1u:
                    k += 1
                for j in range(1, k + 1):
                    cum[j] = 0
    if decoding:
        return rc_decode_symbol(c, cum, 32768, m, True)
    rc_encode_symbol(c, cum, 32768, m, s)
    return s


cdef inline int _symbol1m(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                          int m, unsigned mask, int s) noexcept nogil:
    s = _code_merged(c, decoding, tables + ta * 16, m, mask, s)
    pal_table_learn(tables + ta * 16, counts + ta, m, s)
    return s


cdef inline int _symbol2m(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                          Py_ssize_t tb, int m, unsigned mask, int s) noexcept nogil:
    cdef uint16_t t[16]
    st_average2(t, tables + ta * 16, tables + tb * 16)
    s = _code_merged(c, decoding, t, m, mask, s)
    pal_table_learn(tables + ta * 16, counts + ta, m, s)
    pal_table_learn(tables + tb * 16, counts + tb, m, s)
    return s


cdef inline int _symbol3m(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                          Py_ssize_t tb, Py_ssize_t tc, int m, unsigned mask, int s) noexcept nogil:
    cdef uint16_t t[16]
    st_average3(t, tables + ta * 16, tables + tb * 16, tables + tc * 16)
    s = _code_merged(c, decoding, t, m, mask, s)
    pal_table_learn3(tables, counts, ta, tb, tc, m, s)
    return s


cdef inline int _symbol0(RangeCoder *c, bint decoding, uint16_t *tables, int m, int s) noexcept nogil:
    """the bound: a fixed table (P's first, never learning)"""
    return _code_without(c, decoding, tables, m, 0, s)


cdef inline int _symbol1(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                         int m, unsigned mask, int s) noexcept nogil:
    s = _code_without(c, decoding, tables + ta * 16, m, mask, s)
    pal_table_learn(tables + ta * 16, counts + ta, m, s)
    return s


cdef inline int _symbol2(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                         Py_ssize_t tb, int m, unsigned mask, int s) noexcept nogil:
    cdef uint16_t t[16]
    st_average2(t, tables + ta * 16, tables + tb * 16)
    s = _code_without(c, decoding, t, m, mask, s)
    pal_table_learn(tables + ta * 16, counts + ta, m, s)
    pal_table_learn(tables + tb * 16, counts + tb, m, s)
    return s


cdef inline int _code_one(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE,
                          int NW) noexcept nogil:
    """UPV 20 / 21: h and l as ONE coder symbol where h's frequency f >= UPF: h's unit r =
    range >> 15, q = code / r (the one division), h the largest with ch[h] <= q; l's interval
    in units of r inside h's f units: b(l) = l + (((f - lm) * cl[l]) >> 15), b(lm) = f (every
    l at least one unit); one range update and renormalisation. Where f < UPF: two symbols
    (h, then l as a symbol of total 2^15). UPV 20: l's refused colours merged (v17); 21: l
    without exclusion."""
    cdef int n = u.n, m = u.hi_m, h, l, lm, j
    cdef uint16_t th[16]
    cdef uint16_t ch[17]
    cdef uint16_t tl[16]
    cdef uint16_t cl[17]
    cdef uint16_t c2[2]
    cdef uint32_t r, q = 0, f, g, b0, b1, lo, sh
    cdef uint16_t bv[17]
    cdef Py_ssize_t L = <Py_ssize_t>u.hi_m * n, t
    cdef unsigned mask
    cdef bint last
    cdef Py_ssize_t tw, tn, tne
    if UPRE:  # the l tables of W, N, NE for every h (ULAY: 512 bytes each)
        up_prefetch512(u.tables + (3 * n + W * 16) * 16)
        up_prefetch512(u.tables + (3 * n + L + N * 16) * 16)
        up_prefetch512(u.tables + (3 * n + 2 * L + NE * 16) * 16)
    if UPV == 27:  # (a bound) h of the fixed uniform table too
        st_cum_without(ch, u.tables + (3 * n + 3 * <Py_ssize_t>u.hi_m * n + 300) * 16, 0)
    elif UTWO:  # h of two tables (W, N)
        st_average2(th, u.tables + W * 16, u.tables + (n + N) * 16)
        st_cum_without(ch, th, 0)
    else:
        st_average3(th, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16)
        st_cum_without(ch, th, 0)
    ch[16] = 32768
    r = c.range >> 15
    if decoding:
        q = c.code / r
        h = up_find_q(ch, q)
        if h > m - 1:
            h = m - 1
    else:
        h = x >> 4
    f = <uint32_t>ch[h + 1] - ch[h]
    if UTWO:
        pal_table_learn(u.tables + W * 16, u.counts + W, m, h)
        pal_table_learn(u.tables + (n + N) * 16, u.counts + n + N, m, h)
    elif UPV != 27:
        pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
    t = 3 * n + h * n
    lm = pal_lo_m(n, h)
    if UNOH:  # (a timing bound) l's tables not by h: those of h = 0
        t = 3 * n
    tw = t + W
    tn = t + L + N
    tne = t + 2 * L + NE
    if ULAY:  # LW[W][h], LN[N][h], LNE[NE][h]
        tw = 3 * n + W * 16 + h
        tn = 3 * n + L + N * 16 + h
        tne = 3 * n + 2 * L + NE * 16 + h
    if UPV == 22 or UPV == 27:  # (a timing bound) l of a fixed uniform table inside h: no averaging, no exclusion
        for j in range(17):
            cl[j] = <uint16_t>(j * 2048)
    elif UPV == 21 and (UTWO or UL2):  # l of two tables (W, N)
        st_average2(tl, u.tables + tw * 16, u.tables + tn * 16)
        st_cum_without(cl, tl, 0)
    elif UPV == 21:
        st_average3(tl, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16)
        st_cum_without(cl, tl, 0)
    else:
        st_average3(tl, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16)
        mask = (((W >> 4) == h) << (W & 15) | ((N >> 4) == h) << (N & 15) | ((NE >> 4) == h) << (NE & 15)
                | ((NW >> 4) == h) << (NW & 15))
        if UBF:
            up_cum_merged_bf(cl, tl, mask)
        else:
            up_cum_merged(cl, tl, mask)
    cl[16] = 32768
    if f < <uint32_t>UPF:  # two coder symbols
        if decoding:
            rc_take_symbol(c, ch, m, r, h, True)
            l = rc_decode_symbol(c, cl, 32768, lm, True)
        else:
            rc_encode_span(c, r, ch[h], ch[h + 1], h == m - 1)
            l = x & 15
            rc_encode_symbol(c, cl, 32768, lm, l)
    else:
        g = f - <uint32_t>lm
        if UPB and decoding:  # the boundaries from the search's vector, the coder updated inline
            l = up_find_units_b(cl, g, q - ch[h], bv)
            if l > lm - 1:
                l = lm - 1
            bv[lm] = <uint16_t>f
            b0 = bv[l]
            lo = r * (ch[h] + b0)
            c.code -= lo
            if h == m - 1 and l == lm - 1:
                c.range -= lo
                if c.range == 0:
                    c.range = 1
            else:
                c.range = r * (bv[l + 1] - b0)
            if c.pos + 2 <= c.size:
                sh = 8 * ((c.range < (1u << 24)) + (c.range < (1u << 16)))
                c.code = (c.code << sh) | ((<uint32_t>c.buf[c.pos] << 8 | c.buf[c.pos + 1]) >> (16 - sh))
                c.range <<= sh
                c.pos += sh >> 3
            while c.range < (1u << 24):
                c.range <<= 8
                c.code = (c.code << 8) | rc_next_byte(c)
            if UTWO or UL2:
                pal_table_learn(u.tables + tw * 16, u.counts + tw, lm, l)
                pal_table_learn(u.tables + tn * 16, u.counts + tn, lm, l)
            elif UPV != 27:
                pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
            return h * 16 + l
        if decoding:
            l = up_find_units(cl, g, q - ch[h])
            if l > lm - 1:
                l = lm - 1
        else:
            l = x & 15
        b0 = <uint32_t>l + ((g * cl[l]) >> 15)
        b1 = (<uint32_t>l + 1 + ((g * cl[l + 1]) >> 15)) if l < lm - 1 else f
        last = h == m - 1 and l == lm - 1
        c2[0] = <uint16_t>(ch[h] + b0)
        c2[1] = <uint16_t>(ch[h] + b1)
        if decoding:
            rc_take_symbol(c, c2, 1 if last else 2, r, 0, True)
        else:
            rc_encode_span(c, r, c2[0], c2[1], last)
    if UTWO or UL2:
        pal_table_learn(u.tables + tw * 16, u.counts + tw, lm, l)
        pal_table_learn(u.tables + tn * 16, u.counts + tn, lm, l)
    elif UPV != 27:
        pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
    return h * 16 + l


cdef inline int _code_v60(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE) noexcept nogil:
    """v24 (h and l one coder symbol, l over all 16) with the cum, boundaries and searches
    in one AVX2 register each (up60_*): the same bytes as v24."""
    cdef int n = u.n, m = u.hi_m, h, l, lm
    cdef uint16_t ch[17]
    cdef uint16_t bv[17]
    cdef uint16_t tl[16]
    cdef uint16_t cl[17]
    cdef uint32_t r = c.range >> 15, q = 0, f, g, b0, lo, sh
    cdef Py_ssize_t L = <Py_ssize_t>m * n, t, tw, tn, tne
    if decoding:
        q = c.code / r
        h = up60_hcum(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, q, 1)
        if h > m - 1:
            h = m - 1
    else:
        up60_hcum(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, 0, 0)
        h = x >> 4
    f = <uint32_t>ch[h + 1] - ch[h]
    if not ULATE:
        pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
    t = 3 * n + h * n
    lm = pal_lo_m(n, h)
    tw = t + W
    tn = t + L + N
    tne = t + 2 * L + NE
    if f < <uint32_t>UPF:  # two coder symbols
        st_average3(tl, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16)
        st_cum_without(cl, tl, 0)
        cl[16] = 32768
        if decoding:
            rc_take_symbol(c, ch, m, r, h, True)
            l = rc_decode_symbol(c, cl, 32768, lm, True)
        else:
            rc_encode_span(c, r, ch[h], ch[h + 1], h == m - 1)
            l = x & 15
            rc_encode_symbol(c, cl, 32768, lm, l)
        pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
        if ULATE:
            pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
        return h * 16 + l
    g = f - <uint32_t>lm
    if decoding:
        l = up60_lunits(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, q - ch[h], 1)
        if l > lm - 1:
            l = lm - 1
    else:
        up60_lunits(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, 0, 0)
        l = x & 15
    bv[lm] = <uint16_t>f
    b0 = bv[l]
    lo = r * (ch[h] + b0)
    if decoding:
        c.code -= lo
        if h == m - 1 and l == lm - 1:
            c.range -= lo
            if c.range == 0:
                c.range = 1
        else:
            c.range = r * (bv[l + 1] - b0)
        if c.pos + 2 <= c.size:
            sh = 8 * ((c.range < (1u << 24)) + (c.range < (1u << 16)))
            c.code = (c.code << sh) | ((<uint32_t>c.buf[c.pos] << 8 | c.buf[c.pos + 1]) >> (16 - sh))
            c.range <<= sh
            c.pos += sh >> 3
        while c.range < (1u << 24):
            c.range <<= 8
            c.code = (c.code << 8) | rc_next_byte(c)
    else:
        rc_encode_span(c, r, ch[h] + b0, ch[h] + bv[l + 1], h == m - 1 and l == lm - 1)
    pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
    if ULATE:
        pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
    return h * 16 + l


cdef inline int _code_v63(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE, int NW) noexcept nogil:
    """v24 (h and l one coder symbol, l over all 16) with the cum, boundaries and searches
    in one AVX2 register each (up60_*): the same bytes as v24."""
    cdef int n = u.n, m = u.hi_m, h, l, lm
    cdef unsigned mask
    cdef uint16_t ch[17]
    cdef uint16_t bv[17]
    cdef uint16_t tl[16]
    cdef uint16_t cl[17]
    cdef uint32_t r = c.range >> 15, q = 0, f, g, b0, lo, sh
    cdef Py_ssize_t L = <Py_ssize_t>m * n, t, tw, tn, tne
    if decoding:
        q = c.code / r
        h = up60_hcum(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, q, 1)
        if h > m - 1:
            h = m - 1
    else:
        up60_hcum(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, 0, 0)
        h = x >> 4
    f = <uint32_t>ch[h + 1] - ch[h]
    pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
    t = 3 * n + h * n
    lm = pal_lo_m(n, h)
    tw = t + W
    tn = t + L + N
    tne = t + 2 * L + NE
    if f < <uint32_t>UPF:  # two coder symbols
        st_average3(tl, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16)
        up_cum_merged(cl, tl, (((W >> 4) == h) << (W & 15) | ((N >> 4) == h) << (N & 15) | ((NE >> 4) == h) << (NE & 15)
                | ((NW >> 4) == h) << (NW & 15)))
        cl[16] = 32768
        if decoding:
            rc_take_symbol(c, ch, m, r, h, True)
            l = rc_decode_symbol(c, cl, 32768, lm, True)
        else:
            rc_encode_span(c, r, ch[h], ch[h + 1], h == m - 1)
            l = x & 15
            rc_encode_symbol(c, cl, 32768, lm, l)
        pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
        return h * 16 + l
    g = f - <uint32_t>lm
    mask = (((W >> 4) == h) << (W & 15) | ((N >> 4) == h) << (N & 15) | ((NE >> 4) == h) << (NE & 15)
            | ((NW >> 4) == h) << (NW & 15))
    if decoding:
        l = up63_lunits(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, q - ch[h], mask, 1)
        if l > lm - 1:
            l = lm - 1
    else:
        up63_lunits(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, 0, mask, 0)
        l = x & 15
    bv[lm] = <uint16_t>f
    b0 = bv[l]
    lo = r * (ch[h] + b0)
    if decoding:
        c.code -= lo
        if h == m - 1 and l == lm - 1:
            c.range -= lo
            if c.range == 0:
                c.range = 1
        else:
            c.range = r * (bv[l + 1] - b0)
        if c.pos + 2 <= c.size:
            sh = 8 * ((c.range < (1u << 24)) + (c.range < (1u << 16)))
            c.code = (c.code << sh) | ((<uint32_t>c.buf[c.pos] << 8 | c.buf[c.pos + 1]) >> (16 - sh))
            c.range <<= sh
            c.pos += sh >> 3
        while c.range < (1u << 24):
            c.range <<= 8
            c.code = (c.code << 8) | rc_next_byte(c)
    else:
        rc_encode_span(c, r, ch[h] + b0, ch[h] + bv[l + 1], h == m - 1 and l == lm - 1)
    pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
    return h * 16 + l


cdef inline int _code_v64(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE) noexcept nogil:
    """v60 whose decoder takes the boundaries from the register (the same bytes)."""
    cdef int n = u.n, m = u.hi_m, h, l, lm
    cdef uint16_t ch[17]
    cdef uint16_t bv[17]
    cdef uint32_t r, q, f, g, b0, b1, lo, sh, h0, h1
    cdef Py_ssize_t L = <Py_ssize_t>m * n, t, tw, tn, tne
    if not decoding or n & 15:
        return _code_v60(c, decoding, u, x, W, N, NE)
    r = c.range >> 15
    q = c.code / r
    h = up64_h(ch, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, q, &h0, &h1)
    if h > m - 1:
        h = m - 1
        h0 = ch[h]
        h1 = ch[h + 1]
    f = h1 - h0
    pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, m, h)
    t = 3 * n + h * n
    lm = 16
    tw = t + W
    tn = t + L + N
    tne = t + 2 * L + NE
    if f < <uint32_t>UPF:  # two coder symbols
        rc_take_symbol(c, ch, m, r, h, True)
        st_average3(<uint16_t *>bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16)
        st_cum_without(ch, <uint16_t *>bv, 0)
        ch[16] = 32768
        l = rc_decode_symbol(c, ch, 32768, lm, True)
        pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
        return h * 16 + l
    g = f - <uint32_t>lm
    l = up64_l(bv, u.tables + tw * 16, u.tables + tn * 16, u.tables + tne * 16, g, q - h0, f, &b0, &b1)
    lo = r * (h0 + b0)
    c.code -= lo
    if h == m - 1 and l == lm - 1:
        c.range -= lo
        if c.range == 0:
            c.range = 1
    else:
        c.range = r * (b1 - b0)
    if c.pos + 2 <= c.size:
        sh = 8 * ((c.range < (1u << 24)) + (c.range < (1u << 16)))
        c.code = (c.code << sh) | ((<uint32_t>c.buf[c.pos] << 8 | c.buf[c.pos + 1]) >> (16 - sh))
        c.range <<= sh
        c.pos += sh >> 3
    while c.range < (1u << 24):
        c.range <<= 8
        c.code = (c.code << 8) | rc_next_byte(c)
    pal_table_learn3(u.tables, u.counts, tw, tn, tne, lm, l)
    return h * 16 + l


cdef inline int up_code_lo(RangeCoder *c, bint decoding, Unpredicted *u, int x, int h, int W, int N, int NE,
                           int NW) noexcept nogil:
    """NBH: the low bits under high bits h (already coded with the neighbour symbol), as v17
    (three tables, the refused colours merged)."""
    cdef int n = u.n
    cdef Py_ssize_t L = <Py_ssize_t>u.hi_m * n
    cdef Py_ssize_t t = 3 * n + h * n
    cdef unsigned mask = (((W >> 4) == h) << (W & 15) | ((N >> 4) == h) << (N & 15) | ((NE >> 4) == h) << (NE & 15)
                          | ((NW >> 4) == h) << (NW & 15))
    cdef int lo = _symbol3m(c, decoding, u.tables, u.counts, t + W, t + L + N, t + 2 * L + NE, pal_lo_m(n, h),
                            mask, x & 15)
    return h * 16 + lo


cdef inline int up_code(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE,
                        int NW, bint mixed=False) noexcept nogil:
    """Code x (none of W, N, NE, NW), or decode it (returned either way; ``decoding`` and
    ``mixed``, whether u holds level 10's tables, constants at every call: without the call
    through a pointer, level 6's kernel keeps its coder in registers)."""
    cdef int n = u.n, hi, lo
    cdef unsigned mask
    cdef Py_ssize_t t
    if mixed:
        return u.mixed(c, decoding, u, x, W, N, NE, NW)
    if n <= 16:
        t = W * 16 + N
        x = _code_without(c, decoding, u.tables + t * 16, n, (1u << W) | (1u << N) | (1u << NE) | (1u << NW), x)
        pal_table_learn(u.tables + t * 16, u.counts + t, n, x)
        return x
    cdef Py_ssize_t L = <Py_ssize_t>u.hi_m * n, P = 3 * n + 3 * <Py_ssize_t>u.hi_m * n
    cdef int lm
    # the high bits
    if UPV == 60:
        return _code_v60(c, decoding, u, x, W, N, NE)
    if UPV == 64:
        return _code_v64(c, decoding, u, x, W, N, NE)
    if UPV == 63:
        return _code_v63(c, decoding, u, x, W, N, NE, NW)
    if UPV == 20 or UPV == 21 or UPV == 22 or UPV == 27:
        return _code_one(c, decoding, u, x, W, N, NE, NW)
    if UPV == 14:  # the bound: no coding at all (the decoder is told x)
        return up_oracle(decoding, x)
    if UPV == 26:  # (a bound) h of the fixed uniform table, l handed over; no learning
        hi = _symbol0(c, decoding, u.tables + P * 16 + 16 * 300, u.hi_m, x >> 4)
        return hi * 16 + up_oracle(decoding, x & 15)
    if UPV == 10:
        hi = _symbol0(c, decoding, u.tables + P * 16 + 16 * 300, u.hi_m, x >> 4)
        lo = _symbol0(c, decoding, u.tables + P * 16 + 16 * 301 + 16 * hi, pal_lo_m(n, hi), x & 15)
        return hi * 16 + lo
    if UPV == 0 or UPV == 5 or UPV == 8 or UPV == 11 or UPV == 15 or UPV == 17:
        hi = _symbol3(c, decoding, u.tables, u.counts, W, n + N, 2 * n + NE, u.hi_m, 0, x >> 4)
    elif UPV == 1 or UPV == 7 or UPV == 9 or UPV == 13:
        hi = _symbol1(c, decoding, u.tables, u.counts, W, u.hi_m, 0, x >> 4)
    elif UPV == 2:
        hi = _symbol1(c, decoding, u.tables, u.counts, n + N, u.hi_m, 0, x >> 4)
    elif UPV == 3:
        hi = _symbol1(c, decoding, u.tables, u.counts, P + (W >> 4) * 16 + (N >> 4), u.hi_m, 0, x >> 4)
    else:  # 4, 6
        hi = _symbol2(c, decoding, u.tables, u.counts, W, n + N, u.hi_m, 0, x >> 4)
    if UPV == 5 or UPV == 6 or UPV == 7:
        mask = 0
    else:
        mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
                | ((NW >> 4) == hi) << (NW & 15))
    t = 3 * n + hi * n
    lm = pal_lo_m(n, hi)
    if UPV == 15 or UPV == 16:  # the bound of one coder operation a pixel: l told, its tables learn it
        lo = up_oracle(decoding, x & 15)
        if UPV == 15:
            pal_table_learn3(u.tables, u.counts, t + W, t + L + N, t + 2 * L + NE, lm, lo)
        else:
            pal_table_learn(u.tables + (t + W) * 16, u.counts + t + W, lm, lo)
            pal_table_learn(u.tables + (t + L + N) * 16, u.counts + t + L + N, lm, lo)
    elif UPV == 11 or UPV == 17:
        lo = _symbol3m(c, decoding, u.tables, u.counts, t + W, t + L + N, t + 2 * L + NE, lm, mask, x & 15)
    elif UPV == 12 or UPV == 18:
        lo = _symbol2m(c, decoding, u.tables, u.counts, t + W, t + L + N, lm, mask, x & 15)
    elif UPV == 13:
        lo = _symbol1m(c, decoding, u.tables, u.counts, t + W, lm, mask, x & 15)
    elif UPV == 0 or UPV == 5 or UPV == 9:
        lo = _symbol3(c, decoding, u.tables, u.counts, t + W, t + L + N, t + 2 * L + NE, lm, mask, x & 15)
    elif UPV == 1 or UPV == 3 or UPV == 7 or UPV == 8:
        lo = _symbol1(c, decoding, u.tables, u.counts, t + W, lm, mask, x & 15)
    elif UPV == 2:
        lo = _symbol1(c, decoding, u.tables, u.counts, t + L + N, lm, mask, x & 15)
    else:  # 4, 6
        lo = _symbol2(c, decoding, u.tables, u.counts, t + W, t + L + N, lm, mask, x & 15)
    return hi * 16 + lo
