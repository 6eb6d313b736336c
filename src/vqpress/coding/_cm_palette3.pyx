"""Level 3 of the "cm" payload coding: the palette model with symbol tables (docs/FORMAT.md,
"Level 3: the palette model with symbol tables").

Per pixel it asks ``x == W`` (two counters averaged, no mixing) and then level 2's mixed
questions ``x == N, NE, NW`` (each new value once); a pixel that none of them predicts
(8% of the face at 16 colours, 37% at 256) is one symbol of an adaptive table of up to 16
symbols (up to 16 colours) or two (its high and its low 4 bits), out of which the values
already refused (W, N, NE, NW) are taken, instead of level 2's walk down a binary tree (up
to 8 mixed questions of tables too big for the cache). The steps are coded by a range coder
(``_range_coder.pxd``), whose range never gets small, so a table's symbols split it safely.
``_cm.pyx`` runs the strips and calls :c:func:`palette3_encode` / :c:func:`palette3_decode`.
"""

from libc.stdint cimport int32_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._cm_common cimport (
    LIMIT, Decoding, Direction, Encoding, Mix2, _matches, cm_tables_init, mix2_learn, mix2_predict,
    ring_row, ring_row_end, ring_row_start)
from vqpress.coding._palette_common cimport PAL_LANES, pal_ask_avg, pal_eq
from vqpress.coding._range_coder cimport (
    RangeCoder, rc_code_bit, rc_decode_bit, rc_decode_strip, rc_decode_symbol, rc_encode_bit,
    rc_encode_strip, rc_encode_symbol, rc_finish_encoder, rc_start_decoder, rc_start_encoder)
from vqpress.coding._unpredicted cimport Unpredicted, up_alloc, up_code, up_free

cm_tables_init()


cdef enum:
    LANES = PAL_LANES
    W_INIT3 = 24000
    # binary counters
    P_EQ = 0                    # 1024: x == W by eq
    P_WEQ = 1024                # n x 8: x == W by W and eq & 7
    P_CAND = P_WEQ + 256 * 8    # 3 x 64: x == candidate by which neighbour and match
    P_PAIRS = P_CAND + 192      # then n x n: x == candidate by (W, candidate)
    # weight sets (of 2)
    PW_CAND = 0                 # 24, by neighbour and match & 7
    PW_END = PW_CAND + 24 * 2


ctypedef struct Pal3:
    int n
    uint32_t *cnt               # binary counters (P_ tables)
    int32_t *weights            # PW_ sets
    Unpredicted x               # x when no neighbour predicts it


cdef int _alloc(Pal3 *f, int n) noexcept nogil:
    """A fresh model for n symbols. Returns 0, or -1 (free it with _free either way)."""
    cdef Py_ssize_t i, n_cnt = P_PAIRS + <Py_ssize_t>n * n
    f.n = n
    f.cnt = <uint32_t *>calloc(n_cnt, sizeof(uint32_t))
    f.weights = <int32_t *>malloc(PW_END * sizeof(int32_t))
    if up_alloc(&f.x, n, False) != 0 or f.cnt == NULL or f.weights == NULL:
        return -1
    for i in range(PW_END):
        f.weights[i] = W_INIT3
    return 0


cdef void _free(Pal3 *f) noexcept nogil:
    free(f.cnt)
    free(f.weights)
    up_free(&f.x)
    f.cnt = NULL
    f.weights = NULL


cdef inline int _ask2(Direction *way, RangeCoder *c, uint32_t *a, uint32_t *b, int32_t *w, int bit) noexcept nogil:
    """A binary question mixing two counters with weight set w (level 2's)."""
    cdef Mix2 q
    cdef int p = mix2_predict(&q, a, b, w)
    bit = rc_code_bit(c, Direction is Decoding, p, bit)
    mix2_learn(&q, bit, LIMIT)
    return bit


cdef inline int _code_pixel(Direction *way, RangeCoder *c, Pal3 *f, int x, int W, int N, int NW, int NE, int WW,
                            int NN, int NNE, int NEE) noexcept nogil:
    cdef int n = f.n, eq, k, v, mt
    cdef uint32_t *cnt = f.cnt
    cdef int32_t *wt = f.weights
    cdef int cand[3]
    eq = pal_eq(W, N, NW, NE, WW, NN, NNE, NEE)
    if pal_ask_avg(c, Direction is Decoding, cnt + P_EQ + eq, cnt + P_WEQ + W * 8 + (eq & 7), x == W):
        return W
    cand[0] = N
    cand[1] = NE
    cand[2] = NW
    for k in range(3):
        v = cand[k]
        if v == W or (k > 0 and v == N) or (k == 2 and v == NE):
            continue
        mt = _matches(v, N, NW, NE, WW, NN, NNE)
        if _ask2(way, c, cnt + P_CAND + k * 64 + mt, cnt + P_PAIRS + W * n + v, wt + PW_CAND + (k * 8 + (mt & 7)) * 2,
                 x == v):
            return v
    # none of them: x is none of W, N, NE, NW (the symbols "refused")
    return up_code(c, Direction is Decoding, &f.x, x, W, N, NE, NW)


ctypedef Pal3 PaletteModel

include "_palette_rows.pxi"


cdef int palette3_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip(_strip, sym, h, w, n, out, size)


cdef int palette3_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil:
    return rc_decode_strip(_strip, stream, size, sym, h, w, n)


def _range_coder_round_trip(const int32_t[:, ::1] ops not None):
    """Test hook for the range coder alone. Each row of ``ops`` (k, 19) is a bit
    ``(0, p, bit, ...)`` (probability p / 4096 of a 1) or a symbol ``(1, m, s, cum[0..15],
    total)``; code them all, then decode the stream with the same parameters.

    Returns (stream, the decoded bits and symbols, whether the decoder used the stream
    exactly). The parameters are trusted (the tests make them valid).
    """
    cdef RangeCoder c
    cdef Py_ssize_t i, k = ops.shape[0]
    cdef uint16_t cum[LANES]
    cdef int j
    if ops.shape[1] != 3 + LANES + 1:
        raise ValueError(f"ops must have {3 + LANES + 1} columns")
    rc_start_encoder(&c, <uint8_t *>malloc(64), 64)
    for i in range(k):
        if ops[i, 0] == 0:
            rc_encode_bit(&c, ops[i, 1], ops[i, 2])
        else:
            for j in range(LANES):
                cum[j] = <uint16_t>ops[i, 3 + j]
            rc_encode_symbol(&c, cum, ops[i, 3 + LANES], ops[i, 1], ops[i, 2])
    rc_finish_encoder(&c)
    if c.failed:
        free(c.buf)
        raise MemoryError()
    stream = (<char *>c.buf)[:c.pos]
    free(c.buf)
    out = []
    cdef const uint8_t[::1] data = stream
    rc_start_decoder(&c, &data[0], data.shape[0])
    for i in range(k):
        if ops[i, 0] == 0:
            out.append(rc_decode_bit(&c, ops[i, 1]))
        else:
            for j in range(LANES):
                cum[j] = <uint16_t>ops[i, 3 + j]
            out.append(rc_decode_symbol(&c, cum, ops[i, 3 + LANES], ops[i, 1]))
    return stream, out, not c.failed and c.pos == c.size
