"""The palette's symbol order that the cm encoder writes (``vqpress.coding.symbol_order``): the
spectral order (it finds a hidden order; its Lanczos iterations against the full
decomposition, the tridiagonal eigenpair, the fall-back), the refinement by swaps against a
numpy reference, and the encoder's use of both. The compiled helpers' bits against numpy:
test_symbol_order.py."""

import numpy as np
import pytest
from cm_helpers import blobs
from hypothesis import given, settings
from hypothesis import strategies as st

from vqpress.coding import cm
from vqpress.coding import symbol_order
from vqpress.coding._tridiagonal import top_eigenpair
from vqpress.coding.symbol_order import _LANCZOS_MIN, adjacency, arrangement_cost, refine_order, spectral_order


def test_spectral_order_finds_the_hidden_order():
    codes = blobs(80, 90, 32, seed=7, noise=0.0)  # levels in order: neighbours differ by 1
    shuffle = np.random.default_rng(8).permutation(32)
    shuffled = shuffle[codes]
    order = spectral_order(shuffled, 32)
    assert sorted(order.tolist()) == list(range(32))
    adj = adjacency(shuffled, 32)
    assert (adj == adj.T).all() and (np.diag(adj) == 0).all()
    assert arrangement_cost(order, adj) <= arrangement_cost(np.argsort(shuffle), adj) * 1.05
    assert arrangement_cost(order, adj) < arrangement_cost(np.arange(32), adj) / 3


def test_adjacency_compiled_equals_numpy():
    rng = np.random.default_rng(4)
    for shape, n in (((1, 1), 2), ((1, 9), 3), ((9, 1), 3), ((2, 2), 5), ((6, 2), 4), ((37, 53), 256), ((20, 30), 7)):
        codes = rng.integers(0, n, shape).astype(np.uint8)
        np.testing.assert_array_equal(adjacency(codes, n), adjacency(codes.astype(np.int64), n))


@pytest.mark.parametrize("n, seed", [(128, 1), (200, 2), (256, 3)])
def test_spectral_order_by_lanczos_equals_the_full_decomposition(monkeypatch, n, seed):
    codes = np.random.default_rng(seed).permutation(n)[blobs(120, 150, n, seed=seed, noise=0.1)]
    adj = adjacency(codes, n)
    fast = spectral_order(codes, n, adj)
    monkeypatch.setattr(symbol_order, "_LANCZOS_MIN", 10**6)  # always the full decomposition
    np.testing.assert_array_equal(fast, spectral_order(codes, n, adj))


@pytest.mark.parametrize("seed", range(6))
def test_spectral_order_by_lanczos_equals_the_full_decomposition_on_part_of_the_alphabet(
        monkeypatch, seed):
    # 150-220 of 256 symbols meet: Lanczos runs on the linked ones only
    rng = np.random.default_rng(seed)
    used = int(rng.integers(150, 221))
    noise = (0.0, 0.02, 0.1)[seed % 3]
    codes = rng.permutation(256)[:used][blobs(100, 130, used, seed=seed, noise=noise)].astype(np.uint8)
    adj = adjacency(codes, 256)
    assert _LANCZOS_MIN <= (adj.sum(axis=1) > 0).sum() < 256
    fast = spectral_order(codes, 256, adj)
    monkeypatch.setattr(symbol_order, "_LANCZOS_MIN", 10**6)
    np.testing.assert_array_equal(fast, spectral_order(codes, 256, adj))


@settings(max_examples=60)
@given(k=st.integers(1, 90), seed=st.integers(0, 2**32 - 1), zeros=st.floats(0.0, 0.5))
def test_top_eigenpair_equals_numpy(k, seed, zeros):
    rng = np.random.default_rng(seed)
    alpha = rng.normal(size=k) * rng.choice([1e-3, 1.0, 1e3])
    beta = rng.normal(size=k - 1) * (rng.random(k - 1) >= zeros)  # some split the matrix
    tri = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    values, vectors = np.linalg.eigh(tri)
    theta, vec = top_eigenpair(alpha, beta)
    scale = max(np.abs(values).max(), 1e-300)
    assert abs(theta - values[-1]) <= 1e-13 * scale
    assert abs(np.linalg.norm(vec) - 1) < 1e-13
    assert np.abs(tri @ vec - values[-1] * vec).max() <= 1e-12 * scale
    if k == 1 or values[-1] - values[-2] > 1e-6 * scale:  # a single top eigenvector
        assert min(np.abs(vec - vectors[:, -1]).max(), np.abs(vec + vectors[:, -1]).max()) < 1e-9


