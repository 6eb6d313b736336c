"""Weighted k-means on a colour histogram, ending at an exact Lloyd fixed point.

The pipeline (all on the histogram of distinct colours, never on the pixels):

1. Pool the distinct colours into a weighted coreset (:mod:`vqpress.colour.coreset`): a
   6-bit grid of bins (4-bit for RGBA), twice as fine in the bins that hold much of the
   error, and, for a second start (up to ``_TWO_STARTS_MAX_K`` colours), a uniform grid one
   bit coarser.
2. Start each from a greedy variance-minimising split into ``n_colors`` boxes (Wu 1991),
   or weighted k-means++ with ``init="k-means++"``, and run weighted Lloyd iterations to a
   fixed point: the coarse start on its own grid first, then both on the fine coreset.
   Keep the start with the lower squared error there.
3. Run weighted Lloyd iterations on the exact distinct colours, starting from that
   coreset's labels, until an exact fixed point: every distinct colour is assigned to its
   exact nearest centre (ties to the lowest index) and every centre is the count-weighted
   mean of its colours. Empty clusters are re-seeded deterministically at the colour
   farthest from its centre in the cluster with the largest squared error.

Two starts because the k-means objective has many local minima of nearly equal depth:
measured over eight photographs at 16, 64 and 256 colours, each start alone fell below
scikit-learn's ``KMeans`` on one or two of them, the better of the two on none. From
``_backend.TREE_MIN_K`` centres on, where numba's threading layer allows it
(:func:`vqpress.colour._backend.threads_apart`), the two starts run at the same time, each
on one thread: the tree kernel on a coreset of a few thousand points gains less from a
second thread than two starts of about the same length do (with fewer centres the bounded
kernel uses two threads well and the first start is the longer one: measured, no gain).
With one start (more than ``_TWO_STARTS_MAX_K`` centres), the helper thread builds the
exact stage's tree of the points meanwhile, beside the mostly serial coreset and split.

The Lloyd iterations are compiled with numba when available: exact, with steps that
lengthen for centres moving steadily in one direction (``_BETA``), on a tree of the points
while the centres move far (:mod:`vqpress.colour._numba_filter`) and with distance bounds
per point once they settle (:mod:`vqpress.colour._numba_lloyd`). The numpy fallback runs plain
Lloyd (same guarantee, possibly a different fixed point).

No matrix products (``@``) here: numpy hands them to OpenBLAS, whose threads then spin for
up to a tenth of a second waiting for more work, taking a core from the Lloyd kernel's
threads right when they start (measured: the exact stage ran 1.5-2x slower).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from . import _backend
from .coreset import grid_coreset, refined_coreset

__all__ = ["kmeans_fit", "lloyd_fixed_point", "kmeans_plusplus", "box_means"]

#: Use the exact colours directly when there are at most this many (or 16 per centre).
_EXACT_MAX = 4096

#: Longest step, in plain Lloyd steps, of a centre moving steadily (see ``_backend.lloyd``).
_BETA = 4.0

#: Bits per channel of the coreset grid (before refinement), by number of channels.
_CORESET_BITS = {3: 6, 4: 4}

#: Up to this many centres, a second start (on the coarser grid) is tried. Beyond, the
#: refined coreset alone was never worse than scikit-learn in the measurements and the
#: second start costs a third of the time.
_TWO_STARTS_MAX_K = 64


def box_means(X: np.ndarray, w: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Weighted mean of each label group, shape (k, C) float64 (all groups non-empty)."""
    return np.ascontiguousarray(_backend.weighted_means(X, w, labels, k)[0])


def kmeans_plusplus(X: np.ndarray, w: np.ndarray, k: int, random_state: int | None = 0) -> np.ndarray:
    """Weighted greedy k-means++ seeding; returns (k, C) float64 centres taken from X.

    References
    ----------
    .. [1] D. Arthur and S. Vassilvitskii, "k-means++: the advantages of careful seeding",
       SODA 2007 (greedy variant with ``2 + log k`` trials, as in scikit-learn).
    """
    rng = np.random.default_rng(random_state)
    m = X.shape[0]
    trials = 2 + int(np.log(k))
    first = rng.choice(m, p=w / w.sum())
    centres = [first]
    closest = ((X - X[first]) ** 2).sum(1)
    for _ in range(1, k):
        pot = w * closest
        cum = np.cumsum(pot)
        cand = np.searchsorted(cum, rng.random(trials) * cum[-1])
        cand = np.minimum(cand, m - 1)
        d = ((X[None, :, :] - X[cand, None, :]) ** 2).sum(2)
        d = np.minimum(d, closest[None, :])
        best = int(np.argmin((d * w).sum(axis=1)))
        centres.append(int(cand[best]))
        closest = d[best]
    return np.ascontiguousarray(X[centres])


