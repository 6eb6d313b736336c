"""Codebook form 2 of ``.vqz`` (format 2.2): the integers of form 1, predicted and
Rice-coded (docs/FORMAT.md, "Codebook form 2").

Form 1 stores every centre (and, for scalar data, every threshold) as one integer of the
image's dtype: 768 bytes for a 256-colour RGB palette. Form 2 stores the same integers,
exactly, as the residuals of a prediction, each in a Rice code:

- colours are stored in an order the writer picks (0: the codes' order; 1: the payload's
  symbol order, in which colours that meet in the picture sit side by side), each channel
  predicted by the previous stored colour's; with transform 1 the red and blue residuals
  are taken minus the green one (the channels of a photograph's colours move together);
- gray levels are predicted by the previous level, thresholds by the midpoint of the two
  levels around them (the nearest-level rule), outer edges by the first and last level.

A residual is an integer mod 2**B (B = 8 x the dtype's size, on the values' two's
complement bit patterns), so every value of every dtype has one, and is mapped to an
unsigned one by the zigzag (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...). A series (one channel, or
the levels, or the edges) takes one Rice parameter ``k`` chosen by the writer: a value ``u``
is its quotient ``u >> k`` in unary, in one bit section, and its low ``k`` bits, in another,
so both decode without a loop over the values. Every part is checked on reading: a file
has one encoding of its codebook, and anything else is a FormatError.
"""

from __future__ import annotations

import numpy as np

from . import _varint
from .errors import FormatError

__all__ = ["pack", "unpack", "length", "CODE_ORDER", "SYMBOL_ORDER"]

#: ``store_order`` byte: the colours in the order of their codes, or in the payload's symbol order.
CODE_ORDER, SYMBOL_ORDER = 0, 1
#: ``transform`` byte: residuals as they are, or red and blue minus green (3 or 4 channels).
PLAIN, MINUS_GREEN = 0, 1


def _n_series(channels: int) -> int:
    return channels if channels else 3


def _mask(bits: int) -> np.uint64:
    return np.uint64((1 << bits) - 1)


def _patterns(values: np.ndarray) -> np.ndarray:
    """Integers of a dtype as their B-bit two's complement patterns, uint64."""
    unsigned = values.view(values.dtype.newbyteorder("=").str.replace("i", "u"))
    return unsigned.astype(np.uint64)


