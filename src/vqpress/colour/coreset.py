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

from ._backend import axis_cells, grid_cells, kernels

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
    m, d = X.shape
    cells = 1 << bits
    K = kernels()
    nbins = cells**d
    if K is not None and nbins <= (1 << 24):
        points, W, bin_of = K.grid_pool(np.ascontiguousarray(X, dtype=np.float64),
                                        np.ascontiguousarray(w, dtype=np.float64), cells)
        return Coreset(points=points, weights=W, bin_of=bin_of)
    key = grid_cells(X, cells)[0]
    if nbins > (1 << 24):
        return _pool(X, w, key)
    W = np.bincount(key, weights=w, minlength=nbins)  # dense: no sort needed
    nz = np.flatnonzero(W)
    rank = np.zeros(nbins, dtype=np.int64)
    rank[nz] = np.arange(nz.size)
    return _means(X, w, rank[key], W[nz])


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
    k : int
        Palette size the coreset is for.

    Returns
    -------
    Coreset
        Coarse bins first (row-major), then the sub-bins of the split ones.
    """
    m, d = X.shape
    cells = 1 << bits
    K = kernels()
    if K is not None and (2 * cells) ** d <= (1 << 24):
        points, W, bin_of = K.refined_pool(np.ascontiguousarray(X, dtype=np.float64),
                                           np.ascontiguousarray(w, dtype=np.float64), cells, k)
        return Coreset(points=points, weights=W, bin_of=bin_of)
    fine, _, _ = axis_cells(X, 2 * cells)
    base = np.zeros(m, dtype=np.int64)
    fkey = np.zeros(m, dtype=np.int64)
    for c in range(d):
        base = base * cells + fine[:, c] // 2
        fkey = fkey * (2 * cells) + fine[:, c]
    nb = cells**d
    W = np.bincount(base, weights=w, minlength=nb)
    Q = np.bincount(base, weights=w * np.einsum("ij,ij->i", X, X), minlength=nb)
    S2 = sum(np.bincount(base, weights=w * X[:, c], minlength=nb) ** 2 for c in range(d))
    with np.errstate(invalid="ignore", divide="ignore"):
        sse = np.where(W > 0, np.maximum(Q - S2 / np.where(W > 0, W, 1.0), 0.0), 0.0)
    heavy = sse > sse.sum() / k
    return _pool(X, w, np.where(heavy[base], nb + fkey, base))


def _pool(X: np.ndarray, w: np.ndarray, key: np.ndarray) -> Coreset:
    """One bin per distinct key, in key order (the numpy path of the coresets)."""
    uniq, bin_of = np.unique(key, return_inverse=True)
    bin_of = bin_of.reshape(-1)
    return _means(X, w, bin_of, np.bincount(bin_of, weights=w, minlength=uniq.size))


def _means(X: np.ndarray, w: np.ndarray, bin_of: np.ndarray, W: np.ndarray) -> Coreset:
    """The coreset of the bins ``bin_of`` with total weights ``W`` (all positive)."""
    sums = np.stack([np.bincount(bin_of, weights=w * X[:, c], minlength=W.size) for c in range(X.shape[1])], axis=1)
    return Coreset(points=np.ascontiguousarray(sums / W[:, None]), weights=W, bin_of=bin_of)
