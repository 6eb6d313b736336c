# The residual symbol of the ordered levels 5, 8, 9, 11, 13, 16 and 20 (docs/FORMAT.md, "Level 5",
# "Level 9" and "Level 16"), which ``_cm_ordered5.pyx`` codes for a pixel that is not its
# prediction P: the lane x - P + MID (lanes 0 and 15: -8 or less, 7 or more) of the lanes
# lo .. hi that stay within the levels, coded by the range coder (``_range_coder.pxd``) with
# the average of adaptive 16-lane tables (``_symbol_tables.pxd``), which then learn it:
# three tables weighted 2:1:1 (rs_symbol; 1:2:1 with first_table 1), level 9's four by pairs
# with the exact neighbourhood's (rs_symbol4, ``_exact_neighbourhood.pxd``), level 16's two
# with the pixel's (W, N) table seen from P (rs_symbol_wn, ``_neighbour_symbols.pxd``); and
# the value beyond lane 0 or 15 in a table of its own (rs_far). The decoder tries x - P = +-1
# before it searches (_decode_lane: no division when it is one of them). Inline and fused
# over Direction: each of the kernel's compiled copies gets its own.

from libc.stdint cimport uint16_t, uint32_t

from vqpress.coding._cm_common cimport Decoding, Direction
from vqpress.coding._exact_neighbourhood cimport X_TRUST, ex_average4
from vqpress.coding._neighbour_symbols cimport WN_K, ns_around
from vqpress.coding._ordered_model cimport LANES, MID, TABLE_K, Ord5, ord5_learn
from vqpress.coding._range_coder cimport (
    RangeCoder, rc_decode_symbol, rc_encode_span, rc_encode_symbol, rc_find, rc_symbol_unit, rc_take_symbol)
from vqpress.coding._symbol_tables cimport st_average3, st_span, st_span17, st_span_top


cdef inline int _mean3(const uint16_t *a, const uint16_t *b, const uint16_t *d, int i) noexcept nogil:
    """Lane i of the average of tables a, b, d (st_average3's, one lane)."""
    return (a[i] + ((b[i] + d[i]) >> 1)) >> 1


cdef inline uint32_t _cum3(const uint16_t *a, const uint16_t *b, const uint16_t *d, int i, int base,
                           int total) noexcept nogil:
    """cum[i] of st_span (base = c(lo), total = T) of the average of a, b, d, one lane."""
    cdef int v = _mean3(a, b, d, i) + i - base
    return <uint32_t>(0 if v < 0 else (total if v > total else v))


cdef inline int rs_symbol(Direction *way, RangeCoder *c, Ord5 *f, Py_ssize_t ta, Py_ssize_t tb, Py_ssize_t tc,
                          int lo, int hi, int s, bint branchless=False) noexcept nogil:
    """Lane s (lo <= s <= hi) of the average of tables ta, tb, tc (weighted 2:1:1; 1:2:1 with
    first_table 1). ``branchless`` (a constant; level 20's copy): the decoder's span total and
    unit without the branches on hi == 15 and total == 2^15, which P decides (the same values;
    in the other copies the compiler's registers moved, level 8 +6 instructions a pixel).

    The encoder needs only four lanes of the average (c(lo), c(hi + 1), c(s), c(s + 1)): it
    computes them one by one; the decoder, which searches, the whole average and span."""
    cdef const uint16_t *pa = f.tables + ta * LANES
    cdef const uint16_t *pb = f.tables + tb * LANES
    cdef const uint16_t *pd = f.tables + tc * LANES
    cdef const uint16_t *swap
    cdef uint16_t t[LANES + 1]
    cdef uint16_t cum[LANES]
    cdef int base, total
    if f.q.first_table:
        swap = pa
        pa = pb
        pb = swap
    if Direction is Decoding:
        st_average3(t, pa, pb, pd)
        if branchless:
            t[LANES] = TABLE_K  # (c(16) = 2^15: the span's total without a branch on hi)
            total = st_span17(cum, t, lo, hi)
        else:
            total = st_span(cum, t, lo, hi)
        # lo .. hi: cum[lo] = 0; x - P = +-1 first (no division when it is one of them)
        s = _decode_lane(c, cum, total, hi + 1, MID - 1 if t[MID] - t[MID - 1] > t[MID + 2] - t[MID + 1] else MID + 1,
                         branchless)
    else:
        base = _mean3(pa, pb, pd, lo) + lo
        total = (1 << 15 if hi == LANES - 1 else _mean3(pa, pb, pd, hi + 1) + hi + 1) - base
        rc_encode_span(c, rc_symbol_unit(c, total), _cum3(pa, pb, pd, s, base, total),
                       _cum3(pa, pb, pd, s + 1, base, total) if s < hi else 0, s == hi)
    ord5_learn(f, ta, s)
    ord5_learn(f, tb, s)
    ord5_learn(f, tc, s)
    return s


