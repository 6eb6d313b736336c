import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vqpress
from vqpress.histogram import scalar_histogram
from vqpress.strategies import optimal as optimal_module
from vqpress.strategies import optimal_partition

import scalar_reference


def within_bin_sse(values, counts, starts):
    total = 0.0
    for a, b in zip(starts[:-1], starts[1:]):
        mean = np.dot(values[a:b], counts[a:b]) / counts[a:b].sum()
        total += float(np.dot(counts[a:b], (values[a:b] - mean) ** 2))
    return total


def brute_force_sse(values, counts, k):
    n = values.size
    return min(
        within_bin_sse(values, counts, (0, *cuts, n)) for cuts in itertools.combinations(range(1, n), k - 1)
    )


def sse_of(data, codebook):
    data = np.asarray(data, dtype=np.float64)
    return float(((data - codebook.centers[codebook.encode(data)]) ** 2).sum())


small_histograms = st.integers(2, 9).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(-1000, 1000), min_size=n, max_size=n, unique=True),
        st.lists(st.integers(1, 9), min_size=n, max_size=n),
        st.integers(1, n),
    )
)


@pytest.mark.parametrize("dense", [True, False])
@given(case=small_histograms)
def test_optimal_equals_brute_force(dense, case):
    values, counts, k = case
    order = np.argsort(values)
    values = np.array(values, dtype=np.float64)[order]
    counts = np.array(counts, dtype=np.float64)[order]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(optimal_module, "DENSE_MAX", 10**9 if dense else 0)
        starts = optimal_partition(values, counts, k)
    best = brute_force_sse(values, counts, k)
    assert starts[0] == 0 and starts[-1] == values.size and (np.diff(starts) > 0).all()
    assert within_bin_sse(values, counts, starts) == pytest.approx(best, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("n,k", [(700, 5), (2000, 16), (5000, 3)])
def test_divide_and_conquer_matches_dense_table(n, k, monkeypatch):
    rng = np.random.default_rng(n)
    values = np.unique(rng.normal(size=n) * 100)
    counts = rng.integers(1, 50, size=values.size).astype(np.float64)
    monkeypatch.setattr(optimal_module, "DENSE_MAX", 10**9)
    dense = optimal_partition(values, counts, k)
    monkeypatch.setattr(optimal_module, "DENSE_MAX", 0)
    fast = optimal_partition(values, counts, k)
    assert within_bin_sse(values, counts, fast) == pytest.approx(within_bin_sse(values, counts, dense), rel=1e-12)


@given(
    data=st.lists(st.integers(0, 255), min_size=2, max_size=300),
    n_colors=st.integers(2, 12),
)
def test_optimal_is_never_beaten(data, n_colors):
    data = np.array(data, dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few distinct values, collapsed quantile bins
        best = sse_of(data, vqpress.fit(data, n_colors, "optimal"))
        for strategy in ("uniform", "quantile", "kmeans"):
            assert best <= sse_of(data, vqpress.fit(data, n_colors, strategy)) * (1 + 1e-12) + 1e-9


def test_optimal_on_the_face_beats_everything(face_gray):
    mse = {}
    for strategy in ("uniform", "quantile", "kmeans", "optimal"):
        cb = vqpress.fit(face_gray, 8, strategy)
        mse[strategy] = vqpress.metrics.mse(face_gray, cb.decode(cb.encode(face_gray)))
    assert mse["optimal"] == min(mse.values())
    assert mse["optimal"] < mse["kmeans"]


def test_kmeans_is_a_lloyd_fixed_point(face_gray):
    cb = vqpress.fit(face_gray, 8, "kmeans")
    codes = cb.encode(face_gray)
    for level in range(cb.n_colors):
        assert face_gray[codes == level].mean() == pytest.approx(cb.centers[level], rel=1e-12)
    np.testing.assert_allclose(cb.edges[1:-1], (cb.centers[1:] + cb.centers[:-1]) / 2)


def test_quantile_bins_hold_equal_counts_on_distinct_data():
    data = np.arange(1000, dtype=np.float64)
    cb = vqpress.fit(data, 8, "quantile")
    counts = np.bincount(cb.encode(data), minlength=8)
    assert counts.max() - counts.min() <= 1


def test_quantile_collapses_tied_bins_with_a_warning():
    data = np.array([0] * 90 + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=np.uint8)
    with pytest.warns(UserWarning, match="quantile: .* collapsed"):
        cb = vqpress.fit(data, 8, "quantile")
    assert cb.n_colors < 8
    assert cb.encode(np.array([0], dtype=np.uint8))[0] == 0


def test_uniform_edges_are_equal_width():
    data = np.array([0, 10, 100], dtype=np.uint8)
    cb = vqpress.fit(data, 4, "uniform")
    np.testing.assert_allclose(cb.edges, [0, 25, 50, 75, 100])
    # Empty bins keep their midpoint as level; full bins the mean of their data.
    np.testing.assert_allclose(cb.centers, [5, 37.5, 62.5, 100])


def test_fewer_distinct_values_than_levels():
    data = np.array([1, 1, 5, 9, 9, 9], dtype=np.uint8)
    for strategy in ("kmeans", "optimal"):
        with pytest.warns(UserWarning, match="only 3 distinct values"):
            cb = vqpress.fit(data, 8, strategy)
        np.testing.assert_array_equal(cb.centers, [1, 5, 9])
        np.testing.assert_array_equal(cb.decode(cb.encode(data)), data)


def test_large_float_data_optimal_matches_weighted_histogram():
    rng = np.random.default_rng(3)
    data = rng.normal(size=20_000)
    cb = vqpress.fit(data, 16, "optimal")
    hist = scalar_histogram(data)
    starts = optimal_partition(hist.values, hist.counts, 16)
    assert sse_of(data, cb) == pytest.approx(within_bin_sse(hist.values, hist.counts, starts), rel=1e-9)


def _golden_data(name):
    if name == "face":
        return vqpress.datasets.face(gray=True)
    if name == "face16":  # a 16-bit image with thousands of distinct values (the D&C layers)
        face = vqpress.datasets.face(gray=True).astype(np.uint16)
        return face * 257 + (np.arange(face.size, dtype=np.uint16).reshape(face.shape) * 40503 >> 8)
    return np.random.default_rng(5).standard_normal(30_000)


def test_gray_codebooks_are_those_of_version_0_1_0():
    # Edges and centres written by vqpress 0.1.0 (numpy and numba DP): the compiled layers
    # must reproduce every one of them to the bit.
    golden = json.loads((Path(__file__).parent / "data" / "gray-codebooks-0.1.0.json").read_text())
    data = {}
    for case in golden["cases"]:
        arr = data.setdefault(case["data"], _golden_data(case["data"]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cb = vqpress.fit(arr, case["n_colors"], case["strategy"])
        np.testing.assert_array_equal(cb.edges, case["edges"], err_msg=str(case["data"]))
        np.testing.assert_array_equal(cb.centers, case["centers"])


def _reference_partition(values, counts, k, dense):
    layers = scalar_reference.dense_layers if dense else scalar_reference.divide_and_conquer_layers
    return optimal_module._partition(values, counts, k, layers)


@given(case=st.integers(2, 300).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(-50, 400), min_size=n, max_size=n, unique=True),
        st.lists(st.integers(1, 5), min_size=n, max_size=n),
        st.integers(2, 40),
    )
))
def test_compiled_layers_match_the_reference_to_the_bit(case):
    # Small integer histograms with small counts: many exact ties between splits.
    values, counts, k = case
    values = np.sort(np.array(values, dtype=np.float64))
    counts = np.array(counts, dtype=np.float64)
    compiled_dc = optimal_module._partition(values, counts, k, lambda prefix: optimal_module.divide_and_conquer_layer)
    np.testing.assert_array_equal(optimal_partition(values, counts, k), _reference_partition(values, counts, k, True))
    np.testing.assert_array_equal(compiled_dc, _reference_partition(values, counts, k, False))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n,k,ties", [(700, 5, False), (5000, 16, True), (40_000, 3, False), (40_000, 9, True)])
def test_compiled_divide_and_conquer_matches_the_reference(n, k, ties, threads):
    # 5000 and 40000 values: the parallel walk (breadth-first top, rows cut into pieces).
    rng = np.random.default_rng(n + k)
    values = np.arange(n, dtype=np.float64) if ties else np.unique(rng.normal(size=n) * 100)
    counts = (rng.integers(1, 3, size=values.size) if ties else rng.integers(1, 50, size=values.size)).astype(np.float64)
    with vqpress.thread_limit(threads):
        got = optimal_partition(values, counts, k)
    np.testing.assert_array_equal(got, _reference_partition(values, counts, k, False))


def test_compiled_layers_reject_inconsistent_sizes():
    prefix = np.zeros((3, 11))
    with pytest.raises(ValueError, match="inconsistent"):
        optimal_module.divide_and_conquer_layer(prefix, np.zeros(10), 2, 2, 10)
    with pytest.raises(ValueError, match="inconsistent"):
        optimal_module.divide_and_conquer_layer(prefix, np.zeros(11), 2, 5, 11)
    with pytest.raises(ValueError, match="inconsistent"):
        optimal_module.dense_layer(np.zeros((11, 11)), np.zeros(11), 1, 2, 10)


def test_kmeans_ties_and_empty_clusters_by_sklearn_rules():
    from vqpress.strategies import kmeans_edges

    # -1 is halfway between the start centres -1.5 and -0.5: the upper one takes it by
    # default (the encoder's rule), the lower one as in scikit-learn's KMeans.
    hist = scalar_histogram(np.array([-2.0, -1, 0, 1]))
    np.testing.assert_array_equal(kmeans_edges(hist, 3), [-2, -1.5, -0.25, 1])
    np.testing.assert_array_equal(kmeans_edges(hist, 3, ties="lower"), [-2, -0.75, 0.5, 1])
    # Clusters that empty are dropped, or relocated to the farthest values (farthest
    # first, the higher of two equally far), as scikit-learn does.
    hist = scalar_histogram(np.array([0, 0.5, 2, 3, 9, 10]))
    with pytest.warns(UserWarning, match="2 of 5 clusters are empty"):
        np.testing.assert_array_equal(kmeans_edges(hist, 5, ties="lower"), [0, 1.375, 6, 10])
    relocated = [0, 1.125, 2.5, 6, 9.5, 10]
    np.testing.assert_array_equal(kmeans_edges(hist, 5, ties="lower", empty="relocate"), relocated)
    np.testing.assert_array_equal(kmeans_edges(hist, 3, ties="lower", empty="relocate"), [0, 1.375, 6, 10])
    # A weight below one sample's moves whole.
    light = scalar_histogram(np.array([0, 0.5, 2, 3, 9, 10]), np.full(6, 0.3))
    np.testing.assert_allclose(kmeans_edges(light, 5, ties="lower", empty="relocate"), relocated)
    # More clusters than distinct values: nothing to relocate to.
    with pytest.warns(UserWarning, match="2 of 4 clusters are empty"):
        assert kmeans_edges(scalar_histogram(np.array([0.0, 0, 1, 1])), 4, empty="relocate").size == 3
    for bad in (dict(ties="nearest"), dict(empty="drop")):
        with pytest.raises(vqpress.VQError, match=next(iter(bad))):
            kmeans_edges(hist, 3, **bad)


def test_levels_do_not_depend_on_blas_threads():
    """Sums over many distinct values go through numpy's own summation, not BLAS, whose order
    of additions (and so its last bits) depends on how many threads it uses."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from vqpress.histogram import scalar_histogram

    rng = np.random.default_rng(11)
    values = rng.standard_normal(50_000) * 1e3
    hist = scalar_histogram(values, sample_weight=rng.integers(1, 1000, values.size).astype(float))
    results = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            results.append((hist.mean(), vqpress.fit_histogram(hist, 16, "optimal"),
                            vqpress.fit_histogram(hist, 16, "kmeans")))
    assert results[0] == results[1]
