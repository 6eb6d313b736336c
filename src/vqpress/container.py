"""The ``.vqz`` container: a quantized image as bytes that can be saved, sent and trusted.

Layout (all integers little-endian; the full specification is ``docs/FORMAT.md``)::

    magic        8 bytes   b"\\x89VQZ\\r\\n\\x1a\\n"
    header      20 + 8*ndim + len(strategy) bytes, see _HEAD below, then
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
import math
import os
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from . import _codebook_forms as forms
from . import _compact_header as compact_header
from ._fileio import open_regular
from ._text import count
from ._validation import check_bool, check_choice, check_max_pixels, check_path, check_pixels
from .codebook import Codebook
from .coding.registry import BY_NUMBER, CODINGS, map_shape
from .compressed import Compressed
from .errors import FormatError, VQError
from .kinds import CHANNELS, COLOUR, MAX_COLORS, STRATEGY_NAMES, channel_name

__all__ = ["to_bytes", "from_bytes", "read_header", "inspect", "Header", "load", "CODINGS", "MAGIC",
           "HEADER_MAX"]

MAGIC = b"\x89VQZ\r\n\x1a\n"
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
#: The oldest version that holds codebook form 1.
_FORM1_VERSION = (2, 1)
#: The oldest version that holds codebook form 2, the compact header and compact payloads.
_FORM2_VERSION = (2, 2)
#: Integer images are written in this version: 2.2, or 2.1 (codebook form 1, the fixed
#: header, cm payloads of version 1: the bytes of vqpress before format 2.2), which the
#: tests of the fixed layout set.
_WRITE_VERSION = (2, 2)
#: Major versions this vqpress reads.
_READABLE_MAJORS = (1, 2)
MAX_NDIM = 8
MAX_STRATEGY_LEN = 32

# major, minor, dtype, ndim, channels, coding, strategy length, codebook form, n_colors,
# payload length (form 2: codebook and payload length), then shape follows.
_HEAD = struct.Struct("<BBBBBBBBIQ")
_CRC = struct.Struct("<I")
_DTYPES = [np.dtype(t) for t in ("u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8")]
_DTYPE_CODE = {d: i for i, d in enumerate(_DTYPES)}


@dataclass(frozen=True)
class Header:
    """The header of a ``.vqz`` stream (see docs/FORMAT.md), checked and decoded."""

    version: str
    dtype: np.dtype
    shape: tuple
    channels: int
    n_colors: int
    coding: str
    strategy: str
    #: Bytes of the payload (form 2: None until the codebook's length is read from the body,
    #: see :func:`inspect`).
    payload_len: int | None
    #: Bytes before the codebook: magic, header fields and the header CRC.
    size: int
    #: How the codebook is stored: 0 float64, 1 in the image's integer dtype (format 2.1),
    #: 2 those integers Rice-coded (format 2.2).
    codebook_form: int = forms.FLOAT
    #: Bytes of codebook and payload (the header's length field of form 2).
    body_len: int = 0

    @property
    def n_pixels(self) -> int:
        """Number of codes: every element (scalar data) or every pixel (colour data)."""
        return math.prod(self.pixel_shape)

    @property
    def pixel_shape(self) -> tuple:
        """Shape of the code map: ``shape`` without the channel axis of colour data."""
        return self.shape[:-1] if self.channels else self.shape

    @property
    def map_shape(self) -> tuple[int, int]:
        """2-D view of the code map for 2-D codings: rows = product of all pixel axes but
        the last, columns = the last pixel axis (a 1-D array is one row)."""
        pixel_shape = self.pixel_shape
        if len(pixel_shape) == 1:
            return 1, pixel_shape[0]
        return math.prod(pixel_shape[:-1]), pixel_shape[-1]

    @property
    def bits(self) -> int:
        """Bits of one code in fixed-width packing."""
        return max(1, (self.n_colors - 1).bit_length())

    @property
    def codebook_len(self) -> int | None:
        """Bytes of the codebook: centers, and edges for scalar data, float64 (form 0) or in
        the image's dtype (form 1); form 2: known once the body is read (else None)."""
        if self.codebook_form == forms.COMPACT:
            return None if self.payload_len is None else self.body_len - self.payload_len
        return forms.codebook_len(self.n_colors, self.channels, self.dtype, self.codebook_form)

    @property
    def file_size(self) -> int:
        """Length of the whole stream this header announces."""
        return self.size + self.body_len + _CRC.size


# ------------------------------------------------------------------------------ header


#: Longest possible header (8 dimensions, longest strategy name, CRC): reading this many
#: bytes of a file is enough for :func:`read_header`.
HEADER_MAX = len(MAGIC) + _HEAD.size + 8 * MAX_NDIM + MAX_STRATEGY_LEN + _CRC.size
assert len(MAGIC) + compact_header.MAX_LEN + _CRC.size <= HEADER_MAX  # (the compact header is shorter)
assert set(STRATEGY_NAMES) <= set(compact_header.STRATEGY_CODES)


