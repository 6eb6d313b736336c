import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import vqpress
from vqpress.histogram import merge_histograms, scalar_histogram


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64, np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=10),
        elements={"allow_nan": False, "allow_infinity": False},
    )
)
def test_histogram_is_exact(data):
    h = scalar_histogram(data)
    # the histogram is over the values as float64: 64-bit integers that round to one float64
    # are one value, and each value is the integer rounded once
    values, counts = np.unique(data.astype(np.float64), return_counts=True)
    np.testing.assert_array_equal(h.values, values)
    np.testing.assert_array_equal(h.counts, counts)
    assert h.dtype == data.dtype and h.total == data.size


def test_wide_integer_ranges_fall_back_to_sorting():
    data = np.array([-(2**40), 0, 0, 2**40], dtype=np.int64)
    h = scalar_histogram(data)
    np.testing.assert_array_equal(h.values, [-(2**40), 0, 2**40])
    np.testing.assert_array_equal(h.counts, [1, 2, 1])


def test_uint64_near_the_top():
    """float64 cannot tell 2**64 - 2 from 2**64 - 1: one value of the histogram (whose values
    are strictly increasing), their counts added."""
    top = np.iinfo(np.uint64).max
    h = scalar_histogram(np.array([top, top - 1, top], dtype=np.uint64))
    np.testing.assert_array_equal(h.values, [2.0**64])
    np.testing.assert_array_equal(h.counts, [3])
    dense = scalar_histogram(np.arange(2**62, 2**62 + 3000, dtype=np.int64))
    assert (np.diff(dense.values) > 0).all() and dense.total == 3000


def test_sample_weight():
    data = np.array([1, 2, 2, 3], dtype=np.uint8)
    h = scalar_histogram(data, sample_weight=[0.5, 1, 1, 0])
    np.testing.assert_array_equal(h.values, [1, 2])  # zero total weight drops the value
    np.testing.assert_array_equal(h.counts, [0.5, 2])
    hf = scalar_histogram(data.astype(float), sample_weight=[0.5, 1, 1, 0])
    np.testing.assert_array_equal(hf.counts, [0.5, 2])


@pytest.mark.parametrize(
    "weights,match",
    [([1, 1], "must match"), ([1, -1, 1], "non-negative"), ([0, 0, 0], "sums to zero"), ([1, np.nan, 1], "finite")],
)
def test_bad_sample_weight(weights, match):
    with pytest.raises(vqpress.VQError, match=match):
        scalar_histogram(np.array([1, 2, 3], dtype=np.uint8), sample_weight=weights)


def test_histograms_add_up(face_gray):
    parts = [scalar_histogram(face_gray[i::3]) for i in range(3)]
    merged = merge_histograms(*parts)
    whole = scalar_histogram(face_gray)
    np.testing.assert_array_equal(merged.values, whole.values)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    assert merged.dtype == np.uint8


def test_merge_needs_a_histogram():
    with pytest.raises(vqpress.VQError, match="at least one"):
        merge_histograms()


def test_mean_and_counts(face_gray):
    h = scalar_histogram(face_gray)
    assert h.mean() == pytest.approx(face_gray.mean())
    assert h.n_distinct == np.unique(face_gray).size


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float16, np.uint64, np.int8, np.int16]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=10),
        elements={"allow_nan": False, "allow_infinity": False},
    ),
    st.booleans(),
)
def test_histogram_is_exact_on_every_layout(data, transpose):
    view = data.T if transpose else data[..., ::-1]
    h = scalar_histogram(view)
    values, counts = np.unique(view, return_counts=True)
    np.testing.assert_array_equal(h.values, values.astype(np.float64))
    np.testing.assert_array_equal(h.counts, counts)


def test_float16_negative_and_positive_zero_are_one_value():
    h = scalar_histogram(np.array([-0.0, 0.0, 0.0, 1.0, -2.0], dtype=np.float16))
    np.testing.assert_array_equal(h.values, [-2.0, 0.0, 1.0])
    np.testing.assert_array_equal(h.counts, [1, 3, 1])
    assert not np.signbit(h.values[1])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint64])
def test_counting_over_many_chunks_and_strides(dtype):
    # Over a million elements (several of the kernel's chunks, on the pool), in place and strided.
    rng = np.random.default_rng(2)
    info = np.iinfo(dtype)
    lo, hi = (info.min, info.max) if info.bits <= 16 else (1000, 70_000)
    data = rng.integers(lo, hi, size=(1100, 1003), endpoint=True, dtype=dtype)
    data[:, :500] = data[:, :1]  # long runs of one value (the sub-histograms)
    for view in (data, data[::2, ::3]):
        h = scalar_histogram(view)
        values, counts = np.unique(view, return_counts=True)
        np.testing.assert_array_equal(h.values, values.astype(np.float64))
        np.testing.assert_array_equal(h.counts, counts)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float64])
