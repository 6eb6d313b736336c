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


@numba.njit(cache=True, nogil=True)
def _d2(X, i, C, j):
    s = 0.0
    for c in range(X.shape[1]):
        t = X[i, c] - C[j, c]
        s += t * t
    return s


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
        o = np.argsort(dist[a], kind="mergesort")
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
def lloyd(X, w, C, labels, max_iter):
    """Weighted Lloyd iterations with Hamerly bounds until an exact fixed point.

    ``C`` (k, d) is updated in place, ``labels`` (m,) holds the initial guesses and, on
    return, the exact nearest centre of every point. Returns ``(n_iter, status, j)``:
    status 0 = converged (labels nearest to C, C the weighted means of labels), 1 = centre
    j lost all its points (labels are nearest to C; C unchanged since), 2 = max_iter reached.
    """
    m, d = X.shape
    k = C.shape[0]
    upper = np.empty(m)
    lower = np.empty(m)
    order, sdist = centre_order(C)
    for i in range(m):
        b, b2, low = _search(X, i, C, labels[i], order, sdist)
        labels[i] = b
        upper[i] = np.sqrt(b2)
        lower[i] = low
    delta = np.empty(k)
    half = np.empty(k)
    verified = True  # labels were computed by a full exact search
    for it in range(max_iter):
        sums, ws = _means(X, w, labels, k)
        for j in range(k):
            if ws[j] == 0.0:
                return it, 1, j
        maxdelta = 0.0
        for j in range(k):
            s = 0.0
            for c in range(d):
                v = sums[j, c] / ws[j]
                t = v - C[j, c]
                s += t * t
                C[j, c] = v
            delta[j] = np.sqrt(s)
            if delta[j] > maxdelta:
                maxdelta = delta[j]
        if maxdelta == 0.0 and verified:
            return it, 0, -1
        order, sdist = centre_order(C)
        for j in range(k):
            half[j] = 0.5 * sdist[j, 1] if k > 1 else np.inf
        changed = 0
        for i in range(m):
            a = labels[i]
            upper[i] += delta[a] * (1.0 + _EPS)
            lower[i] -= maxdelta * (1.0 + _EPS)
            z = lower[i] if lower[i] > half[a] else half[a]
            if upper[i] < z * (1.0 - _EPS):
                continue
            u = np.sqrt(_d2(X, i, C, a))
            upper[i] = u
            if u < z * (1.0 - _EPS):
                continue
            b, b2, low = _search(X, i, C, a, order, sdist)
            upper[i] = np.sqrt(b2)
            lower[i] = low
            if b != a:
                labels[i] = b
                changed += 1
        verified = False
        if changed == 0:
            # bounds say nothing moved: confirm with a full exact search
            for i in range(m):
                b, b2, low = _search(X, i, C, labels[i], order, sdist)
                upper[i] = np.sqrt(b2)
                lower[i] = low
                if b != labels[i]:
                    labels[i] = b
                    changed += 1
            if changed == 0:
                return it + 1, 0, -1
            verified = True
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
        o = np.argsort(vals, kind="mergesort")
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
    g, a, nl, _ = _best_split(X, w, perm, 0, m)
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
        o = np.argsort(vals[: e - s], kind="mergesort")
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
