"""A compressed image: its codebook and its bit-packed codes."""

from __future__ import annotations

import math

import numpy as np

from ._frame_timing import FrameTiming, check_timing
from .bitpack import pack_bits, packed_size, unpack_bits
from .codebook import Codebook
from .errors import VQError

__all__ = ["Compressed"]


class Compressed:
    """A quantized image: its codebook and its codes packed ``codebook.bits`` bits each.

    Parameters
    ----------
    codebook : Codebook
    shape : tuple of int
        Shape of the original data: any shape for scalar data, ``(H, W, channels)`` for
        colour data.
    payload : bytes
        The codes, bit-packed (see :func:`vqpress.pack_bits`). It may be left out when the
        codes are at hand (``_codes``, as :func:`vqpress.from_bytes` does): it is then
        packed on first use.
    timing : FrameTiming, optional
        How long each frame of an animation shows (``shape`` ``(frames, H, W[, C])``: one
        duration a frame), kept in its ``.vqz`` file and written to the GIF, WebP and PNG
        animations made of it.

    Attributes
    ----------
    codebook : Codebook
    shape : tuple of int
    payload : bytes
    timing : FrameTiming or None
    """

    __slots__ = ("codebook", "shape", "_payload", "_codes", "timing")

    def __init__(self, codebook: Codebook, shape, payload: bytes | None = None, *, _codes=None,
                 timing: FrameTiming | None = None) -> None:
        if not isinstance(codebook, Codebook):
            raise VQError(f"codebook must be a vqpress.Codebook; got {type(codebook).__name__}")
        try:
            shape = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise VQError(f"shape must be a tuple of integers; got {shape!r}") from None
        if not shape or min(shape) < 1:
            raise VQError(f"shape must hold at least one dimension, each at least 1; got {shape}")
        if codebook.channels and (len(shape) < 2 or shape[-1] != codebook.channels):
            raise VQError(f"shape {shape} does not end with the codebook's {codebook.channels} channels")
        object.__setattr__(self, "codebook", codebook)
        object.__setattr__(self, "shape", shape)
        if payload is None and _codes is None:
            raise VQError("Compressed needs the payload (bit-packed codes)")
        if payload is not None:
            if not isinstance(payload, (bytes, bytearray, memoryview)):
                raise VQError(f"payload must be bytes; got {type(payload).__name__}")
            payload = bytes(payload)
            expected = packed_size(self.n_pixels, codebook.bits)
            if len(payload) != expected:
                raise VQError(
                    f"payload holds {len(payload)} bytes; {self.n_pixels} codes of "
                    f"{codebook.bits} bits need {expected}"
                )
        if _codes is not None:
            _codes = np.asarray(_codes).view()
            if _codes.shape != self._pixel_shape or _codes.dtype.kind != "u":
                raise VQError(f"codes of shape {self._pixel_shape} expected; got {_codes.shape} {_codes.dtype}")
            _codes.flags.writeable = False
        if timing is not None:
            if not isinstance(timing, FrameTiming):
                raise VQError(f"timing must be a vqpress FrameTiming or None; got {type(timing).__name__}")
            if len(self._pixel_shape) != 3:
                raise VQError(f"timing belongs to frames (frames, H, W[, C]); this data has shape {shape}")
            check_timing(timing, self._pixel_shape[0])
        object.__setattr__(self, "_payload", payload)
        object.__setattr__(self, "_codes", _codes)
        object.__setattr__(self, "timing", timing)

    def with_timing(self, timing: FrameTiming | None) -> Compressed:
        """The same image with ``timing`` (a VQError unless it has one duration a frame)."""
        return Compressed(self.codebook, self.shape, self._payload, _codes=self._codes, timing=timing)

    def __reduce__(self):  # pickle and copy: through __init__ (attributes cannot be set)
        return _restore, (self.codebook, self.shape, self._payload, self._codes, self.timing)

    def __setattr__(self, name, value):
        raise AttributeError(f"Compressed is immutable; cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"Compressed is immutable; cannot delete {name!r}")

    @property
    def _pixel_shape(self) -> tuple:
        return self.shape[:-1] if self.codebook.channels else self.shape

    @property
    def payload(self) -> bytes:
        """The codes, bit-packed ``codebook.bits`` bits each (:func:`vqpress.pack_bits`)."""
        if self._payload is None:
            object.__setattr__(self, "_payload", pack_bits(self._codes, self.codebook.bits))
        return self._payload

    @property
    def dtype(self) -> np.dtype:
        """Dtype of the original data (and of :meth:`decompress`)."""
        return self.codebook.dtype

    @property
    def n_pixels(self) -> int:
        """Number of codes: every value (scalar data) or every pixel (colour data)."""
        return math.prod(self._pixel_shape)

    @property
    def nbytes(self) -> int:
        """Bytes of the packed codes plus the codebook as a ``.vqz`` file stores it by default
        (:attr:`Codebook.nbytes`)."""
        return packed_size(self.n_pixels, self.codebook.bits) + self.codebook.nbytes

    @property
    def original_nbytes(self) -> int:
        """Bytes the original array took."""
        return math.prod(self.shape) * self.dtype.itemsize

    @property
    def ratio(self) -> float:
        """``nbytes / original_nbytes``: below 1 means smaller than the original."""
        return self.nbytes / self.original_nbytes

    @property
    def bits_per_pixel(self) -> float:
        """Stored bits (codes and codebook) per pixel."""
        return 8 * self.nbytes / self.n_pixels

    def codes(self) -> np.ndarray:
        """The codes, unpacked, in the image's shape (without the channel axis for colour)."""
        if self._codes is not None:
            return self._codes
        return unpack_bits(self._payload, self.codebook.bits, self.n_pixels).reshape(self._pixel_shape)

    def decompress(self, dtype=None) -> np.ndarray:
        """The reconstructed image, in the original dtype (or ``dtype``)."""
        return self.codebook.decode(self.codes(), dtype=dtype)

    def to_bytes(self, coding: str = "auto", *, effort: int | None = None,
                 max_pixels: int | None = None, exact_centers: bool = False) -> bytes:
        """This image as a ``.vqz`` byte string (see :func:`vqpress.container.to_bytes`)."""
        from .container import to_bytes

        return to_bytes(self, coding, effort=effort, max_pixels=max_pixels, exact_centers=exact_centers)

    def __repr__(self) -> str:
        return (
            f"Compressed(shape={self.shape}, dtype={self.dtype}, n_colors={self.codebook.n_colors}, "
            f"strategy={self.codebook.strategy!r}, nbytes={self.nbytes}, ratio={self.ratio:.4f})"
        )


def _restore(codebook, shape, payload, codes, timing=None) -> Compressed:
    return Compressed(codebook, shape, payload, _codes=codes, timing=timing)
