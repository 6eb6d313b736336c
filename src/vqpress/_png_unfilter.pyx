"""Undo the row filters of PNG image data (PNG specification, section 9: Filtering).

Used to read 16-bit colour PNGs, whose samples Pillow reduces to 8 bits. Each row is a
filter-type byte followed by ``rowbytes`` filtered bytes; every filter but None and Up
depends on the bytes just decoded to its left, so rows are undone byte by byte here.
"""

import numpy as np


def unfilter(const unsigned char[::1] data, Py_ssize_t height, Py_ssize_t rowbytes, Py_ssize_t bpp):
    """The image bytes (height, rowbytes) of ``height`` filtered rows of ``rowbytes`` bytes.

    Parameters
    ----------
    data : uint8 buffer, IN
        ``height * (1 + rowbytes)`` bytes: each row's filter type (0..4), then its bytes.
    height, rowbytes : int
        Rows, and bytes in a row after its filter byte.
    bpp : int
        Bytes per complete pixel (at least 1): the distance to the "left" byte.

    Returns
    -------
    ndarray of uint8, shape (height, rowbytes)

    Raises
    ------
    ValueError
        A filter type outside 0..4, or ``data`` of the wrong length.
    """
    if height < 0 or rowbytes < 0 or bpp < 1 or data.shape[0] != height * (1 + rowbytes):
        raise ValueError(f"{data.shape[0]} bytes do not hold {height} filtered rows of {rowbytes} bytes")
    out = np.empty((height, rowbytes), dtype=np.uint8)
    if height == 0 or rowbytes == 0:
        return out
    cdef unsigned char[:, ::1] o = out
    cdef Py_ssize_t y, x, src
    cdef int kind, a, b, c, p, pa, pb, pc, bad_row = -1
    with nogil:
        for y in range(height):
            src = y * (1 + rowbytes)
            kind = data[src]
            src += 1
            if kind == 0:
                for x in range(rowbytes):
                    o[y, x] = data[src + x]
            elif kind == 1:  # Sub: plus the byte one pixel to the left
                for x in range(rowbytes):
                    a = o[y, x - bpp] if x >= bpp else 0
                    o[y, x] = <unsigned char>(data[src + x] + a)
            elif kind == 2:  # Up: plus the byte above
                for x in range(rowbytes):
                    b = o[y - 1, x] if y > 0 else 0
                    o[y, x] = <unsigned char>(data[src + x] + b)
            elif kind == 3:  # Average of left and above
                for x in range(rowbytes):
                    a = o[y, x - bpp] if x >= bpp else 0
                    b = o[y - 1, x] if y > 0 else 0
                    o[y, x] = <unsigned char>(data[src + x] + ((a + b) >> 1))
            elif kind == 4:  # Paeth: whichever of left, above, upper-left is nearest a + b - c
                for x in range(rowbytes):
                    a = o[y, x - bpp] if x >= bpp else 0
                    b = o[y - 1, x] if y > 0 else 0
                    c = o[y - 1, x - bpp] if (y > 0 and x >= bpp) else 0
                    p = a + b - c
                    pa = p - a if p >= a else a - p
                    pb = p - b if p >= b else b - p
                    pc = p - c if p >= c else c - p
                    if pa <= pb and pa <= pc:
                        p = a
                    elif pb <= pc:
                        p = b
                    else:
                        p = c
                    o[y, x] = <unsigned char>(data[src + x] + p)
            else:
                bad_row = y
                break
    if bad_row >= 0:
        raise ValueError(f"row {bad_row} has filter type {data[bad_row * (1 + rowbytes)]} (allowed 0..4)")
    return out
