"""Uniform strategy: equal-width bins from the smallest to the largest value."""

from __future__ import annotations

import numpy as np

from ..histogram import ScalarHistogram


def uniform_edges(hist: ScalarHistogram, n_colors: int) -> np.ndarray:
    """Edges of ``n_colors`` equal-width bins spanning ``[min, max]`` of the data.

    The same edges as scikit-learn's ``KBinsDiscretizer(strategy="uniform")``
    (``numpy.linspace(min, max, n_colors + 1)``). Bins may be empty; their level is then the
    bin's midpoint.

    Parameters
    ----------
    hist : ScalarHistogram
        Histogram of the data (at least two distinct values).
    n_colors : int
        Number of bins.

    Returns
    -------
    ndarray of float64, shape (n_colors + 1,)
    """
    return np.linspace(hist.values[0], hist.values[-1], n_colors + 1)
