"""Reading and writing image files through Pillow (PNG, JPEG, TIFF, BMP, WebP, ...)."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import numpy as np

from . import _jxl, _npy, _tiff_samples
from ._fileio import atomic_write_bytes, open_regular
from ._validation import check_bool, check_max_pixels, check_path, check_pixels, several_frames
from .errors import VQError

__all__ = ["imread", "imwrite"]

# Pillow modes kept as they are (uint8, uint16, int32, float32 arrays).
_MODES_KEPT = ("L", "LA", "RGB", "RGBA", "I;16", "I;16L", "I;16B", "I;16N", "I", "F")
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
#: Formats that have no gray mode (GIF, WebP) or whose decoder makes every frame RGBA
#: (animated WebP): their pixels are read as gray when all are gray, without alpha when
#: all are opaque.
_LOOSE_MODES = ("GIF", "WEBP")


def imread(path, *, max_pixels: int | None = None, frames: bool = False) -> np.ndarray:
    """Read an image file into an array.

    Parameters
    ----------
    path : str or path-like
        A file Pillow can open: PNG, JPEG, TIFF, BMP, WebP, GIF, PPM, ...; or a still JPEG XL
        image (read with the optional package ``imagecodecs``, its size checked against
        ``max_pixels`` before it is decoded); or a ``.npy`` file of integers or floats (numpy's own
        format, as :func:`imwrite` and ``vqpress decompress`` write float and other data),
        known by its content, not its name: ``(H, W)``, ``(H, W, C)`` with C <= 4 channels
        (a last axis of 1 is dropped), or with ``frames`` also ``(frames, H, W[, C])``; its
        dtype and values are kept as stored.
    max_pixels : int, optional
        Refuse images of more pixels (all frames together) than this (a guard against
        decompression bombs). By default Pillow's policy: warn above
        ``PIL.Image.MAX_IMAGE_PIXELS`` (``DecompressionBombWarning``), refuse above twice it.
    frames : bool, default False
        Read every frame of an animation (GIF, WebP, PNG) or page of a multi-page TIFF,
        as an array of shape ``(frames, H, W[, C])`` (``frames`` is 1 for a still image).
        Without it, a file of several frames is refused (naming them), never cut to its
        first frame in silence.

    Returns
    -------
    ndarray
        Upright (the EXIF orientation applied, as every viewer shows it).
        ``(H, W)`` uint8 for 8-bit gray, ``(H, W)`` uint16 for 16-bit gray (PNG, TIFF,
        PGM), ``(H, W, 2)`` for gray + alpha, ``(H, W, 3)`` or ``(H, W, 4)`` uint8 for
        RGB/RGBA and uint16 for 16-bit RGB/RGBA (PNG, PPM, TIFF, a compressed TIFF through
        tifffile and imagecodecs: never reduced to 8 bits); palette images are expanded to
        RGB (RGBA if they have transparency) or, if every entry used is gray, to gray (gray
        + alpha), and so are GIF and WebP images whose pixels are all gray (those formats
        have no gray mode); 1-bit images become uint8 0/255, 32-bit integer and float gray
        (TIFF ``I``/``F``) int32 (uint32 for unsigned samples) and float32. Other TIFF
        samples (float64, float16, signed 8/16-bit, 32-bit or float colour, planes stored
        one by one) are read by the optional package ``tifffile`` in their own dtype, or
        refused without it (Pillow would not read them, or read them changed). The samples of a
        PGM/PPM of more than 8 bits are returned as stored. An 8-bit gray or RGB PNG with a
        transparent colour (a tRNS colour key) is read as gray + alpha or RGBA. Frames of
        different modes are widened to a common one (gray to RGB, no alpha to opaque).

    Raises
    ------
    VQError
        The file does not exist, is not a regular file, is not an image Pillow can read,
        has more pixels than allowed (the message says how to allow it), holds several
        frames without ``frames=True`` (or frames of different sizes), holds 16-bit
        samples that cannot be read exactly, or is an animated JPEG XL file; a ``.npy``
        file that holds no integers or floats, no image shape, or fewer bytes than its header says.

    Examples
    --------
    >>> import vqpress, tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "gray.png")
    >>> _ = vqpress.imwrite(path, np.zeros((4, 6), np.uint8))
    >>> vqpress.imread(path).shape, vqpress.imread(path, frames=True).shape
    ((4, 6), (1, 4, 6))
    """
    path = check_path(path)
    max_pixels = check_max_pixels(max_pixels)
    check_bool(frames, name="frames")
    with open_regular(path) as fh:
        return _read(fh, path, max_pixels, frames)


def read_image_bytes(data: bytes, name: str, *, max_pixels: int | None = None, frames: bool = False) -> np.ndarray:
    """:func:`imread` of an image held in ``data`` (standard input, for one); ``name`` names
    it in messages."""
    return _read(io.BytesIO(data), name, check_max_pixels(max_pixels), frames)


def _read(fh, path, max_pixels, frames: bool) -> np.ndarray:
    from ._deep_samples import needs_own_reader, read_deep

    head = fh.read(12)
    if not head:
        raise _unreadable(path, "it is empty")
    fh.seek(0)
    if _jxl.is_jxl(head):  # Pillow does not read JPEG XL
        return _jxl.read(fh.read(), str(path), max_pixels, frames)
    if _npy.is_npy(head):  # numpy's own format, as imwrite and `vqpress decompress` write it
        return _npy.read(fh, path, max_pixels, frames)
    try:
        im = _open(fh, path, max_pixels)
        tiff_why = "would read changed" if im.format == "TIFF" and _tiff_samples.pillow_changes(im, head) else None
    except _Unrecognised:
        if not _tiff_samples.is_tiff(head):
            raise
        im, tiff_why = None, "does not read"
    if tiff_why is not None:  # tifffile reads what Pillow does not (im is not closed: that closes fh)
        return _upright(*_tiff_samples.read(fh, path, max_pixels, frames, why=tiff_why), frames)
    with im:
        width, height = im.size
        count = _pillow(path, lambda: getattr(im, "n_frames", 1))
        if count > 1 and not frames:
            what = "pages" if im.format == "TIFF" else "frames"
            raise several_frames(path, count, f"{what} ({im.format})")
        if max_pixels is not None or count > 1:  # else Image.open applied Pillow's own policy
            check_pixels(count * width * height, max_pixels, what=str(path))
        arrays, orientation = [], 1
        for k in range(count):
            if k:
                _pillow(path, lambda k=k: im.seek(k))
                if im.size != (width, height):
                    raise VQError(f"{path}: frame {k + 1} is {im.size[0]} x {im.size[1]} pixels, frame 1 "
                                  f"{width} x {height}; vqpress reads frames of one size")
            if needs_own_reader(im):
                arrays.append(read_deep(fh, im, path))
                orientation = orientation if k else _orientation(im, loaded=False)
            else:
                arrays.append(_pillow(path, lambda: _as_array(im)))
                orientation = orientation if k else _orientation(im, loaded=True)
        loose_modes = im.format in _LOOSE_MODES
    arr = _common_mode(arrays, path) if count > 1 else arrays[0]
    if loose_modes and arr.ndim >= 3 and arr.shape[-1] in (3, 4):
        arr = _tight_mode(arr)
    return _upright(arr if count > 1 else arr[None], orientation, frames)


def _upright(arr: np.ndarray, orientation: int, frames: bool) -> np.ndarray:
    """Frames ``(frames, H, W[, C])`` turned upright by the EXIF ``orientation``, in native
    byte order, as :func:`imread` returns them (without ``frames``, the one frame)."""
    if orientation in _ORIENT:
        arr = np.stack([_ORIENT[orientation](a) for a in arr])
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.array(arr if frames else arr[0])  # a fresh, writeable, C-ordered copy


def _tight_mode(arr: np.ndarray) -> np.ndarray:
    """RGB(A) pixels of a format whose decoder does not say gray or opaque (see
    :data:`_LOOSE_MODES`) without the alpha channel when every pixel is opaque, and as
    gray (+ alpha) when every pixel is gray."""
    if arr.shape[-1] == 4 and arr.dtype == np.uint8 and (arr[..., 3] == 255).all():
        arr = arr[..., :3]
    if _is_gray(arr):
        arr = arr[..., [0, 3]] if arr.shape[-1] == 4 else arr[..., 0]
    return arr


def _common_mode(arrays, path) -> np.ndarray:
    """Frames stacked in one array: gray widened to colour and alpha added (opaque) where
    some frames have what others lack (a GIF's later frames are often RGB(A))."""
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) > 1:
        raise VQError(f"{path}: its frames have different sample types ({', '.join(sorted(map(str, dtypes)))}); "
                      "vqpress reads frames of one type")
    channels = {a.shape[-1] if a.ndim == 3 else 1 for a in arrays}
    colour = bool(channels & {3, 4})
    alpha = bool(channels & {2, 4})
    opaque = np.iinfo(arrays[0].dtype).max if arrays[0].dtype.kind in "ui" else 1.0
    out = []
    for a in arrays:
        gray = a if a.ndim == 2 else a[..., 0] if a.shape[-1] <= 2 else None
        a_alpha = a[..., -1] if a.ndim == 3 and a.shape[-1] in (2, 4) else np.full(a.shape[:2], opaque, a.dtype)
        parts = [a[..., :3] if gray is None else np.repeat(gray[..., None], 3, axis=-1)] if colour else [
            gray[..., None]]
        if alpha:
            parts.append(a_alpha[..., None])
        b = np.concatenate(parts, axis=-1)
        out.append(b[..., 0] if b.shape[-1] == 1 else b)
    return np.stack(out)


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
    """The error for a file Pillow cannot read; ``exc`` is Pillow's exception or a reason.
    Pillow's messages can name the file object (``<_io.BufferedReader name=3>``), which
    means nothing to the user: it is left out."""
    from PIL import UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return _Unrecognised(f"{path} is not an image vqpress can read ({_UNRECOGNISED})")
    detail = re.sub(r"\s*<_io\.[^>]*>", "", str(exc)) or type(exc).__name__
    return VQError(f"{path} is not an image vqpress can read ({detail})")


