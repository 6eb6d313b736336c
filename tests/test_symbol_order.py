"""The compiled helpers of the palette's symbol order (``vqpress.coding.symbol_order``): the
neighbour-pair counts (``_pair_counts.pyx``) against numpy's, and the swaps of
``refine_order`` (``_order_swaps.pyx``) against the sweeps that add a row of counts per
position, which they replaced (round 13), on the maps the encoder meets."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from cm_helpers import blobs

import vqpress
from vqpress.coding import symbol_order
from vqpress.coding._order_swaps import refine_swaps
from vqpress.coding._pair_counts import BAND_PIXELS, pair_counts, scaled_by_degree
from vqpress.coding.symbol_order import ROUGH_TOL, adjacency, refine_order, spectral_order


def smooth_map(h, w, n, seed, noise):
    """Smooth regions of n symbols (cm_helpers.py's blobs) in a shuffled order, some pixels noise."""
    return np.random.default_rng(seed).permutation(n)[blobs(h, w, n, seed, noise)].astype(np.uint8)


def pair_counts_by_numpy(codes, n):
    """The counts by bincount of each direction's pairs (symbol_order.adjacency's numpy path)."""
    return adjacency(codes.astype(np.int64), n)


@settings(max_examples=80, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.sampled_from([1, 2, 3, 7, 16, 64, 200, 256]),
       seed=st.integers(0, 2**32 - 1), flat=st.floats(0.0, 1.0), band=st.integers(0, 3))
def test_pair_counts_equal_numpy(h, w, n, seed, flat, band):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n, (h, w)).astype(np.uint8)
    codes[rng.random((h, w)) < flat] = codes[0, 0]  # runs of equal pairs (one counter in a row)
    # bands of one row, a few rows, or the whole map: each band's counts added to the last
    band_pixels = (w, 3 * w - 1, 7 * w, BAND_PIXELS)[band]
    got = pair_counts(codes, n, band_pixels)
    np.testing.assert_array_equal(got, pair_counts_by_numpy(codes, n))
    assert got.dtype == np.float64 and got.shape == (n, n) and got.flags.c_contiguous


def test_pair_counts_of_a_picture_in_bands_equal_those_of_one_band():
    codes = smooth_map(300, 451, 256, seed=3, noise=0.1)
    whole = pair_counts(codes, 256)
    np.testing.assert_array_equal(whole, pair_counts_by_numpy(codes, 256))
    np.testing.assert_array_equal(pair_counts(codes, 256, 451 * 37), whole)
    assert (whole == whole.T).all() and (np.diag(whole) == 0).all()
    c = codes
    unequal = sum(int((u != v).sum()) for u, v in ((c[:, 1:], c[:, :-1]), (c[1:], c[:-1]), (c[1:, 1:], c[:-1, :-1]),
                                                    (c[1:, :-1], c[:-1, 1:])))
    assert whole.sum() == 2 * unequal  # every unequal pair counted, in both orders


def test_pair_counts_of_an_empty_map_are_zero():
    np.testing.assert_array_equal(pair_counts(np.zeros((0, 5), np.uint8), 4), np.zeros((4, 4)))
    np.testing.assert_array_equal(pair_counts(np.zeros((3, 0), np.uint8), 4), np.zeros((4, 4)))


def test_pair_counts_refuse_a_band_that_holds_no_row_and_a_wrong_alphabet():
    codes = np.zeros((4, 10), np.uint8)
    with pytest.raises(ValueError, match="a band of 9 pixels"):
        pair_counts(codes, 4, 9)
    with pytest.raises(ValueError, match="a band of 0 pixels"):
        pair_counts(codes, 4, 0)
    with pytest.raises(ValueError, match=f"a band of {BAND_PIXELS + 1} pixels"):
        pair_counts(codes, 4, BAND_PIXELS + 1)
    with pytest.raises(ValueError, match="n must be in 1..256; got 257"):
        pair_counts(codes, 257)


