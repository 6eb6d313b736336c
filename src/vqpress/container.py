"""The ``.vqz`` container: a quantized image as bytes that can be saved, sent and trusted.

Layout (all integers little-endian; the full specification is ``docs/FORMAT.md``)::

    magic        8 bytes   b"\\x89VQZ\\r\\n\\x1a\\n"
    header      36 + 8*ndim + len(strategy) bytes, see _HEAD below, then
                  shape (u64 each), strategy name (ASCII)
    header CRC   u32       CRC-32 of magic and header
    codebook     float64   centers (n_colors * max(channels, 1)), then edges (n_colors + 1,
                           scalar data only)
    payload      bytes     the codes: raw (fixed-width bit packing), context-coded, or cm-coded
                           (context mixing, vqpress.coding.cm)
    body CRC     u32       CRC-32 of codebook and payload

Every field is checked against fixed limits and against the number of bytes actually
present before anything is allocated, and the file must end exactly after the body CRC, so
truncation, extension and any altered byte raise :class:`vqpress.FormatError`.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._fileio import atomic_write_bytes
from ._validation import check_choice
from .bitpack import pack_bits, packed_size, unpack_bits
from .codebook import Codebook
from .compressed import Compressed
from .errors import FormatError, VQError

__all__ = ["to_bytes", "from_bytes", "read_header", "Header", "save", "load", "CODINGS", "MAGIC", "MAX_PIXELS", "HEADER_MAX"]

MAGIC = b"\x89VQZ\r\n\x1a\n"
MAJOR, MINOR = 2, 0
#: Payload codings, by their number in the header.
CODINGS = {"raw": 0, "context": 1, "cm": 2}
#: The format version a file is written with is the oldest that holds its coding: a reader
#: of 1.x refuses a cm-coded file by its version rather than misreading its coding byte.
_CODING_VERSION = {"raw": (1, 0), "context": (1, 0), "cm": (2, 0)}
_READABLE_MAJORS = (1, 2)
#: Largest image a reader accepts by default (as Pillow's decompression-bomb guard, a
#: context-coded payload can be tiny for a huge image). ``load(..., max_pixels=)`` raises it.
MAX_PIXELS = 1 << 28
MAX_NDIM = 8
MAX_COLORS = 65536
MAX_STRATEGY_LEN = 32

# major, minor, dtype, ndim, channels, coding, strategy length, reserved, n_colors,
# payload length, then shape follows.
_HEAD = struct.Struct("<BBBBBBBBIQ")
_CRC = struct.Struct("<I")
_DTYPES = [
    np.dtype(t)
    for t in ("u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8")
]
_DTYPE_CODE = {d: i for i, d in enumerate(_DTYPES)}


def _code_map_shape(shape: tuple, channels: int) -> tuple[int, int]:
    """2-D view of the code map for the context coder: rows x last image axis."""
    pixel_shape = shape[:-1] if channels else shape
    if len(pixel_shape) == 1:
        return 1, pixel_shape[0]
    return math.prod(pixel_shape[:-1]), pixel_shape[-1]


def _coded_payload(compressed: Compressed, coding: str, effort: int | None) -> tuple[bytes, str]:
    """The payload in ``coding`` ("auto": the smallest that applies) and the coding used."""
    from .coding import cm

    cb = compressed.codebook
    cm_fits = 2 <= cb.n_colors <= cm.MAX_SYMBOLS
    if coding == "cm" and not cm_fits:
        raise VQError(f"coding 'cm' codes 2..{cm.MAX_SYMBOLS} colours; this image has {cb.n_colors} "
                      "(use 'context' or 'raw')")
    if coding == "raw":
        return compressed.payload, "raw"
    codes = compressed.codes().reshape(_code_map_shape(compressed.shape, cb.channels))
    # Gray levels are sorted by value, which the ordered models exploit; a colour palette
    # has no such order.
    if coding == "cm" or coding == "auto" and cm_fits:
        coded, chosen = cm.encode(codes, cb.n_colors, ordered=cb.channels == 0,
                                  effort=cm.DEFAULT_EFFORT if effort is None else effort), "cm"
    else:
        from .entropy import encode_code_map

        coded, chosen = encode_code_map(codes, cb.n_colors, ordered=cb.channels == 0), "context"
    if coding == "auto" and len(coded) >= len(compressed.payload):
        return compressed.payload, "raw"
    return coded, chosen


def to_bytes(compressed: Compressed, coding: str = "auto", *, effort: int | None = None) -> bytes:
    """Serialise a :class:`~vqpress.Compressed` as a ``.vqz`` byte string.

    Parameters
    ----------
    compressed : Compressed
    coding : {"auto", "raw", "context", "cm"}
        Payload coding: fixed-width bit packing; the context-modelled entropy coding of
        format 1.0; context mixing (``cm``, 2..256 colours, format 2.0); or ``auto``
        (default): ``cm`` when it applies, else ``context``, unless raw packing is smaller.
    effort : int, optional
        ``cm`` only: 0 (fastest) .. 9 (smallest), default
        :data:`vqpress.coding.cm.DEFAULT_EFFORT`.

    Returns
    -------
    bytes
    """
    if not isinstance(compressed, Compressed):
        raise VQError(f"to_bytes takes a vqpress.Compressed; got {type(compressed).__name__}")
    coding = check_choice(coding, ("auto", *CODINGS), name="coding")
    if effort is not None:
        from .coding.cm import check_effort

        effort = check_effort(effort)
    cb = compressed.codebook
    payload, chosen = _coded_payload(compressed, coding, effort)
    major, minor = _CODING_VERSION[chosen]
    strategy = cb.strategy.encode("ascii")
    head = _HEAD.pack(
        major, minor, _DTYPE_CODE[cb.dtype], len(compressed.shape), cb.channels,
        CODINGS[chosen], len(strategy), 0, cb.n_colors, len(payload),
    )
    header = MAGIC + head + struct.pack(f"<{len(compressed.shape)}Q", *compressed.shape) + strategy
    body = cb.centers.astype("<f8").tobytes()
    if cb.edges is not None:
        body += cb.edges.astype("<f8").tobytes()
    body += payload
    return b"".join((header, _CRC.pack(zlib.crc32(header)), body, _CRC.pack(zlib.crc32(body))))


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
    payload_len: int
    #: Bytes before the codebook: magic, header fields and the header CRC.
    size: int

    @property
    def n_pixels(self) -> int:
        """Number of codes: every element (scalar data) or every pixel (colour data)."""
        return math.prod(self.shape[:-1] if self.channels else self.shape)

    @property
    def file_size(self) -> int:
        """Length of the whole stream this header announces."""
        n_floats = self.n_colors * max(self.channels, 1) + (0 if self.channels else self.n_colors + 1)
        return self.size + 8 * n_floats + self.payload_len + _CRC.size


#: Longest possible header (8 dimensions, longest strategy name, CRC): reading this many
#: bytes of a file is enough for :func:`read_header`.
HEADER_MAX = len(MAGIC) + _HEAD.size + 8 * MAX_NDIM + MAX_STRATEGY_LEN + _CRC.size


def read_header(data, *, max_pixels: int = MAX_PIXELS) -> Header:
    """Read and check the header at the start of a ``.vqz`` stream, without decoding the rest.

    ``data`` may be the whole stream or just its first :data:`HEADER_MAX` bytes. Every
    field is checked against its limits and the header CRC; the body is checked by
    :func:`from_bytes`.

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
    major, minor, dtype_code, ndim, channels, coding, slen, reserved, n_colors, payload_len = (
        _HEAD.unpack_from(view, len(MAGIC))
    )
    if major not in _READABLE_MAJORS:
        raise FormatError(
            f".vqz format version {major}.{minor} is not supported by this vqpress "
            f"(reads {', '.join(f'{v}.x' for v in _READABLE_MAJORS)}); upgrade vqpress to read it"
        )
    if not 1 <= ndim <= MAX_NDIM or slen > MAX_STRATEGY_LEN:
        raise FormatError(f"corrupt header: ndim {ndim} (allowed 1..{MAX_NDIM}) or strategy length {slen}")
    header_len = len(MAGIC) + _HEAD.size + 8 * ndim + slen
    if len(view) < header_len + _CRC.size:
        raise FormatError(f"truncated .vqz: {len(view)} bytes, header alone needs {header_len + _CRC.size}")
    header = bytes(view[:header_len])
    if _CRC.unpack_from(view, header_len)[0] != zlib.crc32(header):
        raise FormatError("header checksum mismatch: the .vqz header is damaged")
    # The header is intact from here on; check its values against limits and sizes.
    if dtype_code >= len(_DTYPES) or coding not in CODINGS.values() or reserved:
        raise FormatError(f"unknown dtype code {dtype_code} or payload coding {coding}")
    if coding == CODINGS["cm"] and major < _CODING_VERSION["cm"][0]:
        raise FormatError(f"payload coding {coding} (cm) needs format version 2.0; the header says {major}.{minor}")
    if channels not in (0, 3, 4) or not 1 <= n_colors <= MAX_COLORS:
        raise FormatError(f"bad channels {channels} (allowed 0, 3, 4) or n_colors {n_colors} (allowed 1..{MAX_COLORS})")
    shape = struct.unpack_from(f"<{ndim}Q", header, len(MAGIC) + _HEAD.size)
    if min(shape) < 1 or (channels and (ndim != 3 or shape[-1] != channels)):
        raise FormatError(f"bad shape {shape} for {channels} channels")
    n_pixels = math.prod(shape[:-1] if channels else shape)
    if n_pixels > max_pixels:
        raise FormatError(f"image of {n_pixels} pixels exceeds max_pixels={max_pixels}")
    try:
        strategy = header[header_len - slen :].decode("ascii")
    except UnicodeDecodeError:
        raise FormatError("strategy name is not ASCII") from None
    coding_name = {v: k for k, v in CODINGS.items()}[coding]
    return Header(
        f"{major}.{minor}", _DTYPES[dtype_code], tuple(int(d) for d in shape), channels, n_colors,
        coding_name, strategy, payload_len, header_len + _CRC.size,
    )


