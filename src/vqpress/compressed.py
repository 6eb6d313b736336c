"""A compressed image: its codebook and its bit-packed codes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .bitpack import unpack_bits
from .codebook import Codebook
from .errors import VQError

__all__ = ["Compressed"]


@dataclass(frozen=True, eq=False)
class Compressed:
    """A quantized image: its codebook and its codes packed ``codebook.bits`` bits each.

    Attributes
    ----------
    codebook : Codebook
    shape : tuple of int
        Shape of the original data.
    payload : bytes
        The codes, bit-packed (see :func:`vqpress.pack_bits`).
    """

    codebook: Codebook
    shape: tuple
    payload: bytes = field(repr=False)
    # The unpacked codes when they are at hand already (compress, from_bytes): saves an unpack.
    _codes: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if self._codes is not None:
            codes = self._codes.view()
            codes.flags.writeable = False
            object.__setattr__(self, "_codes", codes)
        expected = -(-self.n_pixels * self.codebook.bits // 8)
        if len(self.payload) != expected:
            raise VQError(
                f"payload holds {len(self.payload)} bytes; {self.n_pixels} codes of "
                f"{self.codebook.bits} bits need {expected}"
            )

    @property
    def dtype(self) -> np.dtype:
        """Dtype of the original data (and of :meth:`decompress`)."""
        return self.codebook.dtype

    @property
    def n_pixels(self) -> int:
        """Number of codes: every value (scalar data) or every pixel (colour data)."""
        shape = self.shape[:-1] if self.codebook.channels else self.shape
        return math.prod(shape)

    @property
    def nbytes(self) -> int:
        """Bytes of the packed codes plus the codebook (float64 centers and edges)."""
        return len(self.payload) + self.codebook.nbytes

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
        shape = self.shape[:-1] if self.codebook.channels else self.shape
        return unpack_bits(self.payload, self.codebook.bits, self.n_pixels).reshape(shape)

    def decompress(self, dtype=None) -> np.ndarray:
        """The reconstructed image, in the original dtype (or ``dtype``)."""
        return self.codebook.decode(self.codes(), dtype=dtype)

    def to_bytes(self, coding: str = "auto", *, effort: int | None = None) -> bytes:
        """This image as a ``.vqz`` byte string (see :func:`vqpress.container.to_bytes`)."""
        from .container import to_bytes

        return to_bytes(self, coding, effort=effort)

    def __repr__(self) -> str:
        return (
            f"Compressed(shape={self.shape}, dtype={self.dtype}, n_colors={self.codebook.n_colors}, "
            f"strategy={self.codebook.strategy!r}, nbytes={self.nbytes}, ratio={self.ratio:.4f})"
        )
