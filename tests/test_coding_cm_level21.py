"""Level 21 of the cm coding (level 6 for palettes of 17-256 colours with the high and low bits
of a pixel no neighbour predicts as one range-coder symbol): round trips, the reference decoder
of docs/FORMAT.md, strips, the encoder's choice, the reader's checks, a fuzzer and its frozen
payload (also tests/test_old_files.py)."""

import struct
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import _cm, cm
from vqpress.coding import choice as cm_choice
from vqpress.coding import levels as cm_levels

import cm_reference_level21
from cm_reference import decode as reference_decode
from cm_helpers import (
    THIN_SHAPES, at_level, blobs, check_strips_alike, frozen_payload, fuzz_payloads, noise_streams_decode_in_range,
    thin_maps)
from test_coding_cm_level6 import encode6, encode_palette_at, speckled

DATA = Path(__file__).parent / "data"
JOINT = cm_levels.PALETTE_SYMBOL_JOINT


def encode21(codes, n, **kw):
    return encode_palette_at(JOINT, codes, n, **kw)


def in_identity_order(codes, n):
    """A version-1 payload of level 21 whose symbol order is the identity (one strip): the map
    coded as it is, not reordered as the encoder would."""
    stream = _cm.encode_strips(np.ascontiguousarray(codes), n, _cm.MODEL_PALETTE, JOINT, 8, codes.shape[0])[0]
    head = struct.pack("<2sBBBBHI", b"CM", 1, cm_levels.PALETTE, 8, JOINT, n, codes.shape[0])
    return head + bytes(range(n)) + struct.pack("<I", len(stream)) + stream


