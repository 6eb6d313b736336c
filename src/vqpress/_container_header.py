"""The header of a ``.vqz`` stream (docs/FORMAT.md, "Layout"): its fields' limits and
:func:`read_header`, which checks them and the header's CRC before anything the header
announces is read or allocated. The fixed header of formats 1.0-2.1 is read here; the
compact one of format 2.2 is unpacked by :mod:`vqpress._compact_header`. The writer
(:mod:`vqpress.container`) checks its fields with the same :func:`check_fields`.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from . import _codebook_forms as forms
from . import _compact_header as compact_header
from .coding.registry import BY_NUMBER
from .errors import FormatError, VQError
from .kinds import CHANNELS, MAX_COLORS, STRATEGY_NAMES, channel_name

__all__ = ["MAGIC", "Header", "HEADER_MAX", "read_header", "check_fields", "HEAD", "CRC", "DTYPES", "DTYPE_CODE",
           "FORM1_VERSION", "FORM2_VERSION"]

MAGIC = b"\x89VQZ\r\n\x1a\n"
#: The oldest version that holds codebook form 1.
FORM1_VERSION = (2, 1)
#: The oldest version that holds codebook form 2, the compact header and compact payloads.
FORM2_VERSION = (2, 2)
#: The frame timing block (format 2.3, vqpress._frame_timing).
TIMING_VERSION = compact_header.TIMING_VERSION
#: Major versions this vqpress reads, and the newest minor version of each.
_READABLE_MAJORS = (1, 2)
_NEWEST_MINOR = {1: 1, 2: 3}
MAX_NDIM = 8
MAX_STRATEGY_LEN = 32

# major, minor, dtype, ndim, channels, coding, strategy length, codebook form, n_colors,
# payload length (form 2: codebook and payload length), then shape follows.
HEAD = struct.Struct("<BBBBBBBBIQ")
CRC = struct.Struct("<I")
DTYPES = [np.dtype(t) for t in ("u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8")]
DTYPE_CODE = {d: i for i, d in enumerate(DTYPES)}


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
    #: Bytes of the frame timing block that opens the body (format 2.3; 0 before), before the
    #: codebook: the codebook starts at ``size + timing_len``.
    timing_len: int = 0

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
        return self.size + self.timing_len + self.body_len + CRC.size



#: Longest possible header (8 dimensions, longest strategy name, CRC): reading this many
#: bytes of a file is enough for :func:`read_header`.
HEADER_MAX = len(MAGIC) + HEAD.size + 8 * MAX_NDIM + MAX_STRATEGY_LEN + CRC.size
assert len(MAGIC) + compact_header.MAX_LEN + CRC.size <= HEADER_MAX  # (the compact header is shorter)
assert set(STRATEGY_NAMES) <= set(compact_header.STRATEGY_CODES)


def check_fields(dtype_code, ndim, channels, coding, n_colors, shape, strategy: bytes, error) -> None:
    """The header's values against the limits of docs/FORMAT.md (raising ``error``): shared
    by the reader and the writer, so that nothing is written that cannot be read."""
    if not 1 <= ndim <= MAX_NDIM:
        raise error(f"ndim {ndim} is outside 1..{MAX_NDIM}")
    if dtype_code not in range(len(DTYPES)):
        raise error(f"unknown dtype code {dtype_code} (allowed 0..{len(DTYPES) - 1})")
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
    if len(view) < len(MAGIC) + HEAD.size or bytes(view[: len(MAGIC)]) != MAGIC:
        raise FormatError("not a .vqz stream (bad magic bytes or too short)")
    major, minor, dtype_code, ndim, channels, coding, slen, form, n_colors, payload_len = (
        HEAD.unpack_from(view, len(MAGIC))
    )
    if major not in _READABLE_MAJORS:
        raise FormatError(
            f".vqz format version {major}.{minor} is not supported by this vqpress "
            f"(reads {', '.join(f'{v}.x' for v in _READABLE_MAJORS)}); upgrade vqpress to read it"
        )
    if minor > _NEWEST_MINOR[major]:
        raise FormatError(f".vqz format version {major}.{minor} is newer than this vqpress reads (up to "
                          f"{major}.{_NEWEST_MINOR[major]}); upgrade vqpress to read it")
    compact_head = ndim == 0 and (major, minor) >= FORM2_VERSION
    timing_len = 0
    if compact_head:
        fields, header_len = compact_header.unpack(view, len(MAGIC), MAX_NDIM)
        major, minor, dtype_code, channels, coding, name, form, n_colors, body_len, shape, timing_len = fields
        strategy, ndim = name.encode("ascii"), len(shape)
    elif not 1 <= ndim <= MAX_NDIM or slen > MAX_STRATEGY_LEN:
        raise FormatError(f"corrupt header: ndim {ndim} (allowed 1..{MAX_NDIM}) or strategy length {slen}")
    else:
        header_len = len(MAGIC) + HEAD.size + 8 * ndim + slen
    if len(view) < header_len + CRC.size:
        raise FormatError(f"truncated .vqz: {len(view)} bytes, header alone needs {header_len + CRC.size}")
    header = bytes(view[:header_len])
    if CRC.unpack_from(view, header_len)[0] != zlib.crc32(header):
        raise FormatError("header checksum mismatch: the .vqz header is damaged")
    # The header is intact from here on; check its values against limits and sizes.
    if form not in forms.FORMS:
        raise FormatError(f"codebook form {form} is unknown (allowed 0 float64, 1 in the image's dtype, "
                          "2 compact; header byte 15)")
    if not compact_head:
        shape = struct.unpack_from(f"<{ndim}Q", header, len(MAGIC) + HEAD.size)
        strategy = header[header_len - slen :]
    check_fields(dtype_code, ndim, channels, coding, n_colors, shape, strategy, FormatError)
    if (major, minor) < BY_NUMBER[coding].version:
        need = ".".join(map(str, BY_NUMBER[coding].version))
        raise FormatError(f"payload coding {coding} ({BY_NUMBER[coding].name}) needs format version {need}; "
                          f"the header says {major}.{minor}")
    if form != forms.FLOAT:
        need = FORM1_VERSION if form == forms.IN_DTYPE else FORM2_VERSION
        what = "the image's dtype" if form == forms.IN_DTYPE else "compact"
        if (major, minor) < need:
            raise FormatError(f"codebook form {form} ({what}) needs format version {need[0]}.{need[1]}; "
                              f"the header says {major}.{minor}")
        if DTYPES[dtype_code].kind not in "ui":
            raise FormatError(f"codebook form {form} ({what}) is for integer dtypes; this file's is "
                              f"{DTYPES[dtype_code]} (allowed: form 0)")
    dtype = DTYPES[dtype_code]
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
        BY_NUMBER[coding].name, strategy.decode("ascii"), payload_len, header_len + CRC.size, form, body_len,
        timing_len,
    )
