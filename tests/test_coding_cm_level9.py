"""Level 9 of the cm coding (level 5 with the exact neighbourhood, up to 4 levels): round
trips, the reference decoder of docs/FORMAT.md, strips, where the encoder uses it, the
reader's checks and fuzzing of the payload."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import choice as cm_choice, cm
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import (
    THIN_SHAPES, blobs, check_strips_alike, encode_ordered_at, fuzz_payloads, noise_streams_decode_in_range, thin_maps)
from test_coding_cm_level4 import gradient
from test_coding_cm_level5 import check_table_level_header, encode5, jumps, refuses


def encode9(codes, n, **kw):
    return encode_ordered_at(cm_levels.EXACT_TABLES, codes, n, **kw)


def maps(n, seed):
    return (blobs(37, 53, n, seed=seed), blobs(30, 41, n, seed=seed, noise=1.0), gradient(40, 50, n),
            jumps(30, 40, n, seed=seed), np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_round_trip_every_level_count(n):
    for i, codes in enumerate(maps(n, seed=n)):
        np.testing.assert_array_equal(cm.decode(encode9(codes, n), codes.shape, n), codes, err_msg=f"map {i}")


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 3, 4)):
        np.testing.assert_array_equal(cm.decode(encode9(codes, n), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 4), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode9(codes, n), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (3, 0.5, 2), (4, 0.0, 3), (4, 0.3, 4), (4, 1.0, 5)])
def test_format_md_describes_level_9_exactly(n, noise, seed):
    """tests/cm_reference_level5.py decodes level 9 from the letter of docs/FORMAT.md."""
    for codes in (blobs(9, 23, n, seed=seed, noise=noise), gradient(8, 21, n), jumps(7, 19, n, seed)):
        data = encode9(codes, n)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_format_md_describes_level_9_on_a_picture(face_gray):
    """A crop of the face: exact-neighbourhood tables past their 12th lane (then weighing
    half), the interpolated maps away from their start, every error class."""
    codes = vqpress.compress(face_gray[300:348, 480:560], 4).codes()
    data = encode9(codes, 4)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, 4)), codes)


def test_strips_decode_alike_on_any_number_of_threads(two_threads):
    check_strips_alike(encode9, blobs(700, 400, 4, seed=5, noise=0.1), 4)


def test_effort_2_uses_level_9_up_to_4_gray_levels():
    for n in (2, 3, 4, 5, 16):
        codes = blobs(30, 40, n, seed=n)
        data = cm.encode(codes, n, ordered=True)
        assert cm.describe(data)["level"] == 9 if n <= 4 else cm.describe(data)["level"] in (5, 8)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
        for effort in (0, 1, 3, 5):  # the other efforts keep their levels
            assert cm.describe(cm.encode(codes, n, ordered=True, effort=effort))["level"] != 9
    with pytest.MonkeyPatch.context() as mp:  # asked for level 9, maps of more levels take level 8's place
        mp.setitem(cm_choice.EFFORT_SETTINGS, 2, (cm_levels.EXACT_TABLES, *cm_choice.EFFORT_SETTINGS[2][1:]))
        assert cm.describe(cm.encode(blobs(30, 40, 8, seed=1), 8, ordered=True))["level"] in (5, 8)


def test_palettes_of_up_to_4_colours_keep_the_palette_model():
    """(A mean step is at least 1, above 0.385 log2(n) below 7 colours: no small palette is a ramp.)"""
    codes = blobs(30, 40, 4, seed=2)
    for ordered in (False, None):
        assert cm.describe(cm.encode(codes, 4, ordered=ordered))["model"] == "palette"


def test_level_9_is_smaller_than_level_5_on_the_face(face_gray):
    codes = vqpress.compress(face_gray[:384, :512], 4).codes()
    assert len(encode9(codes, 4)) < 0.995 * len(encode5(codes, 4))


def test_the_reader_checks_level_9_header_fields():
    codes = blobs(48, 80, 4, seed=8)
    data = encode9(codes, 4)
    check_table_level_header(data, 9, codes.shape, 4)  # B other than 8, model 1, more than 16 levels
    for n in (5, 16):  # a level-5 payload of 5..16 levels relabelled level 9
        more = blobs(48, 80, n, seed=n)
        blob = bytearray(encode5(more, n))
        blob[5] = 9
        refuses(blob, f"cm level 9 codes at most 4 levels; the payload has {n}", more.shape, n)
    # and the kernel itself, if ever called past those checks (its tables hold symbols 0..3)
    with pytest.raises(ValueError, match=r"level 9 codes 2\.\.4 levels; got 5"):
        cm._kernel().encode_strips(np.zeros((4, 4), np.uint8), 5, cm_levels.ORDERED, cm_levels.EXACT_TABLES, 8, 4)


def test_describe_names_level_9():
    info = cm.describe(encode9(blobs(20, 30, 4), 4))
    assert (info["level"], info["level_name"]) == (9, "exact predicted ordered tables")


def test_fuzz_damaged_level_9_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (3, 2), (4, 3)):
        codes = blobs(48, 80, n, seed=seed)
        cases.append((codes, n, encode9(codes, n)))
    codes = jumps(48, 80, 4, seed=4)
    cases.append((codes, 4, encode9(codes, 4)))
    fuzz_payloads(cases, np.random.default_rng(29))


@pytest.mark.parametrize("n", [2, 4])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-9 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode9(codes, n), codes.shape, n, np.random.default_rng(7))
