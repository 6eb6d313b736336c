"""Colour images through the whole pipeline: compress, .vqz, PNG export, imread, and bad input.

Small crops of the colour face keep these fast; the colour algorithms themselves (histogram,
k-means, nearest centre, dithering) are tested in test_colour.py.
"""

from __future__ import annotations

import io

import warnings

import numpy as np
import pytest
from PIL import Image
from same_codebook import assert_equivalent

import vqpress
from vqpress import VQError
from vqpress.container import read_header
from vqpress.png import to_png


@pytest.fixture(scope="module")
def rgb(face_rgb):
    return face_rgb[300:348, 400:464].copy()  # 48 x 64, thousands of distinct colours


@pytest.fixture(scope="module")
def rgba(rgb):
    """The crop with an alpha channel: transparent disc (0), half-transparent band (128), opaque rest."""
    y, x = np.mgrid[0:48, 0:64]
    alpha = np.full((48, 64), 255, dtype=np.uint8)
    alpha[(y - 24) ** 2 + (x - 20) ** 2 < 12**2] = 0
    alpha[:, 50:56] = 128
    return np.dstack([rgb, alpha])


def _image(request_param, rgb, rgba):
    return rgba if request_param == "rgba" else rgb


# --------------------------------------------------------------------------- .vqz


@pytest.mark.parametrize("exact_centers", [False, True])
@pytest.mark.parametrize("kind", ["rgb", "rgba"])
@pytest.mark.parametrize("coding", ["raw", "context", "auto"])
def test_vqz_round_trip_is_bit_identical(kind, coding, rgb, rgba, tmp_path, exact_centers):
    img = _image(kind, rgb, rgba)
    c = vqpress.compress(img, 16)
    data = c.to_bytes(coding, exact_centers=exact_centers)
    head = read_header(data)
    assert head.channels == img.shape[-1] and head.shape == img.shape and head.n_colors == 16
    if coding != "auto":
        assert head.coding == coding
    back = vqpress.from_bytes(data)
    if exact_centers:  # float64 colours: the fitted codebook itself
        assert back.codebook == c.codebook
    else:  # the colours as they decode, in uint8 (format 2.1)
        assert_equivalent(back.codebook, c.codebook)
    assert back.shape == c.shape and back.payload == c.payload
    np.testing.assert_array_equal(back.codes(), c.codes())
    rec, expected = back.decompress(), c.decompress()
    assert rec.dtype == expected.dtype == np.uint8 and rec.shape == img.shape
    assert rec.tobytes() == expected.tobytes()
    # and through a file
    path = vqpress.save(tmp_path / f"x-{coding}.vqz", c, coding=coding, exact_centers=exact_centers)
    assert path.read_bytes() == data
    assert vqpress.load(path).decompress().tobytes() == expected.tobytes()


@pytest.mark.parametrize("n", [2, 3, 64, 256])
def test_context_coding_of_colour_code_maps_up_to_256_colours(n, rgb):
    c = vqpress.compress(rgb, n)
    assert c.codebook.n_colors == n
    data = c.to_bytes("context")
    assert read_header(data).coding == "context"
    np.testing.assert_array_equal(vqpress.from_bytes(data).decompress(), c.decompress())
    # auto picks the smaller of raw and cm (which supersedes context up to 256 colours), and
    # is exact too
    auto = c.to_bytes("auto")
    assert len(auto) == min(len(c.to_bytes("cm")), len(c.to_bytes("raw")))
    np.testing.assert_array_equal(vqpress.from_bytes(auto).decompress(), c.decompress())


def test_float_and_uint16_colour_round_trip(rgb):
    for img in (rgb.astype(np.float32) / 255, rgb.astype(np.uint16) * 257):
        c = vqpress.compress(img, 8)
        back = vqpress.from_bytes(c.to_bytes())
        rec = back.decompress()
        assert rec.dtype == img.dtype and rec.shape == img.shape
        np.testing.assert_array_equal(rec, c.decompress())


# --------------------------------------------------------------------------- PNG export


