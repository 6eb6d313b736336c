"""The codebook: the levels (or colours) an image is quantized to, and the table look-ups
that turn values into codes and codes back into values.

A :class:`Codebook` is fitted by :func:`vqpress.fit`; it holds no algorithm of its own
beyond the encode/decode look-ups.
"""

from __future__ import annotations

import numpy as np

from ._flat import PATTERNS, flat_blocks, pattern_values
from ._validation import check_bool, check_data
from .errors import VQError

__all__ = ["Codebook", "code_dtype"]

#: Codes decoded at a time (bounds the intp indices numpy makes of them to 8 MiB).
_DECODE_CHUNK = 1 << 20
# A colour table's entry for a colour it does not hold.
_MISSING = 0xFFFF
# Dtypes the compiled edge search reads as they are (8/16-bit ones go through PATTERNS).
_SEARCH_DTYPES = tuple(np.dtype(k) for k in ("f4", "f8", "i4", "i8", "u4", "u8"))


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
    def kind(self):
        """The kind of data the codebook codes (:mod:`vqpress.kinds`): scalar, gray + alpha
        or colour."""
        from .kinds import kind_of

        return kind_of(self.channels)

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
        if self.channels in (2, 4) or (self.channels and arr.shape[-1] in (2, 4)):
            raise VQError(f"{asked} works on gray and RGB images, not on RGBA or gray + alpha (Pillow's dithering "
                          "has no alpha): drop or composite the alpha channel, or leave dithering off")
        if arr.ndim != 2 + (self.channels > 0) or (self.channels and arr.shape[-1] != self.channels):
            want = "an (H, W, 3) RGB" if self.channels else "an (H, W) gray"
            raise VQError(f"{asked} needs {want} image shaped like the fitted one; got shape {arr.shape}")

    def encode(self, data, *, channel_axis: int | None = None, dither: bool = False) -> np.ndarray:
        """Code of every value (scalar data) or pixel (colour data).

        Parameters
        ----------
        data : array_like
            Scalar data of any shape, or colour data of shape ``(..., channels)``.
        channel_axis : int, optional
            Colour codebooks: the axis of ``data`` that holds the channels, if not the last
            (scikit-image's convention); the codes have the shape of the other axes.
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
        arr = _channels_last(check_data(data), channel_axis, self.channels)
        if check_bool(dither, name="dither"):
            from .colour import dither_image

            self._check_ditherable(arr)
            return dither_image(arr, self.centers)
        if self.channels:
            return self._encode_vector(arr)
        return self._encode_scalar(arr)

    def encode_packed(self, data) -> bytes:
        """``pack_bits(self.encode(data), self.bits)``, without the codes in between.

        8- and 16-bit scalar data (``uint8``, ``int8``, ``uint16``, ``int16``, ``float16``)
        is looked up and packed in one compiled pass that writes the packed bytes directly;
        other data is encoded, then packed.
        """
        arr = check_data(data)
        from ._lookup import pack_table

        if self.channels or arr.dtype not in PATTERNS:
            codes = self.encode(arr)
            table = np.arange(1 << (8 * codes.dtype.itemsize), dtype=np.uint16)  # codes as they are
            return pack_table(codes.reshape(-1), table, self.bits)
        view = PATTERNS[arr.dtype]
        table = self._table(arr.dtype, np.dtype(np.uint16))
        # Slabs of 8 rows at a time: each but the last packs to whole bytes.
        parts = [pack_table(block.view(view), table, self.bits) for (block,) in flat_blocks(arr, rows_multiple=8)]
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _encode_scalar(self, arr: np.ndarray) -> np.ndarray:
        """Codes of scalar data: a table look-up by bit pattern for 8/16-bit dtypes, a search
        of the edges otherwise; compiled, in place (no widened copy of the data)."""
        from ._lookup import apply_table, search_codes

        out = np.empty(arr.shape, dtype=self.code_dtype)
        if arr.dtype in PATTERNS:
            view = PATTERNS[arr.dtype]
            table = self._table(arr.dtype, self.code_dtype)
            for src, dst in flat_blocks(arr, out):
                apply_table(src.view(view), table, dst)
            return out
        inner = np.ascontiguousarray(self.edges[1:-1])
        for src, dst in flat_blocks(arr, out):
            if arr.dtype in _SEARCH_DTYPES:
                search_codes(src, inner, dst)
            else:  # byte-swapped, long double, ...: numpy's search, block by block
                dst[...] = np.searchsorted(inner, src, side="right")
        return out

    def _table(self, dtype: np.dtype, code_dtype: np.dtype) -> np.ndarray:
        """Code of every bit pattern of an 8- or 16-bit dtype (cached), in ``code_dtype``."""
        key = (np.dtype(dtype), np.dtype(code_dtype))
        table = self._lut_cache.get(key)
        if table is None:
            every = pattern_values(dtype)  # nan patterns (float16) take the last code; never read
            table = np.searchsorted(self.edges[1:-1], every, side="right").astype(code_dtype)
            self._lut_cache[key] = table
        return table

    def remember_colours(self, colours) -> None:
        """Keep the codes of these RGB uint8 colours in a table, for faster encoding.

        After this, :meth:`encode` looks the code of every uint8 RGB pixel up in a table of
        all 2**24 colours (32 MB, kept with the codebook) instead of searching the nearest
        centre; colours the table does not hold are still searched, so the codes are the
        same either way. Worth it for images much larger than their number of distinct
        colours: give it the colours of the histogram the codebook was fitted on
        (:func:`vqpress.dask.fit` does).

        Parameters
        ----------
        colours : array_like of uint8, shape (m, 3)
            Distinct colours (a colour histogram's).
        """
        colours = np.asarray(colours)
        if self.channels != 3 or colours.dtype != np.uint8 or colours.ndim != 2 or colours.shape[1] != 3:
            raise VQError("remember_colours takes (m, 3) uint8 colours, for a 3-channel codebook")
        from .colour import nearest_centre

        table = np.full(1 << 24, _MISSING, dtype=np.uint16)
        keys = (colours[:, 0].astype(np.uint32) << 16) | (colours[:, 1].astype(np.uint32) << 8) | colours[:, 2]
        table[keys] = nearest_centre(colours, self.centers)
        self._lut_cache["colours"] = table

    def _encode_vector(self, arr: np.ndarray) -> np.ndarray:
        if arr.shape[-1] != self.channels:
            raise VQError(
                f"data has {arr.shape[-1]} channels (shape {arr.shape}); this codebook was "
                f"fitted on {self.channels}-channel colours"
            )
        from .colour import nearest_centre

        flat = arr.reshape(-1, self.channels)
        table = self._lut_cache.get("colours")
        if table is None or arr.dtype != np.uint8:
            return nearest_centre(flat, self.centers).reshape(arr.shape[:-1])
        from ._lookup import apply_colour_table

        flat = np.ascontiguousarray(flat)
        codes = np.empty(flat.shape[0], dtype=self.code_dtype)
        if apply_colour_table(flat, table, codes):  # colours the table does not hold: search them
            keys = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) | flat[:, 2]
            unknown = np.flatnonzero(table[keys] == _MISSING)
            codes[unknown] = nearest_centre(flat[unknown], self.centers)
        return codes.reshape(arr.shape[:-1])

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
        """Bytes of the codebook's values as a ``.vqz`` file stores them as they are: centers
        (and edges) in the image's integer dtype (codebook form 1), or float64 for float
        images and where that form cannot hold the codebook (see
        :func:`vqpress.container.to_bytes`). Format 2.2 Rice-codes the integers (form 2)
        where that is smaller: a file's codebook takes at most this."""
        from . import _codebook_forms as forms

        form = forms.FLOAT if forms.in_dtype(self) is None else forms.IN_DTYPE
        return forms.codebook_len(self.n_colors, self.channels, self.dtype, form)


def _channels_last(arr: np.ndarray, channel_axis, channels: int) -> np.ndarray:
    """``arr`` with its ``channel_axis`` moved last, for a codebook of ``channels`` channels."""
    if channel_axis is None:
        return arr
    from .kinds import resolve

    if not channels:
        raise VQError(f"channel_axis={channel_axis!r} is for colour codebooks; this one holds levels of scalar "
                      "data (leave channel_axis out)")
    return resolve(arr, channel_axis)[0]


def _floats(values, name: str) -> np.ndarray:
    """``values`` as a new float64 array, or a VQError naming ``name``."""
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise VQError(f"{name} must be an array of numbers; got {type(values).__name__}") from None
