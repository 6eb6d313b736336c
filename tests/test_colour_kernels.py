"""Tests for the compiled colour kernels: the two Lloyd kernels (bounded, k-d tree), the
radix-sort histogram, grid pooling and the variance split, each against a plain reference."""

from __future__ import annotations

import os
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vqpress.colour import _backend
from vqpress.colour.coreset import grid_coreset, refined_coreset

from test_colour import brute_nearest, photo_like

K = _backend.kernels()
pytestmark = pytest.mark.skipif(K is None, reason="numba not installed")


def lloyd_case(seed: int, m: int, d: int, k: int, kind: int):
    """Distinct points (integer lattice, continuous, or clustered), weights, a start."""
    rng = np.random.default_rng(seed)
    if kind == 0:
        X = rng.integers(0, 16, (m, d)).astype(float)  # many ties between distances
    elif kind == 1:
        X = rng.normal(0, 100, (m, d))
    else:
        centres = rng.normal(0, 50, (5, d))
        X = np.round(centres[rng.integers(0, 5, m)] + rng.normal(0, 5, (m, d)))
    X = np.ascontiguousarray(np.unique(X, axis=0))
    k = min(k, X.shape[0] - 1)
    w = rng.integers(1, 20, X.shape[0]).astype(float)
    C = np.ascontiguousarray(X[rng.choice(X.shape[0], k, replace=False)] + rng.normal(0, 0.5, (k, d)))
    labels = rng.integers(0, k, X.shape[0])
    return X, w, C, labels


def tree_lloyd(X, w, C, labels, max_iter, beta, nth=2, min_changed=0):
    """The tree kernel from scratch (no hand-over unless ``min_changed > 0``)."""
    return K.filter_lloyd(X, w, C, labels, max_iter, beta, nth, min_changed, *K.fresh_state(C, beta))


def check_lloyd_result(X, w, C, labels, status):
    np.testing.assert_array_equal(labels, brute_nearest(X, C))
    if status == 0:
        k = C.shape[0]
        means, ws = _backend.weighted_means(X, w, labels, k)
        assert (ws > 0).all()
        np.testing.assert_allclose(C, means, rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    m=st.integers(20, 1500),
    d=st.sampled_from([3, 4]),
    k=st.integers(2, 120),
    kind=st.integers(0, 2),
    beta=st.sampled_from([1.0, 4.0]),
    max_iter=st.sampled_from([1, 3, 1000]),
    tree=st.booleans(),
)
def test_lloyd_labels_always_nearest_and_fixed_point(seed, m, d, k, kind, beta, max_iter, tree):
    # after any number of iterations the labels are the exact nearest centres (lowest
    # index on ties); on convergence the centres are the weighted means of their points
    X, w, C, labels = lloyd_case(seed, m, d, k, kind)
    if tree:
        it, status, j = tree_lloyd(X, w, C, labels, max_iter, beta, nth=1 + seed % 2)
    else:
        it, status, j = K.lloyd(X, w, C, labels, max_iter, beta, 2)
    assert status in (0, 1, 2) and it <= max_iter
    if status == 1:
        assert (labels != j).all()  # the reported centre really is empty
    check_lloyd_result(X, w, C, labels, status)


@pytest.mark.parametrize("nth", [1, 2, 3])
@pytest.mark.parametrize("k", [48, 160])  # 160: the centre tables on numba's threads too
def test_lloyd_exact_with_any_thread_count(nth, k):
    colours, counts = np.unique(photo_like(11, (120, 160)).reshape(-1, 3), axis=0, return_counts=True)
    X, w = colours.astype(float), counts.astype(float)
    rng = np.random.default_rng(0)
    C = np.ascontiguousarray(X[rng.choice(X.shape[0], k, replace=False)])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    it, status, _ = K.lloyd(X, w, C, labels, 1000, 4.0, nth)
    assert status == 0 and it > 1
    check_lloyd_result(X, w, C, labels, status)


@pytest.mark.parametrize("tree", [False, True])
def test_lloyd_reports_an_empty_cluster(tree):
    # two far groups and three centres: the centre between them is left without points
    X = np.array([[0.0, 0, 0], [1, 0, 0], [100, 0, 0], [101, 0, 0]])
    w = np.ones(4)
    C = np.array([[0.5, 0, 0], [50.5, 1e3, 0], [100.5, 0, 0]])
    labels = np.zeros(4, dtype=np.int64)
    if tree:
        it, status, j = tree_lloyd(X, w, C, labels, 100, 1.0)
    else:
        it, status, j = K.lloyd(X, w, C, labels, 100, 1.0, 1)
    assert (status, j) == (1, 1)
    np.testing.assert_array_equal(labels, [0, 0, 2, 2])
    np.testing.assert_array_equal(C[1], [50.5, 1e3, 0])  # left where it was


