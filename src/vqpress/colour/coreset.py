"""Weighted coresets: colours pooled into a regular grid of bins, one weighted mean per bin.

Fitting k-means on the bin means instead of every distinct colour is the classic speed-up of
colour quantizers. It loses nothing in the end because vqpress only uses the coreset to find
a starting point: the final Lloyd iterations run on the exact distinct colours (see
:mod:`vqpress.colour.kmeans`). Pooling a bin into its weighted mean keeps the k-means
objective of any partition that does not cut the bin, up to the bin's own (constant)
within-bin variance, so the coreset optimum is close to the exact one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._grid_pool import grid_pool, refined_pool

__all__ = ["Coreset", "grid_coreset", "refined_coreset"]


@dataclass(frozen=True)
class Coreset:
    """Bin means and weights, and the bin of every original point.

    Attributes
    ----------
    points : ndarray, shape (b, C), float64
        Weighted mean colour of each non-empty bin.
    weights : ndarray, shape (b,), float64
        Total weight (pixel count) of each bin.
    bin_of : ndarray, shape (m,), int64
        Row of ``points`` that each original colour was pooled into.
    """

    points: np.ndarray
    weights: np.ndarray
    bin_of: np.ndarray


def grid_coreset(X: np.ndarray, w: np.ndarray, bits: int) -> Coreset:
    """Pool weighted points into ``2**bits`` bins per channel over their bounding box.

    Parameters
    ----------
    X : ndarray, shape (m, C), float64
        Distinct colours.
    w : ndarray, shape (m,), float64
        Their weights (counts), all positive.
    bits : int
        Bins per channel = ``2**bits`` (5 bits on uint8 RGB: bins 8 levels wide).

    Returns
    -------
    Coreset
    """
    points, W, bin_of = grid_pool(np.ascontiguousarray(X, dtype=np.float64),
                                  np.ascontiguousarray(w, dtype=np.float64), 1 << bits)
    return Coreset(points=points, weights=W, bin_of=bin_of)


def refined_coreset(X: np.ndarray, w: np.ndarray, bits: int, k: int) -> Coreset:
    """A grid coreset that is twice as fine where the colours matter most.

    Like :func:`grid_coreset` with ``2**bits`` bins per channel, except that every bin whose
    own weighted squared error (the error of pooling its colours into their mean) exceeds
    ``1/k`` of the total is split into ``2**C`` sub-bins. Those are the bins a palette of
    ``k`` colours has to cut: a dense dark region of a night sky, say, that a uniform grid
    would pool into a handful of points and that no start on it could then divide well.

    Parameters
    ----------
    X, w
        Distinct colours and their weights, as in :func:`grid_coreset`.
    bits : int
        Bins per channel of the coarse grid, ``2**bits``; the fine one has ``2**(bits + 1)``.
        ``bits * C`` is at most 24 (the coarse grid is indexed by a table).
    k : int
        Palette size the coreset is for.

    Returns
    -------
    Coreset
        Coarse bins first (row-major), then the sub-bins of the split ones.
    """
    if bits * X.shape[1] > 24:
        raise ValueError(f"bits * channels must be at most 24; got {bits} * {X.shape[1]}")
    points, W, bin_of = refined_pool(np.ascontiguousarray(X, dtype=np.float64),
                                     np.ascontiguousarray(w, dtype=np.float64), 1 << bits, k)
    return Coreset(points=points, weights=W, bin_of=bin_of)
