"""Reading the TIFF files Pillow does not read (float64, 32-bit integer colour, float colour,
...) or would read changed (signed 8- and 16-bit gray, samples stored plane by plane, ...) through
``tifffile``, the optional package that writes them: every page's size and sample type is read
from its tags and checked against the pixel limit before any page is decoded.
"""

from __future__ import annotations

import io

import numpy as np

from ._validation import check_pixels, several_frames
from .errors import VQError

__all__ = ["is_tiff", "pillow_changes", "read"]

#: Little- and big-endian TIFF, then BigTIFF.
_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
#: Sample kinds read: signed and unsigned integers, floats.
_KINDS = "iuf"
_MAX_CHANNELS = 4


def is_tiff(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a TIFF (or BigTIFF) file."""
    return head.startswith(_MAGICS)


def pillow_changes(im, head: bytes) -> bool:
    """Whether Pillow, which opened the TIFF ``im`` (whose first bytes are ``head``), would
    hand out its samples changed: signed 8-bit samples as unsigned (-1 as 255), signed 16-bit
    ones widened to int32, samples stored plane by plane mixed up, big-endian samples of more
    than 8 bits in garbled order where libtiff decompresses them (Pillow 11-13; each found by
    tests/test_imageio_tiff_samples.py's matrix of sample types, layouts and compressions)."""
    tags = getattr(im, "tag_v2", None)
    if tags is None:
        return False

    def values(tag: int) -> tuple:
        value = tags.get(tag, 1)
        return value if isinstance(value, tuple) else (value,)

    bits, formats = values(258), values(339)  # BitsPerSample; SampleFormat: 1 unsigned, 2 signed, 3 float
    planar = values(284)[0] == 2 and values(277)[0] > 1  # PlanarConfiguration: 2 separate; SamplesPerPixel
    compressed = values(259)[0] != 1
    return ((2 in formats and any(b in (8, 16) for b in bits)) or planar
            or (head.startswith(b"MM") and compressed and any(b > 8 for b in bits)))


def _page_shape(page, k: int, path) -> tuple[tuple[int, ...], np.dtype, bool]:
    """A page's (H, W[, C]) from its tags, its sample type and whether its samples are stored
    plane by plane."""
    import tifffile

    dtype = page.dtype
    if dtype is None or dtype.kind not in _KINDS:
        raise VQError(f"{path}: page {k + 1} holds samples of type {dtype}; vqpress reads TIFF samples that "
                      f"are integers or floats")
    height, width, channels = page.imagelength, page.imagewidth, page.samplesperpixel
    if page.imagedepth > 1 or not 1 <= channels <= _MAX_CHANNELS:
        raise VQError(f"{path}: page {k + 1} holds {page.imagedepth} planes of {channels} samples a pixel; "
                      f"vqpress reads 1 to {_MAX_CHANNELS} samples a pixel (gray, gray + alpha, RGB, RGBA)")
    if height == 0 or width == 0:
        raise VQError(f"{path}: page {k + 1} is {width} x {height} pixels; vqpress reads images of at least one pixel")
    shape = (height, width) if channels == 1 else (height, width, channels)
    return shape, dtype, page.planarconfig == tifffile.PLANARCONFIG.SEPARATE


def read(fh, path, max_pixels: int | None, frames: bool, why: str) -> tuple[np.ndarray, int]:
    """The pages of the TIFF file open in ``fh`` (``(pages, H, W[, C])``, native byte order)
    and the first page's orientation tag (1 when it has none); ``why`` says what Pillow does
    with its samples ("does not read", for the message when tifffile is not installed).

    Raises
    ------
    VQError
        tifffile is not installed; pages of different sizes or sample types, or not gray or
        colour pixels; several pages without ``frames``; more pixels than allowed; a file
        tifffile cannot decode.
    """
    try:
        import tifffile
    except ImportError:
        raise VQError(f"{path} is a TIFF file whose samples Pillow {why}; pip install tifffile reads it "
                      f"exactly") from None
    fh.seek(0)
    try:
        with tifffile.TiffFile(io.BytesIO(fh.read())) as tif:  # fh may have a descriptor for a name
            pages = list(tif.pages)
            shapes = [_page_shape(page, k, path) for k, page in enumerate(pages)]
            shape, dtype, _ = shapes[0]
            for k, (other, other_dtype, _) in enumerate(shapes[1:], 1):
                if (other, other_dtype) != (shape, dtype):
                    raise VQError(f"{path}: page {k + 1} holds {other} {other_dtype} samples, page 1 {shape} "
                                  f"{dtype}; vqpress reads pages of one size and sample type")
            if len(pages) > 1 and not frames:
                raise several_frames(path, len(pages), "pages (TIFF)")
            check_pixels(len(pages) * shape[0] * shape[1], max_pixels, what=str(path))
            tag = pages[0].tags.get(274)
            orientation = int(tag.value) if tag is not None and isinstance(tag.value, int) else 1
            out = np.empty((len(pages),) + shape, dtype.newbyteorder("="))
            for k, (page, (_, _, separate)) in enumerate(zip(pages, shapes)):
                arr = page.asarray()
                out[k] = np.moveaxis(arr, 0, -1) if separate and arr.ndim == 3 else arr.reshape(shape)
    except VQError:
        raise
    except Exception as exc:  # noqa: BLE001 - tifffile and its codecs raise many kinds on broken files
        hint = "; pip install imagecodecs decodes its compression" if "imagecodecs" in str(exc) else ""
        raise VQError(f"{path} is not a TIFF file vqpress can read (tifffile: {type(exc).__name__}: "
                      f"{exc}){hint}") from None
    return out, orientation