@pytest.mark.parametrize("k", [8, 64])
def test_both_lloyd_kernels_take_the_same_steps(k):
    # on integer colours (exact sums) the bounded and the tree kernel follow the same
    # iterations, long steps included, to the same fixed point
    colours, counts = np.unique(photo_like(5, (100, 140)).reshape(-1, 3), axis=0, return_counts=True)
    X, w = colours.astype(float), counts.astype(float)
    rng = np.random.default_rng(1)
    C0 = np.ascontiguousarray(X[rng.choice(X.shape[0], k, replace=False)])
    guess = np.zeros(X.shape[0], dtype=np.int64)
    C1, l1 = C0.copy(), guess.copy()
    C2, l2 = C0.copy(), guess.copy()
    r1 = K.lloyd(X, w, C1, l1, 1000, 4.0, 2)
    r2 = tree_lloyd(X, w, C2, l2, 1000, 4.0)
    assert r1 == r2 and r1[1] == 0
    np.testing.assert_array_equal(l1, l2)
    np.testing.assert_allclose(C1, C2, rtol=1e-13)


@pytest.mark.parametrize("nth", [1, 2])
@pytest.mark.parametrize("handover", [2, 50, 10**9])
def test_tree_kernel_hands_over_to_the_bounded_one_mid_way(nth, handover):
    # the tree kernel stops once a pass changes fewer than `handover` labels; the bounded
    # kernel resumes with the same step state: together they take the bounded kernel's
    # own steps to the same fixed point
    colours, counts = np.unique(photo_like(8, (100, 140)).reshape(-1, 3), axis=0, return_counts=True)
    X, w = colours.astype(float), counts.astype(float)
    rng = np.random.default_rng(2)
    C0 = np.ascontiguousarray(X[rng.choice(X.shape[0], 40, replace=False)])
    guess = np.zeros(X.shape[0], dtype=np.int64)
    C1, l1 = C0.copy(), guess.copy()
    ref = K.lloyd(X, w, C1, l1, 1000, 4.0, nth)
    C2, l2 = C0.copy(), guess.copy()
    state = K.fresh_state(C2, 4.0)
    it, status, _ = K.filter_lloyd(X, w, C2, l2, 1000, 4.0, nth, handover, *state)
    assert status == 3 and 0 < it < ref[0]
    np.testing.assert_array_equal(l2, brute_nearest(X, C2))  # exact at the hand-over
    it2, status2, _ = K.lloyd_resume(X, w, C2, l2, 1000 - it, 4.0, nth, *state)
    assert (it + it2, status2) == ref[:2]
    np.testing.assert_array_equal(l1, l2)
    np.testing.assert_allclose(C1, C2, rtol=1e-13)


def test_tree_kernel_on_extreme_coordinates():
    # a span that overflows float64 (the ordering grid degenerates): no crash, exact labels
    X = np.array([[-1e308, 0, 0], [1e308, 0, 0], [0, 1, 0], [0, 2, 0], [5, 5, 5], [1e300, 1, 1]] + [[i, i, 0.5] for i in range(20)])
    X = np.ascontiguousarray(np.unique(X, axis=0))
    w = np.ones(X.shape[0])
    C = np.ascontiguousarray(X[[0, 3, 7, X.shape[0] - 1]])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    it, status, _ = tree_lloyd(X, w, C, labels, 1, 1.0)
    with np.errstate(over="ignore"):  # some distances overflow to inf, in both
        np.testing.assert_array_equal(labels, brute_nearest(X, C))


def test_tree_kernel_on_identical_coordinates_and_single_points():
    # a degenerate axis (all points share z) and a cluster of one point
    X = np.array([[0.0, 0, 5], [1, 0, 5], [2, 0, 5], [0, 1, 5], [50, 50, 5]] + [[i, 2.0, 5] for i in range(3, 20)])
    w = np.ones(X.shape[0])
    C = np.array([[0.0, 0, 5], [10, 2, 5], [50, 50, 5]])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    it, status, _ = tree_lloyd(X, w, C, labels, 1000, 1.0, nth=1)
    assert status == 0
    check_lloyd_result(X, w, C, labels, status)
    np.testing.assert_array_equal(C[2], [50, 50, 5])


