import numpy as np
import pytest
from PIL import Image

import vqpress


@pytest.mark.parametrize("ext", [".png", ".tif", ".bmp"])
def test_gray_and_rgb_round_trip(tmp_path, ext):
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, size=(13, 17), dtype=np.uint8)
    rgb = rng.integers(0, 256, size=(13, 17, 3), dtype=np.uint8)
    for name, arr in (("g", gray), ("c", rgb)):
        path = vqpress.imwrite(tmp_path / f"{name}{ext}", arr)
        out = vqpress.imread(path)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_sixteen_bit_gray(tmp_path, ext):
    data = (np.arange(12 * 9, dtype=np.uint16) * 601).reshape(12, 9)
    out = vqpress.imread(vqpress.imwrite(tmp_path / f"deep{ext}", data))
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, data)


def test_rgba_and_jpeg(tmp_path):
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 3] = 128
    np.testing.assert_array_equal(vqpress.imread(vqpress.imwrite(tmp_path / "a.png", rgba)), rgba)
    rgb = np.full((16, 16, 3), 100, dtype=np.uint8)
    out = vqpress.imread(vqpress.imwrite(tmp_path / "a.jpg", rgb))
    assert out.shape == (16, 16, 3) and abs(int(out.mean()) - 100) <= 2


def test_palette_images(tmp_path):
    gray_palette = Image.new("P", (4, 3))
    gray_palette.putpalette([v for i in range(256) for v in (i, i, i)])
    gray_palette.putpixel((1, 1), 77)
    gray_palette.save(tmp_path / "g.png")
    out = vqpress.imread(tmp_path / "g.png")
    assert out.shape == (3, 4) and out[1, 1] == 77
    colour = Image.new("P", (4, 3))
    colour.putpalette([255, 0, 0, 0, 255, 0])
    colour.putpixel((0, 0), 1)
    colour.save(tmp_path / "c.png")
    out = vqpress.imread(tmp_path / "c.png")
    assert out.shape == (3, 4, 3) and tuple(out[0, 0]) == (0, 255, 0)


def test_imwrite_never_overwrites_silently(tmp_path):
    path = tmp_path / "x.png"
    vqpress.imwrite(path, np.zeros((2, 2), np.uint8))
    with pytest.raises(vqpress.VQError, match="exists; pass overwrite=True"):
        vqpress.imwrite(path, np.ones((2, 2), np.uint8))
    assert vqpress.imread(path).max() == 0
    vqpress.imwrite(path, np.ones((2, 2), np.uint8), overwrite=True)
    assert vqpress.imread(path).max() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]  # no temporary files left


