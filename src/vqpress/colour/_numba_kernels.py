"""Compiled kernels for colour quantization (numba).

This module imports numba at the top, so it must only ever be imported lazily, from
:func:`vqpress.colour._backend.kernels`. Every kernel is deterministic: loops run in a fixed
order, on one thread, in float64, with no ``fastmath``. Squared distances are always computed
as ``(x0 - c0)**2 + (x1 - c1)**2 + ...`` left to right, the same formula as the numpy
fallback, so both back ends return identical codes.

References
----------
.. [1] M. T. Orchard, "A fast nearest-neighbor search algorithm", ICASSP 1991.
.. [2] G. Hamerly, "Making k-means even faster", SIAM SDM 2010.
.. [3] X. Wu, "Efficient statistical computations for optimal color quantization",
   Graphics Gems II, 1991 (variance-minimising box splits).
"""

from __future__ import annotations

import numba
import numpy as np

_EPS = 1e-9  # relative safety margin on triangle-inequality bounds (>> float64 rounding)
_ORDER_SLACK = 4.0  # recompute the centre order once some centre moved this far since


@numba.njit(cache=True, nogil=True)
def _d2(X, i, C, j):
    s = 0.0
    for c in range(X.shape[1]):
        t = X[i, c] - C[j, c]
        s += t * t
    return s


@numba.njit(cache=True, nogil=True)
def _argsort_stable(a, n):
    """Indices that sort ``a[:n]`` ascending, equal values in index order: the same as
    ``np.argsort(a[:n], kind="mergesort")`` (a bottom-up merge sort written out because
    numba's ``np.argsort`` takes seconds to compile on first use).
    """
    o = np.arange(n)
    tmp = np.empty(n, dtype=np.int64)
    width = 16
    for lo in range(0, n, width):  # stable insertion sort of runs of `width`
        hi = min(lo + width, n)
        for j in range(lo + 1, hi):
            v = o[j]
            key = a[v]
            t = j
            while t > lo and a[o[t - 1]] > key:
                o[t] = o[t - 1]
                t -= 1
            o[t] = v
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            t = lo
            while i < mid and j < hi:
                if a[o[j]] < a[o[i]]:
                    tmp[t] = o[j]
                    j += 1
                else:
                    tmp[t] = o[i]
                    i += 1
                t += 1
            while i < mid:
                tmp[t] = o[i]
                i += 1
                t += 1
            while j < hi:
                tmp[t] = o[j]
                j += 1
                t += 1
            lo = hi
        o, tmp = tmp, o
        width *= 2
    return o


@numba.njit(cache=True, nogil=True)
def centre_order(C):
    """For each centre: other centres sorted by distance, and those distances."""
    k = C.shape[0]
    dist = np.empty((k, k))
    for a in range(k):
        for b in range(k):
            dist[a, b] = np.sqrt(_d2(C, a, C, b))
    order = np.empty((k, k), dtype=np.int64)
    sdist = np.empty((k, k))
    for a in range(k):
        o = _argsort_stable(dist[a], k)
        # put `a` itself first even if another centre coincides with it
        pos = 0
        for t in range(k):
            if o[t] == a:
                pos = t
                break
        for t in range(pos, 0, -1):
            o[t] = o[t - 1]
        o[0] = a
        for t in range(k):
            order[a, t] = o[t]
            sdist[a, t] = dist[a, o[t]]
    return order, sdist


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
    order, sdist = centre_order(C)
    for i in range(X.shape[0]):
        b, b2, _ = _search(X, i, C, guess[i], order, sdist)
        labels[i] = b
        dist2[i] = b2


@numba.njit(cache=True, nogil=True)
def _means(X, w, labels, k):
    m, d = X.shape
    sums = np.zeros((k, d))
    ws = np.zeros(k)
    for i in range(m):
        a = labels[i]
        ws[a] += w[i]
        for c in range(d):
            sums[a, c] += w[i] * X[i, c]
    return sums, ws


