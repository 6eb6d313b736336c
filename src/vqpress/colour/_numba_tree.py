"""The tree of the points that the tree Lloyd kernel walks
(:mod:`vqpress.colour._numba_filter`), built with numba.

The points are sorted along a Morton (Z-order) curve on a 256-level grid over their
bounding box, and split where the next bit of that order changes, down to leaves of at most
``_LEAF`` points; every node holds the bounding box of its points and their weighted sums.
The Morton codes, the gathered points and the leaves' boxes are computed on numba's
threads. Imported lazily, like every ``_numba_*`` module (see
:func:`vqpress.colour._backend.kernels`).
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_order import _radix_order

_LEAF = 16  # most points in a leaf (4 and 8 were slower)
_GRID = 256  # levels per axis of the grid that orders the points


@numba.njit(cache=True, nogil=True, parallel=True)
def _morton_codes(X):
    """Morton (Z-order) code of every row of X on a ``_GRID``-level grid over X's bounding
    box, and the number of bits they use; computed on numba's threads."""
    m, d = X.shape
    spread = np.zeros(_GRID, dtype=np.uint64)  # bits of v, d apart
    for v in range(_GRID):
        s = np.uint64(0)
        for b in range(8):
            if (v >> b) & 1:
                s |= np.uint64(1) << np.uint64(b * d)
        spread[v] = s
    lo0 = np.empty(d)
    sc = np.empty(d)
    for c in range(d):
        a = X[:, c].min()
        b = X[:, c].max()
        lo0[c] = a
        sc[c] = _GRID / (b - a) if b > a else 0.0
    codes = np.empty(m, dtype=np.uint64)
    nblk = 64
    for blk in numba.prange(nblk):
        for i in range(blk * m // nblk, (blk + 1) * m // nblk):
            code = np.uint64(0)
            for c in range(d):
                v = (X[i, c] - lo0[c]) * sc[c]
                q = 0
                if v >= _GRID - 1:
                    q = _GRID - 1
                elif v > 0.0:  # (not NaN: a span that overflows gives inf * 0)
                    q = int(v)
                code |= spread[q] << np.uint64(d - 1 - c)
            codes[i] = code
    return codes, 8 * d


@numba.njit(cache=True, nogil=True, parallel=True)
def _gather(perm, X, w):
    """Rows of X and w in the order ``perm``, on numba's threads."""
    m, d = X.shape
    Xs = np.empty((m, d))
    ws = np.empty(m)
    nblk = 64
    for blk in numba.prange(nblk):
        for i in range(blk * m // nblk, (blk + 1) * m // nblk):
            p = perm[i]
            ws[i] = w[p]
            for c in range(d):
                Xs[i, c] = X[p, c]
    return Xs, ws


@numba.njit(cache=True, nogil=True, parallel=True)
def _leaf_boxes(leaves, nleaf, start, end, Xs, ws, lo, hi, NS, NW):
    """Bounding box and weighted sums of the points of every leaf, on numba's threads."""
    d = Xs.shape[1]
    for t in numba.prange(nleaf):
        nd = leaves[t]
        NW[nd] = 0.0
        for c in range(d):
            lo[nd, c] = np.inf
            hi[nd, c] = -np.inf
            NS[nd, c] = 0.0
        for q in range(start[nd], end[nd]):
            NW[nd] += ws[q]
            for c in range(d):
                v = Xs[q, c]
                NS[nd, c] += ws[q] * v
                lo[nd, c] = min(lo[nd, c], v)
                hi[nd, c] = max(hi[nd, c], v)


@numba.njit(cache=True, nogil=True)
def build_tree(X, w):
    """Tree of the rows of X (m, d) and weights w: returns the points and weights in tree
    order, the permutation (tree position -> row of X) and the node arrays ``start, end``
    (range of tree positions), ``left`` (first child, the second is ``left + 1``; -1 for a
    leaf), ``lo, hi`` (bounding box of the node's points), ``bn2`` (largest |p|^2 over
    the box), ``NS, NW`` (weighted sums) and the tree's depth. Children are numbered after
    their parent."""
    m, d = X.shape
    codes, nb = _morton_codes(X)
    perm, codes = _radix_order(codes, nb)
    Xs, ws = _gather(perm, X, w)
    N = 2 * m  # nodes, at most; every array entry below is written before it is read
    start = np.empty(N, dtype=np.int64)
    end = np.empty(N, dtype=np.int64)
    left = np.empty(N, dtype=np.int64)
    nbit = np.empty(N, dtype=np.int64)
    depth = np.empty(N, dtype=np.int64)
    leaves = np.empty(N, dtype=np.int64)
    nleaf = 0
    start[0] = 0
    end[0] = m
    left[0] = -1
    nbit[0] = nb - 1
    depth[0] = 0
    nn = 1
    stack = np.empty(N, dtype=np.int64)
    stack[0] = 0
    sp = 1
    maxdepth = 0
    one = np.uint64(1)
    while sp > 0:
        sp -= 1
        nd = stack[sp]
        maxdepth = max(maxdepth, depth[nd])
        s0 = start[nd]
        e0 = end[nd]
        if e0 - s0 <= _LEAF:
            leaves[nleaf] = nd
            nleaf += 1
            continue
        bit = nbit[nd]
        p = s0
        while bit >= 0:
            # codes of the range share the bits above `bit`: the ones with it set come last
            a = s0
            b = e0
            bb = np.uint64(bit)
            while a < b:
                mid = (a + b) >> 1
                if (codes[mid] >> bb) & one:
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
        r = nn + 1
        nn += 2
        start[l] = s0
        end[l] = p
        start[r] = p
        end[r] = e0
        left[l] = -1
        left[r] = -1
        nbit[l] = bit - 1
        nbit[r] = bit - 1
        depth[l] = depth[nd] + 1
        depth[r] = depth[nd] + 1
        left[nd] = l
        stack[sp] = r
        stack[sp + 1] = l
        sp += 2
    lo = np.empty((nn, d))
    hi = np.empty((nn, d))
    NS = np.empty((nn, d))
    NW = np.empty(nn)
    bn2 = np.zeros(nn)
    _leaf_boxes(leaves, nleaf, start, end, Xs, ws, lo, hi, NS, NW)
    for nd in range(nn - 1, -1, -1):
        l = left[nd]
        if l >= 0:
            NW[nd] = NW[l] + NW[l + 1]
            for c in range(d):
                NS[nd, c] = NS[l, c] + NS[l + 1, c]
                lo[nd, c] = min(lo[l, c], lo[l + 1, c])
                hi[nd, c] = max(hi[l, c], hi[l + 1, c])
        for c in range(d):
            bn2[nd] += max(lo[nd, c] * lo[nd, c], hi[nd, c] * hi[nd, c])
    return (Xs, ws, perm, start[:nn], end[:nn], left[:nn], lo, hi, bn2, NS, NW, maxdepth)
