"""The compact header of ``.vqz`` format 2.2 (docs/FORMAT.md, "Layout, format 2.2"): the
fields of the fixed header, the numbers as varints and the strategy as a code.

The fixed header spends 8 bytes on every dimension, 8 on the payload's length, 4 on
``n_colors`` and the strategy's name in letters: 55 bytes for a gray image, 62 for a colour
one, where these take 28 to 31. Its byte 11 (``ndim`` in the fixed header) is 0, which a
reader of format 2.1 and older refuses before anything else ("ndim 0"): a compact header is
never misread as a fixed one.

    magic 8 bytes, major u8 (2), minor u8 (2), dtype u8, 0 u8, channels u8, coding u8,
    strategy code u8, codebook form u8, ndim u8, then varints: n_colors, body length
    (codebook and payload), the ndim dimensions, and in format 2.3 the length of the frame
    timing block that opens the body; then the CRC-32 of all of it (u32)
"""

from __future__ import annotations

import struct

from . import _varint as varint
from .errors import FormatError

__all__ = ["STRATEGY_CODES", "TIMING_VERSION", "pack", "unpack", "MAX_LEN"]

#: Strategy names by their code (byte 14).
STRATEGY_CODES = ("uniform", "quantile", "kmeans", "optimal", "mediancut")
_FIXED = struct.Struct("<BBBBBBBBB")  # major, minor, dtype, 0, channels, coding, strategy, form, ndim
#: The format version whose header has the timing block's length (and whose body opens with it).
TIMING_VERSION = (2, 3)
#: Longest valid compact header after the magic, CRC excluded: n_colors (at most 65,536: 3
#: bytes), the body's length, 8 dimensions and the timing's length.
MAX_LEN = _FIXED.size + 3 + varint.MAX_BYTES * (1 + 8 + 1)


def pack(major: int, minor: int, dtype_code: int, channels: int, coding: int, strategy: str, form: int,
         n_colors: int, body_len: int, shape: tuple, timing_len: int = 0) -> bytes:
    """The header's bytes after the magic, CRC excluded; ``timing_len`` (at least 1) for
    format 2.3 only."""
    fixed = _FIXED.pack(major, minor, dtype_code, 0, channels, coding, STRATEGY_CODES.index(strategy), form,
                        len(shape))
    timing = (timing_len,) if (major, minor) >= TIMING_VERSION else ()
    return fixed + b"".join(varint.encode(v) for v in (n_colors, body_len, *shape, *timing))


def unpack(view, offset: int, max_ndim: int) -> tuple[tuple, int]:
    """``((major, minor, dtype_code, channels, coding, strategy, form, n_colors, body_len,
    shape, timing_len), end)`` of the compact header at ``view[offset:]`` (``timing_len`` 0
    before format 2.3); a FormatError for a strategy code or ndim out of range, a format 2.3
    header without a timing block, or a header that runs past ``view``."""
    if len(view) < offset + _FIXED.size:
        raise FormatError(f"truncated .vqz: {len(view)} bytes, the compact header needs more")
    major, minor, dtype_code, _, channels, coding, code, form, ndim = _FIXED.unpack_from(view, offset)
    if code >= len(STRATEGY_CODES):
        raise FormatError(f"strategy code {code} is unknown (allowed 0..{len(STRATEGY_CODES) - 1}: "
                          f"{', '.join(STRATEGY_CODES)})")
    if not 1 <= ndim <= max_ndim:
        raise FormatError(f"corrupt header: ndim {ndim} (allowed 1..{max_ndim})")
    at = offset + _FIXED.size
    values = []
    for what in ("n_colors", "body length", *(f"dimension {i}" for i in range(ndim))):
        value, at = varint.decode(view, at, f"header {what}")
        values.append(value)
    n_colors, body_len, *shape = values
    timing_len = 0
    if (major, minor) >= TIMING_VERSION:
        timing_len, at = varint.decode(view, at, "header timing length")
        if timing_len == 0:  # (a file without timing is written as 2.2)
            raise FormatError("format 2.3 header with a frame timing block of 0 bytes (allowed: 1 or more)")
    return (major, minor, dtype_code, channels, coding, STRATEGY_CODES[code], form, n_colors, body_len,
            tuple(shape), timing_len), at
