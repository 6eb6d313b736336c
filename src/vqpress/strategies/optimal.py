"""Optimal strategy: the levels of least mean squared error (exact 1-D k-means).

In one dimension the clusters of an optimal k-means solution are runs of consecutive sorted
values, so the global optimum is a shortest path over split points, found by dynamic
programming (Bellman 1973; Wang & Song 2011). With ``D[m][j]`` the least squared error of the
first ``j`` distinct values in ``m`` clusters,

    D[m][j] = min over i < j of  D[m-1][i] + cost(i, j),

where ``cost(i, j)`` is the weighted squared error of values ``i..j-1`` around their mean,
read in ``O(1)`` from running sums. The best split ``i`` never decreases as ``j`` grows
(the cost satisfies the quadrangle inequality), which the divide-and-conquer rule uses to
find a whole layer in ``O(n log n)`` instead of ``O(n^2)`` (Grønlund et al. 2017). Here
every level of that recursion is one vectorised pass over all its sub-problems, so a layer
is ``log2(n)`` numpy passes, not a Python loop per value. Small histograms (uint8 images)
take a dense ``O(n^2)`` table per layer, which is faster there.

References
----------
R. Bellman, "A note on cluster analysis and dynamic programming", Math. Biosci. 18, 1973.
H. Wang, M. Song, "Ckmeans.1d.dp: optimal k-means clustering in one dimension by dynamic
programming", The R Journal 3(2), 2011.
A. Grønlund, K. G. Larsen, A. Mathiasen, J. S. Nielsen, S. Schneider, M. Song, "Fast exact
k-means, k-medians and Bregman divergence clustering in 1D", arXiv:1701.07204, 2017.
"""

from __future__ import annotations

import os

import numpy as np

from ..histogram import ScalarHistogram
from ._bins import bin_weights_and_means, edges_from_centers

# Up to this many distinct values a layer is a dense (n+1) x (n+1) table.
DENSE_MAX = 600
# From this many distinct values on, the compiled layer is used when numba is installed.
COMPILED_MIN = 20_000


def optimal_edges(hist: ScalarHistogram, n_colors: int) -> np.ndarray:
    """Edges of the ``n_colors`` levels that minimise the mean squared error globally.

    Parameters
    ----------
    hist : ScalarHistogram
        Histogram of the data (at least two distinct values).
    n_colors : int
        Number of levels; if the data has fewer distinct values, each gets its own level.

    Returns
    -------
    ndarray of float64, shape (m + 1,)
        ``[min, midpoints between consecutive optimal centers, max]``, ``m = min(n_colors,
        n_distinct)``.

    Examples
    --------
    >>> import numpy as np
    >>> from vqpress.histogram import scalar_histogram
    >>> optimal_edges(scalar_histogram(np.array([0, 1, 2, 10, 11, 12.0])), 2)
    array([ 0.,  6., 12.])
    """
    starts = optimal_partition(hist.values, hist.counts, n_colors)
    _, means = bin_weights_and_means(hist, starts)
    return edges_from_centers(means, hist.values[0], hist.values[-1])


def optimal_partition(values: np.ndarray, counts: np.ndarray, n_clusters: int) -> np.ndarray:
    """Split points of the least-squares partition of sorted ``values`` into runs.

    Parameters
    ----------
    values : ndarray of float64, shape (n,)
        Strictly increasing distinct values.
    counts : ndarray of float64, shape (n,)
        Positive weight of each value.
    n_clusters : int
        Number of runs wanted (at most ``n``).

    Returns
    -------
    ndarray of int64, shape (k + 1,)
        ``starts[c]:starts[c + 1]`` indexes cluster ``c``; ``k = min(n_clusters, n)``.
    """
    n = values.size
    k = min(n_clusters, n)
    if k == n:
        return np.arange(n + 1, dtype=np.int64)
    # Shift to the mean so the running sums of squares stay small (less cancellation).
    x = values - np.dot(values, counts) / counts.sum()
    # prefix[0], [1], [2]: running weight, weighted sum and weighted sum of squares.
    prefix = np.zeros((3, n + 1))
    np.cumsum(counts, out=prefix[0, 1:])
    np.cumsum(counts * x, out=prefix[1, 1:])
    np.cumsum(counts * x * x, out=prefix[2, 1:])
    if n <= DENSE_MAX:
        solve_layer = _DenseLayers(prefix)
    elif n >= COMPILED_MIN and _compiled() is not None:
        solve_layer = _compiled_layer
    else:
        solve_layer = _divide_and_conquer_layer

    cost = _segment_cost(prefix, np.zeros(n + 1, dtype=np.int64), np.arange(n + 1))
    cost[0] = np.inf  # zero values in one cluster is not a cluster
    splits = []  # splits[m][j]: best start of the last cluster covering values [0, j)
    for m in range(2, k + 1):
        # Layer m covers j values with j in [m, n - (k - m)]; the last layer only j = n.
        j_lo, j_hi = (m, n - (k - m)) if m < k else (n, n)
        cost, best = solve_layer(prefix, cost, m, j_lo, j_hi)
        splits.append(best)
    starts = np.empty(k + 1, dtype=np.int64)
    starts[k], starts[0] = n, 0
    for m in range(k, 1, -1):
        starts[m - 1] = splits[m - 2][starts[m]]
    return starts


