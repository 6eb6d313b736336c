"""Quantization of arrays larger than memory: exact fits on dask, stored in zarr.

A codebook depends on the data only through its histogram, and histograms add up. So a
dask array is fitted exactly as the whole array in memory would be: every chunk's histogram
is taken where the chunk is (in a dask task), the histograms are summed in a tree, and the
strategy runs once on the total. Encoding is then one table look-up per chunk with the same
codebook::

    import dask.array as da
    import vqpress.dask as vqd

    x = da.from_zarr("mosaic.zarr")                      # any dask array: gray or (..., 3|4) colour
    cb = vqd.fit(x, n_colors=16)                          # == vqpress.fit(x.compute(), 16)
    codes = vqd.encode(x, cb)                             # lazy uint8 codes
    vqd.to_zarr(x, "quantized.zarr", codebook=cb)         # stored through the vqpress.vq codec

Everything runs on dask's current scheduler: the threaded one by default, or a
``dask.distributed`` cluster once a ``Client`` exists::

    from dask.distributed import Client, LocalCluster
    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))   # worker processes
    client = Client("tcp://scheduler:8786")                            # or an existing cluster

Inside each task vqpress's compiled kernels run on the task's own thread
(``vqpress.thread_limit(1)``): dask already runs one task per worker thread, so the kernels
add no threads of their own.

Needs the ``[dask]`` extra (dask, distributed, zarr >= 3, numcodecs).
"""

from __future__ import annotations

import numpy as np

from ._flat import PATTERNS
from ._text import few_colours
from ._validation import check_data, warn
from .api import fit_histogram, warn_if_levels_clip
from .codebook import Codebook
from .errors import VQError
from .histogram import ScalarHistogram, merge_histograms, pattern_counts, pattern_counts_histogram, scalar_histogram
from .kinds import AUTO
from .threads import thread_limit

__all__ = ["histogram", "fit", "encode", "decode", "to_zarr"]

# Histograms merged per task of the reduction tree.
FAN_IN = 8


def _dask():
    try:
        import dask
        import dask.array as da
    except ImportError:  # pragma: no cover - the extra is installed in the tests
        raise ImportError("vqpress.dask needs dask: pip install 'vqpress[dask]'") from None
    return dask, da


def _as_dask_array(x):
    _, da = _dask()
    if not isinstance(x, da.Array):
        raise VQError(f"x must be a dask array (dask.array.from_array, from_zarr, ...); got {type(x).__name__}")
    if x.dtype.kind not in "uif":
        raise VQError(f"x has dtype {x.dtype}; allowed are integer and floating dtypes")
    if x.ndim == 0 or x.size == 0:
        raise VQError(f"x must have at least one dimension and one value; got shape {x.shape}")
    return x


def _whole_last_axis(x):
    """``x`` with each colour (the last axis) inside one chunk."""
    return x if len(x.chunks[-1]) == 1 else x.rechunk({x.ndim - 1: -1})


# -- tasks -----------------------------------------------------------------------------

def _block_histogram(block: np.ndarray, colour: bool):
    """The histogram of one chunk: a ``ScalarHistogram``, or for colour the chunk's packed
    colour histogram (keys, counts; :func:`vqpress.colour.histogram.packed_histogram`), or
    ``(colours, counts)`` for colour dtypes that do not pack."""
    with thread_limit(1):
        if not colour:
            if block.dtype in PATTERNS:  # dense counts: merged by adding, no sort
                return pattern_counts(check_data(block))
            return scalar_histogram(block)
        from .colour.histogram import check_pixels, colour_histogram, packed_histogram
        from .kinds import colour_points

        # (gray + alpha counted as pixels of three channels, the third zero)
        flat = check_pixels(colour_points(block.reshape(-1, block.shape[-1])))
        packed = packed_histogram(flat)
        return packed if packed is not None else colour_histogram(flat)


def _merge(colour: bool, *parts):
    if not colour:
        if isinstance(parts[0], np.ndarray):  # pattern counts
            total = parts[0].copy()
            for p in parts[1:]:
                total += p
            return total
        return merge_histograms(*parts)
    from .colour import colour_histogram
    from .colour.histogram import merge_packed

    with thread_limit(1):
        if parts[0][0].ndim == 1:  # packed keys: merged in sorted order, linearly
            return merge_packed(*parts)
        colours = np.concatenate([p[0] for p in parts])
        counts = np.concatenate([p[1] for p in parts])
        merged, _, inverse = colour_histogram(colours, return_inverse=True)
        return merged, np.bincount(inverse, weights=counts, minlength=merged.shape[0]).astype(np.int64)


