"""Reading JPEG XL files (``.jxl``), which Pillow does not read: the size in the header is
read here first, so that a file claiming more pixels than allowed is refused before
anything is decoded (JPEG XL compresses a blank gigapixel into a few kilobytes); libjxl then
decodes it through ``imagecodecs``, the optional package vqpress also writes ``.jxl`` with.

The header fields read are those of the JPEG XL codestream (ISO/IEC 18181-1): the
``SizeHeader`` after the signature ``FF 0A``, then the start of ``ImageMetadata`` up to its
``have_animation`` flag. A file in the box container (ISO/IEC 18181-2) holds the codestream in
one ``jxlc`` box or in ``jxlp`` boxes (a 4-byte index before each part).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_pixels
from .errors import VQError

__all__ = ["is_jxl", "JxlHeader", "read_header", "decode", "read"]

CODESTREAM = b"\xff\x0a"
CONTAINER = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"
#: The header fields read here fit in this many bytes of codestream (at most 35 + 72 + 3 + 72 + 72
#: + 1 bits: two size headers, a preview header, the flags).
_HEADER_BYTES = 64
#: The fixed aspect ratios of a SizeHeader's ``ratio`` 1..7 (width = floor(height * num / den)).
_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


class JxlHeader(NamedTuple):
    """What the codestream's header says: the size in pixels (before the orientation is
    applied) and whether it is an animation."""

    width: int
    height: int
    animated: bool


def is_jxl(head: bytes) -> bool:
    """Whether the first 12 bytes of a file are those of a JPEG XL file (either kind)."""
    return head.startswith(CODESTREAM) or head.startswith(CONTAINER)


class _Bits:
    """The codestream's bits, least significant bit of each byte first."""

    def __init__(self, data: bytes, what: str):
        self.value = int.from_bytes(data, "little")
        self.size = 8 * len(data)
        self.pos = 0
        self.what = what

    def u(self, n: int) -> int:
        if self.pos + n > self.size:
            raise VQError(f"{self.what} is not a JPEG XL file vqpress can read (its header is cut short)")
        out = (self.value >> self.pos) & ((1 << n) - 1)
        self.pos += n
        return out

    def u32(self, *dists: tuple[int, int]) -> int:
        """The format's U32: a 2-bit selector, then ``bits`` more bits plus ``offset``."""
        bits, offset = dists[self.u(2)]
        return offset + (self.u(bits) if bits else 0)


def _size(bits: _Bits, small_dists, large_dists, small_scale: int) -> tuple[int, int]:
    """A SizeHeader (``small_scale`` 8, its ``div8_minus_1`` fields as 5 bits) or a
    PreviewHeader (``small_scale`` 8, its ``div8`` fields as U32s): (width, height)."""
    small = bits.u(1)
    height = (bits.u32(*small_dists) if small_dists else bits.u(5) + 1) * small_scale if small \
        else bits.u32(*large_dists)
    ratio = bits.u(3)
    if ratio:
        num, den = _RATIOS[ratio]
        return height * num // den, height
    width = (bits.u32(*small_dists) if small_dists else bits.u(5) + 1) * small_scale if small \
        else bits.u32(*large_dists)
    return width, height


_IMAGE_SIZE = ((9, 1), (13, 1), (18, 1), (30, 1))
_PREVIEW_SMALL = ((0, 16), (0, 32), (5, 1), (9, 33))
_PREVIEW_LARGE = ((6, 1), (8, 65), (10, 321), (12, 1345))


def _codestream_start(data: bytes, what: str) -> bytes:
    """The first bytes of the codestream of a container file (or of a bare codestream)."""
    if data.startswith(CODESTREAM):
        return data[:_HEADER_BYTES]
    pos, parts = 0, []
    while pos + 8 <= len(data) and sum(map(len, parts)) < _HEADER_BYTES:
        size, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        body = pos + 8
        if size == 1:
            if pos + 16 > len(data):
                break
            size, body = int.from_bytes(data[pos + 8:pos + 16], "big"), pos + 16
        end = len(data) if size == 0 else pos + size
        if end < body or end > len(data):
            raise VQError(f"{what} is not a JPEG XL file vqpress can read (box {kind!r} at byte {pos} "
                          f"claims {size:,} bytes; the file has {len(data):,})")
        if kind == b"jxlc":
            parts.append(data[body:end])
        elif kind == b"jxlp":
            parts.append(data[body + 4:end])  # after the part's index
        pos = end
    stream = b"".join(parts)
    if not stream.startswith(CODESTREAM):
        raise VQError(f"{what} is not a JPEG XL file vqpress can read (no codestream in its boxes)")
    return stream[:_HEADER_BYTES]


def read_header(data: bytes, what: str) -> JxlHeader:
    """The size and the animation flag of a JPEG XL file held in ``data``; a
    :class:`~vqpress.VQError` naming ``what`` if it is not one or its header is cut short."""
    bits = _Bits(_codestream_start(data, what)[2:], what)
    width, height = _size(bits, None, _IMAGE_SIZE, 8)
    animated = False
    if not bits.u(1):  # ImageMetadata.all_default
        if bits.u(1):  # extra_fields
            bits.u(3)  # orientation - 1
            if bits.u(1):  # have_intrinsic_size
                _size(bits, None, _IMAGE_SIZE, 8)
            if bits.u(1):  # have_preview
                _size(bits, _PREVIEW_SMALL, _PREVIEW_LARGE, 8)
            animated = bool(bits.u(1))
    return JxlHeader(width, height, animated)


def decode(data: bytes, what: str) -> np.ndarray:
    """The pixels of a JPEG XL file (still, not animated; its size checked by the caller
    with :func:`read_header`), upright: ``(H, W)`` gray, ``(H, W, 2)`` gray + alpha,
    ``(H, W, 3)`` or ``(H, W, 4)``, uint8 or uint16 (float32 for float samples)."""
    try:
        import imagecodecs
    except ImportError:
        raise VQError(f"{what}: reading JPEG XL needs the optional package imagecodecs "
                      f"(pip install imagecodecs)") from None
    try:
        arr = np.asarray(imagecodecs.jpegxl_decode(data, numthreads=1))
    except imagecodecs.JpegxlError as exc:
        raise VQError(f"{what} is a damaged JPEG XL file ({exc})") from None
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    return arr


def read(data: bytes, what: str, max_pixels: int | None, frames: bool) -> np.ndarray:
    """:func:`vqpress.imread` of a JPEG XL file held in ``data``: its size checked against
    ``max_pixels`` (Pillow's policy when None) before it is decoded; an animation is refused
    (its number of frames is not in its header, so what it would cost is not known before
    decoding it)."""
    header = read_header(data, what)
    if header.animated:
        raise VQError(f"{what} is an animated JPEG XL file; vqpress reads still JPEG XL images only")
    check_pixels(header.width * header.height, max_pixels, what=what)
    arr = decode(data, what)
    return arr[None] if frames else arr