def from_bytes(data, *, max_pixels: int = MAX_PIXELS) -> Compressed:
    """Read a ``.vqz`` byte string back into a :class:`~vqpress.Compressed`.

    Parameters
    ----------
    data : bytes-like
    max_pixels : int
        Refuse images with more pixels than this (a guard against decompression bombs).

    Raises
    ------
    FormatError
        ``data`` is not an intact ``.vqz`` stream this version can read.
    """
    try:
        view = memoryview(data).cast("B")
    except TypeError:
        raise VQError(f"from_bytes takes bytes; got {type(data).__name__}") from None
    head = read_header(view, max_pixels=max_pixels)
    shape, channels, n_colors, n_pixels = head.shape, head.channels, head.n_colors, head.n_pixels
    payload_len = head.payload_len
    n_centers = n_colors * max(channels, 1)
    n_edges = 0 if channels else n_colors + 1
    start = head.size
    expected = head.file_size
    if len(view) != expected:
        raise FormatError(f".vqz stream is {len(view)} bytes; its header says {expected} (truncated or extended)")
    body = view[start : expected - _CRC.size]
    if _CRC.unpack_from(view, expected - _CRC.size)[0] != zlib.crc32(body):
        raise FormatError("body checksum mismatch: the codebook or payload is damaged")

    floats = np.frombuffer(body, dtype="<f8", count=n_centers + n_edges).astype(np.float64)
    centers = floats[:n_centers].reshape((n_colors, channels) if channels else (n_colors,))
    edges = None if channels else floats[n_centers:]
    try:
        codebook = Codebook(centers, edges, strategy=head.strategy, dtype=head.dtype)
    except VQError as exc:
        raise FormatError(f"invalid codebook: {exc}") from None
    payload = bytes(body[8 * (n_centers + n_edges) :])
    if head.coding == "raw":
        if payload_len != packed_size(n_pixels, codebook.bits):
            raise FormatError(f"raw payload of {payload_len} bytes does not fit {n_pixels} codes of {codebook.bits} bits")
        codes = unpack_bits(payload, codebook.bits, n_pixels)
        if n_pixels and int(codes.max()) >= n_colors:
            raise FormatError(f"payload holds code {int(codes.max())}; the codebook has {n_colors} colours")
    elif head.coding == "cm":
        from .coding.cm import decode

        codes = decode(payload, _code_map_shape(shape, channels), n_colors).ravel()
        payload = pack_bits(codes, codebook.bits)
    else:
        from .entropy import decode_code_map

        map_shape = _code_map_shape(shape, channels)
        codes = decode_code_map(payload, map_shape, n_colors).ravel()
        payload = pack_bits(codes, codebook.bits)
    pixel_shape = shape[:-1] if channels else shape
    return Compressed(codebook, shape, payload, _codes=codes.reshape(pixel_shape))


