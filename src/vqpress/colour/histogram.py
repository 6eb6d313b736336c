"""Exact colour histograms: the distinct colours of an image and how often each occurs."""

from __future__ import annotations

import numpy as np

from .._validation import check_data
from ..errors import VQError

__all__ = ["colour_histogram", "check_pixels", "pack_keys", "unpack_keys", "key_counts"]

#: Channel counts accepted by the colour functions (RGB, RGBA).
COLOUR_CHANNELS = (3, 4)


def check_pixels(pixels, *, name: str = "pixels", channels=COLOUR_CHANNELS) -> np.ndarray:
    """Return ``pixels`` as a finite, non-empty (N, C) array with C in ``channels``."""
    arr = check_data(pixels, name=name)
    if arr.ndim != 2 or arr.shape[1] not in channels:
        allowed = " or ".join(map(str, channels))
        raise VQError(
            f"{name} must have shape (N, C) with C = {allowed} channels; got shape {arr.shape} "
            "(reshape an (H, W, C) image with .reshape(-1, C))"
        )
    return arr


def pack_keys(pixels: np.ndarray) -> np.ndarray | None:
    """Pack each row of an unsigned 8- or 16-bit (N, C) array into one integer key.

    Returns an (N,) uint32 (8-bit, C <= 4) or uint64 (16-bit, C <= 4) array whose numeric
    order is the lexicographic order of the rows, or ``None`` for other dtypes.
    """
    if pixels.dtype == np.uint8:
        kt, shift = np.uint32, 8
    elif pixels.dtype == np.uint16:
        kt, shift = np.uint64, 16
    else:
        return None
    key = pixels[:, 0].astype(kt)
    for c in range(1, pixels.shape[1]):
        key <<= kt(shift)
        key |= pixels[:, c]
    return key


def unpack_keys(keys: np.ndarray, channels: int, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`pack_keys`: (m,) keys -> (m, channels) array of ``dtype``."""
    shift = 8 * np.dtype(dtype).itemsize
    mask = (1 << shift) - 1
    out = np.empty((keys.shape[0], channels), dtype=dtype)
    for c in range(channels):
        out[:, channels - 1 - c] = (keys >> keys.dtype.type(shift * c)) & keys.dtype.type(mask)
    return out


def key_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a 1-D array of packed colour keys, ascending, and their counts.

    A compiled radix sort (several times faster than ``np.sort`` on large images).
    """
    from ._colour_keys import key_histogram

    return key_histogram(np.ascontiguousarray(keys))


def _runs(skeys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of every run of equal values in a sorted 1-D array."""
    starts = np.flatnonzero(np.concatenate(([True], skeys[1:] != skeys[:-1])))
    return starts, np.diff(np.append(starts, skeys.shape[0])).astype(np.int64)


def colour_histogram(pixels, *, return_inverse: bool = False):
    """Distinct colours of an image and their counts (exact, no binning).

    Parameters
    ----------
    pixels : ndarray, shape (N, C)
        Pixel colours, C = 3 (RGB) or 4 (RGBA); any integer or floating dtype. Reshape an
        (H, W, C) image with ``image.reshape(-1, C)``.
    return_inverse : bool, default False
        Also return, for each pixel, the row of ``colours`` it equals.

    Returns
    -------
    colours : ndarray, shape (m, C), same dtype as ``pixels``
        The distinct colours in lexicographic order.
    counts : ndarray, shape (m,), int64
        How many pixels have each colour; ``counts.sum() == N``.
    inverse : ndarray, shape (N,), intp
        Only with ``return_inverse``: ``colours[inverse]`` equals ``pixels``.

    Notes
    -----
    uint8 and uint16 colours are packed into one integer key per pixel and sorted (a radix
    sort, a few milliseconds for the 786,432-pixel raccoon face). Other dtypes use
    ``np.unique(axis=0)`` on the rows, which is exact but several times slower; floating
    colours are compared by value, so a float image rarely has many repeated colours and
    the histogram is then about as large as the image.

    Raises
    ------
    VQError
        If ``pixels`` is not an (N, 3) or (N, 4) finite, non-empty numeric array.
    """
    px = check_pixels(pixels)
    C = px.shape[1]
    keys = pack_keys(px)
    if keys is None:
        res = np.unique(px, axis=0, return_counts=True, return_inverse=return_inverse)
        if return_inverse:
            colours, inverse, counts = res
            return colours, counts.astype(np.int64), inverse.reshape(-1)
        colours, counts = res
        return colours, counts.astype(np.int64)
    if not return_inverse:
        uniq, counts = key_counts(keys)
        return unpack_keys(uniq, C, px.dtype), counts
    order = np.argsort(keys, kind="stable")
    skeys = keys[order]
    starts, counts = _runs(skeys)
    colours = unpack_keys(skeys[starts], C, px.dtype)
    inverse = np.empty(keys.shape[0], dtype=np.intp)
    inverse[order] = np.repeat(np.arange(starts.shape[0]), counts)
    return colours, counts, inverse