_UNRECOGNISED = "Pillow does not recognise it as an image it reads"


class _Unrecognised(VQError):
    """A file Pillow does not recognise (a TIFF of samples it has no mode for is then read by
    tifffile)."""


def _as_array(im) -> np.ndarray:
    """Decode ``im`` as an array: the modes of :data:`_MODES_KEPT` as they are, palette
    images as RGB(A) or gray (+ alpha), other modes converted to RGB or gray."""
    im.load()
    mode = im.mode
    if mode in ("P", "PA"):
        im = im.convert("RGBA" if ("transparency" in im.info or mode == "PA") else "RGB")
        arr = np.asarray(im)
        if _is_gray(arr):  # a gray palette (vqpress's own PNG export): gray, or gray + alpha
            return arr[..., [0, 3]] if im.mode == "RGBA" else arr[..., 0]
        return arr
    if mode == "La":  # premultiplied
        return np.asarray(im.convert("LA"))
    if im.format == "PNG" and mode in ("L", "RGB") and "transparency" in im.info:  # a tRNS colour key
        return np.asarray(im.convert("LA" if mode == "L" else "RGBA"))
    if mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
        im = im.convert("L" if mode == "1" else "RGB")
    elif mode not in _MODES_KEPT:
        im = im.convert("RGB")
    arr = np.asarray(im)
    return arr.view(np.uint32) if _unsigned_32_bit_tiff(im) else arr


