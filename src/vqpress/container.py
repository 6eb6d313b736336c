"""The ``.vqz`` container: a quantized image as bytes that can be saved, sent and trusted.

Layout (all integers little-endian; the full specification is ``docs/FORMAT.md``)::

    magic        8 bytes   b"\\x89VQZ\\r\\n\\x1a\\n"
    header      20 + 8*ndim + len(strategy) bytes (vqpress._container_header), then
                  shape (u64 each), strategy name (ASCII)
    header CRC   u32       CRC-32 of magic and header
    codebook     centers (n_colors * max(channels, 1)), then edges (n_colors + 1, scalar
                           data only): float64 (form 0), or in the image's integer dtype
                           (form 1, format 2.1), or those integers Rice-coded (form 2,
                           format 2.2), see vqpress._codebook_forms
    payload      bytes     the codes, in one of the codings of vqpress.coding.registry
    body CRC     u32       CRC-32 of codebook and payload

Format 2.2 has the compact header (vqpress._compact_header: byte 11 is 0, the numbers are
varints, the strategy a code, the length field that of codebook and payload together).
Format 2.3 adds the frames' timing (vqpress._frame_timing): its block opens the body, before
the codebook, its length in the compact header; it is written only for frames that have one.

A reader trusts nothing it has not checked, in this order: the header's fields against
fixed limits and its CRC (:func:`read_header`); the image's size against ``max_pixels``
and the file's length against the one the header implies, before the body is read or
anything allocated; the body CRC; the codebook (finite, and finite in the image's dtype);
then the payload, which the coding's decoder must use exactly, to the last byte, and whose
codes must be below ``n_colors``. So truncation, extension and any altered byte raise
:class:`vqpress.FormatError`, and a hostile file costs at most what its header honestly
allows. The writer runs the same header checks, so it never writes what the reader refuses.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import zlib

import numpy as np

from . import _codebook_forms as forms
from . import _compact_header as compact_header
from . import _frame_timing as frame_timing
from ._container_header import (CRC, DTYPE_CODE, DTYPES, FORM1_VERSION, FORM2_VERSION, HEAD, HEADER_MAX, MAGIC,
                                TIMING_VERSION, Header, check_fields, read_header)
from ._fileio import open_regular
from ._text import count
from ._validation import check_bool, check_choice, check_max_pixels, check_path, check_pixels
from .codebook import Codebook
from .coding.registry import BY_NUMBER, CODINGS, map_shape
from .compressed import Compressed
from .errors import FormatError, VQError
from .kinds import COLOUR

__all__ = ["to_bytes", "from_bytes", "read_header", "inspect", "Header", "load", "CODINGS", "MAGIC",
           "HEADER_MAX"]

#: The newest format version this vqpress writes. A file is written with the oldest version
#: that holds it (:func:`_version_of`): the version its payload coding needs (1.0 for raw and
#: context, 2.0 for cm; see :attr:`vqpress.coding.registry.Coding.version`), and at least 1.1
#: for gray + alpha and for colour data of shapes other than (H, W, 3|4) (pixel lists,
#: frames), which a 1.0 reader refuses by their channels or shape rather than misreading
#: them. 2.0 holds everything 1.1 holds; 2.1 also the codebook in the image's integer dtype
#: (codebook form 1, header byte 15), which a 2.0 reader refuses by that byte; 2.2 also
#: codebook form 2 (which a 2.1 reader refuses by that byte) and the cm payload of version 2
#: (which it refuses by the payload's version byte).
MAJOR, MINOR = 2, 2
#: Integer images are written in this version: 2.2, or 2.1 (codebook form 1, the fixed
#: header, cm payloads of version 1: the bytes of vqpress before format 2.2), which the
#: tests of the fixed layout set.
_WRITE_VERSION = (2, 2)


# ------------------------------------------------------------------------------ write


def to_bytes(compressed: Compressed, coding: str = "auto", *, effort: int | None = None,
             max_pixels: int | None = None, exact_centers: bool = False) -> bytes:
    """Serialise a :class:`~vqpress.Compressed` as a ``.vqz`` byte string.

    Parameters
    ----------
    compressed : Compressed
    coding : {"auto", "raw", "context", "cm"}
        Payload coding: fixed-width bit packing; the context-modelled entropy coding of
        format 1.0; context mixing (2..256 colours, format 2.0); or ``auto`` (default): the
        smallest of raw packing and ``cm`` (``context`` where ``cm`` does not apply).
    effort : int, optional
        ``cm`` only: 0 (fastest) .. 9 (smallest); default
        :data:`vqpress.coding.cm.DEFAULT_EFFORT`.
    max_pixels : int, optional
        Write an image of up to this many pixels. By default an image that
        :func:`from_bytes` refuses by default (more than twice Pillow's
        ``Image.MAX_IMAGE_PIXELS``) is refused here too; the reader then needs the same
        ``max_pixels``.
    exact_centers : bool, default False
        Store the fitted centres (and edges) as float64, format 2.0 and older, instead of
        the codebook in the image's integer dtype (format 2.2: the centres as they decode,
        the edges as integer thresholds, Rice-coded (codebook form 2) or as they are (form
        1), whichever is smaller, with the compact header and payload; the same image, the
        same codes for any data of that dtype, a smaller file). Only needed to reuse the exact fitted float centres
        (nearest-colour encoding of other images with a loaded colour codebook uses the
        stored colours). Float images are always stored as float64, and so is a scalar
        codebook with an edge above the dtype's maximum.

    Returns
    -------
    bytes

    Raises
    ------
    VQError
        What the reader would refuse: more pixels than ``max_pixels``, a shape, dtype,
        strategy name or codebook the format cannot hold.
    """
    if not isinstance(compressed, Compressed):
        raise VQError(f"to_bytes takes a vqpress.Compressed; got {type(compressed).__name__}")
    coding = check_choice(coding, ("auto", *CODINGS), name="coding")
    exact_centers = check_bool(exact_centers, name="exact_centers")
    max_pixels = check_max_pixels(max_pixels)
    if effort is not None:
        from .coding.cm import check_effort

        effort = check_effort(effort)
    cb = compressed.codebook
    shape = compressed.shape
    dtype_code = DTYPE_CODE.get(cb.dtype.newbyteorder("<") if cb.dtype.byteorder != "|" else cb.dtype)
    if dtype_code is None:
        raise VQError(f"a .vqz file cannot hold dtype {cb.dtype}; allowed are {', '.join(map(str, DTYPES))}")
    strategy = cb.strategy.encode("ascii", "backslashreplace")
    candidates = list(BY_NUMBER) if coding == "auto" else [CODINGS[coding]]
    n_pixels = compressed.n_pixels
    def fits(k):
        return BY_NUMBER[k].fits is None or BY_NUMBER[k].fits(cb)

    candidates = [k for k in candidates if coding != "auto" or (
        BY_NUMBER[k].auto and (BY_NUMBER[k].max_pixels is None or n_pixels <= BY_NUMBER[k].max_pixels)
        and fits(k) and not (BY_NUMBER[k].superseded_by and fits(CODINGS[BY_NUMBER[k].superseded_by])))]
    check_fields(dtype_code, len(shape), cb.channels, candidates[0], cb.n_colors, shape, strategy, VQError)
    check_pixels(n_pixels, max_pixels, what="this image", error=VQError, writing=True)
    _check_decodable(cb, VQError)
    # integer images: codebook form 1 or 2, compact payloads (format 2.2); exact_centers and
    # float images: form 0 and the payloads of format 2.0, the bytes of earlier vqpress
    integer = not exact_centers and forms.in_dtype(cb) is not None
    compact = integer and _WRITE_VERSION >= FORM2_VERSION
    best = None
    for number in candidates:
        payload = BY_NUMBER[number].encode(compressed, effort, compact)
        if best is None or len(payload) < len(best[1]):
            best = number, payload
    number, payload = best
    coding_ = BY_NUMBER[number]
    major, minor = _version_of(cb.channels, shape, coding_.version)
    if compact and coding_.compact_version is not None:
        major, minor = max((major, minor), coding_.compact_version)
    if not integer:
        form, codebook = forms.FLOAT, forms.pack(cb, forms.FLOAT)
    else:
        order = None
        if cb.channels and coding_.symbol_order is not None:
            order = coding_.symbol_order(memoryview(payload)[:coding_.order_prefix],
                                         map_shape(shape, cb.channels), cb.n_colors)
        form, codebook = forms.IN_DTYPE, forms.pack(cb, forms.IN_DTYPE)
        packed = forms.pack(cb, forms.COMPACT, order) if compact else None
        if packed is not None and len(packed[0]) < sum(map(len, codebook)):
            form, codebook = forms.COMPACT, packed
        major, minor = max((major, minor), FORM2_VERSION if compact else FORM1_VERSION)
    timing = b"" if compressed.timing is None else frame_timing.to_block(compressed.timing)
    if timing:  # frames with their timing: format 2.3, the block before the codebook
        major, minor = max((major, minor), TIMING_VERSION)
    if (major, minor) >= FORM2_VERSION:
        header = MAGIC + compact_header.pack(major, minor, dtype_code, cb.channels, number, cb.strategy, form,
                                             cb.n_colors, len(payload) + sum(map(len, codebook)), shape,
                                             len(timing))
    else:
        head = HEAD.pack(major, minor, dtype_code, len(shape), cb.channels, number, len(strategy), form,
                          cb.n_colors, len(payload))
        header = MAGIC + head + struct.pack(f"<{len(shape)}Q", *shape) + strategy
    body = [timing, *codebook, payload]
    body_crc = 0
    for part in body:
        body_crc = zlib.crc32(part, body_crc)
    return b"".join((header, CRC.pack(zlib.crc32(header)), *body, CRC.pack(body_crc)))


def _version_of(channels: int, shape: tuple, coding_version: tuple[int, int]) -> tuple[int, int]:
    """The oldest format version that holds data of ``channels`` channels and ``shape`` in a
    payload coding that needs ``coding_version``."""
    if channels == 0 or (channels in COLOUR.channels and len(shape) == 3):
        return coding_version
    return max(coding_version, (1, 1))


def _check_decodable(codebook: Codebook, error) -> None:
    """The levels must be finite in the image's dtype (a float16 centre of 1e10 is not)."""
    if codebook.dtype.kind == "f":
        with np.errstate(over="ignore"):
            levels = codebook.centers.astype(codebook.dtype)
        if not np.isfinite(levels).all():
            bad = codebook.centers[~np.isfinite(levels)].flat[0]
            raise error(f"center {bad!r} is not finite in the image's dtype {codebook.dtype}")


