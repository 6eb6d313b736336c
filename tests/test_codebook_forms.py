"""The codebook in the image's integer dtype (codebook form 1, format 2.1; docs/FORMAT.md).

A form-1 file must decode to the image its form-0 file decodes to, bit for bit, and its
loaded codebook must encode every value of the dtype to the code the fitted one gives.
The reading of form 1 here is the specification's, done independently of vqpress's reader
(tests/craft.py parses the fields, the codes and thresholds are applied by hand).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from craft import DTYPES, parse, writing_fixed_layout
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from same_codebook import assert_equivalent, probe_values

import vqpress
from vqpress import Codebook, FormatError
from vqpress.container import from_bytes, inspect, read_header, to_bytes
from vqpress.formats import save

# the tests of codebook form 1 and the fixed header of format 2.1 (form 2, format 2.2: test_format22.py)
pytestmark = pytest.mark.usefixtures("fixed_layout")

INT_DTYPES = [np.dtype(d) for d in ("u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8")]
SCALAR = ["uniform", "quantile", "kmeans", "optimal"]
COLOUR = ["kmeans", "mediancut"]


def _unpack_raw(payload: bytes, bits: int, count: int) -> np.ndarray:
    """Codes of a raw payload, most significant bit first (docs/FORMAT.md), by hand."""
    as_bits = np.unpackbits(np.frombuffer(payload, np.uint8))[: count * bits].reshape(count, bits)
    return (as_bits.astype(np.int64) << np.arange(bits - 1, -1, -1)).sum(axis=1)


def spec_decode(blob: bytes) -> np.ndarray:
    """A raw-coded form-1 file decoded by the specification: ``levels[code]``, in the dtype."""
    f = parse(blob)
    assert f.form == 1 and f.coding == 0
    dtype = np.dtype(DTYPES[f.dtype])
    assert f.centers.dtype == dtype  # stored in the image's dtype, taken as they are
    n = len(f.centers)
    pixels = int(np.prod(f.shape[:-1] if f.channels else f.shape))
    codes = _unpack_raw(f.payload, max(1, (n - 1).bit_length()), pixels)
    return f.centers[codes].reshape(f.shape)


def spec_encode(blob: bytes, x: np.ndarray) -> np.ndarray:
    """Codes of ``x`` by a form-1 file's thresholds: the number of inner thresholds ``<= x``,
    compared as Python integers."""
    f = parse(blob)
    inner = [int(t) for t in f.edges[1:-1]]
    return np.array([sum(t <= int(v) for t in inner) for v in x.tolist()])


def exact_encode(codebook, x: np.ndarray) -> np.ndarray:
    """Codes of ``x`` by a codebook's float64 edges compared exactly (Python compares ints
    with floats exactly): what the thresholds must reproduce. vqpress's encoder compares
    64-bit values as float64; it gives the loaded codebook's codes and the fitted one's alike
    (``assert_equivalent``), which may differ from these within float64's spacing."""
    inner = codebook.edges[1:-1].tolist()
    codes = np.array([sum(e <= v for e in inner) for v in x.tolist()])
    if x.dtype.itemsize <= 4:
        np.testing.assert_array_equal(codes, codebook.encode(x))
    return codes


def _compress(data, n, strategy, channel_axis):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few distinct values, scalar 2-d data of 3 columns, ...
        return vqpress.compress(data, n, strategy, channel_axis=channel_axis)


@st.composite
def integer_images(draw):
    """Random integer data of every kind, values anywhere in the dtype, extremes included."""
    dtype = draw(st.sampled_from(INT_DTYPES))
    info = np.iinfo(dtype)
    kind = draw(st.sampled_from(["gray", "gray+alpha", "rgb", "rgba", "frames", "pixels", "volume"]))
    shape = {"gray": (7, 9), "gray+alpha": (6, 5, 2), "rgb": (5, 8, 3), "rgba": (4, 6, 4),
             "frames": (2, 4, 5, 3), "pixels": (40, 3), "volume": (3, 4, 5)}[kind]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    spread = draw(st.sampled_from(["full", "narrow", "extremes"]))
    if spread == "full":
        data = rng.integers(int(info.min), int(info.max), shape, dtype=dtype, endpoint=True)
    elif spread == "narrow":  # a few neighbouring values: thresholds land between integers
        base = int(rng.integers(int(info.min), int(info.max) - 20, endpoint=True, dtype=dtype))
        steps = rng.integers(0, 20, shape).astype(object)
        data = (steps + base).astype(dtype)  # Python ints: exact for 64-bit dtypes
    else:
        pool = np.array([info.min, info.max, info.min + 1, info.max - 1, 0], dtype=object).astype(dtype)
        data = rng.choice(pool, shape)
    colour = kind not in ("gray", "volume")
    strategy = draw(st.sampled_from(COLOUR if colour else SCALAR))
    n = draw(st.integers(2, 12))
    return data, n, strategy, (-1 if colour else None)


