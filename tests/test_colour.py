"""Tests for vqpress.colour: exactness, Lloyd fixed point, determinism, errors."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import vqpress
from vqpress.colour import colour_histogram, dither_image, fit_colours, nearest_centre
from vqpress.errors import VQError

from colour_reference import brute_nearest, photo_like


def assert_fixed_point(colours, counts, centers):
    X = colours.astype(np.float64)
    lab = brute_nearest(X, centers)
    np.testing.assert_array_equal(nearest_centre(colours, centers), lab)
    k = centers.shape[0]
    w = counts.astype(np.float64)
    ws = np.bincount(lab, weights=w, minlength=k)
    assert (ws > 0).all(), "every centre owns at least one colour"
    means = np.stack([np.bincount(lab, weights=w * X[:, c], minlength=k) for c in range(X.shape[1])], 1) / ws[:, None]
    np.testing.assert_allclose(centers, means, rtol=1e-12, atol=1e-9)


# ---------------------------------------------------------------- histogram

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("channels", [3, 4])
def test_histogram_exact(dtype, channels):
    rng = np.random.default_rng(1)
    px = rng.integers(0, 6, (2000, channels)).astype(dtype)
    colours, counts, inv = colour_histogram(px, return_inverse=True)
    ref, ref_counts = np.unique(px, axis=0, return_counts=True)
    np.testing.assert_array_equal(colours, ref)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(colours[inv], px)
    assert colours.dtype == px.dtype and counts.sum() == px.shape[0]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 2000), channels=st.sampled_from([3, 4]),
       dtype=st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint32]),
       spread=st.sampled_from([1, 1000, 2**40]))
def test_histogram_by_value_matches_unique_rows(seed, n, channels, dtype, spread):
    # colours that do not pack by their bits are ranked channel by channel (rank keys)
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
    scale = min(float(spread), float(info.max) / 8)
    px = (rng.integers(-4, 5, (n, channels)) * scale).astype(dtype)
    if np.dtype(dtype).kind == "f":
        px[rng.random((n, channels)) < 0.3] += dtype(0.5)
    if dtype == np.uint32:
        px = (rng.integers(0, 5, (n, channels)) * min(spread, 2**30)).astype(dtype)
    colours, counts = colour_histogram(px)
    ref, ref_counts = np.unique(px, axis=0, return_counts=True)
    np.testing.assert_array_equal(colours, ref)
    np.testing.assert_array_equal(counts, ref_counts)
    colours, counts, inv = colour_histogram(px, return_inverse=True)
    np.testing.assert_array_equal(colours, ref)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(colours[inv], px)


def test_histogram_of_float_colours_that_all_differ():
    # 4 x ~100,000 distinct values per channel: the key of the first three channels is
    # replaced by its rank before the fourth joins it (the product passes 2**64)
    rng = np.random.default_rng(5)
    px = rng.random((100_000, 4))
    px[::9] = px[4]
    colours, counts, inv = colour_histogram(px, return_inverse=True)
    ref, ref_counts = np.unique(px, axis=0, return_counts=True)
    np.testing.assert_array_equal(colours, ref)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(colours[inv], px)
    np.testing.assert_array_equal(colour_histogram(px)[1], ref_counts)


def test_histogram_negative_zero_is_zero():
    px = np.array([[-0.0, 1.0, 0.0], [0.0, 1.0, -0.0], [0.0, -2.0, 0.0]])
    colours, counts = colour_histogram(px)
    np.testing.assert_array_equal(colours, [[0.0, -2.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(counts, [1, 2])
    assert not np.signbit(colours[colours == 0]).any()


def test_histogram_uint16_full_range():
    px = np.array([[65535, 0, 1], [65535, 0, 1], [0, 65535, 65535]], dtype=np.uint16)
    colours, counts = colour_histogram(px)
    np.testing.assert_array_equal(colours, [[0, 65535, 65535], [65535, 0, 1]])
    np.testing.assert_array_equal(counts, [1, 2])


# ---------------------------------------------------------------- nearest centre

@settings(max_examples=60, deadline=None)
@given(
    pts=hnp.arrays(np.uint8, st.tuples(st.integers(1, 300), st.just(3))),
    cen=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.just(3)),
                   elements=st.integers(0, 255).map(float)),
)
def test_nearest_matches_brute_force_with_ties(pts, cen):
    # integer-valued centres (often repeated) make exact ties common
    np.testing.assert_array_equal(nearest_centre(pts, cen), brute_nearest(pts, cen))


@settings(max_examples=40, deadline=None)
@given(
    pts=hnp.arrays(np.float64, st.tuples(st.integers(1, 200), st.integers(1, 4)),
                   elements=st.floats(-1e3, 1e3)),
    data=st.data(),
)
def test_nearest_float_any_channels(pts, data):
    k = data.draw(st.integers(1, 30))
    cen = data.draw(hnp.arrays(np.float64, (k, pts.shape[1]), elements=st.floats(-1e3, 1e3)))
    np.testing.assert_array_equal(nearest_centre(pts, cen), brute_nearest(pts, cen))


@pytest.mark.parametrize("span", [5e-324, 1e-310])
def test_nearest_float_without_a_usable_grid(span):
    # points a few subnormals apart: the starting grid has no cell width (cells / span is
    # inf); the result stays exact and numpy says nothing
    pts = np.array([[0.0, 1.0], [span, 1.0], [-span, -1.0], [span / 2, 0.5]])
    cen = np.array([[0.0, 1.0], [span, -1.0], [-span, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(nearest_centre(pts, cen), brute_nearest(pts, cen))


def test_nearest_matches_brute_force_on_large_input():
    img = photo_like(3, (300, 300)).reshape(-1, 3)  # > 65536 pixels: de-duplicated path
    cen = np.random.default_rng(0).uniform(0, 255, (200, 3))
    cen[7] = cen[3]  # duplicate centre: index 7 must never win
    codes = nearest_centre(img, cen)
    assert codes.dtype == np.uint8
    np.testing.assert_array_equal(codes, brute_nearest(img, cen))
    assert not (codes == 7).any()


def test_nearest_code_dtype():
    pts = np.zeros((5, 3), np.uint8)
    assert nearest_centre(pts, np.zeros((256, 3))).dtype == np.uint8
    assert nearest_centre(pts, np.zeros((257, 3))).dtype == np.uint16


# ---------------------------------------------------------------- fitting

@pytest.mark.parametrize("k", [2, 16, 64])
def test_kmeans_is_exact_lloyd_fixed_point(k):
    colours, counts = colour_histogram(photo_like(k).reshape(-1, 3))
    centers = fit_colours(colours, counts, k)
    assert centers.shape == (k, 3) and centers.dtype == np.float64
    assert_fixed_point(colours, counts, centers)


def test_kmeans_fixed_point_with_coreset():
    # > 4096 distinct colours: the coreset path is taken
    colours, counts = colour_histogram(photo_like(5, (200, 200)).reshape(-1, 3))
    assert colours.shape[0] > 4096
    centers = fit_colours(colours, counts, 32)
    assert_fixed_point(colours, counts, centers)


def test_kmeans_fixed_point_with_one_start():
    # more centres than get two starts, and many distinct colours: refined coreset, exact
    from vqpress.colour import kmeans

    colours, counts = colour_histogram(photo_like(6, (300, 300)).reshape(-1, 3))
    k = kmeans._TWO_STARTS_MAX_K + 1
    assert colours.shape[0] > max(kmeans._EXACT_MAX, 16 * k)
    centers = fit_colours(colours, counts, k)
    assert_fixed_point(colours, counts, centers)


def test_deterministic():
    colours, counts = colour_histogram(photo_like(2).reshape(-1, 3))
    for strategy in ("kmeans", "mediancut"):
        a = fit_colours(colours, counts, 24, strategy)
        b = fit_colours(colours.copy(), counts.copy(), 24, strategy)
        np.testing.assert_array_equal(a, b)


def test_fewer_distinct_colours_than_k():
    px = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 0], [10, 20, 30]], np.uint8)
    colours, counts = colour_histogram(px)
    for strategy in ("kmeans", "mediancut"):
        centers = fit_colours(colours, counts, 16, strategy)
        np.testing.assert_array_equal(centers, [[0, 0, 0], [10, 20, 30], [255, 0, 0]])


def test_unsorted_duplicate_colours_are_merged():
    colours = np.array([[5, 5, 5], [0, 0, 0], [5, 5, 5], [9, 9, 9]], np.uint8)
    counts = np.array([1, 2, 3, 4])
    centers = fit_colours(colours, counts, 2)
    # merged: 0 x2, 5 x4, 9 x4 -> best split {0} | {5, 9} (SSE 32 per channel < 33.3)
    np.testing.assert_allclose(centers[np.argsort(centers[:, 0])], [[0, 0, 0], [7, 7, 7]])


def test_rgba_and_mediancut():
    px = photo_like(4, channels=4).reshape(-1, 4)
    colours, counts = colour_histogram(px)
    assert colours.shape[1] == 4
    c = fit_colours(colours, counts, 12)
    assert c.shape == (12, 4)
    assert_fixed_point(colours, counts, c)
    f = fit_colours(colours, counts, 12, "mediancut")
    assert f.shape == (12, 4)
    mse_k = ((px - c[nearest_centre(px, c)]) ** 2).mean()
    mse_f = ((px - f[nearest_centre(px, f)]) ** 2).mean()
    assert mse_k <= mse_f * 1.0001


def test_kmeans_plusplus_init_fixed_point():
    from vqpress.colour.kmeans import kmeans_fit
    colours, counts = colour_histogram(photo_like(6).reshape(-1, 3))
    C, lab = kmeans_fit(colours.astype(float), counts.astype(float), 10, init="k-means++", random_state=3)
    assert_fixed_point(colours, counts, C)
    np.testing.assert_array_equal(lab, brute_nearest(colours, C))


def test_float_colours():
    px = photo_like(7).reshape(-1, 3).astype(np.float32) / 255
    colours, counts = colour_histogram(px)
    c = fit_colours(colours, counts, 8)
    assert_fixed_point(colours, counts, c)


# ---------------------------------------------------------------- dithering

def test_dither_rgb_and_gray():
    img = photo_like(8)
    colours, counts = colour_histogram(img.reshape(-1, 3))
    c = fit_colours(colours, counts, 8)
    codes = dither_image(img, c)
    assert codes.shape == img.shape[:2] and codes.dtype == np.uint8 and codes.max() < 8
    # error diffusion keeps the mean colour close
    assert np.abs(np.rint(c)[codes].mean((0, 1)) - img.mean((0, 1))).max() < 3
    gray = img[:, :, 0]
    g = dither_image(gray, np.array([0.0, 128.0, 255.0]))
    assert g.shape == gray.shape and set(np.unique(g)) <= {0, 1, 2}
    assert abs(np.array([0, 128, 255])[g].mean() - gray.mean()) < 3


def test_dither_duplicate_palette_entries_use_lowest_index():
    img = np.full((4, 4, 3), 100, np.uint8)
    codes = dither_image(img, np.array([[0, 0, 0], [100, 100, 100], [100.2, 100, 100]]))
    assert (codes == 1).all()


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize(
    "call",
    [
        lambda: colour_histogram(np.zeros((5, 2))),
        lambda: colour_histogram(np.zeros((0, 3))),
        lambda: colour_histogram(np.array([[np.nan, 0, 0]])),
        lambda: colour_histogram(np.zeros((4, 4, 3))),
        lambda: fit_colours(np.zeros((3, 3)), np.ones(3), 1),
        lambda: fit_colours(np.zeros((3, 3)), np.ones(3), 70000),
        lambda: fit_colours(np.zeros((3, 3)), np.ones(2), 4),
        lambda: fit_colours(np.zeros((3, 3)), np.array([1, 0, 1]), 4),
        lambda: fit_colours(np.zeros((3, 3)), np.ones(3), 4, strategy="octree"),
        lambda: fit_colours(np.array([[0, np.inf, 0]]), np.ones(1), 4),
        lambda: nearest_centre(np.zeros((3, 3)), np.zeros((2, 4))),
        lambda: nearest_centre(np.zeros((3, 3)), np.zeros((0, 3))),
        lambda: dither_image(np.zeros((4, 4, 4), np.uint8), np.zeros((2, 4))),
        lambda: dither_image(np.zeros((4, 4, 3), np.uint16), np.zeros((2, 3))),
        lambda: dither_image(np.zeros((4, 4, 3), np.uint8), np.zeros((300, 3))),
    ],
)
def test_errors(call):
    with pytest.raises(VQError):
        call()


def test_error_message_names_value():
    with pytest.raises(VQError, match="70000"):
        fit_colours(np.zeros((3, 3)), np.ones(3), 70000)
    with pytest.raises(VQError, match=r"\(5, 2\)"):
        colour_histogram(np.zeros((5, 2)))


def test_encode_after_fit_is_exact():
    px = photo_like(9, (300, 300)).reshape(-1, 3)  # > 65536 pixels: de-duplicated path
    colours, counts = colour_histogram(px)
    centers = fit_colours(colours, counts, 20)
    np.testing.assert_array_equal(nearest_centre(px, centers), brute_nearest(px, centers))
    moved = centers + 0.25
    np.testing.assert_array_equal(nearest_centre(px, moved), brute_nearest(px, moved))


@pytest.mark.parametrize("strategy", ["kmeans", "mediancut"])
@pytest.mark.parametrize("kind", ["uint8", "rgba", "uint16", "float32", "few"])
def test_compress_codes_equal_encode(kind, strategy):
    """compress() takes its codes from the fit's own assignment: identical to encode()."""
    import vqpress

    img = photo_like(11, (80, 90), channels=4 if kind == "rgba" else 3)
    if kind == "uint16":
        img = img.astype(np.uint16) * 257 + 3
    elif kind == "float32":
        img = img.astype(np.float32) / 255
    elif kind == "few":
        img = (img // 128) * 100  # at most 8 distinct colours, fewer than k
    distinct = len(np.unique(img.reshape(-1, img.shape[-1]), axis=0))
    for k in (2, 16, 40):
        # asking for more colours than the image has is worth a warning, and only then
        fewer = pytest.warns(UserWarning, match=f"only {distinct} distinct colours; using {distinct} colours "
                             f"instead of {k}") if k > distinct else contextlib.nullcontext()
        with fewer:
            c = vqpress.compress(img, k, strategy)
        with fewer:
            cb = vqpress.fit(img, k, strategy)
        assert c.codebook == cb
        np.testing.assert_array_equal(c.decompress(), cb.decode(cb.encode(img)))
        flat = img.reshape(-1, img.shape[-1])
        np.testing.assert_array_equal(cb.encode(img).ravel(), brute_nearest(flat, cb.centers))


def test_over_relaxed_lloyd_reaches_plain_fixed_point():
    from vqpress.colour.kmeans import lloyd_fixed_point
    colours, counts = colour_histogram(photo_like(10, (150, 150)).reshape(-1, 3))
    X, w = colours.astype(float), counts.astype(float)
    for beta in (1.0, 1.9):
        C = np.ascontiguousarray(X[:: X.shape[0] // 12][:12])
        lab = np.zeros(X.shape[0], dtype=np.int64)
        lloyd_fixed_point(X, w, C, lab, beta)
        assert_fixed_point(colours, counts, C)
        np.testing.assert_array_equal(lab, brute_nearest(X, C))


@pytest.mark.parametrize("dtype,base", [(np.uint64, 9441442522235856116), (np.uint64, 5318712615874610188),
                                        (np.int64, -(2**62) - 10), (np.int64, 2**62 - 10)])
@pytest.mark.parametrize("strategy", ["kmeans", "mediancut"])
def test_64_bit_colours_that_float64_merges(dtype, base, strategy):
    # colours 0..19 apart near 1e19 are distinct integers but one float64 colour each few
    # (the spacing of float64 there is 2048): k-means once failed in its re-seeding
    rng = np.random.default_rng(3)
    img = (rng.integers(0, 20, (5, 8, 3)).astype(object) + base).astype(dtype)
    said = 0
    for n in (2, 4, 6, 9, 12):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            c = vqpress.compress(img, n, strategy)
        for w in caught:  # fewer colours than asked: said so, with the reason
            assert "but only" in str(w.message) and "in float64 (integers above 2**53" in str(w.message)
            said += 1
        levels = c.codebook.levels()
        assert levels.dtype == dtype and len(levels) <= n
        err = np.abs(c.decompress().astype(object) - img.astype(object)).max()
        assert err <= 2048  # within float64's spacing at 1e19 of every colour
    assert said  # up to 40 distinct colours, a few in float64: 12 cannot all be used
