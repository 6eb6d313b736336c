"""Reading numpy's ``.npy`` files as images, so that what ``vqpress decompress`` writes as
``.npy`` (float data, integers other than 8/16-bit, ...) compresses again.

The header (numpy's format 1.0 or 2.0: magic, version, a Python-literal dict of ``descr``,
``fortran_order`` and ``shape``) is read first, and the array's size checked against the
pixel limit and against the bytes the file holds, before any sample is read: a header that
claims a gigapixel costs nothing. Only plain numeric arrays are read (never Python objects:
no pickles).
"""

from __future__ import annotations

import io
import math

import numpy as np

from ._validation import check_pixels, several_frames
from .errors import VQError

__all__ = ["MAGIC", "is_npy", "read"]

MAGIC = b"\x93NUMPY"
#: dtype kinds read: signed and unsigned integers, floats (as vqpress.compress takes them).
_KINDS = "iuf"
#: The last axis of an array of 3 dimensions (4 with frames) is its channels if it has at most
#: this many (gray + alpha, RGB, RGBA; 1 is plain gray): as :func:`vqpress.imread` returns them.
_MAX_CHANNELS = 4


def is_npy(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a ``.npy`` file."""
    return head.startswith(MAGIC)


def _header(fh, name) -> tuple[tuple[int, ...], bool, np.dtype]:
    from numpy.lib import format as npy_format

    try:
        version = npy_format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(fh)
        else:
            raise VQError(f"{name} is a .npy file of format version {version[0]}.{version[1]}; vqpress reads "
                          f"versions 1.0 and 2.0 (numpy.save writes them for every numeric array)")
    except VQError:
        raise
    except (ValueError, SyntaxError, TypeError, OSError) as exc:
        raise VQError(f"{name} is not a .npy file vqpress can read (its header: {exc})") from None
    if not isinstance(shape, tuple) or any(type(d) is not int or d < 0 for d in shape):
        raise VQError(f"{name} is not a .npy file vqpress can read (its header: shape {shape!r})")
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in _KINDS:
        hint = " (save it as .astype(np.uint8))" if dtype.kind == "b" else ""
        raise VQError(f"{name} holds an array of dtype {dtype}; vqpress reads .npy arrays of integers or "
                      f"floats{hint}")
    return shape, fortran, dtype


def _image_shape(shape: tuple[int, ...], frames: bool, name) -> tuple[tuple[int, ...], int]:
    """The shape the array is returned in (``(H, W)`` or ``(H, W, C)``, with ``frames``
    ``(frames, H, W[, C])``; a trailing axis of one channel is dropped) and its pixels."""
    channels = len(shape) in (3, 4) and shape[-1] <= _MAX_CHANNELS
    if channels and shape[-1] == 1:
        shape, channels = shape[:-1], False
    pixel_dims = len(shape) - channels
    if pixel_dims not in (2, 3) or 0 in shape:
        raise VQError(f"{name} holds an array of shape {shape}, which is no image: vqpress reads (H, W) gray, "
                      f"(H, W, C) with C <= {_MAX_CHANNELS} channels, or frames (F, H, W[, C]) of them from a "
                      f".npy file (vqpress.compress takes any array)")
    if pixel_dims == 3 and not frames:
        raise several_frames(name, shape[0], f"frames ({shape})")
    return ((1,) + shape if frames and pixel_dims == 2 else shape), math.prod(shape[:pixel_dims])


def read(fh, name, max_pixels: int | None, frames: bool) -> np.ndarray:
    """The array of the ``.npy`` file open in ``fh`` (at its start), as :func:`vqpress.imread`
    returns an image: C-ordered, native byte order, a fresh copy.

    Raises
    ------
    VQError
        Not a .npy file of format 1.0 or 2.0; not an array of integers or floats; not an image shape
        (``(H, W)``, ``(H, W, C)`` with C <= 4, frames of them with ``frames``); more pixels
        than allowed; fewer bytes than its header says.
    """
    stored, fortran, dtype = _header(fh, name)
    shape, pixels = _image_shape(tuple(stored), frames, name)
    check_pixels(pixels, max_pixels, what=str(name))
    size = math.prod(stored) * dtype.itemsize
    start = fh.tell()
    held = fh.seek(0, io.SEEK_END) - start  # before reading: a header may claim any size
    if held < size:
        raise VQError(f"{name} is cut short: its header says {stored} {dtype} ({size:,} bytes of samples), "
                      f"the file holds {held:,}")
    fh.seek(start)
    data = fh.read(size)
    if len(data) != size:  # the file changed while read
        raise VQError(f"{name} is cut short: {len(data):,} of its {size:,} bytes of samples could be read")
    out = np.empty(stored, dtype.newbyteorder("="))
    out[...] = np.frombuffer(data, dtype).reshape(stored, order="F" if fortran else "C")
    return out.reshape(shape)
