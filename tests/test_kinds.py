"""The kinds of data (vqpress.kinds): one declaration that the library, the container, the
command line, the report and the benchmark all read; and channel_axis (issue 15 item 2)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import vqpress
from vqpress import VQError, kinds
from vqpress.kinds import COLOUR, GRAY_ALPHA, SCALAR, resolve


# -- one declaration, everyone reads it ----------------------------------------------------------
def test_strategies_are_those_of_the_registries():
    from vqpress.colour import STRATEGIES as COLOUR_REGISTRY
    from vqpress.strategies import SCALAR_STRATEGIES

    assert set(SCALAR.strategies) == set(SCALAR_STRATEGIES)
    assert set(COLOUR.strategies) == set(GRAY_ALPHA.strategies) == set(COLOUR_REGISTRY)
    for kind in kinds.KINDS:
        assert kind.default_strategy in kind.strategies
    assert set(kinds.STRATEGY_NAMES) == set(SCALAR_STRATEGIES) | set(COLOUR_REGISTRY)


def test_entry_points_resolve_to_the_fitters():
    from vqpress import api, colour, histogram

    assert SCALAR.entry("histogram") is histogram.scalar_histogram and SCALAR.entry("fit") is api.fit_histogram
    for kind in (GRAY_ALPHA, COLOUR):
        assert kind.entry("histogram") is colour.colour_histogram and kind.entry("fit") is colour.fit_colours


def test_the_command_line_and_the_benchmark_read_the_kinds():
    from vqpress import bench, cli

    assert cli.STRATEGIES == kinds.STRATEGY_NAMES
    assert bench.STRATEGIES == SCALAR.strategies


def test_the_container_holds_every_kind_and_nothing_else():
    from vqpress.container import from_bytes, to_bytes

    for channels in kinds.CHANNELS:
        kind = kinds.kind_of(channels)
        shape = (3, 4, channels) if channels else (3, 4)
        data = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
        c = vqpress.compress(data, 2, channel_axis=-1 if channels else None)
        assert c.codebook.kind is kind
        np.testing.assert_array_equal(from_bytes(to_bytes(c)).decompress(), c.decompress())
    with pytest.raises(VQError, match="no kind of data has 5 channels"):
        kinds.kind_of(5)


def test_limits_and_words():
    assert (SCALAR.min_colors, SCALAR.max_colors, SCALAR.unit, SCALAR.unit_one) == (2, 65536, "levels", "level")
    assert (COLOUR.max_colors, COLOUR.unit, GRAY_ALPHA.unit) == (256, "colours", "colours")
    assert kinds.MAX_COLORS == 65536 and kinds.CHANNELS == (0, 2, 3, 4)
    assert [kinds.channel_name(c) for c in (0, 2, 3, 4)] == ["gray", "gray + alpha", "RGB", "RGBA"]
    with pytest.raises(VQError, match=r"n_colors must be an integer in 2\.\.256 for colour data; got 300"):
        COLOUR.check_n_colors(300)
    with pytest.raises(VQError, match="strategy must be one of 'kmeans', 'mediancut' for gray\\+alpha data"):
        GRAY_ALPHA.check_strategy("optimal")
    assert SCALAR.check_strategy(None) == "optimal" and COLOUR.check_strategy(None) == "kmeans"


def test_image_kind():
    assert kinds.image_kind((4, 5)) is SCALAR
    assert kinds.image_kind(np.zeros((4, 5, 2))) is GRAY_ALPHA
    assert kinds.image_kind((4, 5, 3)) is COLOUR and kinds.image_kind((4, 5, 4)) is COLOUR
    for shape in [(4,), (4, 5, 1), (4, 5, 5), (2, 4, 5, 3)]:
        with pytest.raises(VQError, match="an image has shape"):
            kinds.image_kind(shape)


def test_importing_the_kinds_needs_only_the_standard_library():
    code = "import sys, vqpress.kinds; print(sorted(m for m in ('numpy', 'PIL') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# -- channel_axis ---------------------------------------------------------------------------------
def test_auto_keeps_the_meaning_of_images_and_warns_on_pixel_lists():
    rgb = np.zeros((4, 5, 3), np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve(rgb)[1] is COLOUR and resolve(rgb[..., :1])[1] is SCALAR
        assert resolve(np.zeros((4, 5, 7)))[1] is SCALAR and resolve(np.zeros((6, 5)))[1] is SCALAR
    for shape in [(20, 3), (20, 4), (4, 5, 2)]:
        with pytest.warns(UserWarning, match="channel_axis=-1") as caught:
            arr, kind = resolve(np.zeros(shape))
        assert kind is SCALAR and arr.shape == shape
        assert "channel_axis=None" in str(caught[0].message)


def test_none_is_scalar_data_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for shape in [(20, 3), (4, 5, 2), (4, 5, 3)]:
            assert resolve(np.zeros(shape), None)[1] is SCALAR


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_an_axis_is_moved_last(axis):
    rgb = np.arange(4 * 5 * 3).reshape(4, 5, 3)
    moved = np.moveaxis(rgb, -1, axis)
    arr, kind = resolve(moved, axis)
    assert kind is COLOUR
    np.testing.assert_array_equal(arr, rgb)


def test_bad_axes():
    with pytest.raises(VQError, match="has 5 channels; allowed are 2 \\(gray \\+ alpha\\), 3 \\(RGB\\), 4 \\(RGBA\\)"):
        resolve(np.zeros((4, 5)), 1)
    with pytest.raises(VQError, match="has 1 channels"):
        resolve(np.zeros((4, 1)), -1)
    with pytest.raises(VQError, match="channel_axis must be an integer in -2..1"):
        resolve(np.zeros((4, 3)), 2)
    with pytest.raises(VQError, match="at least 2 dimensions"):
        resolve(np.zeros(3), 0)
    for bad in ["last", 1.0, True]:
        with pytest.raises(VQError, match="channel_axis"):
            resolve(np.zeros((4, 3)), bad)


def test_a_pixel_list_is_quantized_as_colours(face_rgb):
    """The issue's case: vqpress.fit(pixels_N3, 64) quantized each channel on its own
    (23,183 output colours instead of 64)."""
    pixels = face_rgb.reshape(-1, 3)
    with pytest.warns(UserWarning, match="channel_axis"):
        per_channel = vqpress.compress(pixels, 64)
    assert len(np.unique(per_channel.decompress(), axis=0)) > 64
    c = vqpress.compress(pixels, 64, channel_axis=-1)
    assert c.codebook.channels == 3 and c.shape == pixels.shape
    assert len(np.unique(c.decompress(), axis=0)) <= 64
    image = vqpress.compress(face_rgb, 64)  # the same pixels as an image: the same palette and codes
    assert c.codebook == image.codebook
    np.testing.assert_array_equal(c.codes(), image.codes().reshape(-1))
    assert vqpress.fit(pixels, 64, channel_axis=1) == image.codebook


def test_channels_first(face_rgb):
    small = np.ascontiguousarray(face_rgb[::8, ::8])
    first = np.moveaxis(small, -1, 0)  # (3, H, W)
    c = vqpress.compress(first, 16, channel_axis=0)
    assert c.shape == small.shape  # channels last in the result
    assert c.codebook == vqpress.fit(small, 16)
    np.testing.assert_array_equal(c.codebook.encode(first, channel_axis=0), c.codes())
    with pytest.raises(VQError, match="channel_axis=0 is for colour codebooks"):
        vqpress.fit(small[..., 0], 4).encode(small, channel_axis=0)


def test_gray_alpha_is_quantized_as_pairs():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    alpha = np.where(gray > 128, 255, 0).astype(np.uint8)
    la = np.stack([gray, alpha], axis=-1)
    c = vqpress.compress(la, 8, channel_axis=-1)
    assert c.codebook.kind is GRAY_ALPHA and c.codebook.centers.shape == (8, 2)
    rec = c.decompress()
    assert rec.shape == la.shape
    assert set(np.unique(rec[..., 1])) <= {0, 255}  # alpha clusters stay apart from gray ones
    assert len(np.unique(rec.reshape(-1, 2), axis=0)) <= 8
    with pytest.raises(VQError, match="RGBA or gray \\+ alpha"):
        vqpress.compress(la, 8, channel_axis=-1, dither=True)
