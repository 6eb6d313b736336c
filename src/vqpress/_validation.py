"""Input checks shared by the public functions: one place that says what is allowed."""

from __future__ import annotations

import numbers

import numpy as np

from .errors import VQError

#: Number of levels a codebook may have.
MIN_COLORS, MAX_COLORS = 2, 65536


def check_data(data, *, name: str = "data") -> np.ndarray:
    """Return ``data`` as a numeric, finite, non-empty array of at least one dimension.

    Integer and floating dtypes are allowed; bool, complex, object, string and datetime
    dtypes are not. The array is not copied when it already qualifies.
    """
    try:
        arr = np.asarray(data)
    except Exception as exc:  # ragged lists and the like
        raise VQError(f"{name} must be a numeric array; got {type(data).__name__} ({exc})") from None
    kind = arr.dtype.kind
    if kind == "b":
        raise VQError(f"{name} has dtype bool; allowed are integer and floating dtypes (convert with .astype(np.uint8))")
    if kind not in "uif":
        raise VQError(
            f"{name} has dtype {arr.dtype}; allowed are integer (uint8, uint16, int*, ...) and "
            "floating (float16/32/64) dtypes"
        )
    if arr.ndim == 0:
        raise VQError(f"{name} is a 0-d scalar; allowed are arrays with at least 1 dimension")
    if arr.size == 0:
        raise VQError(f"{name} is empty (shape {arr.shape}); it needs at least one value")
    if kind == "f" and not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise VQError(f"{name} contains {bad}; only finite values can be quantized")
    return arr


def check_n_colors(n_colors, *, low: int = MIN_COLORS, high: int = MAX_COLORS) -> int:
    """Return ``n_colors`` as an ``int`` after checking it is an integer in ``[low, high]``."""
    if isinstance(n_colors, (bool, np.bool_)) or not isinstance(n_colors, numbers.Integral):
        raise VQError(f"n_colors must be an integer in {low}..{high}; got {n_colors!r}")
    if not low <= n_colors <= high:
        raise VQError(f"n_colors must be an integer in {low}..{high}; got {n_colors}")
    return int(n_colors)


def check_choice(value, allowed, *, name: str) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a :class:`VQError`."""
    if not isinstance(value, str) or value not in allowed:
        raise VQError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Issue a warning attributed to the first caller outside the vqpress package."""
    import os
    import sys
    import warnings

    package_dir = os.path.dirname(os.path.abspath(__file__))
    level, frame = 2, sys._getframe(1)  # level 1 would be this function
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package_dir):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