def test_errors(tmp_path):
    with pytest.raises(vqpress.VQError, match="no such file"):
        vqpress.imread(tmp_path / "missing.png")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(vqpress.VQError, match="not an image"):
        vqpress.imread(tmp_path / "text.png")
    with pytest.raises(vqpress.VQError, match="16-bit images"):
        vqpress.imwrite(tmp_path / "x.jpg", np.zeros((2, 2), np.uint16))
    with pytest.raises(vqpress.VQError, match="imwrite takes"):
        vqpress.imwrite(tmp_path / "x.png", np.zeros((2, 2), np.float32))
    with pytest.raises(vqpress.VQError, match="unknown image extension"):
        vqpress.imwrite(tmp_path / "x.xyz", np.zeros((2, 2), np.uint8))
    with pytest.raises(vqpress.VQError, match="does not exist"):
        vqpress.imwrite(tmp_path / "nofolder" / "x.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(vqpress.VQError, match="is a directory"):
        vqpress.imwrite(tmp_path, np.zeros((2, 2), np.uint8))


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = vqpress.imwrite(tmp_path / "p.png", np.zeros((2, 2), np.uint8))
    finally:
        os.umask(umask)
    assert (path.stat().st_mode & 0o777) == 0o644


# -- hostile and unusual image files (issue: data safety) --------------------------------------

import io  # noqa: E402
import struct  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402

from PIL import ImageOps  # noqa: E402

_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _filtered(kind: int, row: np.ndarray, prev: np.ndarray, bpp: int) -> bytes:
    """PNG filter ``kind`` applied to one row of bytes (the encoder's side, vectorised)."""
    pad = np.zeros(bpp, np.int64)
    left, upleft = np.concatenate([pad, row[:-bpp]]), np.concatenate([pad, prev[:-bpp]])
    if kind == 0:
        pred = 0
    elif kind == 1:
        pred = left
    elif kind == 2:
        pred = prev
    elif kind == 3:
        pred = (left + prev) // 2
    else:
        p = left + prev - upleft
        pa, pb, pc = np.abs(p - left), np.abs(p - prev), np.abs(p - upleft)
        pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
    return bytes([kind]) + ((row - pred) % 256).astype(np.uint8).tobytes()


def png16(arr: np.ndarray, *, interlace: bool = False, filters=(0, 1, 2, 3, 4), extra: bytes = b"") -> bytes:
    """A 16-bit PNG of ``arr`` (H, W, 2|3|4), rows filtered by each filter in turn."""
    h, w, c = arr.shape
    raw = bytearray()
    k = 0
    for x0, y0, dx, dy in (_ADAM7 if interlace else ((0, 0, 1, 1),)):
        sub = arr[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        rows = np.ascontiguousarray(sub.astype(">u2")).view(np.uint8).reshape(sub.shape[0], -1).astype(np.int64)
        prev = np.zeros(rows.shape[1], np.int64)
        for row in rows:
            raw += _filtered(filters[k % len(filters)], row, prev, 2 * c)
            prev, k = row, k + 1
    colour = {2: 4, 3: 2, 4: 6}[c]
    ihdr = struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, int(interlace))
    data = zlib.compress(bytes(raw))
    idats = b"".join(_chunk(b"IDAT", data[i : i + 100]) for i in range(0, len(data), 100))  # several IDATs
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + extra + idats + _chunk(b"IEND", b"")


@pytest.mark.parametrize("channels", [2, 3, 4])
@pytest.mark.parametrize("interlace", [False, True])
def test_sixteen_bit_colour_png_keeps_sixteen_bits(tmp_path, channels, interlace):
    """A 48-bit RGB PNG was silently read as 8-bit RGB (the low byte of every sample lost)."""
    rng = np.random.default_rng(channels)
    arr = rng.integers(0, 65536, size=(13, 21, channels), dtype=np.uint16)
    arr[5:9] = arr[5:9] // 1000 * 1000  # smoother rows, where Paeth and Average matter
    path = tmp_path / "deep.png"
    path.write_bytes(png16(arr, interlace=interlace))
    out = vqpress.imread(path)
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, arr)  # gray + alpha stays gray + alpha
    if channels == 3:  # Pillow agrees on the high bytes
        with Image.open(path) as im:
            np.testing.assert_array_equal(np.asarray(im.convert("RGB")), arr >> 8)


def test_damaged_sixteen_bit_png(tmp_path):
    arr = np.arange(4 * 5 * 3, dtype=np.uint16).reshape(4, 5, 3) * 1000
    good = png16(arr)
    bad_filter = png16(arr, filters=(0, 0, 7))
    short = good.replace(b"IEND", b"IENX")
    for name, blob in [("filter", bad_filter), ("end", short)]:
        path = tmp_path / f"{name}.png"
        path.write_bytes(blob)
        with pytest.raises(vqpress.VQError, match="not an image vqpress can read"):
            vqpress.imread(path)


def test_sixteen_bit_pnm(tmp_path):
    """A 16-bit PGM was read as int32; a 16-bit PPM lost its low bytes."""
    rng = np.random.default_rng(3)
    gray = rng.integers(0, 65536, size=(5, 7), dtype=np.uint16)
    rgb = rng.integers(0, 65536, size=(5, 7, 3), dtype=np.uint16)
    cases = {
        "g.pgm": (b"P5 7 5 65535\n" + gray.astype(">u2").tobytes(), gray),
        "c.ppm": (b"P6 7 5 65535\n" + rgb.astype(">u2").tobytes(), rgb),
        "low.pgm": (b"P5 7 5 1000\n" + (gray % 1001).astype(">u2").tobytes(), gray % 1001),  # as stored
        "plain.ppm": (b"P3 7 5 65535\n# a comment\n" + " ".join(map(str, rgb.ravel())).encode(), rgb),
        "plain.pgm": (b"P2 7 5 65535\n" + " ".join(map(str, gray.ravel())).encode(), gray),
    }
    for name, (blob, expected) in cases.items():
        (tmp_path / name).write_bytes(blob)
        out = vqpress.imread(tmp_path / name)
        assert out.dtype == np.uint16, name
        np.testing.assert_array_equal(out, expected)
    (tmp_path / "cut.ppm").write_bytes(cases["c.ppm"][0][:-7])
    with pytest.raises(vqpress.VQError, match="not an image vqpress can read"):
        vqpress.imread(tmp_path / "cut.ppm")


