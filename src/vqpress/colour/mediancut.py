"""Fast colour quantization: one pass of greedy variance-minimising box splits.

This is the "speed is all" strategy. Like median cut it recursively cuts the colour cube
into ``n_colors`` axis-aligned boxes, but each cut is the one that removes the most squared
error (Wu's criterion) rather than the median, which gives clearly better palettes for the
same cost. It runs on the 5-bit coreset of the histogram, and each centre is the exact
count-weighted mean of the colours pooled into its box. There are no Lloyd iterations, so the
result is not a k-means fixed point; encode it with
:func:`vqpress.colour.nearest_centre` as usual.

References
----------
.. [1] X. Wu, "Efficient statistical computations for optimal color quantization",
   Graphics Gems II, pp. 126-133, 1991.
.. [2] P. Heckbert, "Color image quantization for frame buffer display", SIGGRAPH 1982.
"""

from __future__ import annotations

import numpy as np

from ._variance_split import variance_split
from .coreset import grid_coreset
from .kmeans import box_means

__all__ = ["variance_cut_fit"]


def variance_cut_fit(X: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Centres of ``k`` variance-minimising boxes of the weighted colours.

    Parameters
    ----------
    X : ndarray, shape (m, C), float64
        Distinct colours, ``m > k``.
    w : ndarray, shape (m,), float64
        Their counts.
    k : int
        Number of boxes.

    Returns
    -------
    ndarray, shape (k', C), float64
        The weighted mean of every box; ``k' == k`` except when fewer boxes can be cut.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    w = np.ascontiguousarray(w, dtype=np.float64)
    if X.shape[0] > max(4096, 16 * k):
        cs = grid_coreset(X, w, 5)
        if cs.points.shape[0] >= 4 * k:
            X, w = cs.points, cs.weights
    labels, nbox = variance_split(X, w, k)
    return box_means(X, w, labels, nbox)