def _check_fields(dtype_code, ndim, channels, coding, n_colors, shape, strategy: bytes, error) -> None:
    """The header's values against the limits of docs/FORMAT.md (raising ``error``): shared
    by the reader and the writer, so that nothing is written that cannot be read."""
    if not 1 <= ndim <= MAX_NDIM:
        raise error(f"ndim {ndim} is outside 1..{MAX_NDIM}")
    if dtype_code not in range(len(_DTYPES)):
        raise error(f"unknown dtype code {dtype_code} (allowed 0..{len(_DTYPES) - 1})")
    if coding not in BY_NUMBER:
        raise error(f"unknown payload coding {coding} (allowed {', '.join(map(str, BY_NUMBER))})")
    if channels not in CHANNELS:
        allowed = ", ".join(f"{c} ({channel_name(c)})" for c in CHANNELS)
        raise error(f"channels {channels} (allowed {allowed}; 0 is scalar data)")
    if not 1 <= n_colors <= MAX_COLORS:
        raise error(f"n_colors {n_colors} is outside 1..{MAX_COLORS}")
    if min(shape) < 1 or (channels and (ndim < 2 or shape[-1] != channels)):
        raise error(f"shape {shape} is not allowed for {channels} channels (colour data is (..., channels), "
                    "at least 2 dimensions)")
    if strategy.decode("latin-1") not in STRATEGY_NAMES:
        raise error(f"unknown strategy name {strategy!r} (known: {', '.join(STRATEGY_NAMES)})")
    limit = BY_NUMBER[coding].max_pixels
    n_pixels = math.prod(shape[:-1] if channels else shape)
    if limit is not None and n_pixels > limit:
        raise error(f"the {BY_NUMBER[coding].name} coding holds at most {limit} pixels; this image has {n_pixels}")


