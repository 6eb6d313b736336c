"""The tree of the points that the tree Lloyd kernel (``_lloyd_tree``) walks.

The points are sorted along a Morton (Z-order) curve on a 256-level grid over their
bounding box and split where the next bit of that order changes, down to leaves of at most
``LEAF`` points; every node holds the bounding box of its points and their weighted sums.
The Morton codes, the gathered points and the leaves' boxes are computed on the thread
pool. Built once per set of points; a restart after an empty cluster walks it again.
"""

import numpy as np

from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint64_t

from vqpress._threadpool cimport parallel_for
from vqpress.colour._common cimport box_of, radix_sort

cdef enum:
    _GRID = 256     # levels per axis of the grid that orders the points
    _BLOCK = 8192   # points per task
    _LEAVES = 512   # leaves per task


cdef struct _Build:
    const double *X
    const double *w
    Py_ssize_t m, d
    const uint64_t *spread
    const double *lo0
    const double *sc
    uint64_t *codes
    const int64_t *perm
    double *Xs
    double *ws


cdef void _morton_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    """Morton codes of a block of points."""
    cdef _Build *b = <_Build *>ctx
    cdef Py_ssize_t i, c, d = b.d
    cdef uint64_t code
    cdef double v
    cdef int q
    for i in range(chunk * _BLOCK, min((chunk + 1) * <Py_ssize_t>_BLOCK, b.m)):
        code = 0
        for c in range(d):
            v = (b.X[i * d + c] - b.lo0[c]) * b.sc[c]
            q = 0
            if v >= _GRID - 1:
                q = _GRID - 1
            elif v > 0.0:  # (not NaN: a span that overflows gives inf * 0)
                q = <int>v
            code |= b.spread[q] << (d - 1 - c)
        b.codes[i] = code


cdef struct _Leaves:
    const int64_t *leaves
    Py_ssize_t nleaf, d
    const int64_t *start
    const int64_t *end
    const double *Xs
    const double *ws
    double *lo
    double *hi
    double *NS
    double *NW


cdef void _leaf_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    """Bounding boxes and weighted sums of a block of leaves."""
    cdef _Leaves *L = <_Leaves *>ctx
    cdef Py_ssize_t a, c, q, d = L.d
    cdef int64_t nd
    cdef double v
    for a in range(chunk * _LEAVES, min((chunk + 1) * <Py_ssize_t>_LEAVES, L.nleaf)):
        nd = L.leaves[a]
        L.NW[nd] = 0.0
        for c in range(d):
            L.lo[nd * d + c] = INFINITY
            L.hi[nd * d + c] = -INFINITY
            L.NS[nd * d + c] = 0.0
        for q in range(L.start[nd], L.end[nd]):
            L.NW[nd] += L.ws[q]
            for c in range(d):
                v = L.Xs[q * d + c]
                L.NS[nd * d + c] += L.ws[q] * v
                L.lo[nd * d + c] = min(L.lo[nd * d + c], v)
                L.hi[nd * d + c] = max(L.hi[nd * d + c], v)


