"""Level 20 of the cm coding (level 13 with a bias cancellation, docs/FORMAT.md "Level 20"): its
contexts of the rows above against the letter of the format (the kernel computes a row's at
once, 16 or 8 pixels a step where it can, with the terms of level 13's prediction from the rows
above), its eq13 from nibbles slid along a row, its size against level 13 on the face, and the scans
the encoder tries for it. Round trips, the reference decoder, strips, the reader's checks and
fuzzing run for it in test_coding_cm_level11; the choice of it in test_coding_cm_level13."""

import functools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import _cm_ordered5, choice as cm_choice, cm, scan as cm_scan
from vqpress.coding import levels as cm_levels

from cm_reference_level5 import bias_context
from test_coding_cm_level8 import params_of
from test_coding_cm_level13 import encode13, encode20
from test_coding_cm_ordered_contexts import expected as expected_contexts


def reference_contexts(above, above2, errors):
    """The contexts of a row (FORMAT.md "Level 20") from the two rows above as _row_contexts takes them."""
    w = len(above) - 4
    V = {(0, c): int(above2[c + 2]) for c in range(-1, w + 1)}
    V.update({(1, c): int(above[c + 2]) for c in range(-2, w + 2)})
    T = {(1, c): int(errors[c + 1]) for c in range(-1, w + 1)}
    return [bias_context(lambda r, c: V[r, c], T, 2, c) for c in range(w)]


@given(w=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), spread=st.sampled_from([1, 8, 120]))
@settings(max_examples=300)
def test_row_contexts_are_the_formats(w, seed, spread):
    """Every bit, at every width (the 16-pixel steps and the pixels after them), with errors
    small and at their extremes."""
    rng = np.random.default_rng(seed)
    above = rng.integers(0, 16, w + 4).astype(np.uint8)
    above2 = rng.integers(0, 16, w + 4).astype(np.uint8)
    errors = rng.integers(-spread, spread + 1, w + 2).astype(np.int16)
    assert _cm_ordered5._row_contexts(above, above2, errors) == reference_contexts(above, above2, errors)


@given(w=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), spread=st.sampled_from([1, 8, 120]))
@settings(max_examples=300)
def test_the_row_pass_terms_are_level_13s(w, seed, spread):
    """The terms of level 13's prediction the row's pass writes beside the contexts (16
    pixels a step and the pixels after them): T_N + T_NE, T_N + T_NW, 8 NE + p3 + 2, the |T|
    above and the bounds 8 min(N, NE), 8 max(N, NE), against FORMAT.md's "Level 13"; and the
    bit of eq13 it writes, (N == NE) << 10 (level 20's eq13 order)."""
    rng = np.random.default_rng(seed)
    above = rng.integers(0, 16, w + 4).astype(np.uint8)
    above2 = rng.integers(0, 16, w + 4).astype(np.uint8)
    errors = rng.integers(-spread, spread + 1, w + 2).astype(np.int16)
    contexts, *terms = _cm_ordered5._row_contexts(above, above2, errors, terms=True)
    assert contexts == reference_contexts(above, above2, errors)
    want = [[], [], [], [], [], [], []]
    for c in range(w):
        N, NE = int(above[c + 2]), int(above[c + 3])
        tNW, tN, tNE = (int(v) for v in errors[c:c + 3])
        p3 = 8 * N - (((tNW + tN + tNE) * 7) >> 5)
        for j, v in enumerate((tN + tNE, tN + tNW, 8 * NE + p3 + 2, abs(tNW) + abs(tN) + abs(tNE), 8 * min(N, NE),
                               8 * max(N, NE), (N == NE) << 10)):
            want[j].append(v)
    assert terms == want


# where level 20's kernel puts eq13's bit i (W, N, NW, NE, WW, NN, NNE, NEE, N == NE, W == NW, W == N,
# NWW, NNW): its counters are laid out by that order (the low byte the same eight answers, and its
# low five bits the same five: the same counters in other places)
EQ13_ORDER = (3, 1, 0, 2, 4, 5, 6, 7, 10, 11, 12, 8, 9)


def test_level_20s_eq13_order_keeps_the_bytes_of_eq13():
    assert sorted(EQ13_ORDER) == list(range(13))
    assert {EQ13_ORDER[i] for i in range(8)} == set(range(8))
    assert {EQ13_ORDER[i] for i in range(5)} == set(range(5))