cdef inline int rs_symbol_wn(Direction *way, RangeCoder *c, Ord5 *f, Py_ssize_t ta, Py_ssize_t tb, int lo, int hi,
                             int s, int P) noexcept nogil:
    """Level 16: lane s (lo <= s <= hi) of the average of tables ta, tb (weighted 2:1:1 with the
    next, or 1:2:1 with first_table 1) and the pixel's (W, N) table seen from P (f.wn_at); ta
    and tb learn s (the (W, N) table learns x after the pixel, _rows)."""
    cdef const uint16_t *pa = f.tables + ta * LANES
    cdef const uint16_t *pb = f.tables + tb * LANES
    cdef const uint16_t *swap
    cdef uint16_t tr[LANES]
    cdef uint16_t t[LANES]
    cdef uint16_t cum[LANES]
    cdef int top = ns_around(tr, f.wn_at, P)
    if f.q.first_table:
        swap = pa
        pa = pb
        pb = swap
    st_average3(t, pa, pb, tr)
    top = (WN_K + ((WN_K + top) >> 1)) >> 1  # (the top of the average, as its lanes')
    s = _code_lane(way, c, t, cum, st_span_top(cum, t, lo, hi, top), hi, s)
    ord5_learn(f, ta, s)
    ord5_learn(f, tb, s)
    return s


cdef inline int rs_symbol4(Direction *way, RangeCoder *c, Ord5 *f, Py_ssize_t ta, Py_ssize_t tb, Py_ssize_t tc,
                           Py_ssize_t tx, int lo, int hi, int s) noexcept nogil:
    """Level 9: lane s (lo <= s <= hi) of the average of tables ta, tb, tc and the exact
    neighbourhood's tx, by pairs: ((ta + tb) / 2 + (tc + tx) / 2) / 2 while tx has learned
    fewer than X_TRUST symbols, then (tx + (tc + (ta + tb) / 2) / 2) / 2 (tx weighs half)."""
    cdef uint16_t t[LANES]
    cdef uint16_t cum[LANES]
    ex_average4(t, f.tables + ta * LANES, f.tables + tb * LANES, f.tables + tc * LANES, f.tables + tx * LANES,
                f.counts[tx] >= X_TRUST)
    s = _code_lane(way, c, t, cum, st_span(cum, t, lo, hi), hi, s)
    ord5_learn(f, ta, s)
    ord5_learn(f, tb, s)
    ord5_learn(f, tc, s)
    ord5_learn(f, tx, s)
    return s


cdef inline int _code_lane(Direction *way, RangeCoder *c, const uint16_t *t, const uint16_t *cum, int total, int hi,
                           int s) noexcept nogil:
    """Lane s of the lanes 0..hi whose cumulative frequencies (cum, total) are those of table t
    (the encoder's s, or the one the decoder finds: x - P = +-1 tried first)."""
    if Direction is Decoding:
        return _decode_lane(c, cum, total, hi + 1, MID - 1 if t[MID] - t[MID - 1] > t[MID + 2] - t[MID + 1] else MID + 1)
    rc_encode_symbol(c, cum, total, hi + 1, s)
    return s


cdef inline int _decode_lane(RangeCoder *c, const uint16_t *cum, int total, int m, int guess,
                             bint divide=False) noexcept nogil:
    """rc_decode_symbol, trying lane ``guess`` before searching: the same lane (the largest
    s < m with r * cum[s] <= code), without the division of the search when it is guess.
    ``divide`` (a constant): rc_symbol_unit's r always by the division (range >> 15 is
    range // 2^15), without its branch on total == 2^15."""
    cdef uint32_t r = c.range // <uint32_t>total if divide else rc_symbol_unit(c, total)
    cdef uint32_t code = c.code
    cdef int s = guess
    if not (guess < m and r * cum[guess] <= code and (guess == m - 1 or code < r * cum[guess + 1])):
        s = rc_find(cum, code, r)
        if s > m - 1:
            s = m - 1
    rc_take_symbol(c, cum, m, r, s)
    return s


cdef inline int rs_far(Direction *way, RangeCoder *c, Ord5 *f, Py_ssize_t ti, int hi, int s) noexcept nogil:
    """s in 0 .. hi (hi <= 7) of the one table ti."""
    cdef uint16_t cum[LANES]
    cdef int total = st_span(cum, f.tables + ti * LANES, 0, hi)
    if Direction is Decoding:
        s = rc_decode_symbol(c, cum, total, hi + 1)
    else:
        rc_encode_symbol(c, cum, total, hi + 1, s)
    ord5_learn(f, ti, s)
    return s
