"""Reading and writing image files through Pillow (PNG, JPEG, TIFF, BMP, WebP, ...): the
readers here, the writers in ``vqpress._image_writing`` (imported here)."""

from __future__ import annotations

import io
import re
import threading

import numpy as np

from . import _frame_timing as frame_timing
from . import _jxl, _npy, _tiff_samples
from ._fileio import open_regular
from ._validation import check_bool, check_max_pixels, check_path, check_pixels, several_frames
from ._frame_timing import FrameTiming
from ._image_writing import check_writable, encode_image, gif_bytes, imwrite  # noqa: F401 (the public face)
from .errors import VQError

__all__ = ["imread", "imread_animation", "imwrite"]

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
        return _read(fh, path, max_pixels, frames)[0]


def imread_animation(path, *, max_pixels: int | None = None) -> tuple[np.ndarray, FrameTiming | None]:
    """Read every frame of an image file and how long each shows.

    Parameters
    ----------
    path : str or path-like
        As :func:`imread`.
    max_pixels : int, optional
        As :func:`imread`.

    Returns
    -------
    frames : ndarray
        ``(frames, H, W[, C])``, as ``imread(path, frames=True)`` returns them.
    timing : FrameTiming or None
        Each frame's duration (milliseconds, rounded) and the loop count of an animated GIF,
        WebP or PNG (APNG); None for a still image and the formats without timing.

    Raises
    ------
    VQError
        As :func:`imread`.

    Examples
    --------
    >>> import vqpress, tempfile, os, numpy as np
    >>> from vqpress.imageio import imread_animation, encode_image
    >>> from vqpress._frame_timing import FrameTiming
    >>> path = os.path.join(tempfile.mkdtemp(), "blink.gif")
    >>> stack = np.zeros((2, 4, 6), np.uint8); stack[1] = 255
    >>> _ = open(path, "wb").write(encode_image(stack, path, frames=True, timing=FrameTiming((500, 250))))
    >>> frames, timing = imread_animation(path)
    >>> frames.shape, timing
    ((2, 4, 6), FrameTiming(durations=(500, 250), loop=0))
    """
    path = check_path(path)
    max_pixels = check_max_pixels(max_pixels)
    with open_regular(path) as fh:
        return _read(fh, path, max_pixels, True)


def read_image_bytes(data: bytes, name: str, *, max_pixels: int | None = None, frames: bool = False,
                     timing: bool = False):
    """:func:`imread` of an image held in ``data`` (standard input, for one); ``name`` names
    it in messages. With ``timing`` (and ``frames``), ``(frames, timing)`` as
    :func:`imread_animation` returns them."""
    arr, frame_timing = _read(io.BytesIO(data), name, check_max_pixels(max_pixels), frames)
    return (arr, frame_timing) if timing else arr


def _read(fh, path, max_pixels, frames: bool) -> tuple[np.ndarray, FrameTiming | None]:
    """The image (the frames with ``frames``) and the frames' timing (None but for an
    animation Pillow reads)."""
    from ._deep_samples import needs_own_reader, read_deep

    head = fh.read(12)
    if not head:
        raise _unreadable(path, "it is empty")
    fh.seek(0)
    if _jxl.is_jxl(head):  # Pillow does not read JPEG XL
        return _jxl.read(fh.read(), str(path), max_pixels, frames), None
    if _npy.is_npy(head):  # numpy's own format, as imwrite and `vqpress decompress` write it
        return _npy.read(fh, path, max_pixels, frames), None
    try:
        im = _open(fh, path, max_pixels)
        tiff_why = "would read changed" if im.format == "TIFF" and _tiff_samples.pillow_changes(im, head) else None
    except _Unrecognised:
        if not _tiff_samples.is_tiff(head):
            raise
        im, tiff_why = None, "does not read"
    if tiff_why is not None:  # tifffile reads what Pillow does not (im is not closed: that closes fh)
        return _upright(*_tiff_samples.read(fh, path, max_pixels, frames, why=tiff_why), frames), None
    with im:
        width, height = im.size
        count = _pillow(path, lambda: getattr(im, "n_frames", 1))
        if count > 1 and not frames:
            what = "pages" if im.format == "TIFF" else "frames"
            raise several_frames(path, count, f"{what} ({im.format})")
        if max_pixels is not None or count > 1:  # else Image.open applied Pillow's own policy
            check_pixels(count * width * height, max_pixels, what=str(path))
        arrays, orientation, durations = [], 1, []
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
            durations.append(im.info.get("duration"))  # (WebP's is there once the frame is loaded)
        loose_modes = im.format in _LOOSE_MODES
        timing = frame_timing.from_pillow(durations, im.info.get("loop")) \
            if count > 1 and im.format in ("GIF", "WEBP", "PNG") else None
    arr = _common_mode(arrays, path) if count > 1 else arrays[0]
    if loose_modes and arr.ndim >= 3 and arr.shape[-1] in (3, 4):
        arr = _tight_mode(arr)
    return _upright(arr if count > 1 else arr[None], orientation, frames), timing


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
