# A palette pixel that none of its neighbours W, N, NE, NW predicts, at levels 3 and 6
# (docs/FORMAT.md, "Level 3"): one symbol of a table by (W, N) without the refused colours
# (up to 16 colours), or its high 4 bits of three averaged tables by W, N, NE and its low 4
# bits of three averaged tables by (high bits, W), (high bits, N), (high bits, NE) without
# the refused colours of those high bits. Each level keeps one Unpredicted in its model.

from libc.stdint cimport uint8_t, uint16_t
from libc.stdlib cimport calloc, free

from vqpress.coding._palette_common cimport pal_lo_m, pal_table_fill, pal_table_learn, pal_table_learn3
from vqpress.coding._range_coder cimport RangeCoder, rc_decode_symbol, rc_encode_symbol
from vqpress.coding._symbol_tables cimport st_alloc, st_average3, st_cum_without


ctypedef struct Unpredicted:
    int n
    int hi_m                    # symbols of the first (or only) table: n, or ceil(n / 16)
    uint16_t *tables            # 16 lanes each: n <= 16: X[W * 16 + N]; else HW[W], HN[N],
    uint8_t *counts             # HNE[NE] (n each), then LW, LN, LNE [hi * n + v] (hi_m * n each)
    Py_ssize_t n_tables
    void *raw                   # the allocation under tables (st_alloc)


cdef inline int up_alloc(Unpredicted *u, int n) noexcept nogil:
    """Fresh tables for n symbols. Returns 0, or -1 (free them with up_free either way)."""
    cdef int j
    u.n = n
    u.hi_m = n if n <= 16 else (n + 15) // 16
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
        for j in range(3 * u.hi_m):  # the low-bit tables of (a neighbour, high bits hi): n each
            pal_table_fill(u.tables + (3 * n + <Py_ssize_t>j * n) * 16, n, pal_lo_m(n, j % u.hi_m))
    return 0


cdef inline void up_free(Unpredicted *u) noexcept nogil:
    free(u.raw)
    free(u.counts)
    u.raw = NULL
    u.tables = NULL
    u.counts = NULL


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
        return rc_decode_symbol(c, cum, total, m)
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
                        int NW) noexcept nogil:
    """Code x (none of W, N, NE, NW), or decode it (returned either way; ``decoding`` a
    constant at every call)."""
    cdef int n = u.n, hi, lo
    cdef unsigned mask
    cdef Py_ssize_t t
    if n <= 16:
        t = W * 16 + N
        x = _code_without(c, decoding, u.tables + t * 16, n, (1u << W) | (1u << N) | (1u << NE) | (1u << NW), x)
        pal_table_learn(u.tables + t * 16, u.counts + t, n, x)
        return x
    hi = _symbol3(c, decoding, u.tables, u.counts, W, n + N, 2 * n + NE, u.hi_m, 0, x >> 4)
    mask = (((W >> 4) == hi) << (W & 15) | ((N >> 4) == hi) << (N & 15) | ((NE >> 4) == hi) << (NE & 15)
            | ((NW >> 4) == hi) << (NW & 15))
    t = 3 * n + hi * n
    lo = _symbol3(c, decoding, u.tables, u.counts, t + W, t + <Py_ssize_t>u.hi_m * n + N,
                    t + 2 * <Py_ssize_t>u.hi_m * n + NE, pal_lo_m(n, hi), mask, x & 15)
    return hi * 16 + lo
