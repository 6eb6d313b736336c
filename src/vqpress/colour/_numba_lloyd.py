"""Weighted Lloyd iterations to an exact fixed point, compiled with numba.

Like :mod:`vqpress.colour._numba_kernels`, this module imports numba at the top and is only
imported lazily, by :func:`vqpress.colour._backend.kernels`.

Why it is fast. Near convergence a Lloyd iteration moves a few hundred colours out of a
hundred thousand, yet a plain iteration measures every colour against every centre. Here
each point keeps bounds that prove its centre is still its nearest, and an iteration only
works on the points whose proof ran out. The bounds were measured at some time; they are
loosened by how far the centres have moved since (net displacement, not the length of the
path, so centres that hesitate back and forth do not wear the bounds out). A point keeps:

* ``U``, an upper bound on its distance to its own centre ``a``;
* lower bounds on its distances to its three nearest other centres ("runner-ups"), each
  loosened by the displacement of that very centre (Elkan's bounds, kept only for the few
  centres that matter, as in Drake and Hamerly's adaptive bounds);
* one lower bound on its distance to every other centre ("the rest"), loosened by the
  largest displacement among the centres near ``a`` (its "ring", Newling and Fleuret's
  net-shift bounds made local); a centre outside the ring is at least ``far[a] - u`` away,
  ``far[a]`` being the exact current distance from ``a`` to the nearest of them.

Time is counted in slots (a new one every ``_SLOT`` iterations); per slot and centre, tables
of net displacements since the slot are refreshed each iteration. A point's bounds are
summarised in three float32 margins, checked against those tables in a couple of look-ups:
the margin against the nearest runner-up, against the rest of the ring, and against all
centres (only needed when the ones outside the ring are not known to be far). Most points
are cleared that way; the others are measured again (own centre and runner-ups: four
distances, their memory requested a few points ahead) and only when the rest bound fails
does a search over the centres around ``a`` run. Every decision that changes a label is
taken on exact float64 distances; bounds only skip work, with a relative safety margin far
above rounding. After the first pass the points are laid out by cluster and margin
(:mod:`vqpress.colour._numba_layout`), so that an iteration skips, without reading them,
the points whose margin still exceeds how far their centre and its ring moved since; the
rest is shared out among numba's threads in equal parts. A single point's search and
bounds are in :mod:`vqpress.colour._numba_bounds`.

Centres that keep moving the same way take longer steps, up to ``beta`` plain ones (an
adaptive over-relaxation after Salakhutdinov and Roweis); the long steps stop for good as
soon as the objective rises, and a plain step always follows an iteration with no change,
so the result is an exact Lloyd fixed point.

References
----------
.. [1] C. Elkan, "Using the triangle inequality to accelerate k-means", ICML 2003.
.. [2] J. Drake and G. Hamerly, "Accelerated k-means with adaptive distance bounds",
   NIPS Workshop on Optimization for Machine Learning, 2012.
.. [3] J. Newling and F. Fleuret, "Fast k-means with accurate bounds", ICML 2016.
.. [4] R. Salakhutdinov and S. Roweis, "Adaptive overrelaxed bound optimization methods",
   ICML 2003.
"""

from __future__ import annotations

import llvmlite.ir as llir
import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from ._numba_bounds import _RESEARCH, _TRACK, _first_pass, _search, _store_search, _summarise
from ._numba_layout import heads, margin_layout
from ._numba_order import _d2, centre_order, neighbourhoods, net_shifts, rings
from ._numba_step import after_pass, cluster_sums, fresh_state, lloyd_step

_EPS = 1e-9  # relative safety margin on every bound (rounding is ~1e-16)
_RING_MAX = 32  # most centres in the neighbourhood ("ring") of a centre
_RING_COVER = 1.25  # a ring holds the centres within this many cluster diameters
_SLOT = 2  # iterations per time slot
_REORDER = 0.5  # re-sort the neighbours once a centre moved this fraction of the mean gap
_AHEAD = 8  # points whose memory is requested ahead of their turn
_PAR_TABLES = 128  # from this many centres on, the k x k centre tables and orders use numba's threads


