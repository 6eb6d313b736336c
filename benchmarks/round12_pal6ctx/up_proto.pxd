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
from vqpress.coding._range_coder cimport RangeCoder, rc_decode_symbol, rc_encode_symbol
from vqpress.coding._palette_common cimport PAL_COUNT_MAX
from vqpress.coding._symbol_tables cimport st_learn3, st_alloc, st_average3, st_cum_without


cdef extern from *:
    """
    #ifndef UPV
    #define UPV 0
    #endif
    #ifndef UPORD
    #define UPORD 0
    #endif
    #ifndef NSS
    #define NSS 0
    #endif
    #ifndef UPS
    #define UPS 0
    #endif
    #ifndef CWU
    #define CWU 0
    #endif
    #ifndef CX0
    #define CX0 0
    #endif
    #ifndef CX1
    #define CX1 0
    #endif
    #ifndef CX2
    #define CX2 0
    #endif
    #define EXT (CX0 || CX1 || CX2)
    #ifndef QH0
    #define QH0 0
    #endif
    #ifndef QH1
    #define QH1 0
    #endif
    #ifndef QH2
    #define QH2 0
    #endif
    #ifndef QL0
    #define QL0 0
    #endif
    #ifndef QL1
    #define QL1 0
    #endif
    #ifndef QL2
    #define QL2 0
    #endif
    #ifndef PT
    #define PT 0
    #endif
    #ifndef DYN
    #define DYN 0
    #endif
    #ifndef DYNR
    #define DYNR 4
    #endif
    #include <math.h>
    static int up_log_lut[4097];
    static int up_log_ready = 0;
    static void up_log_init(void) {
        int i;
        if (up_log_ready) return;
        for (i = 0; i <= 4096; i++) up_log_lut[i] = (int)(256.0 * log2((i + 0.5) / 4096.0));
        up_log_ready = 1;
    }
    static int up_scores[2 * 64 * 3 * 256];
    static int up_gw[2][3] = {{8, 4, 4}, {8, 4, 4}};
    static int up_pt = 0;
    static unsigned ns_gw = 8 | 4 << 8 | 4 << 16;
    #include <emmintrin.h>
    /* t[i] = sum_j floor(tab_j[i] * w_j / 16) (w_j 0..16 as w_j << 12 multipliers, mulhi) */
    static inline void up_wavg3(uint16_t *t, const uint16_t *a, const uint16_t *b, const uint16_t *d, int stage) {
        __m128i wa = _mm_set1_epi16((short)(up_gw[stage][0] << 12));
        __m128i wb = _mm_set1_epi16((short)(up_gw[stage][1] << 12));
        __m128i wd = _mm_set1_epi16((short)(up_gw[stage][2] << 12));
        int h;
        for (h = 0; h < 16; h += 8) {
            __m128i x = _mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)(a + h)), wa);
            __m128i y = _mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)(b + h)), wb);
            __m128i z = _mm_mulhi_epu16(_mm_loadu_si128((const __m128i *)(d + h)), wd);
            _mm_storeu_si128((__m128i *)(t + h), _mm_add_epi16(_mm_add_epi16(x, y), z));
        }
    }
    static int ns_gw_on = 0;
    #ifndef WV
    #define WV 0
    #endif
    #ifndef SETS
    #define SETS 0
    #endif
    static int up_tsc[1 << 20];
    #ifndef BETA
    #define BETA 1.0
    #endif
    #ifndef WMIN
    #define WMIN 0
    #endif
    static inline void up_soft(const int *sc, int *w) {
        double e[3], t = 0; int j, s = 0;
        double mx = sc[0] > sc[1] ? sc[0] : sc[1];
        mx = mx > sc[2] ? mx : sc[2];
        for (j = 0; j < 3; j++) { e[j] = exp2(BETA * (sc[j] - mx) / 256.0); t += e[j]; }
        for (j = 0; j < 3; j++) { w[j] = WMIN + (int)((256 - 3 * WMIN) * e[j] / t); s += w[j]; }
        for (j = 0; j < 3; j++) if (sc[j] == mx) { w[j] += 256 - s; break; }
    }
    #ifndef QMIN
    #define QMIN 64
    #endif
    static inline int up_dbucket(int a, int b) {
        int d = a > b ? a - b : b - a;
        return (d > 2) + (d > 8) + (d > 32);
    }
    static const unsigned char pv_sched[6][33] = {
        {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5},
        {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6},
        {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4},
        {1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5},
        {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5},
        {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5},
    };
    #define NS_RATE pv_sched[NSS]
    #define UP_RATE pv_sched[UPS]
    """
    const unsigned char *NS_RATE
    const unsigned char *UP_RATE
    const int UPV
    const int UPORD
    const int CWU
    const int CX0
    const int CX1
    const int CX2
    const int EXT
    const int QH0, QH1, QH2, QL0, QL1, QL2, QMIN, DYN, DYNR
    int up_log_lut[4097]
    int up_scores[98304]
    const int SETS
    const int PT
    int up_gw[2][3]
    int up_pt
    unsigned ns_gw
    int ns_gw_on
    void up_wavg3(uint16_t *t, const uint16_t *a, const uint16_t *b, const uint16_t *d, int stage) noexcept nogil
    const int WV
    int up_tsc[1048576]
    void up_log_init() noexcept nogil
    void up_soft(const int *sc, int *w) noexcept nogil
    int up_dbucket(int a, int b) noexcept nogil
    const unsigned char cw_bucket[33]
    const unsigned int cw_lut[64]


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
    if DYN:
        up_log_init()
        for j in range(98304):
            up_scores[j] = 1 if j % 3 == 0 else 0
        for j in range(1 << 20):
            up_tsc[j] = 0
    if EXT and n > 16:
        u.n_tables = 12 * n + 12 * <Py_ssize_t>u.hi_m * n
    if PT and n > 16:
        u.n_tables = 3 * n + 3 * <Py_ssize_t>u.hi_m * n + 4096 * (1 + <Py_ssize_t>u.hi_m)
    u.tables = st_alloc(u.n_tables, &u.raw)
    u.counts = <uint8_t *>calloc(u.n_tables, 1)
    if u.tables == NULL or u.counts == NULL:
        return -1
    # every table starts as one of at most three (pal_table_fill writes each once)
    if n <= 16:
        pal_table_fill(u.tables, u.n_tables, n)
    elif PT:
        pal_table_fill(u.tables, 3 * n, u.hi_m)
        for j in range(3 * u.hi_m):
            pal_table_fill(u.tables + (3 * n + <Py_ssize_t>j * n) * 16, n, pal_lo_m(n, j % u.hi_m))
        pal_table_fill(u.tables + (3 * n + 3 * <Py_ssize_t>u.hi_m * n) * 16, 4096, u.hi_m)
        for j in range(u.hi_m):
            pal_table_fill(u.tables + (3 * n + 3 * <Py_ssize_t>u.hi_m * n + 4096 * (1 + <Py_ssize_t>j)) * 16, 4096, pal_lo_m(n, j))
    elif EXT:
        pal_table_fill(u.tables, 12 * n, u.hi_m)
        for j in range(12 * u.hi_m):
            pal_table_fill(u.tables + (12 * n + <Py_ssize_t>j * n) * 16, n, pal_lo_m(n, j % u.hi_m))
    else:
        pal_table_fill(u.tables, 3 * n, u.hi_m)
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


