"""Floyd-Steinberg error diffusion onto a given palette, using Pillow's C implementation."""

from __future__ import annotations

import numpy as np

from .._validation import check_data
from ..errors import VQError
from .nearest import code_dtype

__all__ = ["dither_image"]


def dither_image(image, centers) -> np.ndarray:
    """Encode an image with Floyd-Steinberg dithering onto a fixed palette.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3), uint8
        Gray or RGB image.
    centers : ndarray, shape (k,) or (k, 1) for gray, (k, 3) for RGB
        Palette, 1 <= k <= 256, values in 0..255 (rounded to uint8, as Pillow stores them).

    Returns
    -------
    codes : ndarray, shape (H, W), uint8
        Index into ``centers`` of every pixel. When two centres round to the same uint8
        colour, the lower index is used.

    Notes
    -----
    This calls ``PIL.Image.quantize(palette=..., dither=Image.Dither.FLOYDSTEINBERG)``
    (Pillow's C code: about 10 ms for the 786,432-pixel face), so it shares Pillow's limits:

    - only uint8 gray and RGB; uint16, float and RGBA (4-channel) images raise
      :class:`~vqpress.VQError` -- convert them to uint8 RGB first, or use the codes of
      :func:`vqpress.colour.nearest_centre` (no dithering);
    - at most 256 centres;
    - the palette is rounded to uint8 and the error diffusion runs in Pillow's integer
      arithmetic, so the result is deterministic but is not bit-identical to a float
      Floyd-Steinberg.

    References
    ----------
    .. [1] R. W. Floyd and L. Steinberg, "An adaptive algorithm for spatial greyscale",
       Proc. Society for Information Display 17(2), 1976.

    Raises
    ------
    VQError
        On any other dtype, shape or channel count, on more than 256 centres, or on centres
        outside 0..255.
    """
    from PIL import Image

    img = check_data(image, name="image")
    if img.dtype != np.uint8:
        raise VQError(
            f"dither_image needs a uint8 image; got dtype {img.dtype} (Pillow's dithering is 8-bit: "
            "scale to uint8 first, or encode without dithering with nearest_centre)"
        )
    if img.ndim == 2:
        channels = 1
    elif img.ndim == 3 and img.shape[2] == 3:
        channels = 3
    else:
        raise VQError(
            f"dither_image needs an (H, W) gray or (H, W, 3) RGB image; got shape {img.shape}"
            + (" (RGBA is not supported by Pillow's dithering: drop or composite the alpha first)"
               if img.ndim == 3 and img.shape[2] == 4 else "")
        )
    c = check_data(centers, name="centers")
    if channels == 1 and c.ndim == 2 and c.shape[1] == 1:
        c = c[:, 0]
    if (channels == 1 and c.ndim != 1) or (channels == 3 and (c.ndim != 2 or c.shape[1] != 3)):
        want = "(k,)" if channels == 1 else "(k, 3)"
        raise VQError(f"centers must have shape {want} for this image; got {c.shape}")
    k = c.shape[0]
    if not 1 <= k <= 256:
        raise VQError(f"dither_image supports 1..256 centres; got {k}")
    if c.min() < 0 or c.max() > 255:
        raise VQError(f"centers must lie in 0..255 for a uint8 image; got range {c.min()}..{c.max()}")
    pal = np.rint(np.asarray(c, dtype=np.float64)).astype(np.uint8).reshape(k, -1)
    if channels == 1:
        pal = np.repeat(pal, 3, axis=1)
    # Pad to 256 entries with copies of entry 0 (they can only tie with it) and map every
    # palette entry back to the lowest centre index with the same uint8 colour.
    full = np.concatenate([pal, np.repeat(pal[:1], 256 - k, axis=0)])
    key = (full[:, 0].astype(np.int64) << 16) | (full[:, 1].astype(np.int64) << 8) | full[:, 2]
    first = {}
    back = np.empty(256, dtype=np.int64)
    for i, kk in enumerate(key.tolist()):
        back[i] = first.setdefault(kk, i if i < k else 0)
    pimg = Image.new("P", (1, 1))
    pimg.putpalette(full.reshape(-1).tolist())
    src = Image.fromarray(img if channels == 3 else np.repeat(img[:, :, None], 3, axis=2))
    out = src.quantize(palette=pimg, dither=Image.Dither.FLOYDSTEINBERG)
    idx = np.asarray(out, dtype=np.uint8)
    return back[idx].astype(code_dtype(k))