# ------------------------------------------------------------------------------ read


def from_bytes(data, *, max_pixels: int | None = None) -> Compressed:
    """Read a ``.vqz`` byte string back into a :class:`~vqpress.Compressed`.

    Parameters
    ----------
    data : bytes-like
    max_pixels : int, optional
        Refuse images of more pixels than this (a guard against decompression bombs: a
        context-coded payload can be tiny for a huge image). By default Pillow's policy:
        warn above ``PIL.Image.MAX_IMAGE_PIXELS``, refuse above twice it.

    Raises
    ------
    FormatError
        ``data`` is not an intact ``.vqz`` stream this version can read.
    """
    try:
        view = memoryview(data).cast("B")
    except TypeError:
        raise VQError(f"from_bytes takes bytes; got {type(data).__name__}") from None
    max_pixels = check_max_pixels(max_pixels)
    head = read_header(view)
    check_pixels(head.n_pixels, max_pixels, what="this .vqz image", error=FormatError)
    if len(view) != head.file_size:
        raise FormatError(f".vqz stream is {len(view)} bytes; its header says {head.file_size} (truncated or extended)")
    return _decode_body(view, head)


def load(path, *, max_pixels: int | None = None) -> Compressed:
    """Load a ``.vqz`` file.

    Only the header is read before the checks: the image's size against ``max_pixels``
    and the file's length against the header's, so a hostile file is refused before it
    costs memory or time. Then the file is read whole and checked as by :func:`from_bytes`.

    Parameters
    ----------
    path : str or path-like
        A regular file (not a pipe or a device).
    max_pixels : int, optional
        As in :func:`from_bytes`.

    Raises
    ------
    VQError
        The file does not exist, is not a regular file or cannot be read.
    FormatError
        The file is not an intact ``.vqz`` file (see :func:`from_bytes`); the message
        names it.
    """
    path = check_path(path)
    max_pixels = check_max_pixels(max_pixels)
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        start = fh.read(HEADER_MAX)
        try:
            head = read_header(start)
            check_pixels(head.n_pixels, max_pixels, what=str(path), error=FormatError)
            if size != head.file_size:
                raise FormatError(f"the file is {size} bytes; its header says {head.file_size} (truncated or extended)")
        except FormatError as exc:
            raise _naming(exc, path) from None
        buf = bytearray(head.file_size)
        buf[: len(start)] = start
        got = len(start) + (fh.readinto(memoryview(buf)[len(start) :]) or 0)
        if got != head.file_size:
            raise FormatError(f"{path}: the file shrank while being read ({got} of {head.file_size} bytes)")
    try:
        return _decode_body(memoryview(buf), head)
    except FormatError as exc:
        raise _naming(exc, path) from None


