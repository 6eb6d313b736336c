"""Reading and writing image files through Pillow (PNG, JPEG, TIFF, BMP, WebP, ...)."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import numpy as np

from ._fileio import atomic_write_bytes, open_regular
from ._validation import check_bool, check_max_pixels, check_path, check_pixels
from .errors import VQError

__all__ = ["imread", "imwrite"]

# Pillow modes kept as they are (uint8, uint16, int32, float32 arrays).
_MODES_KEPT = ("L", "RGB", "RGBA", "I;16", "I;16L", "I;16B", "I;16N", "I", "F")
# EXIF orientation -> the array operation that shows the image upright (as
# PIL.ImageOps.exif_transpose does: 2 mirrored, 3 upside down, 6 turned left, ...)
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}
_BOMB_LOCK = threading.Lock()


def imread(path, *, max_pixels: int | None = None) -> np.ndarray:
    """Read an image file into an array.

    Parameters
    ----------
    path : str or path-like
        A file Pillow can open: PNG, JPEG, TIFF, BMP, WebP, GIF (first frame), PPM, ...
    max_pixels : int, optional
        Refuse images of more pixels than this (a guard against decompression bombs). By
        default Pillow's policy: warn above ``PIL.Image.MAX_IMAGE_PIXELS``
        (``DecompressionBombWarning``), refuse above twice it.

    Returns
    -------
    ndarray
        Upright (the EXIF orientation applied, as every viewer shows it).
        ``(H, W)`` uint8 for 8-bit gray, ``(H, W)`` uint16 for 16-bit gray (PNG, TIFF,
        PGM), ``(H, W, 3)`` or ``(H, W, 4)`` uint8 for RGB/RGBA and uint16 for 16-bit RGB/
        RGBA (PNG, PPM, uncompressed TIFF: never reduced to 8 bits); gray + alpha as RGBA;
        palette images are expanded to RGB (RGBA if they have transparency; gray
        ``(H, W)`` if every entry used is gray), 1-bit images to uint8 0/255, 32-bit integer
        and float gray (TIFF ``I``/``F``) to int32/float32. The samples of a PGM/PPM of more
        than 8 bits are returned as stored.

    Raises
    ------
    VQError
        The file does not exist, is not a regular file, is not an image Pillow can read,
        has more pixels than allowed (the message says how to allow it), or holds 16-bit
        samples that cannot be read exactly.
    """
    from ._deep_samples import needs_own_reader, read_deep

    path = check_path(path)
    max_pixels = check_max_pixels(max_pixels)
    with open_regular(path) as fh:
        im = _open(fh, path, max_pixels)
        with im:
            if max_pixels is not None:  # else Image.open applied Pillow's own policy
                check_pixels(im.size[0] * im.size[1], max_pixels, what=str(path))
            if needs_own_reader(im):
                arr = read_deep(fh, im, path)
                orientation = _orientation(im, loaded=False)
            else:
                arr = _pillow(path, lambda: _as_array(im))
                orientation = _orientation(im, loaded=True)
    if orientation in _ORIENT:
        arr = _ORIENT[orientation](arr)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.array(arr)  # a fresh, writeable, C-ordered copy


def _open(fh, path, max_pixels):
    """``Image.open(fh)`` under the pixel policy: Pillow's own when ``max_pixels`` is None,
    else Pillow's guard lifted (only while the header is read) for our own check."""
    from PIL import Image

    pillow_limit = Image.MAX_IMAGE_PIXELS
    if max_pixels is None or pillow_limit is None:
        return _pillow(path, lambda: Image.open(fh))
    # Pillow would warn or refuse by its own limit: it has one global setting, so lift it
    # (under a lock, for the time Image.open reads the header) and check ourselves.
    with _BOMB_LOCK:
        Image.MAX_IMAGE_PIXELS = None
        try:
            return _pillow(path, lambda: Image.open(fh))
        finally:
            Image.MAX_IMAGE_PIXELS = pillow_limit


def _pillow(path, call):
    """``call()`` with Pillow's exceptions on a hostile or broken file as VQErrors."""
    from PIL import Image

    try:
        return call()
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        count = int(found.group(1)) if found else None
        allow = f"max_pixels={count} (--max-pixels {count} on the command line)" if count else \
            "a larger max_pixels (--max-pixels on the command line)"
        raise VQError(
            f"{path} has {f'{count:,} pixels' if count else 'too many pixels'}, more than twice Pillow's "
            f"decompression-bomb limit (PIL.Image.MAX_IMAGE_PIXELS = {Image.MAX_IMAGE_PIXELS:,}); if you "
            f"trust it, pass {allow}"
        ) from None
    except (MemoryError, VQError):
        raise
    except ValueError as exc:
        if "too large" in str(exc).lower():
            raise VQError(
                f"{path} holds a metadata chunk (text or ICC profile) larger than Pillow's safety limit "
                f"({exc}); vqpress does not read it"
            ) from None
        raise _unreadable(path, exc) from None
    except Exception as exc:  # noqa: BLE001 - Pillow's plugins raise many kinds on broken files
        raise _unreadable(path, exc) from None


