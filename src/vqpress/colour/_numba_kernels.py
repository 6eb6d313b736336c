"""Compiled kernels for colour quantization (numba).

This module imports numba at the top, so it must only ever be imported lazily, from
:func:`vqpress.colour._backend.kernels`. It holds the exact nearest-centre assignment
(Orchard's search), the variance-minimising box split, the radix-sort colour histogram and
the grid pooling of coresets; the two Lloyd kernels live in
:mod:`vqpress.colour._numba_lloyd` and :mod:`vqpress.colour._numba_filter` and are
re-exported here, so that ``kernels()`` hands out one module. Every kernel is
deterministic and works in float64 with no ``fastmath``.
Squared distances are always computed as ``(x0 - c0)**2 + (x1 - c1)**2 + ...`` left to
right, the same formula as the numpy fallback, so both back ends return identical codes.

References
----------
.. [1] M. T. Orchard, "A fast nearest-neighbor search algorithm", ICASSP 1991.
.. [2] X. Wu, "Efficient statistical computations for optimal color quantization",
   Graphics Gems II, 1991 (variance-minimising box splits).
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_order import _argsort_stable, _d2, _radix_order, centre_order

_EPS = 1e-9  # relative safety margin on triangle-inequality bounds (>> float64 rounding)
_PAR_CUT = 256  # the variance split searches the cuts of two new boxes at once from this size


@numba.njit(cache=True, nogil=True)
def _search(X, i, C, g, order, sdist):
    """Exact nearest centre of point i, starting from guess g (Orchard's search).

    Returns (best index, best squared distance, lower bound on the distance to any other
    centre). Ties go to the lowest index.
    """
    k = C.shape[0]
    dg2 = _d2(X, i, C, g)
    dg = np.sqrt(dg2)
    best = g
    best2 = dg2
    second2 = np.inf
    rest = np.inf
    for t in range(1, k):
        D = sdist[g, t]
        bd = np.sqrt(best2)
        if D - dg > bd + _EPS * (D + dg + bd):
            # every remaining centre c has |x - c| >= D - dg > best distance
            rest = D - dg
            break
        c = order[g, t]
        dc2 = _d2(X, i, C, c)
        if dc2 < best2 or (dc2 == best2 and c < best):
            second2 = best2
            best = c
            best2 = dc2
        elif dc2 < second2:
            second2 = dc2
    low = np.sqrt(second2)
    if rest < low:
        low = rest
    return best, best2, low


@numba.njit(cache=True, nogil=True)
def assign(X, C, guess, labels, dist2):
    """Exact nearest centre for every row of X; writes labels and squared distances."""
    order, sdist = centre_order(C, False)
    for i in range(X.shape[0]):
        b, b2, _ = _search(X, i, C, guess[i], order, sdist)
        labels[i] = b
        dist2[i] = b2


@numba.njit(cache=True, nogil=True)
def weighted_sse(X, w, C, labels):
    """Sum over the rows of X of ``w * |x - C[label]|^2``."""
    s = 0.0
    for i in range(X.shape[0]):
        s += w[i] * _d2(X, i, C, labels[i])
    return s


@numba.njit(cache=True, nogil=True)
def _best_cut(X, w, P, s, e):
    """Best variance-reducing axis-aligned cut of the box of points ``P[ax, s:e]`` (each
    row of P lists the box's points sorted along that axis); X has 3 or 4 columns.

    Returns (gain, axis, n_left): the cut puts the ``n_left`` first points along ``axis``
    on the left, always between two distinct coordinates; axis -1 when no cut reduces
    the squared error.

    The running sums are scalars, not an array, so that they stay in registers (through
    memory, each point waited for the previous one's store); they are added in the same
    order as a loop over the channels would, so the gains are the same to the bit.
    """
    d = X.shape[1]
    W = 0.0
    S0 = S1 = S2 = S3 = 0.0
    for t in range(s, e):
        i = P[0, t]
        W += w[i]
        S0 += w[i] * X[i, 0]
        S1 += w[i] * X[i, 1]
        S2 += w[i] * X[i, 2]
        if d > 3:
            S3 += w[i] * X[i, 3]
    base = S0 * S0 + S1 * S1 + S2 * S2
    if d > 3:
        base += S3 * S3
    base /= W
    best_gain = 0.0
    best_axis = -1
    best_n = 0
    for ax in range(d):
        WL = 0.0
        L0 = L1 = L2 = L3 = 0.0
        i = P[ax, s]
        for t in range(s, e - 1):
            wi = w[i]
            WL += wi
            L0 += wi * X[i, 0]
            L1 += wi * X[i, 1]
            L2 += wi * X[i, 2]
            if d > 3:
                L3 += wi * X[i, 3]
            j = P[ax, t + 1]
            if X[j, ax] == X[i, ax]:
                i = j
                continue  # only cut between distinct values along the axis
            i = j
            WR = W - WL
            if WR <= 0.0:
                continue
            l2 = L0 * L0 + L1 * L1 + L2 * L2
            r0 = S0 - L0
            r1 = S1 - L1
            r2 = S2 - L2
            rr = r0 * r0 + r1 * r1 + r2 * r2
            if d > 3:
                l2 += L3 * L3
                r3 = S3 - L3
                rr += r3 * r3
            gain = l2 / WL + rr / WR - base
            if gain > best_gain:
                best_gain = gain
                best_axis = ax
                best_n = t + 1 - s
    return best_gain, best_axis, best_n


@numba.njit(cache=True, nogil=True, parallel=True)
def _axis_orders(X):
    """Row ``ax``: the points in stable ascending order along axis ``ax`` (on numba's
    threads)."""
    m, d = X.shape
    P = np.empty((d, m), dtype=np.int64)
    for ax in numba.prange(d):
        P[ax] = _argsort_stable(X[:, ax].copy(), m)
    return P


@numba.njit(cache=True, nogil=True, parallel=True)
def _cut_pair(X, w, P, starts, ends, gains, axes, nleft, b0, b1):
    """:func:`_best_cut` of boxes b0 and b1 at once, on numba's threads."""
    for q in numba.prange(2):
        j = b0 if q == 0 else b1
        g, a, nl = _best_cut(X, w, P, starts[j], ends[j])
        gains[j] = g
        axes[j] = a
        nleft[j] = nl


@numba.njit(cache=True, nogil=True)
def variance_split(X, w, k):
    """Split the weighted points into up to k boxes, always cutting the box whose best
    axis-aligned cut removes the most squared error (Wu's criterion). Returns the box label
    of each point and the number of boxes.

    The points are sorted along every axis once; a box is a range of those sorted lists,
    and a cut partitions the range of the other axes stably, so each cut costs time in
    proportion to the box's size (no sorting after the first). The best cuts of the two
    boxes a cut makes are searched on two threads at once (same results: the boxes are
    independent).
    """
    m, d = X.shape
    P = _axis_orders(X)
    starts = np.zeros(k, dtype=np.int64)
    ends = np.zeros(k, dtype=np.int64)
    gains = np.zeros(k)
    axes = np.zeros(k, dtype=np.int64)
    nleft = np.zeros(k, dtype=np.int64)
    ends[0] = m
    g, a, nl = _best_cut(X, w, P, 0, m)
    gains[0] = g
    axes[0] = a
    nleft[0] = nl
    nbox = 1
    left = np.zeros(m, dtype=np.bool_)
    tmp = np.empty(m, dtype=np.int64)
    while nbox < k:
        b = -1
        bg = 0.0
        for j in range(nbox):
            if axes[j] >= 0 and gains[j] > bg:
                bg = gains[j]
                b = j
        if b < 0:
            break
        s = starts[b]
        e = ends[b]
        ax = axes[b]
        mid = s + nleft[b]
        for t in range(s, e):
            left[P[ax, t]] = t < mid
        for ax2 in range(d):
            if ax2 == ax:
                continue
            q = s
            r = 0
            for t in range(s, e):
                i = P[ax2, t]
                if left[i]:
                    P[ax2, q] = i
                    q += 1
                else:
                    tmp[r] = i
                    r += 1
            for t in range(r):
                P[ax2, q + t] = tmp[t]
        ends[b] = mid
        starts[nbox] = mid
        ends[nbox] = e
        if e - s >= _PAR_CUT:
            _cut_pair(X, w, P, starts, ends, gains, axes, nleft, b, nbox)
        else:
            for j in (b, nbox):
                g, a, nl = _best_cut(X, w, P, starts[j], ends[j])
                gains[j] = g
                axes[j] = a
                nleft[j] = nl
        nbox += 1
    labels = np.empty(m, dtype=np.int64)
    for j in range(nbox):
        for t in range(starts[j], ends[j]):
            labels[P[0, t]] = j
    return labels, nbox


@numba.njit(cache=True, nogil=True)
def key_histogram(keys):
    """Distinct values of a 1-D unsigned integer array, ascending, and how often each occurs.

    An LSD radix sort in 12-bit digits (``_radix_order``), as many passes as the largest key
    needs (two for 24-bit RGB keys), then one run-length pass. numpy's comparison sort of the 786,432 keys
    of the raccoon face takes about 25 ms on the development machine, this about 5 ms.
    """
    n = keys.shape[0]
    if n == 0:
        return keys.copy(), np.zeros(0, dtype=np.int64)
    top = keys.max()
    nbits = 0
    while nbits < 8 * keys.itemsize and (top >> keys.dtype.type(nbits)) > 0:
        nbits += 1
    src = _radix_order(keys, nbits, False)[1]
    m = 1
    for i in range(1, n):
        if src[i] != src[i - 1]:
            m += 1
    uniq = np.empty(m, dtype=src.dtype)
    counts = np.zeros(m, dtype=np.int64)
    j = 0
    uniq[0] = src[0]
    for i in range(n):
        if src[i] != uniq[j]:
            j += 1
            uniq[j] = src[i]
        counts[j] += 1
    return uniq, counts

@numba.njit(cache=True, nogil=True)
def _cells(X, cells):
    """Cell of every point along every axis, in a grid of ``cells`` per axis over the points'
    bounding box (the same arithmetic as ``_backend.grid_cells``)."""
    m, d = X.shape
    idx = np.empty((m, d), dtype=np.int64)
    for c in range(d):
        a = X[0, c]
        b = X[0, c]
        for i in range(m):
            if X[i, c] < a:
                a = X[i, c]
            if X[i, c] > b:
                b = X[i, c]
        scale = cells / (b - a) if b > a else float(cells)
        for i in range(m):
            idx[i, c] = min(int((X[i, c] - a) * scale), cells - 1)
    return idx


@numba.njit(cache=True, nogil=True)
def _pool(X, w, key, nkeys):
    """Weighted mean and weight of every non-empty key (in key order), and each point's row."""
    m, d = X.shape
    rank = np.full(nkeys, -1, dtype=np.int64)
    for i in range(m):
        rank[key[i]] = 0
    nz = 0
    for b in range(nkeys):
        if rank[b] == 0:
            rank[b] = nz
            nz += 1
    bin_of = np.empty(m, dtype=np.int64)
    for i in range(m):
        bin_of[i] = rank[key[i]]
    return _pool_rows(X, w, bin_of, nz)


@numba.njit(cache=True, nogil=True)
def grid_pool(X, w, cells):
    """Pool weighted points into ``cells`` bins per axis over their bounding box.

    Returns the weighted mean and total weight of every non-empty bin (in the row-major
    order of the bins) and the bin of every point: the same as
    :func:`vqpress.colour.coreset.grid_coreset`.
    """
    m, d = X.shape
    idx = _cells(X, cells)
    key = np.zeros(m, dtype=np.int64)
    for i in range(m):
        for c in range(d):
            key[i] = key[i] * cells + idx[i, c]
    return _pool(X, w, key, cells**d)


@numba.njit(cache=True, nogil=True)
def refined_pool(X, w, cells, k):
    """Pool points into a grid of ``cells`` bins per axis, except that the bins holding more
    than ``1/k`` of the total within-bin squared error are split in two along every axis:
    see :func:`vqpress.colour.coreset.refined_coreset`.

    Only the occupied bins are ever listed (the fine grid has ``(2 * cells)**C`` bins, some
    millions, of which at most ``2**C * k`` are used); bins, sums and their order are those
    of pooling on the dense grids.
    """
    m, d = X.shape
    fine = 2 * cells
    idx = _cells(X, fine)
    nb = cells**d
    base = np.zeros(m, dtype=np.int64)
    for i in range(m):
        for c in range(d):
            base[i] = base[i] * cells + idx[i, c] // 2
    # the occupied coarse bins, in key order
    rank = np.full(nb, -1, dtype=np.int64)
    occ = np.empty(m, dtype=np.uint64)
    nocc = 0
    for i in range(m):
        if rank[base[i]] < 0:
            rank[base[i]] = 0
            occ[nocc] = base[i]
            nocc += 1
    occ = _radix_order(occ[:nocc], _bit_length(nb), False)[1]
    for j in range(nocc):
        rank[occ[j]] = j
    W = np.zeros(nocc)
    S = np.zeros((nocc, d))
    Q = np.zeros(nocc)
    for i in range(m):
        b = rank[base[i]]
        W[b] += w[i]
        for c in range(d):
            v = w[i] * X[i, c]
            S[b, c] += v
            Q[b] += v * X[i, c]
    total = 0.0
    sse = np.empty(nocc)
    for b in range(nocc):
        t = 0.0
        for c in range(d):
            t += S[b, c] * S[b, c]
        sse[b] = max(Q[b] - t / W[b], 0.0)
        total += sse[b]
    # output rows: the light coarse bins in key order, then the fine bins of the heavy ones
    # (each heavy bin has 2**d sub-bins, "slots"), in key order of the fine grid
    out = np.empty(nocc, dtype=np.int64)
    nlight = 0
    nheavy = 0
    for b in range(nocc):
        if sse[b] > total / k:
            out[b] = -1 - nheavy
            nheavy += 1
        else:
            out[b] = nlight
            nlight += 1
    ns = 1 << d
    slot_key = np.full(nheavy * ns, -1, dtype=np.int64)
    bin_of = np.empty(m, dtype=np.int64)
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
    used = _radix_order(slot_key[slot_key >= 0].astype(np.uint64), _bit_length(fine**d), False)[1]
    nused = used.shape[0]
    slot_row = np.empty(slot_key.shape[0], dtype=np.int64)
    for j in range(slot_key.shape[0]):
        if slot_key[j] >= 0:
            slot_row[j] = nlight + np.searchsorted(used, np.uint64(slot_key[j]))
    for i in range(m):
        if bin_of[i] < 0:
            bin_of[i] = slot_row[-1 - bin_of[i]]
    return _pool_rows(X, w, bin_of, nlight + nused)


@numba.njit(cache=True, nogil=True)
def _bit_length(n):
    """Bits needed to write every integer below ``n``."""
    b = 0
    while (1 << b) < n:
        b += 1
    return b


@numba.njit(cache=True, nogil=True)
def _pool_rows(X, w, bin_of, nz):
    """Weighted mean and weight of every bin ``0..nz-1`` (all occupied), summed in point order."""
    m, d = X.shape
    W = np.zeros(nz)
    S = np.zeros((nz, d))
    for i in range(m):
        b = bin_of[i]
        W[b] += w[i]
        for c in range(d):
            S[b, c] += w[i] * X[i, c]
    for b in range(nz):
        for c in range(d):
            S[b, c] /= W[b]
    return S, W, bin_of


from ._numba_filter import filter_lloyd, filter_lloyd_on  # noqa: E402,F401  (re-exported: one module of kernels)
from ._numba_lloyd import lloyd, lloyd_resume  # noqa: E402,F401
from ._numba_step import fresh_state  # noqa: E402,F401
from ._numba_tree import build_tree  # noqa: E402,F401
