"""Reading and writing image files through Pillow (PNG, JPEG, TIFF, BMP, WebP, ...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._fileio import atomic_write
from .errors import VQError

__all__ = ["imread", "imwrite"]

# Pillow modes and the dtype their pixels have as arrays.
_MODES_KEPT = {"L": np.uint8, "RGB": np.uint8, "RGBA": np.uint8, "I;16": np.uint16, "I;16B": np.uint16}


def imread(path) -> np.ndarray:
    """Read an image file into an array.

    Parameters
    ----------
    path : str or path-like
        A file Pillow can open: PNG, JPEG, TIFF, BMP, WebP, GIF (first frame), ...

    Returns
    -------
    ndarray
        ``(H, W)`` uint8 for 8-bit gray, ``(H, W)`` uint16 for 16-bit gray (PNG/TIFF),
        ``(H, W, 3)`` or ``(H, W, 4)`` uint8 for RGB/RGBA; palette images are expanded to RGB
        (RGBA if they have transparency; gray ``(H, W)`` if every entry used is gray), 1-bit images to uint8 0/255, 32-bit integer and
        float gray (TIFF ``I``/``F``) to int32/float32.

    Raises
    ------
    VQError
        The file does not exist or is not an image Pillow can read.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise VQError(f"no such file: {path}")
    try:
        with Image.open(path) as im:
            im.load()
            mode = im.mode
            if mode in ("P", "PA"):
                im = im.convert("RGBA" if ("transparency" in im.info or mode == "PA") else "RGB")
                if im.mode == "RGB" and _is_gray(np.asarray(im)):
                    im = im.convert("L")  # a gray palette (vqpress's own PNG export)
            elif mode == "LA":
                im = im.convert("RGBA")
            elif mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
                im = im.convert("L" if mode == "1" else "RGB")
            elif mode not in _MODES_KEPT and mode not in ("I", "F"):
                im = im.convert("RGB")
            arr = np.asarray(im)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise VQError(f"{path} is not an image vqpress can read ({exc})") from None
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.array(arr)


def _is_gray(rgb: np.ndarray) -> bool:
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


def imwrite(path, image, *, overwrite: bool = False) -> Path:
    """Write an array as an image file; the format follows the file's extension.

    Parameters
    ----------
    path : str or path-like
        Target file, e.g. ``"out.png"``. Written atomically (temporary file, then rename).
    image : ndarray
        ``(H, W)`` uint8 or uint16 (16-bit needs PNG or TIFF), or ``(H, W, 3|4)`` uint8.
    overwrite : bool, default False
        Replace an existing file; otherwise an existing file is an error.

    Returns
    -------
    pathlib.Path
    """
    from PIL import Image

    if Path(path).is_dir():
        raise VQError(f"{path} is a directory; give a file name")
    arr = np.asarray(image)
    if arr.dtype == np.uint8 and (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] in (3, 4))):
        pil = Image.fromarray(arr)
    elif arr.dtype == np.uint16 and arr.ndim == 2:
        pil = Image.fromarray(arr)
        if Path(path).suffix.lower() not in (".png", ".tif", ".tiff"):
            raise VQError(f"16-bit images can be written as .png or .tif, not {Path(path).suffix!r}")
    else:
        raise VQError(
            f"imwrite takes (H, W) uint8/uint16 or (H, W, 3|4) uint8 arrays; got shape "
            f"{arr.shape} dtype {arr.dtype}"
        )
    fmt = Image.registered_extensions().get(Path(path).suffix.lower())
    if fmt is None:
        raise VQError(f"unknown image extension {Path(path).suffix!r}; use .png, .tif, .bmp, .jpg, .webp, ...")
    return atomic_write(path, lambda fh: pil.save(fh, format=fmt), overwrite=overwrite)
