"""``.npy`` files as input (``vqpress._npy`` through :func:`vqpress.imread` and the command
line): what ``vqpress decompress`` writes as ``.npy`` compresses again, exactly as stored, and
every file that is not a numeric image array is refused by its header, before its samples are
read."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from cli_helpers import one_error_line, run
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import vqpress
from vqpress import _npy

DTYPES = ["u1", "u2", "u4", "i1", "i2", "i8", "f2", "f4", "f8", "<u2", ">u2", ">f4", ">i4"]
# shapes imread returns as stored (a last axis of 2..4 channels; 3-D others with frames=True)
SHAPES = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9),
    st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(2, 4)),
)


def saved(tmp_path, arr, name="a.npy"):
    path = tmp_path / name
    np.save(path, arr)
    return path


@settings(max_examples=60, deadline=None)
@given(dtype=st.sampled_from(DTYPES), shape=SHAPES, fortran=st.booleans(), data=st.data())
def test_imread_gives_the_stored_array_back(tmp_path_factory, dtype, shape, fortran, data):
    arr = data.draw(hnp.arrays(np.dtype(dtype), shape))
    if fortran:
        arr = np.asfortranarray(arr)
    path = saved(tmp_path_factory.mktemp("npy"), arr)
    back = vqpress.imread(path)
    assert back.dtype == np.dtype(dtype).newbyteorder("=") and back.flags.c_contiguous and back.flags.writeable
    np.testing.assert_array_equal(back, arr)  # NaN equal to NaN, -0.0 to 0.0: then the bits
    assert back.tobytes() == arr.astype(back.dtype).tobytes()


def test_frames_and_channels(tmp_path):
    gray = np.arange(12, dtype=np.uint16).reshape(3, 4)
    rgb = np.arange(60, dtype=np.float32).reshape(4, 5, 3)
    frames = np.arange(2 * 3 * 5, dtype=np.int16).reshape(2, 3, 5)
    rgba_frames = np.zeros((2, 3, 5, 4), np.uint8)
    assert vqpress.imread(saved(tmp_path, gray), frames=True).shape == (1, 3, 4)
    assert vqpress.imread(saved(tmp_path, rgb), frames=True).shape == (1, 4, 5, 3)
    np.testing.assert_array_equal(vqpress.imread(saved(tmp_path, frames), frames=True), frames)
    assert vqpress.imread(saved(tmp_path, rgba_frames), frames=True).shape == (2, 3, 5, 4)
    # one channel is plain gray
    assert vqpress.imread(saved(tmp_path, gray[..., None])).shape == (3, 4)
    assert vqpress.imread(saved(tmp_path, frames[..., None]), frames=True).shape == (2, 3, 5)
    with pytest.raises(vqpress.VQError, match=r"holds 2 frames \(\(2, 3, 5\)\).*frames=True"):
        vqpress.imread(saved(tmp_path, frames))


def test_known_by_content_not_name(tmp_path):
    arr = np.arange(20, dtype=np.float64).reshape(4, 5)
    np.save(tmp_path / "a.npy", arr)
    (tmp_path / "a.npy").rename(tmp_path / "depth.dat")
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "depth.dat"), arr)


@pytest.mark.parametrize("arr, match", [
    (np.array([{"a": 1}], dtype=object), "dtype object; vqpress reads .npy arrays of integers or floats"),
    (np.zeros((3, 3), complex), "dtype complex128"),
    (np.zeros((3, 3), bool), r"dtype bool.*astype\(np.uint8\)"),
    (np.zeros((3, 3), [("x", "u1"), ("y", "f4")]), "integers or floats"),
    (np.zeros((3, 3), "U2"), "dtype <U2"),
    (np.zeros(7), r"shape \(7,\), which is no image"),
    (np.zeros((2, 3, 4, 5, 6)), r"shape \(2, 3, 4, 5, 6\), which is no image"),
    (np.zeros((2, 3, 4, 9)), "which is no image"),
    (np.zeros((0, 4)), "which is no image"),
])
def test_refused_arrays(tmp_path, arr, match):
    path = tmp_path / "a.npy"
    np.save(path, arr, allow_pickle=True)
    with pytest.raises(vqpress.VQError, match=match):
        vqpress.imread(path, frames=True)


def test_cut_short_names_what_the_header_says(tmp_path):
    path = saved(tmp_path, np.zeros((40, 50), np.float32))
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(vqpress.VQError, match=r"cut short: its header says \(40, 50\) float32 \(8,000 bytes"):
        vqpress.imread(path)


def header_only(shape, descr="<f8", version=1):
    """A .npy header for ``shape`` without any samples after it."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    pad = (-(len(text) + 10 + 1)) % 64
    text += b" " * pad + b"\n"
    if version == 1:
        return _npy.MAGIC + b"\x01\x00" + struct.pack("<H", len(text)) + text
    return _npy.MAGIC + bytes([version, 0]) + struct.pack("<I", len(text)) + text


