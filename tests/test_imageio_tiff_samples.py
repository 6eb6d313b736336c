"""TIFF samples Pillow does not read, or would read changed, read by tifffile
(``vqpress._tiff_samples``): every sample type, byte order, channel count, layout and
compression comes back exactly as stored, or is refused; never other values in silence."""

from __future__ import annotations

import struct
import sys
import warnings

import numpy as np
import pytest

import vqpress

tifffile = pytest.importorskip("tifffile")

BASES = ["i1", "u1", "i2", "u2", "i4", "u4", "f2", "f4", "f8"]


def sample_array(dtype: np.dtype, channels: int, rng) -> np.ndarray:
    shape = (9, 7, channels)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, shape, dtype=dtype.newbyteorder("="), endpoint=True)
    else:
        a = rng.normal(size=shape) * 100
    a = a.astype(dtype)
    return a[..., 0] if channels == 1 else a


def write(path, a: np.ndarray, channels: int, compression, planar: bool, byteorder: str) -> None:
    kw = {"photometric": "minisblack" if channels < 3 else "rgb"}
    if channels in (2, 4):
        kw["extrasamples"] = [2]  # unassociated alpha
    data = np.moveaxis(a, -1, 0) if planar else a
    tifffile.imwrite(path, data, compression=compression, planarconfig="separate" if planar else None,
                     byteorder=byteorder, **kw)


@pytest.mark.parametrize("byteorder", ["<", ">"])
@pytest.mark.parametrize("base", BASES)
def test_every_sample_type_layout_and_compression_exactly(tmp_path, base, byteorder):
    # Pillow 13 alone read signed 8-bit gray as unsigned, big-endian 32-bit samples through
    # libtiff in garbled order and planar gray + alpha or 16-bit colour mixed up: 16 of these
    # 504 files came back with other values and no error
    dtype = np.dtype(base).newbyteorder(byteorder)
    rng = np.random.default_rng(abs(hash((base, byteorder))) % 2**32)
    path = tmp_path / "t.tif"
    for channels in (1, 2, 3, 4):
        a = sample_array(dtype, channels, rng)
        for compression in (None, "zlib", "lzw", "packbits"):
            for planar in (False, True) if channels > 1 else (False,):
                write(path, a, channels, compression, planar, byteorder)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    back = vqpress.imread(path)
                what = (dtype.str, channels, compression, planar)
                assert back.dtype == dtype.newbyteorder("=") and back.shape == a.shape, what
                assert back.tobytes() == a.astype(back.dtype).tobytes(), what


def test_pages_of_floats_as_frames(tmp_path):
    pages = np.random.default_rng(1).random((3, 20, 30))
    tifffile.imwrite(tmp_path / "p.tif", pages, photometric="minisblack")
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "p.tif", frames=True), pages)
    with pytest.raises(vqpress.VQError, match=r"holds 3 pages \(TIFF\).*frames=True"):
        vqpress.imread(tmp_path / "p.tif")
    with pytest.raises(vqpress.VQError, match="1,800 pixels, more than max_pixels=1,000"):
        vqpress.imread(tmp_path / "p.tif", frames=True, max_pixels=1000)
    tifffile.imwrite(tmp_path / "one.tif", pages[0])
    assert vqpress.imread(tmp_path / "one.tif", frames=True).shape == (1, 20, 30)


def test_orientation_applied(tmp_path):
    a = np.arange(20 * 30, dtype=np.float64).reshape(20, 30)
    tifffile.imwrite(tmp_path / "o.tif", a, extratags=[(274, "H", 1, 6, True)])  # rotate 90 clockwise
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "o.tif"), np.rot90(a, -1))