@pytest.mark.parametrize("kind", ["rgb", "rgba"])
@pytest.mark.parametrize("n", [2, 16, 256])
def test_png_export_decodes_to_decompress(kind, n, rgb, rgba, tmp_path):
    img = _image(kind, rgb, rgba)
    c = vqpress.compress(img, n)
    path = vqpress.save(tmp_path / "x.png", c)
    expected = c.decompress()
    with Image.open(path) as im:
        assert im.format == "PNG" and im.mode == "P"
        assert ("transparency" in im.info) == (kind == "rgba")
        palette = np.frombuffer(im.palette.tobytes(), dtype=np.uint8)
        assert palette.size // len(im.palette.mode) <= 256
        np.testing.assert_array_equal(np.asarray(im), c.codes())  # the codes are the palette indices
        decoded = np.asarray(im.convert("RGBA" if kind == "rgba" else "RGB"))
    np.testing.assert_array_equal(decoded, expected)
    # vqpress's own reader gives back exactly decompress(), alpha included
    back = vqpress.imread(path)
    assert back.shape == img.shape and back.dtype == np.uint8
    np.testing.assert_array_equal(back, expected)


def test_png_bit_depth_follows_the_number_of_colours(rgb):
    for n, depth in ((2, 1), (4, 2), (16, 4), (17, 8), (256, 8)):
        png = to_png(vqpress.compress(rgb, n))
        assert png[24] == depth, n  # IHDR bit depth


# --------------------------------------------------------------------------- alpha


def test_rgba_alpha_preserved_exactly_with_few_colours():
    """At most n_colors distinct RGBA colours: the reconstruction is the image itself."""
    rng = np.random.default_rng(1)
    palette = rng.integers(0, 256, size=(12, 4), dtype=np.uint8)
    palette[:4, 3], palette[4:8, 3], palette[8:, 3] = 0, 128, 255
    img = palette[rng.integers(0, 12, size=(40, 30))]
    with pytest.warns(UserWarning, match="only 12 distinct colours; using 12 colours instead of 16"):
        c = vqpress.compress(img, 16)
    np.testing.assert_array_equal(c.decompress(), img)
    np.testing.assert_array_equal(vqpress.from_bytes(c.to_bytes()).decompress(), img)


def test_rgba_alpha_preserved_through_compress_vqz_and_png(rgba, tmp_path):
    c = vqpress.compress(rgba, 16)
    assert c.codebook.channels == 4
    rec = c.decompress()
    np.testing.assert_array_equal(rec[..., 3], rgba[..., 3])  # three alpha values, far apart: kept
    np.testing.assert_array_equal(vqpress.load(vqpress.save(tmp_path / "a.vqz", c)).decompress()[..., 3],
                                  rgba[..., 3])
    np.testing.assert_array_equal(vqpress.imread(vqpress.save(tmp_path / "a.png", c))[..., 3], rgba[..., 3])


# --------------------------------------------------------------------------- encode, dither


def _assert_nearest(data, cb, codes):
    pts = data.reshape(-1, data.shape[-1]).astype(np.float64)
    d = ((pts[:, None, :] - cb.centers[None, :, :]) ** 2).sum(-1)
    chosen = d[np.arange(len(pts)), codes.ravel()]
    np.testing.assert_array_equal(chosen, d.min(axis=1))  # a nearest centre (ties: any of them)
    # ties go to the lowest index
    np.testing.assert_array_equal(codes.ravel(), np.argmin(d, axis=1))


@pytest.mark.parametrize("kind", ["rgb", "rgba"])
@pytest.mark.parametrize("n", [7, 64, 256])
def test_encode_is_exact_nearest_centre(kind, n, rgb, rgba):
    img = _image(kind, rgb, rgba)[:24, :32]
    cb = vqpress.fit(img, n)
    codes = cb.encode(img)
    assert codes.shape == img.shape[:2] and codes.dtype == np.uint8
    _assert_nearest(img, cb, codes)
    # and on other data than it was fitted on
    other = _image(kind, rgb, rgba)[24:, 32:]
    _assert_nearest(other, cb, cb.encode(other))


