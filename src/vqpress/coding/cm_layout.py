"""The layout of a "cm" payload (docs/FORMAT.md "Payload coding cm"): its header fields in
versions 1 and 2, their limits against the map they code, and where its streams lie.

:func:`describe` reads the fields of a payload's first bytes, unchecked (``vqpress info``);
:func:`_layout` parses and checks them all, for :func:`vqpress.coding.cm.decode` and
:func:`~vqpress.coding.cm.symbol_order`; the writer's side is ``cm._Coded.frame``, which
writes the same fields. The strips are checked against the coded map's shape, the map's own
or its transpose under a transposing scan (:mod:`vqpress.coding.scan`).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np

from vqpress import _varint as varint
from vqpress.coding import level8, permutation, scan as scans
from vqpress.coding.levels import (
    EXACT_TABLES, FEW_COLOUR_LEVELS, LEVEL_NAMES, LEVELS, MANY_COLOUR_LEVELS, MAX_EXACT_LEVELS, MAX_ORDERED_SYMBOLS,
    MAX_TABLE_BITS, MAX_TABLE_LEVELS, MIN_TABLE_BITS, MODEL_NAMES, NO_TABLES, ORDERED, PALETTE, PALETTE_ONLY,
    PARAMETER_LEVELS, PREDICTED, TABLE_LEVELS,
)
from vqpress.errors import FormatError

__all__ = ["describe", "ORDER_PREFIX", "MAX_SYMBOLS", "MIN_STRIP_PIXELS"]

#: Largest alphabet the coding handles (larger maps use the older codings).
MAX_SYMBOLS = 256
_MAGIC = b"CM"
_VERSION = 1
#: Version 2 (format 2.2): the same streams, their fields smaller (docs/FORMAT.md).
_VERSION2 = 2
_HEAD = struct.Struct("<2sBBBBHI")
#: Bytes of a payload's start that hold its fields up to the parameters, in either version.
ORDER_PREFIX = 12 + MAX_SYMBOLS + 5
#: Version 2's order field, bit 0: the identity (no more bytes), or its rank (permutation.rank_bytes(n) bytes);
#: bits 1-3: the scan.
_IDENTITY, _RANKED = 0, 1
_SCAN_SHIFT = 1
#: A strip holds at least this many pixels (or the whole map): each strip sets up a fresh model.
MIN_STRIP_PIXELS = 1 << 16


def _table_bits(bits: int, strip_pixels: int) -> int:
    """Bucket-table size, no larger than a strip can fill (the tables are allocated and
    cleared per strip)."""
    need = max(MIN_TABLE_BITS, math.ceil(math.log2(max(strip_pixels, 2))) - 2)
    return int(min(bits, need, MAX_TABLE_BITS))


def _min_strip_rows(height: int, width: int) -> int:
    """Fewest rows a strip may have: MIN_STRIP_PIXELS pixels, or the whole map."""
    return min(height, -(-MIN_STRIP_PIXELS // width))


def describe(data) -> dict:
    """The payload's header fields (version, model, level and its name, table_bits,
    n_symbols (version 1 only; None in version 2, where the container gives it),
    strip_rows, scan), unchecked: ``data`` needs only the payload's first 16 bytes."""
    head = bytes(data[:_HEAD.size + 4])
    scan = 0
    if head[2:3] == bytes([_VERSION2]):
        model, bits, level = head[3:6]
        rows, at = varint.decode(head, 6, "cm strip_rows")
        n = None
        scan = head[at] >> _SCAN_SHIFT if at < len(head) else None
    else:
        magic, version, model, bits, level, n, rows = _HEAD.unpack_from(head)
    return {"version": head[2], "model": MODEL_NAMES.get(model, model), "level": level,
            "level_name": LEVEL_NAMES.get(level, "unknown"), "table_bits": bits, "n_symbols": n,
            "strip_rows": rows, "scan": scan}


