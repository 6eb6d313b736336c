"""Work of a k-means fit run beside other work, each on one thread: the two starts side by
side (``vqpress.colour.kmeans._starts_side_by_side``) and a large palette's start beside
the building of the exact stage's tree (``_start_beside_the_tree``). The same answers as
one after the other, errors passed on without leaving the helper waiting, and the
one-thread switch of the back end (``vqpress.colour._backend.one_thread``)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from vqpress.colour import _backend, kmeans
from vqpress.colour.histogram import colour_histogram

from test_colour import photo_like

K = _backend.kernels()
pytestmark = pytest.mark.skipif(K is None or not _backend.threads_apart(),
                                reason="needs numba with a threading layer that allows it")
K64 = _backend.TREE_MIN_K  # the smallest palette that runs the two starts side by side
K_LARGE = kmeans._TWO_STARTS_MAX_K + 1  # one start, beside the building of the tree


@pytest.fixture(scope="module")
def histogram():
    colours, counts = colour_histogram(photo_like(7, (200, 200)).reshape(-1, 3))
    X, w = colours.astype(np.float64), counts.astype(np.float64)
    assert X.shape[0] > max(kmeans._EXACT_MAX, 16 * K64) and K64 <= kmeans._TWO_STARTS_MAX_K
    return X, w


def one_after_the_other(X, w, k):
    bits = kmeans._CORESET_BITS[X.shape[1]]
    fine = kmeans.refined_coreset(X, w, bits, k)
    return [kmeans._coreset_start(fine, [fine], k, "split", 0),
            kmeans._coarse_start(X, w, k, bits, fine, "split", 0)]


def test_side_by_side_starts_match_one_after_the_other(histogram):
    X, w = histogram
    bits = kmeans._CORESET_BITS[3]
    together = kmeans._starts_side_by_side(X, w, K64, bits, "split", 0)
    with _backend.one_thread():  # the same thread count: the same additions, to the bit
        apart = one_after_the_other(X, w, K64)
    for a, b in zip(together, apart):
        np.testing.assert_array_equal(a[0], b[0])  # centres
        np.testing.assert_array_equal(a[1], b[1])  # labels
        assert a[2] == b[2]  # squared error


def test_kmeans_fit_takes_the_side_by_side_path_with_the_same_result(histogram, monkeypatch):
    X, w = histogram
    taken = []
    real = kmeans._starts_side_by_side
    monkeypatch.setattr(kmeans, "_starts_side_by_side", lambda *a: taken.append(1) or real(*a))
    C1, lab1 = kmeans.kmeans_fit(X, w, K64)
    assert taken == [1]
    monkeypatch.setattr(_backend, "threads_apart", lambda: False)
    with _backend.one_thread():
        C2, lab2 = kmeans.kmeans_fit(X, w, K64)
    assert taken == [1]
    np.testing.assert_array_equal(C1, C2)
    np.testing.assert_array_equal(lab1, lab2)


def test_start_beside_the_tree_matches_one_after_the_other(histogram):
    X, w = histogram
    bits = kmeans._CORESET_BITS[3]
    (start,), tree = kmeans._start_beside_the_tree(X, w, K_LARGE, bits, "split", 0)
    with _backend.one_thread():  # as there: the coreset and split on one thread, then all
        fine = kmeans.refined_coreset(X, w, bits, K_LARGE)
        first = kmeans._initial(fine.points, fine.weights, K_LARGE, "split", 0)
    want = kmeans._coreset_start(fine, [fine], K_LARGE, "split", 0, start=first)
    for a, b in zip(start, want):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(tree, _backend.point_tree(X, w)):  # the tree of X and w, whatever thread built it
        np.testing.assert_array_equal(a, b)
    # and the fit with it is the fit without it
    C1, lab1 = kmeans.kmeans_fit(X, w, K_LARGE)
    C2 = start[0].copy()
    lab2 = np.ascontiguousarray(start[1], dtype=np.int64)
    kmeans.lloyd_fixed_point(X, w, C2, lab2, kmeans._BETA)
    np.testing.assert_array_equal(C1, C2)
    np.testing.assert_array_equal(lab1, lab2)


@pytest.mark.parametrize("k, module, where", [(K64, kmeans, "refined_coreset"), (K64, kmeans, "grid_coreset"),
                                               (K_LARGE, kmeans, "refined_coreset"),
                                               (K_LARGE, _backend, "point_tree")])
def test_an_error_on_either_thread_is_raised_and_nothing_is_left_waiting(histogram, monkeypatch, k, module, where):
    X, w = histogram

    def broken(*args, **kwargs):
        raise RuntimeError(f"{where} failed")

    monkeypatch.setattr(module, where, broken)
    with pytest.raises(RuntimeError, match=f"{where} failed"):
        kmeans.kmeans_fit(X, w, k)
    monkeypatch.undo()
    # the helper thread is free again: the next fit runs to the end
    C, lab = kmeans.kmeans_fit(X, w, k)
    assert C.shape == (k, 3) and lab.shape == (X.shape[0],)


def test_side_by_side_fits_from_several_threads_at_once(histogram):
    X, w = histogram
    cases = [(s, k) for s in range(2) for k in (K64, K_LARGE)]
    serial = [kmeans.kmeans_fit(X[s:], w[s:], k)[0] for s, k in cases]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda c: kmeans.kmeans_fit(X[c[0]:], w[c[0]:], c[1])[0], cases))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_one_thread_runs_alone_without_the_lock_and_restores_both():
    import numba

    before = numba.get_num_threads()
    assert _backend._parallel_lock() is _backend._PARALLEL
    with _backend.one_thread():
        assert numba.get_num_threads() == 1
        assert _backend._parallel_lock() is not _backend._PARALLEL
        seen = []
        other = threading.Thread(target=lambda: seen.append(_backend._parallel_lock() is _backend._PARALLEL))
        other.start()
        other.join()
        assert seen == [True]  # the switch is this thread's only
    assert numba.get_num_threads() == before
    assert _backend._parallel_lock() is _backend._PARALLEL
    with pytest.raises(KeyError), _backend.one_thread():
        raise KeyError("restored on errors too")
    assert numba.get_num_threads() == before
    assert _backend._parallel_lock() is _backend._PARALLEL


def test_a_forked_child_makes_its_own_helper(histogram):
    import multiprocessing

    X, w = histogram
    kmeans.kmeans_fit(X, w, K64)  # the parent's helper exists
    assert kmeans._helper is not None
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(_helper_after_fork) is None


def _helper_after_fork():
    return kmeans._helper


def test_threads_apart_and_point_tree_without_numba(monkeypatch):
    monkeypatch.setenv("VQPRESS_NO_NUMBA", "1")
    assert _backend.threads_apart() is False
    assert _backend.point_tree(np.zeros((3, 3)), np.ones(3)) is None
