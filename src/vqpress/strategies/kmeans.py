"""K-means strategy: Lloyd's algorithm on the histogram, from uniform initial centers."""

from __future__ import annotations

import numpy as np

from .._validation import warn
from ..histogram import ScalarHistogram
from ._bins import bin_starts, bin_weights_and_means, edges_from_centers

MAX_ITER = 10_000


def kmeans_edges(hist: ScalarHistogram, n_colors: int, *, max_iter: int = MAX_ITER) -> np.ndarray:
    """Edges of the k-means (Lloyd) fixed point reached from uniform initial centers.

    The start is scikit-learn's ``KBinsDiscretizer(strategy="kmeans")`` start (the midpoints of
    ``n_colors`` equal-width bins). Each iteration assigns every distinct value to its nearest
    center and moves each center to its bin's weighted mean; it stops when no assignment
    changes, so the result is an exact fixed point on every sample (scikit-learn stops at a
    tolerance and, by default, on a subsample). Each iteration costs ``O(k log n)``: the
    assignment is a binary search of the midpoints in the sorted values. A cluster that
    empties keeps its center; empty clusters are dropped at the end with a warning.

    Parameters
    ----------
    hist : ScalarHistogram
        Histogram of the data (at least two distinct values).
    n_colors : int
        Number of clusters to start from.
    max_iter : int
        Safety bound; a warning is raised if it is reached before convergence.

    Returns
    -------
    ndarray of float64, shape (m + 1,)
        ``[min, midpoints between consecutive centers, max]``.

    References
    ----------
    S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 1982.
    """
    values, counts = hist.values, hist.counts
    lo, hi = values[0], values[-1]
    # Running sums of shifted values: bin means from two look-ups, without cancellation.
    shift = hist.mean()
    cw = np.concatenate(([0.0], np.cumsum(counts)))
    cs = np.concatenate(([0.0], np.cumsum((values - shift) * counts)))
    grid = np.linspace(lo, hi, n_colors + 1)
    centers = (grid[1:] + grid[:-1]) * 0.5
    starts = None
    for _ in range(max_iter):
        new_starts = bin_starts(values, edges_from_centers(centers, lo, hi))
        if starts is not None and np.array_equal(new_starts, starts):
            break
        starts = new_starts
        w = cw[starts[1:]] - cw[starts[:-1]]
        s = cs[starts[1:]] - cs[starts[:-1]]
        full = w > 0
        centers = np.where(full, shift + np.divide(s, w, out=np.zeros_like(s), where=full), centers)
        centers.sort()
    else:
        warn(f"kmeans did not converge in {max_iter} iterations", RuntimeWarning)
    weights, means = bin_weights_and_means(hist, starts)
    if (weights == 0).any():
        warn(f"kmeans: {int((weights == 0).sum())} of {n_colors} clusters are empty; "
            f"using {int((weights > 0).sum())} levels")
    return edges_from_centers(means[weights > 0], lo, hi)
