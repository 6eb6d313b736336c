"""``fit_colours``: the single entry point from a colour histogram to a palette."""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_n_colors
from ..errors import VQError
from .histogram import check_pixels
from .kmeans import kmeans_fit
from .mediancut import variance_cut_fit
from .nearest import assign_labels

__all__ = ["fit_colours", "STRATEGIES"]

STRATEGIES = ("kmeans", "mediancut")

#: Largest palette: the k-means kernels keep k x k tables of centre distances (a few
#: hundred MB at this size).
MAX_COLOURS = 4096


def fit_colours(colours, counts, n_colors: int, strategy: str = "kmeans", random_state: int | None = 0) -> np.ndarray:
    """Fit a palette of ``n_colors`` centres to a colour histogram.

    Parameters
    ----------
    colours : ndarray, shape (m, C)
        Distinct colours (C = 3 or 4), any integer or floating dtype, for instance from
        :func:`vqpress.colour.colour_histogram`. Repeated rows are merged (their counts add).
    counts : ndarray, shape (m,)
        Positive weight (pixel count) of each colour; integer or float.
    n_colors : int
        Palette size, 2..4096 (``MAX_COLOURS``; the image functions allow 2..256).
    strategy : {"kmeans", "mediancut"}
        ``"kmeans"``: weighted k-means ending at an exact Lloyd fixed point of the full
        histogram (:mod:`vqpress.colour.kmeans`). ``"mediancut"``: one pass of greedy
        variance-minimising box cuts on a coarse histogram, several times faster, about
        0.5-1 dB lower PSNR (:mod:`vqpress.colour.mediancut`).
    random_state : int or None, default 0
        Accepted for API symmetry; both strategies are deterministic and do not use it.

    Returns
    -------
    centers : ndarray, shape (k, C), float64
        ``k == n_colors``, or ``k == m`` (one centre per distinct colour, in the order of
        ``np.unique``) when the histogram has at most ``n_colors`` distinct colours.

    Raises
    ------
    VQError
        On a bad shape, dtype, non-finite value, non-positive count, unknown strategy or
        ``n_colors`` outside 2..4096.
    """
    return _fit_with_labels(colours, counts, n_colors, strategy, random_state)[0]


def _fit_with_labels(colours, counts, n_colors: int, strategy: str = "kmeans", random_state: int | None = 0,
                     *, distinct: bool = False):
    """:func:`fit_colours`, also returning the exact nearest centre of every row of ``colours``.

    Returns ``(centers, labels)``; ``labels`` (int64, one per input row) is the exact nearest
    centre of each colour with ties to the lowest index -- the codes ``nearest_centre`` gives.
    ``distinct=True`` says that the rows are already distinct and sorted, as a colour
    histogram gives them (the check is skipped).
    """
    X = check_pixels(colours, name="colours")
    check_choice(strategy, STRATEGIES, name="strategy")
    k = check_n_colors(n_colors, high=MAX_COLOURS)
    w = np.asarray(counts)
    if w.shape != (X.shape[0],):
        raise VQError(f"counts must have shape ({X.shape[0]},), one per colour; got {w.shape}")
    if w.dtype.kind not in "uif":
        raise VQError(f"counts must be integer or floating; got dtype {w.dtype}")
    w = w.astype(np.float64)
    if not np.isfinite(w).all() or (w <= 0).any():
        raise VQError("counts must be finite and > 0 (drop colours with zero count)")
    # 64-bit integer colours that differ may be one float64 colour (above 2**53): then the
    # rows are distinct only once merged again, whatever the caller knew of them
    exact_in_float = not (X.dtype.kind in "iu" and X.dtype.itemsize == 8)
    X = np.ascontiguousarray(X, dtype=np.float64)
    sorted_rows = (distinct and exact_in_float) or _is_strictly_sorted(X)
    uniq, inv = (X, None) if sorted_rows else np.unique(X, axis=0, return_inverse=True)
    if inv is not None:
        inv = inv.reshape(-1)
        w = np.bincount(inv, weights=w, minlength=uniq.shape[0])
        X = np.ascontiguousarray(uniq)
    if X.shape[0] <= k:
        centers, labels = X.copy(), np.arange(X.shape[0], dtype=np.int64)
    elif strategy == "mediancut":
        centers = variance_cut_fit(X, w, k)
        labels = assign_labels(X, centers)[0] if centers.shape[0] > 1 else np.zeros(X.shape[0], np.int64)
    else:
        centers, labels = kmeans_fit(X, w, k, random_state=random_state)
    return centers, (labels if inv is None else labels[inv])


def _is_strictly_sorted(X: np.ndarray) -> bool:
    """True when the rows are in strictly increasing lexicographic order (hence distinct)."""
    if X.shape[0] < 2:
        return True
    a, b = X[:-1], X[1:]
    gt = np.zeros(a.shape[0], dtype=bool)
    eq = np.ones(a.shape[0], dtype=bool)
    for c in range(X.shape[1]):
        gt |= eq & (b[:, c] > a[:, c])
        eq &= b[:, c] == a[:, c]
    return bool(gt.all())