@pytest.mark.parametrize("make, match", [
    (lambda p: tifffile.imwrite(p, np.zeros((4, 5), complex)), "page 1 holds samples of type complex128"),
    (lambda p: (tifffile.imwrite(p, np.zeros((4, 5))), tifffile.imwrite(p, np.zeros((3, 5)), append=True)),
     r"page 2 holds \(3, 5\) float64 samples, page 1 \(4, 5\) float64"),
    (lambda p: tifffile.imwrite(p, np.zeros((4, 5, 6)), photometric="minisblack", planarconfig="contig"),
     "6 samples a pixel; vqpress reads 1 to 4"),
])
def test_refused(tmp_path, make, match):
    path = tmp_path / "r.tif"
    make(path)
    with pytest.raises(vqpress.VQError, match=match):
        vqpress.imread(path, frames=True)


def crafted_float64_tiff(width: int, height: int) -> bytes:
    """A little-endian float64 gray TIFF whose header claims width x height pixels and whose one
    strip holds 16 bytes."""
    entries = [(256, 4, width), (257, 4, height), (258, 3, 64), (259, 3, 1), (262, 3, 1), (273, 4, 8),
               (277, 3, 1), (278, 4, height), (279, 4, 16), (339, 3, 3)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, 1, value) if kind == 4 else struct.pack("<HHIHH", tag, kind, 1, value, 0)
        for tag, kind, value in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 24) + b"\x00" * 16 + ifd


@pytest.mark.parametrize("width, height, kwargs, match", [
    (100_000, 100_000, {}, "10,000,000,000 pixels"),
    (2**32 - 1, 2**32 - 1, {}, "18,446,744,065,119,617,025 pixels"),
    (100_000, 100_000, {"max_pixels": 10**10}, "not a TIFF file vqpress can read"),  # allowed: cut short
    (0, 5, {}, "page 1 is 0 x 5 pixels"),
    (50, 40, {}, "not a TIFF file vqpress can read"),  # 16,000 bytes claimed, 16 held
])
def test_crafted_headers_refused_fast(tmp_path, width, height, kwargs, match):
    path = tmp_path / "c.tif"
    path.write_bytes(crafted_float64_tiff(width, height))
    with pytest.raises(vqpress.VQError, match=match):
        vqpress.imread(path, **kwargs)


def test_damaged(tmp_path):
    path = tmp_path / "d.tif"
    tifffile.imwrite(path, np.random.default_rng(0).random((40, 50)), compression="zlib")
    with tifffile.TiffFile(path) as tif:
        start = tif.pages[0].dataoffsets[0]
    data = bytearray(path.read_bytes())
    data[start + 100:start + 160] = b"\xff" * 60  # into the compressed strip
    path.write_bytes(bytes(data))
    with pytest.raises(vqpress.VQError, match="is not a TIFF file vqpress can read"):
        vqpress.imread(path)


def test_without_tifffile_refused_never_changed(tmp_path, monkeypatch):
    tifffile.imwrite(tmp_path / "f.tif", np.zeros((4, 5)))
    tifffile.imwrite(tmp_path / "s.tif", np.full((4, 5), -1, np.int8))
    monkeypatch.setitem(sys.modules, "tifffile", None)
    with pytest.raises(vqpress.VQError, match="f.tif is a TIFF file whose samples Pillow does not read; pip install "
                                              "tifffile reads it exactly"):
        vqpress.imread(tmp_path / "f.tif")
    with pytest.raises(vqpress.VQError, match="whose samples Pillow would read changed"):
        vqpress.imread(tmp_path / "s.tif")


def test_the_command_line_compresses_a_float64_tiff(tmp_path):
    from cli_helpers import run_subprocess

    depth = np.cumsum(np.random.default_rng(2).normal(size=(30, 40)), axis=1)
    tifffile.imwrite(tmp_path / "depth.tif", depth)
    code, out, err = run_subprocess("compress", tmp_path / "depth.tif", "-n", "8")
    assert code == 0, err
    assert "float64 gray" in out
    np.testing.assert_array_equal(vqpress.load(tmp_path / "depth.vqz").decompress(),
                                  vqpress.compress(depth, 8).decompress())
