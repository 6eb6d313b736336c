"""Fuzz: valid files rebuilt with each header and codebook field mutated, CRCs fixed.

Each outcome must be a FormatError, or a decode whose values are finite and in range, and
either way it must cost under 1 s of CPU and under 256 MB (numpy's allocations, traced).
The CRCs are recomputed (tests/craft.py), so every check behind them is reached. Integer
images are written with the codebook in their dtype (codebook form 1, format 2.1) by
default; the "float64 codebook" bases keep form 0 fuzzed for them too.
"""

import time
import tracemalloc
import warnings

import numpy as np
import pytest
from craft import parse, writing_fixed_layout

import vqpress
from vqpress import FormatError
from vqpress.container import CODINGS, from_bytes, to_bytes

CPU_LIMIT = 1.0  # seconds
MEMORY_LIMIT = 256e6  # bytes


def _bases():
    face = vqpress.datasets.face(gray=True)[300:340, 400:460].copy()
    rgb = vqpress.datasets.face()[300:330, 400:440].copy()
    rgba = np.dstack([rgb, (rgb[..., :1] > 100).astype(np.uint8) * 255])
    rng = np.random.default_rng(0)
    deep = (face.astype(np.uint16) * 256 + rng.integers(0, 256, face.shape, dtype=np.uint16))
    with warnings.catch_warnings(), writing_fixed_layout():  # (format 2.2's fields: test_format22.py)
        warnings.simplefilter("ignore")
        gray, colour = vqpress.compress(face, 8), vqpress.compress(rgb, 16)
        return {
            # every coding of the container's table, so that a new one is fuzzed too
            **{f"gray {name}": to_bytes(gray, name) for name in CODINGS},
            **{f"rgb {name}": to_bytes(colour, name) for name in CODINGS},
            "gray 5 levels raw": to_bytes(vqpress.compress(face, 5), "raw"),
            "rgba raw": to_bytes(vqpress.compress(rgba, 6, "mediancut"), "raw"),
            "uint16 300 levels": to_bytes(vqpress.compress(deep, 300, "uniform"), "context"),
            "float32 1-d": to_bytes(vqpress.compress(rng.standard_normal(500).astype(np.float32), 5), "context"),
            "float16": to_bytes(vqpress.compress(rng.standard_normal((20, 30)).astype(np.float16), 4), "raw"),
            "int64 huge": to_bytes(vqpress.compress(np.array([[-2**63, 2**63 - 1, 5, 7]] * 6, np.int64), 3), "raw"),
            "uint64 huge": to_bytes(vqpress.compress(np.array([[0, 2**64 - 1, 2**60 + 3, 7]] * 6, np.uint64), 3),
                                    "raw"),
            "int8 extremes": to_bytes(vqpress.compress(np.array([[-128, 127, -5, 7, 0]] * 6, np.int8), 4), "cm"),
            **{f"{name} float64 codebook": to_bytes(c, "raw", exact_centers=True)
               for name, c in [("gray", gray), ("rgb", colour)]},
        }


BASES = _bases()


def _int_values(original, bits):
    top = (1 << bits) - 1
    values = {0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 255, original - 1, original + 1, original * 2, original // 2,
              1 << 15, 1 << 16, 1 << 31, (1 << 32) - 1, 1 << 63, (1 << 64) - 1}
    return sorted(v for v in values if 0 <= v <= top and v != original)


def _float_values(original):
    return [np.nan, np.inf, -np.inf, 1e308, -1.7e308, 1e10, -1e10, 65520.0, 0.0, -original, original * 3 + 1, 5e-324]


def _stored_values(original, dtype):
    """Rewrites of one value of a codebook stored in an integer dtype (form 1)."""
    info = np.iinfo(dtype)
    values = {int(info.min), int(info.max), int(info.min) + 1, int(info.max) - 1, 0, original - 1, original + 1,
              2**53 + 1, -(2**53 + 1), 2**62 + 1, 2**63 - 1, 2**64 - 1}
    return sorted(v for v in values if info.min <= v <= info.max and v != original)


