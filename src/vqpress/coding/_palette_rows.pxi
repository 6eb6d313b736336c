# The row loop and the strip of a palette level whose pixel is
# ``_code_pixel(way, c, f, x, W, N, NW, NE, WW, NN, NNE, NEE)``, with its model
# ``PaletteModel`` made by ``_alloc(&f, n)`` and freed by ``_free(&f)``: included (as text) by
# _cm_palette3.pyx and _cm_palette7.pyx after they define those names. Cython has no
# templates across modules, and calling the pixel coder through a pointer costs speed.


cdef int _rows(Direction *way, RangeCoder *c, PaletteModel *f, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil:
    cdef Py_ssize_t wp = w + 6
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef int r, col, x
    for r in range(h):
        r0 = ring_row(rows, wp, r)
        r1 = ring_row(rows, wp, r + 3)
        r2 = ring_row(rows, wp, r + 2)
        ring_row_start(r0, r1, r)
        for col in range(w):
            x = 0 if Direction is Decoding else sym[r * w + col]
            x = _code_pixel(way, c, f, x, r0[col - 1], r1[col], r1[col - 1], r1[col + 1], r0[col - 2], r2[col],
                            r2[col + 1], r1[col + 2])
            r0[col] = <uint8_t>x
            if Direction is Decoding:
                sym[r * w + col] = <uint8_t>x
        ring_row_end(r0, w)
        if Direction is Decoding:
            if c.failed:
                return -1
    return 0


cdef inline int _strip(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows) noexcept nogil:
    """The level's RangeStrip (``_range_coder.pxd``): a fresh model, then the rows. Inline: each
    of its two callers gets its own copy of the kernel, ``decoding`` a constant."""
    cdef PaletteModel f
    cdef int status = -1
    if _alloc(&f, n) == 0:
        status = -2 if (_rows(<Decoding *>NULL, c, &f, sym, h, w, rows) if decoding
                        else _rows(<Encoding *>NULL, c, &f, sym, h, w, rows)) != 0 else 0
    _free(&f)
    return status
