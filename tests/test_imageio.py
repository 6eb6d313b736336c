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
