"""Distortion between an image and its reconstruction."""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_data
from .errors import VQError

__all__ = ["mse", "psnr"]


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = check_data(a, name="a"), check_data(b, name="b")
    if a.shape != b.shape:
        raise VQError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return a, b


#: Elements per block of :func:`mse`: its float64 work space is two blocks (16 MiB), whatever the
#: images' size (the whole difference of a 90-megapixel colour image in float64 would be 2 GB).
_MSE_BLOCK = 1 << 20


def mse(a, b) -> float:
    """Mean squared error between two arrays of the same shape, computed in float64.

    The squared differences are summed block by block (pairwise within a block), so the memory
    it takes beyond its inputs stays at a few megabytes for images of any size.

    Examples
    --------
    >>> mse([0, 2], [1, 2])
    0.5
    """
    a, b = _pair(a, b)
    a, b = a.reshape(-1), b.reshape(-1)
    total = 0.0
    for start in range(0, a.size, _MSE_BLOCK):
        diff = a[start:start + _MSE_BLOCK].astype(np.float64)
        diff -= b[start:start + _MSE_BLOCK]
        np.square(diff, out=diff)
        total += float(diff.sum())
    return total / a.size


def psnr(a, b, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in decibels: ``10 log10(data_range**2 / mse)``.

    Parameters
    ----------
    a : array_like
        Reference image.
    b : array_like
        Image to compare, same shape.
    data_range : float, optional
        Peak value range. Default: 255 for uint8, 65535 for uint16, the dtype's range for
        other integer types, and ``a.max() - a.min()`` for floats.

    Returns
    -------
    float
        ``inf`` for identical images.

    Examples
    --------
    >>> import numpy as np
    >>> round(psnr(np.array([0, 255], np.uint8), np.array([1, 255], np.uint8)), 2)
    51.14
    """
    a, b = _pair(a, b)
    if data_range is None:
        if a.dtype.kind in "ui":
            info = np.iinfo(a.dtype)
            data_range = float(info.max) - float(info.min)
        else:
            data_range = float(a.max()) - float(a.min())
    if isinstance(data_range, (bool, np.bool_)) or not isinstance(data_range, numbers.Real):
        raise VQError(f"data_range must be a positive number or None; got {type(data_range).__name__}")
    data_range = float(data_range)
    if not np.isfinite(data_range) or data_range <= 0:
        raise VQError(f"data_range must be positive; got {data_range} (give data_range= for constant float images)")
    err = mse(a, b)
    if err == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / err))
