import numpy as np
import pytest

import vqpress
from vqpress.metrics import mse, psnr


def test_mse_is_computed_without_integer_wraparound():
    a = np.array([0, 255], dtype=np.uint8)
    b = np.array([255, 0], dtype=np.uint8)
    assert mse(a, b) == 255.0**2


def test_mse_by_blocks_is_the_mean_of_squares(monkeypatch):
    rng = np.random.default_rng(5)
    a = rng.normal(size=(37, 29)) * 1000
    b = rng.integers(-3000, 3000, size=(37, 29)).astype(np.int16)
    monkeypatch.setattr(vqpress.metrics, "_MSE_BLOCK", 100)  # 11 blocks, the last one short
    assert mse(a, b) == pytest.approx(np.mean((a - b) ** 2), rel=1e-13)
    assert mse(b, a) == pytest.approx(np.mean((a - b) ** 2), rel=1e-13)


def test_mse_memory_does_not_grow_with_the_image():
    import tracemalloc

    a = np.zeros((2000, 4000), np.uint8)  # 8 million pixels: 64 MB per float64 copy
    b = np.full_like(a, 3)
    tracemalloc.start()
    try:
        assert mse(a, b) == 9.0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 24 * 2**20


@pytest.mark.parametrize(
    "dtype,peak", [(np.uint8, 255), (np.uint16, 65535), (np.int16, 65535), (np.int8, 255)]
)
def test_psnr_default_range_for_integers(dtype, peak):
    a = np.array([0, 10, 20, 30], dtype=dtype)
    b = np.array([1, 10, 20, 30], dtype=dtype)
    assert psnr(a, b) == pytest.approx(10 * np.log10(peak**2 / 0.25))


def test_psnr_float_uses_the_reference_range():
    a = np.array([0.0, 0.5, 2.0])
    b = np.array([0.0, 0.5, 1.0])
    assert psnr(a, b) == pytest.approx(10 * np.log10(4.0 / (1 / 3)))
    assert psnr(a, b, data_range=1.0) == pytest.approx(10 * np.log10(1.0 / (1 / 3)))


def test_psnr_identical_is_infinite():
    assert psnr(np.ones(3, np.uint8), np.ones(3, np.uint8)) == float("inf")


def test_psnr_matches_scikit_image_on_the_face(face_gray):
    skimage_metrics = pytest.importorskip("skimage.metrics")
    rec = vqpress.compress(face_gray, 8).decompress()
    assert psnr(face_gray, rec) == pytest.approx(skimage_metrics.peak_signal_noise_ratio(face_gray, rec))


def test_errors():
    with pytest.raises(vqpress.VQError, match=r"same shape; got \(2,\) and \(3,\)"):
        mse([1, 2], [1, 2, 3])
    with pytest.raises(vqpress.VQError, match="data_range must be positive"):
        psnr(np.ones(3), np.zeros(3))
    with pytest.raises(vqpress.VQError, match="NaN"):
        mse([1.0, np.nan], [1.0, 2.0])
