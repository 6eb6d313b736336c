"""Codecs that store an array quantized by a vqpress codebook, for zarr and numcodecs.

Both replace every value (or colour) by the code of its level and give back the level on
reading, so a zarr array written through them reads as the quantized image; the codes
(``uint8`` up to 256 levels, else ``uint16``) then go through zarr's own serializer and
compressor (zstd packs 3-bit codes in a byte to about 3 bits)::

    import zarr, vqpress
    from vqpress.zarr import VQCodec

    cb = vqpress.fit(image, n_colors=16)
    z = zarr.create_array("image.zarr", shape=image.shape, dtype=image.dtype, chunks=(1024, 1024),
                          filters=[VQCodec(cb)], compressors=zarr.codecs.ZstdCodec(),
                          config={"write_empty_chunks": True})
    z[...] = image
    zarr.open_array("image.zarr")[...]      # the reconstruction, cb.decode(cb.encode(image))

- :class:`VQCodec`: a zarr v3 array-to-array codec named ``"vqpress.vq"``, registered
  through the ``zarr.codecs`` entry point, so any zarr reader with vqpress installed opens
  the array. It also works as an inner codec of zarr's sharding codec.
- :class:`VQPackedCodec`: a zarr v3 array-to-bytes codec (a serializer) named
  ``"vqpress.vq_packed"``: the same look-up, and the codes packed in ``bits`` bits each in
  the same pass (``zarr.create_array(..., serializer=VQPackedCodec(cb), compressors=...)``).
  Smaller and faster than codes in whole bytes: the compressor gets ``bits / 8`` of the
  bytes (zstd runs several times faster on packed 4-bit codes). Reading unpacks and looks
  the levels up in one pass.
- :class:`VQFilter`: the array-to-array codec for numcodecs (``codec_id`` ``"vqpress.vq"``,
  registered through the ``numcodecs.codecs`` entry point), for zarr v2 arrays and anyone
  using numcodecs directly.

The codec's configuration is the codebook as JSON (levels, edges, dtype, strategy, bits);
JSON numbers round-trip float64 exactly, so a reader decodes the same levels to the bit.
Colour codebooks turn ``(..., channels)`` chunks into ``(...)`` codes, so the last axis must
be one chunk of all the channels.

Write arrays with ``config={"write_empty_chunks": True}`` (:func:`vqpress.dask.to_zarr` does):
zarr skips a chunk whose values all equal the fill value and reads it back as that value,
not as its level.

Needs the ``[dask]`` extra (zarr >= 3 for :class:`VQCodec`, numcodecs for both).
"""

from __future__ import annotations

import json

import numpy as np
from numcodecs.abc import Codec
from numcodecs.compat import ensure_ndarray, ndarray_copy

from ._decode_table import decode_levels, decode_packed
from .codebook import Codebook
from .errors import VQError

# VQCodec and VQPackedCodec are defined on first access (module __getattr__), so that
# importing this module does not import zarr.
__all__ = ["CODEC_ID", "PACKED_CODEC_ID", "VQCodec", "VQPackedCodec", "VQFilter", "codebook_from_config",  # noqa: F822
           "codebook_to_config"]

#: The name of the array-to-array codec in zarr metadata and in numcodecs' registry.
CODEC_ID = "vqpress.vq"
#: The name of the array-to-bytes codec (packed codes) in zarr metadata.
PACKED_CODEC_ID = "vqpress.vq_packed"

_KEYS = {"dtype", "strategy", "bits", "centers", "edges"}


def codebook_to_config(codebook: Codebook) -> dict:
    """The codebook as a JSON-ready dict: ``dtype``, ``strategy``, ``bits``, ``centers``, ``edges``.

    Examples
    --------
    >>> import numpy as np, vqpress
    >>> cb = vqpress.fit(np.array([0, 1, 2, 10, 11, 12], dtype=np.uint8), n_colors=2)
    >>> codebook_to_config(cb)["centers"]
    [1.0, 11.0]
    """
    return {
        "dtype": codebook.dtype.name,
        "strategy": codebook.strategy,
        "bits": codebook.bits,
        "centers": codebook.centers.tolist(),
        "edges": None if codebook.edges is None else codebook.edges.tolist(),
    }


def codebook_from_config(config: dict) -> Codebook:
    """The codebook a :func:`codebook_to_config` dict describes.

    Raises
    ------
    VQError
        Missing or unknown keys, a bad dtype, levels or edges, or ``bits`` that do not match
        the number of levels.
    """
    if not isinstance(config, dict) or set(config) - {"id"} != _KEYS:
        got = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise VQError(f"a vqpress.vq configuration needs the keys {sorted(_KEYS)}; got {got}")
    try:
        dtype = np.dtype(config["dtype"])
    except TypeError:
        raise VQError(f"vqpress.vq: dtype {config['dtype']!r} is not a numpy dtype") from None
    if dtype.kind not in "uif":
        raise VQError(f"vqpress.vq: dtype must be an integer or floating dtype; got {dtype}")
    try:
        centers = np.asarray(config["centers"], dtype=np.float64)
        edges = None if config["edges"] is None else np.asarray(config["edges"], dtype=np.float64)
    except (TypeError, ValueError):
        raise VQError("vqpress.vq: centers and edges must be lists of numbers") from None
    codebook = Codebook(centers, edges, strategy=str(config["strategy"]), dtype=dtype)
    if config["bits"] != codebook.bits:
        raise VQError(f"vqpress.vq: bits is {config['bits']!r}; {codebook.n_colors} levels take {codebook.bits}")
    return codebook


