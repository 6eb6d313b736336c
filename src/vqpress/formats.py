"""The files a compressed image is saved as, chosen by the file's extension: one table.

===================== ==================================================================
extension             what is written
===================== ==================================================================
``.vqz``              the container (:mod:`vqpress.container`): any data
``.png``              an indexed PNG (palette and codes, up to 256 uint8 levels or
                      colours of one image); otherwise a plain 8-bit (16-bit gray) PNG
                      of the decompressed image; frames as an animated PNG
``.gif``              a GIF: up to 256 uint8 colours, at most one fully transparent and
                      none partly transparent; frames as an animation
``.webp``             lossless WebP of uint8 images; frames as an animation
``.tif``, ``.tiff``   TIFF of uint8 images and 16-bit gray; frames as pages
``.jxl``              lossless JPEG XL (needs ``imagecodecs``), uint8 or 16-bit
===================== ==================================================================

Frames keep their timing (``compressed.timing``) in ``.vqz``, GIF, WebP and PNG files.
Every one of them decodes to exactly ``compressed.decompress()`` (gray stays gray where the
format has a gray mode; vqpress's reader takes gray GIF and WebP pixels back as gray). A
lossy format (JPEG, AVIF, HEIF, JPEG 2000) would change the quantized values: it is
refused, and so is an extension that names no format, before anything is encoded. Data
that is not one image or a stack of frames (``(H, W[, C])`` or ``(frames, H, W[, C])``)
goes to ``.vqz`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._fileio import atomic_write_bytes
from ._validation import check_bool, check_path
from .compressed import Compressed
from .errors import VQError

__all__ = ["Format", "format_for", "encode", "FORMATS", "LOSSY"]


@dataclass(frozen=True)
class Format:
    """One file format: its name, extensions and the encoder of a compressed image."""

    name: str
    suffixes: tuple
    #: ``encode(compressed, path, max_pixels, vqz) -> bytes``, a VQError if it cannot
    #: hold the image exactly; ``vqz`` holds the .vqz options (coding, effort, exact_centers)
    encode: Callable


def _vqz(c: Compressed, path, max_pixels, vqz: dict) -> bytes:
    from .container import to_bytes

    return to_bytes(c, vqz["coding"], effort=vqz["effort"], max_pixels=max_pixels,
                    exact_centers=vqz.get("exact_centers", False))


def _pixel_stack(c: Compressed, path, name: str):
    """``(frames, H, W)`` codes of an image or a stack of frames, and whether it is a
    stack; a VQError for other shapes."""
    pixel_shape = c.codes().shape
    if len(pixel_shape) == 2:
        return c.codes()[None], False
    if len(pixel_shape) == 3:
        return c.codes(), True
    channels = c.codebook.channels
    shape = "(H, W, C) or (frames, H, W, C)" if channels else "(H, W) or (frames, H, W)"
    raise VQError(f"{path}: a {name} file holds an image {shape}; this data has shape {c.shape} "
                  "(save it as .vqz)")


def _checked_pixels(c: Compressed, max_pixels) -> None:
    """An image file is refused as :func:`vqpress.imread` would refuse it, as ``.vqz`` files are."""
    from ._validation import check_max_pixels, check_pixels

    check_pixels(c.n_pixels, check_max_pixels(max_pixels), what="this image", error=VQError, writing=True)


def _png(c: Compressed, path, max_pixels, vqz: dict) -> bytes:
    from .png import fits_palette, to_png

    _pixel_stack(c, path, "PNG")
    _checked_pixels(c, max_pixels)
    if fits_palette(c):
        return to_png(c)
    return _image(c, path, max_pixels, vqz)


def _gif(c: Compressed, path, max_pixels, vqz: dict) -> bytes:
    import numpy as np

    from .imageio import gif_bytes

    codes, _ = _pixel_stack(c, path, "GIF")
    _checked_pixels(c, max_pixels)
    cb = c.codebook
    if cb.dtype != np.uint8:
        raise VQError(f"{path}: a GIF holds 8-bit colours; this image is {_samples(cb)} ({_deep_advice(cb)})")
    if cb.n_colors > 256:
        raise VQError(f"{path}: a GIF holds at most 256 colours; this image has {cb.n_colors} (use .png, .webp or "
                      ".vqz)")
    levels = cb.levels()
    return gif_bytes(codes.astype(np.uint8), levels if levels.ndim == 2 else levels[:, None], path, c.timing)


#: Image formats that hold 16-bit gray as well as uint8 images.
_DEEP_GRAY = (".png", ".tif", ".tiff", ".jxl")


def _samples(cb) -> str:
    """``"uint16 RGB"``: the sample type and kind of a codebook's images, for messages."""
    return f"{cb.dtype} {({0: 'gray', 2: 'gray + alpha', 3: 'RGB', 4: 'RGBA'})[cb.channels]}"


def _deep_advice(cb) -> str:
    """Where an image that is not uint8 can be saved."""
    import numpy as np

    return "save it as .png, .tif, .jxl or .vqz" if cb.dtype == np.uint16 and not cb.channels else \
        "save it as .vqz"


def _image(c: Compressed, path, max_pixels, vqz: dict) -> bytes:
    """The decompressed image in a lossless image format (:func:`vqpress.imageio.encode_image`)."""
    import numpy as np

    from .imageio import encode_image

    name = next(f.name for f in FORMATS if Path(path).suffix.lower() in f.suffixes)
    _, frames = _pixel_stack(c, path, name)
    cb = c.codebook
    deep_gray = Path(path).suffix.lower() in _DEEP_GRAY
    if cb.dtype != np.uint8 and not (deep_gray and cb.dtype == np.uint16 and not cb.channels):
        held = "uint8 images and 16-bit gray" if deep_gray else "uint8 images"
        raise VQError(f"{path}: a {name} file holds {held}; this image is {_samples(cb)} ({_deep_advice(cb)})")
    _checked_pixels(c, max_pixels)
    return encode_image(c.decompress(), path, frames=frames, timing=c.timing)