def test_adjacency_refuses_codes_outside_the_alphabet():
    codes = np.array([[0, 1], [2, 5]], np.uint8)
    with pytest.raises(vqpress.VQError, match="codes hold the value 5; allowed are 0..3"):
        adjacency(codes, 4)
    with pytest.raises(vqpress.VQError, match="codes hold the value 5; allowed are 0..3"):
        adjacency(codes.astype(np.int64), 4)


def refine_by_rows(order, adj, sweeps):
    """refine_order's sweeps before round 13: a running sum of the links to the left, one
    row of the counts added per position (the swaps must be the same)."""
    order = np.array(order, dtype=np.int64)
    deg = adj.sum(axis=1)
    for _ in range(sweeps):
        improved = False
        left = np.zeros(len(order))
        for i in range(len(order) - 1):
            a, b = order[i], order[i + 1]
            if 2 * (left[a] - left[b]) - deg[a] + deg[b] < 0:
                order[i], order[i + 1] = b, a
                improved = True
            left += adj[order[i]]
        if not improved:
            break
    return order


@pytest.mark.parametrize("n, seed, noise", [(256, 1, 0.02), (256, 2, 0.2), (200, 3, 0.1), (64, 4, 0.05),
                                            (16, 5, 0.3)])
def test_refine_order_makes_the_swaps_of_the_sweeps_by_rows(n, seed, noise):
    codes = smooth_map(120, 160, n, seed, noise)
    adj = adjacency(codes, n)
    for start in (spectral_order(codes, n, adj, tol=ROUGH_TOL), np.random.default_rng(seed).permutation(n)):
        np.testing.assert_array_equal(refine_order(start, adj), refine_by_rows(start, adj, 64))


def test_refine_swaps_counts_the_sweeps_that_swapped():
    adj = np.zeros((4, 4))
    adj[0, 1] = adj[1, 0] = adj[2, 3] = adj[3, 2] = 5.0
    adj[1, 2] = adj[2, 1] = 1.0
    order = np.array([0, 2, 1, 3], dtype=np.int64)  # 2 and 1 swap once, then nothing moves
    assert refine_swaps(adj, order, 10) == 1
    np.testing.assert_array_equal(order, [0, 1, 2, 3])
    assert refine_swaps(adj, order, 10) == 0
    assert refine_swaps(adj, np.array([0, 2, 1, 3], dtype=np.int64), 0) == 0


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 70), seed=st.integers(0, 2**32 - 1), whole=st.booleans())
def test_scaled_by_degree_has_the_bits_of_numpy(m, seed, whole):
    rng = np.random.default_rng(seed)
    sub = rng.integers(0, 1000, (m, m)).astype(np.float64) if whole else rng.random((m, m)) * 10.0 ** rng.integers(-5, 6)
    sub = sub + sub.T
    inv_sqrt = 1.0 / np.sqrt(sub.sum(axis=1) + 1.0)
    got = scaled_by_degree(sub, inv_sqrt)
    want = inv_sqrt[:, None] * sub * inv_sqrt[None, :]  # spectral_order's expression before round 13
    assert got.tobytes() == want.tobytes()


def test_scaled_by_degree_of_a_picture_has_the_bits_of_numpy():
    codes = smooth_map(90, 110, 256, seed=6, noise=0.1)
    adj = adjacency(codes, 256)
    d = adj.sum(axis=1)
    inv_sqrt = 1.0 / np.sqrt(d[d > 0])
    sub = np.ascontiguousarray(adj[d > 0][:, d > 0])
    assert symbol_order._LANCZOS_MIN <= len(inv_sqrt)
    assert scaled_by_degree(sub, inv_sqrt).tobytes() == (inv_sqrt[:, None] * sub * inv_sqrt[None, :]).tobytes()
    with pytest.raises(ValueError, match="sub is 3 x 3 and inv_sqrt has 2 entries"):
        scaled_by_degree(np.ones((3, 3)), np.ones(2))