def save(path, compressed: Compressed, *, coding: str = "auto", effort: int | None = None,
         overwrite: bool = False) -> Path:
    """Save a compressed image: ``.vqz`` (any data) or ``.png`` (indexed PNG, up to 256 levels).

    Parameters
    ----------
    path : str or path-like
        Target file; its extension chooses the format (``.png`` exports a palette PNG that any
        viewer opens, see :func:`vqpress.png.to_png`; anything else writes ``.vqz``).
    compressed : Compressed
    coding : {"auto", "raw", "context", "cm"}
        Payload coding of a ``.vqz`` file (see :func:`to_bytes`).
    effort : int, optional
        0 (fastest) .. 9 (smallest) for the ``cm`` coding (see :func:`to_bytes`).
    overwrite : bool, default False
        Replace an existing file. The write is atomic either way.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import vqpress, tempfile, os
    >>> c = vqpress.compress(vqpress.datasets.face(gray=True), n_colors=8)
    >>> path = os.path.join(tempfile.mkdtemp(), "face.vqz")
    >>> _ = vqpress.save(path, c)
    >>> (vqpress.load(path).decompress() == c.decompress()).all()
    True
    """
    if Path(path).suffix.lower() == ".png":
        from .png import to_png

        data = to_png(compressed)
    else:
        data = to_bytes(compressed, coding, effort=effort)
    return atomic_write_bytes(path, data, overwrite=overwrite)


def load(path, *, max_pixels: int = MAX_PIXELS) -> Compressed:
    """Load a ``.vqz`` file.

    Raises
    ------
    VQError
        The file does not exist.
    FormatError
        The file is not an intact ``.vqz`` file (see :func:`from_bytes`).
    """
    path = Path(path)
    if not path.is_file():
        raise VQError(f"no such file: {path}")
    return from_bytes(path.read_bytes(), max_pixels=max_pixels)
