"""The three forms of a ``.vqz`` codebook (docs/FORMAT.md, "Codebook"): header byte 15.

- form 0 (:data:`FLOAT`, formats 1.0-2.0): the centres (and, for scalar data, the edges) as
  float64, exactly as fitted;
- form 1 (:data:`IN_DTYPE`, format 2.1, integer dtypes only): the centres as they decode
  (:meth:`Codebook.levels`: rounded, saturated) and, for scalar data, the edges as the
  thresholds ``t = ceil(edge)`` in the image's dtype. For every value ``x`` of the dtype
  ``x >= edge`` iff ``x >= t``, so the loaded codebook decodes and encodes data of that dtype
  exactly as the fitted one; its colours are the rounded ones, so nearest-colour encoding of
  other images uses those;
- form 2 (:data:`COMPACT`, format 2.2, integer dtypes only): the integers of form 1,
  predicted and Rice-coded (:mod:`vqpress._codebook_compact`), of a length its first bytes
  give.

Every integer conversion here is exact: float64 cannot hold ``2**63 - 1``, so comparisons
go against the powers of two just outside a dtype's range, and 64-bit values are checked
as Python integers.
"""

from __future__ import annotations

import numpy as np

from . import _codebook_compact as compact
from .codebook import Codebook
from .errors import FormatError, VQError

__all__ = ["FLOAT", "IN_DTYPE", "COMPACT", "FORMS", "in_dtype", "codebook_len", "compact_len", "pack", "unpack"]

FLOAT, IN_DTYPE, COMPACT = 0, 1, 2
#: Codebook forms a reader knows: header byte 15's allowed values.
FORMS = (FLOAT, IN_DTYPE, COMPACT)


