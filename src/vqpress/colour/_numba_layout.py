"""Points laid out by cluster and by margin, for the bounded Lloyd kernel (numba).

Near convergence most of a Lloyd iteration's time goes into confirming, point by point,
that the points deep inside their clusters stay where they are. After its first pass the
bounded kernel (:mod:`vqpress.colour._numba_lloyd`) knows each point's margin: how far
the centres must move before the point could change cluster. Sorting the points by
cluster, and within a cluster by margin (in ``LEVELS`` coarse levels: one counting sort),
makes the points that cannot change yet a contiguous tail of their cluster's range; an
iteration then looks only at each cluster's head, which grows as the centres move away
from where they were when the margins were measured. Imported lazily, like every
``_numba_*`` module (see :func:`vqpress.colour._backend.kernels`).
"""

from __future__ import annotations

import numba
import numpy as np

#: Margin levels per cluster: level ``l`` holds margins in ``[l, l + 1) * top / LEVELS``,
#: ``top`` the cluster's largest finite margin; level 0 also takes the points with no
#: margin, the last level the infinite ones.
LEVELS = 64


@numba.njit(cache=True, nogil=True, inline="always")
def _margin(i, lab, QF, QN, inring):
    """Point i's margin (-inf if it has none): see :func:`margin_layout`."""
    if inring[lab[i], QN[i, 1]]:
        return min(QF[i, 0], QF[i, 1])
    return np.float32(-np.inf)


@numba.njit(cache=True, nogil=True, inline="always")
def _level(v, top):
    """Margin level of a margin ``v`` in a cluster whose largest finite margin is ``top``."""
    if v >= top:  # the largest finite margin, or an infinite one
        return LEVELS - 1
    if v > 0.0:
        return min(int(v * (LEVELS / top)), LEVELS - 1)
    return 0  # also for NaN


