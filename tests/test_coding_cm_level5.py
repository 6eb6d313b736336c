"""Level 5 of the cm coding (gray levels as x == MED, then one residual symbol of averaged
adaptive tables): round trips, the reference decoder of docs/FORMAT.md, strips, the
efforts that use it, the reader's checks and a fuzzer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import cm, symbol_order
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import (
    THIN_SHAPES, blobs, check_strips_alike, encode_ordered_at, fuzz_payloads, noise_streams_decode_in_range, ordered_at,
    thin_maps)
from test_coding_cm_level4 import encode4, gradient


def encode5(codes, n, **kw):
    return encode_ordered_at(cm_levels.PREDICTED_TABLES, codes, n, **kw)


def jumps(h, w, n, seed):
    """Levels far from every prediction: residuals of -8 or less and 7 or more (the two far
    lanes) as well as everything between."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n, (h, w))
    codes[::3] = np.where(np.arange(w) % 2, n - 1, 0)
    return codes.astype(np.uint8)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 9, 15, 16])
def test_round_trip_every_level_count(n):
    for codes in (blobs(37, 53, n, seed=n), blobs(30, 41, n, seed=n, noise=1.0), gradient(40, 50, n),
                  jumps(30, 40, n, seed=n), np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8)):
        data = encode5(codes, n)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 16)):
        np.testing.assert_array_equal(cm.decode(encode5(codes, n), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 16), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode5(codes, n, effort=effort), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (3, 0.5, 2), (8, 0.2, 3), (8, 0.0, 4), (12, 0.05, 5),
                                          (16, 0.3, 6), (16, 1.0, 7)])
def test_format_md_describes_level_5_exactly(n, noise, seed):
    """tests/cm_reference_level5.py decodes from the letter of docs/FORMAT.md."""
    for codes in (blobs(9, 23, n, seed=seed, noise=noise), gradient(8, 21, n), jumps(7, 19, n, seed)):
        data = encode5(codes, n)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_format_md_describes_tables_that_learned_long():
    """A larger noisy map: tables past their last rate change (64 updates), every error class."""
    codes = blobs(40, 60, 16, seed=11, noise=0.15)
    data = encode5(codes, 16)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, 16)), codes)


def test_strips_decode_alike_on_any_number_of_threads():
    check_strips_alike(encode5, blobs(700, 400, 16, seed=5), 16)


def test_efforts_1_and_2_use_level_8_or_5_up_to_16_levels():
    """Level 8, or level 5 when its parameters are level 5's (test_coding_cm_level8)."""
    for n, levels in ((2, (5, 8)), (5, (5, 8)), (16, (5, 8)), (17, (4,)), (32, (4,))):
        codes = blobs(30, 40, n, seed=n)
        for effort in (1, 2):
            # (effort 2 codes maps of up to 4 levels at level 9: test_coding_cm_level9)
            want = (9,) if effort == 2 and n <= cm_levels.MAX_EXACT_LEVELS else levels
            assert cm.describe(cm.encode(codes, n, ordered=True, effort=effort))["level"] in want
        assert cm.describe(cm.encode(codes, n, ordered=True, effort=0))["level"] == 2
    with ordered_at(cm_levels.PREDICTED_TABLES):  # more than 16 levels: level 4 whatever the effort asks
        assert cm.describe(cm.encode(blobs(30, 40, 20), 20, ordered=True))["level"] == 4


def test_level_5_is_as_small_as_level_4_on_the_face(face_gray):
    """Within 1% on each crop of the face (on this small crop its tables learn less than
    on the whole face), smaller on their sum."""
    sizes = []
    for k in (4, 8, 16):
        codes = vqpress.compress(face_gray[:256, :384], k).codes()
        sizes.append((len(encode5(codes, k)), len(encode4(codes, k))))
        assert sizes[-1][0] < 1.01 * sizes[-1][1]
    assert sum(s5 for s5, _ in sizes) < sum(s4 for _, s4 in sizes)


def test_palettes_keep_their_level():
    codes = blobs(30, 40, 8, seed=2)
    with ordered_at(cm_levels.PREDICTED_TABLES):
        for ordered in (False, None):
            assert cm.describe(cm.encode(codes, 8, ordered=ordered))["level"] != 5


def refuses(blob, match, shape, n):
    with pytest.raises(vqpress.FormatError, match=match):
        cm.decode(bytes(blob), shape, n)