def mutations(blob):
    """(what, mutated stream) for every field of the stream's header and codebook."""
    f = parse(blob)
    ints = {"major": 8, "minor": 8, "dtype": 8, "channels": 8, "coding": 8, "form": 8}
    for name, bits in ints.items():
        for v in _int_values(getattr(f, name), bits):
            yield f"{name}={v}", f.replace(**{name: v}).build()
    for name, bits, original in [("ndim", 8, len(f.shape)), ("slen", 8, len(f.strategy)),
                                 ("n_colors", 32, len(f.centers)), ("payload_len", 64, len(f.payload))]:
        for v in _int_values(original, bits):
            yield f"{name}={v}", f.replace(**{name: v}).build()
    for axis in range(len(f.shape)):
        for v in _int_values(f.shape[axis], 64):
            shape = list(f.shape)
            shape[axis] = v
            yield f"shape[{axis}]={v}", f.replace(shape=tuple(shape)).build()
    for shape in [f.shape[:-1], f.shape + (1,), f.shape + (3,), (int(np.prod(f.shape)),), f.shape[::-1]]:
        if shape and shape != f.shape:
            yield f"shape={shape}", f.replace(shape=shape).build()
    for name in [b"", b"kmeans", b"mediancut", b"\x1b[2J", b"x" * 32, b"\xff", b"optimal\x00"]:
        yield f"strategy={name!r}", f.replace(strategy=name).build()
    n = len(f.centers)
    for count in (n - 1, n + 1, 2 * n):  # the codebook's length itself
        if count >= 1:
            centers = np.resize(f.centers, (count,) + f.centers.shape[1:])
            edges = None if f.edges is None else np.resize(f.edges, count + 1)
            yield f"{count} centers", f.replace(centers=centers, edges=edges, n_colors=count).build()
    stored = f.centers.dtype
    values = (lambda original: _stored_values(original, stored)) if stored.kind in "ui" else _float_values
    for where in (0, n - 1, slice(None)):
        for v in values(np.ravel(f.centers)[0].item()):
            centers = f.centers.copy()
            centers[where] = v
            yield f"centers[{where}]={v}", f.replace(centers=centers).build()
        if f.edges is not None:
            for v in values(f.edges[0].item()):
                edges = f.edges.copy()
                edges[where] = v
                yield f"edges[{where}]={v}", f.replace(edges=edges).build()
    if f.edges is not None:
        yield "edges reversed", f.replace(edges=f.edges[::-1].copy()).build()
    yield "centers reversed", f.replace(centers=f.centers[::-1].copy()).build()


def outcome(blob):
    """Read and decode ``blob``: (decoded array or None for a FormatError, CPU s, peak bytes)."""
    tracemalloc.start()
    start = time.process_time()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # decompression-bomb warnings of enlarged shapes
            c = from_bytes(blob)
            out = (c, c.decompress())
    except FormatError:
        out = None
    finally:
        cpu = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out, cpu, peak


def check_decoded(c, out):
    """Finite values, in the codebook's range, in the header's dtype and shape."""
    assert out.shape == c.shape and out.dtype == c.dtype
    centers = c.codebook.centers
    if out.dtype.kind == "f":
        assert np.isfinite(out).all()
        # the range of the centers, rounded to the dtype as decoding rounds them
        lo, hi = (np.asarray(v).astype(out.dtype) for v in (centers.min(axis=0), centers.max(axis=0)))
        assert (out >= lo).all() and (out <= hi).all()
    else:
        info = np.iinfo(out.dtype)
        lo = np.clip(np.floor(centers.min(axis=0)), float(info.min), float(info.max))
        hi = np.clip(np.ceil(centers.max(axis=0)), float(info.min), float(info.max))
        assert (out.astype(np.float64) >= lo).all() and (out.astype(np.float64) <= hi).all()


@pytest.mark.parametrize("base", sorted(BASES))
def test_every_field_mutated(base):
    blob = BASES[base]
    refused = decoded = 0
    for what, mutated in mutations(blob):
        result, cpu, peak = outcome(mutated)
        assert cpu < CPU_LIMIT, f"{base}, {what}: {cpu:.2f} s of CPU"
        assert peak < MEMORY_LIMIT, f"{base}, {what}: {peak / 1e6:.0f} MB"
        if result is None:
            refused += 1
        else:
            decoded += 1
            check_decoded(*result)
    assert refused > 50 and decoded >= 1  # the valid rewrites (another strategy name, ...) decode