def read_header(data) -> Header:
    """Read and check the header at the start of a ``.vqz`` stream, without the rest.

    ``data`` may be the whole stream or just its first :data:`HEADER_MAX` bytes. Every
    field is checked against its limits (docs/FORMAT.md) and the header CRC. Reading a
    header allocates nothing it announces; :func:`from_bytes` and :func:`load` apply the
    pixel limit and check the body.

    Raises
    ------
    FormatError
        Not a ``.vqz`` header this version can read, or a damaged one.
    """
    try:
        view = memoryview(data).cast("B")
    except TypeError:
        raise VQError(f"expected bytes; got {type(data).__name__}") from None
    if len(view) < len(MAGIC) + _HEAD.size or bytes(view[: len(MAGIC)]) != MAGIC:
        raise FormatError("not a .vqz stream (bad magic bytes or too short)")
    major, minor, dtype_code, ndim, channels, coding, slen, form, n_colors, payload_len = (
        _HEAD.unpack_from(view, len(MAGIC))
    )
    if major not in _READABLE_MAJORS:
        raise FormatError(
            f".vqz format version {major}.{minor} is not supported by this vqpress "
            f"(reads {', '.join(f'{v}.x' for v in _READABLE_MAJORS)}); upgrade vqpress to read it"
        )
    compact_head = ndim == 0 and (major, minor) >= _FORM2_VERSION
    if compact_head:
        fields, header_len = compact_header.unpack(view, len(MAGIC), MAX_NDIM)
        major, minor, dtype_code, channels, coding, name, form, n_colors, body_len, shape = fields
        strategy, ndim = name.encode("ascii"), len(shape)
    elif not 1 <= ndim <= MAX_NDIM or slen > MAX_STRATEGY_LEN:
        raise FormatError(f"corrupt header: ndim {ndim} (allowed 1..{MAX_NDIM}) or strategy length {slen}")
    else:
        header_len = len(MAGIC) + _HEAD.size + 8 * ndim + slen
    if len(view) < header_len + _CRC.size:
        raise FormatError(f"truncated .vqz: {len(view)} bytes, header alone needs {header_len + _CRC.size}")
    header = bytes(view[:header_len])
    if _CRC.unpack_from(view, header_len)[0] != zlib.crc32(header):
        raise FormatError("header checksum mismatch: the .vqz header is damaged")
    # The header is intact from here on; check its values against limits and sizes.
    if form not in forms.FORMS:
        raise FormatError(f"codebook form {form} is unknown (allowed 0 float64, 1 in the image's dtype, "
                          "2 compact; header byte 15)")
    if not compact_head:
        shape = struct.unpack_from(f"<{ndim}Q", header, len(MAGIC) + _HEAD.size)
        strategy = header[header_len - slen :]
    _check_fields(dtype_code, ndim, channels, coding, n_colors, shape, strategy, FormatError)
    if (major, minor) < BY_NUMBER[coding].version:
        need = ".".join(map(str, BY_NUMBER[coding].version))
        raise FormatError(f"payload coding {coding} ({BY_NUMBER[coding].name}) needs format version {need}; "
                          f"the header says {major}.{minor}")
    if form != forms.FLOAT:
        need = _FORM1_VERSION if form == forms.IN_DTYPE else _FORM2_VERSION
        what = "the image's dtype" if form == forms.IN_DTYPE else "compact"
        if (major, minor) < need:
            raise FormatError(f"codebook form {form} ({what}) needs format version {need[0]}.{need[1]}; "
                              f"the header says {major}.{minor}")
        if _DTYPES[dtype_code].kind not in "ui":
            raise FormatError(f"codebook form {form} ({what}) is for integer dtypes; this file's is "
                              f"{_DTYPES[dtype_code]} (allowed: form 0)")
    dtype = _DTYPES[dtype_code]
    if form == forms.COMPACT:
        if not compact_head:
            raise FormatError("codebook form 2 comes with the compact header of format 2.2 (header byte 11 is 0)")
        payload_len = None
    elif compact_head:
        payload_len = body_len - forms.codebook_len(n_colors, channels, dtype, form)
        if payload_len < 0:
            raise FormatError(f"the header's body length {body_len} is shorter than its codebook of form {form}")
    else:
        body_len = forms.codebook_len(n_colors, channels, dtype, form) + payload_len
    return Header(
        f"{major}.{minor}", dtype, tuple(int(d) for d in shape), channels, n_colors,
        BY_NUMBER[coding].name, strategy.decode("ascii"), payload_len, header_len + _CRC.size, form, body_len,
    )


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
    dtype_code = _DTYPE_CODE.get(cb.dtype.newbyteorder("<") if cb.dtype.byteorder != "|" else cb.dtype)
    if dtype_code is None:
        raise VQError(f"a .vqz file cannot hold dtype {cb.dtype}; allowed are {', '.join(map(str, _DTYPES))}")
    strategy = cb.strategy.encode("ascii", "backslashreplace")
    candidates = list(BY_NUMBER) if coding == "auto" else [CODINGS[coding]]
    n_pixels = compressed.n_pixels
    def fits(k):
        return BY_NUMBER[k].fits is None or BY_NUMBER[k].fits(cb)

    candidates = [k for k in candidates if coding != "auto" or (
        BY_NUMBER[k].auto and (BY_NUMBER[k].max_pixels is None or n_pixels <= BY_NUMBER[k].max_pixels)
        and fits(k) and not (BY_NUMBER[k].superseded_by and fits(CODINGS[BY_NUMBER[k].superseded_by])))]
    _check_fields(dtype_code, len(shape), cb.channels, candidates[0], cb.n_colors, shape, strategy, VQError)
    check_pixels(n_pixels, max_pixels, what="this image", error=VQError, writing=True)
    _check_decodable(cb, VQError)
    # integer images: codebook form 1 or 2, compact payloads (format 2.2); exact_centers and
    # float images: form 0 and the payloads of format 2.0, the bytes of earlier vqpress
    integer = not exact_centers and forms.in_dtype(cb) is not None
    compact = integer and _WRITE_VERSION >= _FORM2_VERSION
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
        major, minor = max((major, minor), _FORM2_VERSION if compact else _FORM1_VERSION)
    if (major, minor) >= _FORM2_VERSION:
        header = MAGIC + compact_header.pack(major, minor, dtype_code, cb.channels, number, cb.strategy, form,
                                             cb.n_colors, len(payload) + sum(map(len, codebook)), shape)
    else:
        head = _HEAD.pack(major, minor, dtype_code, len(shape), cb.channels, number, len(strategy), form,
                          cb.n_colors, len(payload))
        header = MAGIC + head + struct.pack(f"<{len(shape)}Q", *shape) + strategy
    body = [*codebook, payload]
    body_crc = 0
    for part in body:
        body_crc = zlib.crc32(part, body_crc)
    return b"".join((header, _CRC.pack(zlib.crc32(header)), *body, _CRC.pack(body_crc)))


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
            if head.codebook_form == forms.COMPACT:
                start = fh.read(min(head.body_len, _COMPACT_PREFIX))
                head = _with_compact_len(head, start)
                codebook_bytes = start[:head.codebook_len] + fh.read(max(head.codebook_len - len(start), 0))
                prefix = start[head.codebook_len:]
            else:
                codebook_bytes, prefix = fh.read(head.codebook_len), b""
            crc = zlib.crc32(codebook_bytes)
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
            stored = fh.read(_CRC.size)
            if len(codebook_bytes) != head.codebook_len or len(stored) != _CRC.size:
                raise FormatError("the file shrank while being read")
            if _CRC.unpack(stored)[0] != crc:
                raise _body_crc_error()
            return head, _codebook(codebook_bytes, head, memoryview(bytes(first)))
        except FormatError as exc:
            raise _naming(exc, path) from None


def _body_crc_error() -> FormatError:
    return FormatError("body checksum mismatch: the codebook or payload is damaged")


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
    body = view[head.size : expected - _CRC.size]
    if _CRC.unpack_from(view, expected - _CRC.size)[0] != zlib.crc32(body):
        raise _body_crc_error()
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
    return Compressed(codebook, head.shape, _codes=codes.reshape(head.pixel_shape))
