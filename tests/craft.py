"""Build ``.vqz`` streams field by field from the layout of docs/FORMAT.md, CRCs recomputed.

The reader's checks behind the CRCs are only exercised by files whose checksums are right,
so the tests craft them here from the specification (not with vqpress's own writer):
:func:`parse` splits a valid stream into its fields, :meth:`Fields.build` joins (possibly
altered) fields back into a stream with both CRCs recomputed.

The codebook is kept as it is stored: float64 arrays for codebook form 0, arrays of the
image's integer dtype for form 1 (format 2.1). :meth:`Fields.build` writes integer numpy
arrays in their own dtype and anything else as float64 (little-endian), whatever the
header says, so a test can alter the header's form or dtype without re-encoding the
codebook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import struct
import zlib

import numpy as np

MAGIC = b"\x89VQZ\r\n\x1a\n"
#: dtype codes of docs/FORMAT.md.
DTYPES = ["u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8"]
#: Payload coding numbers of docs/FORMAT.md.
RAW, CONTEXT = 0, 1
_FIXED = struct.Struct("<BBBBBBBBIQ")  # major .. payload_len, after the magic


@dataclasses.dataclass
class Fields:
    """Every field of a ``.vqz`` stream. ``None`` lengths are computed from the content."""

    shape: tuple
    centers: np.ndarray
    edges: np.ndarray | None
    payload: bytes
    dtype: int = 0
    channels: int = 0
    coding: int = RAW
    n_colors: int | None = None
    strategy: bytes = b"optimal"
    major: int = 1
    minor: int = 0
    #: Header byte 15: 0 float64 codebook, 1 codebook in the image's dtype.
    form: int = 0
    ndim: int | None = None
    slen: int | None = None
    payload_len: int | None = None

    def header(self) -> bytes:
        """Magic and header fields, without the header CRC."""
        n_colors = len(self.centers) if self.n_colors is None else self.n_colors
        ndim = len(self.shape) if self.ndim is None else self.ndim
        slen = len(self.strategy) if self.slen is None else self.slen
        payload_len = len(self.payload) if self.payload_len is None else self.payload_len
        fixed = _FIXED.pack(self.major, self.minor, self.dtype, ndim, self.channels, self.coding, slen,
                            self.form, n_colors, payload_len)
        return MAGIC + fixed + struct.pack(f"<{len(self.shape)}Q", *self.shape) + self.strategy

    def build(self) -> bytes:
        """The stream, with both CRCs computed over the fields as they are."""
        header = self.header()
        body = _stored(self.centers)
        if self.edges is not None:
            body += _stored(self.edges)
        body += self.payload
        return header + _crc(header) + body + _crc(body)

    def replace(self, **changes) -> Fields:
        return dataclasses.replace(self, **changes)


def _stored(values) -> bytes:
    """Integer numpy arrays in their dtype (form 1), anything else (float arrays, lists of
    numbers) as float64 (form 0); little-endian."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "ui":
        return values.astype(values.dtype.newbyteorder("<")).tobytes()
    return np.asarray(values, dtype="<f8").tobytes()


def _crc(data: bytes) -> bytes:
    return struct.pack("<I", zlib.crc32(data))


def parse(blob: bytes) -> Fields:
    """The fields of a valid stream of the fixed header (format 2.1 and older; read by the
    layout, trusting it). Format 2.2's compact header: :func:`parse22`."""
    assert blob[11] != 0, "a compact header (format 2.2): use parse22"
    major, minor, dtype, ndim, channels, coding, slen, form, n_colors, payload_len = _FIXED.unpack_from(blob, 8)
    shape = struct.unpack_from(f"<{ndim}Q", blob, 8 + _FIXED.size)
    pos = 8 + _FIXED.size + 8 * ndim
    strategy = blob[pos : pos + slen]
    pos += slen + 4
    n_centers = n_colors * max(channels, 1)
    stored = np.dtype("<f8") if form == 0 else np.dtype(DTYPES[dtype]).newbyteorder("<")
    centers = np.frombuffer(blob, stored, n_centers, pos).astype(stored.newbyteorder("="))
    centers = centers.reshape(n_colors, channels) if channels else centers
    pos += stored.itemsize * n_centers
    edges = None
    if not channels:
        edges = np.frombuffer(blob, stored, n_colors + 1, pos).astype(stored.newbyteorder("="))
        pos += stored.itemsize * (n_colors + 1)
    payload = blob[pos : pos + payload_len]
    return Fields(shape=tuple(shape), centers=centers, edges=edges, payload=payload, dtype=dtype,
                  channels=channels, coding=coding, strategy=strategy, major=major, minor=minor,
                  form=form)


