"""What ``vqpress info`` says of a zarr store: a vqpress-written array is described like a
``.vqz`` file (shape, dtype, codebook, chunks, bytes stored); any other store is named in an
error that says what it is and how to inspect it.

Everything comes from the store's ``zarr.json`` (one bounded read, no zarr import) and the
sizes of its files; no chunk is read or decoded.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ._cli_files import CLIError

#: The largest ``zarr.json`` that ``vqpress info`` reads to describe a store (a vqpress codec's
#: 65,536 levels take about 1.5 MB of JSON); a larger one is not read.
MAX_ZARR_JSON = 1 << 24


def read_zarr_json(path: Path):
    """The store's parsed ``zarr.json`` (anything JSON holds), or None where there is none,
    it is larger than :data:`MAX_ZARR_JSON` or is not JSON."""
    try:
        with open(Path(path) / "zarr.json", "rb") as fh:
            raw = fh.read(MAX_ZARR_JSON + 1)
        return json.loads(raw) if len(raw) <= MAX_ZARR_JSON else None
    except (OSError, ValueError):
        return None


def _vqpress_codec(meta):
    """The ``vqpress.*`` codec of an array's metadata, or None."""
    codecs = meta.get("codecs", [])
    if not isinstance(codecs, list):
        return None
    return next((c for c in codecs if isinstance(c, dict) and str(c.get("name", "")).startswith("vqpress.")), None)


def zarr_store_message(path: Path, meta=None) -> str:
    """Why ``vqpress info`` does not describe the zarr store ``path`` (``meta``: its parsed
    ``zarr.json``), what it holds, and how to inspect it."""
    what = "a zarr store"
    if isinstance(meta, dict) and meta.get("node_type") == "group":
        what = "a zarr group"
    elif isinstance(meta, dict) and meta.get("node_type") == "array":
        try:
            facts = [f"shape {tuple(meta['shape'])}", str(meta["data_type"]),
                     f"chunks {tuple(meta['chunk_grid']['configuration']['chunk_shape'])}"]
            what = f"a zarr array ({', '.join(facts)})"
        except (KeyError, TypeError, IndexError, AttributeError):
            what = "a zarr array"
    return (f"{path} is {what}, not a .vqz file or an array vqpress wrote: vqpress info describes those "
            f"only; inspect it with zarr: python -c \"import zarr; print(zarr.open('{path}').info)\"")


def _stored(path: Path) -> tuple[int, int]:
    """(bytes, chunk files) of the store: every file's size; chunk files are those but
    ``zarr.json``."""
    total = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:  # a file removed while counting
                continue
            files += name != "zarr.json"
    return total, files


def _ints(value, what: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                              for v in value):
        raise TypeError(f"{what} is not a list of non-negative integers")
    return value


def zarr_record(path: Path, shown: str | None = None) -> dict:
    """What ``info`` shows of a zarr array written through a vqpress codec (``shown``: its name
    if not its path). Raises CLIError for any other store, or an array whose metadata does
    not describe one."""
    import numpy as np

    from .codebook import Codebook
    path = Path(path)
    meta = read_zarr_json(path)
    codec = _vqpress_codec(meta) if isinstance(meta, dict) and meta.get("node_type") == "array" else None
    if codec is None:
        raise CLIError(zarr_store_message(path, meta))
    try:
        shape = _ints(meta["shape"], "shape")
        chunks = _ints(meta["chunk_grid"]["configuration"]["chunk_shape"], "the chunk shape")
        dtype = np.dtype(meta["data_type"])
        config = codec["configuration"]
        edges = config.get("edges")
        codebook = Codebook(np.asarray(config["centers"], dtype=np.float64),
                            None if edges is None else np.asarray(edges, dtype=np.float64),
                            strategy=str(config["strategy"]), dtype=dtype)
        if config.get("bits") != codebook.bits:
            raise ValueError(f"bits {config.get('bits')!r} where {codebook.n_colors} levels take {codebook.bits}")
        if len(chunks) != len(shape) or codebook.channels and (not shape or shape[-1] != codebook.channels):
            raise ValueError("the shapes do not match the codebook")
    except Exception as exc:  # noqa: BLE001 - any malformed value: said, not a traceback
        raise CLIError(f"{path} is a zarr array naming the codec {codec.get('name')!r}, but its metadata "
                       f"does not describe one vqpress wrote ({exc}); inspect it with zarr: "
                       f"python -c \"import zarr; print(zarr.open('{path}').info)\"") from None
    channels = codebook.channels
    n_pixels = math.prod(shape[:-1] if channels else shape)
    grid = math.prod(-(-s // max(c, 1)) for s, c in zip(shape, chunks))
    stored, files = _stored(path)
    original = math.prod(shape) * dtype.itemsize
    others = [str(c.get("name")) for c in meta.get("codecs", []) if isinstance(c, dict) and c is not codec]
    return {
        "file": str(path) if shown is None else shown,
        "store": "zarr",
        "shape": shape,
        "dtype": str(dtype),
        "kind": "image" if len(shape) - (1 if channels else 0) == 2 else f"{len(shape)}-d array",
        "channels": channels or 1,
        "n_colors": codebook.n_colors,
        "strategy": codebook.strategy,
        "centers": codebook.centers.tolist(),
        "palette": codebook.levels().tolist(),
        "code_bits": codebook.bits,
        "codec": str(codec["name"]),
        "other_codecs": others,
        "chunks": chunks,
        "chunk_count": grid,
        "chunk_files": files,
        "stored_bytes": stored,
        "original_bytes": original,
        "ratio": stored / original if original else 0.0,
        "bits_per_pixel": 8 * stored / n_pixels if n_pixels else 0.0,
    }
