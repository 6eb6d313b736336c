"""Level 7 of the cm coding (palettes: x == W, then every other pixel as symbols of four
tables mixed geometrically): round trips, the reference decoder of docs/FORMAT.md, the SIMD
mix against its scalar twin, strips, the efforts that use it, the reader's checks and a
fuzzer."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import _cm_palette7, cm
from vqpress.coding import choice as cm_choice
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import (
    THIN_SHAPES, at_level, blobs, check_strips_alike, frozen_payload, fuzz_payloads, noise_streams_decode_in_range,
    palettes_at, thin_maps)
from test_coding_cm_level5 import ramp_palette


def encode7(codes, n, **kw):
    with palettes_at(cm_levels.PALETTE_MIXED):
        data = cm.encode(codes, n, **kw)
    head = cm.describe(data)
    assert (head["level"], head["model"], head["table_bits"]) == (7, "palette", 8)
    return data


def every_symbol(h, w, n, seed):
    """Noise over the whole alphabet, with runs and repeated rows among it: every symbol
    under every high nibble, next to equal and unequal neighbours."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n, (h, w))
    codes[2::4] = codes[1::4][: len(codes[2::4])]
    codes[:, 1::3] = codes[:, ::3][:, : codes[:, 1::3].shape[1]]
    return codes.astype(np.uint8)


@pytest.mark.parametrize("n", [2, 3, 15, 16, 17, 31, 32, 33, 64, 100, 255, 256])
def test_round_trip_every_alphabet(n):
    for codes in (blobs(37, 53, n, seed=n), blobs(30, 41, n, seed=n, noise=1.0), every_symbol(30, 40, n, seed=n),
                  np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8)):
        data = encode7(codes, n)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 16, 17, 256)):
        np.testing.assert_array_equal(cm.decode(encode7(codes, n), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), effort=st.integers(0, 9))
@settings(max_examples=60, deadline=None)
def test_round_trip_property(h, w, n, seed, noise, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode7(codes, n, effort=effort), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (5, 0.5, 2), (16, 0.2, 3), (17, 0.3, 4), (40, 0.0, 5),
                                          (64, 0.6, 6), (200, 0.3, 7), (256, 1.0, 8)])
def test_format_md_describes_level_7_exactly(n, noise, seed):
    """tests/cm_reference_level7.py decodes from the letter of docs/FORMAT.md."""
    for codes in (blobs(9, 23, n, seed=seed, noise=noise), every_symbol(7, 19, n, seed)):
        data = encode7(codes, n)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_format_md_describes_weights_and_tables_that_learned_long():
    """A larger map: tables past their last rate change (32 updates), weights far from
    their start (some at 0 or at their cap)."""
    codes = blobs(40, 60, 24, seed=11, noise=0.1)
    data = encode7(codes, 24)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, 24)), codes)


@given(h=st.integers(1, 10), w=st.integers(1, 10), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=30, deadline=None)
def test_format_md_describes_level_7_on_any_map(h, w, n, seed, noise):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    np.testing.assert_array_equal(np.array(reference_decode(encode7(codes, n), (h, w), n)), codes)