@pytest.mark.parametrize("dtype, top", [(np.uint32, 1 << 24), (np.uint32, 1 << 32), (np.uint64, 1 << 48)])
def test_key_histogram_matches_numpy_unique(dtype, top):
    rng = np.random.default_rng(1)
    keys = rng.integers(0, top, 50_000, dtype=np.uint64).astype(dtype)
    keys[::3] = keys[7]  # repeated keys
    uniq, counts = K.key_histogram(keys)
    ref_u, ref_c = np.unique(keys, return_counts=True)
    assert uniq.dtype == keys.dtype
    np.testing.assert_array_equal(uniq, ref_u)
    np.testing.assert_array_equal(counts, ref_c)


def test_key_histogram_edge_cases():
    u, c = K.key_histogram(np.zeros(0, np.uint32))
    assert u.size == 0 and c.size == 0
    u, c = K.key_histogram(np.array([5, 5, 0], np.uint32))
    np.testing.assert_array_equal(u, [0, 5])
    np.testing.assert_array_equal(c, [1, 2])


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("make", ["grid", "refined"])
def test_coreset_backends_agree(make, channels, monkeypatch):
    colours, counts = np.unique(photo_like(12, (150, 150), channels).reshape(-1, channels), axis=0,
                                return_counts=True)
    X, w = colours.astype(float), counts.astype(float)

    def build():
        return grid_coreset(X, w, 4) if make == "grid" else refined_coreset(X, w, 3, 16)

    fast = build()
    monkeypatch.setenv("VQPRESS_NO_NUMBA", "1")
    slow = build()
    np.testing.assert_array_equal(fast.bin_of, slow.bin_of)
    np.testing.assert_allclose(fast.points, slow.points, rtol=1e-12)
    np.testing.assert_allclose(fast.weights, slow.weights, rtol=1e-12)


def test_refined_coreset_splits_the_bins_that_hold_the_error():
    # a dense cloud inside one coarse bin and a few colours elsewhere: only the dense bin
    # (nearly all of the within-bin error) is split
    rng = np.random.default_rng(2)
    dense = np.column_stack([rng.integers(0, 32, 4000)] * 3) + rng.integers(0, 4, (4000, 3))
    sparse = rng.integers(128, 256, (300, 3))
    colours, counts = np.unique(np.concatenate([dense, sparse]), axis=0, return_counts=True)
    X, w = colours.astype(float), counts.astype(float)
    coarse = grid_coreset(X, w, 2)
    refined = refined_coreset(X, w, 2, 8)
    assert refined.points.shape[0] > coarse.points.shape[0]
    # a coreset pools points into weighted means, whatever the bins
    np.testing.assert_allclose(refined.weights.sum(), w.sum())
    for b in (0, refined.points.shape[0] - 1):
        members = refined.bin_of == b
        np.testing.assert_allclose(refined.points[b], np.average(X[members], axis=0, weights=w[members]))


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_variance_split_backends_agree(k, channels, monkeypatch):
    pixels = photo_like(13, (80, 80), channels=channels).reshape(-1, channels)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    X, w = colours.astype(float), counts.astype(float)
    fast, nf = _backend.variance_split(X, w, k)
    monkeypatch.setenv("VQPRESS_NO_NUMBA", "1")
    slow, ns = _backend.variance_split(X, w, k)
    assert nf == ns == min(k, X.shape[0])
    # the same boxes (labels may be numbered alike: the split order is the same)
    np.testing.assert_array_equal(fast, slow)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), m=st.integers(1, 500), d=st.sampled_from([3, 4]), k=st.integers(1, 12))
def test_weighted_sse_backends_agree(seed, m, d, k):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 255, (m, d))
    w = rng.integers(1, 50, m).astype(float)
    C = rng.uniform(0, 255, (k, d))
    labels = rng.integers(0, k, m)
    want = sum(w[i] * ((X[i] - C[labels[i]]) ** 2).sum() for i in range(m))
    assert _backend.weighted_sse(X, w, C, labels) == pytest.approx(want, rel=1e-12)
    with mock.patch.dict(os.environ, {"VQPRESS_NO_NUMBA": "1"}):
        assert _backend.weighted_sse(X, w, C, labels) == pytest.approx(want, rel=1e-12)


def test_centre_order_sorts_the_nearest_and_bounds_the_rest():
    from vqpress.colour._numba_order import ORDER_DEPTH, centre_order

    rng = np.random.default_rng(4)
    for k, par in [(2, False), (3, False), (50, False), (ORDER_DEPTH + 30, False), (3, True), (200, True)]:
        C = rng.uniform(0, 255, (k, 3))
        order, sdist = centre_order(C, par)
        if par:  # the threads share the rows out: same table
            np.testing.assert_array_equal(order, centre_order(C, False)[0])
        dist = np.sqrt(((C[:, None] - C[None]) ** 2).sum(-1))
        L = min(k - 1, ORDER_DEPTH)
        for a in range(k):
            assert order[a, 0] == a and sorted(order[a]) == list(range(k))
            np.testing.assert_allclose(sdist[a, : L + 1], np.sort(dist[a])[: L + 1], rtol=1e-14)
            # the unsorted tail is bounded below by the last sorted distance
            assert (dist[a, order[a, L + 1:]] >= sdist[a, L + 1:] - 1e-9).all()