@numba.njit(cache=True, nogil=True)
def _search3(X, i, C, g, order, sdist, brute, slack):
    """Exact nearest centre of point i with a runner-up and a bound on all the others.

    Returns (best, second, lower) where ``lower`` bounds from below the distance from point
    i to every centre except ``best`` and ``second``. Ties go to the lowest index. With
    ``brute`` every centre is examined; otherwise Orchard's search starts from centre g,
    with ``order, sdist`` from ``centre_order`` of centres that have each moved at most
    ``slack / 2`` since (the pruning test subtracts ``slack``, so the answer stays exact).
    """
    k = C.shape[0]
    if brute:
        g = 0
    best = g
    best2 = _d2(X, i, C, g)
    sec = g
    sec2 = np.inf
    third2 = np.inf
    rest = np.inf
    dg = np.sqrt(best2)
    for t in range(1, k):
        if brute:
            c = t
        else:
            D = sdist[g, t] - slack
            bd = np.sqrt(best2)
            if D - dg > bd + _EPS * (D + dg + bd):
                rest = D - dg
                break
            c = order[g, t]
        dc2 = _d2(X, i, C, c)
        if dc2 < best2 or (dc2 == best2 and c < best):
            third2 = sec2
            sec = best
            sec2 = best2
            best = c
            best2 = dc2
        elif dc2 < sec2:
            third2 = sec2
            sec = c
            sec2 = dc2
        elif dc2 < third2:
            third2 = dc2
    low = np.sqrt(third2)
    if rest < low:
        low = rest
    return best, sec, low


@numba.njit(cache=True, nogil=True)
def _half_gaps(C, half):
    """half[a] = squared half distance from centre a to its nearest other centre."""
    k = C.shape[0]
    for a in range(k):
        half[a] = np.inf
    for a in range(k):
        for b in range(a + 1, k):
            t = _d2(C, a, C, b)
            if t < half[a]:
                half[a] = t
            if t < half[b]:
                half[b] = t
    for a in range(k):
        half[a] *= 0.25 * (1.0 - _EPS)


@numba.njit(cache=True, nogil=True)
def _move(X, w, i, a, b, sums, ws, nmem):
    nmem[a] -= 1
    nmem[b] += 1
    ws[a] -= w[i]
    ws[b] += w[i]
    for c in range(X.shape[1]):
        v = w[i] * X[i, c]
        sums[a, c] -= v
        sums[b, c] += v


@numba.njit(cache=True, nogil=True)
def _store(hist, t, C):
    """hist[t] = C, written out (numba's broadcasting setitem is slow to compile)."""
    for j in range(C.shape[0]):
        for c in range(C.shape[1]):
            hist[t, j, c] = C[j, c]