@given(w=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), few=st.booleans())
@settings(max_examples=300)
def test_eq13_along_a_row_is_the_formats(w, seed, few):
    """Level 20's eq13 from the one-hot nibbles it slides along a row, against the formulas of
    "Level 5", its bits in level 20's order (``few``: values of 0..2, where the neighbours often
    equal P and each other)."""
    rng = np.random.default_rng(seed)
    top = 3 if few else 16
    above, above2 = (rng.integers(0, top, w + 4).astype(np.uint8) for _ in range(2))
    P, W, WW = ([int(v) for v in rng.integers(0, top, w)] for _ in range(3))
    got = _cm_ordered5._eq13_along(above, above2, P, W, WW)
    for c in range(w):
        nb = {"W": W[c], "WW": WW[c], "N": int(above[c + 2]), "NW": int(above[c + 1]), "NE": int(above[c + 3]),
              "NEE": int(above[c + 4]), "NWW": int(above[c]), "NN": int(above2[c + 2]), "NNE": int(above2[c + 3]),
              "NNW": int(above2[c + 1])}
        eq13 = expected_contexts(P[c], nb)[0]
        assert got[c] == sum(1 << to for i, to in enumerate(EQ13_ORDER) if eq13 >> i & 1), c


def test_eq13_along_refuses_what_no_row_holds():
    with pytest.raises(ValueError, match="make one row"):
        _cm_ordered5._eq13_along(np.zeros(9, np.uint8), np.zeros(9, np.uint8), [0] * 4, [0] * 5, [0] * 5)
    with pytest.raises(ValueError, match="outside 0..15"):
        _cm_ordered5._eq13_along(np.zeros(9, np.uint8), np.zeros(9, np.uint8), [0] * 5, [16] + [0] * 4, [0] * 5)


def test_row_contexts_reach_every_bit():
    rng = np.random.default_rng(3)
    seen = 0
    for _ in range(200):
        w = int(rng.integers(1, 33))
        above, above2 = (rng.integers(0, 16, w + 4).astype(np.uint8) for _ in range(2))
        errors = rng.integers(-120, 121, w + 2).astype(np.int16)
        for c in _cm_ordered5._row_contexts(above, above2, errors):
            seen |= c
    assert seen == (1 << 14) - 1


def test_row_contexts_refuse_what_no_row_holds():
    ok = np.zeros(9, np.uint8), np.zeros(9, np.uint8), np.zeros(7, np.int16)
    with pytest.raises(ValueError, match="frame one row"):
        _cm_ordered5._row_contexts(ok[0], ok[1], np.zeros(8, np.int16))
    with pytest.raises(ValueError, match="outside 0..15"):
        _cm_ordered5._row_contexts(np.full(9, 16, np.uint8), ok[1], ok[2])
    with pytest.raises(ValueError, match="outside -120..120"):
        _cm_ordered5._row_contexts(ok[0], ok[1], np.full(7, 121, np.int16))


@pytest.fixture(scope="module")
def face16(face_gray):
    return vqpress.compress(face_gray, 16).codes()


def test_level_20_codes_the_face_smaller_than_level_13(face16):
    """Face gray 16 (benchmarks/bench_entropy.py's), one strip, the same parameters: 0.9922x
    level 13's streams (BENCHMARKS.md, round 14)."""
    params = (0, 0, 20, 6, 0)
    twenty, thirteen = encode20(face16, 16, params), encode13(face16, 16, params)  # (version 1: scan 0)
    assert len(twenty) < 0.9935 * len(thirteen)
    np.testing.assert_array_equal(cm.decode(twenty, face16.shape, 16), face16)


def test_the_encoder_tries_scan_3_for_level_20_and_keeps_it_on_the_face(face16):
    data = cm.encode(face16, 16, ordered=True, compact=True)
    head = cm.describe(data)
    assert (head["level"], head["scan"]) == (20, 3)
    assert len(data) < len(cm.encode(face16, 16, ordered=True, compact=True, scan=0))
    np.testing.assert_array_equal(cm.decode(data, face16.shape, 16), face16)


def test_choose_more_scan_tries_level_20s_scans_only_for_it():
    codes = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) % 16
    for level, chosen, tried in ((cm_levels.BIASED_TABLES, 7, [7, 3]), (cm_levels.BIASED_TABLES, 0, [0, 3]),
                                 (cm_levels.AVERAGED_TABLES, 7, [])):
        sizes = iter(range(100, 0, -1))  # each later scan smaller: the last one tried wins
        with mock.patch.object(cm_scan, "orient", side_effect=lambda block, s, table: block) as orient:
            got = cm_choice.choose_more_scan(codes, None, 2, lambda block: next(sizes), chosen, level)
        assert [call.args[1] for call in orient.call_args_list] == tried
        assert got == (tried[-1] if tried else chosen)
    # ties keep choose_scan's scan; effort 0 tries nothing
    assert cm_choice.choose_more_scan(codes, None, 2, lambda block: 5, 7, cm_levels.BIASED_TABLES) == 7
    assert cm_choice.choose_more_scan(codes, None, 0, lambda block: 5 / 0, 0, cm_levels.BIASED_TABLES) == 0


