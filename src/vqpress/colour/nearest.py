"""Exact nearest-centre assignment: the encoder of a colour codebook."""

from __future__ import annotations

import numpy as np

from .._validation import check_data
from ..errors import VQError
from ._nearest import assign
from .histogram import check_pixels, key_counts, pack_keys, unpack_keys

__all__ = ["nearest_centre", "code_dtype", "assign_labels", "grid_guess"]

#: Above this many pixels, uint8/uint16 points are de-duplicated before the search.
_DEDUP_MIN = 1 << 16

def code_dtype(k: int) -> np.dtype:
    """Smallest unsigned dtype that holds codes ``0 .. k-1`` (uint8 up to 256 centres)."""
    return np.dtype(np.uint8 if k <= 256 else np.uint16 if k <= 65536 else np.uint32)


def check_centers(centers, channels: int) -> np.ndarray:
    """Return ``centers`` as a C-contiguous float64 (k, channels) array."""
    c = check_data(centers, name="centers")
    if c.ndim != 2 or c.shape[1] != channels:
        raise VQError(f"centers must have shape (k, {channels}) to match the points' {channels} channels; got {c.shape}")
    if c.shape[0] > 65536:
        raise VQError(f"centers has {c.shape[0]} rows; allowed are 1..65536 centres")
    return np.ascontiguousarray(c, dtype=np.float64)


def nearest_centre(points, centers, *, guess=None) -> np.ndarray:
    """Index of the nearest centre of every point, exactly.

    Parameters
    ----------
    points : ndarray, shape (n, C)
        Points (pixel colours), C = 1..4 channels, any integer or floating dtype.
    centers : ndarray, shape (k, C)
        Codebook, 1 <= k <= 65536.
    guess : ndarray, shape (n,), optional
        A likely nearest centre per point (for instance the label from a previous fit); it
        only makes the search faster, the answer does not depend on it.

    Returns
    -------
    codes : ndarray, shape (n,), uint8 if k <= 256 else uint16
        ``codes[i]`` minimises ``sum_c (points[i, c] - centers[j, c])**2`` over j, the sum
        taken in float64 channel by channel; ties go to the lowest index ``j``.

    Notes
    -----
    Large uint8/uint16 inputs are first reduced to their distinct colours (one sort), the
    search runs on those, and the result is mapped back to every pixel. The search itself is
    Orchard's exact nearest-neighbour search [1]_ (compiled, on the thread pool): starting
    from a guessed centre g at distance d, only centres within ``2 d`` of g can be nearer,
    so with a good guess (the nearest centre of the point's cell in a coarse grid) a few
    distances per point suffice.

    References
    ----------
    .. [1] M. T. Orchard, "A fast nearest-neighbor search algorithm", ICASSP 1991.

    Raises
    ------
    VQError
        If the arrays are empty, non-finite, not 2-D, or their channel counts disagree.
    """
    px = check_pixels(points, name="points", channels=(1, 2, 3, 4))
    C = check_centers(centers, px.shape[1])
    k = C.shape[0]
    out_dtype = code_dtype(k)
    n = px.shape[0]
    if guess is not None:
        guess = np.asarray(guess)
        if guess.shape != (n,) or guess.dtype.kind not in "ui" or (n and (guess.min() < 0 or guess.max() >= k)):
            raise VQError(f"guess must be an (n,) integer array with values in 0..{k - 1}")
        guess = guess.astype(np.int64)
    if k == 1:
        return np.zeros(n, dtype=out_dtype)
    keys = pack_keys(px) if (n > _DEDUP_MIN and guess is None) else None
    if keys is not None:
        u = key_counts(keys)[0]  # sorted distinct keys
        X = unpack_keys(u, px.shape[1], px.dtype).astype(np.float64)
        labels = assign_labels(X, C)[0].astype(out_dtype)
        if px.dtype == np.uint8 and px.shape[1] <= 3:
            lut = np.empty(1 << (8 * px.shape[1]), dtype=out_dtype)
            lut[u] = labels
            return lut[keys]
        return labels[np.searchsorted(u, keys)]
    X = np.ascontiguousarray(px, dtype=np.float64)
    return assign_labels(X, C, guess)[0].astype(out_dtype)


def assign_labels(X: np.ndarray, C: np.ndarray, guess: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact nearest centre (lowest index on ties) and squared distance of every row of X.

    ``X`` (n, d) and ``C`` (k, d) are float64 and C-contiguous, k >= 1; ``guess`` (optional,
    (n,) int64 in 0..k-1) is a likely nearest centre per row: it only changes the speed,
    never the answer. Returns ``(labels, dist2)``, (n,) int64 and float64.
    """
    n = X.shape[0]
    if guess is None:
        guess = grid_guess(X, C)
    labels = np.empty(n, dtype=np.int64)
    dist2 = np.empty(n)
    assign(X, C, np.ascontiguousarray(guess, dtype=np.int64), labels, dist2)
    return labels, dist2


def grid_guess(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """A good starting guess for the exact search: the centre nearest to the middle of the
    point's cell in a coarse grid over the points' bounding box (at most 4096 cells)."""
    n, d = X.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    cells = {1: 256, 2: 64, 3: 16}.get(d, 8)
    lo = X.min(axis=0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        span = X.max(axis=0) - lo
        span[span == 0] = 1.0
        # a span of subnormals (or one past float64's range) has no usable cell width: one cell
        scale = cells / span
        scale[~np.isfinite(scale)] = 0.0
        pos = np.nan_to_num((X - lo) * scale, nan=0.0, posinf=cells - 1, neginf=0.0)
    idx = np.clip(pos, 0, cells - 1).astype(np.int64)
    key = idx[:, 0]
    for c in range(1, d):
        key = key * cells + idx[:, c]
    grid = np.indices((cells,) * d).reshape(d, -1).T
    mids = np.ascontiguousarray(lo + (grid + 0.5) * (span / cells))
    best = np.empty(mids.shape[0], dtype=np.int64)
    # exact search from centre 0 for the cell middles: cheap, O(cells * few)
    assign(mids, C, np.zeros(mids.shape[0], dtype=np.int64), best, np.empty(mids.shape[0]))
    return best[key]
