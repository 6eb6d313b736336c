"""K-means strategy: Lloyd's algorithm on the histogram, from uniform initial centers."""

from __future__ import annotations

import numpy as np

from .._text import count
from .._validation import warn
from ..errors import VQError
from ..histogram import ScalarHistogram
from ._bins import bin_starts, bin_weights_and_means, edges_from_centers

MAX_ITER = 10_000


def kmeans_edges(
    hist: ScalarHistogram,
    n_colors: int,
    *,
    max_iter: int = MAX_ITER,
    ties: str = "upper",
    empty: str = "keep",
) -> np.ndarray:
    """Edges of the k-means (Lloyd) fixed point reached from uniform initial centers.

    The start is scikit-learn's ``KBinsDiscretizer(strategy="kmeans")`` start (the midpoints of
    ``n_colors`` equal-width bins). Each iteration assigns every distinct value to its nearest
    center and moves each center to its bin's weighted mean; it stops when no assignment
    changes, so the result is an exact fixed point on every sample (scikit-learn stops at a
    tolerance and, by default, on a subsample). Each iteration costs ``O(k log n)``: the
    assignment is a binary search of the midpoints in the sorted values. A cluster that
    empties keeps its center (or is relocated, see ``empty``); clusters still empty at the
    end are dropped with a warning.

    Parameters
    ----------
    hist : ScalarHistogram
        Histogram of the data (at least two distinct values).
    n_colors : int
        Number of clusters to start from.
    max_iter : int
        Safety bound; a warning is raised if it is reached before convergence.
    ties : {"upper", "lower"}, default "upper"
        Which centre a value exactly halfway between two centres joins in each iteration:
        the upper one (the rule of :meth:`vqpress.Codebook.encode`, so that the fixed point
        is one of the encoder's own partitions) or the lower one (scikit-learn's ``KMeans``,
        whose Lloyd step gives a tie to the lower-index centre). The returned edges are
        encoded by the encoder's rule either way, as scikit-learn's ``transform`` does.
    empty : {"keep", "relocate"}, default "keep"
        What an iteration does with a cluster that gets no value: keep its centre (it may
        win values back later), or relocate it as scikit-learn's ``KMeans`` does: the empty
        clusters, in the order of their centres, each take one sample (a weight of 1, or
        all of a value's weight if less) of the values farthest from their own centre,
        farthest first, the higher value first among equally far ones (what NumPy's
        ``argpartition`` picks on small sorted data); the new centre is that value and the
        sample leaves its old cluster. Nothing moves when every value sits on its centre.
        :class:`vqpress.sklearn.KBinsDiscretizer` uses ``ties="lower", empty="relocate"``.

    Returns
    -------
    ndarray of float64, shape (m + 1,)
        ``[min, midpoints between consecutive centers, max]``.

    References
    ----------
    S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 1982.
    """
    if ties not in ("upper", "lower"):
        raise VQError(f"ties must be 'upper' or 'lower'; got {ties!r}")
    if empty not in ("keep", "relocate"):
        raise VQError(f"empty must be 'keep' or 'relocate'; got {empty!r}")
    values, counts = hist.values, hist.counts
    lo, hi = values[0], values[-1]
    # Running sums of shifted values: bin means from two look-ups, without cancellation.
    shift = hist.mean()
    cw = np.concatenate(([0.0], np.cumsum(counts)))
    cs = np.concatenate(([0.0], np.cumsum((values - shift) * counts)))
    grid = np.linspace(lo, hi, n_colors + 1)
    centers = (grid[1:] + grid[:-1]) * 0.5
    starts = None
    for _ in range(max_iter):
        new_starts = bin_starts(values, edges_from_centers(centers, lo, hi), ties=ties)
        if starts is not None and np.array_equal(new_starts, starts):
            break
        starts = new_starts
        w = cw[starts[1:]] - cw[starts[:-1]]
        s = cs[starts[1:]] - cs[starts[:-1]]
        if empty == "relocate" and (w == 0).any():
            _relocate_empty(hist, starts, centers, w, s, shift)
        full = w > 0
        centers = np.where(full, shift + np.divide(s, w, out=np.zeros_like(s), where=full), centers)
        centers.sort()
    else:
        warn(f"kmeans did not converge in {max_iter} iterations", RuntimeWarning)
    weights, means = bin_weights_and_means(hist, starts)
    if (weights == 0).any():
        warn(f"kmeans: {int((weights == 0).sum())} of {n_colors} clusters are empty; "
            f"using {count(int((weights > 0).sum()), 'level')}")
    return edges_from_centers(means[weights > 0], lo, hi)


def _relocate_empty(
    hist: ScalarHistogram, starts: np.ndarray, centers: np.ndarray, w: np.ndarray, s: np.ndarray, shift: float
) -> None:
    """scikit-learn's treatment of empty clusters, on the bins' weights ``w`` and shifted sums ``s`` (IN/OUT).

    Each empty bin, in order, takes one sample of the values farthest from the centre they
    were assigned to (``centers``, sorted, with ``starts`` their bins), farthest first.
    """
    values, counts = hist.values, hist.counts
    labels = np.repeat(np.arange(centers.size), np.diff(starts))
    distances = (values - centers[labels]) ** 2
    if distances.max() == 0:  # more clusters than distinct values: nowhere to go
        return
    far_first = np.lexsort((-np.arange(values.size), -distances))
    empty = list(np.flatnonzero(w == 0))
    for i in far_first:
        left = float(counts[i])
        while left > 0 and empty:
            unit = min(left, 1.0)
            new, old = empty.pop(0), labels[i]
            w[old] -= unit
            s[old] -= (values[i] - shift) * unit
            if w[old] <= 1e-12 * unit:  # emptied: no rounding residue left to divide by
                w[old] = s[old] = 0.0
            w[new] = unit
            s[new] = (values[i] - shift) * unit
            left -= unit
        if not empty:
            return
