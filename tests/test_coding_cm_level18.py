"""Level 18 of the cm coding (level 10 for palettes of up to 16 colours with richer contexts
for the neighbour symbol): round trips, the reference decoder of docs/FORMAT.md, strips, the
encoder's choice, the reader's checks, a fuzzer and its frozen payload (also
tests/test_old_files.py)."""

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

from cm_reference import decode as reference_decode
from cm_helpers import (
    THIN_SHAPES, at_level, blobs, check_strips_alike, frozen_payload, fuzz_payloads, noise_streams_decode_in_range,
    thin_maps)
from test_coding_cm_level6 import encode10, encode_palette_at, speckled

DATA = Path(__file__).parent / "data"


def encode18(codes, n, **kw):
    return encode_palette_at(cm_levels.PALETTE_SYMBOL_TRIPLES, codes, n, **kw)


def every_kind(h, w, n, seed):
    """Runs of one colour (x == W where the four neighbours are one colour), every equality
    pattern of the neighbours and colours none of them has."""
    codes = speckled(h, w, n, seed)
    codes[h // 3: h // 2] = codes[h // 3, 0]
    return codes


@pytest.mark.parametrize("n", [2, 3, 5, 8, 12, 16])
def test_round_trip_every_palette_size(n):
    for codes in (blobs(37, 53, n, seed=n), blobs(30, 41, n, seed=n, noise=1.0), every_kind(30, 40, n, seed=n),
                  np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8)):
        np.testing.assert_array_equal(cm.decode(encode18(codes, n), codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 16)):
        np.testing.assert_array_equal(cm.decode(encode18(codes, n), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 16), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode18(codes, n, effort=effort), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (3, 0.5, 2), (5, 0.3, 3), (9, 0.2, 4), (16, 0.2, 5),
                                          (16, 1.0, 6)])
def test_format_md_describes_level_18_exactly(n, noise, seed):
    """tests/cm_reference_level18.py decodes from the letter of docs/FORMAT.md."""
    for codes in (blobs(30, 44, n, seed=seed, noise=noise), every_kind(24, 36, n, seed=seed)):
        np.testing.assert_array_equal(np.array(reference_decode(encode18(codes, n), codes.shape, n)), codes)


@given(h=st.integers(1, 12), w=st.integers(1, 12), n=st.integers(2, 16), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=25, deadline=None)
def test_format_md_describes_level_18_on_any_map(h, w, n, seed, noise):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    np.testing.assert_array_equal(np.array(reference_decode(encode18(codes, n), (h, w), n)), codes)


def test_format_md_describes_tables_that_learned_long():
    """A larger map: tables and counters past their last rate change, weights that moved
    far, pixels of every kind."""
    codes = blobs(48, 70, 12, seed=11, noise=0.3)
    codes[:, 30:34] = every_kind(48, 4, 12, seed=3)
    np.testing.assert_array_equal(np.array(reference_decode(encode18(codes, 12), codes.shape, 12)), codes)


def test_strips_decode_alike_on_any_number_of_threads():
    check_strips_alike(encode18, blobs(700, 400, 16, seed=5, noise=0.1), 16)


def test_the_reader_checks_level_18_header_fields():
    codes = blobs(48, 80, 12, seed=8)
    data = encode18(codes, 12)

    def bad(blob, match, n=12):
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), codes.shape, n)

    blob = bytearray(data)
    blob[4] = 9
    bad(blob, "level 18 has no hashed tables: its table_bits must be 8; got 9")
    blob = bytearray(data)
    blob[3] = 0
    bad(blob, "level 18 codes the palette model only; the payload names model 0")
    # the same streams claimed for 17 colours (the header's count and a symbol order of 17)
    wide = encode10(blobs(48, 80, 17, seed=8), 17)
    blob = bytearray(wide)
    blob[5] = 18
    bad(blob, "level 18 codes at most 16 colours; the payload has 17", n=17)


def test_the_kernel_refuses_more_than_16_colours():
    with pytest.raises(ValueError, match="level 18 codes 2..16 colours; got 17"):
        _cm.encode_strips(np.zeros((4, 4), np.uint8), 17, _cm.MODEL_PALETTE, 18, 8, 4)


def test_describe_names_level_18():
    info = cm.describe(encode18(blobs(20, 30, 12), 12))
    assert (info["level"], info["level_name"]) == (18, "palette neighbour symbol triple tables")


