"""The scalar codebook's compiled encoding (``vqpress._lookup``) against numpy's search of
the edges, on every dtype, layout and code width."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import vqpress
from vqpress._lookup import apply_table, pack_table, search_codes

DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.float16, np.int32, np.uint32, np.int64, np.uint64,
          np.float32, np.float64]


def numpy_codes(cb, data):
    """The reference: numpy's search of the inner edges (what encode computed before the kernels)."""
    return np.searchsorted(cb.edges[1:-1], np.asarray(data).ravel(), side="right").reshape(np.shape(data))


def fitted(data, n_colors, strategy="optimal"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few distinct values
        return vqpress.fit(data, n_colors, strategy)


@given(
    data=hnp.arrays(
        dtype=st.sampled_from(DTYPES),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=12),
        elements={"allow_nan": False, "allow_infinity": False},
    ),
    n_colors=st.sampled_from([2, 3, 8, 17, 300]),
    strategy=st.sampled_from(["uniform", "optimal"]),
)
def test_encode_equals_the_search_of_the_edges(data, n_colors, strategy):
    if np.unique(data).size < 2:
        return
    cb = fitted(data.ravel(), n_colors, strategy)  # (..., 3) data would be a colour image
    codes = cb.encode(data)
    assert codes.dtype == cb.code_dtype and codes.shape == data.shape
    np.testing.assert_array_equal(codes, numpy_codes(cb, data))
    # Values the fit never saw: every bit pattern of 8/16-bit dtypes, far values of the others.
    if data.dtype.itemsize <= 2:
        every = np.arange(1 << (8 * data.dtype.itemsize), dtype=np.uint32).astype(f"u{data.dtype.itemsize}").view(data.dtype)
        if data.dtype.kind == "f":
            every = every[np.isfinite(every)]
        np.testing.assert_array_equal(cb.encode(every), numpy_codes(cb, every))
    assert cb.encode_packed(data) == vqpress.pack_bits(codes, cb.bits)


@pytest.mark.parametrize("dtype", DTYPES)
def test_non_contiguous_and_byte_swapped_data(dtype):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "ui" else None
    big = (rng.integers(info.min, info.max, size=(300, 401), endpoint=True, dtype=dtype) if info
           else (rng.standard_normal((300, 401)) * 100).astype(dtype))
    cb = fitted(big, 16)
    for view in (big[::3, 1::2], big.T, big[:, ::-1], big.astype(big.dtype.newbyteorder()), np.asfortranarray(big)):
        np.testing.assert_array_equal(cb.encode(view), numpy_codes(cb, view))
        assert cb.encode_packed(view) == vqpress.pack_bits(numpy_codes(cb, view), cb.bits)


@pytest.mark.parametrize("n_colors", [2, 3, 4, 5, 8, 9, 16, 17, 200, 256, 257, 1000, 40000])
def test_every_code_width_packs_like_pack_bits(n_colors):
    # Sizes around the kernels' chunks (2**18 elements) and groups of eight.
    rng = np.random.default_rng(n_colors)
    data = rng.integers(0, 65536, size=(1 << 18) + 13, dtype=np.uint16)
    cb = fitted(data, n_colors, "uniform")
    for size in (1, 7, 8, 9, 1 << 18, (1 << 18) + 13):
        part = data[:size]
        assert cb.encode_packed(part) == vqpress.pack_bits(numpy_codes(cb, part), cb.bits)
    low = (data[:100_001] & 0xFF).astype(np.uint8)
    assert cb.encode_packed(low) == vqpress.pack_bits(numpy_codes(cb, low), cb.bits)


def test_float16_zeros_and_extremes():
    data = np.array([-0.0, 0.0, 1.5, -65504, 65504, 6e-8], dtype=np.float16)
    cb = fitted(data, 3)
    np.testing.assert_array_equal(cb.encode(data), numpy_codes(cb, data))


def test_many_edges_search_like_numpy():
    # Over 16 inner edges the kernel searches instead of counting.
    rng = np.random.default_rng(4)
    data = rng.standard_normal(50_000)
    for n in (17, 18, 100, 4097):
        cb = fitted(data, n, "quantile")
        np.testing.assert_array_equal(cb.encode(data), numpy_codes(cb, data))
        wide = (data * 1e6).astype(np.int64)
        np.testing.assert_array_equal(cb.encode(wide), numpy_codes(cb, wide))


def test_kernels_reject_inconsistent_sizes():
    with pytest.raises(ValueError, match="inconsistent"):
        apply_table(np.zeros(4, np.uint8), np.zeros(255, np.uint8), np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="inconsistent"):
        apply_table(np.zeros(4, np.uint8), np.zeros(256, np.uint8), np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="inconsistent"):
        pack_table(np.zeros(4, np.uint16), np.zeros(256, np.uint16), 3)
    with pytest.raises(ValueError, match="inconsistent"):
        pack_table(np.zeros(4, np.uint8), np.zeros(256, np.uint16), 17)
    with pytest.raises(ValueError, match="inconsistent"):
        search_codes(np.zeros(4), np.zeros(2), np.zeros(3, np.uint8))


def test_encode_reads_the_data_in_place():
    # No widened copy: encoding a read-only uint16 image allocates about its codes only.
    import tracemalloc

    data = np.random.default_rng(0).integers(0, 65536, size=2_000_000, dtype=np.uint16)
    data.flags.writeable = False
    cb = fitted(data, 16)
    tracemalloc.start()
    codes = cb.encode(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the codes, the 65,536-entry table and its set-up: less than one copy of the data (a
    # widened index would be 16 MB)
    assert codes.nbytes == data.size and peak < data.nbytes


def test_remembered_colours_encode_as_the_nearest_centre(face_rgb):
    cb = vqpress.fit(face_rgb, 16)
    expected = cb.encode(face_rgb)
    colours = np.unique(face_rgb[:300].reshape(-1, 3), axis=0)  # a part of the colours only
    cb.remember_colours(colours)
    np.testing.assert_array_equal(cb.encode(face_rgb), expected)  # unknown colours searched
    np.testing.assert_array_equal(cb.encode(face_rgb[::2, ::3]), expected[::2, ::3])
    floats = face_rgb[:10, :10].astype(np.float32)
    np.testing.assert_array_equal(cb.encode(floats), expected[:10, :10])  # other dtypes: the search
    with pytest.raises(vqpress.VQError, match="uint8"):
        cb.remember_colours(colours.astype(np.uint16))
    with pytest.raises(vqpress.VQError, match="3-channel"):
        vqpress.fit(face_rgb[:, :, 0], 4).remember_colours(colours)


def test_more_than_2_to_the_29_pixels_without_a_copy():
    # Pillow's frombuffer (the old uint8 histogram) failed from 2**29 - 1 pixels; a strided
    # view of that size is now walked in slabs (this one is 4 kB of real memory).
    from vqpress.histogram import scalar_histogram

    big = np.broadcast_to(np.tile(np.array([3, 200], dtype=np.uint8), 2048), (2**17 + 1, 4096))
    hist = scalar_histogram(big)
    np.testing.assert_array_equal(hist.counts, [big.size // 2, big.size // 2])
    c = vqpress.compress(big, 2)
    assert c.payload[:4] == b"\x55\x55\x55\x55" and len(c.payload) == big.size // 8