@settings(max_examples=300)
@given(integer_images(), st.sampled_from(["raw", "context", "cm", "auto"]))
def test_form1_round_trip_decodes_and_encodes_as_the_fitted_codebook(case, coding):
    data, n, strategy, channel_axis = case
    c = _compress(data, n, strategy, channel_axis)
    assume(coding != "cm" or 2 <= c.codebook.n_colors <= 256)
    blob = to_bytes(c, coding)
    exact = to_bytes(c, coding, exact_centers=True)
    head = read_header(blob)
    assert head.codebook_form == 1 or (head.codebook_form == 0 and blob == exact)  # form 0: the fallback
    assert read_header(exact).codebook_form == 0 and read_header(exact).version <= "2.0"
    back = from_bytes(blob)
    np.testing.assert_array_equal(back.codes(), c.codes())
    out = back.decompress()
    assert out.dtype == data.dtype
    np.testing.assert_array_equal(out, c.decompress())
    np.testing.assert_array_equal(out, from_bytes(exact).decompress())
    assert_equivalent(back.codebook, c.codebook)
    assert from_bytes(exact).codebook == c.codebook
    if head.codebook_form == 1:
        assert head.version == "2.1"
        shrink = (8 - data.dtype.itemsize) * (head.codebook_len // data.dtype.itemsize)  # 0 for 64-bit
        assert len(exact) - len(blob) == read_header(exact).codebook_len - head.codebook_len == shrink
        assert c.codebook.nbytes == head.codebook_len
        if coding == "raw":
            np.testing.assert_array_equal(spec_decode(blob), c.decompress())
        if c.codebook.channels == 0:
            x = probe_values(c.codebook)[:3000]
            np.testing.assert_array_equal(spec_encode(blob, x), exact_encode(c.codebook, x))
    else:
        assert c.codebook.nbytes == head.codebook_len


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_edges_at_and_around_integers_and_the_dtype_ends(dtype):
    """Edges exactly on integers (the value belongs to the upper bin), just above and below
    them, below the dtype's minimum; thresholds that repeat (a bin holding no integer)."""
    info = np.iinfo(dtype)
    lo, hi = float(info.min), float(info.max)
    mid = float(int(info.min) // 2 + int(info.max) // 2)
    edges = [lo - 1e6 if info.min else -5.0, lo - 0.5, 10.0, 10.25, 10.75, np.nextafter(mid, np.inf), mid, hi]
    edges = sorted(edges)
    centers = [e * 0.5 + f * 0.5 for e, f in zip(edges[:-1], edges[1:])]
    cb = Codebook(centers, edges, strategy="optimal", dtype=dtype)
    data = probe_values(cb)[:5000]
    c = vqpress.compress(data, codebook=cb)
    blob = c.to_bytes("raw")
    assert read_header(blob).codebook_form == 1
    loaded = from_bytes(blob).codebook
    assert_equivalent(loaded, cb)
    np.testing.assert_array_equal(spec_encode(blob, data), exact_encode(cb, data))
    thresholds = parse(blob).edges
    assert thresholds.dtype == dtype
    for e, t in zip(edges[1:-1], thresholds[1:-1].tolist()):  # t = ceil(e), saturated at the minimum
        assert t == max(int(info.min), int(np.ceil(e)))


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_an_inner_edge_above_the_dtype_falls_back_to_float64(dtype):
    info = np.iinfo(dtype)
    top = float(info.max)
    edges = [float(info.min), 1.0, top * 2 + 1e4, top * 4 + 1e5]  # the last bin: no value of the dtype
    cb = Codebook([0.0, 2.0, top * 3], edges, strategy="optimal", dtype=dtype)
    c = vqpress.compress(np.array([0, 1, 2, 3], dtype=dtype), codebook=cb)
    blob = c.to_bytes("raw")
    assert blob == c.to_bytes("raw", exact_centers=True)
    assert read_header(blob).codebook_form == 0 and read_header(blob).version == "1.0"
    assert from_bytes(blob).codebook == cb
    assert cb.nbytes == 8 * (3 + 4)


@pytest.mark.parametrize("dtype", ["f2", "f4", "f8"])
def test_float_images_keep_float64_codebooks(dtype):
    data = np.random.default_rng(1).standard_normal((10, 12)).astype(dtype)
    c = vqpress.compress(data, 6)
    blob = c.to_bytes()
    assert blob == c.to_bytes(exact_centers=True)
    assert read_header(blob).codebook_form == 0 and read_header(blob).version <= "2.0"
    assert from_bytes(blob).codebook == c.codebook and c.codebook.nbytes == 8 * (6 + 7)


def test_64_bit_levels_and_thresholds_are_exact():
    """Centres and edges beyond 2**53 and at the dtype's ends: stored exactly, read exactly."""
    for dtype, values in [("i8", [-2**63, -2**63 + 1, -2**62 - 2048, 2**60 + 4096, 2**63 - 1]),
                          ("u8", [0, 1, 2**63, 2**64 - 4096, 2**64 - 1])]:
        data = np.array(values * 3, dtype=dtype)
        c = _compress(data, 5, "optimal", None)
        blob = c.to_bytes("raw")
        assert read_header(blob).codebook_form == 1
        back = from_bytes(blob)
        np.testing.assert_array_equal(back.decompress(), c.decompress())
        np.testing.assert_array_equal(spec_decode(blob), c.decompress())
        assert_equivalent(back.codebook, c.codebook)
        stored = parse(blob).centers.tolist()
        assert stored == c.codebook.levels().tolist()  # as Python ints: exact


def test_colour_codebook_keeps_the_decoded_colours(face_rgb):
    """A loaded colour codebook holds the rounded colours: they decode as the fitted ones and
    are what nearest-colour encoding of another image uses (``--codebook ref.vqz``)."""
    c = vqpress.compress(face_rgb[:64, :64], 16)
    back = from_bytes(c.to_bytes())
    np.testing.assert_array_equal(back.codebook.centers, c.codebook.levels().astype(np.float64))
    other = face_rgb[64:128, :64]
    np.testing.assert_array_equal(back.codebook.encode(other), Codebook(
        c.codebook.levels().astype(np.float64), strategy="kmeans", dtype=np.uint8).encode(other))
    exact = from_bytes(c.to_bytes(exact_centers=True)).codebook
    np.testing.assert_array_equal(exact.encode(other), c.codebook.encode(other))


def test_exact_centers_through_every_writer(tmp_path, face_gray):
    c = vqpress.compress(face_gray[:40, :40], 8)
    for exact in (False, True):
        path = save(tmp_path / f"g{exact}.vqz", c, exact_centers=exact)
        assert path.read_bytes() == c.to_bytes(exact_centers=exact) == to_bytes(c, exact_centers=exact)
        assert read_header(path.read_bytes()).codebook_form == (0 if exact else 1)
        assert inspect(path)[0].codebook_form == (0 if exact else 1)
    with pytest.raises(vqpress.VQError, match="exact_centers"):
        c.to_bytes(exact_centers="yes")


# ---------------------------------------------------------------------------- refused


@pytest.fixture(scope="module")
def form1(face_gray):
    with writing_fixed_layout():
        return parse(to_bytes(vqpress.compress(face_gray[:30, :40], 6), "raw"))


def test_form1_fields_as_written(form1):
    assert (form1.major, form1.minor, form1.form) == (2, 1, 1)
    assert form1.centers.dtype == np.uint8 and form1.edges.dtype == np.uint8
    assert from_bytes(form1.build()).n_pixels == 1200  # the crafting helper builds a valid file


@pytest.mark.parametrize("changes, match", [
    ({"form": 3}, "codebook form 3 is unknown"),
    ({"form": 2}, r"codebook form 2 \(compact\) needs format version 2.2; the header says 2.1"),
    ({"form": 255}, "codebook form 255 is unknown"),
    ({"minor": 0}, "codebook form 1 .* needs format version 2.1; the header says 2.0"),
    ({"major": 1, "minor": 1}, "codebook form 1 .* needs format version 2.1; the header says 1.1"),
    ({"dtype": 9}, "codebook form 1 .* is for integer dtypes; this file's is float32"),
    ({"dtype": 8}, "codebook form 1 .* is for integer dtypes; this file's is float16"),
])
def test_bad_form_fields_are_refused(form1, changes, match):
    blob = form1.replace(**changes).build()
    with pytest.raises(FormatError, match=match):
        read_header(blob)
    with pytest.raises(FormatError, match=match):
        from_bytes(blob)


def test_decreasing_thresholds_are_refused(form1):
    edges = form1.edges.copy()
    edges[3] = edges[2] - 1
    with pytest.raises(FormatError, match=rf"edge 3 is {edges[3]}, below edge 2 \({edges[2]}\)"):
        from_bytes(form1.replace(edges=edges).build())
    edges = form1.edges.copy()
    edges[2] = edges[3]  # repeated: a bin holding no value, allowed
    assert from_bytes(form1.replace(edges=edges).build()).codebook.edges[2] == edges[3]


def test_64_bit_values_float64_cannot_hold_are_refused():
    c = _compress(np.array([-2**63, 5, 2**62] * 3, dtype=np.int64), 3, "optimal", None)
    f = parse(c.to_bytes("raw"))
    assert f.form == 1 and f.centers.dtype == np.int64
    centers = f.centers.copy()
    centers[1] = 2**53 + 1
    with pytest.raises(FormatError, match="centre 9007199254740993 is not exactly a float64"):
        from_bytes(f.replace(centers=centers).build())
    edges = f.edges.copy()
    edges[1] = -(2**60) - 1
    with pytest.raises(FormatError, match="threshold -1152921504606846977 is not exactly a float64"):
        from_bytes(f.replace(edges=edges).build())
    centers[1] = 2**63 - 1  # the dtype's maximum: saturated, it decodes to itself
    back = from_bytes(f.replace(centers=centers).build())
    assert back.codebook.levels()[1] == 2**63 - 1


def test_a_body_of_the_wrong_form_is_refused(form1):
    as_floats = form1.replace(centers=form1.centers.astype(np.float64), edges=form1.edges.astype(np.float64))
    with pytest.raises(FormatError, match="truncated or extended"):
        from_bytes(as_floats.build())  # form 1 in the header, float64 values: the length is wrong
    with pytest.raises(FormatError, match="truncated or extended"):
        from_bytes(form1.replace(form=0, minor=0).build())


def test_tests_data_keeps_form1_files():
    """One file of format 2.1 per kind (tests/test_old_files.py decodes every file there)."""
    from pathlib import Path

    kept = set()
    for path in sorted((Path(__file__).parent / "data").glob("*.vqz")):
        head = read_header(path.read_bytes())
        if head.codebook_form == 1:
            kept.add((str(head.dtype), head.channels))
            assert head.version == "2.1"
    assert {("uint8", 0), ("uint8", 3), ("uint16", 0)} <= kept


def test_old_files_write_back_byte_for_byte():
    """The 1.0 files of vqpress 0.1.0 (raw and context: codings whose bytes never changed),
    loaded and written with ``exact_centers=True``, are the same bytes: form 0 is the old
    writer's. Written by default, an integer image's file becomes form 1 and decodes the same;
    a form-1 file loaded and written again keeps its header and codebook (a fixed point)."""
    from pathlib import Path

    data = Path(__file__).parent / "data"
    checked = 0
    for path in sorted(data.glob("*.vqz")):
        blob = path.read_bytes()
        head = read_header(blob)
        c = from_bytes(blob)
        if head.version == "1.0":
            assert c.to_bytes(head.coding, exact_centers=True) == blob, path.name
            again = from_bytes(c.to_bytes(head.coding))
            np.testing.assert_array_equal(again.decompress(), c.decompress())
            assert read_header(c.to_bytes(head.coding)).codebook_form == (0 if head.dtype.kind == "f" else 1)
            checked += 1
        if head.codebook_form == 1:
            # the header and codebook are the file's; the payload too but where the encoder
            # has changed since (palettes' symbol order, refined at every effort from round 11)
            out = c.to_bytes(head.coding)
            cut = head.size + head.codebook_len
            assert out[head.size:cut] == blob[head.size:cut], path.name
            assert dataclasses.replace(read_header(out), payload_len=0, body_len=0) == \
                dataclasses.replace(head, payload_len=0, body_len=0)
            assert out == blob or (head.coding == "cm" and head.channels), path.name
            assert from_bytes(out).to_bytes(head.coding) == out, path.name  # a fixed point
            np.testing.assert_array_equal(from_bytes(out).codes(), c.codes())
            checked += 1
    assert checked >= 9