def _unsigned_32_bit_tiff(im) -> bool:
    """Whether ``im`` is a TIFF of unsigned 32-bit samples, which Pillow hands out as int32
    (the same bits: values of 2**31 and more read as negative)."""
    if im.format != "TIFF" or im.mode != "I":
        return False
    bits, sample_format = im.tag_v2.get(258, ()), im.tag_v2.get(339, (1,))
    bits = bits if isinstance(bits, tuple) else (bits,)
    sample_format = sample_format if isinstance(sample_format, tuple) else (sample_format,)
    return bits == (32,) and sample_format[:1] == (1,)


def _is_gray(rgb: np.ndarray) -> bool:
    """Whether every pixel of an RGB(A) array has equal red, green and blue."""
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


#: Formats written by vqpress itself rather than Pillow: extension -> (name, module to install).
_OWN_FORMATS = {".jxl": ("JPEG XL", "imagecodecs")}
#: Options that make Pillow's writer of a format lossless (WebP is lossy by default).
_LOSSLESS = {"WEBP": {"lossless": True, "exact": True, "quality": 100}}


def _pil_format(path) -> str:
    from PIL import Image

    suffix = Path(path).suffix.lower()
    if suffix in _OWN_FORMATS:
        return _OWN_FORMATS[suffix][0]
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
    if dtype == np.uint8 and len(shape) == 3 and shape[-1] in (2, 3, 4):
        return {2: "LA", 3: "RGB", 4: "RGBA"}[shape[-1]]
    if dtype == np.uint16 and len(shape) == 2:
        if Path(path).suffix.lower() not in (".png", ".tif", ".tiff", ".jxl"):
            raise VQError(f"16-bit images can be written as .png, .tif or .jxl, not {Path(path).suffix!r} ({path})")
        return "I;16"
    raise VQError(
        f"imwrite takes (H, W) uint8/uint16 or (H, W, 2|3|4) uint8 arrays; got shape {tuple(shape)} "
        f"dtype {dtype} (save it as .npy or .vqz instead)"
    )