@dataclass(frozen=True)
class _Layout:
    """The checked fields of a payload: where its streams are and how to decode them."""

    version: int
    model: int
    table_bits: int
    level: int
    rows: int
    #: coding symbol i stands for code order[i]; None: the identity
    order: np.ndarray | None
    params: tuple | None
    #: how the streams walk the map (vqpress.coding.scan); 0 in version 1
    scan: int
    #: offset and length of every stream
    offsets: np.ndarray
    sizes: np.ndarray


def _layout(view: memoryview, h: int, w: int, n: int, streams: bool = True) -> _Layout:
    """Parse and check a payload's fields (either version) for a map of h x w and n symbols;
    without ``streams``, only up to its parameters (``view`` may then be a prefix of the
    payload: :data:`ORDER_PREFIX` bytes hold them). The strips are checked against the
    coded map's shape (the map's transpose under scans 4-7)."""
    if len(view) < 6 or bytes(view[:2]) != _MAGIC or view[2] not in (_VERSION, _VERSION2):
        raise FormatError(f"not a cm payload of version {_VERSION} or {_VERSION2} (magic {bytes(view[:2])!r}, "
                          f"version {view[2] if len(view) > 2 else None}, {len(view)} bytes)")
    scan = 0
    if view[2] == _VERSION:
        if len(view) < _HEAD.size:
            raise FormatError(f"cm payload of {len(view)} bytes is shorter than its {_HEAD.size}-byte header")
        _, version, model, bits, level, n_head, rows = _HEAD.unpack_from(view)
        at = _HEAD.size
    else:
        version, model, bits, level = view[2:6]
        n_head = n
        rows, at = varint.decode(view, 6, "cm strip_rows")
        if at >= len(view) or view[at] >> (_SCAN_SHIFT + 3) or view[at] & 1 not in (_IDENTITY, _RANKED):
            raise FormatError(f"cm order field {view[at] if at < len(view) else 'missing'} (allowed: bit 0 "
                              f"{_IDENTITY} identity or {_RANKED} ranked, bits 1-3 the scan, the others 0)")
        scan = view[at] >> _SCAN_SHIFT
    h, w = scans.coded_shape((h, w), scan)
    _check_fields(model, bits, level, n_head, n, rows, h, w, scan)
    n_strips = -(-h // rows)
    n_params = len(level8.PARAMETERS) if level in PARAMETER_LEVELS else 0
    if version == _VERSION:
        start = at + n + n_params + 4 * n_strips
        if len(view) < start:
            raise FormatError(f"cm payload of {len(view)} bytes ends inside its header ({start} bytes)")
        order = np.frombuffer(view, dtype=np.uint8, count=n, offset=at)
        if np.bincount(order, minlength=n).max() != 1 or int(order.max()) >= n:
            raise FormatError("cm symbol order is not a permutation of the codebook's codes")
        at += n
    else:
        order = None
        if view[at] & 1 == _RANKED:
            size = permutation.rank_bytes(n)
            if at + 1 + size > len(view):
                raise FormatError(f"cm payload of {len(view)} bytes ends inside its symbol order's rank")
            r = int.from_bytes(view[at + 1:at + 1 + size], "little")
            if r == 0:
                raise FormatError("cm symbol order: rank 0 (the identity) is written as order field 0")
            order = permutation.unrank(r, n)
            at += size
        at += 1
    params = None
    if n_params:
        if at + n_params > len(view):
            raise FormatError(f"cm payload of {len(view)} bytes ends inside its level {level} parameters")
        params = tuple(bytes(view[at:at + n_params]))
        wrong = level8.check(params)
        if wrong is not None:
            raise FormatError(f"cm level {level} parameter {wrong}")
        at += n_params
    if order is not None and (order == np.arange(n)).all():
        order = None
    if not streams:
        return _Layout(version, model, bits, level, rows, order, params, scan, None, None)
    if version == _VERSION:
        sizes = np.frombuffer(view, dtype="<u4", count=n_strips, offset=at).astype(np.intp)
        at += 4 * n_strips
    else:
        listed = []
        for _ in range(n_strips - 1):
            size, at = varint.decode(view, at, "cm stream length")
            listed.append(min(size, len(view)))  # (a length past the payload is refused below)
        listed.append(max(len(view) - at - sum(listed), 0))
        sizes = np.array(listed, dtype=np.intp)
    if int(sizes.sum()) != len(view) - at:
        raise FormatError(f"cm streams add up to {int(sizes.sum())} bytes; the payload holds {len(view) - at}")
    if int(sizes.min()) < 4:
        raise FormatError("a cm stream is shorter than the 4 bytes every stream ends with")
    offsets = (at + np.concatenate([[0], np.cumsum(sizes)[:-1]])).astype(np.intp)
    return _Layout(version, model, bits, level, rows, order, params, scan, offsets, sizes)


def _check_fields(model: int, bits: int, level: int, n_head: int, n: int, rows: int, h: int, w: int,
                  scan: int = 0) -> None:
    """The fixed fields of a payload against their limits (docs/FORMAT.md), for a coded map of
    h x w (the map's transpose under a transposing ``scan``)."""
    if model not in MODEL_NAMES or level not in LEVELS:
        raise FormatError(f"cm payload names model {model} (allowed 0, 1) or level {level} "
                          f"(allowed {', '.join(map(str, LEVELS))})")
    if level in NO_TABLES and bits != MIN_TABLE_BITS:
        raise FormatError(f"cm level {level} has no hashed tables: its table_bits must be {MIN_TABLE_BITS}; "
                          f"got {bits}")
    if level in PALETTE_ONLY and model != PALETTE:
        raise FormatError(f"cm level {level} codes the palette model only; the payload names model {model}")
    if level in (PREDICTED, *TABLE_LEVELS) and model != ORDERED:
        raise FormatError(f"cm level {level} codes the ordered model only (model 0); the payload names model {model}")
    if not MIN_TABLE_BITS <= bits <= MAX_TABLE_BITS:
        raise FormatError(f"cm table_bits {bits} is outside {MIN_TABLE_BITS}..{MAX_TABLE_BITS}")
    if n_head != n or not 2 <= n <= MAX_SYMBOLS:
        raise FormatError(f"cm payload codes {n_head} symbols; the codebook has {n} (allowed 2..{MAX_SYMBOLS})")
    if model == ORDERED and n > MAX_ORDERED_SYMBOLS:
        raise FormatError(f"the ordered model codes at most {MAX_ORDERED_SYMBOLS} symbols; the payload has {n}")
    if level in TABLE_LEVELS and n > MAX_TABLE_LEVELS:
        raise FormatError(f"cm level {level} codes at most {MAX_TABLE_LEVELS} levels; the payload has {n}")
    if level == EXACT_TABLES and n > MAX_EXACT_LEVELS:
        raise FormatError(f"cm level {level} codes at most {MAX_EXACT_LEVELS} levels; the payload has {n}")
    if level in FEW_COLOUR_LEVELS and n > MAX_TABLE_LEVELS:
        raise FormatError(f"cm level {level} codes at most {MAX_TABLE_LEVELS} colours; the payload has {n}")
    if level in MANY_COLOUR_LEVELS and n <= MAX_TABLE_LEVELS:
        raise FormatError(f"cm level {level} codes more than {MAX_TABLE_LEVELS} colours; the payload has {n}")
    if h < 1 or w < 1 or not _min_strip_rows(h, w) <= rows <= h:
        which = f"the coded map of scan {scan}" if scan else "a map"
        raise FormatError(f"cm strip_rows {rows} does not fit {which} of {h} x {w} "
                          f"(allowed {_min_strip_rows(h, w)}..{h})")
    if bits > _table_bits(MAX_TABLE_BITS, rows * w):
        raise FormatError(f"cm table_bits {bits} is larger than a strip of {rows * w} pixels can fill "
                          f"(at most {_table_bits(MAX_TABLE_BITS, rows * w)})")
