"""Percentiles by NumPy's and scikit-learn's definitions, read off an exact histogram.

The ``quantile`` strategy of vqpress puts cuts where counts are most equal; scikit-learn's
``KBinsDiscretizer`` uses ``numpy.percentile`` (or its own weighted percentile). These give
exactly those numbers from the histogram, so the drop-in stays bit-identical to
scikit-learn without sorting every sample.
"""

from __future__ import annotations

import numpy as np

from ..histogram import ScalarHistogram

# Integers beyond this are not exact in the histogram's float64 values.
_EXACT_INT = 2**53


def _order_statistics(hist: ScalarHistogram, ranks: np.ndarray) -> np.ndarray:
    """``sorted(data)[ranks]`` (negative ranks from the end) read off the histogram."""
    cum = np.cumsum(hist.counts)
    n = int(round(cum[-1]))
    ranks = np.where(ranks < 0, ranks + n, ranks)
    return hist.values[np.searchsorted(cum, ranks, side="right")]


def percentile_from_histogram(hist: ScalarHistogram, column: np.ndarray, levels: np.ndarray, method: str) -> np.ndarray:
    """``np.asarray(np.percentile(column, levels, method=method), dtype=float64)`` from the
    histogram: NumPy's own virtual indices, gamma and interpolation on the order
    statistics, so the result is bit-identical."""
    try:
        from numpy.lib import _function_base_impl as fb

        props = fb._QuantileMethods[method]
        get_indexes, get_gamma, lerp = fb._get_indexes, fb._get_gamma, fb._lerp
    except (ImportError, AttributeError, KeyError):  # pragma: no cover - other NumPy versions
        return _percentile_column(column, levels, method)
    if column.dtype.kind in "iu" and max(abs(hist.values[0]), abs(hist.values[-1])) > _EXACT_INT:
        return _percentile_column(column, levels, method)
    n = column.shape[0]
    scalar_values = hist.values.astype(column.dtype)
    exact = ScalarHistogram(scalar_values, hist.counts, hist.dtype)
    q = np.true_divide(levels, 100)
    virtual = np.asanyarray(props["get_virtual_index"](n, q))
    if props["fix_gamma"] is None:  # discrete methods: integer indices, no interpolation
        return np.asarray(_order_statistics(exact, virtual.astype(np.intp)), dtype=np.float64)
    previous_idx, next_idx = get_indexes(column[:0], virtual, n)
    previous = _order_statistics(exact, previous_idx)
    following = _order_statistics(exact, next_idx)
    gamma = get_gamma(virtual, previous_idx, props).reshape(virtual.shape)
    return np.asarray(lerp(previous, following, gamma), dtype=np.float64)


def _percentile_column(column, levels, method):
    kwargs = {} if method == "linear" else {"method": method}
    return np.asarray(np.percentile(column, levels, **kwargs), dtype=np.float64)


def weighted_percentile_from_histogram(hist: ScalarHistogram, dtype, levels: np.ndarray, *, average: bool) -> np.ndarray:
    """scikit-learn's ``_weighted_percentile`` (inverted CDF, optionally averaged) on a
    histogram; zero-weight values are already absent from it."""
    fdtype = np.dtype(dtype) if np.dtype(dtype) in (np.float32, np.float64) else np.dtype(np.float64)
    values = hist.values.astype(np.dtype(dtype)).astype(fdtype)
    cdf = np.cumsum(hist.counts.astype(fdtype))
    ranks = levels.astype(fdtype)
    last = values.size - 1
    result = np.empty(ranks.size, dtype=fdtype)
    for p, rank in enumerate(ranks):
        target = rank / 100 * cdf[-1]
        if target == 0:
            target = np.nextafter(target, target + 1)
        i = min(int(np.searchsorted(cdf, target)), last)
        if average and not (cdf[i] - target > np.finfo(fdtype).eps):
            result[p] = (values[i] + values[min(i + 1, last)]) / 2
        else:
            result[p] = values[i]
    return result