cdef inline void _learn3(uint16_t *tables, uint8_t *counts, Py_ssize_t ta, Py_ssize_t tb, Py_ssize_t tc,
                                  int m, int s) noexcept nogil:
    cdef int ua = counts[ta], ub = counts[tb], uc = counts[tc]
    counts[ta] = <uint8_t>(ua + (ua < PAL_COUNT_MAX))
    counts[tb] = <uint8_t>(ub + (ub < PAL_COUNT_MAX))
    counts[tc] = <uint8_t>(uc + (uc < PAL_COUNT_MAX))
    st_learn3(tables + ta * PAL_LANES, tables + tb * PAL_LANES, tables + tc * PAL_LANES, s, 32768 - m,
              UP_RATE[ua], UP_RATE[ub], UP_RATE[uc])


cdef inline int _symbol3(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t ta,
                         Py_ssize_t tb, Py_ssize_t tc, int m, unsigned mask, int s, int stage=0) noexcept nogil:
    """Symbol s of the average of tables ta, tb, tc, weighted 2:1:1, without the symbols in
    mask: coded, or decoded (returned either way); then the three tables learn it."""
    cdef uint16_t t[16]
    cdef unsigned wl
    cdef int i
    if WV == 2:
        up_wavg3(t, tables + ta * 16, tables + tb * 16, tables + tc * 16, stage)
    elif WV:
        for i in range(16):
            t[i] = <uint16_t>((tables[ta * 16 + i] * up_gw[stage][0] + tables[tb * 16 + i] * up_gw[stage][1] + tables[tc * 16 + i] * up_gw[stage][2]) >> 4)
    elif CWU:
        wl = cw_lut[cw_bucket[counts[ta]] << 4 | cw_bucket[counts[tb]] << 2 | cw_bucket[counts[tc]]]
        for i in range(16):
            t[i] = <uint16_t>((tables[ta * 16 + i] * (wl & 255) + tables[tb * 16 + i] * (wl >> 8 & 255) + tables[tc * 16 + i] * (wl >> 16)) >> 4)
    else:
        st_average3(t, tables + ta * 16, tables + tb * 16, tables + tc * 16)
    s = _code_without(c, decoding, t, m, mask, s)
    _learn3(tables, counts, ta, tb, tc, m, s)
    return s


