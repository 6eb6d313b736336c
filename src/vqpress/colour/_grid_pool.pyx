"""Coresets by grid pooling: weighted points pooled into the bins of a regular grid over
their bounding box, one weighted mean per occupied bin (see ``vqpress.colour.coreset``).

Bins are numbered row-major over the axes; the occupied ones get rows in that order. Only
occupied bins are ever listed, so a fine grid of millions of bins costs no more than the
points in it.
"""

import numpy as np

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc

from vqpress.colour._common cimport bits_of, box_of, radix_sort

cdef enum:
    _DENSE_MAX = 1 << 24  # grids up to this many bins are indexed directly; larger ones sorted


cdef void _cells(const double[:, ::1] X, int64_t cells, int64_t[:, ::1] idx) noexcept nogil:
    """The cell of every point along every axis (OUT ``idx`` (m, d)), in a grid of ``cells``
    per axis over the points' bounding box."""
    cdef Py_ssize_t m = X.shape[0], d = X.shape[1], i, c
    cdef double lo[8]
    cdef double hi[8]
    cdef double scale
    box_of(&X[0, 0], m, d, lo, hi)
    for c in range(d):
        scale = cells / (hi[c] - lo[c]) if hi[c] > lo[c] else <double>cells
        for i in range(m):
            idx[i, c] = min(<int64_t>((X[i, c] - lo[c]) * scale), cells - 1)


cdef _check(Py_ssize_t m, Py_ssize_t d):
    if not 1 <= d <= 8 or m < 1:
        raise ValueError(f"grid pooling takes 1 to 8 coordinates and at least one point; got shape {(m, d)}")


cdef _means(const double[:, ::1] X, const double[::1] w, int64_t[::1] bin_of, Py_ssize_t nz):
    """The coreset of the bins ``bin_of`` (m,) IN, all of 0..nz-1 occupied: the weighted
    mean and the weight of every bin, summed in point order."""
    cdef Py_ssize_t m = X.shape[0], d = X.shape[1], i, c, b
    points_arr = np.zeros((nz, d))
    W_arr = np.zeros(nz)
    cdef double[:, ::1] S = points_arr
    cdef double[::1] W = W_arr
    with nogil:
        for i in range(m):
            b = bin_of[i]
            W[b] += w[i]
            for c in range(d):
                S[b, c] += w[i] * X[i, c]
        for b in range(nz):
            for c in range(d):
                S[b, c] /= W[b]
    return points_arr, W_arr, np.asarray(bin_of)


cdef Py_ssize_t _rank_dense(const int64_t[::1] key, int64_t nkeys, int64_t[::1] bin_of) except -1:
    """Row of every point's key among the occupied keys, in key order (a table of ``nkeys``)."""
    cdef Py_ssize_t m = key.shape[0], i, b, nz = 0
    rank_arr = np.full(nkeys, -1, dtype=np.int64)
    cdef int64_t[::1] rank = rank_arr
    with nogil:
        for i in range(m):
            rank[key[i]] = 0
        for b in range(nkeys):
            if rank[b] == 0:
                rank[b] = nz
                nz += 1
        for i in range(m):
            bin_of[i] = rank[key[i]]
    return nz


cdef Py_ssize_t _rank_sorted(const int64_t[::1] key, int nbits, int64_t[::1] bin_of) except -1:
    """:func:`_rank_dense` by sorting the keys, for grids too large for a table."""
    cdef Py_ssize_t m = key.shape[0], i, nz = 0
    srt_arr = np.empty(m, dtype=np.uint64)
    order_arr = np.empty(m, dtype=np.int64)
    cdef uint64_t[::1] srt = srt_arr
    cdef int64_t[::1] order = order_arr
    cdef int status
    with nogil:
        status = radix_sort(<const uint64_t *>&key[0], m, nbits, &srt[0], &order[0])
        if status == 0:
            for i in range(m):
                if i > 0 and srt[i] != srt[i - 1]:
                    nz += 1
                bin_of[order[i]] = nz
    if status:
        raise MemoryError()
    return nz + 1


def grid_pool(const double[:, ::1] X, const double[::1] w, int64_t cells):
    """Pool weighted points into ``cells`` bins per axis over their bounding box.

    Parameters
    ----------
    X : (m, d) float64, IN
        Points, m >= 1.
    w : (m,) float64, IN
        Positive weights.
    cells : int
        Bins per axis.

    Returns
    -------
    points : (b, d) float64
        Weighted mean of every occupied bin, bins in row-major order.
    weights : (b,) float64
        Total weight of every occupied bin.
    bin_of : (m,) int64
        Row of ``points`` each point was pooled into.
    """
    cdef Py_ssize_t m = X.shape[0], d = X.shape[1], i, c
    _check(m, d)
    idx_arr = np.empty((m, d), dtype=np.int64)
    key_arr = np.zeros(m, dtype=np.int64)
    bin_arr = np.empty(m, dtype=np.int64)
    cdef int64_t[:, ::1] idx = idx_arr
    cdef int64_t[::1] key = key_arr, bin_of = bin_arr
    cdef int64_t nkeys = cells ** d
    with nogil:
        _cells(X, cells, idx)
        for i in range(m):
            for c in range(d):
                key[i] = key[i] * cells + idx[i, c]
    if nkeys <= _DENSE_MAX:
        nz = _rank_dense(key, nkeys, bin_of)
    else:
        nz = _rank_sorted(key, bits_of(nkeys - 1), bin_of)
    return _means(X, w, bin_of, nz)