def _orientation(im, *, loaded: bool) -> int:
    """The EXIF orientation of ``im`` (1, upright, when there is none or it is broken, as
    viewers do). Not ``loaded``: only what the header held (Pillow's ``getexif`` would
    decode a PNG to look for an eXIf chunk after the image data)."""
    from PIL import Image

    try:
        if loaded or im.format != "PNG":
            exif = im.getexif()
        else:
            exif = Image.Exif()
            if im.info.get("exif"):
                exif.load(im.info["exif"])
        return int(exif.get(0x0112, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block is ignored, as viewers do
        return 1


def _unreadable(path, exc) -> VQError:
    detail = str(exc) or type(exc).__name__
    return VQError(f"{path} is not an image vqpress can read ({detail})")


def _as_array(im) -> np.ndarray:
    """Decode ``im`` and convert its mode to one of :data:`_MODES_KEPT`."""
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
    elif mode not in _MODES_KEPT:
        im = im.convert("RGB")
    return np.asarray(im)


def _is_gray(rgb: np.ndarray) -> bool:
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


def _pil_format(path) -> str:
    from PIL import Image

    suffix = Path(path).suffix.lower()
    fmt = Image.registered_extensions().get(suffix)
    if fmt is None or fmt not in Image.SAVE:
        what = f"unknown image extension {Path(path).suffix!r} ({path})" if suffix else f"{path} has no extension"
        raise VQError(f"{what}: use .png, .tif, .bmp, .jpg, .webp, ... (or .npy)")
    return fmt


def _pil_mode(dtype, shape, path) -> str:
    """Pillow mode of an array of ``dtype`` and ``shape`` written to ``path``, or a VQError."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8 and len(shape) == 2:
        return "L"
    if dtype == np.uint8 and len(shape) == 3 and shape[-1] in (3, 4):
        return "RGB" if shape[-1] == 3 else "RGBA"
    if dtype == np.uint16 and len(shape) == 2:
        if Path(path).suffix.lower() not in (".png", ".tif", ".tiff"):
            raise VQError(f"16-bit images can be written as .png or .tif, not {Path(path).suffix!r} ({path})")
        return "I;16"
    raise VQError(
        f"imwrite takes (H, W) uint8/uint16 or (H, W, 3|4) uint8 arrays; got shape {tuple(shape)} "
        f"dtype {dtype} (save it as .npy or .vqz instead)"
    )


def check_writable(path, dtype, shape) -> None:
    """Raise :class:`VQError` unless an image of ``dtype`` and ``shape`` can be written to
    ``path`` (its extension picks the format) without writing anything.

    For example a ``.jpg`` cannot hold an RGBA image; the message says what can.
    """
    from PIL import Image

    fmt = _pil_format(path)
    mode = _pil_mode(dtype, shape, path)
    probe = Image.new(mode, (1, 1))
    try:
        probe.save(io.BytesIO(), format=fmt)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        what = {"L": "8-bit gray", "RGB": "RGB", "RGBA": "RGBA (with alpha)", "I;16": "16-bit gray"}[mode]
        raise VQError(f"{path}: the {fmt} format cannot hold {what} images ({exc}); "
                      "use .png or .tif (any of these), or .npy") from None


def encode_image(image, path) -> bytes:
    """``image`` encoded in the format that ``path``'s extension names (nothing is written).

    Parameters and errors as :func:`imwrite`.
    """
    arr = np.asarray(image)
    if arr.dtype.kind in "ui" and not arr.dtype.isnative:  # big-endian 16-bit (FITS, PGM): same values
        arr = arr.astype(arr.dtype.newbyteorder("="))
    check_writable(path, arr.dtype, arr.shape)
    from PIL import Image

    pil = Image.fromarray(np.ascontiguousarray(arr))
    buf = io.BytesIO()
    try:
        pil.save(buf, format=_pil_format(path))
    except (OSError, ValueError) as exc:
        raise VQError(f"cannot encode the image for {path}: {exc}") from None
    return buf.getvalue()


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

    Raises
    ------
    VQError
        An array or format that cannot hold it (an RGBA image as JPEG, ...), an existing
        file without ``overwrite``, or a folder that cannot be written (read-only, full).
    """
    path = check_path(path)
    check_bool(overwrite, name="overwrite")
    if path.is_dir():
        raise VQError(f"{path} is a directory; give a file name")
    data = encode_image(image, path)
    return atomic_write_bytes(path, data, overwrite=overwrite)
