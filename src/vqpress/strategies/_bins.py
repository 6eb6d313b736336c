"""Bin statistics on a histogram: where each bin starts, its weight and its mean.

Shared by every scalar strategy. A bin's data is found by binary search in the sorted
distinct values, so these cost ``O(k log n)`` plus one ``O(n)`` pass for the exact sums.
"""

from __future__ import annotations

import numpy as np

from ..histogram import ScalarHistogram


def bin_starts(values: np.ndarray, edges: np.ndarray, *, ties: str = "upper") -> np.ndarray:
    """Index in ``values`` where each bin starts, plus ``len(values)`` at the end.

    A value equal to an inner edge belongs to the upper bin (the rule of
    :meth:`vqpress.Codebook.encode` and of scikit-learn's ``KBinsDiscretizer``), or with
    ``ties="lower"`` to the lower bin.

    Returns
    -------
    ndarray of int64, shape (len(edges),)
        ``starts[b]:starts[b + 1]`` are the values of bin ``b``.
    """
    inner = np.searchsorted(values, edges[1:-1], side="left" if ties == "upper" else "right")
    return np.concatenate(([0], inner, [values.size])).astype(np.int64)


def bin_weights_and_means(hist: ScalarHistogram, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total weight and weighted mean of each bin (``nan`` mean for an empty bin).

    Sums are taken per bin (not as differences of running sums), so a small bin far from
    the origin keeps full precision.
    """
    n_bins = starts.size - 1
    weights = np.zeros(n_bins)
    means = np.full(n_bins, np.nan)
    full = np.flatnonzero(starts[1:] > starts[:-1])
    if full.size:
        first = starts[full]
        weights[full] = np.add.reduceat(hist.counts, first)
        means[full] = np.add.reduceat(hist.values * hist.counts, first) / weights[full]
    return weights, means


def edges_from_centers(centers: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Edges for nearest-centre coding: the data range around the midpoints of sorted centers."""
    return np.concatenate(([lo], (centers[1:] + centers[:-1]) * 0.5, [hi]))
