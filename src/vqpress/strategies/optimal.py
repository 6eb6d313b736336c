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
is filled by a compiled kernel (``_dp_layers``), which walks the recursion on the shared
thread pool when the layer is large. Small histograms (uint8 images) take a dense ``O(n^2)``
scan per layer instead, over a table of segment costs built once. The numpy reference of
both rules is in the tests, which check the kernels against it to the bit.

References
----------
R. Bellman, "A note on cluster analysis and dynamic programming", Math. Biosci. 18, 1973.
H. Wang, M. Song, "Ckmeans.1d.dp: optimal k-means clustering in one dimension by dynamic
programming", The R Journal 3(2), 2011.
A. Grønlund, K. G. Larsen, A. Mathiasen, J. S. Nielsen, S. Schneider, M. Song, "Fast exact
k-means, k-medians and Bregman divergence clustering in 1D", arXiv:1701.07204, 2017.
"""

from __future__ import annotations

import numpy as np

from ..histogram import ScalarHistogram
from ._bins import bin_weights_and_means, edges_from_centers
from ._dp_layers import dense_layer, dense_table, divide_and_conquer_layer

# Up to this many distinct values a layer is a dense scan of an (n+1) x (n+1) table.
DENSE_MAX = 600


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
    return _partition(values, counts, n_clusters, _compiled_layers)


def _compiled_layers(prefix: np.ndarray):
    """The layer rule for these running sums: a dense scan up to ``DENSE_MAX`` values."""
    if prefix.shape[1] - 1 > DENSE_MAX:
        return divide_and_conquer_layer
    table = dense_table(prefix)
    return lambda prefix, prev, m, j_lo, j_hi: dense_layer(table, prev, m, j_lo, j_hi)


def _partition(values: np.ndarray, counts: np.ndarray, n_clusters: int, layers) -> np.ndarray:
    """:func:`optimal_partition` with the layers filled by ``layers(prefix)(prefix, prev, m,
    j_lo, j_hi) -> (cost, best)`` (the tests pass the numpy reference here)."""
    n = values.size
    k = min(n_clusters, n)
    if k == n:
        return np.arange(n + 1, dtype=np.int64)
    # Shift to the mean so the running sums of squares stay small (less cancellation).
    # np.sum (numpy's own pairwise sum), not np.dot: BLAS adds in an order that depends on
    # its thread count, and the levels must not
    x = values - np.sum(values * counts) / counts.sum()
    # prefix[0], [1], [2]: running weight, weighted sum and weighted sum of squares.
    prefix = np.zeros((3, n + 1))
    np.cumsum(counts, out=prefix[0, 1:])
    np.cumsum(counts * x, out=prefix[1, 1:])
    np.cumsum(counts * x * x, out=prefix[2, 1:])
    solve_layer = layers(prefix)
    # One cluster of the first j values: (Q[j] - Q[0]) - (S[j] - S[0])**2 / (W[j] - W[0]), with
    # W[0] = S[0] = Q[0] = 0 (subtracting them changes no bit).
    w_all, s_all, q_all = prefix
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = q_all - s_all * s_all / w_all
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
