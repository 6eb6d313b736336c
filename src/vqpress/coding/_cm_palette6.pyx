"""Level 6 of the "cm" payload coding: the palette model of one neighbour symbol
(docs/FORMAT.md, "Level 6: the palette model of one neighbour symbol").

Level 3 asks up to four binary questions a pixel (``x == W``, then N, NE, NW); level 6 asks
one decision: which of the distinct colours among W, N, NE, NW (their labels in that order)
x is, or none of them. Where all four are one colour the decision is binary (two counters'
probabilities averaged); elsewhere it is one symbol of the average of three adaptive tables
picked by the neighbours' equality pattern (which of W, N, NE, NW are equal: 15 patterns,
which fix the number of symbols) with: farther equalities and what the W and N pixels were
themselves (which label, or none); W's colour; the colours of W and N together (coarsened
above 64 colours). A pixel none of them predicts is then one symbol (up to 16 colours) or two
(high and low 4 bits) of averaged tables without the refused colours, as at level 3
(``_unpredicted.pxd``). Range coder (``_range_coder.pxd``); ``_cm.pyx`` runs the strips and
calls :c:func:`palette6_encode` / :c:func:`palette6_decode`.

Level 10 (docs/FORMAT.md, "Level 10") is this model with the pixel none of the neighbours
predicts coded by ``_unpredicted.pxd``'s mixed tables (four tables mixed geometrically, as
at level 7): :c:func:`palette10_encode` / :c:func:`palette10_decode`. Level 18 (docs/FORMAT.md,
"Level 18"; up to 16 colours) is level 10 with the second neighbour-symbol table by the exact
(W, N, NE) and NW's label instead of by (p, NE), the three tables weighted 3:4:1 instead of
2:1:1, and a third counter for ``x == W``, by W and the kinds of NE, NW and WW:
:c:func:`palette18_encode` / :c:func:`palette18_decode`. Level 21 (docs/FORMAT.md, "Level
21") is compiled in ``_cm_palette21.pyx`` from the same kernel (``_palette6_kernel.pxi``).
"""

include "_palette6_kernel.pxi"


cdef inline int _model_strip(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                             const void *sink, bint mixed, bint triples=False) noexcept nogil:
    """Level 6's (level 10's if ``mixed``, level 18's if ``triples`` too) RangeStripArg
    (``_range_coder.pxd``; the decoder's ``sink`` a RowSink, where its rows go): a fresh model,
    then the rows. Inline: each of its callers gets its own copy of the kernel, ``decoding`` a
    constant."""
    cdef Pal6 f
    cdef int status = -1
    cdef const RowSink *to = <const RowSink *>sink
    if triples and n > 16:
        return -1  # (the reader refuses level 18 above 16 colours)
    if _alloc(&f, n, w, mixed, triples, False) == 0:
        if triples:
            status = (_rows(<Decoding *>NULL, <Level18 *>NULL, c, &f, sym, to, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Level18 *>NULL, c, &f, sym, to, h, w, rows))
        elif mixed:
            status = (_rows(<Decoding *>NULL, <Level10 *>NULL, c, &f, sym, to, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Level10 *>NULL, c, &f, sym, to, h, w, rows))
        else:
            status = (_rows(<Decoding *>NULL, <Level6 *>NULL, c, &f, sym, to, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Level6 *>NULL, c, &f, sym, to, h, w, rows))
        status = -2 if status != 0 else 0
    _free(&f)
    return status


# one function a level and direction, each with its own copy of the kernel (as one function of
# both directions, gcc inlined the decoder's rows into it or not by their sizes: level 21 decoded
# 2% slower when it did)
cdef int _encode6(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                  const void *sink) noexcept nogil:
    return _model_strip(c, False, sym, h, w, n, rows, sink, False)


cdef int _decode6(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                  const void *sink) noexcept nogil:
    return _model_strip(c, True, sym, h, w, n, rows, sink, False)


cdef int _encode10(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                   const void *sink) noexcept nogil:
    return _model_strip(c, False, sym, h, w, n, rows, sink, True)


cdef int _decode10(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                   const void *sink) noexcept nogil:
    return _model_strip(c, True, sym, h, w, n, rows, sink, True)


cdef int _encode18(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                   const void *sink) noexcept nogil:
    return _model_strip(c, False, sym, h, w, n, rows, sink, True, True)


cdef int _decode18(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                   const void *sink) noexcept nogil:
    return _model_strip(c, True, sym, h, w, n, rows, sink, True, True)


cdef int palette6_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip_arg(_encode6, NULL, sym, h, w, n, out, size)


cdef int palette6_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                         int n) noexcept nogil:
    return rc_decode_strip_arg(_decode6, sink, stream, size, NULL, h, w, n)


cdef int palette10_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip_arg(_encode10, NULL, sym, h, w, n, out, size)


cdef int palette10_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                          int n) noexcept nogil:
    return rc_decode_strip_arg(_decode10, sink, stream, size, NULL, h, w, n)


cdef int palette18_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip_arg(_encode18, NULL, sym, h, w, n, out, size)


cdef int palette18_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                          int n) noexcept nogil:
    return rc_decode_strip_arg(_decode18, sink, stream, size, NULL, h, w, n)



def _neighbour_hits(const uint16_t[::1] a not None, const uint16_t[::1] b not None, const uint16_t[::1] d not None,
                    uint32_t r, uint32_t code, int m):
    """Test hook for the decoder's look at the neighbour symbol's three tables (levels 6 and
    10): ``a``, ``b``, ``d`` IN, a table's lanes 1..4 (and its count) each, every lane below
    2^15; ``r`` IN, the coder's unit (range >> 15, 2^9 or more), ``code`` IN its code (any: a
    damaged stream's too), ``m`` IN the symbols (2..5). Returns (le, s, cum[1..4]) as the
    decoder gets them (st_hits4, st_hits_count)."""
    cdef uint16_t cum[8]
    cdef uint32_t q
    cdef uint64_t le
    if a.shape[0] < 5 or b.shape[0] < 5 or d.shape[0] < 5 or not 2 <= m <= 5 or r == 0:
        raise ValueError(f"need tables of 5 u16, m in 2..5 and r > 0; got {a.shape[0]}, {b.shape[0]}, "
                         f"{d.shape[0]} u16, m {m}, r {r}")
    q = code // r
    le = st_hits4(&a[0], &b[0], &d[0], cum, q if q < 65535 else 65535, m)
    return le, st_hits_count(le), [cum[i] for i in range(1, 5)]



def _flat_bits(uint32_t rng):
    """Test hook for the decoder's renormalisation after a symbol (``_range_coder.pxd``,
    rc_take_symbol's ``flat``): ``rng`` IN a range (any 32-bit value: a damaged stream's
    too). Returns the bits the range and the code are shifted by (rc_flat_bits)."""
    return rc_flat_bits(rng)


def _learning_steps():
    """Test hook for the palette tables' learning (``_palette_common.pxd``): per update count
    0..32, (the count after an update, its rate) from pal_step, and pal_rate's rate."""
    return [(pal_step[u] & 0xFFFF, pal_step[u] >> 16, pal_rate[u]) for u in range(33)]
