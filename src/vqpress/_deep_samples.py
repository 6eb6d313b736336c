"""16-bit colour samples that Pillow would reduce to 8 bits, read as they are stored.

Pillow has no 16-bit RGB mode: it opens a 48-bit PNG, a 16-bit PPM or an RGB TIFF of 16-bit
samples as 8-bit RGB, silently dropping the low byte of every sample. :func:`read_deep`
reads such files itself (a PNG's zlib stream and row filters; the raw samples of a PPM or
of an uncompressed TIFF; a compressed TIFF through tifffile, where it is installed) and
refuses, naming the file, those it cannot read exactly: a quantizer may lose precision on
purpose, an image reader must not.

Pillow has already parsed the header (``im``, not loaded): its size has passed the pixel
limit, so the sizes computed here are trusted to that extent.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

import numpy as np

from .errors import VQError

# Adam7 passes: (first column, first row, column step, row step)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_PNG_CHANNELS = {2: 3, 4: 2, 6: 4}  # colour type -> channels (RGB, gray + alpha, RGBA)


def needs_own_reader(im) -> bool:
    """Whether Pillow would hand out ``im``'s samples changed: 16-bit colour samples cut to
    8 bits, or the samples of a PPM/PGM of more than 8 bits rescaled to its own range."""
    if not im.tile:
        return False
    args = im.tile[0].args
    rawmode = args[0] if isinstance(args, tuple) and args else args
    if im.format == "PPM":  # tile args: rawmode, or (mode, maxval)
        maxval = args[1] if isinstance(args, tuple) and len(args) == 2 else None
        return (isinstance(maxval, int) and maxval > 255) or (isinstance(rawmode, str) and ";16" in rawmode)
    return im.mode in ("RGB", "RGBA", "LA", "L") and isinstance(rawmode, str) and ";16" in rawmode


def read_deep(fh, im, path) -> np.ndarray:
    """The samples of ``im`` (opened from ``fh``, see :func:`needs_own_reader`) as uint16:
    ``(H, W, 2|3|4)`` (gray + alpha, RGB, RGBA), or ``(H, W)`` for gray. A PPM/PGM's
    samples are returned as stored (not rescaled to 0..65535)."""
    if im.format == "PNG":
        return _read_png16(fh, im, path)
    if im.format == "PPM":
        return _read_ppm16(fh, im, path)
    if all(tile.codec_name == "raw" for tile in im.tile):
        return _read_raw_tiles(fh, im, path)
    if im.format == "TIFF":
        return _read_tiff_page(fh, im, path)
    raise VQError(
        f"{path}: vqpress cannot read the 16-bit {im.mode} samples of this {im.format} file "
        f"({im.tile[0].codec_name} coding) without losing their low 8 bits; convert it to a "
        "16-bit PNG or an uncompressed TIFF"
    )


def _read_tiff_page(fh, im, path) -> np.ndarray:
    """The current page of a compressed TIFF (LZW, deflate, ...: Pillow decodes those with
    libtiff, to 8 bits) read by tifffile, as stored (the caller applies the orientation)."""
    cannot = (f"{path}: vqpress cannot read the 16-bit {im.mode} samples of this TIFF file "
              f"({im.tile[0].codec_name} coding) without losing their low 8 bits")
    try:
        import tifffile
    except ImportError:
        raise VQError(f"{cannot}: pip install tifffile (and imagecodecs) reads them, or convert it to a "
                      "16-bit PNG or an uncompressed TIFF") from None
    channels = {"RGB": 3, "RGBA": 4, "LA": 2, "L": 1}[im.mode]
    fh.seek(0)
    try:
        with tifffile.TiffFile(io.BytesIO(fh.read())) as tif:  # fh may have a descriptor for a name
            page = tif.pages[im.tell()]
            separate = page.planarconfig == tifffile.PLANARCONFIG.SEPARATE
            colour = page.photometric == tifffile.PHOTOMETRIC.RGB
            arr = page.asarray()
    except Exception as exc:  # noqa: BLE001 - tifffile and its codecs raise many kinds on broken files
        if "imagecodecs" in str(exc):  # tifffile decodes LZW, deflate, ... with imagecodecs
            raise VQError(f"{cannot}: pip install imagecodecs reads them, or convert it to a 16-bit PNG or an "
                          "uncompressed TIFF") from None
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from None
    if separate and arr.ndim == 3:
        arr = np.moveaxis(arr, 0, -1)
    width, height = im.size
    if (arr.dtype != np.uint16 or colour != (channels >= 3) or arr.shape[:2] not in ((height, width), (width, height))
            or (arr.shape[2] if arr.ndim == 3 else 1) != channels):
        raise VQError(f"{cannot} (tifffile reads {arr.dtype} samples of shape {arr.shape})")
    return np.ascontiguousarray(arr)


def _damaged(path, what: str) -> VQError:
    return VQError(f"{path} is not an image vqpress can read (damaged 16-bit data: {what})")


def _read_png16(fh, im, path) -> np.ndarray:
    from ._png_unfilter import unfilter

    fh.seek(8)
    ihdr, idat = None, []
    while True:
        head = fh.read(8)
        if len(head) < 8:
            raise _damaged(path, "no IEND chunk")
        length, kind = struct.unpack(">I4s", head)
        if kind in (b"IHDR", b"IDAT"):
            data = fh.read(length)
            crc = fh.read(4)
            if len(data) != length or len(crc) != 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + data):
                raise _damaged(path, f"{kind.decode()} chunk truncated or its CRC wrong")
            if kind == b"IHDR":
                ihdr = data
            else:
                idat.append(data)
        elif kind == b"IEND":
            break
        else:
            fh.seek(length + 4, 1)
    if ihdr is None or len(ihdr) != 13:
        raise _damaged(path, "no IHDR chunk")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    channels = _PNG_CHANNELS.get(colour)
    if depth != 16 or channels is None or (width, height) != im.size or interlace > 1:
        raise _damaged(path, "header differs from what Pillow read")
    bpp = 2 * channels
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    shapes = []
    for x0, y0, dx, dy in passes:
        w, h = -(-(width - x0) // dx) if width > x0 else 0, -(-(height - y0) // dy) if height > y0 else 0
        shapes.append((h, w))
    expected = sum(h * (1 + w * bpp) for h, w in shapes if h and w)
    inflater = zlib.decompressobj()
    raw = bytearray()
    try:
        for chunk in idat:
            raw += inflater.decompress(chunk, expected + 1 - len(raw))
            if len(raw) > expected:
                break
    except zlib.error as exc:
        raise _damaged(path, str(exc)) from None
    if len(raw) != expected:
        raise _damaged(path, f"{len(raw)} bytes of image data, {expected} expected")
    out = np.empty((height, width, channels), dtype=np.uint16)
    pos = 0
    for (x0, y0, dx, dy), (h, w) in zip(passes, shapes):
        if not (h and w):
            continue
        size = h * (1 + w * bpp)
        try:
            rows = unfilter(np.frombuffer(raw, np.uint8, size, pos), h, w * bpp, bpp)
        except ValueError as exc:
            raise _damaged(path, str(exc)) from None
        out[y0::dy, x0::dx] = rows.view(">u2").reshape(h, w, channels)
        pos += size
    return out


def _read_ppm16(fh, im, path) -> np.ndarray:
    tile = im.tile[0]
    width, height = im.size
    channels = 3 if im.mode == "RGB" else 1
    count = width * height * channels
    shape = (height, width, channels) if channels > 1 else (height, width)
    fh.seek(tile.offset)
    if tile.codec_name == "ppm_plain":  # P2/P3: decimal samples, comments from "#" to the end of a line
        text = re.sub(rb"#[^\n\r]*", b" ", fh.read())
        try:
            samples = np.array(text.split()[:count], dtype=np.int64)
        except ValueError:
            raise _damaged(path, "a sample that is not a number") from None
        if samples.size != count or (samples < 0).any() or (samples > 65535).any():
            raise _damaged(path, f"{samples.size} samples in 0..65535, {count} expected")
        return samples.astype(np.uint16).reshape(shape)
    data = fh.read(2 * count)
    if len(data) != 2 * count:
        raise _damaged(path, f"{len(data)} bytes of samples, {2 * count} expected")
    return np.frombuffer(data, ">u2").reshape(shape).astype(np.uint16)


def _read_raw_tiles(fh, im, path) -> np.ndarray:
    # the tiles are laid out as stored: a TIFF's orientation (applied by the caller) may
    # have swapped im.size
    width, height = max(t.extents[2] for t in im.tile), max(t.extents[3] for t in im.tile)
    if (width, height) not in (im.size, im.size[::-1]):
        raise _damaged(path, "strips do not cover the image")
    channels = {"RGB": 3, "RGBA": 4, "LA": 2, "L": 1}[im.mode]
    out = np.empty((height, width, channels), dtype=np.uint16)
    for tile in im.tile:
        rawmode, stride, orientation = (tuple(tile.args) + (0, 1))[:3]
        order = {"16B": ">u2", "16L": "<u2", "16N": "=u2", "16": "<u2"}.get(rawmode.partition(";")[2])
        mode_channels = {"RGB": 3, "RGBA": 4, "LA": 2, "L": 1, "I": 1}.get(rawmode.partition(";")[0])
        x0, y0, x1, y1 = tile.extents
        if order is None or mode_channels != channels or orientation != 1 or not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise VQError(f"{path}: vqpress cannot read the 16-bit samples of this {im.format} file "
                          f"(raw mode {rawmode}) without losing their low 8 bits")
        row = (x1 - x0) * channels * 2
        stride = stride or row
        fh.seek(tile.offset)
        data = fh.read(stride * (y1 - y0 - 1) + row)
        if len(data) != stride * (y1 - y0 - 1) + row:
            raise _damaged(path, "a strip is cut short")
        rows = np.lib.stride_tricks.as_strided(np.frombuffer(data, np.uint8), (y1 - y0, row), (stride, 1))
        out[y0:y1, x0:x1] = rows.copy().view(order).reshape(y1 - y0, x1 - x0, channels)
    return out[..., 0] if channels == 1 else out