@numba.njit(cache=True, nogil=True)
def lloyd(X, w, C, labels, max_iter, beta):
    """Weighted Lloyd iterations with drift bounds until an exact fixed point.

    ``C`` (k, d) is updated in place, ``labels`` (m,) holds the initial guesses and, on
    return, the exact nearest centre of every point. Returns ``(n_iter, status, j)``:
    status 0 = converged (labels nearest to C, C the weighted means of labels), 1 = centre
    j lost all its points (labels are nearest to C; C unchanged since), 2 = max_iter reached.

    Each point keeps its centre, a runner-up centre, and a lower bound on its distance to
    every other centre, valid for the centres of the iteration it was last searched in (its
    time stamp). The centres of every iteration are kept, so that bound is loosened by the
    largest *net* displacement of one of those other centres since then (not by the sum of
    per-iteration drifts, as in Hamerly's algorithm). Each iteration computes the exact
    distance to the own centre (and to the runner-up unless half the gap to the nearest
    other centre settles it); a point is searched again only when the bound cannot prove
    that the nearer of the two is its nearest centre. Cluster sums are updated only for
    points that change cluster, and recomputed from scratch before declaring convergence.
    """
    m, d = X.shape
    k = C.shape[0]
    lower = np.empty(m)
    sec = np.empty(m, dtype=np.int64)
    stamp = np.zeros(m, dtype=np.int64)
    brute = k <= 24
    order, sdist = centre_order(C)
    for i in range(m):
        b, s, low = _search3(X, i, C, labels[i], order, sdist, brute, 0.0)
        labels[i] = b
        sec[i] = s
        lower[i] = low
    hist = np.empty((max_iter + 1, k, d))
    disp = np.zeros((max_iter + 1, k))  # net displacement of each centre since time t
    top = np.zeros((max_iter + 1, 3))
    arg = np.empty((max_iter + 1, 3), dtype=np.int64)
    half = np.empty(k)
    delta = np.empty(k)
    fail = np.empty(m, dtype=np.int64)
    sums, ws = _means(X, w, labels, k)
    nmem = np.zeros(k, dtype=np.int64)
    for i in range(m):
        nmem[labels[i]] += 1
    _store(hist, 0, C)
    now = 0
    order_t = 0  # the centres of this time step are those `order, sdist` were computed for
    fresh = True  # sums recomputed from scratch since the last label change
    step = 1.0
    obj_prev = np.inf
    for it in range(max_iter):
        for j in range(k):
            if nmem[j] == 0:
                return it, 1, j
        moved = 0
        for j in range(k):
            s = 0.0
            for c in range(d):
                v = sums[j, c] / ws[j]
                if step != 1.0:
                    v = C[j, c] + step * (v - C[j, c])
                t = v - C[j, c]
                s += t * t
                C[j, c] = v
            delta[j] = s
            if s > 0.0:
                moved += 1
        if moved == 0:
            if fresh:
                return it, 0, -1
            sums, ws = _means(X, w, labels, k)
            fresh = True
            continue
        now += 1
        _store(hist, now, C)
        for t in range(now):
            t0 = 0.0
            t1 = 0.0
            t2 = 0.0
            a0 = -1
            a1 = -1
            a2 = -1
            for j in range(k):
                if delta[j] > 0.0:
                    s = 0.0
                    for c in range(d):
                        u = C[j, c] - hist[t, j, c]
                        s += u * u
                    disp[t, j] = np.sqrt(s)
                v = disp[t, j]
                if v > t2:
                    if v > t1:
                        t2 = t1
                        a2 = a1
                        if v > t0:
                            t1 = t0
                            a1 = a0
                            t0 = v
                            a0 = j
                        else:
                            t1 = v
                            a1 = j
                    else:
                        t2 = v
                        a2 = j
            top[t, 0] = t0
            top[t, 1] = t1
            top[t, 2] = t2
            arg[t, 0] = a0
            arg[t, 1] = a1
            arg[t, 2] = a2
        _half_gaps(C, half)
        nfail = 0
        changed = 0
        obj = 0.0
        for i in range(m):
            a = labels[i]
            u2 = _d2(X, i, C, a)
            if u2 < half[a]:
                obj += w[i] * u2
                continue
            s = sec[i]
            t = stamp[i]
            q = 0
            while arg[t, q] == a or arg[t, q] == s:
                q += 1
            z = (lower[i] - top[t, q] * (1.0 + _EPS)) * (1.0 - _EPS)
            b = a
            b2 = u2
            if s != a:
                v2 = _d2(X, i, C, s)
                if v2 < u2 or (v2 == u2 and s < a):
                    b = s
                    b2 = v2
            if z > 0.0 and b2 < z * z:
                obj += w[i] * b2
                if b != a:
                    labels[i] = b
                    sec[i] = a
                    changed += 1
                    _move(X, w, i, a, b, sums, ws, nmem)
                continue
            fail[nfail] = i
            nfail += 1
            obj += w[i] * u2  # corrected after the search below
        use_orchard = not brute and nfail > 8 * k
        if use_orchard and top[order_t, 0] > _ORDER_SLACK:
            order, sdist = centre_order(C)
            order_t = now
        slack = 2.0 * top[order_t, 0] * (1.0 + _EPS) if order_t < now else 0.0
        for f in range(nfail):
            i = fail[f]
            a = labels[i]
            b, s, low = _search3(X, i, C, a, order, sdist, not use_orchard, slack)
            obj += w[i] * (_d2(X, i, C, b) - _d2(X, i, C, a))
            sec[i] = s
            lower[i] = low
            stamp[i] = now
            if b != a:
                labels[i] = b
                changed += 1
                _move(X, w, i, a, b, sums, ws, nmem)
        if obj > obj_prev:
            beta = 1.0  # over-relaxation raised the objective: plain Lloyd from now on
        obj_prev = obj
        step = beta if changed else 1.0  # an unchanged partition: plain step to its means
        if changed:
            fresh = False
        elif not fresh:
            sums, ws = _means(X, w, labels, k)
            fresh = True
    return max_iter, 2, -1