def rare_high_bits(h, w, n, seed):
    """Unpredicted pixels of mostly the lowest 16 colours and now and then one of the highest:
    their high bits' frequency falls below level 21's 64 units (two symbols), then rises."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 16, (h, w))
    rare = rng.random((h, w)) < 0.01
    codes[rare] = rng.integers(n - 16, n, int(rare.sum()))
    return codes.astype(np.uint8)


def unpredicted_map(h, w, n, seed):
    """Blobs with a third of their pixels a colour none of the neighbours has (mostly)."""
    rng = np.random.default_rng(seed)
    codes = blobs(h, w, n, seed=seed)
    other = rng.random((h, w)) < 0.4
    codes[other] = rng.integers(0, n, int(other.sum()))
    return codes


@pytest.mark.parametrize("n", [17, 31, 64, 65, 129, 200, 255, 256])
def test_round_trip_every_palette_size(n):
    for codes in (blobs(37, 53, n, seed=n), blobs(30, 41, n, seed=n, noise=1.0), speckled(30, 40, n, seed=n),
                  rare_high_bits(30, 40, n, seed=n), np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8)):
        np.testing.assert_array_equal(cm.decode(encode21(codes, n), codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (17, 100, 256)):
        np.testing.assert_array_equal(cm.decode(encode21(codes, n), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(17, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode21(codes, n, effort=effort), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("n,noise,seed", [(17, 0.2, 1), (40, 0.5, 2), (64, 0.3, 3), (100, 0.2, 4), (200, 1.0, 5),
                                          (256, 0.3, 6)])
def test_format_md_describes_level_21_exactly(n, noise, seed):
    """tests/cm_reference_level21.py decodes from the letter of docs/FORMAT.md."""
    for codes in (blobs(30, 44, n, seed=seed, noise=noise), speckled(24, 36, n, seed=seed)):
        np.testing.assert_array_equal(np.array(reference_decode(encode21(codes, n), codes.shape, n)), codes)


def test_format_md_describes_both_ways_of_the_unpredicted_pixel():
    """One symbol where the high bits' frequency is 64 units or more, two below: the
    reference decoder meets both on these maps (in their own order, so that the rare colours
    keep their high bits) and decodes them."""
    cm_reference_level21.WAYS.clear()
    for n in (200, 256):
        codes = rare_high_bits(60, 90, n, seed=n)
        data = in_identity_order(codes, n)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)
    assert cm_reference_level21.WAYS["one symbol"] > 1000 and cm_reference_level21.WAYS["two symbols"] > 10


@given(h=st.integers(1, 12), w=st.integers(1, 12), n=st.integers(17, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=25, deadline=None)
def test_format_md_describes_level_21_on_any_map(h, w, n, seed, noise):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    np.testing.assert_array_equal(np.array(reference_decode(encode21(codes, n), (h, w), n)), codes)


def test_format_md_describes_tables_that_learned_long():
    """A larger map: tables past their last rate change, pixels of every kind."""
    codes = unpredicted_map(48, 70, 150, seed=11)
    codes[:, 30:34] = speckled(48, 4, 150, seed=3)
    np.testing.assert_array_equal(np.array(reference_decode(encode21(codes, 150), codes.shape, 150)), codes)


def test_strips_decode_alike_on_any_number_of_threads():
    check_strips_alike(encode21, unpredicted_map(700, 400, 256, seed=5), 256)


def test_the_reader_checks_level_21_header_fields():
    codes = blobs(48, 80, 100, seed=8)
    data = encode21(codes, 100)

    def bad(blob, match, n=100):
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), codes.shape, n)

    blob = bytearray(data)
    blob[4] = 9
    bad(blob, "level 21 has no hashed tables: its table_bits must be 8; got 9")
    blob = bytearray(data)
    blob[3] = 0
    bad(blob, "level 21 codes the palette model only; the payload names model 0")
    # level 6's streams of 16 colours claimed for level 21
    few = encode6(blobs(48, 80, 16, seed=8), 16)
    blob = bytearray(few)
    blob[5] = 21
    bad(blob, "level 21 codes more than 16 colours; the payload has 16", n=16)


@pytest.mark.parametrize("n", [2, 16, 257])
def test_the_kernel_refuses_up_to_16_colours(n):
    with pytest.raises(ValueError, match=f"level 21 codes 17..256 colours; got {n}"):
        _cm.encode_strips(np.zeros((4, 4), np.uint8), n, _cm.MODEL_PALETTE, JOINT, 8, 4)


def test_describe_names_level_21():
    info = cm.describe(encode21(blobs(20, 30, 100), 100))
    assert (info["level"], info["level_name"]) == (21, "palette neighbour symbol joint unpredicted")


def test_fuzz_damaged_level_21_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((17, 1), (64, 2), (129, 3), (256, 4)):
        codes = blobs(48, 80, n, seed=seed, noise=0.3)
        cases.append((codes, n, encode21(codes, n)))
    codes = rare_high_bits(48, 80, 256, seed=5)
    cases.append((codes, 256, encode21(codes, 256)))
    codes = rare_high_bits(60, 90, 200, seed=200)  # (in their own order: two symbols too)
    cases.append((codes, 200, in_identity_order(codes, 200)))
    fuzz_payloads(cases, np.random.default_rng(43))


@pytest.mark.parametrize("n", [17, 100, 256])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-21 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode21(codes, n), codes.shape, n, np.random.default_rng(9))


def test_level_21_codes_the_unpredicted_pixels_a_little_larger_than_level_6(face_rgb):
    """No colour refused: +1..5% on crops of the face at 128 and 256 colours."""
    for k in (128, 256):
        codes = vqpress.compress(face_rgb[:256, :384], k).codes()
        assert 1.0 < len(encode21(codes, k)) / len(encode6(codes, k)) < 1.05


def test_the_kernel_writes_the_frozen_streams_again():
    """Given the frozen payload's header, symbol order and strips, the kernel writes its
    streams again, byte for byte."""
    payload, codes = frozen_payload(DATA / "face-crop-kmeans-256-cm-level21.vqz")
    assert cm.describe(payload)["level"] == 21
    assert at_level(payload, codes, 21) == payload


def test_unpredicted_share_counts_pixels_no_neighbour_predicts():
    """Exact on a map built for it; close to the share of every pixel on others."""
    codes = np.zeros((17, 30), np.uint8)
    codes[1::8, 1:-1:2] = np.arange(1, 15, dtype=np.uint8)  # on the counted rows: every other inner pixel
    assert cm_choice.unpredicted_share(codes) == pytest.approx(14 / 28)
    assert cm_choice.unpredicted_share(np.zeros((1, 50), np.uint8)) == 0.0
    assert cm_choice.unpredicted_share(np.zeros((50, 2), np.uint8)) == 0.0
    for seed in range(3):
        m = unpredicted_map(200, 150, 256, seed)
        x = m[1:, 1:-1]
        hit = (x == m[1:, :-2]) | (x == m[:-1, 1:-1]) | (x == m[:-1, 2:]) | (x == m[:-1, :-2])
        assert abs(cm_choice.unpredicted_share(m) - (1 - hit.mean())) < 0.02


def test_many_colours_with_many_unpredicted_pixels_take_level_21():
    """Efforts 0-2 (level 6) take level 21 for more than 64 colours and an unpredicted share
    above 30%; fewer colours, fewer such pixels or efforts 3-4 (level 7) do not."""
    many = unpredicted_map(60, 80, 256, seed=1)
    few_unpredicted = (blobs(60, 80, 16, seed=1, noise=0.02) * 16).astype(np.uint8)  # (regions of one colour)
    assert cm_choice.unpredicted_share(many) > 0.3 > cm_choice.unpredicted_share(few_unpredicted)
    with mock.patch.object(cm_choice, "_RAMP_STEP", 0.0):
        for effort in range(5):
            want = JOINT if effort <= 2 else cm_levels.PALETTE_MIXED
            data = cm.encode(many, 256, ordered=False, effort=effort)
            assert cm.describe(data)["level"] == want
            np.testing.assert_array_equal(cm.decode(data, many.shape, 256), many)
            assert cm.describe(cm.encode(few_unpredicted, 256, ordered=False, effort=effort))["level"] != JOINT
        fewer = unpredicted_map(60, 80, 64, seed=1)
        assert cm_choice.unpredicted_share(fewer) > 0.3
        assert cm.describe(cm.encode(fewer, 64, ordered=False, effort=2))["level"] == cm_levels.PALETTE_SYMBOL


def test_level_21_asked_for_up_to_16_colours_is_level_6_then_18():
    """An effort set to level 21 (as tests and tools may) codes a map of up to 16 colours as
    level 6 would: level 18 (level 21 codes 17..256 colours)."""
    assert cm_choice.level_for(np.zeros((4, 4), np.uint8), 16, cm_levels.PALETTE, JOINT)[0] == \
        cm_levels.PALETTE_SYMBOL_TRIPLES
    assert cm_choice.level_for(np.zeros((4, 4), np.uint8), 17, cm_levels.PALETTE, JOINT)[0] == JOINT


def test_vqpress_info_names_level_21(capsys):
    from vqpress import cli

    assert cli.main(["info", str(DATA / "face-crop-kmeans-256-cm-level21.vqz")]) == 0
    assert "palette, level 21 (palette neighbour symbol joint unpredicted), 1 strip" in capsys.readouterr().out
