"""Writing image files through Pillow (and JPEG XL through imagecodecs): the format an
extension names, checked before anything is encoded (:func:`check_writable`), every image
written exactly (lossless WebP, GIF of the image's own colours), frames as animations or
pages with their timing (``vqpress._frame_timing``), atomically. :mod:`vqpress.imageio` is
the public face of it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from . import _frame_timing as frame_timing
from ._fileio import atomic_write_bytes
from ._frame_timing import FrameTiming
from ._validation import check_bool, check_path
from .errors import VQError

__all__ = ["check_writable", "encode_image", "gif_bytes", "imwrite"]


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


def encode_image(image, path, *, frames: bool = False, timing: FrameTiming | None = None) -> bytes:
    """``image`` encoded in the format that ``path``'s extension names (nothing is written).

    WebP is written lossless, GIF with the image's own colours (at most 256, none partly
    transparent: otherwise a :class:`VQError`), JPEG XL (``.jxl``, with ``imagecodecs``)
    lossless. With ``frames``, ``image`` is ``(frames, H, W[, C])``: written as an
    animation or as pages where the format can hold several (GIF, WebP, PNG, TIFF), each
    frame shown for ``timing``'s duration where the format has one (GIF, WebP, PNG; GIF's
    rounded to 10 ms); without ``timing``, 0 ms (the viewer's pace), looping forever.
    Other parameters and errors as :func:`imwrite`; a VQError also for a timing of
    another number of frames, or a duration longer than the format holds.
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
        return gif_bytes(codes.reshape(stack.shape[:3]).astype(np.uint8), palette, path, timing)
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
        options.update(frame_timing.save_options(timing, fmt, len(pils), path))
    buf = io.BytesIO()
    try:
        pils[0].save(buf, format=fmt, **options)
    except (OSError, ValueError) as exc:
        raise VQError(f"cannot encode the image for {path}: {exc}") from None
    return buf.getvalue()


def gif_bytes(codes: np.ndarray, palette: np.ndarray, path, timing: FrameTiming | None = None) -> bytes:
    """An exact GIF of palette images: ``codes`` (frames, H, W) uint8 indices into
    ``palette`` (k, C) uint8, ``k <= 256``, C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4
    (RGBA). A GIF has one fully transparent colour and no partial transparency, so a
    palette with alpha may have at most one entry of alpha 0 and all others 255;
    otherwise a :class:`VQError` names ``path``. Frames show for ``timing``'s durations
    (rounded to GIF's 10 ms) and loop as it says; without it, 0 ms, looping forever."""
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
        options.update(frame_timing.save_options(timing, "GIF", len(frames), path))
        if timing is not None and timing.loop is None:  # (a GIF without a loop count plays once)
            del options["loop"]
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