def test_encode_exact_for_float_colours(rgb):
    img = rgb[:24, :32].astype(np.float64) / 255 + 1e-3
    cb = vqpress.fit(img, 12)
    _assert_nearest(img, cb, cb.encode(img))


def test_compress_dither_rgb():
    y, x = np.mgrid[0:64, 0:64]
    grad = np.stack([x * 4, y * 4, (x + y) * 2], axis=-1).astype(np.uint8)  # smooth ramps
    plain = vqpress.compress(grad, 4)
    dith = vqpress.compress(grad, 4, dither=True)
    assert dith.codebook == plain.codebook  # dithering changes the codes, not the palette
    rec = dith.decompress()
    assert rec.shape == grad.shape and rec.dtype == np.uint8
    levels = dith.codebook.levels()
    assert (rec[..., None, :] == levels).all(-1).any(-1).all()  # only palette colours
    assert not np.array_equal(dith.codes(), plain.codes())
    # error diffusion keeps local averages: 8x8 block means are closer to the original's
    def blocks(a):
        return a.astype(np.float64).reshape(8, 8, 8, 8, 3).mean(axis=(1, 3))

    def err(r):
        return np.abs(blocks(r) - blocks(grad)).mean()

    assert err(rec) < err(plain.decompress())
    # the dithered codes round-trip like any others
    np.testing.assert_array_equal(vqpress.from_bytes(dith.to_bytes("context")).decompress(), rec)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("channels", [1, 2, 5])
def test_other_channel_counts_are_scalar_data_not_colour(channels, tmp_path):
    """Decision: by default only (H, W, 3) and (H, W, 4) are colour. Any other array is
    scalar data of any shape (fit/compress document "any array of scalars": volumes,
    stacks, depth maps), so ``(H, W, 2)`` (with a warning naming channel_axis: it may be
    gray + alpha) and ``(H, W, 5)`` compress as scalars; what needs an *image* rejects
    ``(H, W, 1)`` and ``(H, W, 5)`` with a VQError."""
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(8, 10, channels), dtype=np.uint8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = vqpress.compress(arr, 4)
    assert [("channel_axis" in str(w.message)) for w in caught] == ([True] if channels == 2 else [])
    assert c.codebook.channels == 0 and c.shape == arr.shape
    np.testing.assert_array_equal(vqpress.from_bytes(c.to_bytes()).decompress(), c.decompress())
    with pytest.raises(VQError, match="2-D image|PNG"):
        to_png(c)
    if channels != 2:  # (H, W, 2) uint8 is a gray + alpha image file
        with pytest.raises(VQError, match="shape"):
            vqpress.imwrite(tmp_path / "never.png", arr)
    with pytest.raises(VQError, match="dither"):
        vqpress.compress(arr, 4, dither=True, channel_axis=None)


@pytest.mark.parametrize("channels", [2, 5])
def test_colour_codebook_rejects_other_channel_counts(channels, rgb):
    cb = vqpress.fit(rgb, 4)
    bad = np.zeros((4, 4, channels), dtype=np.uint8)
    with pytest.raises(VQError, match=f"{channels} channels"):
        cb.encode(bad)
    with pytest.raises(VQError):
        cb.encode(bad, dither=True)


@pytest.mark.parametrize("channels", [1, 5])
def test_report_and_plots_reject_other_channel_counts(channels, tmp_path):
    pytest.importorskip("matplotlib")
    from vqpress import plot, report

    bad = np.zeros((8, 8, channels), dtype=np.uint8)
    with pytest.raises(VQError, match="gray|colour"):
        report.build_report(bad, tmp_path / "r")
    with pytest.raises(VQError, match="gray|colour"):
        plot.plot_image_histogram(bad)
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("channels", [3, 4])
def test_non_finite_colour_data(bad, channels, rgb):
    img = rgb[:8, :8, :1].repeat(channels, axis=-1).astype(np.float32) / 255
    img[3, 4, channels - 1] = bad
    for call in (lambda: vqpress.fit(img, 4), lambda: vqpress.compress(img, 4)):
        with pytest.raises(VQError, match="NaN" if np.isnan(bad) else "inf"):
            call()
    cb = vqpress.fit(np.nan_to_num(img, posinf=1, neginf=0), 4)
    with pytest.raises(VQError, match="NaN|inf"):
        cb.encode(img)