def _random_tables(rng, m):
    """Four tables of m symbols (and a lane of padding) as a model's tables can be: fresh,
    skewed, or with symbols of frequency 1 next to ones of 2^15 - m."""
    tables = np.zeros((4, 17), np.uint16)
    for j in range(4):
        kind = rng.integers(0, 3)
        if kind == 0:
            f = np.ones(m, np.int64) * (32768 // m)
        elif kind == 1:
            f = rng.integers(1, 4000, m)
        else:
            f = np.ones(m, np.int64)
            f[rng.integers(0, m)] += 32768
        f = np.maximum(1, f * 32768 // f.sum())
        f[np.argmax(f)] += 32768 - f.sum()
        c = np.concatenate([[0], np.cumsum(f)[:-1]])
        tables[j, :m] = c - np.arange(m)
        tables[j, m:16] = 32768 - m
        tables[j, 16] = rng.integers(0, 65536)  # the next table's first lane: never used
    return tables


def test_mix_in_sse2_equals_its_scalar_twin():
    """p7_mix (SSE2 on x86-64) computes p7_mix_scalar's values, every lane: the tables'
    log frequencies, the cumulative frequencies, the gradients' sums and the total."""
    rng = np.random.default_rng(4)
    for _ in range(3000):
        m = int(rng.integers(1, 17))
        tables = _random_tables(rng, m)
        weights = rng.integers(0, 32768, 4).astype(np.int32)
        if rng.random() < 0.2:
            weights[:] = rng.choice([0, 32767], 4)
        allowed = int(rng.integers(1, 1 << m))
        simd = _cm_palette7._mix_test(tables, weights, m, allowed, True)
        assert simd == _cm_palette7._mix_test(tables, weights, m, allowed, False)
        total, cum = simd[0], simd[1]
        assert 0 < total <= 1 << 15 and cum[0] == 0 and all(c == total for c in cum[m:] if m < 16)
        freq = np.diff(cum[:m] + [total])
        assert all((freq[i] > 0) == bool(allowed >> i & 1) for i in range(m))


def test_mix_test_hook_checks_its_shapes():
    with pytest.raises(ValueError, match="tables must be"):
        _cm_palette7._mix_test(np.zeros((4, 16), np.uint16), np.zeros(4, np.int32), 4, 1)


def test_strips_decode_alike_on_any_number_of_threads():
    check_strips_alike(encode7, blobs(700, 400, 64, seed=5, noise=0.2), 64)


def test_efforts_3_and_4_use_level_7_for_palettes_of_more_than_16_colours():
    for n in (3, 16, 17, 64, 256):
        codes = blobs(30, 40, n, seed=n, noise=0.3)
        # up to 16 colours level 18, or level 10 where it codes this small map smaller
        few = (7,) if n > 16 else (10, 18)
        for effort in (3, 4):
            data = cm.encode(codes, n, effort=effort)
            assert cm.describe(data)["level"] in few and cm.describe(data)["model"] == "palette"
            np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
        # (effort 2: level 6, or level 21 for many colours and many unpredicted pixels, test_coding_cm_level21.py)
        default = (21,) if cm_choice.takes_joint(codes, n) else (6,)
        assert cm.describe(cm.encode(codes, n, effort=2))["level"] in (default if n > 16 else (10, 18))
        # effort 5: level 1, or effort 2's level where that codes the map smaller
        assert cm.describe(cm.encode(codes, n, effort=5))["level"] in ((1, 6) if n > 16 else (1, 10, 18))


def test_gray_levels_keep_level_0_at_efforts_3_and_4():
    codes = blobs(30, 40, 8, seed=1)
    for effort in (3, 4):
        data = cm.encode(codes, 8, ordered=True, effort=effort)
        assert (cm.describe(data)["level"], cm.describe(data)["model"]) == (0, "ordered")


@pytest.mark.parametrize("n", [8, 16])
def test_colour_ramps_keep_the_ordered_model_at_efforts_3_and_4(n):
    codes = ramp_palette(40, 60, n, seed=n)
    for effort in (3, 4):
        data = cm.encode(codes, n, effort=effort)
        assert cm.describe(data)["model"] == "ordered"
        assert cm.describe(data)["level"] in (0, 5, 8, 11)  # level 0 or effort 2's choice, the smaller
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def test_level_7_is_smaller_than_level_3_on_the_face(face_rgb):
    """On crops of the face at 16, 64 and 256 colours (on a small crop its tables and
    weights learn less than on the whole face)."""
    for k in (16, 64, 256):
        codes = vqpress.compress(face_rgb[:256, :384], k).codes()
        data = encode7(codes, k)
        with palettes_at(cm_levels.PALETTE_TABLES):
            assert len(data) < len(cm.encode(codes, k))


def test_the_reader_checks_level_7_header_fields():
    codes = blobs(48, 80, 40, seed=8)
    data = encode7(codes, 40)

    def bad(blob, match, n=40, shape=codes.shape):
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), shape, n)

    blob = bytearray(data)
    blob[4] = 9
    bad(blob, "level 7 has no hashed tables: its table_bits must be 8; got 9")
    blob = bytearray(data)
    blob[3] = 0
    bad(blob, "level 7 codes the palette model only")
    blob = bytearray(data)
    blob[5] = 200  # (a level no round has taken)
    bad(blob, r"level 200 \(allowed 0, 1, 2, 3, 4, 5, (.*, )?7\b")


def test_describe_names_level_7():
    info = cm.describe(encode7(blobs(20, 30, 40), 40))
    assert (info["level"], info["level_name"]) == (7, "palette mixed tables")


def test_level_3_payloads_recoded_at_level_7_decode():
    """The same header, order and strips, the streams of level 7: the level byte alone picks
    the kernel."""
    codes = blobs(40, 50, 90, seed=3, noise=0.2)
    with palettes_at(cm_levels.PALETTE_TABLES):
        data3 = cm.encode(codes, 90)
    data7 = at_level(data3, codes, cm_levels.PALETTE_MIXED)
    assert cm.describe(data7)["level"] == 7 and data7 != data3
    np.testing.assert_array_equal(cm.decode(data7, codes.shape, 90), codes)


def test_fuzz_damaged_level_7_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (16, 2), (17, 3), (256, 4)):
        codes = blobs(48, 80, n, seed=seed, noise=0.2)
        cases.append((codes, n, encode7(codes, n)))
    fuzz_payloads(cases, np.random.default_rng(29))


@pytest.mark.parametrize("n", [3, 16, 40, 256])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-7 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode7(codes, n), codes.shape, n, np.random.default_rng(5))


@pytest.mark.parametrize("name", ["face-crop-kmeans-16-cm-level3", "face-crop-kmeans-64-cm-level3",
                                  "face-crop-kmeans-64-cm-level7"])
def test_palette_kernels_write_the_frozen_streams_again(name):
    """Levels 3 and 7 share _palette_common.pxd: given a frozen payload's header, symbol
    order and strips, each kernel writes the frozen streams again, byte for byte."""
    from pathlib import Path

    payload, codes = frozen_payload(Path(__file__).parent / "data" / f"{name}.vqz")
    level = cm.describe(payload)["level"]
    assert at_level(payload, codes, level) == payload