def test_fuzz_damaged_level_18_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (5, 2), (12, 3), (16, 4)):
        codes = blobs(48, 80, n, seed=seed, noise=0.2)
        cases.append((codes, n, encode18(codes, n)))
    codes = every_kind(48, 80, 16, seed=5)
    cases.append((codes, 16, encode18(codes, 16)))
    fuzz_payloads(cases, np.random.default_rng(41))


@pytest.mark.parametrize("n", [3, 9, 16])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-18 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode18(codes, n), codes.shape, n, np.random.default_rng(8))


def test_level_18_is_smaller_than_level_10_on_photographs(face_rgb):
    """On crops of the face at 8, 12 and 16 colours, coded as palettes (its 16 colours are a
    colour ramp, which effort 2 codes with the ordered model: not here)."""
    for k in (8, 12, 16):
        codes = vqpress.compress(face_rgb[:256, :384], k).codes()
        assert len(encode18(codes, k)) < 0.995 * len(encode10(codes, k))


def test_the_kernel_writes_the_frozen_streams_again():
    """Given the frozen payload's header, symbol order and strips, the kernel writes its
    streams again, byte for byte."""
    payload, codes = frozen_payload(DATA / "face-crop-kmeans-16-cm-level18.vqz")
    assert cm.describe(payload)["level"] == 18
    assert at_level(payload, codes, 18) == payload


def test_vqpress_info_names_level_18(capsys):
    from vqpress import cli

    assert cli.main(["info", str(DATA / "face-crop-kmeans-16-cm-level18.vqz")]) == 0
    assert "palette, level 18 (palette neighbour symbol triple tables), 1 strip" in capsys.readouterr().out


@pytest.mark.parametrize("n", [2, 9, 16])
def test_palettes_of_up_to_16_colours_take_level_18(n):
    """Level 18 replaces level 6 at efforts 0-2 and level 7 at efforts 3-4 up to 16 colours
    (in level 10's place, which it codes smaller)."""
    codes = blobs(30, 40, n, seed=n, noise=0.3)
    # (a map this small also tries level 10, below; here level 18 alone)
    with mock.patch.object(cm_choice, "_RAMP_STEP", 0.0), mock.patch.object(cm_choice, "_SMALL_MAP_PIXELS", 0):
        for effort in range(5):
            data = cm.encode(codes, n, effort=effort)
            assert (cm.describe(data)["level"], cm.describe(data)["model"]) == (18, "palette")
            np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def test_small_maps_also_try_level_10_and_keep_the_smaller(face_rgb):
    """Level 18's tables of exact neighbourhoods learn less on a small map: up to
    _SMALL_MAP_PIXELS pixels the encoder codes level 10 too and keeps the smaller payload
    (level 18 on a tie), at every effort that takes level 18."""
    chosen = set()
    for (h, w), k in [((64, 96), 16), ((96, 128), 16), ((90, 120), 12), ((150, 200), 8)]:
        codes = vqpress.compress(face_rgb[200:200 + h, 300:300 + w], k).codes()
        sizes = {18: len(encode18(codes, k)), 10: len(encode10(codes, k))}
        for effort in (0, 2, 4):
            with mock.patch.object(cm_choice, "_RAMP_STEP", 0.0):
                data = cm.encode(codes, k, ordered=False, effort=effort)
            level = cm.describe(data)["level"]
            assert len(data) == min(sizes.values()) and sizes[level] == len(data)
            assert level == (10 if sizes[10] < sizes[18] else 18)
            np.testing.assert_array_equal(cm.decode(data, codes.shape, k), codes)
            chosen.add(level)
    assert chosen == {10, 18}  # the maps above take each level somewhere


def test_only_small_maps_of_up_to_16_colours_try_level_10():
    small = cm_choice._SMALL_MAP_PIXELS
    pal = cm_levels.PALETTE
    for effort in range(5):
        ordered_level, palette_level = cm_choice.EFFORT_SETTINGS[effort][:2]
        args = (False, False, effort, ordered_level, palette_level)
        assert (pal, cm_levels.PALETTE_SYMBOL_MIXED) in cm_choice.candidates(16, *args, pixels=small)
        for n, pixels in [(16, small + 1), (17, small), (16, None)]:
            assert (pal, cm_levels.PALETTE_SYMBOL_MIXED) not in cm_choice.candidates(n, *args, pixels=pixels)
