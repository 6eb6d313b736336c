"""Weighted Lloyd iterations on a tree of the points (the filtering algorithm), with numba.

Imported lazily by :mod:`vqpress.colour._numba_kernels`, like the other kernel modules.

This kernel and the bounded one of :mod:`vqpress.colour._numba_lloyd` take the same
steps, at different costs. The bounded kernel keeps distance bounds per point, so an
iteration costs little once the centres barely move, but much while they move far: at 256
colours on the raccoon face it measures again half the colours in each of the first
iterations. This one keeps no state per point, so an iteration costs about the same all
along: less than the bounded kernel's early iterations, more than its late ones. Lloyd on
many colours therefore starts here and hands over to the bounded kernel once few labels
change (:func:`vqpress.colour._backend.lloyd`); on coresets with few points per centre it
runs to the end.

The points are put in a binary tree once (:mod:`vqpress.colour._numba_tree`): sorted along
a Morton (Z-order) curve and split where the next bit of that order changes; every node
holds the bounding box of its points and their weighted sums.

Each iteration walks the tree from the root with the list of centres that may be nearest to
some point of the node. A centre ``z`` is dropped from a node's list when every point of
the box is strictly nearer to the centre ``z*`` nearest the box's middle: the box corner
farthest in the direction ``z - z*`` decides it (Kanungo et al.). A node left with one
centre is assigned whole, through its sums, without visiting its points; at a leaf with
several, each point is measured against the few left. Pruning keeps a relative safety
margin far above rounding, and every label is decided on exact distances, so labels are
the exact nearest centres (lowest index on ties), as in the bounded kernel; both follow
the same steps, including the long steps of steadily moving centres
(:func:`vqpress.colour._numba_step.lloyd_step`).

The walk runs on several threads: the calling thread cuts the root into a few top
subtrees, the threads walk those down to subtrees of about 1/16 of a thread's share (the
tasks, listed in the order a single walk would meet them), and the tasks are dealt out to
the threads, each adding into its own sums.

References
----------
.. [1] T. Kanungo, D. M. Mount, N. S. Netanyahu, C. D. Piatko, R. Silverman and A. Y. Wu,
   "An efficient k-means clustering algorithm: analysis and implementation",
   IEEE Trans. PAMI 24(7), 2002.
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_order import _d2
from ._numba_step import after_pass, cluster_sums, lloyd_step
from ._numba_tree import _LEAF, build_tree

_EPS = 1e-9  # relative safety margin of the pruning test (rounding is ~1e-16)
_MAX_THREADS = 8  # most threads of a walk (the gain flattens; each holds k-long lists)


@numba.njit(cache=True, nogil=True, inline="always")
def _relabel(labels, q, b, grown):
    """Give point q the label b; flag both clusters if that changes it. Returns 1 if so."""
    a = labels[q]
    if a == b:
        return 0
    labels[q] = b
    grown[a] = True
    grown[b] = True
    return 1


@numba.njit(cache=True, nogil=True)
def _walk(root, ncand, stop, Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, cn, labels, S, W, grown, buf,
          st_node, st_off, st_cnt, tnode, tcnt, tcand):
    """Assign the points under node ``root`` to their exact nearest centres (lowest index on
    ties), given the ``ncand`` centres in ``buf[:ncand]`` (ascending) that may be nearest
    to some of them. Adds the clusters' sums to ``S, W``, flags in ``grown`` the clusters
    whose membership changed and returns the number of labels changed. With ``stop > 0``,
    nodes of at most ``stop`` points that still have several candidates are not walked but
    appended to the task list ``tnode, tcnt, tcand`` (``tcnt[-1]`` counts the tasks) while
    it has room; the others are walked here.
    """
    d = Xs.shape[1]
    st_node[0] = root
    st_off[0] = 0
    st_cnt[0] = ncand
    sp = 1
    changed = 0
    while sp > 0:
        sp -= 1
        nd = st_node[sp]
        zo = st_off[sp]
        zc = st_cnt[sp]
        base = zo + zc
        # the candidate nearest to the box's middle ...
        zs = buf[zo]
        if zc > 1:
            best = np.inf
            for q in range(zo, zo + zc):
                z = buf[q]
                s = 0.0
                for c in range(d):
                    t = 0.5 * (lo[nd, c] + hi[nd, c]) - C[z, c]
                    s += t * t
                if s < best:
                    best = s
                    zs = z
        # ... and the others that are not farther than it from every point of the box
        nz = 0
        for q in range(zo, zo + zc):
            z = buf[q]
            keep = True
            if z != zs:
                # min over the box of |p - z|^2 - |p - zs|^2, at the corner farthest along
                # z - zs (max() picks that corner's coordinate without a branch)
                mx = 0.0
                mag = 0.0
                for c in range(d):
                    df = C[z, c] - C[zs, c]
                    t = max(hi[nd, c] * df, lo[nd, c] * df)
                    mx += t
                    mag += abs(t)
                # (written so that a NaN from overflowing coordinates keeps the centre)
                keep = not (cn[z] - cn[zs] - 2.0 * mx > _EPS * (cn[z] + cn[zs] + 2.0 * mag + bn2[nd]))
            buf[base + nz] = z  # written either way, kept by counting it
            nz += keep
        if nz == 1:  # the whole node is nearest to zs
            W[zs] += NW[nd]
            for c in range(d):
                S[zs, c] += NS[nd, c]
            for q in range(start[nd], end[nd]):
                changed += _relabel(labels, q, zs, grown)
        elif end[nd] - start[nd] <= stop and tcnt[-1] < tnode.shape[0]:
            t = tcnt[-1]
            tnode[t] = nd
            tcnt[t] = nz
            for q in range(nz):
                tcand[t, q] = buf[base + q]
            tcnt[-1] = t + 1
        elif left[nd] < 0:
            for q in range(start[nd], end[nd]):
                b = buf[base]
                bd = _d2(Xs, q, C, b)
                for p in range(base + 1, base + nz):  # ascending indices: strict < keeps the lowest
                    z = buf[p]
                    v = _d2(Xs, q, C, z)
                    if v < bd:
                        bd = v
                        b = z
                changed += _relabel(labels, q, b, grown)
                W[b] += ws[q]
                for c in range(d):
                    S[b, c] += ws[q] * Xs[q, c]
        else:
            st_node[sp] = left[nd] + 1
            st_off[sp] = base
            st_cnt[sp] = nz
            st_node[sp + 1] = left[nd]
            st_off[sp + 1] = base
            st_cnt[sp + 1] = nz
            sp += 2
    return changed


@numba.njit(cache=True, nogil=True, parallel=True)
def _walk_parallel(nth, n, node, cnt, cand, stop, Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, cn, labels, bufs,
                   st_node, st_off, st_cnt, tnode, tcnt2, tcand, dS, dW, dgrown, chg):
    """Walk the subtrees ``node[:n]``, with their candidates (``cnt[i]`` of them in
    ``cand[i]``), on ``nth`` threads: subtree i on thread i % nth, each thread adding into
    its own sums ``dS[t], dW[t]`` and flags ``dgrown[t]``. With ``stop > 0`` (the top of
    the tree), subtree i lists its nodes of at most ``stop`` points as tasks in its own
    segment of the task list (rows ``i * seg`` on of ``tnode, tcand``, counts in
    ``tcnt2[i]``) instead of walking them; with ``stop == 0`` (the tasks) it lists none."""
    seg = tnode.shape[0] // tcnt2.shape[0]
    for t in numba.prange(nth):
        dS[t] = 0.0
        dW[t] = 0.0
        dgrown[t] = False
        ch = 0
        for i in range(t, n, nth):
            for q in range(cnt[i]):
                bufs[t, q] = cand[i, q]
            r = i if stop > 0 else 0  # (nothing is listed when stop is 0)
            if stop > 0:
                tcnt2[r, -1] = 0
            ch += _walk(node[i], cnt[i], stop, Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, cn, labels, dS[t],
                        dW[t], dgrown[t], bufs[t], st_node[t], st_off[t], st_cnt[t], tnode[r * seg:(r + 1) * seg],
                        tcnt2[r], tcand[r * seg:(r + 1) * seg])
        chg[t] = ch


#: Most top tasks per thread (nodes of at most 1 / (2 nth) of the points, cut first).
_TOPS = 8


@numba.njit(cache=True, nogil=True)
def _walk_buffers(nth, m, k, d, maxdepth):
    """Scratch space of :func:`_filter_pass`, allocated once per fit: per thread, the
    candidate lists of one path down the tree and the walk's stack; the top tasks; the task
    list, in one segment per top task; the threads' own sums."""
    nt = min(max(nth, 1), _MAX_THREADS)
    bufs = np.empty((nt, (maxdepth + 2) * k), dtype=np.int64)
    st_node = np.empty((nt, maxdepth + 2), dtype=np.int64)
    st_off = np.empty((nt, maxdepth + 2), dtype=np.int64)
    st_cnt = np.empty((nt, maxdepth + 2), dtype=np.int64)
    stop = 0 if nt == 1 else max(m // (16 * nt), _LEAF)  # task size: 16 per thread
    top = 0 if nt == 1 else max(m // (2 * nt), stop)  # top task size
    ntop = 1 if nt == 1 else _TOPS * nt
    seg = 1 if nt == 1 else min(4 * (m // stop + 1), max(16, (1 << 17) // k))
    topnode = np.empty(ntop, dtype=np.int64)
    topcnt = np.zeros(ntop + 1, dtype=np.int64)
    topcand = np.empty((ntop, k), dtype=np.int64)
    tnode = np.empty(ntop * seg, dtype=np.int64)
    tcnt = np.zeros(ntop * seg + 1, dtype=np.int64)
    tcnt2 = np.zeros((ntop, seg + 1), dtype=np.int64)
    tcand = np.empty((ntop * seg, k), dtype=np.int64)
    dS = np.empty((nt, k, d))
    dW = np.empty((nt, k))
    dgrown = np.empty((nt, k), dtype=np.bool_)
    chg = np.zeros(nt, dtype=np.int64)
    return (nt, stop, top, bufs, st_node, st_off, st_cnt, topnode, topcnt, topcand, tnode, tcnt, tcnt2, tcand, dS, dW,
            dgrown, chg)


@numba.njit(cache=True, nogil=True)
def _merge_threads(nt, dS, dW, dgrown, chg, S, W, grown):
    """Add the threads' sums and flags to ``S, W, grown``, in thread order; returns the
    threads' label changes."""
    k, d = S.shape
    changed = 0
    for t in range(nt):
        changed += chg[t]
        for j in range(k):
            W[j] += dW[t, j]
            grown[j] = grown[j] or dgrown[t, j]
            for c in range(d):
                S[j, c] += dS[t, j, c]
    return changed


@numba.njit(cache=True, nogil=True)
def _filter_pass(Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, labels, S, W, grown, nt, stop, top, bufs, st_node,
                 st_off, st_cnt, topnode, topcnt, topcand, tnode, tcnt, tcnt2, tcand, dS, dW, dgrown, chg):
    """Assign every point to its exact nearest centre, walking the tree (on ``nt`` threads
    when ``nt > 1``; the other arguments from :func:`_walk_buffers`); fills the clusters'
    sums ``S, W``, flags in ``grown`` the clusters whose membership changed and returns
    the number of labels changed.

    With several threads the walk has three parts: this thread walks the root down to
    nodes of at most ``top`` points (the top tasks); the threads walk those down to nodes
    of at most ``stop`` points (the tasks), listed in the order a walk of the whole tree
    would meet them; the threads walk the tasks to the leaves."""
    d = Xs.shape[1]
    k = C.shape[0]
    cn = np.empty(k)
    for j in range(k):
        s = 0.0
        for c in range(d):
            s += C[j, c] * C[j, c]
        cn[j] = s
    S[:] = 0.0
    W[:] = 0.0
    for j in range(k):
        bufs[0, j] = j
    tcnt[-1] = 0
    topcnt[-1] = 0
    changed = _walk(0, k, top, Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, cn, labels, S, W, grown, bufs[0],
                    st_node[0], st_off[0], st_cnt[0], topnode, topcnt, topcand)
    ntop = topcnt[-1]
    if ntop > 0:
        _walk_parallel(nt, ntop, topnode, topcnt, topcand, stop, Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C,
                       cn, labels, bufs, st_node, st_off, st_cnt, tnode, tcnt2, tcand, dS, dW, dgrown, chg)
        changed += _merge_threads(nt, dS, dW, dgrown, chg, S, W, grown)
        # the top tasks' segments, one after the other (rows only move towards the front)
        seg = tnode.shape[0] // tcnt2.shape[0]
        n = 0
        for i in range(ntop):
            for q in range(tcnt2[i, -1]):
                src = i * seg + q
                tnode[n] = tnode[src]
                tcnt[n] = tcnt2[i, q]
                if n != src:
                    for c in range(tcnt[n]):
                        tcand[n, c] = tcand[src, c]
                n += 1
        tcnt[-1] = n
    if tcnt[-1] > 0:
        _walk_parallel(nt, tcnt[-1], tnode, tcnt, tcand, 0, Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, cn,
                       labels, bufs, st_node, st_off, st_cnt, tnode, tcnt2, tcand, dS, dW, dgrown, chg)
        changed += _merge_threads(nt, dS, dW, dgrown, chg, S, W, grown)
    return changed


@numba.njit(cache=True, nogil=True)
def filter_lloyd(X, w, C, labels, max_iter, beta, nth, min_changed, bet, last, grown, state):
    """Weighted Lloyd iterations on a tree of the points, until an exact fixed point or a
    hand-over.

    Same contract as :func:`vqpress.colour._numba_lloyd.lloyd_resume` (``C`` and
    ``labels`` updated in place, ``labels`` only a guess at the start; the step state
    ``bet, last, grown, state`` updated in place; returns ``(n_iter, status, j)``), plus
    status 3: a pass changed fewer than ``min_changed`` labels, so the iterations stop
    there for the bounded kernel to resume them (labels are the exact nearest centres of
    ``C``). The walk runs on ``nth`` threads (1: this thread only).
    """
    return filter_lloyd_on(build_tree(X, w), C, labels, max_iter, beta, nth, min_changed, bet, last, grown, state)


@numba.njit(cache=True, nogil=True)
def filter_lloyd_on(tree, C, labels, max_iter, beta, nth, min_changed, bet, last, grown, state):
    """:func:`filter_lloyd` on a tree of the points built before
    (:func:`vqpress.colour._numba_tree.build_tree`)."""
    Xs, ws, perm, start, end, left, lo, hi, bn2, NS, NW, maxdepth = tree
    m, d = Xs.shape
    k = C.shape[0]
    lab = np.empty(m, dtype=np.int64)
    for q in range(m):
        lab[q] = labels[perm[q]]
    Q = 0.0  # sum of w |x|^2: the objective is Q + sum_j C_j . (W_j C_j - 2 S_j)
    for q in range(m):
        for c in range(d):
            Q += ws[q] * Xs[q, c] * Xs[q, c]
    S = np.zeros((k, d))
    W = np.zeros(k)
    delta = np.empty(k)
    scratch = np.zeros(k, dtype=np.bool_)
    walk = _walk_buffers(nth, m, k, d, maxdepth)
    _filter_pass(Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, lab, S, W, scratch, *walk)
    relax = state[0] != 0.0
    fresh = False
    status = 2
    j0 = -1
    nit = max_iter
    for it in range(max_iter):
        for j in range(k):
            if W[j] == 0.0:
                status = 1
                j0 = j
                break
        if status == 1:
            nit = it
            break
        if lloyd_step(S, W, C, last, bet, delta, grown, relax, beta) == 0:
            if fresh:
                status = 0
                nit = it
                break
            # same partition twice: sums in point order, which depend on the partition only
            # (the walk's order of additions depends on the centres)
            S, W, _ = cluster_sums(Xs, ws, lab, k)
            fresh = True
            continue
        grown[:] = False
        changed = _filter_pass(Xs, ws, start, end, left, lo, hi, bn2, NS, NW, C, lab, S, W, grown, *walk)
        relax = after_pass(state, Q, S, W, C)
        fresh = False
        if changed < min_changed:
            status = 3
            nit = it + 1
            break
        if changed == 0:
            S, W, _ = cluster_sums(Xs, ws, lab, k)
            fresh = True
    for q in range(m):
        labels[perm[q]] = lab[q]
    return nit, status, j0
