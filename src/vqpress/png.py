"""Standard export: a compressed image as an indexed (palette) PNG that any viewer opens.

The PNG holds the codes as palette indices at the smallest legal bit depth (1, 2, 4 or 8
bits) and the decoded levels as the palette, so it decodes to exactly
``compressed.decompress()``. Only what a palette can carry is exported: up to 256 levels of
uint8 gray, gray + alpha, RGB or RGBA data in two dimensions.
"""

from __future__ import annotations

import io

import numpy as np

from .compressed import Compressed
from .errors import VQError

__all__ = ["to_png", "fits_palette"]


def fits_palette(compressed: Compressed) -> bool:
    """Whether :func:`to_png` can write ``compressed``: one image (no frames) of uint8 data
    with at most 256 levels or colours."""
    cb = compressed.codebook
    pixel_ndim = len(compressed.shape) - (1 if cb.channels else 0)
    return cb.n_colors <= 256 and cb.dtype == np.uint8 and pixel_ndim == 2


def to_png(compressed: Compressed) -> bytes:
    """Encode ``compressed`` as an indexed PNG (bytes).

    Parameters
    ----------
    compressed : Compressed
        A 2-D gray image, or an ``(H, W, 2|3|4)`` gray + alpha or colour image, of dtype
        uint8 with at most 256 levels.

    Returns
    -------
    bytes
        PNG data: palette mode, bit depth ``1, 2, 4`` or ``8`` for up to ``2, 4, 16, 256``
        levels; gray levels are written as R = G = B palette entries, palettes with alpha
        (RGBA, gray + alpha) with a ``tRNS`` chunk.

    Raises
    ------
    VQError
        More than 256 levels, a dtype other than uint8, or a shape a PNG cannot hold; the
        message says what to use instead.
    """
    from PIL import Image

    if not isinstance(compressed, Compressed):
        raise VQError(f"to_png takes a vqpress.Compressed; got {type(compressed).__name__}")
    cb = compressed.codebook
    instead = "save as .vqz instead, or decompress() and write it with vqpress.imwrite"
    if cb.n_colors > 256:
        raise VQError(f"an indexed PNG holds at most 256 colours; this image has {cb.n_colors} ({instead})")
    if cb.dtype != np.uint8:
        raise VQError(f"an indexed PNG holds 8-bit levels; this image's dtype is {cb.dtype} ({instead})")
    pixel_ndim = len(compressed.shape) - (1 if cb.channels else 0)
    if pixel_ndim != 2:
        raise VQError(f"a PNG holds a 2-D image; this data has shape {compressed.shape} ({instead})")
    levels = cb.levels()  # (k,) or (k, C) uint8, exactly what decompress() produces
    if cb.channels == 0:
        palette = np.repeat(levels[:, None], 3, axis=1)
    elif cb.channels == 2:  # gray + alpha: gray palette entries with alpha (read back as gray + alpha)
        palette = levels[:, [0, 0, 0, 1]]
    else:
        palette = levels
    codes = np.ascontiguousarray(compressed.codes(), dtype=np.uint8)
    height, width = codes.shape
    image = Image.frombytes("P", (width, height), codes.tobytes())
    rawmode = "RGBA" if palette.shape[1] == 4 else "RGB"
    image.putpalette(palette.astype(np.uint8).ravel().tobytes(), rawmode=rawmode)
    bits = max(1, int(cb.n_colors - 1).bit_length())
    bits = 1 if bits == 1 else 2 if bits == 2 else 4 if bits <= 4 else 8
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True, bits=bits)
    return buf.getvalue()