def second_vector_by_matmul(walk, top, tol):
    """symbol_order._second_vector before round 13, with the @ operator: the reference whose
    bits the ndarray.dot version must have."""
    from vqpress.coding._tridiagonal import top_eigenpair

    n = len(top)
    steps = min(n - 1, symbol_order._LANCZOS_MAX_STEPS)
    basis = np.empty((steps + 2, n))
    basis[0] = top / np.linalg.norm(top)
    q = np.cos(np.arange(n) * 2.399963229728653 + 0.5)
    q -= basis[0] * (basis[0] @ q)
    basis[1] = q / np.linalg.norm(q)
    alpha, beta, z = np.empty(steps), np.empty(steps), np.empty(n)
    for j in range(steps):
        done = basis[: j + 2]
        np.dot(walk, basis[j + 1], out=z)
        c = done @ z
        alpha[j] = c[j + 1]
        z -= c @ done
        z -= (done @ z) @ done
        b = beta[j] = math.sqrt(z @ z)
        k = j + 1
        if (k >= 24 and k % symbol_order._LANCZOS_TEST_EVERY == 0) or k == steps or b < 1e-12:
            _, s = top_eigenpair(alpha[:k], beta[: k - 1])
            if abs(b * s[-1]) < tol:
                return basis[1: k + 1].T @ s
            if b < 1e-12:
                return None
        np.divide(z, b, out=basis[j + 2])
    return None


@pytest.mark.parametrize("n, seed, noise", [(256, 1, 0.02), (256, 2, 0.2), (200, 3, 0.1), (131, 4, 0.05),
                                            (256, 5, 0.0), (170, 6, 0.5)])
@pytest.mark.parametrize("tol", [ROUGH_TOL, 1e-9])
def test_second_vector_has_the_bits_of_the_matmul_version(n, seed, noise, tol):
    codes = smooth_map(100, 140, n, seed, noise)
    adj = adjacency(codes, n)
    d = adj.sum(axis=1)
    linked = d > 0
    inv_sqrt = 1.0 / np.sqrt(d[linked])
    walk = scaled_by_degree(np.ascontiguousarray(adj[linked][:, linked]), inv_sqrt)
    got = symbol_order._second_vector(walk, np.sqrt(d[linked]), tol)
    want = second_vector_by_matmul(walk, np.sqrt(d[linked]), tol)
    assert (got is None) == (want is None)
    if got is not None:
        assert got.tobytes() == want.tobytes()


def test_dot_has_the_bits_of_matmul_on_every_lanczos_shape():
    # the products of _second_vector's steps: (k, n) by (n,), (k,) by (k, n), (n,) by (n,)
    rng = np.random.default_rng(11)
    for n in (128, 171, 256):
        basis = rng.normal(size=(symbol_order._LANCZOS_MAX_STEPS + 2, n))
        z = rng.normal(size=n)
        assert z.dot(z) == z @ z
        for k in range(2, symbol_order._LANCZOS_MAX_STEPS + 3):
            done = basis[:k]
            c = rng.normal(size=k)
            assert done.dot(z).tobytes() == (done @ z).tobytes()
            assert c.dot(done).tobytes() == (c @ done).tobytes()


def test_adjacency_counts_rows_wider_than_a_band_with_numpy(monkeypatch):
    from vqpress.coding import _pair_counts

    codes = smooth_map(6, 40, 7, seed=8, noise=0.2)
    want = adjacency(codes, 7)
    monkeypatch.setattr(_pair_counts, "BAND_PIXELS", 39)  # a row of 40 pixels is wider than a band
    np.testing.assert_array_equal(adjacency(codes, 7), want)
    with pytest.raises(ValueError, match="a band of 39 pixels"):
        pair_counts(codes, 7, 39)