cdef inline int _symbol3d(RangeCoder *c, bint decoding, uint16_t *tables, uint8_t *counts, Py_ssize_t *tt,
                          int *sc, int m, unsigned mask, int s) noexcept nogil:
    """_symbol3 with the table of the best score weighing half; the scores learn."""
    cdef uint16_t t[16]
    cdef int best = 0, j, p, lo, hi
    if sc[1] > sc[best]:
        best = 1
    if sc[2] > sc[best]:
        best = 2
    cdef Py_ssize_t ta = tt[best], tb = tt[(best + 1) % 3], tc = tt[(best + 2) % 3]
    cdef int w[3]
    cdef int ts[3]
    if DYN == 3:
        for j in range(3):
            ts[j] = up_tsc[tt[j]]
        up_soft(ts, w)
        for j in range(16):
            t[j] = <uint16_t>((tables[tt[0] * 16 + j] * w[0] + tables[tt[1] * 16 + j] * w[1] + tables[tt[2] * 16 + j] * w[2]) >> 8)
    elif DYN == 2:
        up_soft(sc, w)
        for j in range(16):
            t[j] = <uint16_t>((tables[tt[0] * 16 + j] * w[0] + tables[tt[1] * 16 + j] * w[1] + tables[tt[2] * 16 + j] * w[2]) >> 8)
    else:
        st_average3(t, tables + ta * 16, tables + tb * 16, tables + tc * 16)
    s = _code_without(c, decoding, t, m, mask, s)
    for j in range(3):
        lo = tables[tt[j] * 16 + s] + s
        hi = 32768 if s == 15 else tables[tt[j] * 16 + s + 1] + s + 1
        p = (hi - lo) >> 3
        if DYN == 3:
            up_tsc[tt[j]] += (up_log_lut[p] - up_tsc[tt[j]]) >> DYNR
        else:
            sc[j] += (up_log_lut[p] - sc[j]) >> DYNR
    _learn3(tables, counts, ta, tb, tc, m, s)
    return s


cdef inline void up_learn(Unpredicted *u, int x, int W, int N, int NE) noexcept nogil:
    """The tables of up_code learn x (not coded)."""
    cdef int n = u.n, hi = x >> 4
    cdef Py_ssize_t t = 3 * n + hi * n
    _learn3(u.tables, u.counts, W, n + N, 2 * n + NE, u.hi_m, hi)
    _learn3(u.tables, u.counts, t + W, t + <Py_ssize_t>u.hi_m * n + N, t + 2 * <Py_ssize_t>u.hi_m * n + NE, pal_lo_m(n, hi), x & 15)


