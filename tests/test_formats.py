"""vqpress.save writes the format its extension names, exactly, or refuses (issue 15 item 3)."""

from __future__ import annotations

import numpy as np
import pytest

import vqpress
from vqpress import VQError
from vqpress.formats import FORMATS, LOSSY, format_for

IMAGE_SUFFIXES = (".png", ".gif", ".webp", ".tif", ".tiff")


def _images():
    """Small compressed images of every kind: gray, gray + alpha (binary alpha), RGB, RGBA
    (binary alpha), RGBA (partial alpha)."""
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:24, 0:32]
    gray = ((x * 7 + y * 3) % 256).astype(np.uint8)
    rgb = np.stack([x * 8, y * 10, (x + y) * 4], axis=-1).astype(np.uint8)
    opaque_or_clear = np.where(rng.random((24, 32)) < 0.2, 0, 255).astype(np.uint8)
    clear = opaque_or_clear == 0  # transparent pixels of one colour, as most images have them
    return {
        "gray": vqpress.compress(gray, 6),
        "gray+alpha": vqpress.compress(np.stack([np.where(clear, 0, gray), opaque_or_clear], -1), 6,
                                       channel_axis=-1),
        "rgb": vqpress.compress(rgb, 12),
        "rgba": vqpress.compress(np.concatenate([np.where(clear[..., None], 0, rgb), opaque_or_clear[..., None]],
                                                -1), 12),
        "rgba-partial": vqpress.compress(np.concatenate([rgb, (x * 8).astype(np.uint8)[..., None]], -1), 12),
    }


@pytest.fixture(scope="module")
def compressed():
    return _images()


@pytest.mark.parametrize("suffix", IMAGE_SUFFIXES)
@pytest.mark.parametrize("name", ["gray", "gray+alpha", "rgb", "rgba", "rgba-partial"])
def test_every_image_format_decodes_to_the_quantized_image(tmp_path, compressed, suffix, name):
    c = compressed[name]
    path = tmp_path / f"x{suffix}"
    if suffix == ".gif" and name == "rgba-partial":
        with pytest.raises(VQError, match="no partial transparency"):
            vqpress.save(path, c)
        assert not path.exists()
        return
    vqpress.save(path, c)
    back = vqpress.imread(path)
    expected = c.decompress()
    assert back.shape == expected.shape, (suffix, name)  # gray stays gray, gray + alpha stays so
    np.testing.assert_array_equal(back, expected)


def test_a_gif_has_one_transparent_colour(tmp_path):
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (20, 20, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(rgba[..., 3] < 128, 0, 255)  # transparent pixels of many colours
    with pytest.raises(VQError, match="one fully transparent colour.*fully transparent colours"):
        vqpress.save(tmp_path / "x.gif", vqpress.compress(rgba, 16))
    assert list(tmp_path.iterdir()) == []


def test_png_is_indexed_where_a_palette_holds_it(tmp_path, compressed):
    from PIL import Image

    vqpress.save(tmp_path / "x.png", compressed["rgb"])
    with Image.open(tmp_path / "x.png") as im:
        assert im.mode == "P"


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png", ".tif"])
def test_frames(tmp_path, suffix):
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 256, (3, 16, 20, 3), dtype=np.uint8)
    c = vqpress.compress(frames, 16, channel_axis=-1)
    path = tmp_path / f"f{suffix}"
    vqpress.save(path, c)
    back = vqpress.imread(path, frames=True)
    np.testing.assert_array_equal(back, c.decompress())
    gray = vqpress.compress(frames[..., 0], 8)  # (frames, H, W) scalar data: frames of gray
    vqpress.save(tmp_path / f"g{suffix}", gray)
    np.testing.assert_array_equal(vqpress.imread(tmp_path / f"g{suffix}", frames=True), gray.decompress())