def _values(patterns: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """B-bit patterns (uint64, already reduced) back to integers of ``dtype`` (native order)."""
    native = dtype.newbyteorder("=")
    return patterns.astype(native.str.replace("i", "u")).view(native)


def _ceil_mid(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``ceil((a + b) / 2)`` exactly, for int64 or uint64 arrays (no overflow)."""
    one = a.dtype.type(1)
    return (a >> one) + (b >> one) + (((a & one) + (b & one) + one) >> one)


def _edge_prediction(levels: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Predicted edges (B-bit patterns): the first level, the ceil-midpoints of neighbouring
    levels, the last level."""
    wide = levels.astype(np.int64 if dtype.kind == "i" else np.uint64)
    mids = _ceil_mid(wide[:-1], wide[1:])
    pred = np.concatenate([wide[:1], mids, wide[-1:]]).astype(dtype.newbyteorder("="))
    return _patterns(pred)


def _zigzag(e: np.ndarray, bits: int) -> np.ndarray:
    mask = _mask(bits)
    neg = (e >> np.uint64(bits - 1)) & np.uint64(1)
    return ((e << np.uint64(1)) & mask) ^ np.where(neg == 1, mask, np.uint64(0))


def _unzigzag(u: np.ndarray, bits: int) -> np.ndarray:
    mask = _mask(bits)
    return (u >> np.uint64(1)) ^ np.where((u & np.uint64(1)) == 1, mask, np.uint64(0))


def _residuals(stored: list[np.ndarray], channels: int, dtype: np.dtype, transform: int) -> list[np.ndarray]:
    """The zigzagged residuals of every series (uint64)."""
    bits = 8 * dtype.itemsize
    mask = _mask(bits)
    if channels:
        colours = stored[0]  # (n, channels) patterns in stored order
        prev = np.vstack([np.zeros((1, channels), np.uint64), colours[:-1]])
        d = (colours - prev) & mask
        if transform == MINUS_GREEN:
            d[:, 0] = (d[:, 0] - d[:, 1]) & mask
            d[:, 2] = (d[:, 2] - d[:, 1]) & mask
        series = [d[:, c] for c in range(channels)]
    else:
        levels, edges = stored
        e = (edges - _edge_prediction(_values(levels, dtype), dtype)) & mask
        series = [(levels - np.concatenate([[np.uint64(0)], levels[:-1]])) & mask, e[1:-1], e[[0, -1]]]
    return [_zigzag(s, bits) for s in series]


def _best_k(u: np.ndarray, bits: int) -> int:
    """The Rice parameter of fewest bits for the values ``u`` (the smallest of equals), or
    ``bits - 1`` where the unary section would come near its limit (:func:`_max_unary_bits`;
    the costs are float64 sums)."""
    ks = np.arange(bits, dtype=np.uint64)
    if len(u) * bits <= 1 << 18:  # one pass over a (values, k) table: a palette's few hundred values
        quotients = (u[:, None] >> ks[None, :]).sum(axis=0, dtype=np.float64)
    else:
        quotients = np.array([np.sum(u >> k, dtype=np.float64) for k in ks])
    costs = quotients + len(u) * (1 + np.arange(bits))
    k = int(np.argmin(costs))
    if costs[k] - len(u) * k > 0.5 * _max_unary_bits(len(u), bits):
        return bits - 1
    return k


def _max_unary_bits(count: int, bits: int) -> int:
    """Most unary bits of ``count`` values of ``bits`` bits: ``count * (bits + 1)``. Any
    value takes at most 2 unary bits at ``k = bits - 1``, so the best ``k`` never takes more
    bits in all than that; a reader refuses more (it bounds what it unpacks)."""
    return count * (bits + 1)


def _encode(series: list[np.ndarray], ks: list[int]) -> bytes:
    """Varint U, the unary section (U bytes), the remainder section."""
    q = np.concatenate([s >> np.uint64(k) for s, k in zip(series, ks)]).astype(np.int64)
    ones = np.cumsum(q + 1) - 1
    unary = np.zeros(-(-int(ones[-1] + 1) // 8) * 8, dtype=np.uint8)
    unary[ones] = 1
    rest = []
    for s, k in zip(series, ks):
        if k:
            low = s & _mask(k)
            as_bits = np.unpackbits(low.astype(">u8").view(np.uint8).reshape(-1, 8), axis=1)[:, 64 - k:]
            rest.append(as_bits.reshape(-1))
    rest_bits = np.concatenate(rest) if rest else np.zeros(0, np.uint8)
    unary_bytes = np.packbits(unary).tobytes()
    return _varint.encode(len(unary_bytes)) + unary_bytes + np.packbits(rest_bits).tobytes()


def pack(levels: np.ndarray, edges: np.ndarray | None, dtype: np.dtype, order: np.ndarray | None) -> bytes:
    """The form-2 bytes of the integers of form 1 (``levels``: centres as they decode,
    ``(n,)`` or ``(n, channels)``; ``edges``: thresholds, scalar data only), the smallest of
    the store orders and transforms that apply (``order``: the payload's symbol order, or
    None where the payload has none)."""
    dtype = np.dtype(dtype)
    bits = 8 * dtype.itemsize
    channels = 0 if levels.ndim == 1 else levels.shape[1]
    best = None
    orders = [CODE_ORDER] + ([SYMBOL_ORDER] if channels and order is not None else [])
    transforms = [PLAIN] + ([MINUS_GREEN] if channels >= 3 else [])
    for store in orders:
        for transform in transforms:
            if channels:
                seq = levels if store == CODE_ORDER else levels[np.asarray(order)]
                stored = [_patterns(np.ascontiguousarray(seq))]
            else:
                stored = [_patterns(levels), _patterns(edges)]
            series = _residuals(stored, channels, dtype, transform)
            ks = [_best_k(s, bits) for s in series]
            size = _size(series, ks)
            if best is None or size < best[0]:
                best = size, store | transform << 1, series, ks
    _, mode, series, ks = best
    return bytes([mode, *ks]) + _encode(series, ks)


def _size(series: list[np.ndarray], ks: list[int]) -> int:
    """Bytes of the codebook of these series at these parameters (exact: the quotients are
    bounded by :func:`_best_k`)."""
    unary = sum(int(np.sum(s >> np.uint64(k), dtype=np.uint64)) + len(s) for s, k in zip(series, ks))
    rest = sum(k * len(s) for s, k in zip(series, ks))
    unary_len = -(-unary // 8)
    return 1 + len(ks) + len(_varint.encode(unary_len)) + unary_len + -(-rest // 8)


def _counts(n: int, channels: int) -> list[int]:
    return [n] * channels if channels else [n, n - 1, 2]


def length(data, n: int, channels: int, dtype: np.dtype) -> int:
    """Bytes of the form-2 codebook at the start of ``data`` (from its first fields only)."""
    m = _n_series(channels)
    if len(data) < 1 + m:
        raise FormatError(f"codebook form 2 of {len(data)} bytes ends inside its {1 + m} fixed bytes")
    ks = bytes(data[1:1 + m])
    bits = 8 * np.dtype(dtype).itemsize
    bad = [k for k in ks if k >= bits]
    if bad:
        raise FormatError(f"codebook form 2: Rice parameter {bad[0]} (allowed 0..{bits - 1} for {dtype})")
    unary_len, start = _varint.decode(data, 1 + m, "codebook form 2 unary length")
    _check_unary_len(unary_len, sum(_counts(n, channels)), bits)
    rest_bits = sum(k * c for k, c in zip(ks, _counts(n, channels)))
    return start + unary_len + -(-rest_bits // 8)


def _check_unary_len(unary_len: int, count: int, bits: int) -> None:
    limit = -(-_max_unary_bits(count, bits) // 8)
    if unary_len > limit:
        raise FormatError(f"codebook form 2: a unary section of {unary_len} bytes (at most {limit} for {count} "
                          f"values of {bits} bits)")


def unpack(data, n: int, channels: int, dtype: np.dtype, order: np.ndarray | None) -> np.ndarray:
    """The integers of form 1 (centres, then for scalar data the thresholds; centres in
    the codes' order) stored in the form-2 ``data`` (exactly :func:`length` bytes), checked.
    ``order``: the payload's symbol order, or None if its coding has none."""
    dtype = np.dtype(dtype)
    bits = 8 * dtype.itemsize
    view = memoryview(data).cast("B")
    if view[0] >> 2:
        raise FormatError(f"codebook form 2: mode byte {view[0]} (allowed 0..3: bit 0 the store order, "
                          "bit 1 the transform)")
    store, transform = view[0] & 1, view[0] >> 1
    if store not in (CODE_ORDER, SYMBOL_ORDER) or (store == SYMBOL_ORDER and (not channels or order is None)):
        raise FormatError(f"codebook form 2: store order {store} (allowed 0, and 1 for colours in a payload "
                          "coding with a symbol order)")
    if transform not in (PLAIN, MINUS_GREEN) or (transform == MINUS_GREEN and channels < 3):
        raise FormatError(f"codebook form 2: transform {transform} (allowed 0, and 1 for 3 or 4 channels)")
    m = _n_series(channels)
    ks = list(view[1:1 + m])
    if max(ks) >= bits:
        raise FormatError(f"codebook form 2: Rice parameter {max(ks)} (allowed 0..{bits - 1} for {dtype})")
    counts = _counts(n, channels)
    unary_len, start = _varint.decode(view, 1 + m, "codebook form 2 unary length")
    total = sum(counts)
    _check_unary_len(unary_len, total, bits)
    unary = np.unpackbits(np.frombuffer(view, np.uint8, unary_len, start))
    ones = np.flatnonzero(unary)
    if len(ones) != total or ones[-1] < len(unary) - 8:
        raise FormatError(f"codebook form 2: the unary section of {unary_len} bytes holds {len(ones)} values "
                          f"(expected {total}, the last one in its last byte)")
    q = np.diff(ones, prepend=-1) - 1
    rest = np.unpackbits(np.frombuffer(view, np.uint8, len(view) - start - unary_len, start + unary_len))
    rest_bits = sum(k * c for k, c in zip(ks, counts))
    if rest[rest_bits:].any():
        raise FormatError("codebook form 2: non-zero padding bits after the remainder section")
    series, at, bit = [], 0, 0
    for k, c in zip(ks, counts):
        qs = q[at:at + c].astype(np.uint64)
        if c and bits - k < 64 and int(qs.max()) >> (bits - k):
            raise FormatError(f"codebook form 2: a quotient {int(qs.max())} makes a value of more than {bits} bits")
        low = np.zeros((c, 64), np.uint8)
        low[:, 64 - k:] = rest[bit:bit + c * k].reshape(c, k)
        lows = np.packbits(low, axis=1).view(">u8").reshape(-1).astype(np.uint64)
        series.append(_unzigzag((qs << np.uint64(k)) | lows, bits))
        at, bit = at + c, bit + c * k
    mask = _mask(bits)
    if channels:
        d = np.stack(series, axis=1)
        if transform == MINUS_GREEN:
            d[:, 0] = (d[:, 0] + d[:, 1]) & mask
            d[:, 2] = (d[:, 2] + d[:, 1]) & mask
        stored = np.cumsum(d, axis=0, dtype=np.uint64) & mask
        colours = np.empty_like(stored)
        colours[np.arange(n) if store == CODE_ORDER else np.asarray(order)] = stored
        return _values(colours, dtype).reshape(-1)
    levels = np.cumsum(series[0], dtype=np.uint64) & mask
    residuals = np.concatenate([series[2][:1], series[1], series[2][1:]])
    edges = (residuals + _edge_prediction(_values(levels, dtype), dtype)) & mask
    return _values(np.concatenate([levels, edges]), dtype)
