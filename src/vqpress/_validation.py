"""Input checks shared by the public functions: one place that says what is allowed."""

from __future__ import annotations

import numbers

import numpy as np

from .errors import VQError


#: Fewest levels a fitted codebook may have.
MIN_COLORS = 2


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
    if kind == "f" and arr.dtype.itemsize > 8:
        raise VQError(
            f"{name} has dtype {arr.dtype}; allowed floating dtypes are float16, float32 and float64 "
            "(the levels are float64: convert with .astype(np.float64))"
        )
    if not arr.dtype.isnative:  # big-endian data: the kernels and the file format want native order
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if kind == "f" and not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise VQError(f"{name} contains {bad}; only finite values can be quantized")
    return arr


def check_int(value, *, name: str, low: int, high: int | None = None, context: str = "") -> int:
    """Return ``value`` as an ``int`` after checking it is an integer (not a bool) in
    ``[low, high]``; ``context`` follows the allowed range in the message."""
    allowed = (f"in {low}..{high}" if high is not None else f">= {low}") + context
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise VQError(f"{name} must be an integer {allowed}; got {_short_repr(value)} ({type(value).__name__})")
    if value < low or (high is not None and value > high):
        raise VQError(f"{name} must be an integer {allowed}; got {value}")
    return int(value)


def check_n_colors(n_colors, *, high: int, low: int = MIN_COLORS) -> int:
    """Return ``n_colors`` as an ``int`` after checking it is an integer in ``[low, high]``
    (``high``: the largest count the caller's kind of data allows, ``vqpress.kinds``)."""
    return check_int(n_colors, name="n_colors", low=low, high=high)


def check_bool(value, *, name: str) -> bool:
    """Return ``value`` if it is a bool (Python's or numpy's), else raise a :class:`VQError`."""
    if not isinstance(value, (bool, np.bool_)):
        raise VQError(f"{name} must be True or False; got {_short_repr(value)} ({type(value).__name__})")
    return bool(value)