def _reseed(X, w, C, labels, j):
    """Move empty centre j onto the farthest colour of the cluster with the largest SSE."""
    d2 = ((X - C[labels]) ** 2).sum(1)
    sse = np.bincount(labels, weights=w * d2, minlength=C.shape[0])
    b = int(np.argmax(sse))
    members = np.flatnonzero(labels == b)
    p = members[int(np.argmax(d2[members]))]
    C[j] = X[p]
    labels[p] = j


def lloyd_fixed_point(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, beta: float = 1.0,
                      tree=None) -> int:
    """Weighted Lloyd iterations until an exact fixed point, re-seeding empty clusters.

    Parameters
    ----------
    X : ndarray, shape (m, C), float64, C-contiguous
        Points (distinct colours).
    w : ndarray, shape (m,), float64
        Positive weights.
    C : ndarray, shape (k, C), float64, C-contiguous
        Starting centres, updated in place; ``k <= m`` and the rows of X distinct.
    labels : ndarray, shape (m,), int64
        A guess of each point's nearest centre, updated in place to the final assignment.
    beta : float
        Longest step of a steadily moving centre, in plain Lloyd steps.
    tree : optional
        The compiled kernels' tree of X and w, if already built (``_backend.point_tree``).

    Returns
    -------
    int
        Total Lloyd iterations.
    """
    total = 0
    for _ in range(C.shape[0] + 10):
        it, status, j = _backend.lloyd(X, w, C, labels, _backend.LLOYD_MAX_ITER, beta, tree)
        total += int(it)
        if status != 1:
            return total
        _reseed(X, w, C, labels, int(j))
    return total


def _initial(X, w, k, init, random_state):
    if init == "k-means++":
        C = kmeans_plusplus(X, w, k, random_state)
        labels = _backend.assign(X, C)[0]
    else:
        labels, nbox = _backend.variance_split(X, w, k)
        C = box_means(X, w, labels, nbox)
        if nbox < k:  # fewer separable boxes than centres: pad, Lloyd re-seeds them
            C = np.concatenate([C, np.repeat(C[:1], k - nbox, axis=0)])
    return np.ascontiguousarray(C), np.ascontiguousarray(labels, dtype=np.int64)


def _coreset_start(cs_init, stages, k, init, random_state, start=None):
    """Start on ``cs_init``, then Lloyd fixed points on each coreset of ``stages`` in turn
    (a stage may be a ``Future`` of its coreset, waited for when it is reached). ``start``:
    the centres and labels of that start, if already found.

    Returns the centres, the labels of the last stage's points, and its squared error.
    """
    C, lab = _initial(cs_init.points, cs_init.weights, k, init, random_state) if start is None else start
    guess = lab[cs_init.bin_of]
    for cs in stages:
        if isinstance(cs, Future):
            cs = cs.result()
        lab = np.empty(cs.points.shape[0], dtype=np.int64)
        lab[cs.bin_of] = guess
        lloyd_fixed_point(cs.points, cs.weights, C, lab, _BETA)
        guess = lab[cs.bin_of]
    return C, guess, _backend.weighted_sse(cs.points, cs.weights, C, lab)


def _coarse_start(X, w, k, bits, fine, init, random_state):
    """The second start: on the uniform grid one bit coarser, then on the ``fine`` coreset
    (or a Future of it). ``None`` when that grid has no more than ``k`` points."""
    coarse = grid_coreset(X, w, bits - 1)
    if coarse.points.shape[0] <= k:
        return None
    return _coreset_start(coarse, [coarse, fine], k, init, random_state)


_helper: ThreadPoolExecutor | None = None  # runs the second start or builds the tree; made when needed
_helper_made = threading.Lock()


def _forget_helper() -> None:
    """In a forked child the helper's thread does not exist: make a new one when needed."""
    global _helper, _helper_made
    _helper = None
    _helper_made = threading.Lock()


