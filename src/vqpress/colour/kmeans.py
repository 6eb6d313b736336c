"""Weighted k-means on a colour histogram, ending at an exact Lloyd fixed point.

The pipeline (all on the histogram of distinct colours, never on the pixels):

1. Pool the distinct colours into a 5- or 6-bit-per-channel grid of bins (a weighted
   coreset, :mod:`vqpress.colour.coreset`) when there are many of them.
2. Start from a greedy variance-minimising split of the coreset into ``n_colors`` boxes
   (Wu 1991) -- or weighted k-means++ with ``init="k-means++"``.
3. Run weighted Lloyd iterations on the coreset to convergence.
4. Run weighted Lloyd iterations on the exact distinct colours, starting from the coreset
   labels, until an exact fixed point: every distinct colour is assigned to its exact nearest
   centre (ties to the lowest index) and every centre is the count-weighted mean of its
   colours. Empty clusters are re-seeded deterministically at the colour farthest from its
   centre in the cluster with the largest squared error.

For at most ``_TWO_STARTS_MAX_K`` centres, steps 2-3 also run on a coreset one bit finer and
the start with the lower squared error on the exact colours is kept. From ``_REFINE_MIN_K``
centres on, step 3 is followed by Lloyd on a coreset one bit finer. Steps 3 and 4 use drift
bounds, a runner-up centre per colour and Orchard's exact search (compiled with numba
when available; see ``_numba_kernels.lloyd``), and over-relaxed steps (``_BETA``) that fall
back to plain Lloyd if the objective rises; the last step is always a plain one, so the
result is an exact Lloyd fixed point. The numpy fallback runs plain Lloyd (same guarantee,
possibly a different fixed point).
"""

from __future__ import annotations

import numpy as np

from . import _backend
from .coreset import grid_coreset

__all__ = ["kmeans_fit", "lloyd_fixed_point", "kmeans_plusplus", "box_means"]

#: Use the exact colours directly when there are at most this many (or 16 per centre).
_EXACT_MAX = 4096

#: Over-relaxation factor of the Lloyd steps on the exact colours (see ``_backend.lloyd``).
_BETA = 1.9

#: Up to this many centres, a second start is fitted on a coreset one bit finer, and the
#: start with the lower squared error on the exact colours is kept (cheap for small k).
_TWO_STARTS_MAX_K = 32

#: From this many centres on, the coreset fit is refined by a Lloyd fixed point on a coreset
#: one bit finer (``_REFINE_STEPS`` finer coresets in turn, each started from the previous
#: fit) before the exact stage: fewer exact iterations for large k (face@256: 1.7 s -> 1.0 s).
_REFINE_MIN_K = 128
_REFINE_STEPS = 1
_REFINE_MAX_BITS = 6  # a 7-bit grid is barely smaller than the exact colours: not worth it


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
        best = int(np.argmin(d @ w))
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


def lloyd_fixed_point(X: np.ndarray, w: np.ndarray, C: np.ndarray, labels: np.ndarray, beta: float = 1.0) -> int:
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

    Returns
    -------
    int
        Total Lloyd iterations.
    """
    total = 0
    for _ in range(C.shape[0] + 10):
        it, status, j = _backend.lloyd(X, w, C, labels, _backend.LLOYD_MAX_ITER, beta)
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


def _coreset_fit(X, w, cs, k, init, random_state):
    """Lloyd fixed point on the coreset; returns centres and a label guess for X."""
    C, lab = _initial(cs.points, cs.weights, k, init, random_state)
    lloyd_fixed_point(cs.points, cs.weights, C, lab, _BETA)
    return C, lab[cs.bin_of]


def _refine(X, w, C, guess, bits):
    """Lloyd fixed points on successively finer coresets, each started from the last."""
    m = X.shape[0]
    for b in range(bits + 1, min(bits + _REFINE_STEPS, _REFINE_MAX_BITS) + 1):
        cs = grid_coreset(X, w, b)
        if 2 * cs.points.shape[0] > m:
            break
        lab = np.empty(cs.points.shape[0], dtype=np.int64)
        lab[cs.bin_of] = guess
        lloyd_fixed_point(cs.points, cs.weights, C, lab, _BETA)
        guess = lab[cs.bin_of]
    return C, guess


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
    m = X.shape[0]
    guess = None
    if m > max(_EXACT_MAX, 16 * k):
        for bits in (5, 6):
            cs = grid_coreset(X, w, bits)
            if cs.points.shape[0] >= 8 * k:
                break
        if cs.points.shape[0] > k:
            C, guess = _coreset_fit(X, w, cs, k, init, random_state)
            if init == "split" and k <= _TWO_STARTS_MAX_K:
                # a second start on a finer coreset; keep the one with the lower exact SSE
                C2, guess2 = _coreset_fit(X, w, grid_coreset(X, w, bits + 1), k, init, random_state)
                guess, d = _backend.assign(X, C, guess)
                guess2, d2 = _backend.assign(X, C2, guess2)
                if w @ d2 < w @ d:
                    C, guess = C2, guess2
            if k >= _REFINE_MIN_K:
                C, guess = _refine(X, w, C, guess, bits)
    if guess is None:
        C, guess = _initial(X, w, k, init, random_state)
    labels = np.ascontiguousarray(guess, dtype=np.int64)
    lloyd_fixed_point(X, w, C, labels, _BETA)
    return C, labels