def _ceil_saturated(values: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """``ceil(values)`` in ``dtype``, saturated at its ends, and where it was above the
    maximum (exact: ``values`` are float64, ``ceil`` of a float64 is a float64)."""
    return _saturated(np.ceil(values), dtype)


def _saturated(integral: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Integral float64 ``values`` in ``dtype`` (saturated), and where they were above its maximum."""
    info = np.iinfo(dtype)
    below, above = float(info.min), float(info.max) + 1.0  # exact: 0 or +-2**k
    inside = np.where((integral >= below) & (integral < above), integral, 0.0)
    out = inside.astype(dtype)
    out[integral < below] = info.min
    over = integral >= above
    out[over] = info.max
    return out, over


def in_dtype(codebook: Codebook) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The codebook in form 1: its levels and (scalar data) its stored edges, in its dtype;
    ``None`` where form 1 cannot hold it (a float dtype, or an inner edge above the dtype's
    maximum: no value of the dtype reaches that bin, a threshold cannot say so)."""
    dtype = codebook.dtype
    if dtype.kind not in "ui":
        return None
    levels = codebook.levels()
    if codebook.edges is None:
        return levels, None
    edges = codebook.edges
    inner, over = _ceil_saturated(edges[1:-1], dtype)
    if over.any():
        return None
    first, _ = _saturated(np.floor(edges[:1]), dtype)
    last, _ = _ceil_saturated(edges[-1:], dtype)
    return levels, np.concatenate([first, inner, last])


def codebook_len(n_colors: int, channels: int, dtype: np.dtype, form: int) -> int:
    """Bytes of a codebook of ``form`` 0 or 1 in a ``.vqz`` file (form 2: :func:`compact_len`)."""
    if form == COMPACT:
        raise ValueError("the length of a form-2 codebook is in its bytes: use compact_len")
    values = n_colors * max(channels, 1) + (0 if channels else n_colors + 1)
    return values * (8 if form == FLOAT else np.dtype(dtype).itemsize)


def compact_len(data, n_colors: int, channels: int, dtype: np.dtype) -> int:
    """Bytes of the form-2 codebook at the start of ``data`` (its first 15 bytes suffice)."""
    return compact.length(data, n_colors, channels, dtype)


def pack(codebook: Codebook, form: int, order: np.ndarray | None = None) -> list[bytes]:
    """The codebook's bytes in ``form`` (forms 1, 2: as :func:`in_dtype` gives it, which
    must not be None; form 2 may store colours in the payload's symbol ``order``)."""
    if form == FLOAT:
        parts = [codebook.centers.astype("<f8").tobytes()]
        if codebook.edges is not None:
            parts.append(codebook.edges.astype("<f8").tobytes())
        return parts
    held = in_dtype(codebook)
    if held is None:
        raise VQError(f"codebook form {form} cannot hold this codebook ({codebook.dtype})")
    if form == COMPACT:
        return [compact.pack(held[0], held[1], codebook.dtype, order)]
    little = codebook.dtype.newbyteorder("<")
    return [values.astype(little).tobytes() for values in held if values is not None]


def _exact_floats(values: np.ndarray, dtype: np.dtype, what: str, allow_max: bool) -> np.ndarray:
    """``values`` (ints of ``dtype``) as float64, refusing one that float64 does not hold
    exactly (only 64-bit dtypes have such values); ``allow_max``: the dtype's maximum is
    allowed (it becomes the power of two above it, which decodes, saturated, to it)."""
    floats = values.astype(np.float64)
    if dtype.itemsize == 8:
        info = np.iinfo(dtype)
        above = float(info.max) + 1.0  # 2**63 or 2**64, exact: the rounding of the top values
        inside = floats < above
        back = np.where(inside, floats, 0.0).astype(dtype)  # exact: integral floats inside the range
        exact = inside & (back == values)
        if allow_max:
            exact |= values == info.max
        if not exact.all():
            bad = values[~exact][0]
            raise FormatError(f"codebook form 1: {what} {bad} is not exactly a float64 (vqpress writes none such; "
                              f"{dtype} values beyond 2**53 must be multiples of their float64 spacing)")
    return floats


def unpack(data, n_colors: int, channels: int, dtype: np.dtype, form: int, strategy: str,
           order_of=None) -> Codebook:
    """The codebook stored in ``data`` (:func:`codebook_len` or :func:`compact_len` bytes),
    checked: a FormatError for anything a reader refuses. ``order_of()`` (form 2): the
    payload's symbol order, or None where its coding has none."""
    n_centers = n_colors * max(channels, 1)
    shape = (n_colors, channels) if channels else (n_colors,)
    if form == FLOAT:
        values = np.frombuffer(data, dtype="<f8", count=codebook_len(n_colors, channels, dtype, form) // 8)
        centers = values[:n_centers].astype(np.float64).reshape(shape)
        edges = None if channels else values[n_centers:].astype(np.float64)
    else:
        if form == COMPACT:
            order = order_of() if order_of is not None and len(data) and data[0] & 1 else None
            stored = compact.unpack(data, n_colors, channels, dtype, order)
        else:
            stored = np.frombuffer(data, dtype=dtype.newbyteorder("<"), count=len(data) // dtype.itemsize)
            stored = stored.astype(dtype.newbyteorder("="))
        centers = _exact_floats(stored[:n_centers], dtype, "centre", allow_max=True).reshape(shape)
        edges = None
        if not channels:
            ints = stored[n_centers:]
            drops = np.flatnonzero(ints[1:] < ints[:-1])
            if drops.size:
                i = int(drops[0])
                raise FormatError(f"codebook form 1: edge {i + 1} is {ints[i + 1]}, below edge {i} ({ints[i]}): "
                                  "the edges (thresholds) must be non-decreasing")
            inner = _exact_floats(ints[1:-1], dtype, "threshold", allow_max=False)
            edges = np.concatenate([ints[:1].astype(np.float64), inner, ints[-1:].astype(np.float64)])
    try:
        return Codebook(centers, edges, strategy=strategy, dtype=dtype)
    except VQError as exc:
        raise FormatError(f"invalid codebook: {exc}") from None