#: The formats, in the order of the table above. A new format is one entry here.
FORMATS = (
    Format("vqz", (".vqz",), _vqz),
    Format("PNG", (".png",), _png),
    Format("GIF", (".gif",), _gif),
    Format("WebP", (".webp",), _image),
    Format("TIFF", (".tif", ".tiff"), _image),
    Format("JPEG XL", (".jxl",), _image),
)
_BY_SUFFIX = {suffix: fmt for fmt in FORMATS for suffix in fmt.suffixes}
#: Lossy formats, by extension: refused, as they would change the quantized values.
LOSSY = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".avif": "AVIF", ".heic": "HEIF",
         ".heif": "HEIF", ".jp2": "JPEG 2000", ".j2k": "JPEG 2000", ".jpx": "JPEG 2000"}


def format_for(path) -> Format:
    """The format that ``path``'s extension names (case-insensitive).

    Raises
    ------
    VQError
        A lossy format's extension, or one that names no format vqpress writes; the
        message lists those it writes.

    Examples
    --------
    >>> from vqpress.formats import format_for
    >>> format_for("photo.WEBP").name
    'WebP'
    >>> format_for("photo.jpg")
    Traceback (most recent call last):
    ...
    vqpress.errors.VQError: photo.jpg: JPEG is lossy, it would change the quantized image; use .vqz, .png, .gif, .webp, .tif, .tiff, .jxl
    """
    suffix = Path(path).suffix.lower()
    fmt = _BY_SUFFIX.get(suffix)
    if fmt is not None:
        return fmt
    allowed = ", ".join(s for f in FORMATS for s in f.suffixes)
    if suffix in LOSSY:
        raise VQError(f"{path}: {LOSSY[suffix]} is lossy, it would change the quantized image; use {allowed}")
    what = f"unknown extension {Path(path).suffix!r}" if suffix else "no extension"
    raise VQError(f"{path}: {what}; a compressed image is saved as {allowed}")


def encode(compressed: Compressed, path, *, coding: str = "auto", effort: int | None = None,
           max_pixels: int | None = None, exact_centers: bool = False) -> bytes:
    """``compressed`` as the bytes of the file ``path`` names (by its extension; nothing is
    written). ``coding``, ``effort``, ``max_pixels`` and ``exact_centers`` are those of
    :func:`vqpress.container.to_bytes`
    (``max_pixels`` also bounds image files, which :func:`vqpress.imread` refuses past it).

    Raises
    ------
    VQError
        See :func:`format_for`; or the format cannot hold this image exactly (the message
        says which can).
    """
    if not isinstance(compressed, Compressed):
        raise VQError(f"compressed must be a vqpress.Compressed; got {type(compressed).__name__}")
    return format_for(path).encode(compressed, path, max_pixels,
                                   {"coding": coding, "effort": effort, "exact_centers": exact_centers})


def save(path, compressed: Compressed, *, coding: str = "auto", effort: int | None = None,
         overwrite: bool = False, max_pixels: int | None = None, exact_centers: bool = False) -> Path:
    """Save a compressed image in the format its extension names (:mod:`vqpress.formats`).

    Parameters
    ----------
    path : str or path-like
        Target file. ``.vqz`` (any data); or, exactly as ``compressed.decompress()``,
        ``.png`` (an indexed PNG any viewer opens, see :func:`vqpress.png.to_png`, where a
        palette can hold it), ``.gif`` (up to 256 colours), ``.webp`` (lossless), ``.tif``
        or ``.jxl`` (lossless JPEG XL, with ``imagecodecs``). Lossy formats (``.jpg``, ...)
        and unknown extensions are refused.
    compressed : Compressed
    coding : {"auto", "raw", "context", "cm"}
        Payload coding of a ``.vqz`` file (see :func:`vqpress.container.to_bytes`).
    effort : int, optional
        0 (fastest) .. 9 (smallest), for the ``cm`` coding (see :func:`vqpress.container.to_bytes`).
    overwrite : bool, default False
        Replace an existing file. The write is atomic either way.
    max_pixels : int, optional
        Allow an image larger than :func:`vqpress.load` (and :func:`vqpress.imread`) accept by
        default (see :func:`vqpress.container.to_bytes`).
    exact_centers : bool, default False
        ``.vqz``: store the fitted centres as float64 (format 2.0) instead of the codebook in
        the image's integer dtype (format 2.2), see :func:`vqpress.container.to_bytes`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    VQError
        A lossy or unknown extension, a format that cannot hold the image, a file that
        :func:`vqpress.load` would refuse, an existing file without ``overwrite``, or a folder that
        cannot be written (read-only, full): the message names ``path``. Nothing is
        written then.

    Examples
    --------
    >>> import vqpress, tempfile, os
    >>> c = vqpress.compress(vqpress.datasets.face(gray=True), n_colors=8)
    >>> path = os.path.join(tempfile.mkdtemp(), "face.vqz")
    >>> _ = vqpress.save(path, c)
    >>> bool((vqpress.load(path).decompress() == c.decompress()).all())
    True
    >>> _ = vqpress.save(path.replace(".vqz", ".webp"), c)      # lossless WebP
    >>> bool((vqpress.imread(path.replace(".vqz", ".webp")) == c.decompress()).all())
    True
    """
    path = check_path(path)
    check_bool(overwrite, name="overwrite")
    data = encode(compressed, path, coding=coding, effort=effort, max_pixels=max_pixels,
                  exact_centers=exact_centers)
    return atomic_write_bytes(path, data, overwrite=overwrite)
