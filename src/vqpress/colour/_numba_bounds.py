"""One point's bounds in the bounded Lloyd kernel (numba): the search for its nearest
centres, and how its bounds are stored and summarised for the quick check.

What the bounds are and how an iteration uses them is told in
:mod:`vqpress.colour._numba_lloyd`, which imports these helpers. Imported lazily, like
every ``_numba_*`` module (see :func:`vqpress.colour._backend.kernels`).
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_order import _d2

_TRACK = 3  # runner-up centres with bounds of their own, per point (the layout of PD needs 3)
_RESEARCH = 1.0  # a search measures the centres within 2 u + _RESEARCH * gap of the centre


@numba.njit(cache=True, nogil=True, inline="always")
def _search(X, i, C, a, order, sdist, slack, CD, rb, n, bi, bd):
    """Exact nearest centre of point i and its runner-ups, searching around centre a.

    Only centres within ``2 |x - a|`` of ``a`` can be nearer than ``a`` (Orchard); the
    centres within ``rb >= 2 |x - a|`` of ``a`` are measured. ``order, sdist`` list the
    centres by distance from ``a`` at an earlier time, since when no two centres came more
    than ``slack`` closer; ``CD`` holds the exact current centre distances. Fills ``bi, bd``
    with the ``cnt <= n`` nearest centres (squared distances, sorted by distance then index)
    and returns ``(cnt, rest)``, a lower bound on the distance to every other centre.
    """
    k = C.shape[0]
    u2 = _d2(X, i, C, a)
    u = np.sqrt(u2)
    bi[0] = a
    bd[0] = u2
    cnt = 1
    rest = np.inf  # from centre distances (not squared)
    rest2 = np.inf  # smallest squared distance measured but not kept
    for t in range(1, k):
        D = sdist[a, t] - slack
        if D > rb:
            if D - u < rest:
                rest = D - u
            break
        c = order[a, t]
        cd = CD[a, c]
        if cd > rb:
            if cd - u < rest:
                rest = cd - u
            continue
        v = _d2(X, i, C, c)
        if cnt < n:
            p = cnt
            cnt += 1
        elif v < bd[n - 1] or (v == bd[n - 1] and c < bi[n - 1]):
            p = n - 1
            if bd[n - 1] < rest2:
                rest2 = bd[n - 1]
        else:
            if v < rest2:
                rest2 = v
            continue
        while p > 0 and (bd[p - 1] > v or (bd[p - 1] == v and bi[p - 1] > c)):
            bd[p] = bd[p - 1]
            bi[p] = bi[p - 1]
            p -= 1
        bd[p] = v
        bi[p] = c
    r = np.sqrt(rest2)
    if r < rest:
        rest = r
    return cnt, rest


@numba.njit(cache=True, nogil=True, inline="always")
def _down(v):
    """A float32 no larger than v (a margin stored in single precision must not grow):
    rounding v less 2**-22 of itself to the nearest float32 cannot land above v."""
    f = np.float32(v)
    if f > v:
        f = np.float32(v - abs(v) * 2.384185791015625e-07)
    return f


@numba.njit(cache=True, nogil=True, inline="always")
def _summarise(i, a, pd, QF, QN, D, inring, tol):
    """The three numbers that clear point i in the quick check, from its bounds ``pd`` (its
    row of PD); see :mod:`vqpress.colour._numba_lloyd`.

    ``QF[i, 1]`` is the margin between the nearest runner-up ``s = QN[i, 1]`` and the own
    centre, to be compared with the displacement of ``a`` and ``s``; ``QF[i, 0]`` the
    margin to every other centre of a's ring, to be compared with ``a``'s and its ring's;
    ``QF[i, 2]`` the margin to all centres but ``s``, to be compared with the largest
    displacement of any centre (needed only when the centres outside the ring are not
    known to be far enough). All at the time slot ``QN[i, 0]``.
    """
    st = QN[i, 0]
    s = 0
    best = np.inf
    for j in range(_TRACK):
        v = pd[2 + j] - D[st, int(pd[5 + j])]
        if v < best:
            best = v
            s = j
    other = pd[1]  # the ring's centres other than s
    every = pd[1]  # all centres other than s
    for j in range(_TRACK):
        if j != s:
            v = pd[2 + j]
            if v < every:
                every = v
            if inring[a, int(pd[5 + j])] and v < other:
                other = v
    u = pd[0] + tol
    QN[i, 1] = int(pd[5 + s])
    QF[i, 0] = _down(other - u)
    QF[i, 1] = _down(pd[2 + s] - u)
    QF[i, 2] = _down(every - u)


@numba.njit(cache=True, nogil=True, inline="always")
def _store_search(i, cnt, rest, bi, bd, pd, QN, D, G, slot):
    """Record a search's result as point i's bounds (``pd``, its row of PD), stated at the
    current slot."""
    b = bi[0]
    pd[0] = np.sqrt(bd[0]) + D[slot, b]
    pd[1] = rest - G[slot]
    for j in range(_TRACK):
        if j + 1 < cnt:
            c = bi[j + 1]
            pd[2 + j] = np.sqrt(bd[j + 1]) - D[slot, c]
            pd[5 + j] = c
        else:
            pd[2 + j] = np.inf
            pd[5 + j] = b
    QN[i, 0] = slot
    return b


@numba.njit(cache=True, nogil=True)
def _first_pass(lo, hi, X, C, labels, order, sdist, CD, gap, PD, QF, QN, inring, tol, rad):
    """Exact nearest centre and bounds of points lo..hi-1, from a search around their guess;
    ``rad`` receives the farthest member of every cluster. What :func:`_store_search` and
    :func:`_summarise` do, at slot 0 where no centre has moved yet: the nearest runner-up
    is the first one, and no displacement is added or taken off."""
    n = _TRACK + 1
    bi = np.empty(n, dtype=np.int64)
    bd = np.empty(n)
    for i in range(lo, hi):
        a = labels[i]
        rb = 2.0 * np.sqrt(_d2(X, i, C, a)) + _RESEARCH * gap[a]
        cnt, rest = _search(X, i, C, a, order, sdist, 0.0, CD, rb, n, bi, bd)
        b = bi[0]
        u = np.sqrt(bd[0])
        pd = PD[i]
        pd[0] = u
        pd[1] = rest
        other = rest  # as in _summarise: the ring's centres other than the first runner-up
        every = rest  # and all of them
        for j in range(_TRACK):
            if j + 1 < cnt:
                c = bi[j + 1]
                v = np.sqrt(bd[j + 1])
                pd[2 + j] = v
                pd[5 + j] = c
                if j > 0:
                    every = min(every, v)
                    if inring[b, c]:
                        other = min(other, v)
            else:
                pd[2 + j] = np.inf
                pd[5 + j] = b
        QN[i, 0] = 0
        QN[i, 1] = int(pd[5])
        labels[i] = b
        if u > rad[b]:
            rad[b] = u
        QF[i, 0] = _down(other - (u + tol))
        QF[i, 1] = _down(pd[2] - (u + tol))
        QF[i, 2] = _down(every - (u + tol))