def _encode_block(block: np.ndarray, codebook: Codebook) -> np.ndarray:
    with thread_limit(1):
        return codebook.encode(block)


def _decode_block(codes: np.ndarray, codebook: Codebook, dtype) -> np.ndarray:
    from ._decode_table import decode_levels

    with thread_limit(1):
        return decode_levels(codebook, codes, dtype)


# -- public functions ------------------------------------------------------------------

def _histogram_tree(x, colour: bool):
    """A dask ``Delayed`` of the histogram of ``x``: per-chunk histograms merged as a tree."""
    dask, _ = _dask()
    parts = [dask.delayed(_block_histogram, pure=True)(b, colour) for b in x.to_delayed().ravel()]
    while len(parts) > 1:
        parts = [dask.delayed(_merge, pure=True)(colour, *parts[i : i + FAN_IN])
                 for i in range(0, len(parts), FAN_IN)]
    return parts[0]


def histogram(x, *, channel_axis=AUTO):
    """The exact histogram of a dask array, taken chunk by chunk.

    Parameters
    ----------
    x : dask.array.Array
        Integer or floating data of any shape, or a colour image ``(H, W, 3|4)``.
    channel_axis : int, None or "auto", default "auto"
        As in :func:`vqpress.fit`: the axis of the channels (``-1`` for a gray + alpha
        image ``(H, W, 2)``), or None for scalar data.

    Returns
    -------
    ScalarHistogram
        For scalar data: equal to ``vqpress.histogram.scalar_histogram(x.compute())``
        (8/16-bit data is counted in place in each chunk, other integers counted over their
        range, floats by their exact distinct values per chunk, merged). Its size is that of
        the data's distinct values, 16 bytes each: at most 65,536 for 16-bit data, but as
        many as the pixels for float data whose every value differs.
    (colours, counts) : ndarray (m, C), ndarray (m,) of int64
        For colour data: the distinct colours in lexicographic order and their pixel counts,
        as :func:`vqpress.colour.colour_histogram` gives them for the whole image.

    Examples
    --------
    >>> import numpy as np, dask.array as da, vqpress.dask as vqd
    >>> x = da.from_array(np.array([[3, 1], [3, 3]], dtype=np.uint8), chunks=1)
    >>> vqd.histogram(x).counts
    array([1., 3.])
    """
    from .kinds import resolve

    x, kind = resolve(_as_dask_array(x), channel_axis)
    colour = kind.vector
    if colour:
        x = _whole_last_axis(x)
    hist = _histogram_tree(x, colour).compute()
    if isinstance(hist, np.ndarray):
        return pattern_counts_histogram(hist, x.dtype)
    channels = x.shape[-1]
    if colour and hist[0].ndim == 1:
        from .colour.histogram import unpack_keys

        return unpack_keys(hist[0], max(channels, 3), x.dtype)[:, :channels], hist[1]
    return (hist[0][:, :channels], hist[1]) if colour else hist


def fit(x, n_colors: int = 8, strategy: str | None = None, *, random_state: int | None = 0,
        channel_axis=AUTO) -> Codebook:
    """Fit a codebook to a dask array: the same codebook as :func:`vqpress.fit` on the whole
    array in memory, from one pass over the chunks.

    Parameters
    ----------
    x : dask.array.Array
        Gray or any scalar data, or a colour image ``(H, W, 3|4)``.
    n_colors, strategy, random_state, channel_axis
        As in :func:`vqpress.fit` (``channel_axis=-1`` for a gray + alpha image ``(H, W, 2)``).

    Returns
    -------
    Codebook
        Edges and centres (scalar) or palette (colour) identical to
        ``vqpress.fit(x.compute(), n_colors, strategy, channel_axis=channel_axis)``. An RGB uint8 codebook remembers
        the codes of the image's colours (:meth:`vqpress.Codebook.remember_colours`, when the
        image has at least eight pixels a colour), so encoding ``x`` is a table look-up.

    Examples
    --------
    >>> import numpy as np, dask.array as da, vqpress, vqpress.dask as vqd
    >>> face = vqpress.datasets.face(gray=True)
    >>> vqd.fit(da.from_array(face, chunks=256), 8) == vqpress.fit(face, 8)
    True
    """
    from .kinds import resolve

    x, kind = resolve(_as_dask_array(x), channel_axis)
    strategy = kind.check_strategy(strategy)
    n_colors = kind.check_n_colors(n_colors)
    if kind.vector:
        from .colour import fit_colours
        from .kinds import colour_points

        colours, counts = histogram(x, channel_axis=-1)
        # (gray + alpha fitted as points of three channels, the third zero, as vqpress.fit does)
        centers = fit_colours(colour_points(colours), counts, n_colors, strategy, random_state)[:, : x.shape[-1]]
        if len(centers) < n_colors:
            warn(few_colours(len(colours), len(centers), n_colors))
        codebook = Codebook(centers, None, strategy=strategy, dtype=x.dtype)
        if x.dtype == np.uint8 and x.shape[-1] == 3 and len(colours) * 8 < x.shape[0] * x.shape[1]:
            codebook.remember_colours(colours)  # encoding x is then one table look-up a pixel
        return codebook
    hist: ScalarHistogram = histogram(x)
    return fit_histogram(hist, n_colors, strategy)