@pytest.mark.parametrize("suffix", sorted(LOSSY))
def test_lossy_formats_are_refused_and_nothing_written(tmp_path, compressed, suffix):
    with pytest.raises(VQError, match="lossy.*\\.vqz, \\.png"):
        vqpress.save(tmp_path / f"x{suffix}", compressed["rgb"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x.dat", "x.vq", "x", "x.bmp", "x.npy"])
def test_unknown_extensions_are_refused(tmp_path, compressed, name):
    with pytest.raises(VQError, match="extension.*a compressed image is saved as"):
        vqpress.save(tmp_path / name, compressed["gray"])
    assert list(tmp_path.iterdir()) == []


def test_what_a_format_cannot_hold_is_refused(tmp_path):
    many = vqpress.compress(np.arange(600 * 4, dtype=np.uint16).reshape(40, 60), 300)
    for suffix, match in [(".gif", "8-bit colours"), (".webp", "holds uint8 images")]:
        with pytest.raises(VQError, match=match):
            vqpress.save(tmp_path / f"x{suffix}", many)
    floats = vqpress.compress(np.linspace(0, 1, 200).reshape(10, 20), 4)
    for suffix in IMAGE_SUFFIXES:
        with pytest.raises(VQError, match="float64"):
            vqpress.save(tmp_path / f"x{suffix}", floats)
    pixel_list = vqpress.compress(np.arange(30, dtype=np.uint8).reshape(10, 3), 4, channel_axis=-1)
    with pytest.raises(VQError, match="holds an image"):
        vqpress.save(tmp_path / "x.png", pixel_list)
    assert list(tmp_path.iterdir()) == []
    vqpress.save(tmp_path / "x.vqz", pixel_list)  # the container holds anything
    np.testing.assert_array_equal(vqpress.load(tmp_path / "x.vqz").decompress(), pixel_list.decompress())


def test_what_a_format_cannot_hold_gets_advice_that_works(tmp_path):
    # Float data saved as .png was told "imwrite takes ... (save it as .npy or .vqz instead)"
    # (save and the command line write no .npy) and as .gif "use .png, .tif or .vqz" (which
    # refuse it too); 16-bit gray as .webp "can be written as .png or .tif" (.jxl too).
    floats = vqpress.compress(np.linspace(0, 1, 200).reshape(10, 20), 4)
    deep_rgb = vqpress.compress((np.arange(10 * 20 * 3, dtype=np.uint16) * 97).reshape(10, 20, 3), 4)
    deep_gray = vqpress.compress((np.arange(10 * 20, dtype=np.uint16) * 97).reshape(10, 20), 4)
    for c, what in [(floats, "float64 gray"), (deep_rgb, "uint16 RGB")]:
        for suffix in IMAGE_SUFFIXES + (".jxl",):
            with pytest.raises(VQError) as info:
                vqpress.save(tmp_path / f"x{suffix}", c)
            message = str(info.value)
            assert what in message and message.endswith("(save it as .vqz)"), message
    for suffix in (".gif", ".webp"):
        with pytest.raises(VQError) as info:
            vqpress.save(tmp_path / f"x{suffix}", deep_gray)
        assert str(info.value).endswith("uint16 gray (save it as .png, .tif, .jxl or .vqz)"), str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_sixteen_bit_tiff_and_png(tmp_path):
    deep = vqpress.compress((np.arange(40 * 60, dtype=np.uint16) * 27).reshape(40, 60), 300)
    for suffix in (".png", ".tif"):
        vqpress.save(tmp_path / f"d{suffix}", deep)
        np.testing.assert_array_equal(vqpress.imread(tmp_path / f"d{suffix}"), deep.decompress())


def test_jpeg_xl_is_lossless(tmp_path, compressed):
    imagecodecs = pytest.importorskip("imagecodecs")
    for name, c in compressed.items():
        vqpress.save(tmp_path / f"{name}.jxl", c)
        back = imagecodecs.jpegxl_decode((tmp_path / f"{name}.jxl").read_bytes())
        np.testing.assert_array_equal(back.reshape(c.shape), c.decompress())


def test_jpeg_xl_without_imagecodecs_says_what_to_install(tmp_path, compressed, hide_module):
    hide_module("imagecodecs")
    with pytest.raises(VQError, match="pip install imagecodecs"):
        vqpress.save(tmp_path / "x.jxl", compressed["gray"])
    assert list(tmp_path.iterdir()) == []


def test_the_table_names_each_suffix_once():
    suffixes = [s for f in FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes)) and not set(suffixes) & set(LOSSY)
    assert format_for("A.PNG").name == "PNG" and format_for("x.tiff").name == "TIFF"