def check_table_level_header(data, level, shape, n):
    """The reader's checks that levels 5 and 8 share, on a payload of theirs (n <= 16)."""
    blob = bytearray(data)
    blob[4] = 9
    refuses(blob, f"level {level} has no hashed tables: its table_bits must be 8; got 9", shape, n)
    blob = bytearray(data)
    blob[3] = 1
    refuses(blob, f"level {level} codes the ordered model only", shape, n)
    wide = blobs(48, 80, 20, seed=1)
    blob = bytearray(cm.encode(wide, 20, ordered=True))
    assert blob[5] == 4
    blob[5] = level
    refuses(blob, f"level {level} codes at most 16 levels; the payload has 20", wide.shape, 20)


def test_the_reader_checks_level_5_header_fields():
    codes = blobs(48, 80, 8, seed=8)
    check_table_level_header(encode5(codes, 8), 5, codes.shape, 8)
    blob = bytearray(encode5(codes, 8))
    unknown = max(cm_levels.LEVELS) + 1
    blob[5] = unknown
    refuses(blob, rf"level {unknown} \(allowed {', '.join(map(str, cm_levels.LEVELS))}\)", codes.shape, 8)


def test_describe_names_level_5():
    info = cm.describe(encode5(blobs(20, 30, 8), 8))
    assert (info["level"], info["level_name"]) == (5, "predicted ordered tables")


def test_fuzz_damaged_level_5_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (8, 2), (16, 3)):
        codes = blobs(48, 80, n, seed=seed)
        cases.append((codes, n, encode5(codes, n)))
    codes = jumps(48, 80, 16, seed=4)
    cases.append((codes, 16, encode5(codes, 16)))
    fuzz_payloads(cases, np.random.default_rng(23))


@pytest.mark.parametrize("n", [3, 16])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-5 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode5(codes, n), codes.shape, n, np.random.default_rng(5))


# -- small palettes that are colour ramps -----------------------------------------------------

def ramp_palette(h, w, n, seed):
    """Smooth regions of a palette whose labels are shuffled: a colour ramp in disguise (its
    spectral order puts the colours that meet next to each other)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(n).astype(np.uint8)[blobs(h, w, n, seed=seed, noise=0.0)]


def test_mean_step_of_a_ramp_and_of_noise():
    codes = ramp_palette(40, 60, 12, seed=1)
    adj = symbol_order.adjacency(codes, 12)
    order = symbol_order.spectral_order(codes, 12, adj)
    assert symbol_order.mean_step(order, adj) <= 0.385 * np.log2(12)
    noise = np.random.default_rng(2).integers(0, 12, (40, 60)).astype(np.uint8)
    adj = symbol_order.adjacency(noise, 12)
    assert symbol_order.mean_step(symbol_order.spectral_order(noise, 12, adj), adj) > 0.385 * np.log2(12)
    assert symbol_order.mean_step(np.arange(3), np.zeros((3, 3))) == 0.0


@pytest.mark.parametrize("n", [8, 12, 16])
def test_small_colour_ramps_are_coded_at_level_5_or_8_at_efforts_1_and_2(n):
    codes = ramp_palette(40, 60, n, seed=n)
    # effort 0: level 18, or level 10 where it codes this small map smaller
    for effort, levels in ((0, (10, 18)), (1, (5, 8)), (2, (5, 8, 11)), (3, (0, 5, 8, 11))):
        for ordered in (False, None):
            data = cm.encode(codes, n, ordered=ordered, effort=effort)
            assert cm.describe(data)["level"] in levels
            np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
    data = cm.encode(codes[:12, :30], n, effort=2)
    assert cm.describe(data)["level"] in (5, 8, 11)
    np.testing.assert_array_equal(np.array(reference_decode(data, (12, 30), n)), codes[:12, :30])


def test_palettes_that_are_no_ramp_keep_the_palette_model():
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 16, (40, 60)).astype(np.uint8)
    one_colour = np.full((20, 30), 5, np.uint8)  # no two different neighbours: no steps
    wide_ramp = ramp_palette(40, 60, 20, seed=3)  # more than 16 colours: levels 5 and 8 have 16 lanes
    few = ramp_palette(40, 60, 3, seed=3)  # a mean step is at least 1: below 7 colours no ramp
    for codes, n in ((noise, 16), (one_colour, 8), (wide_ramp, 20), (few, 3)):
        data = cm.encode(codes, n, effort=2)
        # palettes of up to 16 colours at level 18, or level 10 where it codes a map this small smaller
        assert cm.describe(data)["level"] in ((10, 18) if n <= 16 else (6,))
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
