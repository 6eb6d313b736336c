"""Level 21 of the "cm" payload coding: level 6 (``_cm_palette6.pyx``) with the pixel that none
of its neighbours predicts coded faster (docs/FORMAT.md, "Level 21").

The neighbour symbol, its tables and contexts are level 6's (the kernel ``_palette6_kernel.pxi``,
compiled here for level 21 alone); a pixel none of W, N, NE, NW predicts, of 17-256 colours,
has its high and low 4 bits coded as one range-coder symbol of level 6's tables, the low bits
over all their values (``_unpredicted_joint.pxd``). ``_cm.pyx`` runs the strips and calls
:c:func:`palette21_encode` / :c:func:`palette21_decode`.
"""

include "_palette6_kernel.pxi"


cdef inline int _strip21(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                         const void *sink) noexcept nogil:
    """Level 21's RangeStripArg (``_range_coder.pxd``; the decoder's ``sink`` a RowSink, where
    its rows go): a fresh model (level 6's tables), then the rows; -1 for n <= 16 (the reader
    refuses level 21 there). Inline: each direction gets its own copy."""
    cdef Pal6 f
    cdef int status = -1
    cdef const RowSink *to = <const RowSink *>sink
    if n <= 16:
        return -1
    if _alloc(&f, n, w, False, False, True) == 0:
        status = (_rows(<Decoding *>NULL, <Level21 *>NULL, c, &f, sym, to, h, w, rows) if decoding
                  else _rows(<Encoding *>NULL, <Level21 *>NULL, c, &f, sym, to, h, w, rows))
        status = -2 if status != 0 else 0
    _free(&f)
    return status


# one function a direction, each with its own copy of the kernel (as one function of both, gcc
# inlined the decoder's rows into it or not by their sizes: it decoded 2% slower when it did);
# the encoder a plain RangeStrip, called through rc_encode_strip's pointer, which keeps it a
# function of its own (inlined into palette21_encode, it encoded 1.5-3% slower)
cdef int _encode21(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows) noexcept nogil:
    return _strip21(c, False, sym, h, w, n, rows, NULL)


cdef int _decode21(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                   const void *sink) noexcept nogil:
    return _strip21(c, True, sym, h, w, n, rows, sink)


cdef int palette21_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip(_encode21, sym, h, w, n, out, size)


cdef int palette21_decode(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                          int n) noexcept nogil:
    return rc_decode_strip_arg(_decode21, sink, stream, size, NULL, h, w, n)
