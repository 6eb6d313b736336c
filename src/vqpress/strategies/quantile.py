"""Quantile strategy: bins holding counts as equal as ties allow."""

from __future__ import annotations

import numpy as np

from .._text import count
from .._validation import warn
from ..histogram import ScalarHistogram


def quantile_edges(hist: ScalarHistogram, n_colors: int) -> np.ndarray:
    """Edges of up to ``n_colors`` bins of (as nearly as possible) equal count.

    The ``q``-th cut is placed between two consecutive distinct values where the running
    count comes closest to ``q / n_colors`` of the total. A value is never split, so with
    heavy ties several cuts can fall in the same place: those bins collapse and are dropped
    with a warning (as scikit-learn does), leaving fewer levels.

    Parameters
    ----------
    hist : ScalarHistogram
        Histogram of the data (at least two distinct values).
    n_colors : int
        Number of bins asked for.

    Returns
    -------
    ndarray of float64, shape (m + 1,) with ``2 <= m <= n_colors``
        Inner edges are midpoints between the distinct values on either side of a cut.
    """
    values, counts = hist.values, hist.counts
    running = np.cumsum(counts)[:-1]  # count below each gap between consecutive values
    targets = hist.total * np.arange(1, n_colors) / n_colors
    right = np.searchsorted(running, targets).clip(max=running.size - 1)
    left = (right - 1).clip(min=0)
    gap = np.where(np.abs(running[left] - targets) <= np.abs(running[right] - targets), left, right)
    gap = np.unique(gap)
    if gap.size < n_colors - 1:
        warn(f"quantile: {n_colors - 1 - gap.size} of {n_colors} bins collapsed because of ties "
            f"in the data; using {count(gap.size + 1, 'level')}")
    inner = (values[gap] + values[gap + 1]) * 0.5
    return np.concatenate(([values[0]], inner, [values[-1]]))