@pytest.mark.parametrize("n", [257, 1000, 1, 0, 2.5, "16", True])
def test_colour_n_colors_out_of_range(n, rgb):
    with pytest.raises(VQError, match="n_colors"):
        vqpress.compress(rgb, n)
    with pytest.raises(VQError, match="n_colors"):
        vqpress.fit(rgb, n)


def test_colour_n_colors_message_names_the_limit(rgb):
    with pytest.raises(VQError, match=r"2\.\.256 for colour data; got 257"):
        vqpress.compress(rgb, 257)
    assert vqpress.compress(rgb, 256).codebook.n_colors == 256


@pytest.mark.parametrize("strategy", ["bogus", "optimal", "quantile", "uniform", "KMEANS", ""])
def test_unknown_colour_strategy(strategy, rgb):
    with pytest.raises(VQError, match="kmeans.*mediancut"):
        vqpress.compress(rgb, 4, strategy)
    with pytest.raises(VQError, match="strategy"):
        vqpress.fit(rgb, 4, strategy)


def test_colour_strategies_are_the_api_list(rgb):
    for s in vqpress.kinds.COLOUR.strategies:
        c = vqpress.compress(rgb, 4, s)
        assert c.codebook.strategy == s and c.codebook.channels == 3
    assert vqpress.compress(rgb, 4).codebook.strategy == "kmeans"  # the default


def test_colour_decode_rejects_bad_codes(rgb):
    cb = vqpress.fit(rgb, 4)
    with pytest.raises(VQError, match="out of range"):
        cb.decode(np.array([[0, 4]], dtype=np.uint8))
    with pytest.raises(VQError, match="integer"):
        cb.decode(np.array([0.0, 1.0]))


def test_damaged_colour_vqz_is_a_format_error(rgb):
    data = bytearray(vqpress.compress(rgb, 16).to_bytes())
    data[-20] ^= 0xFF
    with pytest.raises(vqpress.FormatError):
        vqpress.from_bytes(bytes(data))


def test_png_of_rgb_palette_is_readable_by_pillow_alone(rgb):
    """What another program sees: a palette PNG with exactly the decoded colours."""
    c = vqpress.compress(rgb, 16)
    with Image.open(io.BytesIO(to_png(c))) as im:
        colours = {tuple(px) for px in np.asarray(im.convert("RGB")).reshape(-1, 3)}
    assert colours <= {tuple(row) for row in c.codebook.levels()}


def test_fewer_distinct_colours_than_asked_warns():
    import vqpress

    img = np.zeros((4, 4, 3), dtype=np.uint8)
    img[:2] = (255, 0, 0)
    with pytest.warns(UserWarning, match="only 2 distinct colours; using 2 colours instead of 8"):
        c = vqpress.compress(img, 8)
    np.testing.assert_array_equal(c.decompress(), img)


def test_one_distinct_colour_is_said_in_the_singular():
    # The warning once said "image has only 1 distinct colours; using 1 colours instead of 8".
    import vqpress

    img = np.full((4, 4, 3), 7, dtype=np.uint8)
    with pytest.warns(UserWarning, match="^image has only 1 distinct colour; using 1 colour instead of 8$"):
        c = vqpress.compress(img, 8)
    np.testing.assert_array_equal(c.decompress(), img)


def test_counts_in_words_are_singular_for_one():
    from vqpress._text import count

    assert [count(n, "colour") for n in (0, 1, 2)] == ["0 colours", "1 colour", "2 colours"]
    assert count(1, "distinct colour") == "1 distinct colour"