def check_random_state(random_state, *, name: str = "random_state"):
    """``None``, a non-negative integer seed or a :class:`numpy.random.Generator`."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return random_state
    return check_int(random_state, name=name, low=0)


def check_path(path, *, name: str = "path"):
    """Return ``path`` as a :class:`pathlib.Path` if it is a str or path-like, else raise."""
    import os
    from pathlib import Path

    if not isinstance(path, (str, os.PathLike)):
        raise VQError(f"{name} must be a file name (str or path-like); got {_short_repr(path)} ({type(path).__name__})")
    path = Path(path)
    if "\0" in str(path):
        raise VQError(f"{name} contains a NUL character; no file can have that name")
    return path


def check_max_pixels(max_pixels) -> int | None:
    """``None`` (Pillow's decompression-bomb policy) or a positive integer."""
    if max_pixels is None:
        return None
    return check_int(max_pixels, name="max_pixels", low=1)


def pixel_limits(max_pixels: int | None) -> tuple[float, float]:
    """``(warn_above, refuse_above)``: the pixel counts above which reading an image warns
    and fails.

    ``max_pixels=None`` follows Pillow's decompression-bomb policy, read at call time:
    warn above ``PIL.Image.MAX_IMAGE_PIXELS``, refuse above twice it (no limit when it is
    ``None``). An integer refuses above itself and never warns.
    """
    inf = float("inf")
    if max_pixels is not None:
        return inf, max_pixels
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    return (inf, inf) if limit is None else (limit, 2 * limit)


def several_frames(path, count: int, what: str) -> VQError:
    """The error for a file of ``count`` frames (``what``: "frames (GIF)", "pages (TIFF)", ...)
    read without ``frames=True``: never cut to its first frame in silence."""
    return VQError(f"{path} holds {count} {what}; vqpress reads them all as one array (frames, H, W[, C]) with "
                   f"imread(..., frames=True), and the command line compresses them all with one codebook")


def check_pixels(n_pixels: int, max_pixels: int | None, *, what: str, error: type[VQError] = VQError,
                 writing: bool = False) -> None:
    """Refuse (``error``) or warn (Pillow's ``DecompressionBombWarning``, so that what
    silences Pillow's silences this) about reading an image of ``n_pixels`` pixels (see
    :func:`pixel_limits`); ``writing``: refuse what the reader would refuse, never warn."""
    warn_above, refuse_above = pixel_limits(max_pixels)
    if writing:  # a writer refuses what its reader would refuse, and never warns
        if n_pixels > refuse_above:
            limit = f"max_pixels={max_pixels:,}" if max_pixels is not None else (
                f"twice Pillow's decompression-bomb limit (PIL.Image.MAX_IMAGE_PIXELS = {int(warn_above):,})")
            raise error(f"{what} has {n_pixels:,} pixels, more than {limit}: it could not be read back with "
                        f"that limit; pass max_pixels={n_pixels} to write it (and the same to read it)")
        return
    if n_pixels > refuse_above:
        if max_pixels is None:
            raise error(
                f"{what} has {n_pixels:,} pixels, more than twice Pillow's decompression-bomb limit "
                f"(PIL.Image.MAX_IMAGE_PIXELS = {int(warn_above):,}); if you trust it, pass "
                f"max_pixels={n_pixels} (--max-pixels {n_pixels} on the command line)"
            )
        raise error(
            f"{what} has {n_pixels:,} pixels, more than max_pixels={max_pixels:,}; if you trust it, "
            f"pass max_pixels={n_pixels} (--max-pixels {n_pixels} on the command line)"
        )
    if n_pixels > warn_above:
        from PIL import Image

        warn(
            f"{what} has {n_pixels:,} pixels, more than Pillow's decompression-bomb limit "
            f"(PIL.Image.MAX_IMAGE_PIXELS = {int(warn_above):,}); reading it anyway (pass "
            f"max_pixels={n_pixels}, --max-pixels {n_pixels} on the command line, to allow it silently)",
            Image.DecompressionBombWarning,
        )


def _short_repr(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_choice(value, allowed, *, name: str, context: str = "") -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a :class:`VQError`
    (``context`` follows the allowed values in the message)."""
    if not isinstance(value, str) or value not in allowed:
        raise VQError(f"{name} must be one of {', '.join(map(repr, allowed))}{context}; got {_short_repr(value)}")
    return value


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Issue a warning attributed to the first caller outside the vqpress package.

    Frames of Python's import machinery are passed over too, and not counted: ``warnings``
    skips them when it counts ``stacklevel``. A warning raised while vqpress imports a module
    (``VQPRESS_NUM_THREADS`` is read when the thread pool loads) then points at the user's line
    that caused the import, not at an ``import`` line inside vqpress. scikit-learn's frames are
    passed over as well: its ``fit`` wrapper would otherwise take the blame for a warning of
    :class:`vqpress.sklearn.ColorQuantizer` that the user's call caused.
    """
    import importlib
    import os
    import sys
    import warnings

    def internal(frame) -> bool:  # as warnings._is_internal_frame
        name = frame.f_code.co_filename
        return "importlib" in name and "_bootstrap" in name

    def passed_over(frame) -> bool:  # vqpress, importlib doing vqpress's imports, scikit-learn
        name = os.path.abspath(frame.f_code.co_filename)
        return internal(frame) or name.startswith(skipped_dirs)

    package_dir = os.path.dirname(os.path.abspath(__file__))
    importlib_dir = os.path.dirname(os.path.abspath(importlib.__file__)) + os.sep
    skipped_dirs = (package_dir, importlib_dir)
    sklearn = sys.modules.get("sklearn")
    if getattr(sklearn, "__file__", None):  # only where it is already imported: no import here
        skipped_dirs += (os.path.dirname(os.path.abspath(sklearn.__file__)) + os.sep,)
    level, frame = 2, sys._getframe(1)  # level 1 would be this function
    while frame is not None and passed_over(frame):
        if not internal(frame):
            level += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=level)
