"""The bounded Lloyd kernel's layout of the points by cluster and margin
(``vqpress.colour._margin_layout``). The kernel's exactness with it is tested in
test_colour_kernels.py; here each helper's own contract."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vqpress.colour._margin_layout import head_chunks, margin_layout

LEVELS = 64


def layout_case(seed, m, k):
    rng = np.random.default_rng(seed)
    lab = rng.integers(0, k, m).astype(np.uint32)
    QF = (rng.normal(0, 10, (m, 3)) ** 2).astype(np.float32)
    QF[rng.random((m, 3)) < 0.05] *= -1  # a few negative margins
    QF[rng.random((m, 3)) < 0.02] = np.inf  # and some unbounded ones
    QN = np.zeros((m, 2), dtype=np.uint32)
    QN[:, 1] = rng.integers(0, k, m)
    inring = (rng.random((k, k)) < 0.7).astype(np.uint8)
    return lab, QF, QN, inring


def margins(lab, QF, QN, inring):
    """The margin the layout sorts by: the smaller of the ring's and the runner-up's, or
    none (-inf) if the runner-up is not in the ring."""
    mu = np.minimum(QF[:, 0], QF[:, 1])
    return np.where(inring[lab, QN[:, 1]] != 0, mu, -np.inf)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), m=st.integers(1, 3000), k=st.integers(1, 40))
def test_margin_layout_sorts_by_cluster_and_bounds_every_later_level(seed, m, k):
    lab, QF, QN, inring = layout_case(seed, m, k)
    order, bstart, edge, sufq2 = margin_layout(lab, QF, QN, inring, k)[:4]
    assert np.array_equal(np.sort(order), np.arange(m))
    mu = margins(lab, QF, QN, inring)
    assert bstart[0] == 0 and bstart[-1] == m and (np.diff(bstart) >= 0).all()
    bucket = np.repeat(np.arange(k * LEVELS), np.diff(bstart))
    np.testing.assert_array_equal(lab[order], bucket // LEVELS)  # by cluster
    for a in range(k):
        for lev in range(LEVELS):
            b = a * LEVELS + lev
            later = order[bstart[b]:bstart[(a + 1) * LEVELS]]
            if lev == 0:
                assert edge[b] == -np.inf
            elif later.size:
                assert edge[b] == mu[later].min()  # the bound is exact, not just valid
                assert sufq2[b] == QF[later, 2].min()
            else:
                assert edge[b] == np.inf and sufq2[b] == np.inf
        ranks = (bucket[bstart[a * LEVELS]:bstart[(a + 1) * LEVELS]]) % LEVELS
        idx = order[bstart[a * LEVELS]:bstart[(a + 1) * LEVELS]]
        # within a level, the points keep their order (memory locality)
        for lev in np.unique(ranks):
            assert (np.diff(idx[ranks == lev]) > 0).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), m=st.integers(1, 3000), k=st.integers(1, 40), chunk=st.integers(1, 700),
       max_chunks=st.integers(1, 9))
def test_heads_skip_only_points_that_pass_and_cut_the_rest_into_chunks(seed, m, k, chunk, max_chunks):
    lab, QF, QN, inring = layout_case(seed, m, k)
    order, bstart, edge, sufq2 = margin_layout(lab, QF, QN, inring, k)[:4]
    mu = margins(lab, QF, QN, inring)
    rng = np.random.default_rng(seed)
    lev = np.zeros(k, dtype=np.int64)
    for _ in range(3):  # thresholds that grow and shrink: the heads never shrink
        before = lev.copy()
        thr = rng.uniform(0, 200, k)
        risky = rng.random(k) < 0.3  # far centres not known to be far
        D0 = rng.uniform(0, 150, k)
        G0 = 50.0
        chunks, toff = head_chunks(bstart, edge, sufq2, lev, thr, (~risky).astype(np.uint8), D0, G0, chunk, max_chunks)
        assert (lev >= before).all() and (lev <= LEVELS).all()
        looked = [np.arange(lo, hi) for ranges in chunks for lo, hi in ranges]
        looked = np.concatenate(looked) if looked else np.zeros(0, np.int64)
        total = looked.size
        assert total == np.unique(looked).size
        assert len(chunks) <= max_chunks and (total == 0) == (len(chunks) == 0)
        sizes = [sum(hi - lo for lo, hi in ranges) for ranges in chunks]
        assert toff == [0] + list(np.cumsum(sizes))
        if chunks:  # all but the last of the same size
            assert all(s == sizes[0] for s in sizes[:-1]) and 0 < sizes[-1] <= sizes[0]
        for a in range(k):
            head = np.arange(bstart[a * LEVELS], bstart[a * LEVELS + lev[a]])
            assert np.isin(head, looked).all()
        skipped = np.setdiff1d(np.arange(m), looked)
        pts = order[skipped]
        a = lab[pts]
        assert (mu[pts] > thr[a]).all()
        assert (~risky[a] | (QF[pts, 2] > D0[a] + G0)).all()


@pytest.mark.parametrize("m", [1, 7, 1000])
def test_margin_layout_moves_the_arrays(m):
    k = 9
    lab, QF, QN, inring = layout_case(5, m, k)
    first = margin_layout(lab, QF, QN, inring, k)
    order = first[0]
    for got, want in zip(first[4:], (lab, QF, QN)):
        np.testing.assert_array_equal(got, want[order])
        assert got.dtype == want.dtype