def test_sixteen_bit_rgb_tiff(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    rgb = np.random.default_rng(4).integers(0, 65536, size=(6, 9, 3), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "raw.tif", rgb, rowsperstrip=2)
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "raw.tif"), rgb)
    for orientation in range(1, 9):  # oriented as Pillow orients the 8-bit version
        tifffile.imwrite(tmp_path / "o.tif", rgb, extratags=[(274, 3, 1, orientation, True)])
        tifffile.imwrite(tmp_path / "o8.tif", (rgb >> 8).astype(np.uint8), extratags=[(274, 3, 1, orientation, True)])
        np.testing.assert_array_equal(vqpress.imread(tmp_path / "o.tif") >> 8, vqpress.imread(tmp_path / "o8.tif"))
    tifffile.imwrite(tmp_path / "zip.tif", rgb, compression="zlib")
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "zip.tif"), rgb)  # read by tifffile


def test_compressed_sixteen_bit_colour_tiff(tmp_path, monkeypatch, hide_module):
    # An LZW or deflate TIFF of 16-bit RGB samples (what scanners and editors write) was
    # refused ("cannot read the 16-bit RGB samples ... without losing their low 8 bits")
    # although tifffile, there for the streamed path, reads it exactly.
    tifffile = pytest.importorskip("tifffile")
    pytest.importorskip("imagecodecs")  # tifffile's LZW and deflate
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 65536, size=(6, 9, 3), dtype=np.uint16)
    rgba = rng.integers(0, 65536, size=(6, 9, 4), dtype=np.uint16)
    cases = {
        "lzw.tif": (rgb, {"compression": "lzw"}),
        "zlib-predictor.tif": (rgb, {"compression": "zlib", "predictor": True}),
        "planar.tif": (rgb, {"compression": "zlib", "planarconfig": "separate"}),  # stored (3, H, W)
        "tiles.tif": (rgb, {"compression": "packbits", "tile": (16, 16)}),
        "rgba.tif": (rgba, {"compression": "lzw", "extrasamples": ["unassalpha"]}),
    }
    for name, (arr, kw) in cases.items():
        stored = np.moveaxis(arr, -1, 0) if kw.get("planarconfig") == "separate" else arr
        tifffile.imwrite(tmp_path / name, stored, photometric="rgb", **kw)
        np.testing.assert_array_equal(vqpress.imread(tmp_path / name), arr, err_msg=name)
    tifffile.imwrite(tmp_path / "pages.tif", np.stack([rgb, rgb[::-1]]), photometric="rgb", compression="lzw")
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "pages.tif", frames=True), np.stack([rgb, rgb[::-1]]))
    for orientation in range(1, 9):  # oriented as the uncompressed file
        tifffile.imwrite(tmp_path / "o.tif", rgb, extratags=[(274, 3, 1, orientation, True)])
        tifffile.imwrite(tmp_path / "oz.tif", rgb, compression="zlib", extratags=[(274, 3, 1, orientation, True)])
        np.testing.assert_array_equal(vqpress.imread(tmp_path / "oz.tif"), vqpress.imread(tmp_path / "o.tif"))
    (tmp_path / "cut.tif").write_bytes((tmp_path / "lzw.tif").read_bytes()[:-200])
    with pytest.raises(vqpress.VQError, match="cut.tif is not an image vqpress can read \\(damaged 16-bit data"):
        vqpress.imread(tmp_path / "cut.tif")
    with monkeypatch.context() as patch:
        def needs_imagecodecs(self, *args, **kwargs):
            raise ValueError("<COMPRESSION.LZW: 5> requires the 'imagecodecs' package")

        patch.setattr(tifffile.TiffPage, "asarray", needs_imagecodecs)
        with pytest.raises(vqpress.VQError, match="low 8 bits: pip install imagecodecs"):
            vqpress.imread(tmp_path / "lzw.tif")
    hide_module("tifffile")
    with pytest.raises(vqpress.VQError, match="low 8 bits.*pip install tifffile"):  # never cut to 8 bits
        vqpress.imread(tmp_path / "lzw.tif")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path, orientation):
    rgb = np.random.default_rng(orientation).integers(0, 256, size=(6, 10, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "o.png"
    Image.fromarray(rgb).save(path, exif=exif)
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(vqpress.imread(path), expected)


def test_orientation_six_jpeg_is_read_as_every_viewer_shows_it(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (100, 60), (200, 100, 50)).save(tmp_path / "o.jpg", exif=exif)  # stored 100 wide
    assert vqpress.imread(tmp_path / "o.jpg").shape == (100, 60, 3)  # shown turned: 60 wide


def test_decompression_bomb_policy(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for n in (30, 40, 50):
        Image.new("L", (n, n), 7).save(tmp_path / f"{n}.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert vqpress.imread(tmp_path / "30.png").shape == (30, 30)
        assert vqpress.imread(tmp_path / "50.png", max_pixels=2500).shape == (50, 50)  # told so: silent
    with pytest.warns(Image.DecompressionBombWarning):  # surfaced, not swallowed
        vqpress.imread(tmp_path / "40.png")
    with pytest.raises(vqpress.VQError, match=r"2,500 pixels.*--max-pixels 2500"):
        vqpress.imread(tmp_path / "50.png")
    with pytest.raises(vqpress.VQError, match=r"900 pixels, more than max_pixels=100"):
        vqpress.imread(tmp_path / "30.png", max_pixels=100)
    assert Image.MAX_IMAGE_PIXELS == 1000  # lifted only while the header was read


@pytest.mark.parametrize("kind", [b"zTXt", b"iCCP", b"iTXt"])
def test_oversized_metadata_chunk_is_a_vqerror(tmp_path, kind):
    body = zlib.compress(b"a" * 3_000_000)  # inflates past PngImagePlugin.MAX_TEXT_CHUNK
    data = {b"zTXt": b"key\x00\x00", b"iCCP": b"icc\x00\x00", b"iTXt": b"key\x00\x01\x00\x00\x00"}[kind] + body
    gray = Image.new("L", (3, 2))
    buf = io.BytesIO()
    gray.save(buf, format="PNG")
    png = buf.getvalue()
    pos = png.index(b"IDAT") - 4
    (tmp_path / "m.png").write_bytes(png[:pos] + _chunk(kind, data) + png[pos:])
    with pytest.raises(vqpress.VQError, match="metadata chunk .* larger than Pillow's safety limit"):
        vqpress.imread(tmp_path / "m.png")


def test_write_errors_are_clear(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    with pytest.raises(vqpress.VQError, match="JPEG format cannot hold RGBA"):
        vqpress.imwrite(tmp_path / "a.jpg", rgba)
    with pytest.raises(vqpress.VQError, match="has no extension"):
        vqpress.imwrite(tmp_path / "noext", rgba)
    assert list(tmp_path.iterdir()) == []
    from vqpress.imageio import check_writable

    check_writable(tmp_path / "ok.webp", np.uint8, (4, 4, 4))
    with pytest.raises(vqpress.VQError, match="16-bit images can be written as .png, .tif or .jxl, not"):
        check_writable(tmp_path / "a.gif", np.uint16, (4, 4))


def test_big_endian_arrays_are_written(tmp_path):
    """A big-endian uint16 array (as FITS files give) was refused by imwrite."""
    data = (np.arange(30, dtype=np.uint16) * 2000).reshape(5, 6).astype(">u2")
    np.testing.assert_array_equal(vqpress.imread(vqpress.imwrite(tmp_path / "be.png", data)), data)


def test_an_explicit_max_pixels_alone_decides(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    Image.new("L", (40, 40)).save(tmp_path / "40.png")  # 1,600 pixels: above Pillow's limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning before the refusal
        with pytest.raises(vqpress.VQError, match="1,600 pixels, more than max_pixels=500"):
            vqpress.imread(tmp_path / "40.png", max_pixels=500)


def test_unreadable_file_message_names_no_python_object(tmp_path):
    # Pillow's "cannot identify image file <_io.BufferedReader name=3>" reached the user.
    (tmp_path / "text.png").write_bytes(b"hello, not an image\n" * 10)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(vqpress.VQError) as info:
        vqpress.imread(tmp_path / "text.png")
    assert str(info.value) == f"{tmp_path / 'text.png'} is not an image vqpress can read (Pillow does not " \
                              "recognise it as an image it reads)"
    with pytest.raises(vqpress.VQError) as info:
        vqpress.imread(tmp_path / "empty.png")
    assert str(info.value) == f"{tmp_path / 'empty.png'} is not an image vqpress can read (it is empty)"
    from vqpress.imageio import read_image_bytes

    with pytest.raises(vqpress.VQError) as info:
        read_image_bytes(b"", "(standard input)")
    assert str(info.value) == "(standard input) is not an image vqpress can read (it is empty)"
    with pytest.raises(vqpress.VQError) as info:
        read_image_bytes(b"GIF89a but no more", "(standard input)")
    assert "<" not in str(info.value) and "0x" not in str(info.value)


def test_imwrite_writes_the_npy_its_messages_offer(tmp_path):
    # imwrite(float image, "x.png") said "(save it as .npy or .vqz instead)", and then
    # imwrite(float image, "x.npy") said "unknown image extension '.npy' ... (or .npy)".
    depth = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    with pytest.raises(vqpress.VQError, match="save it as .npy"):
        vqpress.imwrite(tmp_path / "d.png", depth)
    path = vqpress.imwrite(tmp_path / "d.npy", depth)
    back = np.load(path, allow_pickle=False)
    assert back.dtype == np.float32 and np.array_equal(back, depth)
    with pytest.raises(vqpress.VQError, match="exists"):
        vqpress.imwrite(tmp_path / "d.npy", depth)
    vqpress.imwrite(tmp_path / "d.npy", depth[:2], overwrite=True)
    assert np.load(tmp_path / "d.npy").shape == (2, 4)


def test_unsigned_32_bit_tiff_keeps_its_values(tmp_path):
    # Pillow hands out unsigned 32-bit TIFF samples as int32: 4,000,000,000 came back as
    # -294,967,296, silently.
    tifffile = pytest.importorskip("tifffile")
    unsigned = np.array([[0, 2**31 + 5, 4_000_000_000, 2**32 - 1]], np.uint32)
    signed = np.array([[0, -5, 2**31 - 1, -2**31]], np.int32)
    tifffile.imwrite(tmp_path / "u.tif", unsigned)
    tifffile.imwrite(tmp_path / "s.tif", signed)
    for name, expected in [("u.tif", unsigned), ("s.tif", signed)]:
        back = vqpress.imread(tmp_path / name)
        assert back.dtype == expected.dtype, name
        np.testing.assert_array_equal(back, expected)


def test_png_colour_key_transparency_becomes_alpha(tmp_path):
    # An RGB or gray PNG with a tRNS colour key (the pixels of one colour transparent) was
    # read opaque, silently: every viewer shows those pixels transparent.
    rgb = np.random.default_rng(6).integers(0, 256, size=(8, 10, 3), dtype=np.uint8)
    rgb[:3, :4] = (1, 2, 3)
    Image.fromarray(rgb).save(tmp_path / "key.png", transparency=(1, 2, 3))
    back = vqpress.imread(tmp_path / "key.png")
    assert back.shape == (8, 10, 4)
    np.testing.assert_array_equal(back[..., :3], rgb)
    np.testing.assert_array_equal(back[..., 3], np.where((rgb == (1, 2, 3)).all(-1), 0, 255))
    gray = rgb[..., 0].copy()
    Image.fromarray(gray).save(tmp_path / "gkey.png", transparency=1)
    back = vqpress.imread(tmp_path / "gkey.png")
    assert back.shape == (8, 10, 2)
    np.testing.assert_array_equal(back[..., 0], gray)
    np.testing.assert_array_equal(back[..., 1], np.where(gray == 1, 0, 255))
    Image.fromarray(rgb).save(tmp_path / "plain.png")  # no key: RGB as before
    assert vqpress.imread(tmp_path / "plain.png").shape == (8, 10, 3)