def inspect(path) -> tuple[Header, Codebook]:
    """The header and codebook of a ``.vqz`` file, its length and both checksums verified,
    without decoding the payload: it costs one read of the file, whatever image the
    header announces (no pixel limit applies).

    Raises
    ------
    VQError, FormatError
        As :func:`load`.
    """
    path = check_path(path)
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        try:
            head = read_header(fh.read(HEADER_MAX))
            if size != head.file_size:
                raise FormatError(f"the file is {size} bytes; its header says {head.file_size} (truncated or extended)")
            fh.seek(head.size)
            timing = fh.read(head.timing_len)
            _timing(timing, head)
            if head.codebook_form == forms.COMPACT:
                start = fh.read(min(head.body_len, _COMPACT_PREFIX))
                head = _with_compact_len(head, start)
                codebook_bytes = start[:head.codebook_len] + fh.read(max(head.codebook_len - len(start), 0))
                prefix = start[head.codebook_len:]
            else:
                codebook_bytes, prefix = fh.read(head.codebook_len), b""
            crc = zlib.crc32(codebook_bytes, zlib.crc32(timing))
            crc = zlib.crc32(prefix, crc)
            left = head.payload_len - len(prefix)
            first = bytearray(prefix)  # the payload's start, for its symbol order
            while left:
                chunk = fh.read(min(left, 1 << 20))
                if not chunk:
                    raise FormatError("the file shrank while being read")
                crc = zlib.crc32(chunk, crc)
                if len(first) < _ORDER_PREFIX:
                    first += chunk[:_ORDER_PREFIX - len(first)]
                left -= len(chunk)
            stored = fh.read(CRC.size)
            if len(codebook_bytes) != head.codebook_len or len(stored) != CRC.size:
                raise FormatError("the file shrank while being read")
            if CRC.unpack(stored)[0] != crc:
                raise _body_crc_error()
            return head, _codebook(codebook_bytes, head, memoryview(bytes(first)))
        except FormatError as exc:
            raise _naming(exc, path) from None