def _shared(codebook: Codebook):
    """The codebook as one node of the task graph, which every task reads (a cluster sends it
    to each worker once, not with every task: it may hold a 32 MB colour table)."""
    dask, _ = _dask()
    return dask.delayed(codebook, pure=True, traverse=False)


def _check_codebook(codebook, x) -> Codebook:
    if not isinstance(codebook, Codebook):
        raise VQError(f"codebook must be a vqpress.Codebook; got {type(codebook).__name__}")
    if codebook.channels and (x.ndim < 2 or x.shape[-1] != codebook.channels):
        raise VQError(f"a {codebook.channels}-channel codebook encodes arrays of shape (..., "
                      f"{codebook.channels}); got shape {x.shape}")
    return codebook


def encode(x, codebook: Codebook):
    """The codes of every value (or colour) of a dask array, lazily, chunk by chunk.

    Parameters
    ----------
    x : dask.array.Array
    codebook : Codebook

    Returns
    -------
    dask.array.Array of uint8 (up to 256 levels) or uint16
        Shape ``x.shape`` (scalar codebooks) or ``x.shape[:-1]`` (colour ones); chunk ``i``
        is ``codebook.encode`` of chunk ``i`` of ``x``.

    Examples
    --------
    >>> import numpy as np, dask.array as da, vqpress, vqpress.dask as vqd
    >>> face = vqpress.datasets.face(gray=True)
    >>> cb = vqpress.fit(face, 8)
    >>> codes = vqd.encode(da.from_array(face, chunks=256), cb)
    >>> bool((codes.compute() == cb.encode(face)).all())
    True
    """
    x = _as_dask_array(x)
    codebook = _check_codebook(codebook, x)
    shared = _shared(codebook)
    if codebook.channels:
        x = _whole_last_axis(x)
        return x.map_blocks(_encode_block, shared, drop_axis=x.ndim - 1,
                            meta=np.empty((0,) * (x.ndim - 1), dtype=codebook.code_dtype))
    return x.map_blocks(_encode_block, shared, meta=np.empty((0,) * x.ndim, dtype=codebook.code_dtype))


def decode(codes, codebook: Codebook, dtype=None):
    """The levels (or colours) of a dask array of codes, lazily: the inverse of :func:`encode`.

    Parameters
    ----------
    codes : dask.array.Array of uint8 or uint16
    codebook : Codebook
    dtype : numpy dtype, optional
        Output dtype; default the fitted data's.

    Returns
    -------
    dask.array.Array
        Shape ``codes.shape``, or ``codes.shape + (channels,)`` for colour codebooks.
    """
    _, da = _dask()
    if not isinstance(codes, da.Array) or codes.dtype.kind != "u":
        raise VQError("codes must be a dask array of unsigned integer codes")
    if not isinstance(codebook, Codebook):
        raise VQError(f"codebook must be a vqpress.Codebook; got {type(codebook).__name__}")
    out_dtype = codebook.levels(dtype).dtype
    shared = _shared(codebook)
    if codebook.channels:
        return codes.map_blocks(_decode_block, shared, dtype, new_axis=codes.ndim,
                                chunks=codes.chunks + ((codebook.channels,),),
                                meta=np.empty((0,) * (codes.ndim + 1), dtype=out_dtype))
    return codes.map_blocks(_decode_block, shared, dtype, meta=np.empty((0,) * codes.ndim, dtype=out_dtype))


