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
from libc.string cimport memcpy

cdef extern from *:
    """
    #ifndef PKV
    #define PKV 0
    #endif
    """
    int PKV

from vqpress.coding._mixed_tables cimport MT_K, mt_symbol
from vqpress.coding._palette_common cimport PAL_LANES, pal_lo_m, pal_table_fill, pal_table_learn, pal_table_learn3
from vqpress.coding._range_coder cimport CDF_BITS, RangeCoder, rc_decode_symbol, rc_encode_symbol, rc_take_symbol
from vqpress.coding._symbol_tables cimport st_alloc, st_average3, st_cum_without


cdef extern from *:
    """
    /* The unpredicted pixel's high bits at levels 3 and 6 (above 16 colours), decoded: the
       cumulative table of the average of tables a, b, d (st_average3, then st_cum_without
       refusing none) written to cum[0..15], and the largest s in 0..15 with r cum[s] <= code
       (rc_find). AVX2: the table's lanes compared from the register they are made in, not
       stored and loaded back twice on the decoder's way from the tables' loads to the symbol;
       elsewhere those three steps. */
    static inline int up_find_hi(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d,
                                 uint32_t code, uint32_t r) {
    #if defined(ST_AVX2) && (defined(__GNUC__) || defined(__clang__)) && !defined(RC_NO_SIMD)
        uint32_t q = code / r;
        __m256i m = _mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)b),
                                                       _mm256_loadu_si256((const __m256i *)d)), 1);
        __m256i v = _mm256_add_epi16(_mm256_srli_epi16(_mm256_add_epi16(_mm256_loadu_si256((const __m256i *)a), m), 1),
                                     ST_IDX16);
        unsigned hits;
        v = _mm256_sub_epi16(v, _mm256_subs_epu16(v, _mm256_set1_epi16((short)0x8000)));  /* min(x, 2^15) */
        _mm256_storeu_si256((__m256i *)cum, v);
        hits = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi16(
            _mm256_subs_epu16(v, _mm256_set1_epi16((short)(q < 65535u ? q : 65535u))), _mm256_setzero_si256()));
        return (31 - __builtin_clz(hits | 1u)) >> 1;
    #else
        uint16_t t[16];
        st_average3(t, a, b, d);
        st_cum_without(cum, t, 0);
        return rc_find(cum, code, r);
    #endif
    }
    """
    int up_find_hi(uint16_t *cum, const uint16_t *a, const uint16_t *b, const uint16_t *d, uint32_t code,
                   uint32_t r) noexcept nogil


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
    u.n_tables = n * 16 if n <= 16 else 3 * n + 3 * <Py_ssize_t>u.hi_m * n
    u.tables = st_alloc(u.n_tables, &u.raw)
    u.counts = <uint8_t *>calloc(u.n_tables, 1)
    if u.tables == NULL or u.counts == NULL:
        return -1
    # every table starts as one of at most three (pal_table_fill writes each once)
    if n <= 16:
        pal_table_fill(u.tables, u.n_tables, n)
    else:
        pal_table_fill(u.tables, 3 * n, u.hi_m)
        if PKV == 51 or PKV == 48 or PKV == 49 or PKV == 50 or PKV == 46 or PKV == 47 or PKV == 43 or PKV == 45 or PKV == 40 or PKV == 42 or PKV == 30 or PKV == 31 or PKV == 9 or PKV == 1 or PKV == 2 or PKV == 3 or PKV == 6 or PKV == 7 or PKV == 107 or (PKV >= 20 and PKV < 30):  # (neighbour, h) layout: row 3n + k span + nb m + h
            for j in range(u.hi_m):
                pal_table_fill(u.tables + (3 * n + <Py_ssize_t>j) * 16, 1, pal_lo_m(n, j))
            for j in range(1, 3 * n):
                memcpy(u.tables + (3 * n + <Py_ssize_t>j * u.hi_m) * 16, u.tables + 3 * n * 16,
                       u.hi_m * 16 * sizeof(uint16_t))
        else:
            for j in range(3 * u.hi_m):  # the low-bit tables of (a neighbour, high bits hi): n each
                pal_table_fill(u.tables + (3 * n + <Py_ssize_t>j * n) * 16, n, pal_lo_m(n, j % u.hi_m))
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


cdef inline int up_code(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE,
                        int NW, bint mixed=False) noexcept nogil:
    """Code x (none of W, N, NE, NW), or decode it (returned either way; ``decoding`` and
    ``mixed``, whether u holds level 10's tables, constants at every call: without the call
    through a pointer, level 6's kernel keeps its coder in registers)."""
    cdef int n = u.n, hi, lo
    cdef unsigned mask
    cdef Py_ssize_t t
    cdef uint32_t r
    cdef uint16_t cum[16]
    if mixed:
        return u.mixed(c, decoding, u, x, W, N, NE, NW)
    if n <= 16:
        t = W * 16 + N
        x = _code_without(c, decoding, u.tables + t * 16, n, (1u << W) | (1u << N) | (1u << NE) | (1u << NW), x)
        pal_table_learn(u.tables + t * 16, u.counts + t, n, x)
        return x
    if decoding:  # (_symbol3 refusing none, its table's steps fused: up_find_hi)
        r = c.range >> CDF_BITS
        hi = up_find_hi(cum, u.tables + W * 16, u.tables + (n + N) * 16, u.tables + (2 * n + NE) * 16, c.code, r)
        if hi > u.hi_m - 1:
            hi = u.hi_m - 1
        rc_take_symbol(c, cum, u.hi_m, r, hi, True)
        pal_table_learn3(u.tables, u.counts, W, n + N, 2 * n + NE, u.hi_m, hi)
    else:
        hi = _symbol3(c, decoding, u.tables, u.counts, W, n + N, 2 * n + NE, u.hi_m, 0, x >> 4)
    mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
            | ((NW >> 4) == hi) << (NW & 15))
    t = 3 * n + hi * n
    lo = _symbol3(c, decoding, u.tables, u.counts, t + W, t + <Py_ssize_t>u.hi_m * n + N,
                    t + 2 * <Py_ssize_t>u.hi_m * n + NE, pal_lo_m(n, hi), mask, x & 15)
    return hi * 16 + lo
