"""Fixed-width bit packing of codes: ``bits`` bits per code, most significant bit first.

Code ``t`` occupies bits ``t*bits .. (t+1)*bits - 1`` of the stream, bytes filled from their
most significant bit (the order PNG uses for sub-byte pixels); the last byte is zero-padded.
Eight codes always fill exactly ``bits`` bytes, so both directions work on groups of eight
codes: each byte of a group is a few shifted codes OR-ed together (and each code a few
shifted bytes), a fixed handful of whole-array operations and no per-code Python loop.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import VQError

__all__ = ["pack_bits", "unpack_bits", "packed_size"]

MAX_BITS = 16


def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if not ok or value < low or (high is not None and value > high):
        allowed = f"{low}..{high}" if high is not None else f">= {low}"
        raise VQError(f"{name} must be an integer {allowed}; got {value!r}")
    return int(value)


def packed_size(count: int, bits: int) -> int:
    """Bytes that ``count`` codes of ``bits`` bits take: ``ceil(count * bits / 8)``."""
    return (int(count) * int(bits) + 7) // 8


def _overlaps(bits: int):
    """For each byte ``q`` of an 8-code group: (code t, left shift) pairs that fill it.

    A negative shift is a right shift. Bit ``bits*t`` of the group is the top bit of code t.
    """
    table = []
    for q in range(bits):
        row = []
        for t in range(8):
            first, last = bits * t, bits * t + bits  # code t covers group bits [first, last)
            if first < 8 * q + 8 and last > 8 * q:
                row.append((t, 8 * q + 8 - last))
        table.append(row)
    return table


def pack_bits(codes, bits: int) -> bytes:
    """Pack non-negative integer codes into ``bits`` bits each.

    Parameters
    ----------
    codes : array_like of int, any shape
        Values in ``0 .. 2**bits - 1``; flattened in C order.
    bits : int
        Width of one code, 1..16.

    Returns
    -------
    bytes
        ``ceil(codes.size * bits / 8)`` bytes.

    Examples
    --------
    >>> pack_bits([1, 2, 3, 4, 5, 6, 7, 0], 3).hex()
    '29cbb8'
    >>> unpack_bits(bytes.fromhex('29cbb8'), 3, 8)
    array([1, 2, 3, 4, 5, 6, 7, 0], dtype=uint8)
    """
    bits = _check_int(bits, "bits", 1, MAX_BITS)
    arr = np.asarray(codes)
    if arr.dtype.kind not in "ui" or arr.dtype.itemsize > 8:
        raise VQError(f"codes must be an integer array; got dtype {arr.dtype}")
    flat = arr.ravel()
    count = flat.size
    if count:
        lo, hi = int(flat.min()), int(flat.max())
        if lo < 0 or hi >= 1 << bits:
            raise VQError(f"code {lo if lo < 0 else hi} does not fit in {bits} bits; allowed are 0..{(1 << bits) - 1}")
    return _pack_checked(flat, bits)


def _pack_checked(flat: np.ndarray, bits: int) -> bytes:
    """:func:`pack_bits` of a flat array of integer codes already known to fit in ``bits``."""
    count = flat.size
    if bits == 8:
        return flat.astype(np.uint8, copy=False).tobytes()
    work = np.uint8 if bits <= 8 else np.uint16
    groups = -(-count // 8)
    if count % 8 == 0:
        grouped = flat.astype(work, copy=False).reshape(groups, 8)
    else:
        grouped = np.zeros((groups, 8), dtype=work)
        grouped.ravel()[:count] = flat
    # Up to 8 bits, uint8 arithmetic drops the bits shifted out of the byte by itself.
    acc_dtype = np.uint8 if bits <= 8 else np.uint32
    out = np.empty((groups, bits), dtype=np.uint8)
    for q, row in enumerate(_overlaps(bits)):
        acc = np.zeros(groups, dtype=acc_dtype)
        for t, shift in row:
            col = grouped[:, t].astype(acc_dtype, copy=False)
            acc |= (col << shift) if shift >= 0 else (col >> -shift)
        out[:, q] = acc if bits <= 8 else acc & 0xFF
    return out.tobytes()[: packed_size(count, bits)]


def unpack_bits(data, bits: int, count: int) -> np.ndarray:
    """Unpack ``count`` codes of ``bits`` bits each from ``data`` (inverse of :func:`pack_bits`).

    Parameters
    ----------
    data : bytes-like
        At least ``ceil(count * bits / 8)`` bytes; any further bytes are ignored.
    bits : int
        Width of one code, 1..16.
    count : int
        Number of codes.

    Returns
    -------
    ndarray of uint8 (bits <= 8) or uint16, shape (count,)
    """
    bits = _check_int(bits, "bits", 1, MAX_BITS)
    count = _check_int(count, "count", 0)
    try:
        buf = np.frombuffer(memoryview(data), dtype=np.uint8)
    except TypeError:
        raise VQError(f"data must be bytes-like; got {type(data).__name__}") from None
    need = packed_size(count, bits)
    if buf.size < need:
        raise VQError(f"data holds {buf.size} bytes; {count} codes of {bits} bits need {need}")
    out_dtype = np.uint8 if bits <= 8 else np.uint16
    if bits == 8:
        return buf[:count].copy()
    groups = -(-count // 8)
    whole = need // bits  # groups whose bytes are all in buf; the last may be partial
    out = np.empty((groups, 8), dtype=out_dtype)
    for start in range(0, whole, _UNPACK_GROUPS):  # blocks: the uint32 temporaries stay small
        stop = min(whole, start + _UNPACK_GROUPS)
        _unpack_groups(buf[start * bits : stop * bits].reshape(-1, bits), bits, out[start:stop])
    if whole < groups:
        raw = np.zeros((1, bits), dtype=np.uint8)
        raw.ravel()[: need - whole * bits] = buf[whole * bits : need]
        _unpack_groups(raw, bits, out[whole:])
    return out.ravel()[:count]


#: Groups of 8 codes unpacked at a time.
_UNPACK_GROUPS = 1 << 16


def _unpack_groups(raw: np.ndarray, bits: int, out: np.ndarray) -> None:
    """The 8 codes of each group of ``bits`` bytes (``raw``, (g, bits)) into ``out`` (g, 8)."""
    mask = (1 << bits) - 1
    for t in range(8):
        first, last = bits * t, bits * t + bits
        q0, q1 = first // 8, (last - 1) // 8  # the bytes code t touches
        acc = np.zeros(raw.shape[0], dtype=np.uint32)
        for q in range(q0, q1 + 1):
            acc |= raw[:, q].astype(np.uint32) << (8 * (q1 - q))
        out[:, t] = (acc >> (8 * q1 + 8 - last)) & mask