def test_a_header_claiming_a_gigapixel_is_refused_before_any_read(tmp_path, monkeypatch):
    path = tmp_path / "big.npy"
    path.write_bytes(header_only((100_000, 100_000)))
    with pytest.raises(vqpress.VQError, match="10,000,000,000 pixels.*max_pixels=10000000000"):
        vqpress.imread(path)
    # allowed, it is then cut short: never a read of 80 GB
    with pytest.raises(vqpress.VQError, match="cut short"):
        vqpress.imread(path, max_pixels=10**10)
    path.write_bytes(header_only((2**62, 2**62)))  # 64-bit extremes: Python's integers, no overflow
    with pytest.raises(vqpress.VQError, match="21,267,647,932,558,653,966,460,912,964,485,513,216 pixels"):
        vqpress.imread(path)
    with pytest.raises(vqpress.VQError, match="cut short"):
        vqpress.imread(path, max_pixels=2**200)
    with pytest.raises(vqpress.VQError, match="more than max_pixels=100"):
        vqpress.imread(saved(tmp_path, np.zeros((20, 20))), max_pixels=100)


@pytest.mark.parametrize("data, match", [
    (_npy.MAGIC + b"\x09\x00" + b"\x00" * 20, r"format version 9.0; vqpress reads versions 1.0 and 2.0"),
    (header_only((3, 3), version=3), r"format version 3.0"),
    (_npy.MAGIC + b"\x01\x00\x10\x00{'descr': 1}    \n", "not a .npy file vqpress can read"),
    (_npy.MAGIC + b"\x01\x00\xff\xff" + b"{" * 30, "not a .npy file vqpress can read"),
    (_npy.MAGIC + b"\x01", "not a .npy file vqpress can read"),
    (header_only((-5, 4)), r"not a .npy file vqpress can read \(its header: shape \(-5, 4\)\)"),
])
def test_bad_headers(tmp_path, data, match):
    path = tmp_path / "bad.npy"
    path.write_bytes(data)
    with pytest.raises(vqpress.VQError, match=match):
        vqpress.imread(path)


def test_version_2_header(tmp_path):
    arr = np.arange(6, dtype="<f8").reshape(2, 3)
    path = tmp_path / "v2.npy"
    path.write_bytes(header_only((2, 3), version=2) + arr.tobytes())
    np.testing.assert_array_equal(vqpress.imread(path), arr)


def test_read_from_bytes(tmp_path):
    arr = np.arange(12, dtype=np.uint16).reshape(3, 4)
    buf = io.BytesIO()
    np.save(buf, arr)
    from vqpress.imageio import read_image_bytes

    np.testing.assert_array_equal(read_image_bytes(buf.getvalue(), "(standard input)"), arr)


def test_the_command_line_compresses_what_it_decompressed(capsys, tmp_path):
    depth = np.cumsum(np.random.default_rng(3).normal(size=(30, 40)), axis=1).astype(np.float32)
    np.save(tmp_path / "depth.npy", depth)
    code, out, err = run(capsys, "compress", tmp_path / "depth.npy", "-n", "8")
    assert code == 0, err
    assert "float32 gray" in out
    first = vqpress.load(tmp_path / "depth.vqz")
    np.testing.assert_array_equal(first.decompress(), vqpress.compress(depth, 8).decompress())
    code, _, err = run(capsys, "decompress", tmp_path / "depth.vqz", "-o", tmp_path / "back.npy")
    assert code == 0, err
    code, _, err = run(capsys, "compress", tmp_path / "back.npy", "-n", "8")
    assert code == 0, err
    # the quantized data is quantized again to itself
    np.testing.assert_array_equal(vqpress.load(tmp_path / "back.vqz").decompress(), first.decompress())


def test_the_command_line_picks_npy_files_from_a_folder(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    np.save(tmp_path / "in" / "a.npy", np.arange(64, dtype=np.float64).reshape(8, 8))
    np.save(tmp_path / "in" / "b.npy", np.zeros((4, 5, 3), np.uint8))
    code, _, err = run(capsys, "compress", tmp_path / "in", "-n", "4", "-o", tmp_path / "out/")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.vqz", "b.vqz"]


def test_the_command_line_names_a_refused_npy(capsys, tmp_path):
    np.save(tmp_path / "c.npy", np.zeros((3, 3), complex))
    code, _, err = run(capsys, "compress", tmp_path / "c.npy")
    assert code == 1
    line = one_error_line(err)
    assert "c.npy" in line and "dtype complex128" in line
