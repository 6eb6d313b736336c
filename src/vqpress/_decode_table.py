"""Decoding by one compiled table pass: codes (or packed codes) -> levels, with no widened
copy of the codes.

:meth:`vqpress.Codebook.decode` indexes the levels with numpy, which first widens every code
to a 64-bit index; for the chunks of a large array (the zarr codec, ``vqpress.dask``) this
looks the levels up in place instead, moving levels of any 1/2/4/8-byte dtype as unsigned
integers of their width. Same values as ``Codebook.decode``; codes are checked first.
"""

from __future__ import annotations

import numpy as np

from .bitpack import packed_size
from .errors import VQError

_ENTRY = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def decode_levels(codebook, codes, dtype=None) -> np.ndarray:
    """``codebook.decode(codes, dtype)``, scalar codebooks by a compiled table pass.

    Parameters
    ----------
    codebook : Codebook
    codes : ndarray of uint8 or uint16, any shape
        Codes in ``0 .. codebook.n_colors - 1``.
    dtype : numpy dtype, optional
        Output dtype (default the fitted data's).

    Returns
    -------
    ndarray
        Shape ``codes.shape`` (scalar) or ``codes.shape + (channels,)`` (colour).

    Raises
    ------
    VQError
        A code out of range.
    """
    codes = np.asarray(codes)
    levels = codebook.levels(dtype)
    width = levels.dtype.itemsize
    if (codebook.channels or codes.dtype not in (np.uint8, np.uint16) or width not in _ENTRY
            or not levels.dtype.isnative):
        return codebook.decode(codes, dtype)
    if codes.size and int(codes.max()) >= codebook.n_colors:
        raise VQError(f"code {int(codes.max())} is out of range; this codebook has codes "
                      f"0..{codebook.n_colors - 1}")
    from ._lookup import apply_table

    entry = _ENTRY[width]
    table = np.zeros(1 << (8 * codes.dtype.itemsize), dtype=levels.dtype)
    table[: levels.size] = levels
    out = np.empty(codes.shape, dtype=levels.dtype)
    flat = codes.reshape(-1) if codes.flags.c_contiguous else np.ascontiguousarray(codes).reshape(-1)
    apply_table(flat, table.view(entry), out.reshape(-1).view(entry))
    return out


def decode_packed(codebook, packed, count: int, dtype=None) -> np.ndarray:
    """The levels of ``count`` codes packed in ``codebook.bits`` bits each (the layout of
    :meth:`vqpress.Codebook.encode_packed`), unpacked and looked up in one compiled pass.

    Parameters
    ----------
    codebook : Codebook
    packed : bytes-like
        At least ``ceil(count * bits / 8)`` bytes.
    count : int
        Number of codes.
    dtype : numpy dtype, optional
        Output dtype (default the fitted data's).

    Returns
    -------
    ndarray, shape (count,) or (count, channels)

    Raises
    ------
    VQError
        Too few bytes, or a code out of range (damaged data).
    """
    from ._lookup import unpack_table

    data = np.frombuffer(memoryview(packed), dtype=np.uint8)
    bits = codebook.bits
    if data.size < packed_size(count, bits):
        raise VQError(f"{data.size} bytes hold fewer than {count} codes of {bits} bits")
    levels = codebook.levels(dtype)
    scalar = not codebook.channels and levels.dtype.itemsize in _ENTRY and levels.dtype.isnative
    table = np.zeros(1 << bits, dtype=levels.dtype if scalar else codebook.code_dtype)
    table[: codebook.n_colors] = levels if scalar else np.arange(codebook.n_colors)
    entry = _ENTRY[table.dtype.itemsize]
    out = np.empty(count, dtype=table.dtype)
    top = unpack_table(data, bits, table.view(entry), out.view(entry))
    if top >= codebook.n_colors:
        raise VQError(f"code {top} is out of range; this codebook has codes 0..{codebook.n_colors - 1}")
    return out if scalar else codebook.decode(out, dtype)
