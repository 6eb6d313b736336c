"""The neighbour-pair counts a palette's symbol order is chosen by (``symbol_order.adjacency``),
compiled: one pass over the map, a pixel's four pairs (with W, NW, N, NE) at once.

The counts go to two sets of tables of 32-bit counters, for the even and the odd columns: a
run of equal pairs makes each increment of a table wait for the one before, and two sets
halve those waits (at 256 symbols the two take 512 KB, where 64-bit counters took 1 MB and
missed the cache more). Up to :data:`SPLIT_SYMBOLS` symbols a set is four tables, one per
direction, so that a pixel's four increments never wait for each other either (8 tables of
1 KB stay in the first-level cache: 0.6-0.8x the time of two on the 16-colour photographs;
at 32 colours, 4 KB each, they took as long as two tables, at 64 longer). A counter of a band of
rows holds at most 4 counts per pixel, so maps of up to 2^30 - 1 pixels are one band; a
larger map is counted band by band, each band's counts added to the float64 result. Then
the tables, and both orders of each pair, are added into one symmetric matrix (whole
numbers, exact in float64).

It also scales such a matrix by its symbols' degrees for the spectral order
(:func:`scaled_by_degree`), in one pass with numpy's roundings.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t, uint32_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset

#: Pixels of a band counted at once: 4 counts a pixel stay below 2^32.
BAND_PIXELS = (1 << 30) - 1
#: Up to this many symbols, a table per direction (W, N, NW, NE) in each set.
SPLIT_SYMBOLS = 16


cdef inline void _count_rows(const uint8_t *codes, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t w, Py_ssize_t n,
                             uint32_t *o, const Py_ssize_t k) noexcept nogil:
    """Add the pairs of rows r0..r1 - 1 (each pixel with its W, N, NW, NE) to the tables ``o``:
    2 sets (even columns, odd columns) of k tables of n x n (k = 4: one per direction, in that
    order; k = 1: one for all four); a table's [x, v] counts x beside v. (Inline, called with
    k a constant: a copy of the loop for each.)"""
    cdef Py_ssize_t nn = n * n, d = nn if k == 4 else 0, r, c
    cdef const uint8_t *row
    cdef const uint8_t *up
    cdef uint32_t *t
    for r in range(r0, r1):
        row = codes + r * w
        if r == 0:
            for c in range(1, w):
                o[(c & 1) * k * nn + row[c] * n + row[c - 1]] += 1
            continue
        up = row - w
        t = o + row[0] * n
        t[d + up[0]] += 1
        if w > 1:
            t[3 * d + up[1]] += 1
        for c in range(1, w - 1):
            t = o + (c & 1) * k * nn + row[c] * n
            t[row[c - 1]] += 1
            t[d + up[c]] += 1
            t[2 * d + up[c - 1]] += 1
            t[3 * d + up[c + 1]] += 1
        if w > 1:
            t = o + ((w - 1) & 1) * k * nn + row[w - 1] * n
            t[row[w - 2]] += 1
            t[d + up[w - 1]] += 1
            t[2 * d + up[w - 2]] += 1


cdef inline void _add_symmetric(const uint32_t *o, Py_ssize_t n, const Py_ssize_t tables, double *m,
                                bint first) noexcept nogil:
    """m[a, b] = m[b, a] (+)= the counts of the pair {a, b} (every table, both orders), for
    a != b; the diagonal 0. In tiles of 16 x 16: the transposed reads stay in the cache."""
    cdef Py_ssize_t nn = n * n, a, b, a0, b0, j
    cdef int64_t total
    cdef double s
    for a0 in range(0, n, 16):
        for b0 in range(a0, n, 16):
            for a in range(a0, min(a0 + 16, n)):
                for b in range(max(b0, a + 1), min(b0 + 16, n)):
                    total = 0
                    for j in range(tables):
                        total += <int64_t>o[j * nn + a * n + b] + o[j * nn + b * n + a]
                    s = <double>total
                    if not first:
                        s += m[a * n + b]
                    m[a * n + b] = s
                    m[b * n + a] = s
            for a in range(a0, min(a0 + 16, n)):
                m[a * n + a] = 0.0


def pair_counts(const uint8_t[:, ::1] codes not None, int n, Py_ssize_t band_pixels=BAND_PIXELS):
    """Counts of the symbol pairs that are 8-neighbours in ``codes`` (right, down,
    down-right, down-left), as ``symbol_order.adjacency``.

    ``codes`` (H, W) IN: every code < ``n`` <= 256, W <= ``band_pixels``; ``n`` IN; ``band_pixels`` IN:
    the most pixels counted in one band (a test sets it low). Returns a symmetric (n, n)
    float64 array, ``out[a, b]`` the pairs that hold ``a`` and ``b`` (in either pixel), zero
    on the diagonal.
    """
    cdef Py_ssize_t h = codes.shape[0], w = codes.shape[1], r0, r1, band
    if not 1 <= n <= 256:
        raise ValueError(f"n must be in 1..256; got {n}")
    if not w <= band_pixels <= BAND_PIXELS or band_pixels < 1:
        raise ValueError(f"a band of {band_pixels} pixels (1..{BAND_PIXELS}) does not hold a row of {w}")
    if h == 0 or w == 0:
        return np.zeros((n, n), dtype=np.float64)
    out = np.empty((n, n), dtype=np.float64)
    cdef double[:, ::1] m = out
    cdef Py_ssize_t nn = <Py_ssize_t>n * n, k = 4 if n <= SPLIT_SYMBOLS else 1
    cdef uint32_t *o = <uint32_t *>calloc(2 * k * nn, sizeof(uint32_t))
    if o == NULL:
        raise MemoryError()
    band = band_pixels // w
    with nogil:
        r0 = 0
        while True:
            r1 = min(h, r0 + band)
            if k == 4:
                _count_rows(&codes[0, 0], r0, r1, w, n, o, 4)
                _add_symmetric(o, n, 8, &m[0, 0], r0 == 0)
            else:
                _count_rows(&codes[0, 0], r0, r1, w, n, o, 1)
                _add_symmetric(o, n, 2, &m[0, 0], r0 == 0)
            r0 = r1
            if r0 >= h:
                break
            memset(o, 0, 2 * k * nn * sizeof(uint32_t))
    free(o)
    return out


def scaled_by_degree(const double[:, ::1] sub not None, const double[::1] inv_sqrt not None):
    """``inv_sqrt[:, None] * sub * inv_sqrt[None, :]`` (D^-1/2 A D^-1/2, the spectral order's
    matrix) in one pass: each entry ``(inv_sqrt[i] * sub[i, j]) * inv_sqrt[j]``, the same two
    roundings as numpy's, so the same bits (where numpy took two passes and a temporary).

    ``sub`` (m, m) IN; ``inv_sqrt`` (m,) IN. Returns a new (m, m) float64 array.
    """
    cdef Py_ssize_t m = sub.shape[0], i, j
    if sub.shape[1] != m or inv_sqrt.shape[0] != m:
        raise ValueError(f"sub is {sub.shape[0]} x {sub.shape[1]} and inv_sqrt has {inv_sqrt.shape[0]} entries")
    out = np.empty((m, m), dtype=np.float64)
    cdef double[:, ::1] o = out
    cdef double r
    with nogil:
        for i in range(m):
            r = inv_sqrt[i]
            for j in range(m):
                o[i, j] = (r * sub[i, j]) * inv_sqrt[j]
    return out
