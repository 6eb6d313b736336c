"""The gather behind the "cm" coding's scans (:mod:`vqpress.coding.scan`).

:func:`gather` writes ``dst[r, c] = table[src[base + r * dr + c * dc]]`` for every pixel of
``dst``: a transpose, a flip or both (``dr``, ``dc`` are steps through ``src``, flat), with a
byte table applied on the way (the symbol order), in one pass. Tiles of 64 x 64 keep a
transpose's reads within a few hundred cache lines (numpy's strided copy of a transpose was
3.5x slower). A flip of columns or none (``dc`` = +-1) with the identity table, the gray
maps' scans 1-3, copies its rows whole: forwards with ``memcpy``, backwards eight bytes at a
time (a word read from the row's end, its bytes reversed): 6-8x faster than a byte at a time
through the table, which was about 1.4% of decoding a map of 16 levels in scan 3.
"""

from libc.stdint cimport uint8_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <string.h>
    #include <stdint.h>
    /* dst[i] = src[-i] for i in 0 .. n - 1 (src points at the last byte of the run read
       backwards); words of eight bytes reversed where the compiler has a byte swap */
    static void vq_copy_reversed(unsigned char *dst, const unsigned char *src, Py_ssize_t n) {
        Py_ssize_t i = 0;
    #if defined(__GNUC__) || defined(__clang__)
        uint64_t v;
        for (; i + 8 <= n; i += 8) {
            memcpy(&v, src - i - 7, 8);
            v = __builtin_bswap64(v);
            memcpy(dst + i, &v, 8);
        }
    #endif
        for (; i < n; i++)
            dst[i] = src[-i];
    }
    """
    void vq_copy_reversed(uint8_t *dst, const uint8_t *src, Py_ssize_t n) noexcept nogil

cdef enum:
    TILE = 64


def gather(const uint8_t[::1] src, uint8_t[:, ::1] dst, Py_ssize_t base, Py_ssize_t dr, Py_ssize_t dc,
           const uint8_t[::1] table):
    """``dst[r, c] = table[src[base + r * dr + c * dc]]`` for every ``(r, c)`` of ``dst``.

    Parameters
    ----------
    src : 1-D uint8 array (C-contiguous)
        The map read from, flat.
    dst : 2-D uint8 array (C-contiguous)
        The map written; it must not overlap ``src``.
    base, dr, dc : int
        Offset of ``dst[0, 0]``'s pixel in ``src`` and the steps of a row and of a column of
        ``dst`` through ``src`` (negative for a flip).
    table : 1-D uint8 array of 256 entries
        The value written for each value read.

    Raises
    ------
    ValueError
        An offset of ``dst``'s corners falls outside ``src`` (then so would others), or the
        table does not hold 256 entries.
    """
    cdef Py_ssize_t h = dst.shape[0], w = dst.shape[1], n = src.shape[0]
    cdef Py_ssize_t r0, c0, r1, c1, r, c, at, corner, v
    cdef const uint8_t *s
    cdef const uint8_t *t
    cdef uint8_t *row
    cdef bint identity = True
    if table.shape[0] != 256:
        raise ValueError(f"the table holds {table.shape[0]} entries; 256 are needed")
    if h == 0 or w == 0:
        return
    for corner in (base, base + (h - 1) * dr, base + (w - 1) * dc, base + (h - 1) * dr + (w - 1) * dc):
        if not 0 <= corner < n:
            raise ValueError(f"offset {corner} is outside the {n} pixels read from")
    s = &src[0]
    t = &table[0]
    for v in range(256):
        identity = identity and t[v] == v
    if identity and (dc == 1 or dc == -1):
        with nogil:
            for r in range(h):
                if dc == 1:
                    memcpy(&dst[r, 0], s + base + r * dr, w)
                else:
                    vq_copy_reversed(&dst[r, 0], s + base + r * dr, w)
        return
    with nogil:
        r0 = 0
        while r0 < h:
            r1 = r0 + TILE if r0 + TILE < h else h
            c0 = 0
            while c0 < w:
                c1 = c0 + TILE if c0 + TILE < w else w
                for r in range(r0, r1):
                    row = &dst[r, 0]
                    at = base + r * dr + c0 * dc
                    for c in range(c0, c1):
                        row[c] = t[s[at]]
                        at += dc
                c0 = c1
            r0 = r1