def test_weighted_counts_equal_bincount_to_the_bit(dtype):
    rng = np.random.default_rng(3)
    data = rng.integers(-100 if np.dtype(dtype).kind != "u" else 0, 200, size=(400, 300)).astype(dtype)
    weights = rng.random((400, 300)) ** 3
    h = scalar_histogram(data[:, ::2], sample_weight=weights[:, ::2])
    values, inverse = np.unique(data[:, ::2], return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=weights[:, ::2].ravel())
    np.testing.assert_array_equal(h.values, values.astype(np.float64))
    np.testing.assert_array_equal(h.counts, sums)


def test_histogram_of_8_and_16_bit_data_makes_no_copy():
    import tracemalloc

    data = np.random.default_rng(0).integers(0, 65536, size=4_000_000, dtype=np.uint16)
    tracemalloc.start()
    scalar_histogram(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 3_000_000  # the 65,536 bins and their values, not the 8 MB of data


def test_argument_types():
    with pytest.raises(vqpress.VQError, match="merge_histograms takes ScalarHistograms"):
        merge_histograms(scalar_histogram(np.arange(3)), [1, 2])
    with pytest.raises(vqpress.VQError, match="sample_weight must be an array of numbers"):
        scalar_histogram(np.arange(3), sample_weight={"a": 1})
    with pytest.raises(vqpress.VQError, match="gray must be True or False"):
        vqpress.datasets.face(gray="yes")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("threads", [1, 2])
def test_pattern_counts_survive_flushes_of_the_32_bit_counters(dtype, threads):
    # The 32-bit per-thread counters are emptied into 64-bit totals every 2**30 elements;
    # with the threshold lowered to one element, every chunk (2**18 elements) flushes.
    from vqpress._counting import _set_flush_at, count_patterns

    rng = np.random.default_rng(4)
    data = rng.integers(0, np.iinfo(dtype).max, 5 * (1 << 18) + 17, dtype=dtype, endpoint=True)
    data[: 1 << 18] = 7  # one value for a whole chunk
    previous = _set_flush_at(1)
    try:
        counts = np.zeros(1 << (8 * np.dtype(dtype).itemsize), dtype=np.int64)
        with vqpress.thread_limit(threads):
            count_patterns(data, counts)
    finally:
        _set_flush_at(previous)
    np.testing.assert_array_equal(counts, np.bincount(data, minlength=counts.size))


@pytest.mark.parametrize("a, b, merged", [("uint8", "uint16", "uint16"), ("uint8", "int8", "int16"),
                                          ("uint16", "float16", "float32"), ("int64", "float32", "float64")])
def test_merging_dtypes_promotes_to_one_that_holds_every_value(a, b, merged):
    # uint8 + uint16 became uint16 without a word: promotion is value-preserving, now documented.
    x = np.array([0, 1, 2, 100, 127], dtype=a)
    y = np.array([3, 1, 5, 120, 127], dtype=b)
    h = merge_histograms(scalar_histogram(x), scalar_histogram(y))
    whole = scalar_histogram(np.concatenate([x, y]).astype(merged))
    assert h.dtype == np.dtype(merged)
    np.testing.assert_array_equal(h.values, whole.values)
    np.testing.assert_array_equal(h.counts, whole.counts)
    cb = vqpress.fit_histogram(h, 4)
    assert cb.decode(cb.encode(np.concatenate([x, y]).astype(merged))).dtype == np.dtype(merged)


def test_big_wide_uint16_values_stay_exact_when_merged_with_uint8():
    big = np.array([0, 65535, 65534, 40000], dtype=np.uint16)
    h = merge_histograms(scalar_histogram(np.array([255, 0], dtype=np.uint8)), scalar_histogram(big))
    assert h.dtype == np.uint16
    np.testing.assert_array_equal(h.values, [0, 255, 40000, 65534, 65535])
    np.testing.assert_array_equal(h.counts, [2, 1, 1, 1, 1])


@pytest.mark.parametrize("signed", ["int8", "int64"])
def test_integer_histograms_without_a_common_integer_dtype_are_refused(signed):
    # numpy promotes uint64 with a signed dtype to float64: the integers would decode as floats.
    a = scalar_histogram(np.array([2**63 + 2**11], dtype=np.uint64))
    b = scalar_histogram(np.array([-1], dtype=signed))
    with pytest.raises(vqpress.VQError, match=rf"no integer dtype holds the values of {signed}, uint64 together "
                                              r"\(numpy would make them float64\); cast the data to one dtype first"):
        merge_histograms(a, b)