def to_zarr(
    x,
    store,
    n_colors: int = 8,
    strategy: str | None = None,
    codebook: Codebook | None = None,
    chunks=None,
    *,
    shards=None,
    random_state: int | None = 0,
    compressors="auto",
    zarr_format: int = 3,
    overwrite: bool = False,
    channel_axis=AUTO,
) -> Codebook:
    """Quantize a dask array into a zarr array that reads back as the reconstruction.

    Fits the codebook (unless one is given), then writes ``x`` through vqpress's zarr codec
    (:mod:`vqpress.zarr`): each chunk is stored as its codes packed in ``codebook.bits``
    bits each (the ``vqpress.vq_packed`` serializer), compressed, and any zarr reader with
    vqpress installed gets ``codebook.decode(codebook.encode(chunk))`` back.

    Parameters
    ----------
    x : dask.array.Array
        Gray or scalar data, or a colour image ``(H, W, 3|4)``.
    store : str, pathlib.Path or zarr store
        Where to write (a directory path, a ``zarr.storage`` store, ...).
    n_colors, strategy, random_state
        As in :func:`fit` (ignored with ``codebook``).
    channel_axis : -1, None or "auto", default "auto"
        As in :func:`fit` when fitting (``-1`` for a gray + alpha image ``(H, W, 2)``); the
        channels must be the last axis, where the zarr array keeps them.
    codebook : Codebook, optional
        Use these levels instead of fitting.
    chunks : tuple of int, optional
        zarr chunk shape (default: the chunk shape of ``x``; colour chunks always hold all
        the channels). ``x`` is rechunked to match when needed.
    shards : tuple of int, optional
        zarr v3 shard shape (several chunks per stored object); a multiple of ``chunks``.
    compressors : "auto" or zarr compressors
        ``"auto"``: zstd (level 1) on the codes.
    zarr_format : {3, 2}
        3 stores with :class:`vqpress.zarr.VQPackedCodec`; 2 with :class:`vqpress.zarr.VQFilter`
        (codes in whole bytes).
    overwrite : bool, default False
        Replace an existing array at ``store``; otherwise an existing one is an error.

    Returns
    -------
    Codebook
        The codebook the array was written with (also in the array's metadata).

    Examples
    --------
    >>> import numpy as np, dask.array as da, zarr, vqpress, vqpress.dask as vqd
    >>> face = vqpress.datasets.face(gray=True)
    >>> store = zarr.storage.MemoryStore()
    >>> cb = vqd.to_zarr(da.from_array(face, chunks=256), store, n_colors=8)
    >>> bool((zarr.open_array(store)[...] == cb.decode(cb.encode(face))).all())
    True
    """
    dask, da = _dask()
    import zarr

    from .zarr import VQFilter, VQPackedCodec

    x = _as_dask_array(x)
    if channel_axis not in (AUTO, None, -1, x.ndim - 1) or isinstance(channel_axis, bool):
        raise VQError(f"to_zarr keeps the channels on the last axis: channel_axis must be -1, None or 'auto'; "
                      f"got {channel_axis!r}")
    if codebook is None:
        codebook = fit(x, n_colors, strategy, random_state=random_state, channel_axis=channel_axis)
    codebook = _check_codebook(codebook, x)
    if codebook.dtype != x.dtype:
        warn_if_levels_clip(codebook, x.dtype)
    if zarr_format not in (2, 3):
        raise VQError(f"zarr_format must be 2 or 3; got {zarr_format!r}")
    if chunks is None:
        chunks = tuple(int(c[0]) for c in x.chunks)
    chunks = tuple(int(c) for c in chunks)
    if len(chunks) != x.ndim or min(chunks) < 1:
        raise VQError(f"chunks must be {x.ndim} positive integers; got {chunks}")
    if codebook.channels:
        chunks = chunks[:-1] + (x.shape[-1],)
    if isinstance(compressors, str) and compressors == "auto":
        compressors = zarr.codecs.ZstdCodec(level=1) if zarr_format == 3 else _numcodecs_zstd()
    # zarr v3: the packed codes are the serializer's output; v2: the codes go through a filter.
    where = {"serializer": VQPackedCodec(codebook)} if zarr_format == 3 else {"filters": [VQFilter(codebook)]}
    array = zarr.create_array(
        store,
        shape=x.shape,
        dtype=x.dtype,
        chunks=chunks,
        shards=shards,
        **where,
        compressors=compressors,
        zarr_format=zarr_format,
        overwrite=overwrite,
        fill_value=0,
        config={"write_empty_chunks": True},
    )
    # Each dask block writes whole stored objects (shards, or chunks), so writes never overlap.
    blocks = tuple(shards) if shards is not None else chunks
    x = x.rechunk(blocks)
    da.store(x, array, lock=False, compute=True)
    return codebook


def _numcodecs_zstd():
    from numcodecs import Zstd

    return Zstd(level=1)