cdef inline int up_code(RangeCoder *c, bint decoding, Unpredicted *u, int x, int W, int N, int NE,
                        int NW, bint mixed=False, int X3=0, int E=0, int WW=0, int NN=0) noexcept nogil:
    """Code x (none of W, N, NE, NW), or decode it (returned either way; ``decoding`` and
    ``mixed``, whether u holds level 10's tables, constants at every call: without the call
    through a pointer, level 6's kernel keeps its coder in registers)."""
    cdef int n = u.n, hi, lo, i
    cdef unsigned mask
    cdef Py_ssize_t t
    if mixed:
        return u.mixed(c, decoding, u, x, W, N, NE, NW)
    if n <= 16:
        t = W * 16 + N
        x = _code_without(c, decoding, u.tables + t * 16, n, (1u << W) | (1u << N) | (1u << NE) | (1u << NW), x)
        pal_table_learn(u.tables + t * 16, u.counts + t, n, x)
        return x
    cdef int A = W, B = N, D = X3
    if UPORD == 1:
        A = X3
        D = W
    elif UPORD == 2:
        A = N
        B = W
    cdef int cx[3]
    cdef int sel[3]
    cdef int ki = (N != W) + ((NE != W) & (NE != N)) + ((NW != W) & (NW != N) & (NW != NE))
    cdef Py_ssize_t lb
    if EXT:
        sel[0] = CX0
        sel[1] = CX1
        sel[2] = CX2
        for i in range(3):
            cx[i] = 0
            if sel[i] == 1:
                cx[i] = ki
            elif sel[i] == 2:
                cx[i] = ((N >> 4) == (W >> 4)) | ((NE >> 4) == (W >> 4)) << 1
            elif sel[i] == 3:
                cx[i] = (W == WW) | (N == NN) << 1
            elif sel[i] == 4:
                cx[i] = up_dbucket(W, N)
            elif sel[i] == 5:
                cx[i] = up_dbucket(W, NE)
            elif sel[i] == 6:
                cx[i] = up_dbucket(N, NE)
        hi = _symbol3(c, decoding, u.tables, u.counts, cx[0] * n + A, (4 + cx[1]) * n + B, (8 + cx[2]) * n + D, u.hi_m, 0, x >> 4)
        mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
                | ((NW >> 4) == hi) << (NW & 15) | ((E >> 4) == hi) << (E & 15))
        lb = 12 * n
        lo = _symbol3(c, decoding, u.tables, u.counts, lb + (cx[0] * u.hi_m + hi) * n + A, lb + ((4 + cx[1]) * u.hi_m + hi) * n + B,
                      lb + ((8 + cx[2]) * u.hi_m + hi) * n + D, pal_lo_m(n, hi), mask, x & 15, 1)
        return hi * 16 + lo
    cdef int on = n > QMIN
    cdef Py_ssize_t pb = 3 * n + 3 * <Py_ssize_t>u.hi_m * n
    cdef Py_ssize_t ph, pl
    if PT:
        ph = pb + ((W >> 4) * 16 + (N >> 4)) * 16 + (NE >> 4)
        if PT == 2 or (PT == 9 and not (up_pt & 1)):
            ph = 2 * n + D
        hi = _symbol3(c, decoding, u.tables, u.counts, A, n + B, ph, u.hi_m, 0, x >> 4)
        mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
                | ((NW >> 4) == hi) << (NW & 15))
        t = 3 * n + hi * n
        pl = pb + 4096 * (1 + <Py_ssize_t>hi) + ((((<uint32_t>W << 8) | <uint32_t>N) * 0x9E3779B1u) >> 20)
        if PT == 3 or (PT == 9 and not (up_pt & 2)):
            pl = t + 2 * <Py_ssize_t>u.hi_m * n + D
        lo = _symbol3(c, decoding, u.tables, u.counts, t + A, t + <Py_ssize_t>u.hi_m * n + B, pl, pal_lo_m(n, hi), mask, x & 15, 1)
        return hi * 16 + lo
    cdef Py_ssize_t tt[3]
    cdef int *sc
    if DYN:
        i = ((N == W) | (NE == W) << 1 | (NW == W) << 2 | (NE == N) << 3 | (NW == N) << 4 | (NW == NE) << 5)
        if SETS == 1:
            i = i * 4 + up_dbucket(W, N)
        elif SETS == 2:
            i = i * 16 + (W >> 4)
        elif SETS == 3:
            i = 0
        elif SETS == 4:
            i = i * 4 + up_dbucket(W, NE)
        sc = up_scores + i * 3
        tt[0] = A
        tt[1] = n + B
        tt[2] = 2 * n + D
        hi = _symbol3d(c, decoding, u.tables, u.counts, tt, sc, u.hi_m, 0, x >> 4)
        mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
                | ((NW >> 4) == hi) << (NW & 15) | ((E >> 4) == hi) << (E & 15))
        t = 3 * n + hi * n
        tt[0] = t + A
        tt[1] = t + <Py_ssize_t>u.hi_m * n + B
        tt[2] = t + 2 * <Py_ssize_t>u.hi_m * n + D
        lo = _symbol3d(c, decoding, u.tables, u.counts, tt, sc + 49152 + (hi * 3 * 1024 if SETS == 5 else 0), pal_lo_m(n, hi), mask, x & 15)
        return hi * 16 + lo
    hi = _symbol3(c, decoding, u.tables, u.counts, A >> (QH0 * on), n + (B >> (QH1 * on)), 2 * n + (D >> (QH2 * on)), u.hi_m, 0, x >> 4)
    A >>= QL0 * on
    B >>= QL1 * on
    D >>= QL2 * on
    mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
            | ((NW >> 4) == hi) << (NW & 15) | ((E >> 4) == hi) << (E & 15))
    t = 3 * n + hi * n
    lo = _symbol3(c, decoding, u.tables, u.counts, t + A, t + <Py_ssize_t>u.hi_m * n + B,
                    t + 2 * <Py_ssize_t>u.hi_m * n + D, pal_lo_m(n, hi), mask, x & 15, 1)
    return hi * 16 + lo