def _segment_cost(prefix: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Weighted squared error of values ``i..j-1`` around their mean (``inf`` where empty)."""
    w_all, s_all, q_all = prefix
    w = w_all[j] - w_all[i]
    s = s_all[j] - s_all[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (q_all[j] - q_all[i]) - s * s / w
    out[~(w > 0)] = np.inf
    return out


class _DenseLayers:
    """DP layers by full tables over (last split i, end j); ``O(n^2)`` each.

    The segment costs do not depend on the layer, so the ``(n+1) x (n+1)`` cost table is
    built once and each layer is one addition and one ``argmin``.
    """

    def __init__(self, prefix):
        # table[j, i]: cost of values i..j-1, rows by end j so each row's minimum over the
        # split i is a contiguous scan.
        w, s, q = (row[:, None] - row[None, :] for row in prefix)
        with np.errstate(divide="ignore", invalid="ignore"):
            s *= s
            s /= w
            q -= s
        q[np.tri(q.shape[0], dtype=bool).T] = np.inf  # i >= j: no values, not a cluster
        self.table = q

    def __call__(self, prefix, prev, m, j_lo, j_hi):
        n = prefix.shape[1] - 1
        block = self.table[j_lo : j_hi + 1, m - 1 : j_hi] + prev[m - 1 : j_hi]
        arg = np.argmin(block, axis=1)
        cost = np.full(n + 1, np.inf)
        best = np.zeros(n + 1, dtype=np.int64)
        cost[j_lo : j_hi + 1] = block.ravel()[arg + np.arange(0, block.size, block.shape[1])]
        best[j_lo : j_hi + 1] = arg + (m - 1)
        return cost, best


def _compiled():
    """The numba kernel module, or ``None`` without numba (or with ``VQPRESS_NO_NUMBA=1``)."""
    if os.environ.get("VQPRESS_NO_NUMBA", "") not in ("", "0"):
        return None
    try:
        from . import _optimal_numba
    except ImportError:
        return None
    return _optimal_numba


def _compiled_layer(prefix, prev, m, j_lo, j_hi):
    """One DP layer by the compiled divide and conquer (same rule as the numpy one)."""
    n = prefix.shape[1] - 1
    cost = np.full(n + 1, np.inf)
    best = np.zeros(n + 1, dtype=np.int64)
    _compiled().divide_and_conquer_layer(prefix[0], prefix[1], prefix[2], prev, m, j_lo, j_hi, cost, best)
    return cost, best


def _divide_and_conquer_layer(prefix, prev, m, j_lo, j_hi):
    """One DP layer by divide and conquer on the monotone best split; ``O(n log n)``.

    Each pass of the loop solves the middle row of every open sub-problem at once: the rows
    are laid end to end in one flat array of candidates, and per-row minima come from
    ``reduceat``.
    """
    n = prefix.shape[1] - 1
    cost = np.full(n + 1, np.inf)
    best = np.zeros(n + 1, dtype=np.int64)
    w_all, s_all, q_all = prefix
    base = prev - q_all  # the row's own Q[j] is added back after the minimum
    # Open sub-problems: rows j in [row_lo, row_hi], best split known to be in [opt_lo, opt_hi].
    row_lo = np.array([j_lo])
    row_hi = np.array([j_hi])
    opt_lo = np.array([m - 1])
    opt_hi = np.array([j_hi - 1])
    while row_lo.size:
        mid = (row_lo + row_hi) >> 1
        top = np.minimum(opt_hi, mid - 1)
        width = top - opt_lo + 1
        offsets = np.zeros(width.size, dtype=np.int64)
        np.cumsum(width[:-1], out=offsets[1:])
        total = int(offsets[-1] + width[-1])
        # Candidates of all rows end to end, and the row of each.
        seg = np.repeat(np.arange(width.size), width)
        cand = np.arange(total)
        cand += (opt_lo - offsets).take(seg)
        # base[cand] - (S[mid] - S[cand])**2 / (W[mid] - W[cand]): the DP value less Q[mid].
        dw = w_all.take(mid).take(seg)
        dw -= w_all.take(cand)
        ds = s_all.take(mid).take(seg)
        ds -= s_all.take(cand)
        ds *= ds
        ds /= dw
        values = base.take(cand)
        values -= ds
        row_min = np.minimum.reduceat(values, offsets)
        hits = np.flatnonzero(values == row_min.take(seg))
        # First hit of each row: the smallest best split, which keeps ties deterministic.
        hit_row = seg.take(hits)
        first = hits[np.concatenate(([True], hit_row[1:] != hit_row[:-1]))]
        arg = cand.take(first)
        cost[mid] = row_min + q_all.take(mid)
        best[mid] = arg
        left = mid > row_lo
        right = mid < row_hi
        row_lo, row_hi, opt_lo, opt_hi = (
            np.concatenate((row_lo[left], mid[right] + 1)),
            np.concatenate((mid[left] - 1, row_hi[right])),
            np.concatenate((opt_lo[left], arg[right])),
            np.concatenate((arg[left], opt_hi[right])),
        )
    return cost, best
