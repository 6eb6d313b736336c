"""The compiled colour kernels, each against its numpy reference (tests/colour_reference.py):
the nearest-centre search and centre order, the two Lloyd kernels (tree, bounded) and the
loop that hands over between them, the colour-key histogram, grid pooling and the variance
split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.colour import _nearest
from vqpress.colour._colour_keys import key_histogram, merge_key_counts, pixel_key_histogram
from vqpress.colour._lloyd_step import ClusterSums, LloydStep, weighted_sse
from vqpress.colour._lloyd_tree import TreeLloyd
from vqpress.colour._point_tree import PointTree
from vqpress.colour._variance_split import variance_split
from vqpress.colour.coreset import grid_coreset, refined_coreset
from vqpress.colour.histogram import merge_packed, pack_keys
from vqpress.colour.lloyd import (TREE_MIN_K, Status, bounded_iterations, iterate, lloyd, point_tree,
                                  tree_iterations)
from vqpress.colour.nearest import assign_labels

from colour_reference import (assert_fixed_point, brute_nearest, centre_order_reference, grid_coreset_reference,
                              key_histogram_reference, lloyd_reference, photo_histogram, refined_coreset_reference,
                              variance_split_reference, weighted_sse_reference)


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


def run_kernel(kernel, X, w, C, labels, max_iter, beta, min_changed=0):
    """One kernel alone from scratch: 'tree' or 'bounded'."""
    step = LloydStep(C.shape[0], X.shape[1], beta)
    if kernel == "tree":
        return tree_iterations(X, w, C, labels, step, max_iter, min_changed=min_changed)
    return bounded_iterations(X, w, C, labels, step, max_iter)


def check_lloyd_result(X, w, C, labels, status):
    np.testing.assert_array_equal(labels, brute_nearest(X, C))
    if status == Status.CONVERGED:
        assert_fixed_point(X, w, C, labels)


# --------------------------------------------------------------------------- nearest centre


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 3000), d=st.integers(1, 4), k=st.integers(1, 80),
       integer=st.booleans())
def test_assign_is_the_brute_force_nearest_centre(seed, n, d, k, integer):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 8, (n, d)).astype(float) if integer else rng.normal(0, 50, (n, d))
    C = rng.integers(0, 8, (k, d)).astype(float) if integer else rng.normal(0, 50, (k, d))
    guess = rng.integers(0, k, n)
    labels, dist2 = assign_labels(X, C, guess)
    want = brute_nearest(X, C)
    np.testing.assert_array_equal(labels, want)
    np.testing.assert_array_equal(dist2, ((X - C[want]) ** 2).sum(1) if d == 1 else dist2)
    np.testing.assert_array_equal(assign_labels(X, C)[0], want)  # with the grid's guess


def test_assign_without_a_table_above_the_ordered_limit(monkeypatch):
    # many centres: every centre measured (no k x k table), same answers
    rng = np.random.default_rng(3)
    X = rng.integers(0, 6, (500, 3)).astype(float)
    C = rng.integers(0, 6, (40, 3)).astype(float)
    monkeypatch.setattr(_nearest, "MAX_ORDERED", 8)
    np.testing.assert_array_equal(assign_labels(X, C)[0], brute_nearest(X, C))


@pytest.mark.parametrize("k, parallel", [(1, False), (2, False), (3, False), (50, False),
                                         (_nearest.ORDER_DEPTH + 30, False), (3, True), (200, True)])
def test_centre_order_sorts_the_nearest_and_bounds_the_rest(k, parallel):
    rng = np.random.default_rng(4)
    C = rng.uniform(0, 255, (k, 3))
    order, sdist = _nearest.order_centres(C, parallel)
    np.testing.assert_array_equal(order, _nearest.order_centres(C, False)[0])  # same table on the pool
    dist = np.sqrt(((C[:, None] - C[None]) ** 2).sum(-1))
    ref = centre_order_reference(C)
    L = min(k - 1, _nearest.ORDER_DEPTH)
    for a in range(k):
        assert order[a, 0] == a and sorted(order[a]) == list(range(k))
        np.testing.assert_allclose(sdist[a, : L + 1], ref[a, : L + 1], rtol=1e-14)
        # the unsorted tail is bounded below by the last sorted distance
        assert (dist[a, order[a, L + 1:]] >= sdist[a, L + 1:] - 1e-9).all()


# --------------------------------------------------------------------------- Lloyd kernels


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    m=st.integers(20, 1500),
    d=st.sampled_from([3, 4]),
    k=st.integers(2, 120),
    kind=st.integers(0, 2),
    beta=st.sampled_from([1.0, 4.0]),
    max_iter=st.sampled_from([1, 3, 1000]),
    kernel=st.sampled_from(["tree", "bounded"]),
)
def test_lloyd_labels_always_nearest_and_fixed_point(seed, m, d, k, kind, beta, max_iter, kernel):
    # after any number of iterations the labels are the exact nearest centres (lowest
    # index on ties); on convergence the centres are the weighted means of their points
    X, w, C, labels = lloyd_case(seed, m, d, k, kind)
    it, status, j = run_kernel(kernel, X, w, C, labels, max_iter, beta)
    assert status in (Status.CONVERGED, Status.EMPTY_CLUSTER, Status.MAX_ITER) and it <= max_iter
    if status == Status.EMPTY_CLUSTER:
        assert (labels != j).all()  # the reported centre really is empty
    check_lloyd_result(X, w, C, labels, status)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), m=st.integers(20, 800), k=st.integers(2, 90), kind=st.sampled_from([0, 2]),
       kernel=st.sampled_from(["tree", "bounded", "lloyd"]))
def test_plain_lloyd_reaches_the_reference_fixed_point(seed, m, k, kind, kernel):
    # integer points and weights: every sum is exact, so plain steps (beta = 1) follow the
    # reference's iterations to the same fixed point, to the bit
    X, w, C, labels = lloyd_case(seed, m, 3, k, kind)
    C = np.round(C)
    C2, labels2 = C.copy(), labels.copy()
    status2, j2 = lloyd_reference(X, w, C2, labels2)
    if kernel == "lloyd":
        _, status, j = lloyd(X, w, C, labels, 1000, 1.0)
    else:
        _, status, j = run_kernel(kernel, X, w, C, labels, 1000, 1.0)
    assert (status, j) == (status2, j2)
    np.testing.assert_array_equal(labels, labels2)
    np.testing.assert_array_equal(C, C2)


@pytest.mark.parametrize("k", [48, 160])  # 160: the centre tables on the pool too
def test_lloyd_exact_and_the_same_on_any_thread_count(k):
    X, w = photo_histogram(11, (120, 160))
    rng = np.random.default_rng(0)
    C0 = np.ascontiguousarray(X[rng.choice(X.shape[0], k, replace=False)])
    results = []
    for n in (1, 2, 3):
        C = C0.copy()
        labels = np.zeros(X.shape[0], dtype=np.int64)
        with vqpress.thread_limit(n):
            it, status, _ = lloyd(X, w, C, labels, 1000, 4.0)
        assert status == Status.CONVERGED and it > 1
        check_lloyd_result(X, w, C, labels, status)
        results.append((C, labels, it))
    for C, labels, it in results[1:]:  # the same sums in the same order: the same bits
        np.testing.assert_array_equal(C, results[0][0])
        np.testing.assert_array_equal(labels, results[0][1])
        assert it == results[0][2]


@pytest.mark.parametrize("kernel", ["tree", "bounded"])
def test_lloyd_reports_an_empty_cluster(kernel):
    # two far groups and three centres: the centre between them is left without points
    X = np.array([[0.0, 0, 0], [1, 0, 0], [100, 0, 0], [101, 0, 0]])
    w = np.ones(4)
    C = np.array([[0.5, 0, 0], [50.5, 1e3, 0], [100.5, 0, 0]])
    labels = np.zeros(4, dtype=np.int64)
    it, status, j = run_kernel(kernel, X, w, C, labels, 100, 1.0)
    assert (status, j) == (Status.EMPTY_CLUSTER, 1)
    np.testing.assert_array_equal(labels, [0, 0, 2, 2])
    np.testing.assert_array_equal(C[1], [50.5, 1e3, 0])  # left where it was


@pytest.mark.parametrize("k", [8, 64])
def test_both_lloyd_kernels_take_the_same_steps(k):
    # on integer colours (exact sums) the bounded and the tree kernel follow the same
    # iterations, long steps included, to the same fixed point
    X, w = photo_histogram(5, (100, 140))
    rng = np.random.default_rng(1)
    C0 = np.ascontiguousarray(X[rng.choice(X.shape[0], k, replace=False)])
    guess = np.zeros(X.shape[0], dtype=np.int64)
    C1, l1 = C0.copy(), guess.copy()
    C2, l2 = C0.copy(), guess.copy()
    r1 = run_kernel("bounded", X, w, C1, l1, 1000, 4.0)
    r2 = run_kernel("tree", X, w, C2, l2, 1000, 4.0)
    assert r1 == r2 and r1[1] == Status.CONVERGED
    np.testing.assert_array_equal(l1, l2)
    np.testing.assert_allclose(C1, C2, rtol=1e-13)


@pytest.mark.parametrize("handover", [2, 50, 10**9])
def test_tree_kernel_hands_over_to_the_bounded_one_mid_way(handover):
    # the tree kernel stops once a pass changes fewer than `handover` labels; the bounded
    # kernel resumes with the same step state: together they take the bounded kernel's
    # own steps to the same fixed point
    X, w = photo_histogram(8, (100, 140))
    rng = np.random.default_rng(2)
    C0 = np.ascontiguousarray(X[rng.choice(X.shape[0], 40, replace=False)])
    guess = np.zeros(X.shape[0], dtype=np.int64)
    C1, l1 = C0.copy(), guess.copy()
    ref = run_kernel("bounded", X, w, C1, l1, 1000, 4.0)
    C2, l2 = C0.copy(), guess.copy()
    step = LloydStep(40, 3, 4.0)
    it, status, _ = tree_iterations(X, w, C2, l2, step, 1000, min_changed=handover)
    assert status == Status.HANDOVER and 0 < it < ref[0]
    np.testing.assert_array_equal(l2, brute_nearest(X, C2))  # exact at the hand-over
    it2, status2, _ = bounded_iterations(X, w, C2, l2, step, 1000 - it)
    assert (it + it2, status2) == ref[:2]
    np.testing.assert_array_equal(l1, l2)
    np.testing.assert_allclose(C1, C2, rtol=1e-13)


def test_lloyd_reuses_a_tree_built_before():
    X, w = photo_histogram(9, (100, 140))
    rng = np.random.default_rng(5)
    C0 = np.ascontiguousarray(X[rng.choice(X.shape[0], TREE_MIN_K, replace=False)])
    C1, l1 = C0.copy(), np.zeros(X.shape[0], dtype=np.int64)
    C2, l2 = C0.copy(), np.zeros(X.shape[0], dtype=np.int64)
    r1 = lloyd(X, w, C1, l1, 1000, 4.0)
    r2 = lloyd(X, w, C2, l2, 1000, 4.0, point_tree(X, w))
    assert r1 == r2
    np.testing.assert_array_equal(C1, C2)
    np.testing.assert_array_equal(l1, l2)


def test_point_tree_holds_every_point_once_with_exact_boxes_and_sums():
    X, w = photo_histogram(3, (60, 80))
    tree = PointTree(X, w)
    np.testing.assert_array_equal(np.sort(tree.perm_arr), np.arange(X.shape[0]))
    np.testing.assert_array_equal(tree.Xs_arr, X[tree.perm_arr])
    for nd in range(tree.nn):
        s, e = tree.start_arr[nd], tree.end_arr[nd]
        pts = tree.Xs_arr[s:e]
        np.testing.assert_array_equal(tree.lo_arr[nd], pts.min(0))
        np.testing.assert_array_equal(tree.hi_arr[nd], pts.max(0))
        np.testing.assert_allclose(tree.NW_arr[nd], tree.ws_arr[s:e].sum(), rtol=1e-12)
        left = tree.left_arr[nd]
        if left >= 0:  # children split the range
            assert tree.start_arr[left] == s and tree.end_arr[left + 1] == e
            assert tree.end_arr[left] == tree.start_arr[left + 1]
        else:
            assert e - s <= 16


def test_tree_kernel_on_extreme_coordinates():
    # a span that overflows float64 (the ordering grid degenerates): no crash, exact labels
    X = np.array([[-1e308, 0, 0], [1e308, 0, 0], [0, 1, 0], [0, 2, 0], [5, 5, 5], [1e300, 1, 1]]
                 + [[i, i, 0.5] for i in range(20)])
    X = np.ascontiguousarray(np.unique(X, axis=0))
    w = np.ones(X.shape[0])
    C = np.ascontiguousarray(X[[0, 3, 7, X.shape[0] - 1]])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    with np.errstate(over="ignore"):  # some distances overflow to inf, in both
        run_kernel("tree", X, w, C, labels, 1, 1.0)
        np.testing.assert_array_equal(labels, brute_nearest(X, C))


def test_tree_kernel_on_identical_coordinates_and_single_points():
    # a degenerate axis (all points share z) and a cluster of one point
    X = np.array([[0.0, 0, 5], [1, 0, 5], [2, 0, 5], [0, 1, 5], [50, 50, 5]] + [[i, 2.0, 5] for i in range(3, 20)])
    w = np.ones(X.shape[0])
    C = np.array([[0.0, 0, 5], [10, 2, 5], [50, 50, 5]])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    it, status, _ = run_kernel("tree", X, w, C, labels, 1000, 1.0)
    assert status == Status.CONVERGED
    check_lloyd_result(X, w, C, labels, status)
    np.testing.assert_array_equal(C[2], [50, 50, 5])


def test_cluster_sums_and_step():
    X, w = photo_histogram(4, (40, 50))
    k = 6
    labels = np.arange(X.shape[0]) % k
    sums = ClusterSums(k, 3)
    sums.recompute(X, w, labels)
    np.testing.assert_allclose(sums.W_arr, np.bincount(labels, w, k))
    np.testing.assert_array_equal(sums.n_arr, np.bincount(labels, minlength=k))
    np.testing.assert_allclose(sums.S_arr[:, 1], np.bincount(labels, w * X[:, 1], k))
    np.testing.assert_allclose(sums.Q2_arr, np.bincount(labels, w * (X * X).sum(1), k))
    assert sums.first_empty() == -1
    C = np.zeros((k, 3))
    step = LloydStep(k, 3, 1.0)
    assert step.move(C, sums) == k and not step.relax
    np.testing.assert_allclose(C, sums.S_arr / sums.W_arr[:, None])
    np.testing.assert_allclose(step.delta_arr, np.sqrt((C * C).sum(1)))
    empty = ClusterSums(3, 3)
    empty.recompute(X[:2], w[:2], np.array([0, 2]))
    assert empty.first_empty() == 1


def test_iterate_stops_at_the_cap_with_exact_labels():
    X, w = photo_histogram(6, (60, 80))
    C = np.ascontiguousarray(X[:: X.shape[0] // 30][:30])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    it, status, _ = run_kernel("bounded", X, w, C, labels, 2, 1.0)
    assert (it, status) == (2, Status.MAX_ITER)
    np.testing.assert_array_equal(labels, brute_nearest(X, C))


# --------------------------------------------------------------------------- keys, coresets, split


@pytest.mark.parametrize("dtype, top", [(np.uint32, 1 << 24), (np.uint32, 1 << 32), (np.uint64, 1 << 48),
                                        (np.uint64, 1 << 64)])
def test_key_histogram_matches_numpy_unique(dtype, top):
    rng = np.random.default_rng(1)
    keys = rng.integers(0, top - 1, 50_000, dtype=np.uint64, endpoint=True).astype(dtype)
    keys[::3] = keys[7]  # repeated keys
    uniq, counts = key_histogram(keys)
    ref_u, ref_c = key_histogram_reference(keys)
    assert uniq.dtype == keys.dtype
    np.testing.assert_array_equal(uniq, ref_u)
    np.testing.assert_array_equal(counts, ref_c)


def test_key_histogram_edge_cases():
    u, c = key_histogram(np.zeros(0, np.uint32))
    assert u.size == 0 and c.size == 0
    u, c = key_histogram(np.array([5, 5, 0], np.uint32))
    np.testing.assert_array_equal(u, [0, 5])
    np.testing.assert_array_equal(c, [1, 2])
    u, c = key_histogram(np.zeros(7, np.uint64))  # one key: no pass moves anything
    np.testing.assert_array_equal(u, [0])
    np.testing.assert_array_equal(c, [7])


@pytest.mark.parametrize("dtype, top", [(np.uint32, 1), (np.uint32, 1 << 12), (np.uint32, (1 << 24) - 1),
                                        (np.uint32, 1 << 24)])
def test_key_histogram_at_the_24_bit_boundary(dtype, top):
    # keys below 2**24 take the one-scatter path, keys from 2**24 on the general one
    rng = np.random.default_rng(2)
    keys = rng.integers(0, top, 30_000, dtype=np.uint64, endpoint=True).astype(dtype)
    keys[-1] = top
    uniq, counts = key_histogram(keys)
    ref_u, ref_c = key_histogram_reference(keys)
    np.testing.assert_array_equal(uniq, ref_u)
    np.testing.assert_array_equal(counts, ref_c)


@given(seed=st.integers(0, 10**6), n=st.integers(0, 3000), channels=st.integers(1, 4), levels=st.sampled_from([2, 16, 256]))
@settings(max_examples=40, deadline=None)
def test_pixel_key_histogram_is_pack_then_unique(seed, n, channels, levels):
    rng = np.random.default_rng(seed)
    px = rng.integers(0, levels, (n, channels), dtype=np.uint16).astype(np.uint8)
    if n > 10:
        px[: n // 3] = px[n // 2]  # a run of one colour
    uniq, counts = pixel_key_histogram(px)
    ref_u, ref_c = key_histogram_reference(pack_keys(px)) if n else (np.zeros(0, np.uint32), np.zeros(0, np.int64))
    assert uniq.dtype == np.uint32 and counts.dtype == np.int64
    np.testing.assert_array_equal(uniq, ref_u)
    np.testing.assert_array_equal(counts, ref_c)


def test_pixel_key_histogram_refuses_five_channels():
    with pytest.raises(ValueError, match="1 to 4 channels"):
        pixel_key_histogram(np.zeros((3, 5), np.uint8))


@given(seed=st.integers(0, 10**6), parts=st.integers(1, 9), wide=st.booleans())
@settings(max_examples=30, deadline=None)
def test_merged_key_counts_are_the_histogram_of_the_union(seed, parts, wide):
    rng = np.random.default_rng(seed)
    dtype = np.uint64 if wide else np.uint32
    chunks = [rng.integers(0, 500, rng.integers(0, 400), dtype=np.uint64).astype(dtype) * 977 for _ in range(parts)]
    hists = [key_histogram_reference(c) for c in chunks]
    keys, counts = merge_packed(*[(u.astype(dtype), c.astype(np.int64)) for u, c in hists])
    ref_u, ref_c = key_histogram_reference(np.concatenate(chunks))
    assert keys.dtype == dtype
    np.testing.assert_array_equal(keys, ref_u)
    np.testing.assert_array_equal(counts, ref_c)


def test_merge_key_counts_checks_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        merge_key_counts(np.array([1], np.uint32), np.array([1, 2], np.int64), np.array([1], np.uint32),
                         np.array([1], np.int64))


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("make", ["grid", "refined"])
def test_coresets_match_the_reference(make, channels):
    X, w = photo_histogram(12, (150, 150), channels)
    if make == "grid":
        got, want = grid_coreset(X, w, 4), grid_coreset_reference(X, w, 4)
    else:
        got, want = refined_coreset(X, w, 3, 16), refined_coreset_reference(X, w, 3, 16)
    np.testing.assert_array_equal(got.bin_of, want[2])
    np.testing.assert_allclose(got.points, want[0], rtol=1e-12)
    np.testing.assert_allclose(got.weights, want[1], rtol=1e-12)


def test_grid_coreset_of_a_grid_too_large_for_a_table():
    # 2**7 bins per axis on four axes: 2**28 bins, pooled by sorting the keys
    X, w = photo_histogram(2, (60, 60), 4)
    got, want = grid_coreset(X, w, 7), grid_coreset_reference(X, w, 7)
    np.testing.assert_array_equal(got.bin_of, want[2])
    np.testing.assert_allclose(got.points, want[0], rtol=1e-12)


def test_refined_coreset_refuses_a_coarse_grid_too_large_for_a_table():
    X, w = photo_histogram(2, (20, 20), 4)
    with pytest.raises(ValueError, match="24"):
        refined_coreset(X, w, 7, 8)


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
@pytest.mark.parametrize("k", [1, 5, 40, 400])
def test_variance_split_matches_the_reference(k, channels):
    X, w = photo_histogram(13, (80, 80), channels)
    got, n = variance_split(X, w, k)
    want, nref = variance_split_reference(X, w, k)
    assert n == nref == min(k, X.shape[0])
    # the same boxes, numbered alike (the split order is the same)
    np.testing.assert_array_equal(got, want)


def test_variance_split_the_same_on_any_thread_count():
    X, w = photo_histogram(14, (150, 150))
    with vqpress.thread_limit(1):
        one = variance_split(X, w, 64)
    np.testing.assert_array_equal(variance_split(X, w, 64)[0], one[0])


def test_variance_split_sorts_signed_zeros_and_negative_values():
    X = np.array([[-0.0, 1, 2], [0.0, -1, 2], [-3.5, 1e30, -2], [2.0, -1e-30, 0], [-0.0, 5, 5], [7, 7, -1e-300]])
    w = np.arange(1.0, 7.0)
    for k in (2, 4, 6):
        np.testing.assert_array_equal(variance_split(X, w, k)[0], variance_split_reference(X, w, k)[0])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), m=st.integers(1, 500), d=st.sampled_from([3, 4]), k=st.integers(1, 12))
def test_weighted_sse_matches_the_reference(seed, m, d, k):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 255, (m, d))
    w = rng.integers(1, 50, m).astype(float)
    C = rng.uniform(0, 255, (k, d))
    labels = rng.integers(0, k, m)
    assert weighted_sse(X, w, C, labels) == weighted_sse_reference(X, w, C, labels)


def test_iterate_needs_a_kernel_that_made_its_first_pass():
    X, w = photo_histogram(6, (30, 30))
    C = X[:5].copy()
    walker = TreeLloyd(point_tree(X, w), np.zeros(X.shape[0], dtype=np.int64), 5)
    walker.assign(C)
    r = iterate(walker, LloydStep(5, 3, 1.0), C, 1000, rewrites_sums=True)
    labels = np.empty(X.shape[0], dtype=np.int64)
    walker.labels_out(labels)
    check_lloyd_result(X, w, C, labels, r[1])


def test_bounded_kernel_on_many_points_far_from_convergence():
    # most points are read again in the first passes: chunks of m / 64 points each
    rng = np.random.default_rng(8)
    X = np.unique(rng.integers(0, 256, (150_000, 3)), axis=0).astype(float)
    w = np.ones(X.shape[0])
    C = np.ascontiguousarray(X[rng.choice(X.shape[0], 20, replace=False)])
    labels = np.zeros(X.shape[0], dtype=np.int64)
    it, status, _ = run_kernel("bounded", X, w, C, labels, 3, 4.0)
    assert (it, status) == (3, Status.MAX_ITER)
    np.testing.assert_array_equal(labels, brute_nearest(X, C))


@pytest.mark.parametrize("make", [lambda X, w: PointTree(X, w), lambda X, w: grid_coreset(X, w, 1),
                                  lambda X, w: refined_coreset(X, w, 1, 4)])
def test_tree_and_pooling_refuse_too_many_coordinates_or_no_points(make):
    with pytest.raises(ValueError, match="1 to 8 coordinates"):
        make(np.zeros((5, 9)), np.ones(5))
    with pytest.raises(ValueError, match="at least one point"):
        make(np.zeros((0, 3)), np.ones(0))
