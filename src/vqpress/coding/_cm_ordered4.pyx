"""Level 4 of the "cm" payload coding: the ordered model around a predicted value
(docs/FORMAT.md, "Level 4: the predicted ordered model"), for gray levels.

Where level 2 asks ``x == W`` first and walks away from W, level 4 predicts the pixel by
the median edge detector of LOCO-I, ``P = MED(W, N, NW)`` (N at a vertical edge, W at a
horizontal one, ``W + N - NW`` on a slope), asks ``x == P``, and walks away from P: fewer
questions (1.76 a pixel at 16 levels on the face, against 1.98 from W). The first question
carries 65-95% of the bits; its counters are picked by which of the neighbours equal P
(13 bits) and by the shape of the neighbourhood in value space (the clipped differences
of W, N, NE, NW to P) with P itself. Where the first counter is sure (flat areas, most
pixels) it is asked alone; every other question mixes two counters with one weight set,
as level 2 does. ``_cm.pyx`` runs the strips and calls :c:func:`ordered4_strip` for each.
"""

from libc.stdint cimport int32_t, uint8_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._binary_coder cimport BinaryCoder, code_bit_as
from vqpress.coding._cm_common cimport (
    Decoding, Direction, Encoding, Mix2, _clip, _p12, _updated, cm_tables_init, mix2_learn, mix2_predict, ring_row,
    ring_row_end, ring_row_start)

cm_tables_init()


cdef enum:
    # counter tables (offsets; the last one's size depends on n)
    T_EQ = 0                    # 2^13: x == P by eq13
    T_DIR = T_EQ + 8192         # 5625: x > P by the shape dd and NN, WW against P
    T_STEP = T_DIR + 5625       # 6 x 128 x 8: x == v by slot, match7(v) and activity
    T_STEPD = T_STEP + 6144     # 6 x 729: x == v by slot and D_1 of six neighbours to v
    T_DSGN = T_STEPD + 4374     # n x 72: x > P by P, NE and NN against P, activity
    # (then n x 625: x == P by the shape dd and P)
    # weight sets of 2
    S_EQ = 0                    # 64, by eq13 & 63
    S_DIR = S_EQ + 128          # 64, by eq13 & 63
    S_STEP = S_DIR + 128        # 48, by slot and match7(v) & 7
    S_TOTAL = S_STEP + 96
    W_INIT4 = 24000
    GATE_P = 3600               # x == P asks its first counter alone from this p ...
    GATE_N = 16                 # ... and this many updates on
    LIMIT_SECOND = 20           # the count of every question's second counter stops here


cdef inline int _shape(int P, int W, int N, int NE, int NW) noexcept nogil:
    """dd: the clipped differences of W, N, NE, NW to P, 0 .. 624."""
    return (((_clip(W - P, 2) + 2) * 5 + _clip(N - P, 2) + 2) * 5 + _clip(NE - P, 2) + 2) * 5 + _clip(NW - P, 2) + 2


cdef inline int _ask_eq(Direction *way, BinaryCoder *c, uint32_t *cnt, int32_t *wt, int n, int P, int eq, int W,
                        int N, int NE, int NW, int bit) noexcept nogil:
    """The question x == P: its first counter alone when that is sure (p >= GATE_P / 4096
    after GATE_N updates: flat areas, most pixels), else mixed with the shape's counter."""
    cdef uint32_t *a = cnt + T_EQ + eq
    cdef uint32_t ta = a[0]
    cdef int p = _p12(ta)
    if p >= GATE_P and <int>(ta & 1023u) >= GATE_N:
        bit = code_bit_as(c, Direction is Decoding, p, bit)
        a[0] = _updated(ta, bit)
        return bit
    return _ask2(way, c, a, cnt + T_DSGN + 72 * n + _shape(P, W, N, NE, NW) * n + P, wt + S_EQ + (eq & 63) * 2,
                 bit)


cdef inline int _ask2(Direction *way, BinaryCoder *c, uint32_t *a, uint32_t *b, int32_t *w, int bit) noexcept nogil:
    """A question mixing counters a and b with weight set w; b is of a table whose counters
    keep adapting fast (their count stops at LIMIT_SECOND)."""
    cdef Mix2 q
    cdef int p = mix2_predict(&q, a, b, w)
    bit = code_bit_as(c, Direction is Decoding, p, bit)
    mix2_learn(&q, bit, LIMIT_SECOND)
    return bit


cdef extern from *:
    """
    /* the activity class of a sum of five absolute differences (at most 5 x 31):
       0, 1, 2, 3, 4-5, 6-8, 9-12, 13 and more -> 0 .. 7 (a table: no branch to mispredict) */
    static unsigned char cm4_activity[160];
    static void cm4_tables_init(void) {
        int a;
        for (a = 0; a < 160; a++)
            cm4_activity[a] = a < 4 ? a : a < 6 ? 4 : a < 9 ? 5 : a < 13 ? 6 : 7;
    }
    """
    const unsigned char cm4_activity[160]
    void cm4_tables_init() noexcept nogil

cm4_tables_init()