@numba.njit(cache=True, nogil=True)
def _best_split(X, w, perm, s, e):
    """Best variance-reducing axis-aligned split of box perm[s:e].

    Returns (gain, axis, n_left, sse) where sse is the box's weighted SSE.
    """
    d = X.shape[1]
    n = e - s
    W = 0.0
    S = np.zeros(d)
    Q = 0.0
    for t in range(s, e):
        i = perm[t]
        W += w[i]
        for c in range(d):
            S[c] += w[i] * X[i, c]
            Q += w[i] * X[i, c] * X[i, c]
    base = 0.0
    for c in range(d):
        base += S[c] * S[c]
    base /= W
    sse = Q - base
    best_gain = 0.0
    best_axis = -1
    best_n = 0
    if n < 2:
        return best_gain, best_axis, best_n, sse
    vals = np.empty(n)
    SL = np.empty(d)
    for ax in range(d):
        for t in range(n):
            vals[t] = X[perm[s + t], ax]
        o = _argsort_stable(vals, n)
        WL = 0.0
        for c in range(d):
            SL[c] = 0.0
        for t in range(n - 1):
            i = perm[s + o[t]]
            WL += w[i]
            for c in range(d):
                SL[c] += w[i] * X[i, c]
            if vals[o[t + 1]] == vals[o[t]]:
                continue  # only cut between distinct values along the axis
            WR = W - WL
            if WR <= 0.0:
                continue
            l2 = 0.0
            r2 = 0.0
            for c in range(d):
                l2 += SL[c] * SL[c]
                r = S[c] - SL[c]
                r2 += r * r
            gain = l2 / WL + r2 / WR - base
            if gain > best_gain:
                best_gain = gain
                best_axis = ax
                best_n = t + 1
    return best_gain, best_axis, best_n, sse


@numba.njit(cache=True, nogil=True)
def variance_split(X, w, k):
    """Split the weighted points into up to k boxes, always cutting the box whose best
    axis-aligned cut removes the most squared error. Returns the box label of each point
    and the number of boxes.
    """
    m = X.shape[0]
    perm = np.arange(m)
    starts = np.zeros(k, dtype=np.int64)
    ends = np.zeros(k, dtype=np.int64)
    gains = np.zeros(k)
    axes = np.zeros(k, dtype=np.int64)
    nleft = np.zeros(k, dtype=np.int64)
    starts[0] = 0
    ends[0] = m
    g, a, nl, _ = _best_split(X, w, perm, starts[0], ends[0])  # int64, not a literal 0
    gains[0] = g
    axes[0] = a
    nleft[0] = nl
    nbox = 1
    vals = np.empty(m)
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
        for t in range(s, e):
            vals[t - s] = X[perm[t], ax]
        o = _argsort_stable(vals, e - s)
        for t in range(e - s):
            tmp[t] = perm[s + o[t]]
        for t in range(e - s):
            perm[s + t] = tmp[t]
        mid = s + nleft[b]
        ends[b] = mid
        starts[nbox] = mid
        ends[nbox] = e
        for j in (b, nbox):
            g, a, nl, _ = _best_split(X, w, perm, starts[j], ends[j])
            gains[j] = g
            axes[j] = a
            nleft[j] = nl
        nbox += 1
    labels = np.empty(m, dtype=np.int64)
    for j in range(nbox):
        for t in range(starts[j], ends[j]):
            labels[perm[t]] = j
    return labels, nbox