def check_writable(path, dtype, shape, *, frames: bool = False) -> None:
    """Raise :class:`VQError` unless an image of ``dtype`` and ``shape`` can be written to
    ``path`` (its extension picks the format) without writing anything.

    For example a ``.jpg`` cannot hold an RGBA image; the message says what can. With
    ``frames``, ``shape[0]`` counts frames (or pages) of shape ``shape[1:]``.
    """
    from PIL import Image

    fmt = _pil_format(path)
    if frames and len(shape) < 3:
        raise VQError(f"frames of shape {tuple(shape)}: expected (frames, H, W[, C])")
    mode = _pil_mode(dtype, shape[1:] if frames else shape, path)
    if Path(path).suffix.lower() in _OWN_FORMATS:
        name, module = _OWN_FORMATS[Path(path).suffix.lower()]
        try:
            __import__(module)
        except ImportError:
            raise VQError(f"{path}: writing {name} needs the {module} package (pip install {module})") from None
        if frames and shape[0] > 1:
            raise VQError(f"{path}: vqpress writes one image as {name}; these are {shape[0]} frames "
                          "(use .gif, .webp, .tif or .vqz)")
        return
    Image.init()
    if frames and shape[0] > 1 and fmt not in Image.SAVE_ALL:
        raise VQError(f"{path}: the {fmt} format holds one image; these are {shape[0]} frames "
                      "(use .gif, .webp, .png, .tif or .vqz)")
    probe = Image.new(mode, (1, 1))
    try:
        probe.save(io.BytesIO(), format=fmt, **_LOSSLESS.get(fmt, {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        what = {"L": "8-bit gray", "LA": "gray + alpha", "RGB": "RGB", "RGBA": "RGBA (with alpha)",
                "I;16": "16-bit gray"}[mode]
        raise VQError(f"{path}: the {fmt} format cannot hold {what} images ({exc}); "
                      "use .png or .tif (any of these), or .npy") from None


def encode_image(image, path, *, frames: bool = False) -> bytes:
    """``image`` encoded in the format that ``path``'s extension names (nothing is written).

    WebP is written lossless, GIF with the image's own colours (at most 256, none partly
    transparent: otherwise a :class:`VQError`), JPEG XL (``.jxl``, with ``imagecodecs``)
    lossless. With ``frames``, ``image`` is ``(frames, H, W[, C])``: written as an
    animation or as pages where the format can hold several (GIF, WebP, PNG, TIFF).
    Other parameters and errors as :func:`imwrite`.
    """
    arr = np.asarray(image)
    if arr.dtype.kind in "ui" and not arr.dtype.isnative:  # big-endian 16-bit (FITS, PGM): same values
        arr = arr.astype(arr.dtype.newbyteorder("="))
    check_writable(path, arr.dtype, arr.shape, frames=frames)
    stack = arr if frames else arr[None]
    fmt = _pil_format(path)
    if fmt == "JPEG XL":
        import imagecodecs

        return bytes(imagecodecs.jpegxl_encode(np.ascontiguousarray(stack[0]), lossless=True))
    if fmt == "GIF":
        colours = stack.reshape(-1, stack.shape[-1]) if stack.ndim == 4 else stack.reshape(-1, 1)
        palette, codes = np.unique(colours, axis=0, return_inverse=True)
        if palette.shape[0] > 256:
            raise VQError(f"{path}: a GIF holds at most 256 colours; this image has {palette.shape[0]} "
                          "(use .png or .webp, lossless for any number of colours)")
        return gif_bytes(codes.reshape(stack.shape[:3]).astype(np.uint8), palette, path)
    if fmt == "WEBP" and stack.shape[0] > 1 and stack.ndim == 4 and stack.shape[-1] in (2, 4):
        hidden = (stack[..., -1] == 0) & (stack[..., :-1] != 0).any(axis=-1)
        if hidden.any():  # libwebp's animation encoder has no "exact" mode
            raise VQError(f"{path}: an animated WebP does not keep the colour of fully transparent pixels, "
                          f"and {int(hidden.sum()):,} pixels have one (use .png, .tif or .vqz)")
    from PIL import Image

    pils = [Image.fromarray(np.ascontiguousarray(a)) for a in stack]
    options = dict(_LOSSLESS.get(fmt, {}))
    if len(pils) > 1:
        options.update(save_all=True, append_images=pils[1:])
    buf = io.BytesIO()
    try:
        pils[0].save(buf, format=fmt, **options)
    except (OSError, ValueError) as exc:
        raise VQError(f"cannot encode the image for {path}: {exc}") from None
    return buf.getvalue()


def gif_bytes(codes: np.ndarray, palette: np.ndarray, path) -> bytes:
    """An exact GIF of palette images: ``codes`` (frames, H, W) uint8 indices into
    ``palette`` (k, C) uint8, ``k <= 256``, C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4
    (RGBA). A GIF has one fully transparent colour and no partial transparency, so a
    palette with alpha may have at most one entry of alpha 0 and all others 255;
    otherwise a :class:`VQError` names ``path``."""
    from PIL import Image

    palette = np.asarray(palette, dtype=np.uint8)
    k, channels = palette.shape
    transparency = None
    if channels in (2, 4):
        alpha = palette[:, -1]
        clear = np.flatnonzero(alpha == 0)
        if ((alpha != 0) & (alpha != 255)).any() or clear.size > 1:
            raise VQError(f"{path}: a GIF has one fully transparent colour and no partial transparency; this "
                          f"image has {int(((alpha != 0) & (alpha != 255)).sum())} partly transparent and "
                          f"{clear.size} fully transparent colours (use .png or .webp)")
        transparency = int(clear[0]) if clear.size else None
        palette = palette[:, :-1]
    rgb = np.repeat(palette, 3, axis=1) if palette.shape[1] == 1 else palette
    frames = []
    for frame in codes:
        im = Image.frombytes("P", (frame.shape[1], frame.shape[0]), np.ascontiguousarray(frame).tobytes())
        im.putpalette(rgb.tobytes(), rawmode="RGB")
        frames.append(im)
    options = {"optimize": False}
    if transparency is not None:
        options["transparency"] = transparency
    if len(frames) > 1:
        # each frame whole, shown over nothing: disposal 2 restores the background (transparent)
        options.update(save_all=True, append_images=frames[1:], disposal=2, loop=0)
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", **options)
    return buf.getvalue()


def imwrite(path, image, *, overwrite: bool = False) -> Path:
    """Write an array as an image file; the format follows the file's extension.

    Parameters
    ----------
    path : str or path-like
        Target file, e.g. ``"out.png"``. Written atomically (temporary file, then rename).
    image : ndarray
        ``(H, W)`` uint8 or uint16 (16-bit needs PNG or TIFF), or ``(H, W, 2|3|4)`` uint8
        (gray + alpha, RGB, RGBA). WebP is written lossless; ``.jxl`` (JPEG XL, lossless)
        needs ``imagecodecs``. A ``.npy`` path takes any array (numpy's own format).
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
    if path.suffix.lower() == ".npy":  # any array, as numpy stores it
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(image), allow_pickle=False)
        return atomic_write_bytes(path, buffer.getvalue(), overwrite=overwrite)
    data = encode_image(image, path)
    return atomic_write_bytes(path, data, overwrite=overwrite)