def _as_codebook(codebook, config: dict) -> Codebook:
    if codebook is not None and config:
        raise VQError("give either a Codebook or its configuration, not both")
    if codebook is None:
        return codebook_from_config(config)
    if not isinstance(codebook, Codebook):
        raise VQError(f"codebook must be a vqpress.Codebook; got {type(codebook).__name__}")
    return codebook


def _encode(codebook: Codebook, arr: np.ndarray) -> np.ndarray:
    if codebook.channels and (arr.ndim < 1 or arr.shape[-1] != codebook.channels):
        raise VQError(f"a {codebook.channels}-channel codebook encodes chunks of shape (..., "
                      f"{codebook.channels}); got {arr.shape}")
    return codebook.encode(arr)


class VQFilter(Codec):
    """numcodecs codec ``"vqpress.vq"``: values to codes on encode, codes to levels on decode.

    Parameters
    ----------
    codebook : Codebook, optional
        The levels; or give its configuration as keywords (``dtype``, ``strategy``, ``bits``,
        ``centers``, ``edges``), as numcodecs does when it reads ``get_config()`` back.

    Examples
    --------
    >>> import numpy as np, vqpress
    >>> from vqpress.zarr import VQFilter
    >>> data = np.array([0, 1, 2, 10, 11, 12], dtype=np.uint8)
    >>> codec = VQFilter(vqpress.fit(data, n_colors=2))
    >>> codec.decode(codec.encode(data))
    array([ 1,  1,  1, 11, 11, 11], dtype=uint8)
    """

    codec_id = CODEC_ID

    def __init__(self, codebook: Codebook | None = None, **config) -> None:
        self.codebook = _as_codebook(codebook, config)

    def get_config(self) -> dict:
        return {"id": self.codec_id, **codebook_to_config(self.codebook)}

    def encode(self, buf):
        """Codes of ``buf`` (an array of values, or of colours on its last axis)."""
        return _encode(self.codebook, ensure_ndarray(buf))

    def decode(self, buf, out=None):
        """Levels of the codes in ``buf`` (flat; ``out`` gives the shape)."""
        codes = ensure_ndarray(buf).view(self.codebook.code_dtype).reshape(-1)
        levels = decode_levels(self.codebook, codes)
        return ndarray_copy(levels, out)

    def __repr__(self) -> str:
        return f"VQFilter({self.codebook!r})"