def context_payload(model: int, words, table: bytes | None = None, n_words: int | None = None) -> bytes:
    """A context-coded payload: model id, word count, [table length, table], words."""
    words = np.asarray(words, dtype="<u4")
    head = struct.pack("<BI", model, len(words) if n_words is None else n_words)
    if table is not None:
        head += struct.pack("<I", len(table)) + table
    return head + words.tobytes()


def context_words(payload: bytes) -> tuple[int, np.ndarray]:
    """Model id and words of a context payload of model 1 or 4."""
    model, _ = struct.unpack_from("<BI", payload)
    return model, np.frombuffer(payload, "<u4", offset=5).copy()


@contextlib.contextmanager
def writing_fixed_layout():
    """Integer images written in format 2.1 (codebook form 1, the fixed header, cm payloads
    of version 1) inside the block: the layout :func:`parse` reads."""
    import vqpress.container

    before = vqpress.container._WRITE_VERSION
    vqpress.container._WRITE_VERSION = (2, 1)
    try:
        yield
    finally:
        vqpress.container._WRITE_VERSION = before


# ------------------------------------------------------------------ format 2.2 (compact header)

STRATEGY_CODES = (b"uniform", b"quantile", b"kmeans", b"optimal", b"mediancut")


def varint(value: int) -> bytes:
    """Unsigned LEB128, shortest form (docs/FORMAT.md, "Integers of format 2.2")."""
    out = bytearray()
    while True:
        out.append((value & 0x7F) | (0x80 if value >> 7 else 0))
        value >>= 7
        if not value:
            return bytes(out)


@dataclasses.dataclass
class Fields22:
    """Every field of a format-2.2 stream (compact header). The codebook is kept as its
    bytes (form 1 or 2), the payload as its bytes."""

    shape: tuple
    codebook: bytes
    payload: bytes
    dtype: int = 0
    channels: int = 0
    coding: int = 2
    strategy_code: int = 3
    form: int = 2
    n_colors: int = 2
    major: int = 2
    minor: int = 2
    #: byte 11, 0 in a compact header
    marker: int = 0
    ndim: int | None = None
    body_len: int | None = None

    def header(self) -> bytes:
        ndim = len(self.shape) if self.ndim is None else self.ndim
        body_len = len(self.codebook) + len(self.payload) if self.body_len is None else self.body_len
        fixed = bytes([self.major, self.minor, self.dtype, self.marker, self.channels, self.coding,
                       self.strategy_code, self.form, ndim])
        return MAGIC + fixed + b"".join(varint(v) for v in (self.n_colors, body_len, *self.shape))

    def build(self) -> bytes:
        header = self.header()
        body = self.codebook + self.payload
        return header + _crc(header) + body + _crc(body)

    def replace(self, **changes) -> Fields22:
        return dataclasses.replace(self, **changes)


def parse22(blob: bytes) -> Fields22:
    """The fields of a valid format-2.2 stream, read by the specification's reading
    (``format22_reference``), as they were written."""
    from format22_reference import codebook_length, varints

    major, minor, dtype, marker, channels, coding, code, form, ndim = blob[8:17]
    assert marker == 0
    (n_colors, body_len, *shape), pos = varints(blob, 17, 2 + ndim)
    body = blob[pos + 4: pos + 4 + body_len]
    if form == 2:
        cb_len = codebook_length(body, n_colors, channels)[1]
    else:
        cb_len = (n_colors * max(channels, 1) + (0 if channels else n_colors + 1)) * np.dtype(DTYPES[dtype]).itemsize
    return Fields22(tuple(shape), body[:cb_len], body[cb_len:], dtype, channels, coding, code, form, n_colors,
                    major, minor)