os.register_at_fork(after_in_child=_forget_helper)


def _helper_thread() -> ThreadPoolExecutor:
    """The helper thread, made on first use."""
    global _helper
    with _helper_made:
        if _helper is None:
            _helper = ThreadPoolExecutor(1, thread_name_prefix="vqpress-start")
        return _helper


def _starts_side_by_side(X, w, k, bits, init, random_state):
    """Both starts at once, the coarse one on a helper thread, each running the kernels on
    one thread: the same computations, and results, as both starts on one thread one after
    the other. (With two threads, only the order of floating-point additions in the
    coreset's cluster sums differs, as for any thread count.) The fine coreset, which the
    coarse start needs for its second stage, is built first on this thread."""
    helper = _helper_thread()
    fine = Future()

    def coarse_side():
        with _backend.one_thread():
            return _coarse_start(X, w, k, bits, fine, init, random_state)

    second = helper.submit(coarse_side)
    try:
        with _backend.one_thread():
            fine.set_result(refined_coreset(X, w, bits, k))
            first = _coreset_start(fine.result(), [fine.result()], k, init, random_state)
    except BaseException as exc:
        if not fine.done():
            fine.set_exception(exc)  # the helper, waiting for it, gives up too
        second.exception()  # wait for the helper before passing the error on
        raise
    return [first, second.result()]


def _start_beside_the_tree(X, w, k, bits, init, random_state):
    """The one start of a large palette, while the helper thread builds the exact stage's
    tree of the points: the coreset and the split on this thread alone, beside it (both
    are mostly serial), then the coreset's Lloyd iterations on all threads. Returns the
    start, as a list of one, and the tree."""
    helper = _helper_thread()

    def build():
        with _backend.one_thread():
            return _backend.point_tree(X, w)

    tree = helper.submit(build)
    try:
        with _backend.one_thread():
            fine = refined_coreset(X, w, bits, k)
            first = _initial(fine.points, fine.weights, k, init, random_state)
    finally:
        built = tree.result()  # also when the start failed: nothing is left running
    return [_coreset_start(fine, [fine], k, init, random_state, start=first)], built


def kmeans_fit(X: np.ndarray, w: np.ndarray, k: int, *, random_state: int | None = 0, init: str = "split"):
    """Weighted k-means of distinct colours at an exact Lloyd fixed point.

    Parameters
    ----------
    X : ndarray, shape (m, C), float64
        Distinct colours (rows all different), ``m > k``.
    w : ndarray, shape (m,), float64
        Their counts.
    k : int
        Number of centres.
    random_state : int or None
        Seed for ``init="k-means++"``; the default ``"split"`` start is deterministic and
        ignores it.
    init : {"split", "k-means++"}
        Starting point on the coreset.

    Returns
    -------
    centers : ndarray, shape (k, C), float64
    labels : ndarray, shape (m,), int64
        Exact nearest centre of every colour (lowest index on ties); ``centers[j]`` is the
        weighted mean of the colours with label j.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    w = np.ascontiguousarray(w, dtype=np.float64)
    m, d = X.shape
    tree = None
    if m > max(_EXACT_MAX, 16 * k) and d in _CORESET_BITS:
        bits = _CORESET_BITS[d]
        if _backend.TREE_MIN_K <= k <= _TWO_STARTS_MAX_K and _backend.threads_apart():
            starts = _starts_side_by_side(X, w, k, bits, init, random_state)
        elif k > _TWO_STARTS_MAX_K and k >= _backend.TREE_MIN_K and _backend.threads_apart():
            starts, tree = _start_beside_the_tree(X, w, k, bits, init, random_state)
        else:
            fine = refined_coreset(X, w, bits, k)
            starts = [_coreset_start(fine, [fine], k, init, random_state)]
            if k <= _TWO_STARTS_MAX_K:
                starts.append(_coarse_start(X, w, k, bits, fine, init, random_state))
        C, guess, _ = min((s for s in starts if s is not None), key=lambda s: s[2])
    else:
        C, guess = _initial(X, w, k, init, random_state)
    labels = np.ascontiguousarray(guess, dtype=np.int64)
    lloyd_fixed_point(X, w, C, labels, _BETA, tree)
    return C, labels