cdef int ordered4_strip(BinaryCoder *coder, int n, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil:
    """Code (or decode into ``sym``) an h x w strip of n-level symbols (row-major, w apart),
    with a fresh model.

    ``rows`` is scratch for 4 rows of w + 6 symbols, zeroed. Returns 0, -1 if the decoder
    ran past the end of its stream (checked once per row), -3 if the model did not fit in
    memory.
    """
    # the coder's state copied to this frame for the strip: kept in registers (see level 2)
    cdef BinaryCoder local = coder[0]
    cdef uint32_t *cnt = <uint32_t *>calloc(T_DSGN + 72 * n + 625 * n, sizeof(uint32_t))
    cdef int32_t *wt = <int32_t *>malloc(S_TOTAL * sizeof(int32_t))
    cdef int status = -3, i
    if cnt != NULL and wt != NULL:
        for i in range(S_TOTAL):
            wt[i] = W_INIT4
        if local.decoding:
            status = _rows(<Decoding *>NULL, &local, n, cnt, wt, sym, h, w, rows)
        else:
            status = _rows(<Encoding *>NULL, &local, n, cnt, wt, sym, h, w, rows)
    free(cnt)
    free(wt)
    coder[0] = local
    return status


cdef int _walk(Direction *way, BinaryCoder *c, int n, uint32_t *cnt, int32_t *wt, int x, int P, int dd,
                      int eq, int W, int N, int NW, int NE, int WW, int NN, int NNE) noexcept nogil:
    """x != P: the direction (x > P?), then x == P +- 1, P +- 2 ... away from P."""
    cdef int up, s, v, slot, mt, d
    cdef int act = cm4_activity[abs(W - NW) + abs(N - NW) + abs(NE - N) + abs(W - WW) + abs(N - NN)]
    if P == 0:
        up = 1
    elif P == n - 1:
        up = 0
    else:
        up = _ask2(way, c, cnt + T_DIR + dd * 9 + (_clip(NN - P, 1) + 1) * 3 + _clip(WW - P, 1) + 1,
                   cnt + T_DSGN + ((P * 3 + _clip(NE - P, 1) + 1) * 3 + _clip(NN - P, 1) + 1) * 8 + act,
                   wt + S_DIR + (eq & 63) * 2, x > P)
    s = 1
    while True:
        v = P + s if up else P - s
        if v == 0 or v == n - 1:
            return v  # the last symbol that way: implied
        slot = 2 * (s - 1 if s < 3 else 2) + 1 - up
        mt = ((W == v) | (N == v) << 1 | (NW == v) << 2 | (NE == v) << 3 | (WW == v) << 4
              | (NN == v) << 5 | (NNE == v) << 6)
        d = ((((_clip(W - v, 1) * 3 + _clip(N - v, 1)) * 3 + _clip(NE - v, 1)) * 3 + _clip(NW - v, 1)) * 3
             + _clip(NN - v, 1)) * 3 + _clip(WW - v, 1) + 364
        if _ask2(way, c, cnt + T_STEP + (slot * 128 + mt) * 8 + act, cnt + T_STEPD + slot * 729 + d,
                 wt + S_STEP + (slot * 8 + (mt & 7)) * 2, x == v):
            return v
        s += 1


cdef inline int _rows(Direction *way, BinaryCoder *c, int n, uint32_t *cnt, int32_t *wt, uint8_t *sym, int h, int w,
                      uint8_t *rows) noexcept nogil:
    cdef Py_ssize_t wp = w + 6
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef int r, col, eq, P, lo, hi
    cdef int x, W, N, NW, NE, WW, NN, NNE, NEE, NWW, NNW
    cdef bint decoding = Direction is Decoding
    for r in range(h):
        r0 = ring_row(rows, wp, r)
        r1 = ring_row(rows, wp, r + 3)
        r2 = ring_row(rows, wp, r + 2)
        ring_row_start(r0, r1, r)
        for col in range(w):
            W = r0[col - 1]
            WW = r0[col - 2]
            N = r1[col]
            NW = r1[col - 1]
            NE = r1[col + 1]
            NEE = r1[col + 2]
            NWW = r1[col - 2]
            NN = r2[col]
            NNE = r2[col + 1]
            NNW = r2[col - 1]
            x = 0 if decoding else sym[r * w + col]
            # MED: min(W, N) if NW >= max(W, N), max(W, N) if NW <= min(W, N), else W + N - NW
            lo = W if W < N else N
            hi = W + N - lo
            P = W + N - (lo if NW < lo else (hi if NW > hi else NW))
            eq = ((W == P) | (N == P) << 1 | (NW == P) << 2 | (NE == P) << 3 | (WW == P) << 4
                  | (NN == P) << 5 | (NNE == P) << 6 | (NEE == P) << 7 | (N == NE) << 8 | (W == NW) << 9
                  | (W == N) << 10 | (NWW == P) << 11 | (NNW == P) << 12)
            if _ask_eq(way, c, cnt, wt, n, P, eq, W, N, NE, NW, x == P):
                x = P
            else:
                x = _walk(way, c, n, cnt, wt, x, P, _shape(P, W, N, NE, NW), eq, W, N, NW, NE, WW, NN, NNE)
            r0[col] = <uint8_t>x
            if decoding:
                sym[r * w + col] = <uint8_t>x
        ring_row_end(r0, w)
        if decoding and c.failed:
            return -1
    return 0