def test_top_eigenpair_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="alpha must have one entry more than beta; got 3 and 3"):
        top_eigenpair(np.ones(3), np.ones(3))


def test_spectral_order_falls_back_when_lanczos_does_not_converge(monkeypatch):
    codes = np.random.default_rng(5).permutation(160)[blobs(60, 70, 160, seed=5, noise=0.1)]
    adj = adjacency(codes, 160)
    monkeypatch.setattr(symbol_order, "_LANCZOS_MIN", 10**6)
    full = spectral_order(codes, 160, adj)
    monkeypatch.setattr(symbol_order, "_LANCZOS_MIN", 2)
    monkeypatch.setattr(symbol_order, "_LANCZOS_MAX_STEPS", 3)  # too few: no convergence
    linked = np.flatnonzero(adj.sum(axis=1) > 0)
    walk = adj[np.ix_(linked, linked)]
    assert symbol_order._second_vector(walk, np.ones(len(linked))) is None
    np.testing.assert_array_equal(spectral_order(codes, 160, adj), full)


def test_spectral_order_of_symbols_that_never_meet():
    order = spectral_order(np.array([[3, 3], [3, 3]]), 5)
    assert sorted(order.tolist()) == [0, 1, 2, 3, 4]


def _refine_by_numpy(order, adj, sweeps):
    """refine_order as it was written in numpy (before the compiled sweeps): the reference."""
    order = np.array(order, dtype=np.int64)
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    for _ in range(sweeps):
        improved = False
        for i in range(len(order) - 1):
            a, b = order[i], order[i + 1]
            left, right = pos < i, pos > i + 1
            if (adj[a, left].sum() - adj[a, right].sum()) - (adj[b, left].sum() - adj[b, right].sum()) < 0:
                order[i], order[i + 1] = b, a
                pos[a], pos[b] = i + 1, i
                improved = True
        if not improved:
            break
    return order


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 2**32 - 1), sweeps=st.integers(0, 12),
       sparse=st.booleans())
def test_refine_order_makes_the_swaps_of_the_reference_and_never_raises_the_cost(n, seed, sweeps, sparse):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 50, (n, n)) * (rng.random((n, n)) < (0.2 if sparse else 1.0))
    adj = (counts + counts.T).astype(np.float64)
    np.fill_diagonal(adj, 0.0)
    start = rng.permutation(n)
    kept = start.copy()
    got = refine_order(start, adj, sweeps)
    np.testing.assert_array_equal(got, _refine_by_numpy(start, adj, sweeps))
    assert sorted(got.tolist()) == list(range(n)) and got.dtype == np.int64
    assert arrangement_cost(got, adj) <= arrangement_cost(start, adj)
    np.testing.assert_array_equal(start, kept)  # the caller's order is not changed


def test_refine_order_stops_where_no_swap_lowers_the_cost():
    codes = blobs(64, 64, 48, seed=5)
    adj = adjacency(codes, 48)
    order = refine_order(spectral_order(codes, 48, adj), adj, sweeps=1000)
    for i in range(47):  # a local optimum: each adjacent swap costs as much or more
        swapped = order.copy()
        swapped[i], swapped[i + 1] = order[i + 1], order[i]
        assert arrangement_cost(swapped, adj) >= arrangement_cost(order, adj)
    from vqpress.coding._order_swaps import refine_swaps

    with pytest.raises(ValueError, match="adj is 48 x 48; the order has 3 symbols"):
        refine_swaps(adj, np.arange(3, dtype=np.int64), 1)


def test_the_encoder_orders_a_palette_roughly_then_by_swaps():
    # the encoder's order since round 11: Lanczos stopped early, then swaps; on this map the
    # arrangement is no costlier than the exact order's (refined the same way)
    codes = blobs(96, 96, 200, seed=9)
    adj = adjacency(codes, 200)
    assert (adj.sum(axis=1) > 0).sum() >= _LANCZOS_MIN
    rough = refine_order(spectral_order(codes, 200, adj, tol=symbol_order.ROUGH_TOL), adj)
    exact = refine_order(spectral_order(codes, 200, adj), adj)
    assert arrangement_cost(rough, adj) <= arrangement_cost(exact, adj) * 1.01
    payload = cm.encode(codes, 200, ordered=False, effort=2)
    np.testing.assert_array_equal(np.frombuffer(payload[12:212], np.uint8), rough)  # the payload's order
