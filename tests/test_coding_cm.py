"""The cm payload coding: its arithmetic coder, round trips, the payload's validation, and a
fuzzer (every damaged payload is a FormatError or a decode of the right shape, fast)."""

import contextlib
import resource
import struct
import time
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import _cm, cm
from vqpress.coding import choice as cm_choice
from vqpress.coding import symbol_order
from vqpress.coding._tridiagonal import top_eigenpair
from vqpress.coding.symbol_order import _LANCZOS_MIN, adjacency, arrangement_cost, refine_order, spectral_order
from vqpress.container import from_bytes, read_header, to_bytes


def blobs(h, w, n, seed=0, noise=0.05):
    """A map of smooth regions with some noise: what quantized pictures look like."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    base = (np.sin(yy / 7.0 + rng.random()) + np.cos(xx / 5.0) + 2) / 4 * n
    codes = np.clip(base.astype(int), 0, n - 1)
    flip = rng.random((h, w)) < noise
    codes[flip] = rng.integers(0, n, int(flip.sum()))
    return codes.astype(np.uint8)


def at_level(data, codes, level):
    """The payload ``data`` (of ``codes``) with its streams coded again at ``level``: the
    same header, symbol order and strips."""
    info = cm.describe(data)
    n, rows = info["n_symbols"], info["strip_rows"]
    rank = np.empty(n, np.uint8)
    rank[np.frombuffer(data, np.uint8, n, 12)] = np.arange(n)
    model = {"ordered": _cm.MODEL_ORDERED, "palette": _cm.MODEL_PALETTE}[info["model"]]
    streams = _cm.encode_strips(np.ascontiguousarray(rank[codes]), n, model, level, info["table_bits"], rows)
    head = bytearray(data[:12 + n])
    head[5] = level
    return bytes(head) + struct.pack(f"<{len(streams)}I", *map(len, streams)) + b"".join(streams)


def frozen_payload(path) -> tuple[bytes, np.ndarray]:
    """The cm payload of the .vqz file at ``path`` (tests/data keeps them frozen) and its map
    of codes (2-D)."""
    from vqpress.container import read_header

    with open(path, "rb") as fh:
        blob = fh.read()
    codes = vqpress.load(path).codes()
    return blob[len(blob) - 4 - read_header(blob).payload_len: len(blob) - 4], codes.reshape(codes.shape[:2])



@contextlib.contextmanager
def palettes_at(level):
    """cm.encode codes palettes at ``level`` at every effort and of any size (no other level
    tried beside it), and no palette is a ramp."""
    settings = {e: (ordered, level, bits, False, strip)
                for e, (ordered, _, bits, _, strip) in cm_choice.EFFORT_SETTINGS.items()}
    with mock.patch.dict(cm_choice.EFFORT_SETTINGS, settings), mock.patch.object(cm_choice, "_RAMP_STEP", 0.0), \
            mock.patch.object(cm_choice, "_FEW_COLOURS", {}), mock.patch.object(cm_choice, "DEFAULT_TOO", frozenset()):
        yield


@contextlib.contextmanager
def ordered_at(level):
    """cm.encode codes gray maps (ordered=True) at the ordered model's ``level`` at every
    effort, maps of up to 4 levels too (level 5 still leaves maps of more than 16 levels to
    level 4, level 9 maps of more than 4 to level 8; no other level tried beside it)."""
    settings = {e: (level, palette, bits, False, strip)
                for e, (_, palette, bits, _, strip) in cm_choice.EFFORT_SETTINGS.items()}
    with mock.patch.dict(cm_choice.EFFORT_SETTINGS, settings), mock.patch.dict(cm_choice._FEW_LEVELS, clear=True), \
            mock.patch.dict(cm_choice._ORDERED_ALSO, clear=True), \
            mock.patch.object(cm_choice, "DEFAULT_TOO", frozenset()):
        yield


def encode_ordered_at(level, codes, n, **kw):
    """``cm.encode(codes, n, ordered=True, **kw)`` at ``level`` (one without hashed tables)."""
    with ordered_at(level):
        data = cm.encode(codes, n, ordered=True, **kw)
    head = cm.describe(data)
    assert (head["level"], head["model"], head["table_bits"]) == (level, "ordered", 8)
    return data


THIN_SHAPES = [(1, 1), (1, 70), (70, 1), (2, 2), (3, 300)]


def thin_maps(shape, ns):
    """(codes, n): a random map of ``shape`` for each symbol count of ``ns``."""
    rng = np.random.default_rng(3)
    for n in ns:
        yield rng.integers(0, n, shape).astype(np.uint8), n

# -- the binary arithmetic coder ------------------------------------------------------------

def _ideal_bytes(probs, bits):
    p = probs / 4096.0
    return float(-np.log2(np.where(bits == 1, p, 1 - p)).sum()) / 8


@pytest.mark.parametrize("case", ["random", "certain", "impossible", "extremes", "alternating", "half"])
def test_binary_coder_round_trips_adversarial_sequences(case):
    rng = np.random.default_rng(1)
    k = 20000
    if case == "random":
        probs = rng.integers(1, 4096, k)
        bits = rng.random(k) < probs / 4096
    elif case == "certain":  # the likeliest outcome every time: almost no output
        probs = np.full(k, 4095)
        bits = np.ones(k)
    elif case == "impossible":  # the unlikeliest outcome every time: 12 bits each
        probs = np.full(k, 4095)
        bits = np.zeros(k)
    elif case == "extremes":  # extreme probabilities with outcomes against them, at random
        probs = rng.choice([1, 2, 4094, 4095], k)
        bits = rng.random(k) < 0.5
    elif case == "alternating":
        probs = np.where(np.arange(k) % 2, 1, 4095)
        bits = np.arange(k) % 3 == 0
    else:
        probs = np.full(k, 2048)
        bits = rng.random(k) < 0.5
    probs = probs.astype(np.int32)
    bits = bits.astype(np.uint8)
    stream, out, exact = _cm._binary_coder_round_trip(probs, bits)
    np.testing.assert_array_equal(out, bits)
    assert exact
    # within 0.1% (plus the 4 closing bytes and rounding) of the ideal code length
    assert len(stream) <= _ideal_bytes(probs, bits) * 1.001 + 8


def test_binary_coder_every_probability_and_both_outcomes():
    probs = np.repeat(np.arange(1, 4096, dtype=np.int32), 2)
    bits = np.tile(np.array([0, 1], dtype=np.uint8), 4095)
    for order in (np.arange(len(probs)), np.random.default_rng(2).permutation(len(probs))):
        stream, out, exact = _cm._binary_coder_round_trip(probs[order], bits[order])
        np.testing.assert_array_equal(out, bits[order])
        assert exact


@given(st.lists(st.tuples(st.integers(1, 4095), st.booleans()), min_size=0, max_size=300))
@settings(max_examples=150)
def test_binary_coder_round_trips_any_sequence(pairs):
    probs = np.array([p for p, _ in pairs], dtype=np.int32)
    bits = np.array([b for _, b in pairs], dtype=np.uint8)
    stream, out, exact = _cm._binary_coder_round_trip(probs, bits)
    np.testing.assert_array_equal(out, bits)
    assert exact and len(stream) >= 4


def test_binary_coder_refuses_probabilities_out_of_range():
    with pytest.raises(ValueError, match="outside 1..4095"):
        _cm._binary_coder_round_trip(np.array([0], np.int32), np.array([1], np.uint8))


# -- the range coder of level 3 -------------------------------------------------------------

def _range_ops(rng, k, kinds=("bit", "symbol"), extreme=False):
    """Random bits and symbols for _range_coder_round_trip: tables of 1..16 symbols, some of
    frequency 0 (never coded), totals up to 2^15."""
    ops = np.zeros((k, 20), np.int32)
    for i in range(k):
        if rng.choice(kinds) == "bit":
            p = int(rng.choice([1, 2, 4094, 4095])) if extreme else int(rng.integers(1, 4096))
            ops[i, :3] = 0, p, rng.random() < p / 4096
        else:
            m = int(rng.integers(1, 17))
            f = rng.integers(1, 2000, m) if not extreme else rng.choice([1, 1, 30000], m)
            f[rng.random(m) < 0.3] = 0
            f[rng.integers(m)] = max(1, int(f.max()))
            f = np.maximum(f * (1 << 15) // max(int(f.sum()), 1 << 15), 0)
            f[f.argmax()] += 0 if f.sum() else 1
            cum = np.concatenate([[0], np.cumsum(f)])
            s = int(rng.choice(np.flatnonzero(f)))
            ops[i, :3] = 1, m, s
            ops[i, 3:19] = np.concatenate([cum[:m], np.full(16 - m, cum[m])])
            ops[i, 19] = cum[m]
    return ops


@pytest.mark.parametrize("case", ["bits", "symbols", "mixed", "extreme"])
def test_range_coder_round_trips(case):
    from vqpress.coding import _cm_palette3

    rng = np.random.default_rng(11)
    kinds = {"bits": ("bit",), "symbols": ("symbol",)}.get(case, ("bit", "symbol"))
    ops = _range_ops(rng, 20000, kinds, extreme=case == "extreme")
    stream, out, exact = _cm_palette3._range_coder_round_trip(ops)
    np.testing.assert_array_equal(out, ops[:, 2])
    assert exact and len(stream) >= 4
    # within 0.1% (plus the closing bytes) of the ideal code length
    p = np.where(ops[:, 0] == 0, np.where(ops[:, 2] == 1, ops[:, 1], 4096 - ops[:, 1]) / 4096,
                 (ops[np.arange(len(ops)), 4 + np.minimum(ops[:, 2], 14)] * (ops[:, 2] < ops[:, 1] - 1)
                  + ops[:, 19] * (ops[:, 2] >= ops[:, 1] - 1) - ops[np.arange(len(ops)), 3 + ops[:, 2]])
                 / np.maximum(ops[:, 19], 1))
    assert len(stream) <= -np.log2(p).sum() / 8 * 1.001 + 8


@given(st.integers(0, 2**16), st.integers(0, 300))
@settings(max_examples=100)
def test_range_coder_round_trips_any_sequence(seed, k):
    from vqpress.coding import _cm_palette3

    ops = _range_ops(np.random.default_rng(seed), k, extreme=seed % 2 == 1)
    stream, out, exact = _cm_palette3._range_coder_round_trip(ops)
    np.testing.assert_array_equal(out, ops[:, 2])
    assert exact


def test_squash_and_stretch_tables():
    from vqpress.coding import _cm_full

    sq, stt = _cm_full.squash_table(), _cm_full.stretch_table()
    assert sq[0] == 1 and sq[2047] == 2048 and sq[-1] == 4095
    assert (np.diff(sq) >= 0).all() and (np.diff(stt) >= 0).all()
    d = np.arange(-2047, 2048)
    # stretch is the smallest d whose squash reaches p
    for p in (0, 1, 2, 100, 2048, 3000, 4094, 4095):
        assert stt[p] == d[np.argmax(sq >= p)]


# -- round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 8, 16, 32, 33, 64, 255, 256])
@pytest.mark.parametrize("ordered", [True, False])
def test_round_trip_every_alphabet(n, ordered):
    codes = blobs(37, 53, n, seed=n)
    for effort in (0, 5, 9):
        data = cm.encode(codes, n, ordered=ordered, effort=effort)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 200)):
        for ordered in (True, False):
            data = cm.encode(codes, n, ordered=ordered)
            np.testing.assert_array_equal(cm.decode(data, shape, n), codes)


def test_round_trip_every_symbol_everywhere():
    codes = np.arange(256 * 64, dtype=np.uint32).reshape(64, 256).astype(np.uint8)
    for codes_ in (codes, codes.T.copy(), np.zeros((50, 50), np.uint8), np.full((50, 50), 255, np.uint8)):
        data = cm.encode(codes_, 256)
        np.testing.assert_array_equal(cm.decode(data, codes_.shape, 256), codes_)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), ordered=st.sampled_from([True, False, None]), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, ordered, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    data = cm.encode(codes, n, ordered=ordered, effort=effort)
    back = cm.decode(data, (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


def test_strips_decode_alike_on_any_number_of_threads():
    codes = blobs(700, 400, 24, seed=5)
    data = cm.encode(codes, 24, strip_rows=170)
    assert cm.describe(data)["strip_rows"] == 170
    with vqpress.thread_limit(1):
        one = cm.decode(data, codes.shape, 24)
        assert cm.encode(codes, 24, strip_rows=170) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 24), codes)


@pytest.mark.parametrize("n", [5, 24, 200])
def test_level_3_strips_decode_alike_on_any_number_of_threads(n):
    codes = blobs(600, 330, n, seed=n, noise=0.2)
    with palettes_at(3):
        data = cm.encode(codes, n, effort=0, strip_rows=200)
        assert cm.describe(data)["level"] == 3 and cm.describe(data)["strip_rows"] == 200
        with vqpress.thread_limit(1):
            one = cm.decode(data, codes.shape, n)
            assert cm.encode(codes, n, effort=0, strip_rows=200) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def test_strips_hold_a_minimum_of_pixels():
    codes = blobs(1000, 100, 8, seed=6)
    data = cm.encode(codes, 8, strip_rows=1)
    assert cm.describe(data)["strip_rows"] == -(-cm.MIN_STRIP_PIXELS // 100)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 8), codes)


def test_effort_trades_time_for_size(face_gray):
    codes = vqpress.compress(face_gray[:256, :256], 8).codes()
    sizes = [len(cm.encode(codes, 8, ordered=True, effort=e)) for e in (0, 5, 9)]
    assert sizes[0] > sizes[1] >= sizes[2]


def test_encode_checks_its_arguments():
    codes = np.zeros((4, 4), np.uint8)
    with pytest.raises(vqpress.VQError, match="effort must be an integer in 0..9"):
        cm.encode(codes, 4, effort=10)
    with pytest.raises(vqpress.VQError, match="effort must be an integer in 0..9"):
        cm.encode(codes, 4, effort=True)
    with pytest.raises(vqpress.VQError, match="n_symbols must be an integer in 2..256"):
        cm.encode(codes, 257)
    with pytest.raises(vqpress.VQError, match="n_symbols must be an integer in 2..256"):
        cm.encode(codes, 1)
    with pytest.raises(vqpress.VQError, match="hold the value 4; allowed are 0..3"):
        cm.encode(codes + 4, 4)
    with pytest.raises(vqpress.VQError, match="2-D unsigned integer array"):
        cm.encode(codes.astype(np.int16), 4)
    with pytest.raises(vqpress.VQError, match="2-D unsigned integer array"):
        cm.encode(codes.ravel(), 4)
    with pytest.raises(vqpress.VQError, match="at least one pixel"):
        cm.encode(np.zeros((0, 3), np.uint8), 4)
    with pytest.raises(vqpress.VQError, match="strip_rows must be a positive integer"):
        cm.encode(codes, 4, strip_rows=0)


# -- symbol order ---------------------------------------------------------------------------

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


# -- the payload's validation ---------------------------------------------------------------

@pytest.fixture(scope="module")
def payloads():
    out = {}
    for name, n, ordered in (("gray", 8, True), ("palette", 16, False), ("wide", 256, False)):
        codes = blobs(48, 80, n, seed=n)
        for effort in (0, 3, 5):  # levels 2 (fast; palettes 6), 0 (lean), 1 (full)
            out[name, effort] = (codes, n, cm.encode(codes, n, ordered=ordered, effort=effort))
    for name in ("palette", "wide"):  # level 2's palette model: no effort writes it any more
        codes, n, data = out[name, 0]
        out[name, "level 2"] = (codes, n, at_level(data, codes, 2))
    return out


def test_fast_level_names_the_smallest_tables(payloads):
    codes, n, data = payloads["gray", 0]
    assert cm.describe(data)["level"] == 2 and cm.describe(data)["table_bits"] == 8
    blob = bytearray(data)
    blob[4] = 9  # level 2 has no hashed tables: any other table size is refused
    with pytest.raises(vqpress.FormatError, match="level 2 has no hashed tables: its table_bits must be 8; got 9"):
        cm.decode(bytes(blob), codes.shape, n)


def test_levels_written_at_each_effort():
    """Palettes at level 6 for efforts 0-2 and level 7 for 3-4 (level 18 up to 16 colours:
    test_coding_cm_level18); gray at level 2 (effort 0), level 5 (1), level 8 or 5 (2; up to
    16 levels, else level 4: test_coding_cm_level5) and level 0 (3-4); both at level 1 from
    5 on."""
    palette, gray = blobs(20, 30, 40, seed=1), blobs(20, 30, 8, seed=1)  # 40 colours: palette model only
    for effort, palette_level, gray_level in [(0, 6, (2,)), (1, 6, (5,)), (2, 6, (5, 8)), (3, 7, (0,)), (4, 7, (0,)), (5, 1, (1,))]:
        data = cm.encode(palette, 40, effort=effort)
        assert (cm.describe(data)["level"], cm.describe(data)["model"]) == (palette_level, "palette")
        data = cm.encode(gray, 8, ordered=True, effort=effort)
        assert cm.describe(data)["level"] in gray_level and cm.describe(data)["model"] == "ordered"


@pytest.mark.parametrize("name", ["palette", "wide"])
def test_level_2_palettes_still_decode(payloads, name):
    codes, n, data = payloads[name, "level 2"]
    assert cm.describe(data)["level"] == 2
    np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def test_level_3_header_is_checked(payloads):
    codes, n, data = payloads["palette", 0]
    data = at_level(data, codes, 3)
    assert cm.describe(data)["level"] == 3 and cm.describe(data)["table_bits"] == 8
    blob = bytearray(data)
    blob[4] = 9
    with pytest.raises(vqpress.FormatError, match="level 3 has no hashed tables: its table_bits must be 8; got 9"):
        cm.decode(bytes(blob), codes.shape, n)
    blob = bytearray(data)
    blob[3] = 0  # the ordered model has no level 3
    with pytest.raises(vqpress.FormatError, match="level 3 codes the palette model only"):
        cm.decode(bytes(blob), codes.shape, n)
    gray_codes, gray_n, gray = payloads["gray", 0]
    blob = bytearray(gray)
    blob[5] = 3
    with pytest.raises(vqpress.FormatError, match="level 3 codes the palette model only"):
        cm.decode(bytes(blob), gray_codes.shape, gray_n)


def test_header_fields_are_checked(payloads):
    codes, n, data = payloads["palette", 5]
    h, w = codes.shape
    head = bytearray(data)

    def bad(mutate, match, shape=(h, w), n_=n):
        blob = bytearray(head)
        mutate(blob)
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), shape, n_)

    bad(lambda b: b.__setitem__(0, ord("X")), "not a cm payload")
    bad(lambda b: b.__setitem__(2, 3), "not a cm payload of version 1 or 2")
    bad(lambda b: b.__setitem__(3, 2), "model 2")
    bad(lambda b: b.__setitem__(5, 9), "level 9")
    bad(lambda b: b.__setitem__(4, 7), "table_bits 7")
    bad(lambda b: b.__setitem__(4, 17), "table_bits 17")
    bad(lambda b: b.__setitem__(4, 16), "larger than a strip")
    bad(lambda b: struct.pack_into("<H", b, 6, 15), "codes 15 symbols")
    bad(lambda b: None, "codes 16 symbols; the codebook has 17", n_=17)
    bad(lambda b: struct.pack_into("<I", b, 8, 0), "strip_rows 0")
    bad(lambda b: struct.pack_into("<I", b, 8, h + 1), f"strip_rows {h + 1}")
    bad(lambda b: b.__setitem__(12, b[13]), "not a permutation")
    bad(lambda b: None, "ends inside its header", shape=(h * 2000, 2000))
    codes8, n8, gray = payloads["gray", 5]
    with pytest.raises(vqpress.FormatError, match="ordered model codes at most 32"):
        blob = bytearray(payloads["wide", 5][2])
        blob[3] = 0
        cm.decode(bytes(blob), codes.shape, 256)
    with pytest.raises(vqpress.FormatError, match="shorter than its"):
        cm.decode(data[:10], codes.shape, n)


def test_a_stream_must_be_used_exactly(payloads):
    codes, n, data = payloads["gray", 5]
    start = 12 + n + 4  # one strip: header, order, one stream length
    (length,) = struct.unpack_from("<I", data, 12 + n)
    assert start + length == len(data)
    # one byte less, or one more (with the stream length fixed up), is refused
    for delta in (-1, 1, 5):
        blob = bytearray(data[:start] + data[start:] [: length + delta] + b"\x00" * max(0, delta))
        struct.pack_into("<I", blob, 12 + n, length + delta)
        with pytest.raises(vqpress.FormatError, match="does not decode to its strip exactly"):
            cm.decode(bytes(blob), codes.shape, n)
    # stream lengths must add up to the payload
    with pytest.raises(vqpress.FormatError, match="add up to"):
        cm.decode(data + b"\x00", codes.shape, n)
    with pytest.raises(vqpress.FormatError, match="add up to"):
        cm.decode(data[:-1], codes.shape, n)


def _mutants(data, rng, count):
    """Damaged copies of a payload: bit flips, bytes set, cuts, tails, header fields, and
    the lowest bit of the last byte (slack of the coder's closing bytes: the same codes)."""
    for i in range(count):
        blob = bytearray(data)
        kind = i % 7
        if kind == 0:
            pos = rng.integers(len(blob))
            blob[pos] ^= 1 << rng.integers(8)
        elif kind == 1:
            for _ in range(rng.integers(1, 8)):
                blob[rng.integers(len(blob))] = rng.integers(256)
        elif kind == 2:
            blob = blob[: rng.integers(len(blob))]
        elif kind == 3:
            blob += bytes(rng.integers(0, 256, rng.integers(1, 64)).astype(np.uint8))
        elif kind == 4:  # a header byte (magic, model, bits, level, n, strip_rows, order)
            blob[rng.integers(min(len(blob), 40))] = rng.integers(256)
        elif kind == 5:  # bytes of the stream with the lengths kept consistent: only exactness catches it
            start = len(blob) - max(4, len(blob) // 3)
            blob[start:] = bytes(rng.integers(0, 256, len(blob) - start).astype(np.uint8))
        else:
            blob[-1] ^= 1
        yield bytes(blob)


def test_fuzz_damaged_payloads_fail_cleanly_and_fast(payloads):
    fuzz_payloads(payloads.values(), np.random.default_rng(9))


def check_strips_alike(encode, codes, n, strip_rows=170):
    """``encode(codes, n, strip_rows=...)`` (a cm payload in strips) is the same on one
    thread, and decodes to ``codes`` on one thread and on all."""
    data = encode(codes, n, strip_rows=strip_rows)
    assert cm.describe(data)["strip_rows"] == strip_rows
    with vqpress.thread_limit(1):
        one = cm.decode(data, codes.shape, n)
        assert encode(codes, n, strip_rows=strip_rows) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def noise_streams_decode_in_range(data, shape, n, rng):
    """Any bytes at all as the one stream of a payload ``data`` of one strip (without
    parameters): each is a FormatError or codes in range, never more. Returns how many decoded."""
    head = 12 + n + 4
    decoded = 0
    for size in (4, 5, 64, 700, 5000, 20000):
        blob = bytearray(data[:head]) + bytes(rng.integers(0, 256, size).astype(np.uint8))
        blob[12 + n: head] = size.to_bytes(4, "little")
        try:
            back = cm.decode(bytes(blob), shape, n)
        except vqpress.FormatError:
            continue
        assert back.shape == tuple(shape) and int(back.max()) < n
        decoded += 1
    return decoded


def fuzz_payloads(cases, rng):
    """Decode 120 mutants of each (codes, n, payload): each is a FormatError or codes of the
    right shape in range, within a second; memory stays bounded; both outcomes occur."""
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = {"error": 0, "decoded": 0}
    for codes, n, data in cases:
        for blob in _mutants(data, rng, 120):
            t0 = time.perf_counter()
            try:
                back = cm.decode(blob, codes.shape, n)
            except vqpress.FormatError:
                outcomes["error"] += 1
            else:
                outcomes["decoded"] += 1
                assert back.shape == codes.shape and back.dtype == np.uint8
                assert int(back.max()) < n
            assert time.perf_counter() - t0 < 1.0
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_after - peak_before < 256 * 1024  # kilobytes on Linux
    assert outcomes["error"] > outcomes["decoded"] > 0


# -- in the container -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["gray", "rgb", "rgba", "1d", "3d", "uint16", "float"])
def test_container_round_trip_with_cm(face_gray, face_rgb, kind):
    data = {
        "gray": face_gray[:90, :120],
        "rgb": face_rgb[:60, :80],
        "rgba": np.dstack([face_rgb[:40, :50], np.full((40, 50), 255, np.uint8)]),
        "1d": face_gray[100, :300],
        "3d": face_gray[:40, :60].reshape(4, 10, 60),
        "uint16": face_gray[:50, :50].astype(np.uint16) * 200,
        "float": face_gray[:50, :70].astype(np.float32) / 255,
    }[kind]
    c = vqpress.compress(data, 16)
    blob = to_bytes(c, "cm", effort=3)
    head = read_header(blob)
    assert head.coding == "cm" and head.version == ("2.0" if kind == "float" else "2.2")
    assert read_header(to_bytes(c, "cm", effort=3, exact_centers=True)).version == "2.0"
    back = from_bytes(blob)
    np.testing.assert_array_equal(back.decompress(), c.decompress())
    assert back.payload == c.payload
    assert to_bytes(c) == to_bytes(c, "cm")  # auto picks cm


def test_container_cm_needs_2_to_256_colours(face_gray):
    deep = face_gray[:64, :64].astype(np.uint16) * 256 + np.arange(64, dtype=np.uint16)
    c = vqpress.compress(deep, 300)
    with pytest.raises(vqpress.VQError, match="coding 'cm' codes 2..256 colours; this image has 300"):
        to_bytes(c, "cm")
    assert read_header(to_bytes(c)).coding in ("context", "raw")  # auto falls back
    with pytest.raises(vqpress.VQError, match="effort must be an integer in 0..9"):
        to_bytes(vqpress.compress(face_gray[:8, :8], 4), "cm", effort=-1)


def test_container_refuses_a_cm_payload_in_a_1_0_file(face_gray):
    import zlib

    c = vqpress.compress(face_gray[:32, :32], 8)
    blob = bytearray(to_bytes(c, "cm", exact_centers=True))
    blob[8] = 1  # claim format 1.0
    header_len = 8 + 20 + 8 * 2 + len(b"optimal")
    blob[header_len: header_len + 4] = struct.pack("<I", zlib.crc32(bytes(blob[:header_len])))
    with pytest.raises(vqpress.FormatError, match="needs format version 2.0"):
        from_bytes(bytes(blob))


def test_save_with_effort(tmp_path, face_gray):
    # big enough for the full model (effort 9) to learn its larger contexts
    c = vqpress.compress(face_gray[:300, :300], 8)
    fast = vqpress.save(tmp_path / "fast.vqz", c, effort=0)
    small = vqpress.save(tmp_path / "small.vqz", c, effort=9)
    assert small.stat().st_size < fast.stat().st_size
    for path in (fast, small):
        np.testing.assert_array_equal(vqpress.load(path).decompress(), c.decompress())


def test_cli_efforts_match_the_coding():
    from vqpress import cli

    assert cli.EFFORTS == tuple(cm.EFFORTS) and cli.DEFAULT_EFFORT == cm.DEFAULT_EFFORT


# -- the specification ----------------------------------------------------------------------

@pytest.mark.parametrize("n,ordered,effort", [(2, True, 0), (8, True, 2), (32, True, 1), (13, False, 2),
                                              (40, False, 1), (256, False, 2), (3, False, 0),
                                              (8, True, 5), (13, False, 4), (40, False, 3), (5, False, 9),
                                              (40, False, 7), (16, False, 0), (17, False, 1), (255, False, 2)])
@pytest.mark.parametrize("level2", [False, True])
def test_format_md_describes_the_coding_exactly(n, ordered, effort, level2):
    """tests/cm_reference.py (and cm_reference_level3.py) decode from the letter of
    docs/FORMAT.md, sharing no code; ``level2``: palettes of efforts 0-2 recoded at level 2."""
    from cm_reference import decode as reference_decode

    codes = blobs(9, 23, n, seed=n + effort, noise=0.2)
    data = cm.encode(codes, n, ordered=ordered, effort=effort)
    if effort <= 4:  # (from effort 5 on, effort 2's payload where it is the smaller: either model)
        assert cm.describe(data)["model"] == ("ordered" if ordered else "palette")
    if level2:
        if cm.describe(data)["level"] != 3:
            return
        data = at_level(data, codes, 2)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


@given(h=st.integers(1, 12), w=st.integers(1, 12), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=40, deadline=None)
def test_format_md_describes_level_3_on_any_map(h, w, n, seed, noise):
    from cm_reference import decode as reference_decode

    codes = blobs(h, w, n, seed=seed, noise=noise)
    with palettes_at(3):
        data = cm.encode(codes, n, effort=2)
    assert cm.describe(data)["level"] == 3
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


@given(h=st.integers(1, 24), w=st.integers(1, 24), k=st.integers(2, 40), colour=st.booleans(),
       seed=st.integers(0, 2**16), coding=st.sampled_from(["auto", "raw", "context", "cm"]),
       effort=st.sampled_from([None, 0, 4, 9]))
@settings(max_examples=60)
def test_every_coding_round_trips_in_the_container(h, w, k, colour, seed, coding, effort):
    rng = np.random.default_rng(seed)
    shape = (h, w, 3) if colour else (h, w)
    data = (rng.integers(0, 4, shape) * 60 + rng.integers(0, 10, shape)).astype(np.uint8)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fewer distinct values than k
        c = vqpress.compress(data, k)
    if coding == "cm" and c.codebook.n_colors < 2:
        return
    blob = to_bytes(c, coding, effort=effort)
    back = from_bytes(blob)
    assert read_header(blob).coding == coding or coding == "auto"
    np.testing.assert_array_equal(back.codes(), c.codes())
    np.testing.assert_array_equal(back.decompress(), c.decompress())


def test_bench_palette_level3_times_both_levels():
    """benchmarks/bench_palette_level3.py sets the palette level for each run only."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import bench_palette_level3 as bench3
    finally:
        sys.path.pop(0)
    codes = blobs(30, 40, 20, seed=2, noise=0.2)
    sizes = [bench3.run(codes, 20, level)[0] for level in (2, 3, 7)]
    data = cm.encode(codes, 20)
    assert sizes == [len(at_level(data, codes, level)) for level in (2, 3, 7)]
    bench3.run(codes, 20, 0)  # level 0 with its hashed tables (run checks the level and the round trip)
    few = blobs(30, 40, 12, seed=3, noise=0.2)
    for level in (7, 10):  # at effort 3, 12 colours at level 7 too (where the effort takes level 10)
        bench3.run(few, 12, level, 3)
    assert cm_choice.EFFORT_SETTINGS[cm.DEFAULT_EFFORT][1] == 6  # restored after the other levels' runs
