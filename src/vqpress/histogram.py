"""Exact histograms of scalar data: the sufficient statistic every scalar strategy fits on.

A ``uint8`` image has at most 256 distinct values and a ``uint16`` one 65,536, so counting
them is one pass over the pixels and everything after it runs on at most that many
``(value, count)`` pairs. Floating data has no small histogram: its sorted unique values with
their counts are used instead (exact, at the cost of one ``O(N log N)`` sort).

Histograms add up: :func:`merge_histograms` of the histograms of the parts of a data set is
the histogram of the whole, which is how fitting scales to tiles, folders and dask chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._flat import PATTERNS, flat_blocks, pattern_values
from ._validation import check_data
from .errors import VQError

__all__ = ["ScalarHistogram", "scalar_histogram", "merge_histograms"]

# Integer data whose value range is at most this wide is counted; wider ranges (int32 and up
# with far-apart values) fall back to sorting.
_COUNTING_MAX_RANGE = 1 << 20


@dataclass(frozen=True)
class ScalarHistogram:
    """Distinct values of scalar data with their (weighted) counts.

    Attributes
    ----------
    values : ndarray of float64, shape (n,)
        Distinct values, strictly increasing.
    counts : ndarray of float64, shape (n,)
        Positive count (or total sample weight) of each value.
    dtype : numpy.dtype
        Dtype of the data the histogram was taken from (decoding returns this dtype).
    """

    values: np.ndarray
    counts: np.ndarray
    dtype: np.dtype

    @property
    def total(self) -> float:
        """Total count (number of samples, or sum of weights)."""
        return float(self.counts.sum())

    @property
    def n_distinct(self) -> int:
        """Number of distinct values."""
        return int(self.values.size)

    def mean(self) -> float:
        """Weighted mean of the data."""
        # np.sum, not np.dot: BLAS's order of additions depends on its thread count
        return float(np.sum(self.values * self.counts) / self.total)


def scalar_histogram(data, sample_weight=None) -> ScalarHistogram:
    """Exact histogram of every value in ``data``.

    Parameters
    ----------
    data : array_like, any shape
        Integer or floating data; every element is one sample.
    sample_weight : array_like of shape ``data.shape``, optional
        Non-negative weight of each sample (default: 1 each). Values whose total weight is
        zero are left out.

    Returns
    -------
    ScalarHistogram

    Notes
    -----
    8- and 16-bit data (``uint8``, ``int8``, ``uint16``, ``int16``, ``float16``) and other
    integer data spanning at most 2**20 values are counted in one ``O(N)`` pass over the
    data in place (compiled, on the shared thread pool for 8/16-bit data; no copy of the
    data). Floating data and wide integer ranges are sorted (``O(N log N)``, with a
    temporary copy of the data in its own dtype).

    Examples
    --------
    >>> import numpy as np
    >>> h = scalar_histogram(np.array([[3, 1], [3, 3]], dtype=np.uint8))
    >>> h.values, h.counts
    (array([1., 3.]), array([1., 3.]))
    """
    arr = check_data(data)
    weights = None
    if sample_weight is not None:
        try:
            weights = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError):
            raise VQError(f"sample_weight must be an array of numbers; got {type(sample_weight).__name__}") from None
        if weights.shape != arr.shape and weights.size != arr.size:
            raise VQError(f"sample_weight has shape {weights.shape}; it must match data's shape {arr.shape}")
        weights = weights.ravel()
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise VQError("sample_weight must be finite and non-negative")
        if weights.sum() <= 0:
            raise VQError("sample_weight sums to zero; at least one sample needs positive weight")

    if weights is None and arr.dtype in PATTERNS:
        return _pattern_histogram(arr)
    if arr.dtype.kind in "ui":
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < _COUNTING_MAX_RANGE:
            return _range_histogram(arr, lo, hi - lo + 1, weights)
    flat = arr.ravel()
    if weights is None:
        values, counts = np.unique(flat, return_counts=True)
        return _distinct(values.astype(np.float64), counts.astype(np.float64), arr.dtype)
    values, inverse = np.unique(flat, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=values.size)
    keep = counts > 0
    return _distinct(values[keep].astype(np.float64), counts[keep], arr.dtype)


def _distinct(values: np.ndarray, counts: np.ndarray, dtype) -> ScalarHistogram:
    """The histogram of sorted ``values``, merging those that met in float64: 64-bit
    integers above 2**53 that float64 cannot tell apart (their counts add up)."""
    if np.dtype(dtype).itemsize == 8 and np.dtype(dtype).kind in "ui" and values.size > 1 \
            and not (values[1:] > values[:-1]).all():
        values, inverse = np.unique(values, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=counts, minlength=values.size)
    return ScalarHistogram(values, counts, dtype)


def _pattern_histogram(arr: np.ndarray) -> ScalarHistogram:
    return pattern_counts_histogram(pattern_counts(arr), arr.dtype)


def pattern_counts(arr: np.ndarray) -> np.ndarray:
    """How often each bit pattern occurs in 8- or 16-bit data (a dtype of ``PATTERNS``):
    int64 counts, 256 or 65,536 of them, in pattern order. Counts of parts of the data add
    up to those of the whole (:func:`pattern_counts_histogram` makes the histogram)."""
    from ._counting import count_patterns

    view = PATTERNS[arr.dtype]
    counts = np.zeros(1 << (8 * view.itemsize), dtype=np.int64)
    for (block,) in flat_blocks(arr):
        count_patterns(block.view(view), counts)
    return counts


def pattern_counts_histogram(counts: np.ndarray, dtype) -> ScalarHistogram:
    """The histogram of data of ``dtype`` (8 or 16 bits) whose :func:`pattern_counts` are ``counts``."""
    dtype = np.dtype(dtype)
    present = np.flatnonzero(counts)
    values = pattern_values(dtype)[present]
    counts = counts[present].astype(np.float64)
    if dtype.kind != "u":  # signed and float patterns are not in value order
        order = np.argsort(values, kind="stable")
        values, counts = values[order], counts[order]
        if dtype.kind == "f" and values.size > 1:  # -0.0 and 0.0 are one value
            same = np.flatnonzero(values[1:] == values[:-1])
            if same.size:  # keep the first of the pair, 0.0 (pattern 0 sorts first)
                counts[same] += counts[same + 1]
                values, counts = np.delete(values, same + 1), np.delete(counts, same + 1)
    return ScalarHistogram(values, counts, dtype)


def _range_histogram(arr: np.ndarray, lo: int, span: int, weights) -> ScalarHistogram:
    from ._counting import count_range, weigh_range

    if weights is None:
        counts = np.zeros(span, dtype=np.int64)
        for (block,) in flat_blocks(arr):
            count_range(block, block.dtype.type(lo), counts)
    else:
        counts = np.zeros(span)
        for block, w in flat_blocks(arr, weights.reshape(arr.shape)):
            weigh_range(block, block.dtype.type(lo), w, counts)
    present = np.flatnonzero(counts)
    # lo + b in the data's own dtype (no overflow: at most the largest value), then rounded
    # once to float64, as the data's values are (adding in float64 would round twice)
    values = (present.astype(arr.dtype) + arr.dtype.type(lo)).astype(np.float64)
    return _distinct(values, counts[present].astype(np.float64), arr.dtype)


def merge_histograms(*histograms: ScalarHistogram) -> ScalarHistogram:
    """Histogram of the union of the data behind ``histograms`` (counts add up).

    The dtype of the result (the dtype a codebook fitted on it decodes to) is
    :func:`numpy.result_type` of the inputs' dtypes: histograms of different dtypes are
    promoted to one that holds every value of each, so nothing is lost (``uint8`` and
    ``uint16`` give ``uint16``, ``uint8`` and ``int8`` give ``int16``, ``uint16`` and
    ``float16`` give ``float32``). The values themselves are float64 in every histogram and
    are merged as they are. Integer histograms that no integer dtype holds together (``uint64``
    with a signed dtype, which numpy promotes to ``float64``) are refused: the integer data
    would come back as floats.

    Raises
    ------
    VQError
        No histograms, an item that is not a :class:`ScalarHistogram`, or integer dtypes
        without a common integer dtype.

    Examples
    --------
    >>> import numpy as np
    >>> a = scalar_histogram(np.array([1, 2, 2], dtype=np.uint8))
    >>> b = scalar_histogram(np.array([2, 5], dtype=np.uint8))
    >>> merge_histograms(a, b).counts
    array([1., 3., 1.])
    >>> merge_histograms(a, scalar_histogram(np.array([1000], dtype=np.uint16))).dtype
    dtype('uint16')
    """
    if not histograms:
        raise VQError("merge_histograms needs at least one histogram")
    for h in histograms:
        if not isinstance(h, ScalarHistogram):
            raise VQError(f"merge_histograms takes ScalarHistograms; got {type(h).__name__}")
    dtypes = [np.dtype(h.dtype) for h in histograms]
    dtype = np.result_type(*dtypes)
    if all(d.kind in "ui" for d in dtypes) and dtype.kind not in "ui":
        names = ", ".join(sorted({d.name for d in dtypes}))
        raise VQError(f"merge_histograms: no integer dtype holds the values of {names} together "
                      f"(numpy would make them {dtype.name}); cast the data to one dtype first")
    values = np.concatenate([h.values for h in histograms])
    counts = np.concatenate([h.counts for h in histograms])
    merged, inverse = np.unique(values, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=counts, minlength=merged.size)
    return ScalarHistogram(merged, total, dtype)
