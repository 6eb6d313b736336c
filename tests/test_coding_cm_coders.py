"""The arithmetic coders under the cm payload coding: the binary coder of levels 0, 1, 2 and 4
and the range coder of level 3 and the levels after it (round trips of adversarial and any
sequences, code lengths within 0.1% of the ideal), and the squash and stretch tables."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vqpress.coding import _cm


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
