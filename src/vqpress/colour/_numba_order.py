"""Compiled helpers about the centres (numba): distances, neighbours, and how far they moved.

The squared distance and stable argsort shared by the colour kernels, each centre's
neighbours by distance, and the per-iteration tables of the bounded Lloyd kernel
(:mod:`vqpress.colour._numba_lloyd`): rings of neighbours, exact centre distances, and the
net displacement of centres since each time slot. Imported lazily, like every ``_numba_*``
module (see :func:`vqpress.colour._backend.kernels`).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def _d2(X, i, C, j):
    s = 0.0
    for c in range(X.shape[1]):
        t = X[i, c] - C[j, c]
        s += t * t
    return s


@numba.njit(cache=True, nogil=True)
def _radix_order(key, nbits, with_order=True):
    """Stable ascending sort of the unsigned integer array ``key`` (its low ``nbits`` bits):
    returns the order (indices; an empty array without ``with_order``) and the sorted
    keys. An LSD radix sort in 12-bit digits, skipping the digits all keys share."""
    n = key.shape[0]
    o = np.arange(n if with_order else 0)
    k1 = key.copy()
    k2 = np.empty_like(k1)
    o2 = np.empty_like(o)
    cnt = np.zeros(4097, dtype=np.int64)
    mask = key.dtype.type(4095)
    for shift in range(0, nbits, 12):
        sh = key.dtype.type(shift)
        cnt[:] = 0
        for i in range(n):
            cnt[((k1[i] >> sh) & mask) + 1] += 1
        if cnt.max() == n:  # one digit value for all: the pass would not move anything
            continue
        for j in range(1, 4097):
            cnt[j] += cnt[j - 1]
        for i in range(n):
            dg = (k1[i] >> sh) & mask
            p = cnt[dg]
            cnt[dg] = p + 1
            k2[p] = k1[i]
            if with_order:
                o2[p] = o[i]
        k1, k2 = k2, k1
        o, o2 = o2, o
    return o, k1


@numba.njit(cache=True, nogil=True)
def _argsort_stable(a, n):
    """Indices that sort ``a[:n]`` (float64, no NaN) ascending, equal values in index order:
    the same as ``np.argsort(a[:n], kind="stable")``.

    A radix sort of the bit patterns, mapped so that their unsigned order is the numeric
    order (negative numbers: all bits flipped; others: sign bit set; -0.0 taken as 0.0).
    About 8x faster than a merge sort on 18,000 coreset points, and numba's ``np.argsort``
    takes seconds to compile.
    """
    key = np.empty(n, dtype=np.uint64)
    bits = a[:n].view(np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for i in range(n):
        v = bits[i]
        if v == sign:  # -0.0
            v = np.uint64(0)
        key[i] = ~v if v & sign else v | sign
    return _radix_order(key, 64)[0]


#: Neighbours sorted exactly per centre; the others follow in index order (a search around a
#: centre rarely goes further, and a full sort costs ten times more for 256 centres).
ORDER_DEPTH = 48


@numba.njit(cache=True, nogil=True, parallel=True)
def centre_order(C, par):
    """For each centre: the other centres by distance, and those distances.

    ``order[a, 0] == a``; ``order[a, 1:L + 1]`` are the ``L = min(k - 1, ORDER_DEPTH)``
    nearest other centres in ascending distance (ties by index), ``sdist[a, t]`` their
    distances. The remaining centres follow in index order, with ``sdist[a, t]`` set to
    ``sdist[a, L]``, a lower bound on their distances: a scan of ``order[a]`` that stops at
    the first ``sdist[a, t]`` above some radius has seen every centre within it. With
    ``par``, the rows are shared out among numba's threads.
    """
    k = C.shape[0]
    order = np.empty((k, k), dtype=np.int64)
    sdist = np.empty((k, k))
    if not par:
        _order_rows(C, 0, k, order, sdist)
    else:
        for blk in numba.prange(8):
            _order_rows(C, blk * k // 8, (blk + 1) * k // 8, order, sdist)
    return order, sdist


@numba.njit(cache=True, nogil=True)
def _order_rows(C, lo, hi, order, sdist):
    """Rows lo..hi-1 of :func:`centre_order`."""
    k = C.shape[0]
    L = min(k - 1, ORDER_DEPTH)
    bi = np.empty(L + 1, dtype=np.int64)
    bd = np.empty(L + 1)
    inb = np.zeros(k, dtype=np.bool_)
    for a in range(lo, hi):
        n = 0
        for c in range(k):
            if c == a:
                continue
            v = _d2(C, a, C, c)  # squared: the square roots are taken for the L kept
            if n < L:
                p = n
                n += 1
            elif v < bd[L - 1]:
                p = L - 1
            else:
                continue
            while p > 0 and bd[p - 1] > v:  # ties keep index order: c arrives in order
                bd[p] = bd[p - 1]
                bi[p] = bi[p - 1]
                p -= 1
            bd[p] = v
            bi[p] = c
        order[a, 0] = a
        sdist[a, 0] = 0.0
        for t in range(L):
            order[a, t + 1] = bi[t]
            sdist[a, t + 1] = np.sqrt(bd[t])
            inb[bi[t]] = True
        t = L + 1
        for c in range(k):
            if c != a and not inb[c]:
                order[a, t] = c
                sdist[a, t] = sdist[a, L]
                t += 1
        for q in range(L):
            inb[bi[q]] = False


@numba.njit(cache=True, nogil=True)
def rings(C, labels, X, Qmax, cover, par):
    """Per centre: the other centres by distance, and how many of them form its ring (those
    within ``cover`` cluster diameters, at most ``Qmax``; the clusters are those of the
    guessed labels). With ``par``, the centres are sorted on numba's threads."""
    k = C.shape[0]
    order, sdist = centre_order(C, par)
    rad = np.zeros(k)
    for i in range(X.shape[0]):
        a = labels[i]
        v = _d2(X, i, C, a)
        if v > rad[a]:
            rad[a] = v
    nring = np.empty(k, dtype=np.int64)
    for a in range(k):
        lim = 2.0 * cover * np.sqrt(rad[a])
        q = min(4, k - 1)
        while q < min(Qmax, k - 1) and sdist[a, q + 1] <= lim:
            q += 1
        nring[a] = q
    return order, sdist, nring