@numba.njit(cache=True, nogil=True, parallel=True)
def margin_layout(lab, QF, QN, inring, k, nblk):
    """Order of the points by cluster (``lab``), then by margin level, then by index, and
    the points' quick-check arrays in that order.

    A point's margin is the smaller of its quick-check margins ``QF[i, 0]`` (the ring) and
    ``QF[i, 1]`` (its nearest runner-up, ``QN[i, 1]``), if that runner-up is in the ring
    of its centre (``inring``), else none. Returns ``order`` (m,) int64, the start of every
    (cluster, level) bucket in that order, ``bstart`` (k * LEVELS + 1,) int64, each
    bucket's smallest margin ``edge`` (k * LEVELS,) float32 (a lower bound on the margins
    in it and all later buckets of its cluster; -inf for level 0), ``sufq2``
    (k * LEVELS,) float32, the smallest ``QF[i, 2]`` in the bucket and all later buckets
    of its cluster, then ``lab, QF, QN`` in ``order``.

    A counting sort on numba's threads: each of ``nblk`` blocks of points counts its own
    buckets, then writes its points, in order, after those of the blocks before it, so the
    result does not depend on ``nblk``. The arrays move in that same pass.
    """
    m = lab.shape[0]
    nb = k * LEVELS
    nblk = max(1, min(nblk, m))
    topb = np.zeros((nblk, k), dtype=np.float32)
    for t in numba.prange(nblk):
        for i in range(t * m // nblk, (t + 1) * m // nblk):
            v = _margin(i, lab, QF, QN, inring)
            a = lab[i]
            if v > topb[t, a] and v < np.inf:
                topb[t, a] = v
    top = np.zeros(k, dtype=np.float32)
    for t in range(nblk):
        for a in range(k):
            top[a] = max(top[a], topb[t, a])
    cnt = np.zeros((nblk, nb), dtype=np.int64)
    emin = np.full((nblk, nb), np.inf, dtype=np.float32)
    qmin = np.full((nblk, nb), np.inf, dtype=np.float32)
    for t in numba.prange(nblk):
        for i in range(t * m // nblk, (t + 1) * m // nblk):
            v = _margin(i, lab, QF, QN, inring)
            a = lab[i]
            b = a * LEVELS + _level(v, top[a])
            cnt[t, b] += 1
            if v < emin[t, b]:
                emin[t, b] = v
            if QF[i, 2] < qmin[t, b]:
                qmin[t, b] = QF[i, 2]
    bstart = np.empty(nb + 1, dtype=np.int64)
    edge = np.full(nb, np.inf, dtype=np.float32)
    sufq2 = np.full(nb, np.inf, dtype=np.float32)
    pos = 0
    for b in range(nb):
        bstart[b] = pos
        for t in range(nblk):
            c = cnt[t, b]
            cnt[t, b] = pos
            pos += c
            edge[b] = min(edge[b], emin[t, b])
            sufq2[b] = min(sufq2[b], qmin[t, b])
    bstart[nb] = m
    for a in range(k):
        low = np.float32(np.inf)
        low2 = np.float32(np.inf)
        for lev in range(LEVELS - 1, -1, -1):
            b = a * LEVELS + lev
            low = min(low, edge[b])
            low2 = min(low2, sufq2[b])
            edge[b] = low
            sufq2[b] = low2
        edge[a * LEVELS] = -np.inf
    order = np.empty(m, dtype=np.int64)
    labp = np.empty_like(lab)
    QFp = np.empty_like(QF)
    QNp = np.empty_like(QN)
    for t in numba.prange(nblk):
        for i in range(t * m // nblk, (t + 1) * m // nblk):
            a = lab[i]
            b = a * LEVELS + _level(_margin(i, lab, QF, QN, inring), top[a])
            p = cnt[t, b]
            cnt[t, b] = p + 1
            order[p] = i
            labp[p] = a
            for c in range(QF.shape[1]):
                QFp[p, c] = QF[i, c]
            QNp[p, 0] = QN[i, 0]
            QNp[p, 1] = QN[i, 1]
    return order, bstart, edge, sufq2, labp, QFp, QNp


@numba.njit(cache=True, nogil=True)
def heads(bstart, edge, sufq2, lev, TH0, farsafe, D0, G0, nth, clo, chi, tq):
    """The points an iteration must look at: the head of every cluster's range.

    The points not looked at were summarised at time slot 0, so they are cleared by the
    kernel's tables of slot 0: ``TH0`` (a centre's and its ring's displacement), ``D0``
    (each centre's) and ``G0`` (the largest). Cluster ``a``'s head grows (``lev[a]``, its
    first level still skipped, only rises) until the first skipped level's ``edge`` exceeds
    ``TH0[a]`` and, unless ``farsafe[a]`` (its far centres are known to be far), its
    ``sufq2`` exceeds ``D0[a] + G0``. Writes the heads as ranges ``clo, chi``, cut so that
    thread ``t`` gets the ranges ``tq[t]`` to ``tq[t + 1]`` and about as many points as the
    others; returns the number of points.
    """
    k = lev.shape[0]
    total = 0
    for a in range(k):
        b = a * LEVELS
        while lev[a] < LEVELS and (edge[b + lev[a]] <= TH0[a]
                                   or (not farsafe[a] and sufq2[b + lev[a]] <= D0[a] + G0)):
            lev[a] += 1
        total += bstart[b + lev[a]] - bstart[b]
    share = (total + nth - 1) // nth
    nq = 0
    t = 0
    room = share
    tq[0] = 0
    for a in range(k):
        lo = bstart[a * LEVELS]
        hi = bstart[a * LEVELS + lev[a]]
        while lo < hi:
            e = min(hi, lo + room)
            clo[nq] = lo
            chi[nq] = e
            nq += 1
            room -= e - lo
            lo = e
            if room == 0:
                if t < nth - 1:
                    t += 1
                    tq[t] = nq
                room = share
    for u in range(t + 1, nth + 1):
        tq[u] = nq
    return total