def test_a_map_that_ends_at_level_8_keeps_the_scan_of_0_and_7(face_gray):
    """Scan 3 was weighed at level 20; a map coded at level 8 in the end is coded again in
    choose_scan's scan (the bytes it had before level 20)."""
    codes = vqpress.compress(face_gray[::4, ::4], 16, strategy="kmeans").codes()
    with mock.patch.object(cm_choice, "choose_more_scan", lambda *args: 3), \
            mock.patch.object(cm_choice, "_chosen_level", lambda sym, n_, predicted: (8, (0, 1, 12, 6, 1))):
        data = cm.encode(codes, 16, ordered=True, compact=True)
        plain = cm_choice.choose_scan(codes, None, 2, lambda block: cm._block_size(block, 16, 0, 13, (0, 0, 20, 6, 0), 8))
    assert (cm.describe(data)["level"], cm.describe(data)["scan"]) == (8, plain)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 16), codes)


def test_level_20_takes_level_13s_parameters(face_gray):
    codes = vqpress.compress(face_gray[300:364, 480:576], 16).codes()
    for params in ((0, 0, 20, 6, 0), (2, 1, 3, 7, 1)):
        data = encode20(codes, 16, params)
        assert params_of(data, 16) == params
        np.testing.assert_array_equal(cm.decode(data, codes.shape, 16), codes)


def test_a_short_map_takes_level_20_only_if_it_codes_the_whole_map_smaller(face_gray):
    """On a map less than 16 times its sample the rule's middle band decides, and level 20
    (2^14 corrections to learn) can win the band and lose the map: the face at 192 x 256 in 16
    k-means levels, 3% larger at level 20 than at level 8, takes level 8."""
    codes = np.ascontiguousarray(vqpress.compress(face_gray[::4, ::4], 16, strategy="kmeans").codes().astype(np.uint8))
    level, params = cm_choice.level_for(codes, 16, cm_levels.ORDERED, cm_levels.WEIGHTED_TABLES)
    assert level == 8
    size = functools.partial(cm._block_size, codes, 16, cm_levels.ORDERED, params=params, bits=8)
    assert size(level=8) < size(level=20)
    with mock.patch.object(cm_choice, "_sample_size", lambda sample, n, level_, params_: 1000 if level_ == 8 else 990):
        assert cm_choice.level_for(codes, 16, cm_levels.ORDERED, cm_levels.WEIGHTED_TABLES)[0] == 20


@pytest.mark.parametrize("level", [cm_levels.NEIGHBOUR_TABLES, cm_levels.BIASED_TABLES])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (3, 1), (2, 17), (5, 40), (4, 129)])
def test_levels_16_and_20_asked_for_directly_take_parameters(level, shape):
    """An effort set to level 16 or 20 itself (no effort is; tools and tests may) codes with
    level 8's parameters, written in the payload: without them it was unreadable."""
    from cm_helpers import blobs, ordered_at

    codes = blobs(*shape, 16, seed=shape[0] * 1000 + shape[1], noise=0.3)
    with ordered_at(level):
        data = cm.encode(codes, 16, ordered=True, compact=True)
        plain = cm.encode(codes, 16, ordered=True)  # (version 1: the parameters at a fixed place)
    assert cm.describe(data)["level"] == cm.describe(plain)["level"] == level
    assert cm_choice.level_for(codes, 16, cm_levels.ORDERED, level)[1] == params_of(plain, 16)
    for payload in (data, plain):
        np.testing.assert_array_equal(cm.decode(payload, codes.shape, 16), codes)


@pytest.mark.parametrize("level, params", [(cm_levels.BIASED_TABLES, None), (cm_levels.PREDICTED_TABLES, (0, 0, 20, 6, 0))])
def test_a_level_without_its_parameters_is_never_written(level, params):
    codes = np.arange(64, dtype=np.uint8).reshape(8, 8) % 16
    with mock.patch.object(cm_choice, "level_for", lambda *a, **k: (level, params)), \
            pytest.raises(RuntimeError, match=f"level {level} chosen with parameters"):
        cm.encode(codes, 16, ordered=True, compact=True)