@numba.njit(cache=True, nogil=True, inline="always")
def _distances_after(C, CD, delta, a):
    """``CD[a, c]`` and ``CD[c, a]`` for the centres c after a (the same number: the two
    differences are exact negatives), where a or c moved."""
    k = C.shape[0]
    moved = delta[a] > 0.0
    for c in range(a + 1, k):
        if moved or delta[c] > 0.0:
            v = np.sqrt(_d2(C, a, C, c))
            CD[a, c] = v
            CD[c, a] = v


@numba.njit(cache=True, nogil=True, inline="always")
def _neighbourhood(CD, ofix, nring, gap, far, a):
    k = CD.shape[0]
    g = np.inf
    f = np.inf
    for t in range(1, k):
        v = CD[a, ofix[a, t]]
        if v < g:
            g = v
        if t > nring[a] and v < f:
            f = v
    gap[a] = g
    far[a] = f


@numba.njit(cache=True, nogil=True, parallel=True)
def neighbourhoods(C, CD, delta, ofix, nring, gap, far, par):
    """Exact centre distances after a step (the rows and columns of the centres that moved,
    ``delta > 0``), each centre's gap to its nearest other centre and its distance ``far``
    to the nearest centre outside its ring. On numba's threads when ``par`` (each task
    takes a short and a long row of the triangle, so that the tasks weigh the same)."""
    k = C.shape[0]
    if par:
        for p in numba.prange((k + 1) // 2):
            _distances_after(C, CD, delta, p)
            if k - 1 - p != p:
                _distances_after(C, CD, delta, k - 1 - p)
        for a in numba.prange(k):
            _neighbourhood(CD, ofix, nring, gap, far, a)
    else:
        for a in range(k):
            _distances_after(C, CD, delta, a)
        for a in range(k):
            _neighbourhood(CD, ofix, nring, gap, far, a)


@numba.njit(cache=True, nogil=True, inline="always")
def _shifts_of(C, hist, nslot, D, j):
    d = C.shape[1]
    for t in range(nslot):
        s = 0.0
        for c in range(d):
            u = C[j, c] - hist[t, j, c]
            s += u * u
        D[t, j] = np.sqrt(s)


@numba.njit(cache=True, nogil=True, inline="always")
def _ring_shifts(nslot, ofix, nring, D, ZR, TH, a):
    for t in range(nslot):
        mx = 0.0
        for q in range(1, nring[a] + 1):
            v = D[t, ofix[a, q]]
            if v > mx:
                mx = v
        ZR[t, a] = mx
        TH[t, a] = D[t, a] + mx


@numba.njit(cache=True, nogil=True, parallel=True)
def net_shifts(C, hist, nslot, ofix, nring, D, ZR, TH, G, par):
    """Per time slot t: D[t, c] net displacement of centre c since then, ZR[t, a] the largest
    among the centres of a's ring, TH[t, a] = D[t, a] + ZR[t, a], G[t] the largest of all.
    On numba's threads when ``par``."""
    k = C.shape[0]
    if par:
        for j in numba.prange(k):
            _shifts_of(C, hist, nslot, D, j)
        for a in numba.prange(k):
            _ring_shifts(nslot, ofix, nring, D, ZR, TH, a)
    else:
        for j in range(k):
            _shifts_of(C, hist, nslot, D, j)
        for a in range(k):
            _ring_shifts(nslot, ofix, nring, D, ZR, TH, a)
    for t in range(nslot):
        g = 0.0
        for j in range(k):
            if D[t, j] > g:
                g = D[t, j]
        G[t] = g