def _zarr_codec_classes():
    """Define :class:`VQCodec` and :class:`VQPackedCodec` (on first use: importing zarr is
    not cheap)."""
    import asyncio
    from dataclasses import dataclass, replace

    from zarr.abc.codec import ArrayArrayCodec, ArrayBytesCodec
    from zarr.core.common import parse_named_configuration
    from zarr.dtype import parse_dtype

    class _Configured:
        """What both codecs share: the codebook as configuration, validation of shapes."""

        is_fixed_size = True
        name = CODEC_ID

        def __init__(self, codebook: Codebook | None = None, **config) -> None:
            cb = _as_codebook(codebook, config)
            object.__setattr__(self, "configuration", json.dumps(codebook_to_config(cb), sort_keys=True))
            object.__setattr__(self, "codebook", cb)

        @classmethod
        def from_dict(cls, data):
            _, config = parse_named_configuration(data, cls.name)
            return cls(**(config or {}))

        def to_dict(self) -> dict:
            return {"name": self.name, "configuration": json.loads(self.configuration)}

        def validate(self, *, shape, dtype, chunk_grid) -> None:
            channels = self.codebook.channels
            if not channels:
                return
            chunk_shape = getattr(chunk_grid, "chunk_shape", None)
            if not shape or shape[-1] != channels or (chunk_shape is not None and chunk_shape[-1] != channels):
                raise VQError(f"a {channels}-channel {self.name} codec needs arrays of shape (..., {channels}) "
                              f"with all {channels} channels in one chunk; got shape {shape}, chunks {chunk_shape}")

        # zarr runs the async methods on its event-loop thread: the work goes to its pool of
        # threads (as zarr's own compressors do), so chunks are coded side by side.
        async def _encode_single(self, chunk, chunk_spec):
            return await asyncio.to_thread(self._encode_sync, chunk, chunk_spec)

        async def _decode_single(self, chunk, chunk_spec):
            return await asyncio.to_thread(self._decode_sync, chunk, chunk_spec)

        def __repr__(self) -> str:
            return f"{type(self).__name__}({self.codebook!r})"

    @dataclass(frozen=True, repr=False)
    class VQCodec(_Configured, ArrayArrayCodec):
        """zarr v3 array-to-array codec ``"vqpress.vq"``: values to codes, codes to levels.

        Parameters
        ----------
        codebook : Codebook, optional
            The levels; or give its configuration as keywords (``dtype``, ``strategy``,
            ``bits``, ``centers``, ``edges``), as zarr does when it reads the metadata.

        Examples
        --------
        >>> import numpy as np, zarr, vqpress
        >>> from vqpress.zarr import VQCodec
        >>> data = np.arange(64, dtype=np.uint8).reshape(8, 8)
        >>> z = zarr.create_array(zarr.storage.MemoryStore(), shape=data.shape, dtype=data.dtype,
        ...                       chunks=(4, 4), filters=[VQCodec(vqpress.fit(data, 4))],
        ...                       config={"write_empty_chunks": True})
        >>> z[...] = data
        >>> np.unique(z[...])
        array([ 8, 24, 40, 56], dtype=uint8)
        """

        configuration: str  # the codebook's JSON: what equality and hashing look at
        __init__ = _Configured.__init__

        def resolve_metadata(self, chunk_spec):
            shape = chunk_spec.shape[:-1] if self.codebook.channels else chunk_spec.shape
            fill = np.full((1,) * (1 + (self.codebook.channels > 0)), chunk_spec.fill_value,
                           dtype=chunk_spec.dtype.to_native_dtype())
            if self.codebook.channels:
                fill = np.repeat(fill, self.codebook.channels, axis=-1)
            try:
                code = int(self.codebook.encode(fill).reshape(-1)[0])
            except VQError:  # a NaN fill value has no code
                code = 0
            return replace(chunk_spec, shape=shape, dtype=parse_dtype(self.codebook.code_dtype, zarr_format=3),
                           fill_value=code)

        def _encode_sync(self, chunk_array, chunk_spec):
            codes = _encode(self.codebook, chunk_array.as_numpy_array())
            return chunk_spec.prototype.nd_buffer.from_numpy_array(codes)

        def _decode_sync(self, chunk_array, chunk_spec):
            levels = decode_levels(self.codebook, chunk_array.as_numpy_array(), chunk_spec.dtype.to_native_dtype())
            return chunk_spec.prototype.nd_buffer.from_numpy_array(levels)

        def compute_encoded_size(self, input_byte_length: int, chunk_spec) -> int:
            values = input_byte_length // chunk_spec.dtype.to_native_dtype().itemsize
            return values // max(1, self.codebook.channels) * self.codebook.code_dtype.itemsize

    @dataclass(frozen=True, repr=False)
    class VQPackedCodec(_Configured, ArrayBytesCodec):
        """zarr v3 array-to-bytes codec ``"vqpress.vq_packed"``: values to codes packed in
        ``codebook.bits`` bits each (eight codes to ``bits`` bytes, most significant bit
        first), and back to levels.

        Parameters
        ----------
        codebook : Codebook, optional
            As in :class:`VQCodec`.

        Examples
        --------
        >>> import numpy as np, zarr, vqpress
        >>> from vqpress.zarr import VQPackedCodec
        >>> data = np.arange(64, dtype=np.uint8).reshape(8, 8)
        >>> z = zarr.create_array(zarr.storage.MemoryStore(), shape=data.shape, dtype=data.dtype,
        ...                       chunks=(4, 4), serializer=VQPackedCodec(vqpress.fit(data, 4)),
        ...                       compressors=None, config={"write_empty_chunks": True})
        >>> z[...] = data
        >>> np.unique(z[...])
        array([ 8, 24, 40, 56], dtype=uint8)
        """

        configuration: str
        name = PACKED_CODEC_ID
        __init__ = _Configured.__init__

        def _encode_sync(self, chunk_array, chunk_spec):
            arr = chunk_array.as_numpy_array()
            channels = self.codebook.channels
            if channels and (arr.ndim < 1 or arr.shape[-1] != channels):
                _encode(self.codebook, arr)  # raises: the shape does not fit the codebook
            return chunk_spec.prototype.buffer.from_bytes(self.codebook.encode_packed(arr))

        def _decode_sync(self, chunk_bytes, chunk_spec):
            shape = chunk_spec.shape
            count = int(np.prod(shape[:-1] if self.codebook.channels else shape, dtype=np.int64))
            levels = decode_packed(self.codebook, chunk_bytes.as_numpy_array(), count,
                                   chunk_spec.dtype.to_native_dtype())
            return chunk_spec.prototype.nd_buffer.from_numpy_array(levels.reshape(shape))

        def compute_encoded_size(self, input_byte_length: int, chunk_spec) -> int:
            values = input_byte_length // chunk_spec.dtype.to_native_dtype().itemsize
            return (values // max(1, self.codebook.channels) * self.codebook.bits + 7) // 8

    for cls in (VQCodec, VQPackedCodec):
        cls.__module__ = __name__
    return VQCodec, VQPackedCodec


def __getattr__(name: str):
    if name in ("VQCodec", "VQPackedCodec"):
        globals()["VQCodec"], globals()["VQPackedCodec"] = _zarr_codec_classes()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
