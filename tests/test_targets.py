"""compress(psnr=) and compress(codebook=) (issue 15 items 4 and 5), and the histogram PSNR
they rest on."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import vqpress
from vqpress import VQError
from vqpress._target import HistogramError, largest_within, smallest_for_psnr
from vqpress.kinds import COLOUR, GRAY_ALPHA, SCALAR


def _psnr(data, c):
    return vqpress.metrics.psnr(data, c.decompress().reshape(data.shape))


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


# -- the PSNR of the histogram is the PSNR of the image ------------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float32", "float64"])
@pytest.mark.parametrize("strategy", SCALAR.strategies)
def test_histogram_psnr_is_the_images(dtype, strategy):
    rng = np.random.default_rng(4)
    data = (rng.normal(100, 40, (30, 50)).clip(0, 250)).astype(dtype)
    error = HistogramError(data, SCALAR, strategy, 0)
    for n in (2, 5, 17):
        c = _quiet(lambda: vqpress.compress(data, n, strategy))
        assert error.psnr(n) == pytest.approx(_psnr(data, c), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kind,channels", [(COLOUR, 3), (COLOUR, 4), (GRAY_ALPHA, 2)])
def test_histogram_psnr_of_pixels(face_rgb, kind, channels):
    pixels = face_rgb[::16, ::16].reshape(-1, 3)
    data = np.concatenate([pixels, pixels[:, :1]], axis=1)[:, :channels] if channels != 3 else pixels
    data = np.ascontiguousarray(data)
    error = HistogramError(data, kind, "kmeans", 0)
    for n in (2, 9):
        c = vqpress.compress(data, n, channel_axis=-1)
        assert error.psnr(n) == pytest.approx(_psnr(data, c), rel=1e-9)


# -- psnr= ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", [20, 31.5, 38, 45, 60])
def test_psnr_gives_the_fewest_optimal_levels(face_gray, target):
    small = face_gray[::4, ::4]
    c = vqpress.compress(small, psnr=target)
    n = c.codebook.n_colors
    assert _psnr(small, c) >= target
    if n > 2:
        fewer = vqpress.compress(small, n - 1)
        assert _psnr(small, fewer) < target
    every = [HistogramError(small, SCALAR, "optimal", 0).psnr(k) for k in range(2, n + 1)]
    assert [k for k, p in zip(range(2, n + 1), every) if p >= target][0] == n  # brute force agrees


def test_psnr_colour(face_rgb):
    small = np.ascontiguousarray(face_rgb[::4, ::4])
    c = vqpress.compress(small, psnr=28, strategy="mediancut")
    n = c.codebook.n_colors
    assert c.codebook.strategy == "mediancut" and _psnr(small, c) >= 28
    assert _psnr(small, vqpress.compress(small, n - 1, "mediancut")) < 28


def test_psnr_unreachable_says_what_the_largest_reaches(face_rgb):
    small = np.ascontiguousarray(face_rgb[::8, ::8])
    with pytest.raises(VQError, match=r"no codebook of up to 16 colours reaches PSNR 60 dB \(kmeans: 16 colours "
                                      r"give \d+\.\d\d dB\)"):
        vqpress.compress(small, 16, psnr=60)


def test_psnr_of_few_values_and_constant_data():
    assert vqpress.compress(np.array([0, 0, 255, 255], np.uint8), psnr=90).codebook.n_colors == 2
    assert _quiet(lambda: vqpress.compress(np.full((4, 4), 7, np.uint8), psnr=90)).codebook.n_colors == 1
    three = np.array([0, 10, 20] * 5, np.uint8)
    c = vqpress.compress(three, psnr=90)
    assert c.codebook.n_colors == 3 and _psnr(three, c) == math.inf


@pytest.mark.parametrize("bad", [0, -3, math.inf, math.nan, "40", True])
def test_bad_psnr(bad):
    with pytest.raises(VQError, match="psnr must be a positive number"):
        vqpress.compress(np.arange(10, dtype=np.uint8), psnr=bad)


def test_psnr_and_dither_do_not_mix():
    with pytest.raises(VQError, match="psnr=.*dither=True"):
        vqpress.compress(np.arange(100, dtype=np.uint8).reshape(10, 10), psnr=30, dither=True)


def test_the_search_tries_few_candidates(face_gray):
    tried = []
    original = HistogramError.codebook

    def counting(self, n):
        tried.append(n)
        return original(self, n)

    HistogramError.codebook = counting
    try:
        n = smallest_for_psnr(face_gray, SCALAR, 40.0, 256, "optimal", 0)
    finally:
        HistogramError.codebook = original
    assert n == vqpress.compress(face_gray, psnr=40).codebook.n_colors
    assert len(tried) == len(set(tried)) <= 8


def test_largest_within():
    for limit in range(2, 40):
        assert largest_within(lambda n: n <= limit, 2, 30) == min(limit, 30)
    assert largest_within(lambda n: False, 2, 30) is None


# -- codebook= --------------------------------------------------------------------------------------
def test_one_codebook_for_many_images(face_gray):
    reference = vqpress.compress(face_gray, 8)
    tile = face_gray[100:300, 200:500]
    c = vqpress.compress(tile, codebook=reference.codebook)
    assert c.codebook == reference.codebook
    np.testing.assert_array_equal(c.codes(), reference.codebook.encode(tile))
    np.testing.assert_array_equal(c.decompress(), reference.decompress()[100:300, 200:500])


def test_codebook_of_a_merged_histogram(face_gray):
    from vqpress.histogram import merge_histograms, scalar_histogram

    tiles = [face_gray[:384], face_gray[384:]]
    cb = vqpress.fit_histogram(merge_histograms(*(scalar_histogram(t) for t in tiles)), 8, "optimal")
    parts = [vqpress.compress(t, codebook=cb) for t in tiles]
    np.testing.assert_array_equal(np.concatenate([p.decompress() for p in parts]),
                                  vqpress.compress(face_gray, 8).decompress())


def test_codebook_decodes_to_the_datas_dtype(face_gray):
    cb = vqpress.fit(face_gray, 8)
    deep = face_gray.astype(np.uint16)
    c = vqpress.compress(deep, codebook=cb)
    assert c.dtype == np.uint16 and c.codebook.dtype == np.uint16
    np.testing.assert_array_equal(c.decompress(), vqpress.compress(face_gray, codebook=cb).decompress())
    np.testing.assert_array_equal(c.codebook.centers, cb.centers)


def test_codebook_whose_levels_the_datas_dtype_cannot_hold_warns(face_gray):
    # A 16-bit codebook on 8-bit data decoded every pixel as 255 (its levels clipped), silently.
    import warnings

    deep_cb = vqpress.fit(face_gray.astype(np.uint16) * 257, 4)
    with pytest.warns(UserWarning, match=r"levels .* outside uint8's range 0\.\.255.*clipped"):
        c = vqpress.compress(face_gray, codebook=deep_cb)
    assert (c.decompress() == 255).sum() > face_gray.size // 2  # what the warning announces
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vqpress.compress(face_gray.astype(np.uint16), codebook=vqpress.fit(face_gray, 8))  # levels held
        vqpress.compress(face_gray.astype(np.float32), codebook=deep_cb)


def test_colour_codebook_with_dither(face_rgb):
    small = np.ascontiguousarray(face_rgb[::4, ::4])
    cb = vqpress.fit(small, 16)
    c = vqpress.compress(small, codebook=cb, dither=True)
    np.testing.assert_array_equal(c.codes(), cb.encode(small, dither=True))


def test_codebook_of_another_kind_is_refused(face_gray, face_rgb):
    with pytest.raises(VQError, match="the codebook holds RGB colours; the data needs gray levels"):
        vqpress.compress(face_gray, codebook=vqpress.fit(face_rgb[::8, ::8], 4))
    with pytest.raises(VQError, match="holds gray levels.*needs RGBA colours"):
        vqpress.compress(np.zeros((4, 4, 4), np.uint8), codebook=vqpress.fit(face_gray, 4))
    with pytest.raises(VQError, match="codebook must be a vqpress.Codebook"):
        vqpress.compress(face_gray, codebook=vqpress.compress(face_gray, 4))
    cb = vqpress.fit(face_gray, 4)
    for kw in ({"n_colors": 4}, {"strategy": "optimal"}, {"psnr": 30}):
        with pytest.raises(VQError, match=f"{next(iter(kw))}=.* cannot be used with it"):
            vqpress.compress(face_gray, codebook=cb, **kw)
