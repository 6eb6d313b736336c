"""The scans of the "cm" coding: the eight ways to walk a map row by row (docs/FORMAT.md, "Scan").

The cm models predict a pixel from the neighbours coded before it: W on its left, and NW, N,
NE on the row above. Which of the picture's neighbours play those parts depends on the
direction the map is walked in, and pictures differ in which direction suits them: on the
photographs of ``benchmarks/bench_entropy.py``, walking the map down its columns from the
bottom-right corner (scan 7) codes most of them 0.3-3.6% smaller, while the cameraman codes
1.8-3.0% larger that way (BENCHMARKS.md, round 13). So the payload names a scan, and the
encoder codes the map as that scan sees it (:func:`orient`); the decoder puts the decoded map
back (:func:`restore`), or writes each pixel decoded in its place (:func:`placement`).

Scan ``s`` (0..7) has three bits: ``t = s >> 2`` transposes the map (its columns become the
rows coded), then ``r = (s >> 1) & 1`` reverses the order of the rows and ``c = s & 1`` the
order of the pixels in each row. The coded map ``C`` of a map ``M`` of ``H x W`` pixels:

* ``t = 0``: ``C[i, j] = M[i', j']`` with ``i' = H - 1 - i`` if ``r`` else ``i``, and
  ``j' = W - 1 - j`` if ``c`` else ``j`` (``C`` is ``H x W``);
* ``t = 1``: ``C[i, j] = M[j', i']`` with ``i' = W - 1 - i`` if ``r`` else ``i``, and
  ``j' = H - 1 - j`` if ``c`` else ``j`` (``C`` is ``W x H``).

Scan 0 is the map as it is, 4 its transpose, 7 the transpose walked backwards (the bottom-right
pixel first, up its column).

Examples
--------
>>> import numpy as np
>>> from vqpress.coding import scan
>>> m = np.arange(6, dtype=np.uint8).reshape(2, 3)
>>> scan.orient(m, 7)
array([[5, 2],
       [4, 1],
       [3, 0]], dtype=uint8)
>>> np.array_equal(scan.restore(scan.orient(m, 7), m.shape, 7), m)
True
"""

from __future__ import annotations

import numpy as np

from vqpress.errors import VQError

__all__ = ["SCANS", "IDENTITY", "REVERSED_TRANSPOSE", "byte_table", "check_scan", "coded_shape", "orient",
           "placement", "restore"]

#: The scans a payload may name.
SCANS = range(8)
#: The map as it is.
IDENTITY = 0
#: Its transpose walked backwards, the scan the encoder weighs against the identity.
REVERSED_TRANSPOSE = 7
_IDENTITY_TABLE = np.arange(256, dtype=np.uint8)


def check_scan(scan) -> int:
    """``scan`` as an int, after checking it is an integer in 0..7 (VQError otherwise)."""
    if isinstance(scan, (bool, np.bool_)) or not isinstance(scan, (int, np.integer)) or int(scan) not in SCANS:
        raise VQError(f"scan must be an integer in 0..7; got {scan!r}")
    return int(scan)


def coded_shape(shape: tuple[int, int], scan: int) -> tuple[int, int]:
    """The shape of the coded map of a map of ``shape`` under ``scan``: ``(W, H)`` for the
    transposing scans 4-7, ``shape`` itself for 0-3."""
    h, w = (int(s) for s in shape)
    return (w, h) if check_scan(scan) >> 2 else (h, w)


def byte_table(table) -> np.ndarray:
    """A byte table of 256 entries: ``table`` (up to 256 bytes, a symbol order) padded with
    zeros, or the identity for None."""
    if table is None:
        return _IDENTITY_TABLE
    full = np.zeros(256, dtype=np.uint8)
    full[:len(table)] = np.asarray(table).astype(np.uint8)
    return full


def _gather(src: np.ndarray, out_shape: tuple[int, int], base: int, dr: int, dc: int, table) -> np.ndarray:
    from vqpress.coding._scan import gather

    src = np.ascontiguousarray(src, dtype=np.uint8)
    out = np.empty(out_shape, dtype=np.uint8)
    gather(src.reshape(-1), out, base, dr, dc, byte_table(table))
    return out


def orient(codes: np.ndarray, scan: int, table=None) -> np.ndarray:
    """The coded map of ``codes`` under ``scan`` (module docstring), each value ``v`` written
    as ``table[v]`` (``table``: up to 256 bytes, a symbol order's ranks; None: the values).

    Parameters
    ----------
    codes : numpy.ndarray, shape (H, W), unsigned integers below 256
    scan : int, 0..7
    table : array-like of uint8, optional

    Returns
    -------
    numpy.ndarray, shape :func:`coded_shape`, uint8, C-contiguous (always a new array)
    """
    shape, base, dr, dc = placement(codes.shape, scan)
    return _gather(codes, shape, base, dr, dc, table)


def placement(shape: tuple[int, int], scan: int) -> tuple[tuple[int, int], int, int, int]:
    """Where each pixel of the coded map sits in a map of ``shape`` under ``scan``:
    ``(coded_shape, base, dr, dc)``, the coded map's pixel ``(i, j)`` being the map's pixel
    at flat (row-major) offset ``base + i * dr + j * dc``.

    Examples
    --------
    >>> placement((2, 3), 7)  # C[i, j] = M[1 - j, 2 - i]: flat offset 5 - i - 3 j
    ((3, 2), 5, -1, -3)
    """
    scan = check_scan(scan)
    h, w = (int(s) for s in shape)
    t, r, c = scan >> 2, (scan >> 1) & 1, scan & 1
    if not t:
        return (h, w), (h - 1) * w * r + (w - 1) * c, -w if r else w, -1 if c else 1
    return (w, h), (h - 1) * w * c + (w - 1) * r, -1 if r else 1, -w if c else w


def restore(coded: np.ndarray, shape: tuple[int, int], scan: int, table=None) -> np.ndarray:
    """The map of ``shape`` whose coded map under ``scan`` is ``coded`` (the inverse of
    :func:`orient`), each value ``v`` written as ``table[v]`` (a symbol order).

    Parameters
    ----------
    coded : numpy.ndarray, shape ``coded_shape(shape, scan)``, uint8
    shape : tuple of int
        ``(H, W)`` of the map.
    scan : int, 0..7
    table : array-like of uint8, optional

    Returns
    -------
    numpy.ndarray, shape (H, W), uint8, C-contiguous (a new array)
    """
    scan = check_scan(scan)
    h, w = (int(s) for s in shape)
    if coded.shape != coded_shape((h, w), scan):
        raise VQError(f"a coded map of {coded.shape} does not belong to a map of {(h, w)} under scan {scan}")
    t, r, c = scan >> 2, (scan >> 1) & 1, scan & 1
    if not t:  # a flip is its own inverse
        base = (h - 1) * w * r + (w - 1) * c
        return _gather(coded, (h, w), base, -w if r else w, -1 if c else 1, table)
    # M[i, j] = C[j'', i''] with j'' = W - 1 - j if r else j, i'' = H - 1 - i if c else i
    base = (w - 1) * h * r + (h - 1) * c
    return _gather(coded, (h, w), base, -1 if c else 1, -h if r else h, table)
