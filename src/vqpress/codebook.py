"""The codebook: the levels (or colours) an image is quantized to, and the table look-ups
that turn values into codes and codes back into values.

A :class:`Codebook` is fitted by :func:`vqpress.fit`; it holds no algorithm of its own
beyond the encode/decode look-ups.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_bool, check_data
from .errors import VQError

__all__ = ["Codebook", "code_dtype"]

#: Codes decoded at a time (bounds the intp indices numpy makes of them to 8 MiB).
_DECODE_CHUNK = 1 << 20
# Integer dtypes small enough that encoding goes through a table indexed by the value itself.
_LUT_DTYPES = (np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.uint16), np.dtype(np.int16))


def code_dtype(n_colors: int) -> np.dtype:
    """Smallest unsigned dtype that holds codes ``0 .. n_colors - 1``."""
    return np.dtype(np.uint8) if n_colors <= 256 else np.dtype(np.uint16)


def _cast_levels(levels: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Levels (float64) in ``dtype``, always inside the dtype's range.

    Integer dtypes: rounded to the nearest integer and saturated at the dtype's ends. The
    comparison is exact, against the powers of two just outside the range (float64 cannot
    hold ``2**63 - 1``: clipping at ``float(iinfo.max)`` would still wrap to ``-2**63``).
    Floating dtypes: rounded to the dtype, saturated at its largest finite values.
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise VQError(f"dtype must be a numpy dtype; got {dtype!r}") from None
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        below, above = float(info.min), float(info.max) + 1.0  # exact: both are 0 or +-2**k
        rounded = np.rint(levels)
        inside = np.where((rounded >= below) & (rounded < above), rounded, 0.0)
        out = inside.astype(dtype)
        out[rounded < below] = info.min
        out[rounded >= above] = info.max
        return out
    if dtype.kind == "f":
        if dtype.itemsize > 8:  # float128 holds every float64
            return levels.astype(dtype)
        info = np.finfo(dtype)
        return np.clip(levels, float(info.min), float(info.max)).astype(dtype)
    raise VQError(f"dtype must be an integer or floating dtype; got {dtype}")


class Codebook:
    """Levels fitted to scalar data, or colours fitted to vector data.

    Parameters
    ----------
    centers : array_like of float, shape (n_colors,) or (n_colors, channels)
        Reconstruction values: for scalar data the mean of each bin's data, increasing; for
        colour data one colour per row.
    edges : array_like of float, shape (n_colors + 1,), optional
        Bin edges of scalar data (``None`` for colour data). A value equal to an inner edge
        belongs to the upper bin; values outside ``[edges[0], edges[-1]]`` go to the first
        or last bin.
    strategy : str
        Name of the strategy that chose the levels.
    dtype : numpy.dtype
        Dtype of the fitted data: :meth:`decode` returns this dtype by default.

    Attributes
    ----------
    n_colors : int
        Number of levels (colours).
    bits : int
        Bits per code for fixed-width packing: ``ceil(log2(n_colors))``, at least 1.
    bin_centers : ndarray of float64, shape (n_colors,)
        Midpoints of the edges (scikit-learn's display convention; scalar data only).
    channels : int
        0 for scalar data, else the number of channels of each colour.

    Examples
    --------
    >>> import numpy as np, vqpress
    >>> cb = vqpress.fit(np.array([0, 1, 2, 10, 11, 12], dtype=np.uint8), n_colors=2)
    >>> cb.centers
    array([ 1., 11.])
    >>> cb.encode(np.array([3, 9], dtype=np.uint8))
    array([0, 1], dtype=uint8)
    >>> cb.decode(cb.encode(np.array([3, 9], dtype=np.uint8)))
    array([ 1, 11], dtype=uint8)
    """

    def __init__(self, centers, edges=None, *, strategy: str, dtype) -> None:
        centers = _floats(centers, "centers")
        if centers.ndim not in (1, 2) or centers.shape[0] < 1:
            raise VQError(f"centers must have shape (n,) or (n, channels); got {centers.shape}")
        if not np.isfinite(centers).all():
            raise VQError("centers must be finite")
        if centers.ndim == 1:
            if edges is None:
                raise VQError("scalar codebooks need edges")
            edges = _floats(edges, "edges")
            if edges.shape != (centers.size + 1,) or not np.isfinite(edges).all():
                raise VQError(f"edges must be {centers.size + 1} finite values; got shape {edges.shape}")
            if (edges[1:] < edges[:-1]).any():  # not np.diff: it overflows near +-1.7e308
                raise VQError("edges must be non-decreasing")
            edges.flags.writeable = False
        elif edges is not None:
            raise VQError("colour codebooks have no edges")
        centers.flags.writeable = False
        self.centers = centers
        self.edges = edges
        if not isinstance(strategy, str):
            raise VQError(f"strategy must be a str (a strategy's name); got {type(strategy).__name__}")
        self.strategy = strategy
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise VQError(f"dtype must be a numpy dtype (np.uint8, 'float32', ...); got {dtype!r}") from None
        if self.dtype.kind not in "uif":
            raise VQError(f"dtype must be an integer or floating dtype; got {self.dtype}")
        if not self.dtype.isnative:  # decode to native byte order (what a .vqz file reads back)
            self.dtype = self.dtype.newbyteorder("=")
        self._lut_cache: dict = {}

    # -- description -----------------------------------------------------------------
    @property
    def n_colors(self) -> int:
        return int(self.centers.shape[0])

    @property
    def bits(self) -> int:
        return max(1, int(self.n_colors - 1).bit_length())

    @property
    def channels(self) -> int:
        return 0 if self.centers.ndim == 1 else int(self.centers.shape[1])

    @property
    def bin_centers(self) -> np.ndarray:
        if self.edges is None:
            raise VQError("bin_centers exist for scalar codebooks only")
        return self.edges[1:] * 0.5 + self.edges[:-1] * 0.5  # no overflow near +-1.7e308

    @property
    def code_dtype(self) -> np.dtype:
        """Dtype of the codes :meth:`encode` returns (uint8 up to 256 colours, else uint16)."""
        return code_dtype(self.n_colors)

    def __repr__(self) -> str:
        kind = "scalar" if self.channels == 0 else f"{self.channels}-channel"
        return (
            f"Codebook({kind}, n_colors={self.n_colors}, strategy={self.strategy!r}, "
            f"dtype={self.dtype}, bits={self.bits})"
        )

    def __eq__(self, other) -> bool:
        if not isinstance(other, Codebook):
            return NotImplemented
        same_edges = (self.edges is None and other.edges is None) or (
            self.edges is not None and other.edges is not None and np.array_equal(self.edges, other.edges)
        )
        return (
            self.strategy == other.strategy
            and self.dtype == other.dtype
            and self.centers.shape == other.centers.shape
            and np.array_equal(self.centers, other.centers)
            and same_edges
        )


    # -- encode ----------------------------------------------------------------------
    def _check_ditherable(self, arr: np.ndarray) -> None:
        """What dithering takes, said in the words the user typed (``dither=True``, ``--dither``)."""
        asked = "dithering (dither=True, --dither on the command line)"
        if arr.dtype != np.uint8:
            raise VQError(f"{asked} needs a uint8 image; got dtype {arr.dtype} (Pillow's dithering is 8-bit): "
                          "convert the image to uint8, or leave dithering off")
        if self.channels == 4 or (arr.ndim == 3 and arr.shape[-1] == 4):
            raise VQError(f"{asked} works on gray and RGB images, not RGBA (Pillow's dithering has no alpha): "
                          "drop or composite the alpha channel, or leave dithering off")
        if arr.ndim != 2 + (self.channels > 0) or (self.channels and arr.shape[-1] != self.channels):
            want = "an (H, W, 3) RGB" if self.channels else "an (H, W) gray"
            raise VQError(f"{asked} needs {want} image shaped like the fitted one; got shape {arr.shape}")

    def encode(self, data, *, dither: bool = False) -> np.ndarray:
        """Code of every value (scalar data) or pixel (colour data).

        Parameters
        ----------
        data : array_like
            Scalar data of any shape, or colour data of shape ``(..., channels)``.
        dither : bool, default False
            Floyd-Steinberg error diffusion instead of the nearest level, for ``(H, W)`` gray
            and ``(H, W, 3)`` RGB uint8 images with up to 256 levels (Pillow's C
            implementation, see :func:`vqpress.colour.dither_image`): trades a higher MSE for
            the look of more levels.

        Returns
        -------
        ndarray of uint8 (up to 256 colours) or uint16
            Shape ``data.shape`` for scalar codebooks, ``data.shape[:-1]`` for colour ones.
        """
        arr = check_data(data)
        if check_bool(dither, name="dither"):
            from .colour import dither_image

            self._check_ditherable(arr)
            return dither_image(arr, self.centers)
        if self.channels:
            return self._encode_vector(arr)
        if arr.dtype in _LUT_DTYPES:
            return self._lut(arr.dtype).take(_lut_index(arr))
        inner = self.edges[1:-1]
        codes = np.searchsorted(inner, arr.ravel(), side="right").reshape(arr.shape)
        return codes.astype(self.code_dtype, copy=False)

    def encode_packed(self, data) -> bytes:
        """``pack_bits(self.encode(data), self.bits)``, without the codes in between.

        uint8 scalar data with up to 16 levels takes a shortcut: a 65,536-entry table maps
        each pair of neighbouring bytes straight to their two codes joined (``2 * bits``
        bits, the first code high, which is exactly how the pair is packed), so encoding
        and packing touch half as many elements.
        """
        arr = check_data(data)
        from .bitpack import _pack_checked

        if self.channels or arr.dtype != np.uint8 or self.bits > 4:
            return _pack_checked(self.encode(arr).ravel(), self.bits)
        flat = np.ascontiguousarray(arr).reshape(-1)
        head, tail = flat[: flat.size & ~1], flat[flat.size & ~1 :]
        pairs = self._pair_lut().take(head.view("<u2"))
        if tail.size:  # an odd count: the last code alone, packed as a pair with a zero code
            pairs = np.append(pairs, self._lut(arr.dtype)[tail[0]] << self.bits)
        packed = _pack_checked(pairs, 2 * self.bits)
        return packed[: (flat.size * self.bits + 7) // 8]

    def _pair_lut(self) -> np.ndarray:
        """Joined codes of every pair of bytes ``(first, second)``, indexed by the pair read
        as a little-endian uint16 (``first + 256 * second``)."""
        pair = self._lut_cache.get("pairs")
        if pair is None:
            lut = self._lut(np.dtype(np.uint8))
            pair = ((lut[None, :] << self.bits) | lut[:, None]).astype(np.uint8).ravel()
            self._lut_cache["pairs"] = pair
        return pair

    def _lut(self, dtype: np.dtype) -> np.ndarray:
        """Code of every value of a small integer dtype (cached): ``lut[value - min]``."""
        lut = self._lut_cache.get(dtype)
        if lut is None:
            info = np.iinfo(dtype)
            every = np.arange(info.min, info.max + 1, dtype=np.float64)
            lut = np.searchsorted(self.edges[1:-1], every, side="right").astype(self.code_dtype)
            self._lut_cache[dtype] = lut
        return lut

    def _encode_vector(self, arr: np.ndarray) -> np.ndarray:
        if arr.shape[-1] != self.channels:
            raise VQError(
                f"data has {arr.shape[-1]} channels (shape {arr.shape}); this codebook was "
                f"fitted on {self.channels}-channel colours"
            )
        from .colour import nearest_centre

        flat = arr.reshape(-1, self.channels)
        return nearest_centre(flat, self.centers).reshape(arr.shape[:-1])

    # -- decode ----------------------------------------------------------------------
    def decode(self, codes, dtype=None) -> np.ndarray:
        """Reconstruction of every code.

        Parameters
        ----------
        codes : array_like of int
            Codes in ``0 .. n_colors - 1``.
        dtype : numpy dtype, optional
            Output dtype; default the dtype of the fitted data. Integer outputs are rounded
            and clipped to the dtype's range.

        Returns
        -------
        ndarray
            Shape ``codes.shape`` (scalar) or ``codes.shape + (channels,)`` (colour).
        """
        codes = np.asarray(codes)
        if codes.dtype.kind not in "ui":
            raise VQError(f"codes must be an integer array; got dtype {codes.dtype}")
        if codes.size:
            lo, hi = int(codes.min()), int(codes.max())
            if lo < 0 or hi >= self.n_colors:
                bad = lo if lo < 0 else hi
                raise VQError(f"code {bad} is out of range; this codebook has codes 0..{self.n_colors - 1}")
        table = self.levels(dtype)
        out = np.empty(codes.shape + table.shape[1:], dtype=table.dtype)
        flat_codes, flat_out = codes.reshape(-1), out.reshape((-1,) + table.shape[1:])
        # a chunk at a time: take() turns its indices into intp, 8 bytes a code
        for start in range(0, flat_codes.size, _DECODE_CHUNK):
            stop = start + _DECODE_CHUNK
            np.take(table, flat_codes[start:stop], axis=0, out=flat_out[start:stop])
        return out

    def levels(self, dtype=None) -> np.ndarray:
        """The centers as they decode, in ``dtype`` (default: the fitted data's dtype)."""
        return _cast_levels(self.centers, self.dtype if dtype is None else dtype)

    # -- storage ---------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes the codebook takes in a ``.vqz`` file: float64 centers and edges."""
        return self.centers.nbytes + (0 if self.edges is None else self.edges.nbytes)


def _floats(values, name: str) -> np.ndarray:
    """``values`` as a new float64 array, or a VQError naming ``name``."""
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise VQError(f"{name} must be an array of numbers; got {type(values).__name__}") from None


def _lut_index(arr: np.ndarray) -> np.ndarray:
    """Index into a per-dtype look-up table: the value itself, shifted for signed types."""
    if arr.dtype.kind == "u":
        return arr
    return arr.astype(np.int32) - np.iinfo(arr.dtype).min