cdef Py_ssize_t _search(const uint64_t[::1] a, uint64_t v) noexcept nogil:
    """Position of ``v`` in the ascending array ``a`` (it is there)."""
    cdef Py_ssize_t lo = 0, hi = a.shape[0], mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


def refined_pool(const double[:, ::1] X, const double[::1] w, int64_t cells, int64_t k):
    """Pool points into ``cells`` bins per axis, except that the bins holding more than
    ``1/k`` of the total within-bin squared error are split in two along every axis.

    Arguments as :func:`grid_pool` (``k`` the palette size the coreset is for); returns
    ``(points, weights, bin_of)`` with the light coarse bins first (row-major), then the
    sub-bins of the split ones in the row-major order of the fine grid: the same bins, sums
    and order as pooling on the two dense grids.
    """
    cdef Py_ssize_t m = X.shape[0], d = X.shape[1], i, c, j, b
    cdef int64_t fine = 2 * cells, nb = cells ** d, f, sub, o, nocc = 0, nlight = 0, nheavy = 0, ns = 1 << d
    cdef double t, total = 0.0, v
    cdef int status = 0
    _check(m, d)
    idx_arr = np.empty((m, d), dtype=np.int64)
    base_arr = np.zeros(m, dtype=np.int64)
    rank_arr = np.full(nb, -1, dtype=np.int64)
    occ_arr = np.empty(m, dtype=np.uint64)
    bin_arr = np.empty(m, dtype=np.int64)
    cdef int64_t[:, ::1] idx = idx_arr
    cdef int64_t[::1] base = base_arr, rank = rank_arr, bin_of = bin_arr
    cdef uint64_t[::1] occ = occ_arr
    with nogil:
        _cells(X, fine, idx)
        for i in range(m):
            for c in range(d):
                base[i] = base[i] * cells + idx[i, c] // 2
        # the occupied coarse bins, in key order
        for i in range(m):
            if rank[base[i]] < 0:
                rank[base[i]] = 0
                occ[nocc] = base[i]
                nocc += 1
        status = radix_sort(&occ[0], nocc, bits_of(nb - 1), &occ[0], NULL)
    if status:
        raise MemoryError()
    W_arr = np.zeros(nocc)
    S_arr = np.zeros((nocc, d))
    Q_arr = np.zeros(nocc)
    sse_arr = np.empty(nocc)
    out_arr = np.empty(nocc, dtype=np.int64)
    cdef double[::1] W = W_arr, Q = Q_arr, sse = sse_arr
    cdef double[:, ::1] S = S_arr
    cdef int64_t[::1] out = out_arr
    with nogil:
        for j in range(nocc):
            rank[occ[j]] = j
        for i in range(m):
            b = rank[base[i]]
            W[b] += w[i]
            for c in range(d):
                v = w[i] * X[i, c]
                S[b, c] += v
                Q[b] += v * X[i, c]
        for b in range(nocc):
            t = 0.0
            for c in range(d):
                t += S[b, c] * S[b, c]
            sse[b] = max(Q[b] - t / W[b], 0.0)
            total += sse[b]
        # output rows: the light coarse bins in key order, then the fine bins of the heavy
        # ones (each heavy bin has 2**d sub-bins, "slots"), in key order of the fine grid
        for b in range(nocc):
            if sse[b] > total / k:
                out[b] = -1 - nheavy
                nheavy += 1
            else:
                out[b] = nlight
                nlight += 1
    slot_key_arr = np.full(nheavy * ns, -1, dtype=np.int64)
    cdef int64_t[::1] slot_key = slot_key_arr
    with nogil:
        for i in range(m):
            o = out[rank[base[i]]]
            if o >= 0:
                bin_of[i] = o
            else:
                sub = 0
                f = 0
                for c in range(d):
                    sub = 2 * sub + (idx[i, c] & 1)
                    f = f * fine + idx[i, c]
                slot_key[(-1 - o) * ns + sub] = f
                bin_of[i] = -1 - ((-1 - o) * ns + sub)
    used_arr = np.ascontiguousarray(slot_key_arr[slot_key_arr >= 0].astype(np.uint64))
    cdef uint64_t[::1] used = used_arr
    cdef Py_ssize_t nused = used.shape[0]
    slot_row_arr = np.empty(slot_key.shape[0], dtype=np.int64)
    cdef int64_t[::1] slot_row = slot_row_arr
    with nogil:
        if nused:
            status = radix_sort(&used[0], nused, bits_of(<uint64_t>(fine ** d) - 1), &used[0], NULL)
        if status == 0:
            for j in range(slot_key.shape[0]):
                if slot_key[j] >= 0:
                    slot_row[j] = nlight + _search(used, <uint64_t>slot_key[j])
            for i in range(m):
                if bin_of[i] < 0:
                    bin_of[i] = slot_row[-1 - bin_of[i]]
    if status:
        raise MemoryError()
    return _means(X, w, bin_of, nlight + nused)
