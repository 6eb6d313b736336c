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

from ._backend import grid_cells

__all__ = ["Coreset", "grid_coreset"]


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
    m, d = X.shape
    cells = 1 << bits
    key, lo, span = grid_cells(X, cells)
    nbins = cells**d
    if nbins <= (1 << 24):
        W = np.bincount(key, weights=w, minlength=nbins)
        nz = np.flatnonzero(W)
        rank = np.zeros(nbins, dtype=np.int64)
        rank[nz] = np.arange(nz.size)
        bin_of = rank[key]
        W = W[nz]
    else:
        uniq, bin_of = np.unique(key, return_inverse=True)
        bin_of = bin_of.reshape(-1)
        W = np.bincount(bin_of, weights=w, minlength=uniq.size)
    b = W.size
    sums = np.stack([np.bincount(bin_of, weights=w * X[:, c], minlength=b) for c in range(d)], axis=1)
    return Coreset(points=np.ascontiguousarray(sums / W[:, None]), weights=W, bin_of=bin_of)
