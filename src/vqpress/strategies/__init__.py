"""Scalar quantization strategies: pure functions ``(histogram, n_colors) -> edges``.

Every strategy returns the ``m + 1`` bin edges (``m <= n_colors``) of its levels; the
codebook layer turns edges into reconstruction levels (the mean of each bin's data).
"""

from __future__ import annotations

from .kmeans import kmeans_edges
from .optimal import optimal_edges, optimal_partition
from .quantile import quantile_edges
from .uniform import uniform_edges

#: Strategy name -> edges function, for scalar data.
SCALAR_STRATEGIES = {
    "uniform": uniform_edges,
    "quantile": quantile_edges,
    "kmeans": kmeans_edges,
    "optimal": optimal_edges,
}

__all__ = [
    "SCALAR_STRATEGIES",
    "kmeans_edges",
    "optimal_edges",
    "optimal_partition",
    "quantile_edges",
    "uniform_edges",
]