@intrinsic
def _prefetch(typingctx, addr):
    """Ask the CPU to bring the cache line at address ``addr`` in (LLVM's prefetch hint)."""
    sig = types.void(types.uintp)

    def codegen(context, builder, signature, args):
        ptr = builder.inttoptr(args[0], llir.IntType(8).as_pointer())
        i32 = llir.IntType(32)
        fnty = llir.FunctionType(llir.VoidType(), [llir.IntType(8).as_pointer(), i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [ptr, llir.Constant(i32, 0), llir.Constant(i32, 3), llir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, nogil=True, inline="always")
def _move(X, w, i, a, b, S, W, Q2, nmem):
    nmem[a] -= 1
    nmem[b] += 1
    W[a] -= w[i]
    W[b] += w[i]
    q = 0.0
    for c in range(X.shape[1]):
        v = w[i] * X[i, c]
        S[a, c] -= v
        S[b, c] += v
        q += X[i, c] * X[i, c]
    Q2[a] -= w[i] * q
    Q2[b] += w[i] * q


@numba.njit(cache=True, nogil=True)
def _pass(clo, chi, q0, q1, cand, perm, X, w, C, labels, order, sdist, slack, CD, gap, far, farsafe, PD, QF, QN, D, ZR,
          TH, G, slot, inring, tol, S, W, Q2, nmem, grown, rad):
    """One assignment pass over the points of the ranges ``clo[q]..chi[q] - 1``, q from q0
    to q1 - 1: clear each point from its summary, or measure it again (``cand``: scratch
    space for as many points). ``labels, QF, QN`` are in the order of the ranges, ``X, w``
    and ``PD`` in the caller's: point i is their row ``perm[i]``. Label changes are added
    to the cluster sums given (``S, W, Q2, nmem``: this thread's share) and flagged in
    ``grown``; ``rad`` receives the joiners' distances to their centre's starting point.
    Returns the number of label changes.
    """
    n = _TRACK + 1
    bi = np.empty(n, dtype=np.int64)
    bd = np.empty(n)
    # first the quick check of every point, in order; then the points whose summary ran out,
    # their rows of PD and X requested from memory a few points ahead (they are scattered)
    nc = 0
    for q in range(q0, q1):
        for i in range(clo[q], chi[q]):
            a = labels[i]
            st = QN[i, 0]
            da = D[st, a]
            if QF[i, 0] > TH[st, a] and QF[i, 1] > da + D[st, QN[i, 1]] and (farsafe[a] or QF[i, 2] > da + G[st]):
                continue
            cand[nc] = i
            nc += 1
    pd0 = PD.ctypes.data
    x0 = X.ctypes.data
    prow = PD.strides[0]
    xrow = X.strides[0]
    changed = 0
    for q in range(nc):
        if q + _AHEAD < nc:
            j = cand[q + _AHEAD]
            _prefetch(pd0 + perm[j] * prow)
            _prefetch(x0 + perm[j] * xrow)
        i = cand[q]
        r = perm[i]  # the point's row of X, w and PD
        pd = PD[r]
        a = labels[i]
        st = QN[i, 0]
        # the summary ran out: measure the own centre and the runner-ups again
        u2 = _d2(X, r, C, a)
        u = np.sqrt(u2)
        rest = pd[1] - ZR[st, a]  # centres of a's ring
        v = far[a] - u  # centres outside the ring, two ways
        rg = pd[1] - G[st]
        if rg > v:
            v = rg
        if v < rest:
            rest = v
        if u < rest - tol:
            b = a
            b2 = u2
            for j in range(_TRACK):
                c = int(pd[5 + j])
                v = _d2(X, r, C, c)
                pd[2 + j] = np.sqrt(v) - D[slot, c]
                if v < b2 or (v == b2 and c < b):
                    b = c
                    b2 = v
            if b != a:  # a becomes a runner-up; the rest set is unchanged
                for j in range(_TRACK):
                    if pd[5 + j] == b:
                        pd[5 + j] = a
                        pd[2 + j] = u - D[slot, a]
            pd[0] = np.sqrt(b2) + D[slot, b]
            pd[1] = rest - G[slot]
            QN[i, 0] = slot
        else:
            cnt, rest = _search(X, r, C, a, order, sdist, slack, CD, 2.0 * u + _RESEARCH * gap[a], n, bi, bd)
            b = _store_search(i, cnt, rest, bi, bd, pd, QN, D, G, slot)
        _summarise(i, b, pd, QF, QN, D, inring, tol)
        if b != a:
            labels[i] = b
            changed += 1
            grown[a] = True
            grown[b] = True
            _move(X, w, r, a, b, S, W, Q2, nmem)
            v = pd[0] - D[slot, b] + D[0, b]  # distance to b's starting point, at most
            if v > rad[b]:
                rad[b] = v
    return changed


@numba.njit(cache=True, nogil=True)
def _unpermute(src, perm, dst):
    """``dst[perm] = src``: labels back in the caller's order of the points."""
    for t in range(src.shape[0]):
        dst[perm[t]] = src[t]


def lloyd(X, w, C, labels, max_iter, beta, nth):
    """Weighted Lloyd iterations until an exact fixed point, from scratch: see
    :func:`lloyd_resume`. (Plain Python: a cached compiled function that only reaches
    parallel code through another crashes numba in a process whose threads it never
    launched; :func:`vqpress.colour._backend.kernels` launches them anyway.)"""
    bet, last, grown, state = fresh_state(C, beta)
    return lloyd_resume(X, w, C, labels, max_iter, beta, nth, bet, last, grown, state)


@numba.njit(cache=True, nogil=True, parallel=True)
def lloyd_resume(X, w, C, labels, max_iter, beta, nth, bet, last, grown, state):
    """Weighted Lloyd iterations until an exact fixed point.

    ``C`` (k, d) is updated in place; ``labels`` (m,) holds a guess of each point's nearest
    centre and, on return, the exact nearest centre (lowest index on ties). Returns
    ``(n_iter, status, j)``: status 0 = converged (labels nearest to C, C the weighted means
    of labels), 1 = centre j lost all its points (labels nearest to C, C unchanged since),
    2 = max_iter reached. With ``beta > 1``, clusters that keep moving the same way take
    longer steps (up to ``beta`` times the plain one), until the objective first rises.
    The points are split into blocks shared out among ``nth`` threads (pass
    ``numba.get_num_threads()``); only the order of floating-point additions in the running
    cluster sums depends on ``nth``. ``bet, last, grown, state`` carry the long steps over
    from iterations run elsewhere (:func:`fresh_state`; the tree kernel of
    :mod:`vqpress.colour._numba_filter` hands over this way) and are updated in place.
    """
    m, d = X.shape
    k = C.shape[0]
    par = k >= _PAR_TABLES
    # unsigned labels and slot numbers: numba indexes tables with them without checking for
    # negative indices (the quick check runs 40% faster)
    lab = np.empty(m, dtype=np.uint32)
    for i in range(m):
        lab[i] = labels[i]
    order, sdist, nring = rings(C, lab, X, _RING_MAX, _RING_COVER, par)
    ofix = order.copy()
    inring = np.zeros((k, k), dtype=np.bool_)
    for a in range(k):
        for q in range(1, nring[a] + 1):
            inring[a, ofix[a, q]] = True
    Cord = C.copy()
    CD = np.zeros((k, k))
    gap = np.empty(k)
    far = np.empty(k)
    delta = np.ones(k)
    neighbourhoods(C, CD, delta, ofix, nring, gap, far, par)
    nslots = max_iter // _SLOT + 2
    hist = np.empty((nslots, k, d))
    hist[0] = C
    # net displacements since each slot: rows 0..slot are written each iteration before use
    D = np.empty((nslots, k))
    ZR = np.empty((nslots, k))
    TH = np.empty((nslots, k))
    G = np.empty(nslots)
    slot = 0
    span = 0.0
    for c in range(d):
        span += (X[:, c].max() - X[:, c].min()) ** 2
    tol = _EPS * (np.sqrt(span) + 1.0)

    # per point, one cache line: U, rest bound, the runner-ups' bounds and their ids (as
    # floats: exact), all stated at the time slot QN[i, 0]; and the quick-check summary
    PD = np.empty((m, 8))
    QF = np.empty((m, 3), dtype=np.float32)
    QN = np.zeros((m, 2), dtype=np.uint32)
    # blocks of points, dealt to the threads in turn (load balance, memory locality)
    nblk = min(m, 16 * nth)
    edges = np.linspace(0, m, nblk + 1).astype(np.int64)
    radt = np.zeros((nth, k))
    for t in numba.prange(nth):
        for blk in range(t, nblk, nth):
            _first_pass(edges[blk], edges[blk + 1], X, C, lab, order, sdist, CD, gap, PD, QF, QN, inring, tol,
                        radt[t])
    rad = np.zeros(k)  # farthest member from each centre's starting point
    for t in range(nth):
        for a in range(k):
            rad[a] = max(rad[a], radt[t, a])
    S, W, Q2 = cluster_sums(X, w, lab, k)
    nmem = np.zeros(k, dtype=np.int64)
    for i in range(m):
        nmem[lab[i]] += 1
    # from here on the points are ordered by cluster and margin (_numba_layout); the
    # cluster sums are still recomputed in the caller's order, so they do not depend on it
    perm, bstart, edge, sufq2, labp, QF, QN = margin_layout(lab, QF, QN, inring, k, nth)
    lev = np.zeros(k, dtype=np.int64)
    clo = np.empty(k + nth + 1, dtype=np.int64)
    chi = np.empty(k + nth + 1, dtype=np.int64)
    tq = np.empty(nth + 1, dtype=np.int64)
    cand = np.empty((nth, m // nth + k + 1), dtype=np.int64)
    dS = np.zeros((nth, k, d))
    dW = np.zeros((nth, k))
    dQ2 = np.zeros((nth, k))
    dn = np.zeros((nth, k), dtype=np.int64)
    grownt = np.zeros((nth, k), dtype=np.bool_)
    chg = np.zeros(nth, dtype=np.int64)
    farsafe = np.empty(k, dtype=np.bool_)
    fresh = True  # cluster sums recomputed from scratch since the last label change
    relax = state[0] != 0.0
    nit = 0
    for it in range(max_iter):
        for j in range(k):
            if nmem[j] == 0:
                _unpermute(labp, perm, labels)
                return it, 1, j
        moved = lloyd_step(S, W, C, last, bet, delta, grown, relax, beta)
        if moved == 0:
            if fresh:
                _unpermute(labp, perm, labels)
                return it, 0, -1
            _unpermute(labp, perm, lab)
            S, W, Q2 = cluster_sums(X, w, lab, k)
            fresh = True
            continue
        nit += 1
        neighbourhoods(C, CD, delta, ofix, nring, gap, far, par)
        if nit % _SLOT == 0:
            slot += 1
            hist[slot] = C
        net_shifts(C, hist, slot + 1, ofix, nring, D, ZR, TH, G, par)
        for a in range(k):  # rad[a] + D[0, a] bounds the distance from a to its farthest member
            farsafe[a] = far[a] > 2.0 * (rad[a] + D[0, a]) * (1.0 + _EPS) + tol
        mo = 0.0
        for a in range(k):
            s = 0.0
            for c in range(d):
                t = C[a, c] - Cord[a, c]
                s += t * t
            mo = max(mo, np.sqrt(s))
        if mo > _REORDER * gap.mean():
            order, sdist = centre_order(C, par)
            Cord[:] = C
            mo = 0.0
        dS[:] = 0.0
        dW[:] = 0.0
        dQ2[:] = 0.0
        dn[:] = 0
        grownt[:] = False
        for t in range(nth):
            for a in range(k):
                radt[t, a] = rad[a]
        heads(bstart, edge, sufq2, lev, TH[0], farsafe, D[0], G[0], nth, clo, chi, tq)
        for t in numba.prange(nth):
            chg[t] = _pass(clo, chi, tq[t], tq[t + 1], cand[t], perm, X, w, C, labp, order, sdist, 2.0 * mo, CD, gap,
                           far, farsafe, PD, QF, QN, D, ZR, TH, G, slot, inring, tol, dS[t], dW[t], dQ2[t], dn[t],
                           grownt[t], radt[t])
        changed = 0
        for j in range(k):
            grown[j] = False
        for t in range(nth):
            changed += chg[t]
            for j in range(k):
                if grownt[t, j]:
                    grown[j] = True
                    W[j] += dW[t, j]
                    Q2[j] += dQ2[t, j]
                    nmem[j] += dn[t, j]
                    for c in range(d):
                        S[j, c] += dS[t, j, c]
                rad[j] = max(rad[j], radt[t, j])
        # objective of the new partition at the current centres, from the cluster sums
        relax = after_pass(state, Q2.sum(), S, W, C)
        if changed:
            fresh = False
        elif not fresh:
            _unpermute(labp, perm, lab)
            S, W, Q2 = cluster_sums(X, w, lab, k)
            fresh = True
    _unpermute(labp, perm, labels)
    return max_iter, 2, -1
