"""The payload codings of ``.vqz``: the codes of an image to the payload and back, one entry
a coding, by its number in the container's header (docs/FORMAT.md, "Payload codings").

===========  ======  ==========================================================  ======
name         number  the payload                                                 format
===========  ======  ==========================================================  ======
``raw``      0       fixed-width bit packing (:mod:`vqpress.bitpack`)            1.0
``context``  1       context-modelled entropy coding (:mod:`vqpress.entropy`)    1.0
``cm``       2       context mixing, 2..256 colours (:mod:`vqpress.coding.cm`)   2.0
===========  ======  ==========================================================  ======

The container (:mod:`vqpress.container`) writes and reads the header around the payload,
checks everything around it (pixel limit, lengths, CRCs, the codes' count and range) and
dispatches through :data:`BY_NUMBER`; a coding only turns codes into a payload and a payload
back into codes, refusing any payload it would not have written. The entropy coders are
imported on first use: ``import vqpress`` does not pay for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vqpress.bitpack import packed_size, unpack_bits
from vqpress.errors import FormatError, VQError

__all__ = ["Coding", "BY_NUMBER", "CODINGS", "map_shape"]


@dataclass(frozen=True)
class Coding:
    """A payload coding: the codes of an image to the payload and back.

    ``encode(compressed, effort, compact)`` returns the payload of a :class:`vqpress.Compressed`
    (``effort``, 0..9 or None for the default, matters only to codings that trade time for
    size; ``compact``: the payload's layout of :attr:`compact_version`, where the coding has one). ``decode(payload, header)`` gets the payload (a memoryview) and the container's
    checked :class:`vqpress.container.Header`, returns ``header.n_pixels`` unsigned integer
    codes (any shape) and must raise :class:`FormatError` unless ``payload`` is, to the last
    byte, a payload this coding writes; the container checks the codes' count and range and
    everything around the payload (pixel limit, lengths, CRCs). ``fits(codebook)`` takes a
    :class:`vqpress.Codebook`.

    (This module names those types in words only: importing them, even for type checkers,
    would tie it to the container that imports it.)
    """

    #: Its name in :data:`CODINGS` (and in ``to_bytes(coding=...)``).
    name: str
    encode: Callable[..., bytes]
    decode: Callable[..., np.ndarray]
    #: Most pixels the coding can hold (None: any number).
    max_pixels: int | None = None
    #: Tried by ``coding="auto"``, which keeps the smallest payload.
    auto: bool = True
    #: The format version of files with this coding (the oldest that knows it).
    version: tuple[int, int] = (1, 0)
    #: Whether the coding can hold an image of this codebook (None: any).
    fits: Callable[..., bool] | None = None
    #: ``auto`` skips this coding when the one named here fits (it is smaller and faster).
    superseded_by: str | None = None
    #: The format version of its compact payload layout (None: it has none).
    compact_version: tuple[int, int] | None = None
    #: ``symbol_order(payload_start, map_shape, n_colors)``: the order in which the payload codes the
    #: codes (its symbol i stands for code ``order[i]``), from the payload's first
    #: ``order_prefix`` bytes, fields checked; None: the coding has none.
    symbol_order: Callable[..., np.ndarray] | None = None
    order_prefix: int = 0


def _encode_raw(compressed, effort: int | None, compact: bool = False) -> bytes:
    return compressed.payload


def _decode_raw(payload: memoryview, head) -> np.ndarray:
    n, bits = head.n_pixels, head.bits
    if len(payload) != packed_size(n, bits):
        raise FormatError(f"raw payload of {len(payload)} bytes does not fit {n} codes of {bits} bits")
    spare = 8 * len(payload) - n * bits
    if spare and payload[-1] & ((1 << spare) - 1):
        raise FormatError(f"raw payload's last byte has non-zero padding bits (its last {spare} bits)")
    return unpack_bits(payload, bits, n)


def _encode_context(compressed, effort: int | None, compact: bool = False) -> bytes:
    from vqpress.entropy import encode_code_map

    cb = compressed.codebook
    head_shape = map_shape(compressed.shape, cb.channels)
    # Gray levels are sorted by value, which the residual model exploits; a colour palette
    # has no such order.
    return encode_code_map(compressed.codes().reshape(head_shape), cb.n_colors, ordered=cb.channels == 0)


def _decode_context(payload: memoryview, head) -> np.ndarray:
    from vqpress.entropy import decode_code_map

    return decode_code_map(payload, head.map_shape, head.n_colors)


def map_shape(shape: tuple, channels: int) -> tuple[int, int]:
    """The 2-D view of the code map of data of ``shape`` and ``channels`` (docs/FORMAT.md)."""
    pixel_shape = shape[:-1] if channels else shape
    if len(pixel_shape) == 1:
        return 1, pixel_shape[0]
    return math.prod(pixel_shape[:-1]), pixel_shape[-1]


def _cm_fits(codebook) -> bool:
    from vqpress.coding import cm

    return 2 <= codebook.n_colors <= cm.MAX_SYMBOLS


def _encode_cm(compressed, effort: int | None, compact: bool = False) -> bytes:
    from vqpress.coding import cm

    cb = compressed.codebook
    if not _cm_fits(cb):
        raise VQError(f"coding 'cm' codes 2..{cm.MAX_SYMBOLS} colours; this image has {cb.n_colors} "
                      "(use 'context' or 'raw')")
    codes = compressed.codes().reshape(map_shape(compressed.shape, cb.channels))
    # gray levels are sorted by value, which the ordered model exploits; a palette is not
    return cm.encode(codes, cb.n_colors, ordered=cb.channels == 0,
                     effort=cm.DEFAULT_EFFORT if effort is None else effort, compact=compact)


def _decode_cm(payload: memoryview, head) -> np.ndarray:
    from vqpress.coding import cm

    _check_cm_version(payload, head)
    return cm.decode(payload, head.map_shape, head.n_colors)


def _cm_symbol_order(payload: memoryview, map_shape: tuple[int, int], n_colors: int) -> np.ndarray:
    from vqpress.coding import cm

    return cm.symbol_order(payload, map_shape, n_colors)


def _check_cm_version(payload: memoryview, head) -> None:
    """A cm payload of version 2 needs format 2.2."""
    version = tuple(int(v) for v in head.version.split("."))
    if len(payload) > 2 and payload[2] == 2 and version < (2, 2):
        raise FormatError(f"a cm payload of version 2 needs format version 2.2; the header says {head.version}")


#: Payload codings by their number in the header. A new coding is one entry here.
BY_NUMBER = {
    0: Coding("raw", _encode_raw, _decode_raw),
    1: Coding("context", _encode_context, _decode_context, max_pixels=1 << 30, superseded_by="cm"),
    2: Coding("cm", _encode_cm, _decode_cm, version=(2, 0), fits=_cm_fits, compact_version=(2, 2),
              symbol_order=_cm_symbol_order, order_prefix=12 + 256 + 5),
}
#: Payload coding numbers, by name.
CODINGS = {coding.name: number for number, coding in BY_NUMBER.items()}