def _body_crc_error() -> FormatError:
    return FormatError("body checksum mismatch: the codebook or payload is damaged")


def _timing(block, head: Header):
    """The frame timing of a format 2.3 body's first ``head.timing_len`` bytes (``block``), or
    None (earlier formats); a FormatError if it does not fit the image's frames."""
    if not head.timing_len:
        return None
    if len(block) != head.timing_len:
        raise FormatError("the file shrank while being read")
    frames = head.pixel_shape[0] if len(head.pixel_shape) == 3 else None
    return frame_timing.from_block(block, frames)


#: Bytes of a body that hold a form-2 codebook's length (its fixed bytes and first varint).
_COMPACT_PREFIX = 32
#: Bytes of a payload that hold its symbol order, in every coding.
_ORDER_PREFIX = max(c.order_prefix for c in BY_NUMBER.values())


def _with_compact_len(head: Header, body) -> Header:
    """``head`` of a form-2 file with its codebook's length, read from the body's first
    bytes (``body``: at least min(body_len, _COMPACT_PREFIX) of them)."""
    length = forms.compact_len(body[:head.body_len], head.n_colors, head.channels, head.dtype)
    if length > head.body_len:
        raise FormatError(f"codebook form 2 of {length} bytes is longer than the body's {head.body_len}")
    return dataclasses.replace(head, payload_len=head.body_len - length)


def _codebook(data, head: Header, payload_start) -> Codebook:
    """The codebook stored in ``data`` (``head.codebook_len`` bytes), checked; form 2 may
    need the payload's symbol order, from ``payload_start`` (its first _ORDER_PREFIX bytes)."""
    coding = BY_NUMBER[CODINGS[head.coding]]

    def order_of():
        if coding.symbol_order is None:
            return None
        return coding.symbol_order(payload_start, head.map_shape, head.n_colors)

    codebook = forms.unpack(data, head.n_colors, head.channels, head.dtype, head.codebook_form, head.strategy,
                            order_of)
    _check_decodable(codebook, FormatError)
    return codebook


def _naming(exc: FormatError, path) -> FormatError:
    msg = str(exc)
    return FormatError(msg if str(path) in msg else f"{path}: {msg}")


def _decode_body(view: memoryview, head: Header) -> Compressed:
    """Check and decode the body of a stream whose header and length are checked."""
    expected = head.file_size
    body = view[head.size : expected - CRC.size]
    if CRC.unpack_from(view, expected - CRC.size)[0] != zlib.crc32(body):
        raise _body_crc_error()
    timing = _timing(body[:head.timing_len], head)
    body = body[head.timing_len:]
    if head.codebook_form == forms.COMPACT:
        head = _with_compact_len(head, body)
    n_colors = head.n_colors
    payload = body[head.codebook_len :]
    codebook = _codebook(body[: head.codebook_len], head, payload[:_ORDER_PREFIX])
    codes = BY_NUMBER[CODINGS[head.coding]].decode(payload, head)
    if codes.size != head.n_pixels or codes.dtype.kind != "u":
        raise FormatError(f"the {head.coding} payload decodes to {codes.size} codes; the header says {head.n_pixels}")
    if codes.size and int(codes.max()) >= n_colors:
        raise FormatError(f"payload holds code {int(codes.max())}; the codebook has {count(n_colors, 'colour')}")
    return Compressed(codebook, head.shape, _codes=codes.reshape(head.pixel_shape), timing=timing)
