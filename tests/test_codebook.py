"""Decoding: values come back within the data's range, in its dtype, for every dtype."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vqpress
from vqpress import VQError
from vqpress.container import from_bytes

INT_DTYPES = [np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64]


def _compress(data, n, strategy=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few distinct values
        return vqpress.compress(data, n, strategy)


def test_64_bit_integers_at_the_ends_of_their_range():
    """2**63 - 1 came back as -2**63, uint64 near 2**64 as 0."""
    cases = [np.array([0, 2**63 - 1] * 4, np.int64), np.array([0, 2**64 - 1] * 4, np.uint64),
             np.array([-(2**63), 2**63 - 1] * 4, np.int64)]
    for data in cases:
        c = _compress(data, 2)
        out = c.decompress()
        assert out.dtype == data.dtype
        np.testing.assert_array_equal(out, data)  # two distinct values: exact
        np.testing.assert_array_equal(from_bytes(c.to_bytes()).decompress(), data)
    # 2**64 - 2 and 2**64 - 1 are one float64: within the data's range, not told apart
    data = np.array([2**64 - 2, 2**64 - 1, 0] * 3, np.uint64)
    out = _compress(data, 3).decompress()
    assert set(out.tolist()) <= {2**64 - 2, 2**64 - 1, 0} and 0 in out.tolist()


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("strategy", ["optimal", "kmeans", "quantile", "uniform"])
def test_decoded_integers_lie_within_the_datas_range(dtype, strategy):
    rng = np.random.default_rng(abs(hash((np.dtype(dtype).str, strategy))) % 2**32)
    info = np.iinfo(dtype)
    for _ in range(20):
        lo, hi = sorted(int(v) for v in rng.integers(info.min, info.max, size=2, dtype=dtype, endpoint=True))
        data = rng.integers(lo, hi, size=40, dtype=dtype, endpoint=True)
        data[:2] = lo, hi
        out = _compress(data, 4, strategy).decompress()
        assert out.dtype == data.dtype
        assert int(out.min()) >= lo and int(out.max()) <= hi  # compared exactly, as Python ints


@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=2, max_size=30), st.integers(2, 6))
def test_int64_property(values, n):
    data = np.array(values, np.int64)
    out = _compress(data, n).decompress()
    assert min(values) <= int(out.min()) and int(out.max()) <= max(values)


def test_colour_64_bit_integers_stay_in_range():
    rng = np.random.default_rng(1)
    rgb = rng.integers(2**63 - 2**40, 2**63 - 1, size=(6, 7, 3), dtype=np.int64, endpoint=True)
    out = _compress(rgb, 4, "mediancut").decompress()
    assert out.dtype == np.int64
    assert (out.min(axis=(0, 1)).astype(object) >= rgb.min(axis=(0, 1)).astype(object)).all()
    assert (out.max(axis=(0, 1)).astype(object) <= rgb.max(axis=(0, 1)).astype(object)).all()


@pytest.mark.parametrize("dtype", [">u2", ">i4", ">f8", ">i8", "<u2"])
def test_big_endian_data(dtype):
    """save/to_bytes raised KeyError on big-endian dtypes."""
    data = (np.arange(60).reshape(6, 10) * 7).astype(dtype)
    c = vqpress.compress(data, 4)
    native = np.dtype(dtype).newbyteorder("=")
    assert c.dtype == native and c.decompress().dtype == native
    back = from_bytes(c.to_bytes())
    np.testing.assert_array_equal(back.decompress(), c.decompress())
    np.testing.assert_array_equal(c.decompress(), vqpress.compress(data.astype(native), 4).decompress())


def test_float128_is_refused_clearly():
    if np.dtype(np.longdouble).itemsize <= 8:
        pytest.skip("longdouble is float64 here")
    with pytest.raises(VQError, match="float128.*convert with .astype"):
        vqpress.compress(np.arange(10, dtype=np.longdouble), 4)


@pytest.mark.parametrize("strategy", ["optimal", "kmeans", "quantile", "uniform"])
def test_finite_floats_near_the_largest(strategy):
    """Finite data near +-1.7e308 was refused with "centers must be finite"."""
    data = np.array([-1.7e308, 1.7e308, 0.0, 1e308, 1.79e308, -1e-300, 5e307] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        c = vqpress.compress(data, 3, strategy)
        out = c.decompress()
        assert np.isfinite(c.codebook.bin_centers).all()
    assert np.isfinite(out).all() and out.min() >= data.min() and out.max() <= data.max()
    np.testing.assert_array_equal(from_bytes(c.to_bytes()).decompress(), out)


def test_scaling_of_huge_data_gives_the_same_codebook():
    """Fitting scaled by a power of two is exact: the same levels as the unscaled fit, scaled."""
    data = np.random.default_rng(2).standard_normal(300)
    small = vqpress.fit(data, 6)
    huge = vqpress.fit(data * 2.0**1000, 6)
    np.testing.assert_array_equal(huge.centers, small.centers * 2.0**1000)
    np.testing.assert_array_equal(huge.edges, small.edges * 2.0**1000)


@pytest.mark.parametrize("strategy", ["kmeans", "mediancut"])
def test_colour_floats_near_the_largest(strategy):
    rgb = np.random.default_rng(0).uniform(-1, 1, (20, 20, 3)) * 1.7e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = vqpress.compress(rgb, 8, strategy)
    out = c.decompress()
    assert c.codebook.n_colors == 8 and np.isfinite(out).all()
    assert (out.min(axis=(0, 1)) >= rgb.min(axis=(0, 1))).all() and (out.max(axis=(0, 1)) <= rgb.max(axis=(0, 1))).all()


def test_decode_saturates_in_any_dtype():
    cb = vqpress.Codebook([-1e10, 0.0, 1e10], [-2e10, -1, 1, 2e10], strategy="uniform", dtype=np.float64)
    codes = np.array([0, 1, 2], np.uint8)
    np.testing.assert_array_equal(cb.decode(codes, dtype=np.float16), [-65504, 0, 65504])
    np.testing.assert_array_equal(cb.decode(codes, dtype=np.uint8), [0, 0, 255])
    np.testing.assert_array_equal(cb.decode(codes, dtype=np.int64), [-10**10, 0, 10**10])
    big = vqpress.Codebook([-1e30, 1e30], [-2e30, 0, 2e30], strategy="uniform", dtype=np.int64)
    np.testing.assert_array_equal(big.decode(np.array([0, 1], np.uint8)), [-(2**63), 2**63 - 1])
    with pytest.raises(VQError, match="dtype must be a numpy dtype"):
        cb.decode(codes, dtype="not a dtype")
