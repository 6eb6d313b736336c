"""Animations, multi-page files and gray + alpha images (issue 15 item 6): every frame read,
none in silence; gray + alpha stays gray + alpha."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import vqpress
from vqpress import VQError
from vqpress.container import read_header


def _gif(path, frames):
    ims = [Image.fromarray(f) for f in frames]
    ims[0].save(path, save_all=True, append_images=ims[1:], duration=50, loop=0)


@pytest.fixture
def animation(tmp_path):
    rng = np.random.default_rng(5)
    palette = rng.integers(0, 256, (12, 3), dtype=np.uint8)
    frames = palette[rng.integers(0, 12, (4, 18, 22))]
    path = tmp_path / "anim.gif"
    _gif(path, frames)
    return path, frames


def test_several_frames_are_never_cut_to_the_first_in_silence(animation):
    path, frames = animation
    with pytest.raises(VQError, match="anim.gif holds 4 frames.*frames=True"):
        vqpress.imread(path)
    back = vqpress.imread(path, frames=True)
    assert back.shape == (4, 18, 22, 3)
    np.testing.assert_array_equal(back, frames)


def test_multi_page_tiff(tmp_path):
    pages = [np.full((10, 12), 40 * k, np.uint8) for k in range(3)]
    ims = [Image.fromarray(p) for p in pages]
    ims[0].save(tmp_path / "pages.tif", save_all=True, append_images=ims[1:])
    with pytest.raises(VQError, match="holds 3 pages"):
        vqpress.imread(tmp_path / "pages.tif")
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "pages.tif", frames=True), np.stack(pages))
    ims = [Image.fromarray(pages[0]), Image.fromarray(np.zeros((5, 12), np.uint8))]
    ims[0].save(tmp_path / "sizes.tif", save_all=True, append_images=ims[1:])
    with pytest.raises(VQError, match="frame 2 is 12 x 5 pixels, frame 1 12 x 10"):
        vqpress.imread(tmp_path / "sizes.tif", frames=True)


def test_frames_of_different_modes_are_widened(tmp_path):
    gray = np.full((8, 8), 100, np.uint8)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 255
    ims = [Image.fromarray(gray), Image.fromarray(rgba)]
    ims[0].save(tmp_path / "mixed.tif", save_all=True, append_images=ims[1:])
    back = vqpress.imread(tmp_path / "mixed.tif", frames=True)
    assert back.shape == (2, 8, 8, 4)
    np.testing.assert_array_equal(back[0], np.dstack([gray, gray, gray, np.full_like(gray, 255)]))
    np.testing.assert_array_equal(back[1], rgba)


def test_a_still_image_is_one_frame(tmp_path):
    vqpress.imwrite(tmp_path / "g.png", np.zeros((3, 5), np.uint8))
    assert vqpress.imread(tmp_path / "g.png", frames=True).shape == (1, 3, 5)


def test_the_pixel_limit_counts_every_frame(animation, monkeypatch):
    path, _ = animation
    with pytest.raises(VQError, match=f"{4 * 18 * 22:,} pixels, more than max_pixels=1,000"):
        vqpress.imread(path, frames=True, max_pixels=1000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 4 * 18 * 22 // 2 - 1)  # each frame alone passes
    with pytest.raises(VQError, match="more than twice Pillow's decompression-bomb limit"):
        vqpress.imread(path, frames=True)


def test_frames_compress_with_one_codebook(animation):
    _, frames = animation
    c = vqpress.compress(frames, 8, channel_axis=-1)
    assert c.shape == frames.shape and c.codebook.centers.shape == (8, 3)
    each = [vqpress.compress(f, codebook=c.codebook) for f in frames]
    np.testing.assert_array_equal(np.stack([e.decompress() for e in each]), c.decompress())
    blob = c.to_bytes(exact_centers=True)
    assert read_header(blob).version == "1.1"  # colour data of 4 dimensions: format 1.1
    np.testing.assert_array_equal(vqpress.from_bytes(blob).decompress(), c.decompress())
    blob = c.to_bytes()  # the colours in uint8: format 2.2
    assert read_header(blob).version == "2.2"
    np.testing.assert_array_equal(vqpress.from_bytes(blob).decompress(), c.decompress())


# -- gray + alpha ------------------------------------------------------------------------------------
def test_gray_alpha_png_stays_gray_alpha(tmp_path):
    rng = np.random.default_rng(6)
    la = rng.integers(0, 256, (14, 16, 2), dtype=np.uint8)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    back = vqpress.imread(tmp_path / "la.png")
    assert back.shape == (14, 16, 2)
    np.testing.assert_array_equal(back, la)
    c = vqpress.compress(back, 8, channel_axis=-1)
    assert c.codebook.channels == 2
    blob = c.to_bytes(exact_centers=True)
    assert read_header(blob).version == "1.1" and read_header(blob).channels == 2
    assert read_header(c.to_bytes()).version == "2.2"  # the colours in uint8
    vqpress.save(tmp_path / "la8.png", c)  # an indexed PNG, read back as gray + alpha
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "la8.png"), c.decompress())


def test_a_gray_palette_with_transparency_is_gray_alpha(tmp_path):
    im = Image.fromarray(np.array([[0, 1], [2, 1]], np.uint8), "P")
    im.putpalette(bytes([10, 10, 10, 200, 200, 200, 90, 90, 90]))
    im.info["transparency"] = 1
    im.save(tmp_path / "p.png", transparency=1)
    back = vqpress.imread(tmp_path / "p.png")
    np.testing.assert_array_equal(back, [[[10, 255], [200, 0]], [[90, 255], [200, 0]]])


def test_older_readers_get_version_one_zero_where_it_holds_the_data(face_gray, face_rgb):
    """With the codebook as float64 (``exact_centers``): the codebook in the image's integer
    dtype always needs 2.1 (``tests/test_codebook_forms.py``)."""
    def version(data, coding):
        c = vqpress.compress(data, 4)
        assert read_header(c.to_bytes(coding)).version == "2.2"
        return read_header(c.to_bytes(coding, exact_centers=True)).version

    assert version(face_gray[::8, ::8], "context") == "1.0"
    assert version(face_rgb[::8, ::8], "context") == "1.0"
    frames = np.stack([face_gray[::8, ::8]] * 2)  # gray frames: scalar data, as 1.0 holds it
    assert version(frames, "raw") == "1.0"
    pixels = face_rgb[::8, ::8].reshape(-1, 3)
    # a pixel list: 1.1 holds it
    assert read_header(vqpress.compress(pixels, 4, channel_axis=-1).to_bytes("raw", exact_centers=True)).version == "1.1"
    # the cm coding needs 2.0, which holds everything 1.1 holds
    assert version(face_gray[::8, ::8], "cm") == "2.0"
    assert read_header(vqpress.compress(pixels, 4, channel_axis=-1).to_bytes("cm", exact_centers=True)).version == "2.0"


def test_report_on_a_gray_alpha_image(tmp_path):
    pytest.importorskip("matplotlib")
    from vqpress import report

    rng = np.random.default_rng(7)
    la = np.stack([rng.integers(0, 256, (24, 32)), np.where(rng.random((24, 32)) < 0.5, 0, 255)],
                  axis=-1).astype(np.uint8)
    out = report.build_report(la, tmp_path, name="la", n_colors=4, rd_levels=(2, 4), rd_vqz_levels=(4,))
    assert [r.strategy for r in out.results] == ["kmeans", "mediancut"]
    assert all(r.compressed.codebook.channels == 2 for r in out.results)
    page = out.html.read_text()
    assert "gray + alpha" in page and "colours" in page
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "la-kmeans-4.png"), out.results[0].compressed.decompress())


def test_command_line_dithers_frames_each_on_its_own(tmp_path, face_rgb, face_gray):
    # 'vqpress compress anim.gif --dither' failed: "needs an (H, W, 3) RGB image shaped like
    # the fitted one". The API keeps its rule (an (H, W, C) array may be scalar data); the
    # command line, which knows it read frames, dithers each with the shared codebook.
    from vqpress import cli

    _gif(tmp_path / "a.gif", np.stack([face_rgb[:40, :56], face_rgb[-40:, -56:], face_rgb[100:140, 200:256]]))
    pages = [Image.fromarray(face_gray[:40, :56]), Image.fromarray(face_gray[-40:, -56:])]
    pages[0].save(tmp_path / "g.tif", save_all=True, append_images=pages[1:])
    vqpress.save(tmp_path / "ref.vqz", vqpress.compress(face_rgb[::16, ::16], 6))
    runs = [("a.gif", ["-n", "8"]), ("g.tif", ["-n", "4"]), ("a.gif", ["--codebook", str(tmp_path / "ref.vqz")])]
    for k, (name, options) in enumerate(runs):
        out = tmp_path / f"{k}.vqz"
        assert cli.main(["compress", str(tmp_path / name), "--dither", "-q", "-o", str(out), *options]) == 0
        c = vqpress.load(out)
        frames = vqpress.imread(tmp_path / name, frames=True)
        codes = np.stack([c.codebook.encode(frame, dither=True) for frame in frames])
        np.testing.assert_array_equal(c.decompress(), c.codebook.decode(codes))
        assert not np.array_equal(codes, c.codebook.encode(frames))  # dithered, not nearest