def test_colour_fits_from_several_threads_at_once():
    # numba's parallel kernels must not be launched concurrently on every threading layer;
    # vqpress serialises them, so threaded callers get the same answers as serial ones
    from concurrent.futures import ThreadPoolExecutor

    import vqpress

    imgs = [photo_like(20 + i, (90, 120)) for i in range(4)]
    serial = [vqpress.fit(img, 24).centers for img in imgs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda img: vqpress.fit(img, 24).centers, imgs))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_fit_colours_palette_size_limit():
    from vqpress.colour import fit_colours
    from vqpress.colour.fit import MAX_COLOURS
    from vqpress.errors import VQError

    colours = np.arange(30, dtype=np.uint8).reshape(10, 3)
    with pytest.raises(VQError, match=f"2..{MAX_COLOURS}"):
        fit_colours(colours, np.ones(10), MAX_COLOURS + 1)


def test_warm_up_compiles_every_kmeans_kernel():
    from vqpress.colour._backend import warm_up

    warm_up()  # takes the coreset path: refined and coarse grids, split, both Lloyd kernels
    for name in ("refined_pool", "grid_pool", "variance_split", "lloyd_resume", "filter_lloyd"):
        assert getattr(K, name).signatures, name


def test_kernel_cache_is_cleared_when_any_kernel_source_changes(tmp_path):
    # numba only checks a cached function against its own file: vqpress keeps a stamp of
    # all the kernel sources and drops its cached kernels when the stamp does not match
    cached = [tmp_path / "_numba_lloyd.lloyd-100.py311.nbi", tmp_path / "_numba_lloyd.lloyd-100.py311.1.nbc"]
    other = tmp_path / "somebody_else.nbi"
    for path in cached + [other]:
        path.write_bytes(b"x")
    (tmp_path / "vqpress-kernels.stamp").write_text("an older version")
    _backend._clear_stale_cache(str(tmp_path))
    assert not any(path.exists() for path in cached) and other.exists()
    stamp = (tmp_path / "vqpress-kernels.stamp").read_text()
    cached[0].write_bytes(b"x")  # compiled again under the current sources: kept
    _backend._clear_stale_cache(str(tmp_path))
    assert cached[0].exists() and (tmp_path / "vqpress-kernels.stamp").read_text() == stamp
    blocked = tmp_path / "a-file"  # a cache directory that cannot be made: no error
    blocked.write_bytes(b"")
    _backend._clear_stale_cache(str(blocked))


def test_temporary_cache_is_looked_for_where_numba_puts_it(tmp_path, monkeypatch):
    # read-only installs cache the kernels under numba.config.CACHE_DIR: the stale-cache
    # check must look in the directory numba's own locator picks for the kernel files
    import numba
    from numba.core.caching import UserProvidedCacheLocator

    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    fn = K.filter_lloyd.py_func
    locator = UserProvidedCacheLocator.from_function(fn, fn.__code__.co_filename)
    assert locator.get_cache_path() == _backend._user_cache_path(str(tmp_path))


def test_kernels_loaded_from_the_cache_run_in_a_fresh_process(tmp_path):
    # numba crashes a process whose threads were never launched when a cached serial
    # kernel reaches parallel code (the tree kernel's walk and the variance split's cut
    # search do): kernels() launches them
    import subprocess
    import sys

    script = (
        "import numpy as np\n"
        "from vqpress.colour import _backend as B\n"
        "K = B.kernels()\n"
        "rng = np.random.default_rng(0)\n"
        "X = np.unique(rng.integers(0, 256, (3000, 3)), axis=0).astype(float)\n"
        "w = np.ones(X.shape[0])\n"
        "C = np.ascontiguousarray(X[:20] + 0.5)\n"
        "labels = np.zeros(X.shape[0], dtype=np.int64)\n"
        "r = K.filter_lloyd(X, w, C, labels, 1000, 4.0, 2, 0, *K.fresh_state(C, 4.0))\n"
        "print(r[1], K.lloyd(X, w, C.copy(), labels.copy(), 1000, 4.0, 2)[1], K.variance_split(X, w, 40)[1])\n"
    )
    for _ in range(2):  # the second run loads what the first compiled or loaded
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split() == ["0", "0", "40"]