cdef void _gather_task(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    """Points and weights of a block of tree positions, in tree order."""
    cdef _Build *b = <_Build *>ctx
    cdef Py_ssize_t i, c, d = b.d
    cdef int64_t p
    for i in range(chunk * _BLOCK, min((chunk + 1) * <Py_ssize_t>_BLOCK, b.m)):
        p = b.perm[i]
        b.ws[i] = b.w[p]
        for c in range(d):
            b.Xs[i * d + c] = b.X[p * d + c]


cdef class PointTree:
    """The tree of weighted points that ``_lloyd_tree.TreeLloyd`` walks.

    Parameters
    ----------
    X : (m, d) float64, IN
        Points, m >= 1, d <= 8.
    w : (m,) float64, IN
        Positive weights.

    Attributes
    ----------
    Xs, ws : the points and weights in tree order; ``perm`` (m,) int64: tree position ->
        row of X. Node arrays (children numbered after their parent): ``start, end`` the
        range of tree positions, ``left`` the first child (the second is ``left + 1``; -1
        for a leaf), ``lo, hi`` the bounding box, ``bn2`` the largest ``|p|^2`` over the box,
        ``NS, NW`` the weighted sums; ``maxdepth``.
    """

    def __init__(self, const double[:, ::1] X, const double[::1] w):
        cdef Py_ssize_t m = X.shape[0], d = X.shape[1], c, i, v, b
        cdef int nb = 8 * d, status
        cdef _Build bd
        if not 1 <= d <= 8 or m < 1:
            raise ValueError(f"the tree takes 1 to 8 coordinates and at least one point; got shape {(m, d)}")
        self.m = m
        self.d = d
        spread_arr = np.zeros(_GRID, dtype=np.uint64)
        lo0_arr = np.empty(d)
        sc_arr = np.empty(d)
        codes_arr = np.empty(m, dtype=np.uint64)
        self.perm_arr = np.empty(m, dtype=np.int64)
        self.Xs_arr = np.empty((m, d))
        self.ws_arr = np.empty(m)
        cdef uint64_t[::1] spread = spread_arr, codes = codes_arr
        cdef double[::1] lo0 = lo0_arr, sc = sc_arr
        self.perm = self.perm_arr
        self.Xs = self.Xs_arr
        self.ws = self.ws_arr
        for v in range(_GRID):  # bits of v, d apart
            for b in range(8):
                if (v >> b) & 1:
                    spread[v] |= (<uint64_t>1) << (b * d)
        hi_arr = np.empty(d)
        cdef double[::1] hi0 = hi_arr
        box_of(&X[0, 0], m, d, &lo0[0], &hi0[0])
        for c in range(d):
            sc[c] = _GRID / (hi0[c] - lo0[c]) if hi0[c] > lo0[c] else 0.0
        bd.X = &X[0, 0]
        bd.w = &w[0]
        bd.m = m
        bd.d = d
        bd.spread = &spread[0]
        bd.lo0 = &lo0[0]
        bd.sc = &sc[0]
        bd.codes = &codes[0]
        bd.perm = &self.perm[0]
        bd.Xs = &self.Xs[0, 0]
        bd.ws = &self.ws[0]
        with nogil:
            parallel_for(_morton_task, &bd, (m + _BLOCK - 1) // _BLOCK, 0)
            status = radix_sort(&codes[0], m, nb, &codes[0], &self.perm[0])
            if status == 0:
                parallel_for(_gather_task, &bd, (m + _BLOCK - 1) // _BLOCK, 0)
        if status:
            raise MemoryError()
        self._nodes(codes, nb)

    cdef _nodes(self, const uint64_t[::1] codes, int nb):
        """Split the Morton-ordered points into nodes; boxes and sums bottom-up."""
        cdef Py_ssize_t m = self.m, d = self.d, N = 2 * m, nn = 1, sp = 1, nleaf = 0
        cdef Py_ssize_t nd, s0, e0, p, a, b, mid, l, c, q
        cdef int64_t bit
        cdef double v
        start_arr = np.empty(N, dtype=np.int64)
        end_arr = np.empty(N, dtype=np.int64)
        left_arr = np.empty(N, dtype=np.int64)
        nbit_arr = np.empty(N, dtype=np.int64)
        depth_arr = np.empty(N, dtype=np.int64)
        leaves_arr = np.empty(N, dtype=np.int64)
        stack_arr = np.empty(N, dtype=np.int64)
        cdef int64_t[::1] start = start_arr, end = end_arr, left = left_arr, nbit = nbit_arr, depth = depth_arr
        cdef int64_t[::1] leaves = leaves_arr, stack = stack_arr
        cdef Py_ssize_t maxdepth = 0
        with nogil:
            start[0] = 0
            end[0] = m
            left[0] = -1
            nbit[0] = nb - 1
            depth[0] = 0
            stack[0] = 0
            while sp > 0:
                sp -= 1
                nd = stack[sp]
                maxdepth = max(maxdepth, <Py_ssize_t>depth[nd])
                s0 = start[nd]
                e0 = end[nd]
                if e0 - s0 <= LEAF:
                    leaves[nleaf] = nd
                    nleaf += 1
                    continue
                bit = nbit[nd]
                p = s0
                while bit >= 0:
                    # codes of the range share the bits above `bit`: the ones with it set come last
                    a = s0
                    b = e0
                    while a < b:
                        mid = (a + b) >> 1
                        if (codes[mid] >> bit) & 1:
                            b = mid
                        else:
                            a = mid + 1
                    p = a
                    if s0 < p < e0:
                        break
                    bit -= 1
                if bit < 0:  # all in one grid cell: halve by position (the boxes are exact anyway)
                    p = (s0 + e0) >> 1
                l = nn
                nn += 2
                start[l] = s0
                end[l] = p
                start[l + 1] = p
                end[l + 1] = e0
                left[l] = -1
                left[l + 1] = -1
                nbit[l] = bit - 1
                nbit[l + 1] = bit - 1
                depth[l] = depth[nd] + 1
                depth[l + 1] = depth[nd] + 1
                left[nd] = l
                stack[sp] = l + 1
                stack[sp + 1] = l
                sp += 2
        self.nn = nn
        self.maxdepth = maxdepth
        self.start_arr = start_arr[:nn]
        self.end_arr = end_arr[:nn]
        self.left_arr = left_arr[:nn]
        self.start = self.start_arr
        self.end = self.end_arr
        self.left = self.left_arr
        self.lo_arr = np.empty((nn, d))
        self.hi_arr = np.empty((nn, d))
        self.NS_arr = np.empty((nn, d))
        self.NW_arr = np.empty(nn)
        self.bn2_arr = np.zeros(nn)
        self.lo = self.lo_arr
        self.hi = self.hi_arr
        self.NS = self.NS_arr
        self.NW = self.NW_arr
        self.bn2 = self.bn2_arr
        cdef _Leaves L
        L.leaves = &leaves[0]
        L.nleaf = nleaf
        L.d = d
        L.start = &start[0]
        L.end = &end[0]
        L.Xs = &self.Xs[0, 0]
        L.ws = &self.ws[0]
        L.lo = &self.lo[0, 0]
        L.hi = &self.hi[0, 0]
        L.NS = &self.NS[0, 0]
        L.NW = &self.NW[0]
        with nogil:
            parallel_for(_leaf_task, &L, (nleaf + _LEAVES - 1) // _LEAVES, 0)
            for nd in range(nn - 1, -1, -1):
                l = left[nd]
                if l >= 0:
                    self.NW[nd] = self.NW[l] + self.NW[l + 1]
                    for c in range(d):
                        self.NS[nd, c] = self.NS[l, c] + self.NS[l + 1, c]
                        self.lo[nd, c] = min(self.lo[l, c], self.lo[l + 1, c])
                        self.hi[nd, c] = max(self.hi[l, c], self.hi[l + 1, c])
                for c in range(d):
                    self.bn2[nd] += max(self.lo[nd, c] * self.lo[nd, c], self.hi[nd, c] * self.hi[nd, c])
